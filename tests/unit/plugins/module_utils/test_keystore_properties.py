"""Property tests: random and mutated keystore bytes only ever give a KeystoreError (or a consistent key)."""

from __future__ import annotations

import itertools
import os

import keystore_factory as kf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import KeystoreError
from ansible_collections.azure_ad.oauth.plugins.module_utils._key_material import KeyMaterial, certificate_matches_key
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore import detect_keystore_type, load_key_material

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
        return error
    finally:
        target.unlink()
    # If it loads at all, what it returns must be consistent.
    if material.certificate is not None:
        assert certificate_matches_key(material.certificate, material.private_key)
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


@pytest.mark.parametrize("seed", ["jks", "pkcs12", "pkcs12-legacy", "pem", "pem-encrypted"])
@PROPERTY
@given(data=st.data())
def test_mutated_keystores_only_ever_give_keystore_error_or_a_consistent_key(tmp_path, seeds, seed, data):
    if seed not in seeds:
        pytest.skip(f"{seed}: tool unavailable")
    original, kwargs = seeds[seed]
    damaged = data.draw(mutated(original))
    result = load_bytes(tmp_path, damaged, **kwargs)
    if seed == "jks" and not damaged.startswith(original):
        # The store password is always checked: a changed JKS never loads.
        assert isinstance(result, KeystoreError), "a tampered JKS loaded"


def test_seeds_load_unmutated(tmp_path, seeds):
    """The mutation tests mean something only if the originals load."""
    for name, (original, kwargs) in seeds.items():
        result = load_bytes(tmp_path, original, **kwargs)
        assert isinstance(result, KeyMaterial), (name, result)
        assert result.certificate is not None
