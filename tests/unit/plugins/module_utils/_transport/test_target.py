"""The URL of a request: its parts, and its origin in messages, never with userinfo."""

from __future__ import annotations

import pytest
from transport_calls import (
    FORM,
    TIMEOUT,
    failure_of,
)

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import http as _http
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.target import Target


def test_userinfo_in_the_url_is_never_echoed(hostile):
    port = hostile.authority_host.rsplit(":", 1)[1]
    tenant = hostile.tenant({})
    error = failure_of(lambda: _http.post_form(f"https://admin:Hunter2Pass@127.0.0.1:{port}/{tenant}/oauth2/token",
                                               FORM, timeout=TIMEOUT, verify=True))  # fmt: skip
    assert "Hunter2Pass" not in str(error) and "admin" not in str(error)
    assert f"https://127.0.0.1:{port}" in str(error)


@pytest.mark.parametrize(("address", "parts", "origin"), [
    ("https://login.microsoftonline.com/t/oauth2/v2.0/token",
     ("https", "login.microsoftonline.com", 443, "/t/oauth2/v2.0/token"), "https://login.microsoftonline.com"),
    ("https://login.example:8443/t/oauth2/token?x=1", ("https", "login.example", 8443, "/t/oauth2/token?x=1"),
     "https://login.example:8443"),
    ("http://127.0.0.1:8080", ("http", "127.0.0.1", 8080, "/"), "http://127.0.0.1:8080"),
    ("http://localhost/t", ("http", "localhost", 80, "/t"), "http://localhost"),
    ("https://[::1]:9443/t", ("https", "::1", 9443, "/t"), "https://[::1]:9443"),
    ("https://user:pass@login.example/t", ("https", "login.example", 443, "/t"), "https://login.example"),
])  # fmt: skip
def test_a_url_is_split_for_connecting_and_named_by_its_origin(address, parts, origin):
    target = Target.parse(address)
    assert (target.scheme, target.host, target.port, target.path) == parts
    assert target.url_origin == origin


@pytest.mark.parametrize(("address", "shown"), [
    ("ftp://user:Hunter2Pass@files.example/t", "ftp://files.example"),
    ("https://user:Hunter2Pass@login.example:99999/t", "https://login.example:99999"),
    ("https:///no-host", "https://"),
    ("not a url", "''"),
])  # fmt: skip
def test_a_url_that_cannot_be_used_names_authority_host_without_its_userinfo(address, shown):
    with pytest.raises(TransportError) as caught:
        Target.parse(address)
    assert caught.value.option == "authority_host"
    assert str(caught.value) == f"The URL {shown} is not a valid https URL. Check authority_host."
    assert "Hunter2Pass" not in str(caught.value) and "user" not in str(caught.value)
