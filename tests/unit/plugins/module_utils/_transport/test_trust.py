"""Which CAs are trusted: ca_path, the CA variables, the system store; CA files that are no CA files fail at once."""

from __future__ import annotations

import os
import socket
import time

import pytest
from entra_emulator import defaults as d
from library_errors import assert_clean
from transport_calls import (
    MiB,
    failure,
    failure_of,
    post,
)

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import trust as _trust


def test_a_wrong_ca_fails_verification_naming_ca_path(hostile, tmp_path):
    from cert_builder import cert_pem, rsa_key, self_signed

    other = tmp_path / "other-ca.pem"
    key = rsa_key()
    other.write_bytes(cert_pem(self_signed(key)))
    error = failure_of(lambda: post(hostile, {}, verify=str(other)))
    assert error.option == "ca_path" and not error.retryable and "TLS verification" in str(error)


def test_validate_certs_false_needs_no_ca(hostile):
    assert post(hostile, {}, verify=False).status == 200


def test_the_system_store_does_not_trust_the_test_ca(hostile):
    error = failure_of(lambda: post(hostile, {}, verify=True))
    assert error.option == "ca_path"


def test_a_ca_directory_loads_its_regular_files_and_skips_the_rest(hostile, tmp_path):
    directory = tmp_path / "cas"
    directory.mkdir()
    (directory / "a-readme.txt").write_text("not a certificate")
    os.mkfifo(directory / "b-fifo.pem")
    (directory / "c-ca.pem").write_bytes(open(hostile.ca_path, "rb").read())
    (directory / "d-link.0").symlink_to("/dev/zero")
    (directory / "e-dangling.0").symlink_to(directory / "missing")
    started = time.monotonic()
    assert post(hostile, {}, verify=str(directory)).status == 200
    assert time.monotonic() - started < 5


def test_a_bundle_with_one_damaged_certificate_still_trusts_the_others(hostile, tmp_path):
    bundle = tmp_path / "bundle.pem"
    damaged = "-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\n"
    bundle.write_text(damaged + open(hostile.ca_path).read())
    assert post(hostile, {}, verify=str(bundle)).status == 200


def special_files(tmp_path) -> dict:
    fifo = tmp_path / "ca.fifo"
    os.mkfifo(fifo)
    fifo_dir = tmp_path / "fifo-dir"
    fifo_dir.mkdir()
    os.mkfifo(fifo_dir / "ca.pem")
    sock_path = tmp_path / "ca.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(sock_path))
    link = tmp_path / "link-to-fifo.pem"
    link.symlink_to(fifo)
    big = tmp_path / "big.pem"
    big.write_bytes(b"A" * (9 * MiB))
    der = tmp_path / "ca.der"
    der.write_bytes(b"\x30\x82\x01\x00" + b"\x00" * 256)
    return {"fifo": (fifo, "not a regular file"), "dir-with-fifo": (fifo_dir, "no usable PEM"),
            "socket": (sock_path, "not a regular file"), "dev-zero": ("/dev/zero", "not a regular file"),
            "link-to-fifo": (link, "not a regular file"), "oversized": (big, "larger than 8 MiB"),
            "der": (der, "no usable PEM"), "missing": (tmp_path / "missing.pem", "does not exist"),
            "_keep": (listener, "")}  # fmt: skip


@pytest.mark.parametrize("kind", ["fifo", "dir-with-fifo", "socket", "dev-zero", "link-to-fifo", "oversized", "der",
                                  "missing"])  # fmt: skip
def test_ca_path_that_is_no_ca_file_fails_at_once_naming_it(hostile, tmp_path, kind):
    files = special_files(tmp_path)
    path, words = files[kind]
    error, elapsed = failure(lambda: post(hostile, {}, verify=str(path), timeout=30))
    assert error.option == "ca_path" and not error.retryable
    assert f"ca_path '{path}'" in str(error) and words in str(error)
    assert elapsed < 3, "never waits on a FIFO or a device"
    files["_keep"][0].close()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "missing"])
def test_ca_environment_variables_are_read_the_same_way(hostile, tmp_path, monkeypatch, variable, kind):
    files = special_files(tmp_path)
    path = files[kind][0]
    monkeypatch.setenv(variable, str(path))
    error, elapsed = failure(lambda: post(hostile, {}, verify=True, timeout=30))
    assert error.option == "ca_path" and variable in str(error) and elapsed < 3
    files["_keep"][0].close()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_ca_environment_variables_are_trusted(hostile, monkeypatch, variable):
    monkeypatch.setenv(variable, hostile.ca_path)
    assert post(hostile, {}, verify=True).status == 200


def test_requests_ca_bundle_wins_over_curl_ca_bundle(hostile, monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", hostile.ca_path)
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "missing.pem"))
    assert post(hostile, {}, verify=True).status == 200


def test_ca_path_wins_over_the_environment(hostile, monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    assert post(hostile, {}, verify=hostile.ca_path).status == 200


def test_an_empty_system_store_falls_back_to_certifi(monkeypatch, tmp_path):
    import ssl

    certifi = pytest.importorskip("certifi")
    empty = tmp_path / "empty-capath"
    empty.mkdir()
    paths = ssl.DefaultVerifyPaths(str(tmp_path / "none.pem"), str(empty), "SSL_CERT_FILE", str(tmp_path / "none.pem"),
                                   "SSL_CERT_DIR", str(empty))  # fmt: skip
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths)
    monkeypatch.setattr(ssl.SSLContext, "load_default_certs", lambda self, purpose=None: None)
    context = _trust._new_tls_context(True)
    assert context.cert_store_stats()["x509_ca"] > 50
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert certifi.where()


def test_tls_is_1_2_or_later(hostile):
    import ssl

    for verify in (True, False, hostile.ca_path):
        assert _trust._new_tls_context(verify).minimum_version >= ssl.TLSVersion.TLSv1_2


def token_client(**options):
    base = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "client_secret": d.CLIENT_SECRET,
            "authority_host": "https://127.0.0.1:9", "scope": [d.GRAPH_SCOPE], "retries": 0}
    base.update(options)
    request, target = build_token_request(base, {})
    return TokenClient(request), target


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
