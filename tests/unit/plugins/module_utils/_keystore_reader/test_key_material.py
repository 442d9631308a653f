"""What every reader returns and shares (_keystore_reader/key_material.py): KeyMaterial, the option names, the one
test of "the same key", the leaf and its chain, Entra's key policy, and the readers' safety net."""

from __future__ import annotations

import dataclasses

import keystore_factory as kf
import native_panics
import pytest
from cert_builder import rsa_key, self_signed
from library_errors import MARKER

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    TOKEN_OPTION_NAMES,
    KeyMaterial,
    OptionNames,
    certificate_to_der,
    check_key_policy,
    order_chain,
    read_guarded,
    same_key,
    split_leaf,
    with_article,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pem import load_pem
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import MissingDependencyError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import TOKEN_OPTIONS


@pytest.fixture(scope="module")
def chained(tmp_path_factory):
    """A key, its certificate and the CA certificate that issued it, made by openssl."""
    store = kf.require(kf.pem_files, tmp_path_factory.mktemp("chained"), with_chain=True)
    return load_pem(store.read_bytes(), str(store.path))


# --------------------------------------------------------------------------- option names


def test_the_default_names_are_the_token_modules_options():
    names = dataclasses.asdict(TOKEN_OPTION_NAMES)
    assert set(names.values()) <= set(TOKEN_OPTIONS), names
    assert TOKEN_OPTION_NAMES == OptionNames()
    with pytest.raises(dataclasses.FrozenInstanceError):
        TOKEN_OPTION_NAMES.path = "path"


# --------------------------------------------------------------------------- the same key


def test_the_same_key_whether_given_as_a_key_or_a_certificate(chained):
    leaf, issuer = chained.certificate, chained.chain[0]
    assert same_key(chained.private_key, leaf) and same_key(leaf, chained.private_key)
    assert same_key(leaf, leaf) and same_key(chained.private_key, chained.private_key)
    assert not same_key(chained.private_key, issuer) and not same_key(leaf, rsa_key())


def test_what_has_no_readable_public_key_is_never_the_same(chained, monkeypatch):
    class Exotic:
        def public_key(self):
            raise native_panics.PanicException(MARKER)

    assert not same_key(Exotic(), Exotic()) and not same_key(chained.private_key, Exotic())
    assert not same_key(object(), chained.private_key)

    class Stopping:
        def public_key(self):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        same_key(Stopping(), chained.private_key)


# --------------------------------------------------------------------------- the leaf and its chain


def test_the_leaf_is_found_in_any_order_and_strangers_are_left_out(chained):
    stranger = self_signed(rsa_key(), "stranger")
    leaf, chain = split_leaf(chained.private_key, [stranger, chained.chain[0], chained.certificate])
    assert certificate_to_der(leaf) == certificate_to_der(chained.certificate)
    assert [certificate_to_der(cert) for cert in chain] == [certificate_to_der(chained.chain[0])]
    assert split_leaf(rsa_key(), [chained.certificate, stranger]) == (None, ())
    assert order_chain(chained.chain[0], [chained.certificate]) == (), "a self-signed CA ends the chain"


def test_key_material_gives_der_for_thumbprints_and_x5c(chained):
    assert chained.leaf_der == certificate_to_der(chained.certificate)
    assert chained.chain_der == (chained.leaf_der, certificate_to_der(chained.chain[0]))
    assert chained.key_algorithm == "RSA"
    key_only = KeyMaterial(chained.private_key, None)
    assert (key_only.leaf_der, key_only.chain_der, key_only.source_type) == (None, (), "pem")


# --------------------------------------------------------------------------- the key policy Entra applies


def test_the_article_fits_the_key_family():
    assert [with_article(name) for name in ("EC", "DSA", "RSA", "Ed25519", "Ed448", "X25519", "SM2")] == [
        "an EC", "a DSA", "an RSA", "an Ed25519", "an Ed448", "an X25519", "an SM2"]
    assert with_article("") == "an unknown"


def test_only_rsa_keys_of_2048_bits_or_more_pass(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    check_key_policy(rsa_key(), "keystore_path", "keystore_path")
    with pytest.raises(KeystoreError) as caught:
        check_key_policy(ec.generate_private_key(ec.SECP256R1()), "private_key", "private_key")
    assert (caught.value.option, str(caught.value)) == ("private_key", (
        "The key in private_key is an EC key; Microsoft Entra ID accepts only RSA keys for certificate credentials. "
        "Create an RSA key (2048 bits or more)."))  # fmt: skip
    with pytest.raises(KeystoreError) as caught:
        check_key_policy(rsa.generate_private_key(65537, 1024), "keystore_path", "keystore_path")
    assert str(caught.value) == "The RSA key in keystore_path has 1024 bits; Microsoft Entra ID requires at least 2048."


# --------------------------------------------------------------------------- the readers' safety net


NAMES = OptionNames(path="path")


def test_the_collections_own_errors_pass_the_net_unchanged():
    for error in (KeystoreError("wrong password", option="password"), MissingDependencyError("jks", "to read JKS")):
        def failing(error=error):
            raise error

        with pytest.raises(type(error)) as caught:
            read_guarded(failing, "/k.p12", "a PKCS12 keystore", NAMES)
        assert caught.value is error


@pytest.mark.parametrize("failure", [RuntimeError(MARKER), ValueError(MARKER), native_panics.PanicException(MARKER)],
                         ids=["runtime", "value", "panic"])  # fmt: skip
def test_anything_else_becomes_a_keystore_error_without_its_text(failure):
    def failing():
        raise failure

    with pytest.raises(KeystoreError) as caught:
        read_guarded(failing, "/k.p12", "a PKCS12 keystore", NAMES)
    assert (str(caught.value), caught.value.option) == ("path '/k.p12' could not be read as a PKCS12 keystore.", "path")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_the_stopping_exceptions_pass_the_net(stop):
    def stopping():
        raise stop()

    with pytest.raises(stop):
        read_guarded(stopping, "/k.p12", "a PKCS12 keystore", NAMES)
    assert read_guarded(lambda: "material", "/k.p12", "a keystore", NAMES) == "material"
