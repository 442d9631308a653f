"""Library exceptions never reach the user raw.

pyjks, cryptography, ssl and http.client put whatever they like in their messages: file
bytes, URLs, sometimes the input they choked on. Here each library function the
collection calls is replaced by one that raises with a secret-looking MARKER in
its message, and the collection's error must carry neither the marker nor the
library exception as its cause or visible context (so no traceback shows it).
The module's own safety net (run_guarded) is covered in tests/unit/plugins/modules/test_token.py.
"""

from __future__ import annotations

import errno
import os

import keystore_factory as kf
import pytest
from cert_builder import cert_pem, key_pem, rsa_key, self_signed, write_private
from entra_emulator import defaults as d

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    AzureAdOAuthError,
    KeystoreError,
    TransportError,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import exchange as _exchange
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import trust as _trust

MARKER = "LEAK-MARKER-hunter2-7f3a9c"


def assert_clean(error: BaseException, option: str | None = None) -> None:
    """The collection's error: no marker anywhere, no visible library cause, the right option."""
    assert isinstance(error, AzureAdOAuthError), f"{type(error).__name__} escaped: {error}"
    assert MARKER not in str(error) and MARKER not in repr(error.args)
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None, "a traceback would show the library error"
    if option is not None:
        assert error.option == option, (error.option, str(error))


def raiser(exc: BaseException):
    def raise_it(*args, **kwargs):
        raise exc

    return raise_it


# --------------------------------------------------------------------------- key files


@pytest.fixture(scope="module")
def pem_file(tmp_path_factory):
    key = rsa_key()
    return write_private(tmp_path_factory.mktemp("pem") / "app.pem", key_pem(key), cert_pem(self_signed(key)))


@pytest.fixture(scope="module")
def pkcs12_file(tmp_path_factory):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    key = rsa_key()
    data = pkcs12.serialize_key_and_certificates(b"signer", key, self_signed(key), None,
                                                 BestAvailableEncryption(b"p12-pass"))  # fmt: skip
    return write_private(tmp_path_factory.mktemp("p12") / "app.p12", data)


def jks_store():
    """The committed JKS (written by keytool 25), so no JDK is needed here."""
    return kf.committed_jdk25_keystore()


def pyasn1_error(message):
    from pyasn1.error import PyAsn1Error

    return PyAsn1Error(message)


def jks_errors():
    from jks.util import BadKeystoreFormatException, KeystoreSignatureException, UnsupportedKeystoreVersionException

    return [
        (KeystoreSignatureException(MARKER), "keystore_password"),
        (UnsupportedKeystoreVersionException(MARKER), "keystore_path"),
        (BadKeystoreFormatException(MARKER), "keystore_path"),
        (pyasn1_error(MARKER), "keystore_path"),
        (ValueError(MARKER), "keystore_path"),
        (UnicodeDecodeError("utf-8", MARKER.encode(), 0, 1, MARKER), "keystore_path"),
        (RuntimeError(MARKER), "keystore_path"),
    ]


@pytest.mark.parametrize("index", range(7))
def test_pyjks_store_errors_are_reworded(monkeypatch, index):
    import jks

    exc, option = jks_errors()[index]
    monkeypatch.setattr(jks.KeyStore, "loads", raiser(exc))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(**jks_store().load_kwargs())
    assert_clean(caught.value, option)


@pytest.mark.parametrize("kind", ["bad-hash", "pyasn1", "runtime"])
def test_pyjks_key_decryption_errors_are_reworded(monkeypatch, kind):
    from jks import sun_crypto
    from jks.util import BadHashCheckException

    exc = {"bad-hash": BadHashCheckException(MARKER), "pyasn1": pyasn1_error(MARKER),
           "runtime": RuntimeError(MARKER)}[kind]  # fmt: skip
    monkeypatch.setattr(sun_crypto, "jks_pkey_decrypt", raiser(exc))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(**jks_store().load_kwargs())
    # A failed hash check is a wrong key password; anything else is reported without its text.
    assert_clean(caught.value, "key_password" if kind == "bad-hash" else "keystore_path")


def der(tag: int, body: bytes) -> bytes:
    assert len(body) < 128
    return bytes([tag, len(body)]) + body


