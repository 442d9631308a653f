"""Key, certificate and chain handed to the keystore module as PEM text or host files."""

from __future__ import annotations

import keystore_factory as kf
import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._key_material import certificate_der
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer import same_key
from ansible_collections.azure_ad.oauth.plugins.module_utils._self_signed import generate_self_signed
from ansible_collections.azure_ad.oauth.plugins.module_utils._supplied_material import (
    has_material,
    load_supplied_material,
)

PASSPHRASE = "Pem-pass 7"


@pytest.fixture(scope="module")
def pair():
    return generate_self_signed("CN=supplied", 30, 2048)


def key_pem(material, passphrase=None) -> str:
    encryption = BestAvailableEncryption(passphrase.encode()) if passphrase else NoEncryption()
    return material.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption).decode()


def cert_pem(cert) -> str:
    return cert.public_bytes(Encoding.PEM).decode()


def test_pem_content(pair):
    loaded = load_supplied_material({"certificate": cert_pem(pair.certificate), "private_key": key_pem(pair)})
    assert same_key(loaded.private_key, pair.private_key)
    assert loaded.certificate == pair.certificate and loaded.chain == ()


def test_encrypted_key_needs_the_right_passphrase(pair):
    params = {"certificate": cert_pem(pair.certificate), "private_key": key_pem(pair, PASSPHRASE)}
    assert same_key(load_supplied_material({**params, "private_key_passphrase": PASSPHRASE}).private_key,
                    pair.private_key)
    for passphrase, fragment in ((None, "set private_key_passphrase"), ("Wrong 1", "wrong private_key_passphrase")):
        with pytest.raises(OptionError) as caught:
            load_supplied_material({**params, "private_key_passphrase": passphrase})
        assert caught.value.option == "private_key_passphrase"
        assert fragment in str(caught.value)
        assert PASSPHRASE not in str(caught.value)


def test_files_made_by_openssl_with_a_chain(tmp_path):
    store = kf.require(kf.pem_files, tmp_path, layout="split", with_chain=True, key_password=PASSPHRASE)
    loaded = load_supplied_material({"certificate_path": str(store.certificate_path),
                                     "private_key_path": str(store.path), "private_key_passphrase": PASSPHRASE})
    assert certificate_der(loaded.certificate) == store.cert.der
    assert [certificate_der(c) for c in loaded.chain] == [c.der for c in store.chain]


def test_der_certificate_file(tmp_path):
    store = kf.require(kf.pem_files, tmp_path, layout="split-der")
    loaded = load_supplied_material({"certificate_path": str(store.certificate_path),
                                     "private_key_path": str(store.path)})
    assert certificate_der(loaded.certificate) == store.cert.der


def test_chain_is_ordered_and_strays_refused(tmp_path, pair):
    store = kf.require(kf.pem_files, tmp_path, layout="split", with_chain=True)
    leaf_only = store.cert.pem.decode()
    key = store.path.read_text()
    ca = store.chain[0].pem.decode()
    loaded = load_supplied_material({"certificate": leaf_only, "private_key": key, "chain": [ca, ca]})
    assert [certificate_der(c) for c in loaded.chain] == [store.chain[0].der]
    with pytest.raises(OptionError) as caught:
        stray = cert_pem(pair.certificate)
        load_supplied_material({"certificate": leaf_only, "private_key": key, "chain": [ca, stray]})
    assert caught.value.option == "chain"
    assert "CN=supplied" in str(caught.value)


def test_certificate_that_does_not_match_the_key(pair):
    other = generate_self_signed("CN=other", 30, 2048)
    with pytest.raises(OptionError) as caught:
        load_supplied_material({"certificate": cert_pem(other.certificate), "private_key": key_pem(pair)})
    assert caught.value.option == "certificate"


@pytest.mark.parametrize(
    ("params", "option"),
    [
        ({"certificate": "x"}, "private_key"),
        ({"private_key": "x"}, "certificate"),
        ({"certificate": "not pem", "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
         "private_key"),
        ({"certificate_path": "/nonexistent/cert.pem", "private_key": "x"}, "certificate_path"),
    ],
)
def test_bad_material_names_its_option(params, option):
    with pytest.raises(OptionError) as caught:
        load_supplied_material(params)
    assert caught.value.option == option


def test_has_material():
    assert not has_material({"certificate": None, "chain": ["x"]})
    assert has_material({"private_key_path": "/k"})
