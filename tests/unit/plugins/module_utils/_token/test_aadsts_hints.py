"""The hint and the option at fault for the AADSTS codes users meet most."""

from __future__ import annotations

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._token.aadsts_hints import (
    AADSTS_HINTS,
    SCOPE_CODES,
    federated_hint,
    hint_for,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import TOKEN_OPTIONS


def test_every_hint_names_an_option_of_the_token_module_or_none():
    for code, (option, hint) in AADSTS_HINTS.items():
        assert option is None or option in TOKEN_OPTIONS, code
        assert hint.endswith(".") and len(hint) < 300, code


def test_the_first_known_code_gives_the_hint():
    assert hint_for((12345, 7000215, 90002)) == AADSTS_HINTS[7000215]
    assert hint_for((90002,)) == ("tenant_id", AADSTS_HINTS[90002][1])


@pytest.mark.parametrize("codes", [(), (12345,), (0, 1)])
def test_unknown_codes_give_no_hint(codes):
    assert hint_for(codes) == (None, None)


@pytest.mark.parametrize("code", sorted(SCOPE_CODES))
def test_a_scope_code_names_the_default_scope_to_ask_for(code):
    option, hint = hint_for((code,), ("https://graph.microsoft.com/User.Read",))
    assert option == AADSTS_HINTS[code][0]
    assert hint.startswith(AADSTS_HINTS[code][1])
    assert ("You asked for https://graph.microsoft.com/User.Read: if User.Read is a permission, ask for "
            "https://graph.microsoft.com/.default instead") in hint


@pytest.mark.parametrize("requested", [(), ("https://graph.microsoft.com/.default",), ("https://graph.microsoft.com",)])
def test_a_scope_code_without_a_permission_in_the_request_keeps_its_plain_hint(requested):
    assert hint_for((500011,), requested) == AADSTS_HINTS[500011]


def test_other_codes_never_get_a_scope_suggestion():
    assert hint_for((7000215,), ("https://graph.microsoft.com/User.Read",)) == AADSTS_HINTS[7000215]


@pytest.mark.parametrize("code", [70021, 700211, 700212, 700213, 7002138])
def test_federated_mismatches_name_the_tokens_issuer_and_subject_and_where_to_fix_it(code):
    described = "issuer (iss) 'https://token.actions.githubusercontent.com' and subject (sub) 'repo:c/r:ref:x'"
    hint = federated_hint((code,), described)
    assert described in hint
    assert "Federated credentials" in hint and "case-sensitively" in hint
    assert hint_for((code,))[0] == "client_assertion"


def test_other_codes_get_no_federated_hint():
    assert federated_hint((7000215, 50027), "x") is None