def jceks_entry() -> bytes:
    """An EncryptedPrivateKeyInfo with the JCEKS protector; the ciphertext is never really decrypted here."""
    oid = bytes.fromhex("2b060104012a021301")  # 1.3.6.1.4.1.42.2.19.1
    params = der(0x30, der(0x04, b"\x01" * 8) + der(0x02, b"\x01"))
    return der(0x30, der(0x30, der(0x06, oid) + params) + der(0x04, b"\x00" * 16))


@pytest.mark.parametrize("outcome", ["pyasn1-error", "garbage"])
def test_jceks_wrong_password_oddities_say_wrong_key_password(monkeypatch, outcome):
    """A wrong JCEKS password that passes the padding check yields garbage (plain pyjks: a PyAsn1Error)."""
    from jks import sun_crypto

    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.jks import decrypt_entry

    if outcome == "garbage":
        monkeypatch.setattr(sun_crypto, "jce_pbe_decrypt", lambda *args: MARKER.encode() + b"\x30\x82")
    else:
        monkeypatch.setattr(sun_crypto, "jce_pbe_decrypt", raiser(pyasn1_error(MARKER)))
    with pytest.raises(KeystoreError) as caught:
        decrypt_entry(jceks_entry(), "wrong-pass", "jceks", "entry", "test.jceks")
    assert_clean(caught.value, "key_password")
    assert "wrong key_password" in str(caught.value)


def cryptography_errors():
    from cryptography.exceptions import InternalError, UnsupportedAlgorithm

    return {
        "ValueError": ValueError(MARKER),
        "TypeError": TypeError(MARKER),
        "UnsupportedAlgorithm": UnsupportedAlgorithm(MARKER),
        "InternalError": InternalError(MARKER, []),
        "RuntimeError": RuntimeError(MARKER),
    }


@pytest.mark.parametrize("name", ["ValueError", "TypeError", "UnsupportedAlgorithm", "InternalError", "RuntimeError"])
def test_cryptography_pkcs12_errors_are_reworded(monkeypatch, pkcs12_file, name):
    from cryptography.hazmat.primitives.serialization import pkcs12

    monkeypatch.setattr(pkcs12, "load_pkcs12", raiser(cryptography_errors()[name]))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(pkcs12_file, keystore_password="p12-pass")
    assert_clean(caught.value)


@pytest.mark.parametrize("name", ["ValueError", "TypeError", "UnsupportedAlgorithm", "InternalError", "RuntimeError"])
def test_cryptography_pem_key_errors_are_reworded(monkeypatch, pem_file, name):
    from cryptography.hazmat.primitives import serialization

    monkeypatch.setattr(serialization, "load_pem_private_key", raiser(cryptography_errors()[name]))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(pem_file)
    assert_clean(caught.value)


@pytest.mark.parametrize("name", ["ValueError", "RuntimeError"])
def test_cryptography_certificate_errors_are_reworded(monkeypatch, pem_file, name):
    from cryptography import x509

    monkeypatch.setattr(x509, "load_pem_x509_certificate", raiser(cryptography_errors()[name]))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(pem_file)
    assert_clean(caught.value)


@pytest.mark.parametrize("name", ["ValueError", "UnsupportedAlgorithm", "RuntimeError"])
def test_cryptography_jks_key_parse_errors_are_reworded(monkeypatch, name):
    from cryptography.hazmat.primitives import serialization

    monkeypatch.setattr(serialization, "load_der_private_key", raiser(cryptography_errors()[name]))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(**jks_store().load_kwargs())
    assert_clean(caught.value)


@pytest.mark.parametrize("where", ["open", "fstat", "read"])
def test_os_errors_name_only_the_errno(monkeypatch, pem_file, where):
    """The reader opens the file once (os.open), checks the descriptor (os.fstat), then reads it (os.read)."""
    error = OSError(errno.EIO, MARKER)
    inode = os.stat(pem_file).st_ino
    real = getattr(os, where)
    real_fstat = os.fstat

    def failing_for_the_key_file(first, *args, **kwargs):
        # Only for the key file: pytest itself calls these functions on its own descriptors meanwhile.
        if (first == pem_file) if where == "open" else (real_fstat(first).st_ino == inode):
            raise error
        return real(first, *args, **kwargs)

    monkeypatch.setattr(os, where, failing_for_the_key_file)
    with pytest.raises(KeystoreError) as caught:
        load_key_material(pem_file)
    assert_clean(caught.value, "keystore_path")
    assert "EIO" in str(caught.value)


