"""The neutral errors every concern raises: their text, the option at fault, and what passes a safety net."""

from __future__ import annotations

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    AliasError,
    AzureAdOAuthError,
    KeystoreError,
    OptionError,
    TokenEndpointError,
    TransportError,
)


def test_only_the_stopping_exceptions_pass_a_safety_net():
    assert set(MUST_PROPAGATE) == {KeyboardInterrupt, SystemExit, GeneratorExit}
    assert all(not issubclass(kind, Exception) for kind in MUST_PROPAGATE)


@pytest.mark.parametrize("kind", [OptionError, KeystoreError, TransportError, TokenEndpointError])
def test_every_error_is_a_collection_error_with_its_option(kind):
    error = kind("Something is wrong.", option="tenant_id")
    assert isinstance(error, AzureAdOAuthError) and isinstance(error, Exception)
    assert error.option == "tenant_id" and error.message == "Something is wrong."
    assert str(error) == "Something is wrong." and error.args == ("Something is wrong.",)


def test_an_alias_error_is_a_keystore_error_that_callers_can_tell_apart():
    error = AliasError("alias 'x' is not an entry of the JKS keystore '/k.jks'.", option="alias")
    assert isinstance(error, KeystoreError) and error.option == "alias"
    assert not isinstance(KeystoreError("wrong password", option="password"), AliasError)


def test_a_hint_follows_the_message_in_the_text_only():
    error = AzureAdOAuthError("No such tenant.", option="tenant_id", hint="Check tenant_id.")
    assert str(error) == "No such tenant. Hint: Check tenant_id."
    assert error.message == "No such tenant." and error.hint == "Check tenant_id."
    assert str(AzureAdOAuthError("No option at fault.")) == "No option at fault."


def test_a_transport_error_says_whether_it_may_pass_and_why_in_a_few_words():
    assert (TransportError("x").retryable, TransportError("x").reason) == (False, "")
    dropped = TransportError("Dropped.", option="authority_host", retryable=True, reason="connection error")
    assert dropped.retryable and dropped.reason == "connection error" and dropped.hint is None


def test_an_endpoint_error_keeps_entras_facts():
    error = TokenEndpointError("AADSTS7000215: Invalid client secret provided.", status=401, error="invalid_client",
                               error_codes=(7000215,), trace_id="t", correlation_id="c", hint="Use the Value.",
                               option="client_secret")  # fmt: skip
    assert (error.status, error.error, error.error_codes, error.trace_id, error.correlation_id) == (
        401, "invalid_client", (7000215,), "t", "c")
    assert str(error) == "AADSTS7000215: Invalid client secret provided. Hint: Use the Value."
    assert TokenEndpointError("x").error_codes == ()
