"""Thumbprints (_keystore_reader/thumbprint.py): every spelling users paste, read back to the digest openssl
computes, formatted the ways Azure, keytool and a JWT header show it, and errors that name the option."""

from __future__ import annotations

import base64
import subprocess

import keystore_factory as kf
import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import (
    FORMATS,
    certificate_digest,
    format_thumbprint,
    parse_thumbprint,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A certificate made by openssl, its DER, and the fingerprints openssl prints for it."""
    store = kf.require(kf.pem_files, tmp_path_factory.mktemp("thumbprint"), layout="split")

    def fingerprint(algorithm: str) -> str:
        printed = subprocess.run([kf.openssl(), "x509", "-in", str(store.certificate_path), "-noout", "-fingerprint",
                                  f"-{algorithm}"], check=True, capture_output=True, text=True, timeout=60).stdout
        return printed.strip().split("=", 1)[1]  # "sha1 Fingerprint=AB:CD:..."

    return store.cert.der, fingerprint("sha1"), fingerprint("sha256")


def test_openssls_fingerprints_are_the_digests_and_read_back_in_every_spelling(certificate):
    der, sha1_colon, sha256_colon = certificate
    sha1, sha256 = certificate_digest(der, "sha1"), certificate_digest(der, "sha256")
    assert format_thumbprint(sha1, "colon") == sha1_colon and format_thumbprint(sha256, "colon") == sha256_colon
    for digest, colon in ((sha1, sha1_colon), (sha256, sha256_colon)):
        plain = colon.replace(":", "")
        x5t = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        for spelling in (colon, colon.lower(), plain, plain.lower(), colon.replace(":", " "), f" {plain}\n", x5t,
                         x5t + "=" * (-len(x5t) % 4)):  # fmt: skip
            assert parse_thumbprint(spelling) == digest, spelling
        assert [format_thumbprint(digest, fmt) for fmt in FORMATS] == [plain, colon, x5t]


@pytest.mark.parametrize(("value", "message"), [
    ("", "thumbprint must be a non-empty string."),
    (None, "thumbprint must be a non-empty string."),
    ("ABCDEF", "thumbprint has 6 hex digits; a SHA-1 thumbprint has 40 and a SHA-256 one has 64."),
    ("not a thumbprint!", "thumbprint is not a thumbprint. Use 40 hex digits (optionally colon-separated, as keytool "
                          "prints them) or the base64url x5t value."),
])  # fmt: skip
def test_what_is_not_a_thumbprint_names_the_option(value, message):
    with pytest.raises(OptionError) as caught:
        parse_thumbprint(value, "thumbprint")
    assert (str(caught.value), caught.value.option) == (message, "thumbprint")


def test_unknown_formats_and_algorithms_are_refused():
    with pytest.raises(OptionError) as caught:
        format_thumbprint(bytes(20), "base64")
    assert caught.value.option == "format" and "hex, colon, x5t" in str(caught.value)
    with pytest.raises(OptionError) as caught:
        certificate_digest(b"der", "md5")
    assert caught.value.option == "algorithm" and "sha1 or sha256" in str(caught.value)
