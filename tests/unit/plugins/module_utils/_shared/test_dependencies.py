"""Third-party libraries are imported where they are needed, and a missing one is named as pip knows it."""

from __future__ import annotations

import json
import sys

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import (
    DISTRIBUTIONS,
    MissingDependencyError,
    require,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AzureAdOAuthError


def test_an_installed_library_is_returned():
    assert require("json", "to read JSON") is json


@pytest.fixture
def missing(monkeypatch):
    """Make ``import <name>`` fail, as on a host where the library is not installed (None in sys.modules)."""

    def make_missing(name):
        monkeypatch.setitem(sys.modules, name, None)

    return make_missing


@pytest.mark.parametrize(("import_name", "distribution"), [("jks", "pyjks"), ("jwt", "PyJWT"),
                                                           ("cryptography.x509", "cryptography")])  # fmt: skip
def test_a_missing_library_is_named_by_its_pip_distribution_and_why(missing, import_name, distribution):
    missing(import_name)
    with pytest.raises(MissingDependencyError) as caught:
        require(import_name, "to read JKS and JCEKS keystores")
    error = caught.value
    assert isinstance(error, AzureAdOAuthError) and error.option is None
    assert (error.distribution, error.purpose) == (distribution, "to read JKS and JCEKS keystores")
    assert str(error) == (f"The Python library {distribution} is required to read JKS and JCEKS keystores. Install it "
                          f"with 'pip install {distribution}' for the interpreter that runs this task.")
    assert error.__cause__ is None and error.__suppress_context__, "no ImportError for a traceback to show"


def test_a_library_we_do_not_list_is_named_as_imported():
    assert "somelib" not in DISTRIBUTIONS
    assert MissingDependencyError("somelib", "to test").distribution == "somelib"