# --------------------------------------------------------------------------- the transport (http.client, ssl, socket)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A real HTTPS endpoint, so that each failure below happens at the step it names, after the real ones."""
    from hostile_endpoint import hostile_endpoint

    with hostile_endpoint(tmp_path_factory.mktemp("hostile")) as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def fresh_transport():
    """No kept-alive connection or cached TLS context carries over from one case to the next."""
    _exchange._POOL.clear()
    _trust._CONTEXTS.clear()
    yield
    _exchange._POOL.clear()
    _trust._CONTEXTS.clear()


class NativePanic(BaseException):
    """Like pyo3's PanicException: a BaseException that is not an Exception."""


def transport_errors():
    """name: (what to patch, the exception it raises, option, words the message must hold).

    Each library entry point the transport calls fails, with the MARKER in its text, at its own step:
    resolving, connecting, the proxy tunnel, the TLS handshake, sending, the status line and headers, the body.
    """
    import http.client
    import socket
    import ssl

    return {
        "certificate": ("ssl.SSLContext.wrap_socket", ssl.SSLCertVerificationError(1, MARKER), "ca_path",
                        ("validate_certs", "ca_path")),
        "handshake": ("ssl.SSLContext.wrap_socket", ssl.SSLError(1, MARKER), "authority_host", ("TLS 1.2",)),
        "handshake-eof": ("ssl.SSLContext.wrap_socket", ssl.SSLEOFError(8, MARKER), "authority_host",
                          ("dropped the connection",)),
        "proxy": ("http.client.HTTPConnection._tunnel", OSError(f"Tunnel connection failed: 407 {MARKER}"),
                  "authority_host", ("HTTPS_PROXY", "HTTP 407")),
        "resolve": ("socket.getaddrinfo", socket.gaierror(-2, MARKER), "authority_host", ("authority_host", "DNS")),
        "connect-timeout": ("socket.socket.connect", TimeoutError(MARKER), "timeout", ("timeout",)),
        "connect-refused": ("socket.socket.connect", ConnectionRefusedError(111, MARKER), "authority_host",
                            ("authority_host", "HTTPS_PROXY")),
        "invalid-url": ("http.client.HTTPConnection.putrequest", http.client.InvalidURL(MARKER), "authority_host",
                        ("authority_host",)),
        "send-reset": ("http.client.HTTPConnection.send", ConnectionResetError(104, MARKER), "authority_host",
                       ("dropped the connection",)),
        "read-timeout": ("http.client.HTTPConnection.getresponse", TimeoutError(MARKER), "timeout", ("timeout",)),
        "status-line": ("http.client.HTTPConnection.getresponse", http.client.BadStatusLine(MARKER),
                        "authority_host", ("well-formed HTTP",)),
        "header-line": ("http.client.HTTPConnection.getresponse", http.client.LineTooLong(MARKER),
                        "authority_host", ("well-formed HTTP",)),
        "too-many-headers": ("http.client.HTTPConnection.getresponse", http.client.HTTPException(MARKER),
                             "authority_host", ("well-formed HTTP",)),
        "body-incomplete": ("http.client.HTTPResponse.read", http.client.IncompleteRead(MARKER.encode()),
                            "authority_host", ("dropped the connection",)),
        "body-unexpected": ("http.client.HTTPResponse.read", RuntimeError(MARKER), "authority_host",
                            ("RuntimeError", "authority_host")),
        "native-panic": ("ssl.SSLContext.wrap_socket", NativePanic(MARKER), "authority_host", ("NativePanic",)),
    }  # fmt: skip


