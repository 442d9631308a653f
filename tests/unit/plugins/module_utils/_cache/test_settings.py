"""The cache options: off unless asked, the documented defaults, and a refresh_margin in range."""

from __future__ import annotations

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.settings import (
    MAX_REFRESH_MARGIN,
    CacheSettings,
    cache_settings,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.defaults import (
    DEFAULT_CACHE_DIR,
    DEFAULT_REFRESH_MARGIN,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError


@pytest.mark.parametrize("value", [None, False, "true", 1])
def test_the_cache_is_on_only_when_asked_with_a_real_true(value):
    assert cache_settings({"cache": value, "cache_dir": "/c"}) is None


def test_defaults():
    assert cache_settings({"cache": True}) == CacheSettings(DEFAULT_CACHE_DIR, DEFAULT_REFRESH_MARGIN)
    assert (DEFAULT_CACHE_DIR, DEFAULT_REFRESH_MARGIN) == ("~/.cache/azure_ad.oauth", 300)


@pytest.mark.parametrize("value, expected", [
    (0, 0), (300, 300), ("60", 60), (3000.0, 3000), (MAX_REFRESH_MARGIN, MAX_REFRESH_MARGIN),
])
def test_a_refresh_margin_in_range(value, expected):
    assert cache_settings({"cache": True, "refresh_margin": value}).refresh_margin == expected


@pytest.mark.parametrize("value", [-1, 3001, 1.5, "soon", True, float("nan"), float("inf"), [], 10**400])
def test_a_refresh_margin_out_of_range_names_the_option(value):
    with pytest.raises(OptionError) as caught:
        cache_settings({"cache": True, "refresh_margin": value})
    assert caught.value.option == "refresh_margin"
    assert "between 0 and 3000" in str(caught.value)


def test_fresh_until_the_margin():
    settings = CacheSettings("/c", 300)
    assert settings.fresh(expires_on=1000, now=699)
    assert not settings.fresh(expires_on=1000, now=700)
    assert not CacheSettings("/c", 0).fresh(expires_on=1000, now=1000)
