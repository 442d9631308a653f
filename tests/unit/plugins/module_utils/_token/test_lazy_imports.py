"""A secret-only token never imports pyjks, cryptography or PyJWT.

The client runs in a fresh interpreter, because this test process (and the
in-process endpoint) already imported them.
"""

from __future__ import annotations

import json
import subprocess
import sys

from collection_path import COLLECTIONS_ROOT
from entra_emulator import defaults as d

CLIENT = """
import json, sys
sys.path.insert(0, {collections!r})
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request
request, target = build_token_request({options!r}, {{}})
token = TokenClient(request).acquire(target)
loaded = {{name.split(".")[0] for name in sys.modules}}
heavy = sorted(loaded & {{"jks", "cryptography", "jwt", "pyasn1", "Cryptodome"}})
print(json.dumps({{"aud": token.claims["aud"], "heavy": heavy}}))
"""


def test_secret_grant_imports_no_crypto_library(entra):
    options = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "client_secret": d.CLIENT_SECRET,
               "scope": [d.GRAPH_SCOPE], "authority_host": entra.authority_host, "ca_path": str(entra.ca_path)}
    script = CLIENT.format(collections=str(COLLECTIONS_ROOT), options=options)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                               check=False)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report == {"aud": d.GRAPH_RESOURCE, "heavy": []}