@pytest.mark.parametrize("name", list(transport_errors()))
@pytest.mark.parametrize("retries", [0, 1])
def test_transport_errors_are_reworded(monkeypatch, hostile, name, retries):
    import http.client

    target, exc, option, words = transport_errors()[name]
    tenant = hostile.tenant({})
    if name == "proxy":
        # The proxy's password is the MARKER too: it must never be echoed.
        monkeypatch.setenv("HTTPS_PROXY", f"http://user:{MARKER}@{hostile.authority_host.split('//')[1]}")
        monkeypatch.setattr(http.client.HTTPConnection, "_tunnel", lambda self: None)
    monkeypatch.setattr(target, raiser(exc))
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    client, request_target = token_client(retries=retries, tenant_id=tenant, authority_host=hostile.authority_host,
                                          ca_path=hostile.ca_path)  # fmt: skip
    with pytest.raises(TransportError) as caught:
        client.acquire(request_target)
    assert_clean(caught.value, option)
    for word in words:
        assert word in str(caught.value)
    assert d.CLIENT_SECRET not in str(caught.value)
    if caught.value.retryable and retries:
        assert "Gave up after 2 attempts." in str(caught.value)


def token_client(retries=0, **options):
    base = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "client_secret": d.CLIENT_SECRET,
            "authority_host": "https://127.0.0.1:9", "scope": [d.GRAPH_SCOPE], "retries": retries}
    base.update(options)
    request, target = build_token_request(base, {})
    return TokenClient(request), target


@pytest.mark.parametrize("behaviour", [
    {"raw_response": f"{MARKER} is no HTTP\r\n\r\n"},
    {"gzip": True, "body": f'{{"error": "{MARKER}"}}'},
    {"headers": [["X-Marker", MARKER * 3000]]},
    {"close": "mid_body", "body": f'{{"error": "{MARKER}", "padding": "{"x" * 400}"}}'},
], ids=["garbage", "gzip", "huge-header", "mid-body"])  # fmt: skip
def test_hostile_answers_are_reworded(hostile, behaviour):
    """What a hostile endpoint sends (the MARKER) is never quoted by a transport failure."""
    tenant = hostile.tenant(behaviour)
    client, target = token_client(tenant_id=tenant, authority_host=hostile.authority_host, ca_path=hostile.ca_path)
    with pytest.raises(TransportError) as caught:
        client.acquire(target)
    assert_clean(caught.value, "authority_host")


def test_missing_ca_bundle_names_ca_path_for_real(tmp_path):
    """The bug this file found: requests raised a bare OSError for a missing ca_path, which escaped."""
    missing = str(tmp_path / "no-such-ca.pem")
    client, target = token_client(ca_path=missing)
    with pytest.raises(TransportError) as caught:
        client.acquire(target)
    assert_clean(caught.value, "ca_path")
    assert missing in str(caught.value)


def test_missing_requests_ca_bundle_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "no-such-bundle.pem"))
    client, target = token_client()
    with pytest.raises(TransportError) as caught:
        client.acquire(target)
    assert_clean(caught.value, "ca_path")
    assert "REQUESTS_CA_BUNDLE" in str(caught.value)


LOOKUP_PROBE = """
import json, sys
from cryptography.exceptions import InternalError
from ansible.errors import AnsibleLookupError
from ansible_collections.azure_ad.oauth.plugins.lookup.token import LookupModule
from ansible_collections.azure_ad.oauth.plugins.module_utils._token import client as _token

marker, options = sys.argv[1], json.loads(sys.argv[2])

def explode(*args, **kwargs):
    raise InternalError(marker, [])

# Ansible's plugin loader is not set up here, so the lookup's options come from a plain dict.
LookupModule.set_options = lambda self, **kwargs: None
LookupModule.get_option = lambda self, name, hostvars=None: options.get(name)
_token.sign_client_assertion = explode
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
    import json
    import subprocess
    import sys

    from collection_path import COLLECTIONS_ROOT

    options = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "keystore_path": pem_file,
               "authority_host": "https://127.0.0.1:9", "scope": [d.GRAPH_SCOPE], "output": "token"}
    env = {**os.environ, "PYTHONPATH": str(COLLECTIONS_ROOT)}
    probe = subprocess.run([sys.executable, "-c", LOOKUP_PROBE, MARKER, json.dumps(options)], capture_output=True,
                           text=True, env=env, timeout=120, check=False)  # fmt: skip
    assert probe.returncode == 0 and probe.stdout, probe.stdout + probe.stderr
    outcome = json.loads(probe.stdout)
    assert MARKER not in probe.stdout + probe.stderr and "Traceback" not in outcome["message"]
    assert "Unexpected internal error (InternalError)" in outcome["message"]
    assert outcome["cause"] == "None" and outcome["context"] == "None"
