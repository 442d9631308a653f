"""Keystores the readers' tests share, built once per session by the real tools (keytool of each JDK, openssl)."""

from __future__ import annotations

import keystore_factory as kf
import pytest
from cert_builder import cert_pem, key_pem, rsa_key, self_signed, write_private


@pytest.fixture(scope="session")
def old_jdk():
    """A JDK before 21 (the system keytool, JDK 17 here): it writes NULL AlgorithmIdentifier parameters."""
    return kf.require(kf.jdk, maximum=20)


@pytest.fixture(scope="session")
def new_jdk():
    """A JDK 21 or later (Temurin 25 here): it leaves the NULL parameters out (pyjks issue #79)."""
    return kf.require(kf.jdk, minimum=21)


@pytest.fixture(scope="session", params=["old_jdk", "new_jdk"])
def any_jdk(request):
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def stores(tmp_path_factory):
    """Builds keystores on first use and keeps them for the session."""
    root = tmp_path_factory.mktemp("keystores")
    cache: dict = {}

    def get(key, builder, *args, **kwargs):
        if key not in cache:
            cache[key] = kf.require(builder, root / str(len(cache)), *args, **kwargs)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def jks_old(stores, old_jdk):
    return stores(("jks", old_jdk.major), kf.keytool_keystore, jdk=old_jdk)


@pytest.fixture(scope="module")
def pem_file(tmp_path_factory):
    """An unencrypted key and its certificate in one PEM file (no tool needed)."""
    key = rsa_key()
    return write_private(tmp_path_factory.mktemp("pem") / "app.pem", key_pem(key), cert_pem(self_signed(key)))


@pytest.fixture(scope="module")
def pkcs12_file(tmp_path_factory):
    """A PKCS12 file with the password p12-pass (no tool needed)."""
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    key = rsa_key()
    data = pkcs12.serialize_key_and_certificates(b"signer", key, self_signed(key), None,
                                                 BestAvailableEncryption(b"p12-pass"))  # fmt: skip
    return write_private(tmp_path_factory.mktemp("p12") / "app.p12", data)
