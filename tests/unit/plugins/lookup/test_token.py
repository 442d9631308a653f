"""The token lookup: its safety net against native panics, and the paths it looks for.

The lookup runs in a child process: importing it loads ansible's controller
Display, which changes how later in-process module runs report warnings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keystore_factory as kf
import native_panics
import pytest
from cert_builder import write_private
from collection_path import COLLECTIONS_ROOT, python_path
from entra_emulator import defaults as d
from library_errors import MARKER

SUPPORT = Path(native_panics.__file__).resolve().parent
P12_PASSWORD = "Lookup-P12#pass-3Wd"
PEM_PASSWORD = "Lookup-PEM#pass-6Hs"

# Runs each case in turn: inject the panic, call the lookup, report what came out, undo the injection.
PROBE = """
import json, sys
from ansible.errors import AnsibleLookupError
from ansible_collections.azure_ad.oauth.plugins.lookup.token import LookupModule
import native_panics

cases = json.loads(sys.argv[1])
# Ansible's plugin loader is not set up here, so the lookup's options come from a plain dict.
current = {}
LookupModule.set_options = lambda self, **kwargs: None
LookupModule.get_option = lambda self, name, hostvars=None: current.get(name)
outcomes = []
for case in cases:
    current.clear()
    current.update(case["options"])
    undo = []
    native_panics.inject(case["call"], case["secret"], lambda owner, name, value: (
        undo.append((owner, name, getattr(owner, name))), setattr(owner, name, value)))
    try:
        LookupModule().run([case["options"]["resource"]], variables=None)
        outcome = {"raised": None}
    except AnsibleLookupError as exc:
        outcome = {"raised": "AnsibleLookupError", "message": str(exc), "cause": repr(exc.__cause__),
                   "context": repr(exc.__context__)}
    except BaseException as exc:
        outcome = {"raised": type(exc).__name__, "message": str(exc)}
    for owner, name, value in undo:
        setattr(owner, name, value)
    outcomes.append(outcome)
print(json.dumps(outcomes))
"""


@pytest.fixture(scope="module")
def keystores(tmp_path_factory):
    root = tmp_path_factory.mktemp("lookup-panics")
    p12 = kf.openssl_pkcs12(root / "p12", password=P12_PASSWORD)
    pem = kf.pem_files(root / "pem", key_password=PEM_PASSWORD)
    jks = kf.committed_jdk25_keystore()
    jks_copy = write_private(root / "app.jks", jks.read_bytes())
    return {
        "p12": {"keystore_path": str(p12.path), "keystore_password": P12_PASSWORD},
        "pem": {"keystore_path": str(pem.path), "key_password": PEM_PASSWORD},
        "jks": {"keystore_path": jks_copy, "keystore_password": jks.store_password, "key_password": jks.key_password},
    }


# (native call, keystore, api_version, what the message must say)
CASES = [
    ("pkcs12-load", "p12", "v2", "could not be read as a PKCS12 keystore."),
    ("pem-key-load", "pem", "v2", "could not be read as a PEM keystore."),
    ("pem-certificate-parse", "pem", "v2", "could not be read as a PEM keystore."),
    ("der-key-load", "jks", "v2", "could not be read as a JKS keystore."),
    ("der-certificate-parse", "jks", "v2", "could not be read as a JKS keystore."),
    ("jks-store-load", "jks", "v2", "could not be read as a JKS keystore."),
    ("jks-key-decrypt", "jks", "v2", "could not be read as a JKS keystore."),
    ("ps256-sign", "pem", "v2", "could not sign the client assertion (PS256)"),
    ("rs256-sign", "p12", "v1", "could not sign the client assertion (RS256)"),
    ("assertion-claims", "p12", "v2", "Unexpected internal error (PanicException)"),
]


def test_a_native_panic_becomes_a_clean_lookup_error(keystores):
    """Never a BaseException out of the lookup (Ansible would lose the worker, and the play with it)."""
    cases = []
    for call, store, api_version, _says in CASES:
        options = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "authority_host": "https://127.0.0.1:9",
                   "resource": d.GRAPH_RESOURCE, "api_version": api_version, "output": "token", "retries": 0,
                   **keystores[store]}  # fmt: skip
        secret = next(value for name, value in options.items() if "password" in name)
        cases.append({"call": call, "options": options, "secret": secret})
    env = {**os.environ, "PYTHONPATH": python_path(COLLECTIONS_ROOT, SUPPORT)}
    probe = subprocess.run([sys.executable, "-c", PROBE, json.dumps(cases)], capture_output=True, text=True, env=env,
                           timeout=300, check=False)  # fmt: skip
    assert probe.returncode == 0 and probe.stdout, probe.stdout + probe.stderr
    outcomes = json.loads(probe.stdout)
    for (call, store, _version, says), case, outcome in zip(CASES, cases, outcomes, strict=True):
        where = f"{call} on {store}"
        assert outcome["raised"] == "AnsibleLookupError", (where, outcome)
        assert outcome["message"].startswith("azure_ad.oauth.token: ") and says in outcome["message"], (where, outcome)
        assert outcome["cause"] == "None" and outcome["context"] == "None", (where, outcome)
        # The lookup has no no_log mask: the secret must be absent in every form, and the panic's text with it.
        for form in native_panics.secret_forms(case["secret"]):
            assert form not in outcome["message"], (where, form)
        assert native_panics.PANIC_MARKER not in probe.stdout + probe.stderr
    assert "Traceback" not in probe.stderr


RETRY_PROBE = """
import json, sys
from ansible_collections.azure_ad.oauth.plugins.lookup import token as lookup

