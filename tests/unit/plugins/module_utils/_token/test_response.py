"""Reading the endpoint's answers: validated tokens, ints out of v1 strings, one safe line per error."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AzureAdOAuthError, TokenEndpointError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import TokenTarget
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.response import (
    MAX_LIFETIME,
    Exchange,
    TokenResult,
    parse_token_response,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.http import HttpResponse

# header {"alg":"none"} . {"aud":"https://graph.microsoft.com","roles":["A"]} . (no signature)
JWT = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJyb2xlcyI6WyJBIl19.c2ln"
AUTHORITY = "https://login.example.test"
V2 = TokenTarget(scopes=("https://graph.microsoft.com/.default",))
V1 = TokenTarget(resource="https://management.azure.com")
SECRET = "Zq8~s3 cr+et/=%&\"'é<>"
PASSWORD = "kEy-pass word+/"
ASSERTION = ("eyJhbGciOiJQUzI1NiIsIng1dCNTMjU2IjoiYWJjIn0.eyJhdWQiOiJodHRwczovL2xvZ2luIiwianRpIjoiMSJ9."
             "SIGNATURE_Sig-natureSIGNATURE_Sig-natureSIGNATURE")  # fmt: skip
SECRETS = (SECRET, PASSWORD, ASSERTION, ASSERTION.rpartition(".")[2])
GOOD = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": JWT}


def exchange(target=V2, api_version="v2", sent_at=0.0, secrets=SECRETS):
    return Exchange(authority_host=AUTHORITY, target=target, api_version=api_version, sent_at=sent_at,
                    secrets=secrets)  # fmt: skip


def answer(status, payload=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    return HttpResponse(status=status, headers={}, body=body, client_request_id="req-1")


def failure(status, payload=None, raw=None, **context) -> TokenEndpointError:
    with pytest.raises(TokenEndpointError) as info:
        parse_token_response(answer(status, payload, raw), exchange(**context))
    return info.value


def forms_of(secret: str) -> list[str]:
    """Every form in which a secret may come back: as sent, percent-encoded in either case, form-encoded, JSON."""
    forms = {secret, quote(secret), quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    forms |= {re.sub("%[0-9A-F]{2}", lambda escape: escape.group().lower(), form) for form in forms}  # lower-case hex
    return sorted(forms)


ALL_FORMS = [form for secret in SECRETS for form in forms_of(secret)]


def assert_safe(err: AzureAdOAuthError, limit: int = 1500, whole_echoes_only: bool = True) -> None:
    """One short printable line, with no form of any secret, in the message and every field a result shows.

    ``whole_echoes_only``: the answer echoed only whole secrets, so not even their first characters may show
    (a cut must never leave a prefix). Random answers may hold such a prefix on their own.
    """
    texts = [str(err), *(str(getattr(err, name, "") or "") for name in ("error", "trace_id", "correlation_id"))]
    for text in texts:
        assert len(text) <= limit, len(text)
        assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in text), repr(text)
        for form in ALL_FORMS:
            assert form not in text, (form, text)
        if whole_echoes_only:
            assert "Zq8~s3" not in text and "SIGNATURE_Sig" not in text
    assert all(isinstance(code, int) and not isinstance(code, bool) for code in err.error_codes)


# -- success ------------------------------------------------------------------------------------------------


def test_v2_success_computes_expires_on():
    result = parse_token_response(answer(200, GOOD), exchange(sent_at=1000.7))
    assert result.to_dict() == {
        "access_token": JWT, "token_type": "Bearer", "expires_in": 3599, "expires_on": 4599,
        "ext_expires_in": 3599, "api_version": "v2", "scope": ["https://graph.microsoft.com/.default"],
        "claims": {"aud": "https://graph.microsoft.com", "roles": ["A"]}, "cached": False,
    }


def test_v1_numbers_arrive_as_strings_and_leave_as_ints():
    result = parse_token_response(
        answer(200, {"token_type": "Bearer", "expires_in": "3599", "ext_expires_in": "3599", "expires_on": "1795999999",
                     "not_before": "1795996399", "resource": "https://management.azure.com", "access_token": "opaque"}),
        exchange(V1, "v1"))
    data = result.to_dict()
    assert (data["expires_in"], data["ext_expires_in"], data["expires_on"]) == (3599, 3599, 1795999999)
    assert data["resource"] == "https://management.azure.com"
    assert "claims" not in data and "scope" not in data


def test_whole_floats_are_whole_numbers():
    result = parse_token_response(answer(200, {**GOOD, "expires_in": 3599.0}), exchange())
    assert result.expires_in == 3599 and isinstance(result.expires_in, int)


def test_deeply_nested_claims_are_not_handed_on():
    deep = json.dumps({"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})
    import base64

    token = "eyJhbGciOiJub25lIn0." + base64.urlsafe_b64encode(deep.encode()).decode().rstrip("=") + ".c2ln"
    result = parse_token_response(answer(200, {**GOOD, "access_token": token}), exchange())
    assert result.access_token == token and result.claims is None


# -- a malformed success is a failure, naming the endpoint ------------------------------------------------


@pytest.mark.parametrize(
    ("access_token", "problem"),
    [
        (None, "access_token is null, not a string"),
        ({"x": 1}, "access_token is a JSON object, not a string"),
        (["t"], "access_token is a JSON array, not a string"),
        (12345, "access_token is a number, not a string"),
        (True, "access_token is a boolean, not a string"),
        ("", "access_token is an empty string"),
        ("abc\ndef", "access_token holds whitespace"),
        ("abc def", "access_token holds whitespace"),
        ("abc\x1b[2Jdef", "access_token holds whitespace, control"),
        ("abcédef", "non-ASCII"),
    ],
)
def test_a_token_that_is_not_a_printable_string_fails(access_token, problem):
    err = failure(200, {**GOOD, "access_token": access_token})
    assert problem in str(err)
    assert str(err).startswith(f"The token endpoint {AUTHORITY} answered 200, but its access_token")
    assert err.option == "authority_host" and err.status == 200
    assert "abc" not in str(err)  # the value itself is never quoted: it may be a real token
    assert_safe(err)


def test_a_200_without_access_token_fails():
    err = failure(200, {"token_type": "Bearer", "expires_in": 5})
    assert "it has no access_token" in str(err) and err.option == "authority_host"


@pytest.mark.parametrize(
    ("raw_value", "problem"),
    [
        ("1e400", "expires_in is inf, not a whole number of seconds"),
        ("-1e400", "expires_in is -inf, not a whole number"),
        ("NaN", "expires_in is nan, not a whole number"),
        ("-1", "expires_in is -1, outside 1 to"),
        ("0", "expires_in is 0, outside 1 to"),
        ("1e30", "expires_in is 1e+30, outside"),
        (str(10**40), "expires_in is (a very large number), outside"),
        (str(MAX_LIFETIME + 1), f"expires_in is {MAX_LIFETIME + 1}, outside 1 to {MAX_LIFETIME} seconds"),
        ("3599.5", "expires_in is 3599.5, not a whole number"),
        ('"abc"', "expires_in is 'abc', not a whole number"),
        ('"-5"', "expires_in is '-5', not a whole number"),
        ('"3599 "', "expires_in is '3599', not a whole number"),  # quoted cleanly: the space is collapsed
        ('"\u0663"', "not a whole number"),  # an Arabic-Indic digit: int() would take it, we do not
        ("true", "expires_in is true, not a whole number"),
        ("null", "expires_in is null, not a whole number"),
        ("[]", "expires_in is a JSON array, not a whole number"),
        ("{}", "expires_in is a JSON object, not a whole number"),
    ],
)
def test_expires_in_of_the_wrong_type_or_range_fails(raw_value, problem):
    body = json.dumps({**GOOD, "expires_in": "PLACEHOLDER"}).replace('"PLACEHOLDER"', raw_value).encode()
    err = failure(200, raw=body)
    assert problem in str(err), str(err)
    assert AUTHORITY in str(err) and err.option == "authority_host"
    assert "Unexpected" not in str(err)
    assert_safe(err)


@pytest.mark.parametrize("name", ["ext_expires_in", "expires_on"])
@pytest.mark.parametrize("value", [float("inf"), -1, 0, "abc", True, 10**20, 1.5, None, {}])
def test_optional_numbers_are_checked_when_present(name, value):
    err = failure(200, {**GOOD, name: value})
    assert f"its {name} is " in str(err) and err.option == "authority_host"
    assert_safe(err)


@pytest.mark.parametrize("token_type", [None, 5, "", "Bear er", "B\x1bearer", "x" * 200, {"a": 1}])
def test_token_type_must_be_a_word(token_type):
    err = failure(200, {**GOOD, "token_type": token_type})
    assert "its token_type is" in str(err)
    assert_safe(err)


def test_missing_token_type_and_expires_in_fail():
    assert "its token_type is null" in str(failure(200, {"access_token": "x", "expires_in": 5}))
    assert "it has no expires_in" in str(failure(200, {"access_token": "x", "token_type": "Bearer"}))


def test_v1_resource_must_be_a_string():
    err = failure(200, {**GOOD, "resource": {"x": 1}}, target=V1, api_version="v1")
    assert "its resource is a JSON object" in str(err)


# -- error answers ------------------------------------------------------------------------------------------


def test_entra_error_becomes_one_readable_line():
    payload = {
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
                             "request is the client secret value.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\n"
                             "Timestamp: 2026-11-27 23:59:59Z",
        "error_codes": [7000215], "timestamp": "2026-11-27 23:59:59Z", "trace_id": "t-1", "correlation_id": "c-1",
    }
    err = failure(401, payload)
    assert err.message == ("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
                           f"request is the client secret value. (invalid_client, HTTP 401 from {AUTHORITY}, "
                           "trace_id t-1, correlation_id c-1)")
    assert str(err) == err.message + " Hint: Use the client secret's Value, not its Secret ID, and check it " \
                                     "belongs to this client_id."
    assert err.option == "client_secret"
    assert (err.status, err.error_codes, err.trace_id, err.correlation_id) == (401, (7000215,), "t-1", "c-1")
    assert "\n" not in str(err)


def test_non_json_error_names_the_endpoint_and_shows_a_redacted_excerpt():
    body = ("<html><body>Bad gateway " + SECRET + " " + "x" * 500 + "</body></html>").encode()
    err = failure(502, raw=body)
    message = str(err)
    assert message.startswith(f"The token endpoint {AUTHORITY} answered HTTP 502 without an OAuth error: ")
    assert "Bad gateway ********" in message and err.option == "authority_host"
    assert len(message) < 400
    assert_safe(err)


def test_secret_cut_at_the_excerpt_boundary_leaves_no_prefix():
    for padding in range(150, 200):
        err = failure(500, raw=("a" * padding + SECRET).encode())
        assert "Zq8~" not in str(err)


def test_empty_body():
    assert "'(empty body)'" in str(failure(503, raw=b""))


ECHO_FIELDS = ("error", "error_description", "trace_id", "correlation_id", "timestamp", "error_uri")


@pytest.mark.parametrize("field", ECHO_FIELDS)
@pytest.mark.parametrize("form", range(len(ALL_FORMS)))
def test_secrets_echoed_in_any_field_of_a_json_error_are_redacted(field, form):
    echo = f"echo {ALL_FORMS[form]} end"
    payload = {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.",
               "error_codes": [7000215], "trace_id": "t-1", "correlation_id": "c-1", field: echo}  # fmt: skip
    err = failure(401, payload)
    assert_safe(err)
    if field in ("error", "error_description", "trace_id", "correlation_id"):
        assert "echo ******** end" in str(err)


@pytest.mark.parametrize("form", range(len(ALL_FORMS)))
def test_secrets_echoed_in_an_html_page_are_redacted(form):
    err = failure(400, raw=f"<p>you sent client_secret={ALL_FORMS[form]}&amp;x</p>".encode())
    assert_safe(err)
    assert "client_secret=********" in str(err)


def test_an_unknown_jwt_echoed_back_is_masked():
    other = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJzb21lb25lIn0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    err = failure(400, {"error": "invalid_request", "error_description": f"assertion {other} rejected"},
                  secrets=())  # fmt: skip
    assert other not in str(err) and "<JWT redacted>" in str(err)


def test_a_5_mb_description_gives_a_short_message():
    err = failure(400, {"error": "x" * 5_000_000, "error_description": "y" * 5_000_000, "trace_id": "t" * 5_000_000,
                        "correlation_id": "c" * 5_000_000, "error_codes": list(range(100_000))})  # fmt: skip
    assert len(str(err)) < 1000
    assert len(err.error) <= 103 and len(err.trace_id) <= 103 and len(err.correlation_id) <= 103
    assert len(err.error_codes) <= 10


@pytest.mark.parametrize("field", ("error", "error_description", "trace_id", "correlation_id"))
def test_terminal_escapes_in_any_field_never_reach_the_message(field):
    forged = "x\x1b[2J\x1b[H\r\nok: [localhost] => {}\x08\x08\u202egnp.exe\u200b\x9b31m"
    payload = {"error": "invalid_client", "error_description": "AADSTS7000215: bad.", "error_codes": [7000215],
               "trace_id": "t-1", "correlation_id": "c-1", field: forged}  # fmt: skip
    err = failure(401, payload)
    assert_safe(err)
    assert "\\x1b[2J" in str(err) and "\n" not in str(err)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("error_codes", 5), ("error_codes", "x"), ("error_codes", [{}]), ("error_codes", [[7000215]]),
        ("error_codes", [True]), ("error_codes", [1e400]), ("error_codes", [10**40]), ("error_codes", [-7000215]),
        ("error_codes", None), ("error", {"nested": "dict"}), ("error", ["a"]), ("error", 5), ("error", None),
        ("error", True), ("error_description", {"x": 1}), ("error_description", 10**40), ("trace_id", {"x": 1}),
        ("correlation_id", ["c"]), ("trace_id", float("nan")), ("correlation_id", ""),
    ],
)  # fmt: skip
def test_malformed_error_fields_still_give_a_clean_message(field, value):
    payload = {"error": "invalid_client", "error_description": "AADSTS7000215: bad.", "trace_id": "t-1",
               "correlation_id": "c-1", field: value}  # fmt: skip
    err = failure(401, payload)
    assert_safe(err)
    assert err.error_codes == ()
    assert f"HTTP 401 from {AUTHORITY}" in str(err)


def test_digit_string_codes_are_accepted_and_give_the_hint():
    err = failure(401, {"error": "invalid_client", "error_codes": ["7000215", 1.0]})
    assert err.error_codes == (7000215, 1) and err.option == "client_secret"


def test_a_description_of_only_entra_tail_falls_back_to_error():
    err = failure(400, {"error": "invalid_request", "error_description": "Trace ID: t\r\nCorrelation ID: c"})
    assert str(err).startswith("invalid_request (invalid_request, HTTP 400")


def test_deeply_nested_json_is_not_json():
    err = failure(400, raw=b"[" * 200_000 + b"]" * 200_000)
    assert "without an OAuth error" in str(err)
    assert_safe(err)


def test_200_with_an_oauth_error_is_an_error():
    err = failure(200, {"error": "invalid_client", "error_codes": [7000215]})
    assert err.error_codes == (7000215,) and err.option == "client_secret"


@pytest.mark.parametrize(
    ("scope", "suggestion"),
    [
        ("https://graph.microsoft.com/User.Read/.default", "https://graph.microsoft.com/.default"),
        ("api://8eaef023-2b34-4da1-9baa-8bc8c9d6a490/Files.Read/.default",
         "api://8eaef023-2b34-4da1-9baa-8bc8c9d6a490/.default"),
    ],
)  # fmt: skip
def test_scope_codes_suggest_the_resource_default_scope(scope, suggestion):
    for code in (500011, 70011, 1002012):
        err = failure(400, {"error": "invalid_resource", "error_codes": [code]}, target=TokenTarget(scopes=(scope,)))
        assert f"ask for {suggestion} instead" in err.hint, err.hint


def test_a_plain_default_scope_gets_no_suggestion():
    err = failure(400, {"error": "invalid_resource", "error_codes": [500011]})
    assert "ask for" not in err.hint


# -- no shape of answer raises anything but AzureAdOAuthError ------------------------------------------------

JSON_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**60), max_value=10**60)
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40)
                | st.sampled_from(ALL_FORMS)
                | st.sampled_from(["3599", "Bearer", JWT, "\x1b[2J\r\nok:", ""]))  # fmt: skip
JSON_VALUES = st.recursive(JSON_SCALARS, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=10), children, max_size=4), max_leaves=12)  # fmt: skip
FIELDS = ("access_token", "token_type", "expires_in", "ext_expires_in", "expires_on", "resource", "error",
          "error_description", "error_codes", "trace_id", "correlation_id", "timestamp", "error_uri")  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=st.sampled_from([200, 200, 201, 400, 401, 429, 500, 502]),
    payload=st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=len(FIELDS)),
    base=st.sampled_from([{}, GOOD]),
    api_version=st.sampled_from(["v1", "v2"]),
)
def test_property_any_answer_is_a_valid_token_or_a_clean_error(status, payload, base, api_version):
    body = json.dumps({**base, **payload}).encode()
    target = V1 if api_version == "v1" else V2
    try:
        result = parse_token_response(answer(status, raw=body), exchange(target, api_version))
    except TokenEndpointError as err:
        assert_safe(err, whole_echoes_only=False)
        return
    # Anything that passes is a real token: exact types and sane ranges, whatever was sent.
    assert status == 200 and isinstance(result, TokenResult)
    assert isinstance(result.access_token, str) and result.access_token.isprintable()
    assert result.access_token and " " not in result.access_token
    assert isinstance(result.token_type, str) and result.token_type
    assert is_int(result.expires_in) and 1 <= result.expires_in <= MAX_LIFETIME
    assert is_int(result.expires_on) and result.expires_on > 0
    assert result.ext_expires_in is None or is_int(result.ext_expires_in)
    json.dumps(result.to_dict(), allow_nan=False)  # nothing a JSON result cannot carry


def is_int(value) -> bool:
    """An int and not a bool (a bool is an int to isinstance)."""
    return isinstance(value, int) and not isinstance(value, bool)


@settings(max_examples=200, deadline=None)
@given(status=st.integers(min_value=100, max_value=599), body=st.binary(max_size=300))
def test_property_any_bytes_give_a_token_or_a_clean_error(status, body):
    try:
        parse_token_response(answer(status, raw=body), exchange())
    except TokenEndpointError as err:
        assert_safe(err, whole_echoes_only=False)


def test_floats_are_not_silently_truncated():
    assert math.isinf(json.loads("1e400"))  # what the endpoint's "1e400" becomes
    body = b'{"access_token":"a","token_type":"Bearer","expires_in":1e400}'
    assert "expires_in is inf" in str(failure(200, raw=body))


@pytest.mark.parametrize("scope", ["https://management.core.windows.net//.default", "https://graph.microsoft.com/.default",
                                   "8eaef023-2b34-4da1-9baa-8bc8c9d6a490/.default"])  # fmt: skip
def test_a_resource_without_a_path_gets_no_suggestion(scope):
    err = failure(400, {"error": "invalid_resource", "error_codes": [500011]}, target=TokenTarget(scopes=(scope,)))
    assert err.hint.endswith("consented in this tenant.")


def test_a_v1_resource_with_a_permission_gets_a_suggestion():
    target = TokenTarget(resource="https://graph.microsoft.com/User.Read")
    err = failure(400, {"error": "invalid_resource", "error_codes": [500011]}, target=target, api_version="v1")
    assert "You asked for https://graph.microsoft.com/User.Read: if User.Read is a permission, ask for " \
           "https://graph.microsoft.com/.default instead" in err.hint


@pytest.mark.parametrize(
    ("payload", "start"),
    [({"error": {"code": "x"}}, "(a JSON object) ((a JSON object), HTTP 400 from"),
     ({"error": ["a"], "error_description": {"x": 1}}, "(a JSON object) ((a JSON array), HTTP 400 from"),
     ({"error": "bad", "error_description": 5}, "5 (bad, HTTP 400 from"),
     ({"error": None, "error_description": None}, "error (error, HTTP 400 from")],
)  # fmt: skip
def test_an_error_or_description_of_another_type_is_described(payload, start):
    assert str(failure(400, payload)).startswith(start)


@pytest.mark.parametrize("body", [b"", b"[1, 2]", b'"token"', b"<html>ok " + SECRET.encode() + b"</html>", b"\xff\xfe"])
def test_a_200_whose_body_is_not_a_json_object_fails(body):
    err = failure(200, raw=body)
    assert str(err).startswith(f"The token endpoint {AUTHORITY} answered 200, but its body is not a JSON object: '")
    assert err.option == "authority_host"
    assert_safe(err)
