"""The transport's front (http.py) against the hostile endpoint: what is sent, what comes back, and with what.

The other tests of the transport hold it, in process, to each of its jobs: the deadline (test_deadline.py), the
byte cap, framing and keep-alive (test_exchange.py), trust (test_trust.py), proxies (test_proxy.py) and the
wording of failures (test_diagnosis.py). Each deadline case runs with ``timeout`` = TIMEOUT and an endpoint
that never trips a per-read timeout; memory is measured with tracemalloc around the call.
"""

from __future__ import annotations

import json
import subprocess
import sys

from transport_calls import (
    FORM,
    TIMEOUT,
    url,
)

from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import http as _http


def test_a_token_answer_comes_back_whole_and_the_request_is_as_entra_expects(hostile):
    tenant = hostile.tenant({"headers": [["X-Dup", "a"], ["X-Dup", "b"]]})
    response = _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path)
    assert response.status == 200
    assert json.loads(response.body)["token_type"] == "Bearer"
    assert response.headers["X-Dup"] == "a, b"
    (received,) = hostile.received(tenant)
    assert received["method"] == "POST" and received["path"] == f"/{tenant}/oauth2/v2.0/token"
    assert received["form"] == FORM
    headers = received["headers"]
    assert headers["accept-encoding"] == "identity"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["client-request-id"] == response.client_request_id
    assert headers["return-client-request-id"] == "true"
    assert headers["host"] == hostile.authority_host.split("//")[1]
    assert "proxy-authorization" not in headers


def test_the_generic_request_sends_its_own_method_headers_and_body(hostile):
    tenant = hostile.tenant({"body": "{{body}}"})
    response = _http.request("POST", url(hostile, tenant), {"Content-Type": "application/json", "Authorization": "x"},
                             b'{"a": 1}', timeout=TIMEOUT, verify=hostile.ca_path)  # fmt: skip
    assert response.body == b'{"a": 1}'
    (received,) = hostile.received(tenant)
    assert received["headers"]["content-type"] == "application/json"
    assert received["headers"]["authorization"] == "x"


def test_redirects_are_returned_not_followed(hostile):
    elsewhere = hostile.tenant({})
    tenant = hostile.tenant({"status": 302, "headers": [["Location", url(hostile, elsewhere)]], "body": ""})
    response = _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path)
    assert response.status == 302
    assert hostile.received(elsewhere) == []


def test_the_transport_imports_no_http_library():
    """requests (and urllib3) are gone from the runtime path: the standard library is enough."""
    from collection_path import COLLECTIONS_ROOT

    script = (
        "import sys, json\n"
        f"sys.path.insert(0, {str(COLLECTIONS_ROOT)!r})\n"
        "from ansible_collections.azure_ad.oauth.plugins.module_utils._token import client as _token\n"
        "from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import http\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'requests', 'urllib3', 'certifi', "
        "'charset_normalizer', 'idna'})))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []


def test_the_user_agent_names_the_collection_version_galaxy_yml_gives():
    """Entra's sign-in logs show the User-Agent: it must not name a release that is not the one running."""
    from collection_path import REPO_ROOT

    galaxy = (REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8")
    version = next(line.split(":", 1)[1].strip() for line in galaxy.splitlines() if line.startswith("version:"))
    assert _http.USER_AGENT == f"azure_ad.oauth/{version}"
