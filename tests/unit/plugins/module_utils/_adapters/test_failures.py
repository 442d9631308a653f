"""One wording of failures for every entry point: the core's message, or only the type of anything else."""

from __future__ import annotations

import sys

import native_panics
import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters.failures import (
    MODULE,
    THUMBPRINT_FILTER,
    TOKEN_CLAIMS_FILTER,
    TOKEN_LOOKUP,
    attempt,
    describe,
    error_details,
    message,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import MissingDependencyError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    AzureAdOAuthError,
    KeystoreError,
    OptionError,
    TokenEndpointError,
    TransportError,
)

ALL_WORDINGS = [MODULE, TOKEN_LOOKUP, THUMBPRINT_FILTER, TOKEN_CLAIMS_FILTER]
PANIC = native_panics.PanicException(native_panics.panic_text("failures-secret-5Rk"))


@pytest.mark.parametrize(("error", "expected"), [
    (KeystoreError("The JKS keystore '/k.jks' is corrupt or truncated.", option="keystore_path"),
     "The JKS keystore '/k.jks' is corrupt or truncated. (option: keystore_path)"),
    (KeystoreError("keystore_password is empty.", option="keystore_password"), "keystore_password is empty."),
    (TransportError("The proxy refused the connection. Check HTTPS_PROXY.", option="authority_host"),
     "The proxy refused the connection. Check HTTPS_PROXY. (option: authority_host)"),
    (AzureAdOAuthError("No option at fault."), "No option at fault."),
])  # fmt: skip
def test_failures_name_the_option_at_fault(error, expected):
    """Loader and Entra texts do not always say which option to fix; the adapters add it, once."""
    assert message(error) == expected
    assert describe(error, MODULE).message == expected


def test_entra_errors_name_the_option_after_the_hint():
    error = TokenEndpointError("AADSTS7000215: Invalid client secret provided.", error_codes=(7000215,),
                               hint="Use the client secret's Value, not its Secret ID.", option="client_secret")
    assert message(error) == ("AADSTS7000215: Invalid client secret provided. Hint: Use the client secret's Value, "
                              "not its Secret ID. (option: client_secret)")


def test_entra_errors_carry_their_codes_and_ids_in_the_details():
    error = TokenEndpointError("AADSTS7000215: Invalid client secret provided.", status=401,
                               error="invalid_client", error_codes=(7000215,), trace_id="t-1",
                               correlation_id="c-1", option="client_secret")  # fmt: skip
    assert error_details(error) == {"option": "client_secret", "type": "TokenEndpointError", "status": 401,
                                    "error": "invalid_client", "error_codes": [7000215], "trace_id": "t-1",
                                    "correlation_id": "c-1"}  # fmt: skip
    assert describe(error, TOKEN_LOOKUP).details == error_details(error)


@pytest.mark.parametrize(("wording", "expected"), [
    (MODULE, "thumbprint has 3 hex digits. (option: thumbprint_x)"),
    (TOKEN_LOOKUP, "azure_ad.oauth.token: thumbprint has 3 hex digits. (option: thumbprint_x)"),
    (THUMBPRINT_FILTER, "thumbprint: thumbprint has 3 hex digits. (option: thumbprint_x)"),
    (TOKEN_CLAIMS_FILTER, "token_claims: thumbprint has 3 hex digits. (option: thumbprint_x)"),
])  # fmt: skip
def test_every_entry_point_words_a_core_error_the_same_way(wording, expected):
    failure = describe(OptionError("thumbprint has 3 hex digits.", option="thumbprint_x"), wording)
    assert failure.message == expected
    assert failure.details == {"option": "thumbprint_x", "type": "OptionError"}


@pytest.mark.parametrize(("wording", "expected"), [
    (MODULE, "Unexpected internal error (PanicException). This is a bug in azure_ad.oauth; please report it with "
             "the task's options (never its secrets)."),
    (TOKEN_LOOKUP, "azure_ad.oauth.token: Unexpected internal error (PanicException). This is a bug in "
                   "azure_ad.oauth; please report it with the task's options (never its secrets)."),
    (THUMBPRINT_FILTER, "thumbprint: unexpected internal error (PanicException); the input could not be read."),
    (TOKEN_CLAIMS_FILTER, "token_claims: unexpected internal error (PanicException); the input could not be "
                          "decoded."),
])  # fmt: skip
def test_anything_else_is_named_by_its_type_only(wording, expected):
    failure = describe(PANIC, wording)
    assert failure.message == expected and failure.details is None
    assert native_panics.PANIC_MARKER not in failure.message


def test_a_missing_library_reads_as_ansible_says_it_in_modules_only():
    missing = MissingDependencyError("jks", "to read JKS and JCEKS keystores")
    module = describe(missing, MODULE)
    assert module.message.startswith("Failed to import the required Python library (pyjks)")
    assert "to read JKS and JCEKS keystores" in module.message
    assert module.details == {"option": None, "type": "MissingDependencyError"}
    assert describe(missing, TOKEN_LOOKUP).message == f"azure_ad.oauth.token: {missing}"
    assert describe(missing, THUMBPRINT_FILTER).message == f"thumbprint: {missing}"


def test_an_import_error_is_a_missing_library_only_where_the_wording_says_so():
    assert describe(ImportError("No module named 'cryptography'"), THUMBPRINT_FILTER).message == (
        "thumbprint needs the Python library cryptography to read certificates.")
    assert describe(ImportError("No module named 'x'"), MODULE).message.startswith(
        "Unexpected internal error (ImportError).")


@pytest.mark.parametrize("wording", ALL_WORDINGS)
def test_attempt_hands_back_the_result_or_the_failure_with_no_exception_pending(wording):
    assert attempt(lambda: 42, wording) == (42, None)
    pending = []

    def panics():
        raise PANIC

    result, failure = attempt(panics, wording)
    pending.append(sys.exc_info()[1])
    assert result is None and failure == describe(PANIC, wording)
    assert pending == [None]


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit, GeneratorExit])
@pytest.mark.parametrize("wording", ALL_WORDINGS)
def test_attempt_lets_the_stopping_exceptions_through(wording, stop):
    def stopping():
        raise stop()

    with pytest.raises(stop):
        attempt(stopping, wording)


def test_attempt_lets_through_what_the_entry_point_names():
    class AlreadyClean(Exception):
        pass

    def clean():
        raise AlreadyClean("an Ansible error, worded already")

    with pytest.raises(AlreadyClean):
        attempt(clean, TOKEN_LOOKUP, let_through=(AlreadyClean,))
    assert attempt(clean, TOKEN_LOOKUP)[1].message.startswith("azure_ad.oauth.token: Unexpected internal error")
