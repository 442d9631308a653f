"""Property tests: random and mutated keystore bytes only ever give a KeystoreError (or a consistent key)."""

from __future__ import annotations

import itertools
import os

import keystore_factory as kf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    KeyMaterial,
    same_key,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import (
    detect_keystore_type,
    load_key_material,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError

PASSWORDS = {"keystore_password": kf.DEFAULT_STORE_PASSWORD, "key_password": kf.DEFAULT_KEY_PASSWORD}
SECRETS = (kf.DEFAULT_STORE_PASSWORD, kf.DEFAULT_KEY_PASSWORD, "fixture-store-pass", "fixture-key-pass")
# KEYSTORE_PROPERTY_EXAMPLES=5000 for a long hunt
EXAMPLES = int(os.environ.get("KEYSTORE_PROPERTY_EXAMPLES", "150"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PREFIXES = [b"", b"\xfe\xed\xfe\xed\x00\x00\x00\x02", b"\xce\xce\xce\xce\x00\x00\x00\x02",
            b"\x30\x82\x05\x00\x02\x01\x03", b"\x30\x80\x02\x01\x03", b"-----BEGIN PRIVATE KEY-----\n",
            b"-----BEGIN CERTIFICATE-----\n"]  # fmt: skip

_counter = itertools.count()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """Real keystores whose bytes get mutated: no JDK needed (the JKS is the committed fixture)."""
    root = tmp_path_factory.mktemp("seeds")
    fixture = kf.committed_jdk25_keystore()
    found = {"jks": (fixture.read_bytes(), fixture.load_kwargs())}
    builders = {
        "pkcs12": lambda: kf.openssl_pkcs12(root / "p12", with_chain=True),
        "pkcs12-legacy": lambda: kf.openssl_pkcs12(root / "legacy", legacy=True),
        "pem": lambda: kf.pem_files(root / "pem", with_chain=True),
        "pem-encrypted": lambda: kf.pem_files(root / "pem-enc", key_password=kf.DEFAULT_KEY_PASSWORD),
    }
    for name, build in builders.items():
        try:
            store = build()
        except kf.ToolUnavailable:
            continue
        found[name] = (store.read_bytes(), store.load_kwargs())
    return found


@pytest.fixture(scope="module")
def originals(tmp_path_factory, seeds):
    """What each seed holds, unmutated: the mutation tests compare whatever loads with it."""
    directory = tmp_path_factory.mktemp("originals")
    return {name: load_bytes(directory, data, **kwargs) for name, (data, kwargs) in seeds.items()}


def load_bytes(directory, data: bytes, **kwargs) -> KeyMaterial | KeystoreError:
    """Load ``data`` from a file; return the material or the KeystoreError, and check the error's hygiene."""
    target = directory / f"mutated-{next(_counter)}.bin"
    target.write_bytes(data)
    kwargs = dict(kwargs, path=str(target))
    kwargs.pop("certificate_path", None)
    try:
        material = load_key_material(**kwargs)
    except KeystoreError as error:
        assert error.__class__ is KeystoreError  # exactly, not a subclass
        assert error.option in ("keystore_path", "keystore_password", "key_password", "keystore_alias",
                                "keystore_type"), error  # fmt: skip
        for secret in SECRETS:
            assert secret not in str(error)
        assert error.__cause__ is None
        # The message says what to fix: it names the file, or the option at fault.
        assert str(target) in str(error) or error.option in str(error), error
        # Deterministic: the same bytes fail the same way (no hidden state, no flaky library path).
        with pytest.raises(KeystoreError) as again:
            load_key_material(**kwargs)
        assert str(again.value) == str(error) and again.value.option == error.option
        return error
    finally:
        target.unlink(missing_ok=True)
    # If it loads at all, what it returns must be consistent.
    if material.certificate is not None:
        assert same_key(material.certificate, material.private_key)
    return material


@st.composite
def mutated(draw, data: bytes) -> bytes:
    buffer = bytearray(data)
    for _unused in range(draw(st.integers(1, 4))):
        if not buffer:
            break
        operation = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "slice"]))
        index = draw(st.integers(0, len(buffer) - 1))
        if operation == "flip":
            buffer[index] ^= 1 << draw(st.integers(0, 7))
        elif operation == "set":
            buffer[index] = draw(st.integers(0, 255))
        elif operation == "insert":
            buffer[index:index] = draw(st.binary(min_size=1, max_size=8))
        elif operation == "delete":
            del buffer[index:index + draw(st.integers(1, 8))]
        elif operation == "truncate":
            del buffer[index:]
        else:  # duplicate a slice somewhere else
            end = min(len(buffer), index + draw(st.integers(1, 64)))
            buffer[draw(st.integers(0, len(buffer))):0] = buffer[index:end]
    return bytes(buffer)


@PROPERTY
@given(data=st.binary(max_size=4096))
def test_detect_only_ever_raises_keystore_error(data):
    try:
        assert detect_keystore_type(data) in ("jks", "jceks", "pkcs12", "pem")
    except KeystoreError as error:
        assert error.option == "keystore_path"


@PROPERTY
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=4096),
       keystore_type=st.sampled_from(["auto", "jks", "jceks", "pkcs12", "pem"]))  # fmt: skip
def test_random_bytes_only_ever_give_keystore_error(tmp_path, prefix, body, keystore_type):
    result = load_bytes(tmp_path, prefix + body, keystore_type=keystore_type, **PASSWORDS)
    assert isinstance(result, KeystoreError)


# Formats whose integrity is checked over everything they hold (JKS: the store hash; PKCS12: the MAC over the
# authenticated safe): if a mutated one loads, it must hold exactly the original certificates.
INTEGRITY_CHECKED = ("jks", "pkcs12", "pkcs12-legacy")


def public_der(private_key) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("seed", ["jks", "pkcs12", "pkcs12-legacy", "pem", "pem-encrypted"])
@PROPERTY
@given(data=st.data())
def test_mutated_keystores_only_ever_give_keystore_error_or_the_original_key(
        tmp_path, seeds, originals, seed, data):
    if seed not in seeds:
        pytest.skip(f"{seed}: tool unavailable")
    original, kwargs = seeds[seed]
    damaged = data.draw(mutated(original))
    result = load_bytes(tmp_path, damaged, **kwargs)
    if seed == "jks" and not damaged.startswith(original):
        # The store password is always checked: a changed JKS never loads.
        assert isinstance(result, KeystoreError), "a tampered JKS loaded"
    if isinstance(result, KeyMaterial):
        expected = originals[seed]
        # Damage never yields another key: a key that loads is the original one (RSA keys are checked for
        # consistency, encrypted and MAC-protected ones fail to decrypt), in the same format.
        assert public_der(result.private_key) == public_der(expected.private_key), "a mutated keystore gave a new key"
        assert result.source_type == expected.source_type and result.key_algorithm == "RSA"
        if seed in INTEGRITY_CHECKED:
            assert result.chain_der == expected.chain_der, "an integrity-checked keystore loaded other certificates"
        else:  # PEM certificates are not protected: a changed one may load, but only if it matches the key
            assert result.certificate is None or same_key(result.certificate, result.private_key)


def test_seeds_load_unmutated(tmp_path, seeds):
    """The mutation tests mean something only if the originals load."""
    for name, (original, kwargs) in seeds.items():
        result = load_bytes(tmp_path, original, **kwargs)
        assert isinstance(result, KeyMaterial), (name, result)
        assert result.certificate is not None