options = json.loads(sys.argv[1])
LookupModule = lookup.LookupModule
LookupModule.set_options = lambda self, **kwargs: None
LookupModule.get_option = lambda self, name, hostvars=None: options.get(name)
shown = []
lookup.display.vvv = shown.append
lookup.display.warning = lambda text, *args, **kwargs: shown.append("WARNING " + text)
tokens = LookupModule().run([options["scope"][0]], variables=None)
print(json.dumps({"shown": shown, "tokens": len(tokens)}))
"""


def test_each_retry_is_shown_at_vvv(entra):
    """The lookup has no warning to gather retries in: one -vvv line per retry, and no warning."""
    entra.set_faults([{"type": "status", "status": 429, "retry_after": 0},
                      {"type": "status", "status": 503, "retry_after": 0}])
    options = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "client_secret": d.CLIENT_SECRET,
               "authority_host": entra.authority_host, "ca_path": str(entra.ca_path), "scope": [d.GRAPH_SCOPE],
               "output": "token"}  # fmt: skip
    env = {**os.environ, "PYTHONPATH": python_path(COLLECTIONS_ROOT)}
    probe = subprocess.run([sys.executable, "-c", RETRY_PROBE, json.dumps(options)], capture_output=True, text=True,
                           env=env, timeout=120, check=False)  # fmt: skip
    assert probe.returncode == 0 and probe.stdout, probe.stdout + probe.stderr
    outcome = json.loads(probe.stdout)
    assert outcome == {"shown": ["azure_ad.oauth.token: HTTP 429; retry 1 in 0.0s",
                                 "azure_ad.oauth.token: HTTP 503; retry 2 in 0.0s"], "tokens": 1}
    assert d.CLIENT_SECRET not in probe.stdout + probe.stderr


# --------------------------------------------------------------------------- library errors while signing

@pytest.fixture(scope="module")
def pem_file(tmp_path_factory):
    from cert_builder import cert_pem, key_pem, rsa_key, self_signed

    key = rsa_key()
    return write_private(tmp_path_factory.mktemp("pem") / "app.pem", key_pem(key), cert_pem(self_signed(key)))


LOOKUP_PROBE = """
import json, sys
from cryptography.exceptions import InternalError
from ansible.errors import AnsibleLookupError
from ansible_collections.azure_ad.oauth.plugins.lookup.token import LookupModule
from ansible_collections.azure_ad.oauth.plugins.module_utils._token import signing_key as _signing

marker, options = sys.argv[1], json.loads(sys.argv[2])

def explode(*args, **kwargs):
    raise InternalError(marker, [])

# Ansible's plugin loader is not set up here, so the lookup's options come from a plain dict.
LookupModule.set_options = lambda self, **kwargs: None
LookupModule.get_option = lambda self, name, hostvars=None: options.get(name)
_signing.sign_client_assertion = explode  # the client imports it from there when it signs
try:
    LookupModule().run([options["scope"][0]], variables={})
except AnsibleLookupError as exc:
    print(json.dumps({"message": str(exc), "cause": repr(exc.__cause__), "context": repr(exc.__context__)}))
"""


def test_signing_errors_never_escape_the_lookup(pem_file):
    """The lookup's safety net: a library error while signing becomes a clean AnsibleLookupError.

    In a child process: importing the lookup loads ansible's controller Display, which changes how
    later in-process module runs report warnings.
    """
    options = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "keystore_path": pem_file,
               "authority_host": "https://127.0.0.1:9", "scope": [d.GRAPH_SCOPE], "output": "token"}
    env = {**os.environ, "PYTHONPATH": python_path(COLLECTIONS_ROOT)}
    probe = subprocess.run([sys.executable, "-c", LOOKUP_PROBE, MARKER, json.dumps(options)], capture_output=True,
                           text=True, env=env, timeout=120, check=False)  # fmt: skip
    assert probe.returncode == 0 and probe.stdout, probe.stdout + probe.stderr
    outcome = json.loads(probe.stdout)
    assert MARKER not in probe.stdout + probe.stderr and "Traceback" not in outcome["message"]
    assert "Unexpected internal error (InternalError)" in outcome["message"]
    assert outcome["cause"] == "None" and outcome["context"] == "None"
