"""NUL bytes are refused up front, before any value reaches a library, naming the option."""

from __future__ import annotations

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.input_checks import reject_nul_bytes

NAMES = ["tenant_id", "keystore_password", "scope"]


@pytest.mark.parametrize(("values", "option"), [
    ({"tenant_id": "contoso\x00.onmicrosoft.com"}, "tenant_id"),
    ({"keystore_password": "\x00"}, "keystore_password"),
    ({"scope": ["https://graph.microsoft.com/.default", "x\x00"]}, "scope"),
    ({"scope": ("x\x00",)}, "scope"),
    ({"tenant_id": "a\x00", "keystore_password": "b\x00"}, "tenant_id"),  # the first, in the order of names
])  # fmt: skip
def test_a_nul_byte_is_refused_naming_the_option(values, option):
    with pytest.raises(OptionError) as caught:
        reject_nul_bytes(values, NAMES)
    assert caught.value.option == option
    assert str(caught.value).startswith(f"{option} holds a NUL byte (\\x00), which no password, path or name can hold.")


@pytest.mark.parametrize("values", [
    {},
    {"tenant_id": None, "keystore_password": "pass word", "scope": ["a", "b"]},
    {"tenant_id": 42, "scope": [None, 7]},
    {"other": "not\x00checked"},
])  # fmt: skip
def test_values_without_a_nul_byte_pass(values):
    assert reject_nul_bytes(values, NAMES) is None


def test_the_value_is_never_quoted():
    with pytest.raises(OptionError) as caught:
        reject_nul_bytes({"keystore_password": "Secr3t\x00pass"}, NAMES)
    assert "Secr3t" not in str(caught.value)
