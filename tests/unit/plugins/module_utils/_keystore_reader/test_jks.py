"""Java JKS and JCEKS keystores (_keystore_reader/jks.py): stores made by keytool of each JDK, the committed
JDK 25 fixture, damaged stores, the DER reader of the pyjks workaround, and pyjks failures reworded."""

from __future__ import annotations

import keystore_factory as kf
import pytest
from keystore_reading import WRONG, cryptography_errors, der, fails, load
from library_errors import MARKER, assert_clean, raiser

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.jks import (
    JCE_KEY_PROTECTOR_OID,
    decode_oid,
    decrypt_entry,
    load_jks,
    read_encrypted_private_key_info,
    select_entry,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import OptionNames
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AliasError, KeystoreError

# --------------------------------------------------------------------------- stores


@pytest.fixture(scope="session")
def jks_own_key_password(stores, any_jdk):
    return stores(("jks", any_jdk.major), kf.keytool_keystore, jdk=any_jdk)


@pytest.fixture(scope="session")
def jceks_own_key_password(stores, any_jdk):
    return stores(("jceks", any_jdk.major), kf.keytool_keystore, store_type="jceks", jdk=any_jdk)


@pytest.fixture(scope="session")
def jks_two_entries(stores, new_jdk):
    return stores("two", kf.keytool_keystore, jdk=new_jdk, aliases=("First-Signer", "second-signer"))


# --------------------------------------------------------------------------- JKS and JCEKS


@pytest.mark.java
def test_jks_with_its_own_key_password_loads_on_every_jdk(jks_own_key_password):
    store = jks_own_key_password
    assert store.key_password != store.store_password
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.source_type == "jks"
    assert material.alias == "signer"
    assert material.chain == ()
    assert material.key_algorithm == "RSA"


@pytest.mark.java
def test_jdk_21_and_later_omit_the_null_parameters_and_older_ones_do_not(stores, old_jdk, new_jdk):
    import jks

    for jdk_, expected in ((old_jdk, b"\x05\x00"), (new_jdk, b"")):
        store = stores(("jks", jdk_.major), kf.keytool_keystore, jdk=jdk_)
        raw = jks.KeyStore.loads(store.read_bytes(), store.store_password, try_decrypt_keys=False)
        encrypted = raw.private_keys["signer"]._encrypted
        oid, params, _unused = read_encrypted_private_key_info(encrypted)
        assert oid == "1.3.6.1.4.1.42.2.17.1.1"
        assert params == expected, jdk_


@pytest.mark.java
def test_jks_without_key_password_uses_the_store_password(stores, any_jdk):
    store = stores(("jks-same", any_jdk.major), kf.keytool_keystore, jdk=any_jdk, key_password=None)
    material = load(store)
    kf.assert_key_matches(material, store.cert)


@pytest.mark.java
def test_jks_key_password_omitted_when_it_differs(jks_own_key_password):
    fails(jks_own_key_password, "key_password", "could not be decrypted with keystore_password", "set key_password",
          key_password=None)  # fmt: skip


@pytest.mark.java
def test_jks_wrong_key_password(jks_own_key_password):
    fails(jks_own_key_password, "key_password", "wrong key_password", key_password=WRONG)


@pytest.mark.java
def test_jks_wrong_store_password(jks_own_key_password):
    fails(jks_own_key_password, "keystore_password", "wrong keystore_password, or the file is corrupt",
          keystore_password=WRONG)  # fmt: skip


@pytest.mark.java
def test_jks_store_password_is_always_required(jks_own_key_password):
    # pyjks would skip the integrity check without it; we refuse instead.
    fails(jks_own_key_password, "keystore_password", "keystore_password is required", keystore_password=None)


@pytest.mark.java
def test_jceks_decrypts_once_with_the_right_password_never_by_trial(jceks_own_key_password, monkeypatch):
    """Each JCEKS key derivation costs about 170 ms: one per load, with the password that opens the entry."""
    from jks import sun_crypto

    tried = []
    real = sun_crypto.jce_pbe_decrypt

    def counting(data, password, salt, iterations):
        tried.append(password)
        return real(data, password, salt, iterations)

    monkeypatch.setattr(sun_crypto, "jce_pbe_decrypt", counting)
    store = jceks_own_key_password
    load(store)
    assert tried == [store.key_password]
    tried.clear()
    fails(store, "key_password", "wrong key_password", key_password=WRONG)
    assert tried == [WRONG]  # not followed by keystore_password, nor anything else
    tried.clear()
    fails(store, "key_password", "set key_password", key_password=None)
    assert tried == [store.store_password]


@pytest.mark.java
def test_jceks_with_its_own_key_password(jceks_own_key_password):
    store = jceks_own_key_password
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.source_type == "jceks"
    fails(store, "key_password", "wrong key_password", key_password=WRONG)
    fails(store, "key_password", "set key_password", key_password=None)
    fails(store, "keystore_password", "wrong keystore_password", keystore_password=WRONG)
    fails(store, "key_password", "ASCII", key_password="pässword")


@pytest.mark.java
def test_jks_with_a_certificate_chain(stores, any_jdk):
    store = stores(("chain", any_jdk.major), kf.keytool_keystore, jdk=any_jdk, with_chain=True)
    assert len(store.chain) == 1
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.chain_der == (store.cert.der, store.chain[0].der)
    assert material.certificate.issuer == material.chain[0].subject


@pytest.mark.java
def test_two_entries_the_alias_picks_the_key(jks_two_entries):
    store = jks_two_entries
    for alias in ("First-Signer", "second-signer"):
        material = load(store, alias=alias)
        kf.assert_key_matches(material, store.entries[alias])
        assert material.alias == alias.lower()  # keytool lower-cases JKS aliases
    first, second = store.entries.values()
    assert first.der != second.der


@pytest.mark.java
def test_alias_matches_case_insensitively(jks_two_entries):
    store = jks_two_entries
    material = load(store, alias="SECOND-SIGNER")
    kf.assert_key_matches(material, store.entries["second-signer"])


@pytest.mark.java
def test_two_entries_without_alias_lists_them(jks_two_entries):
    error = fails(jks_two_entries, "keystore_alias", "several private key entries", "first-signer, second-signer",
                  "set keystore_alias", alias=None)  # fmt: skip
    assert "Hint" not in str(error)


@pytest.mark.java
def test_unknown_alias_lists_the_available_ones(jks_two_entries):
    fails(jks_two_entries, "keystore_alias", "keystore_alias 'nope' is not an entry", "first-signer, second-signer",
          alias="nope")  # fmt: skip


@pytest.mark.java
def test_trust_store_holds_no_private_key(stores, old_jdk):
    store = stores("trust", kf.keytool_trust_store, jdk=old_jdk, count=2)
    fails(store, "keystore_path", "holds no private key entry", "trusted certificate")
    fails(store, "keystore_alias", "keystore_alias 'TRUSTED1' is a trusted certificate entry",
          "Private key entries: none", alias="TRUSTED1")  # fmt: skip


@pytest.fixture(params=["committed-jdk25", "keytool-old-jdk"])
def jks_to_damage(request):
    """The committed JDK 25 fixture (always there) and a store from an older keytool (skipped without one)."""
    if request.param == "committed-jdk25":
        return kf.committed_jdk25_keystore()
    return request.getfixturevalue("jks_old")


def test_tampered_jks_never_loads(jks_to_damage, tmp_path):
    """Flip each byte in turn: magic, version, alias, encrypted key, certificate, digest. None may load."""
    store = jks_to_damage
    options = set()
    for offset in range(len(store.read_bytes())):
        damaged = kf.flipped_copy(store, offset, tmp_path)
        error = fails(damaged, ("keystore_password", "keystore_path"))
        options.add(error.option)
    # most flips fail the digest ("wrong keystore_password, or the file is corrupt"); some break the structure
    assert options == {"keystore_password", "keystore_path"}


def test_truncated_jks_never_loads(jks_to_damage, tmp_path):
    store = jks_to_damage
    size = len(store.read_bytes())
    for length in (1, 3, 4, 8, 12, 40, size // 2, size - 21, size - 20, size - 1):
        fails(kf.truncated_copy(store, length, tmp_path), ("keystore_path", "keystore_password"))


# --------------------------------------------------------------------------- the committed JDK 25 fixture


def test_committed_jdk25_fixture_loads_without_any_jdk():
    store = kf.committed_jdk25_keystore()
    assert store.cert is not None
    assert store.cert.sha1_colon == "CF:CD:FB:86:7F:72:01:72:FA:7E:EF:A2:35:4A:86:02:15:CA:FB:0E"
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.alias == "jdk25-signer"
    assert material.source_type == "jks"
    fails(store, "key_password", "set key_password", key_password=None)
    fails(store, "key_password", "wrong key_password", key_password="fixture-store-pass ")
    fails(store, "keystore_password", "wrong keystore_password", keystore_password="fixture-key-pass")


def test_plain_pyjks_fails_on_the_committed_jdk25_fixture():
    """The reason for the workaround: pyjks 20.0.0 cannot decrypt JDK 21+ key entries (issue #79)."""
    import jks
    from pyasn1.error import PyAsn1Error

    store = kf.committed_jdk25_keystore()
    with pytest.raises(PyAsn1Error, match="schema object"):
        jks.KeyStore.load(str(store.path), store.store_password)  # tries the store password on the key
    raw = jks.KeyStore.load(str(store.path), store.store_password, try_decrypt_keys=False)
    with pytest.raises(PyAsn1Error, match="schema object"):
        raw.private_keys["jdk25-signer"].decrypt(store.key_password)


# --------------------------------------------------------------------------- the caller's option names, AliasError

NAMES = OptionNames(path="path", store_type="type", store_password="password", key_password="kp", alias="alias",
                    certificate_path="cert")  # fmt: skip


def test_messages_name_the_callers_options():
    """The keystore module reads with its own names: every message and option is in its words, none in the token
    module's (a path holding such a name is left as it is)."""
    store = kf.committed_jdk25_keystore()
    data = store.read_bytes()

    def failure(**kwargs) -> KeystoreError:
        args = {"keystore_password": store.store_password, "key_password": store.key_password, **kwargs}
        with pytest.raises(KeystoreError) as caught:
            load_jks(data, "/srv/keystore_path.jks", "jks", names=NAMES, **args)
        assert "keystore_password" not in str(caught.value) and "keystore_alias" not in str(caught.value)
        return caught.value

    wrong_store = failure(keystore_password=WRONG)
    assert wrong_store.option == "password"
    assert str(wrong_store) == ("The JKS keystore '/srv/keystore_path.jks' could not be opened: wrong password, or "
                                "the file is corrupt.")  # fmt: skip
    own_password = failure(key_password=None)
    assert own_password.option == "kp"
    assert "could not be decrypted with password: set kp, as the entry has its own password." in str(own_password)
    assert failure(keystore_password=None).option == "password"
    unknown = failure(alias="nope")
    assert unknown.__class__ is AliasError and unknown.option == "alias"
    assert str(unknown).startswith("alias 'nope' is not an entry of the JKS keystore '/srv/keystore_path.jks'.")


def test_only_an_alias_that_picks_no_entry_is_an_alias_error():
    trusted = type("TrustedCertEntry", (), {})()
    key = object()
    entries = {"one": key, "two": key, "ca": trusted}
    private_keys = {"one": key, "two": key}
    assert select_entry(entries, private_keys, "/k.jks", "JKS", "ONE") == ("one", key)
    for alias, words in ((None, "several private key entries (one, two): set keystore_alias"),
                         ("ca", "'ca' is a trusted certificate entry"), ("three", "'three' is not an entry")):
        with pytest.raises(AliasError) as caught:
            select_entry(entries, private_keys, "/k.jks", "JKS", alias)
        assert caught.value.option == "keystore_alias" and words in str(caught.value)
    with pytest.raises(KeystoreError) as caught:
        select_entry({"ca": trusted}, {}, "/k.jks", "JKS", None)
    assert caught.value.__class__ is KeystoreError and "holds no private key entry" in str(caught.value)


# --------------------------------------------------------------------------- the tiny DER reader


JKS_OID = bytes.fromhex("2b060104012a02110101")


JCE_OID = bytes.fromhex("2b060104012a021301")


def test_decode_oid():
    assert decode_oid(JKS_OID) == "1.3.6.1.4.1.42.2.17.1.1"
    assert decode_oid(JCE_OID) == JCE_KEY_PROTECTOR_OID
    assert decode_oid(bytes.fromhex("2a864886f70d010101")) == "1.2.840.113549.1.1.1"
    with pytest.raises(ValueError):
        decode_oid(b"\x2b\x86")


@pytest.mark.parametrize("params", [b"", b"\x05\x00"], ids=["jdk21+", "jdk-before-21"])
def test_encrypted_private_key_info_with_and_without_null(params):
    blob = der(0x30, der(0x30, der(0x06, JKS_OID) + params) + der(0x04, b"\x01" * 300))
    assert read_encrypted_private_key_info(blob) == ("1.3.6.1.4.1.42.2.17.1.1", params, b"\x01" * 300)


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x30",
        der(0x31, der(0x30, der(0x06, JKS_OID)) + der(0x04, b"x")),  # SET, not SEQUENCE
        der(0x30, der(0x30, der(0x06, JKS_OID)) + der(0x04, b"x")) + b"\x00",  # trailing byte
        der(0x30, der(0x30, der(0x06, JKS_OID)) + der(0x04, b"x") + b"\x00"),  # trailing inside
        der(0x30, der(0x30, der(0x06, JKS_OID)) + der(0x04, b"x"))[:-1],  # truncated
        b"\x30\x85\x00\x00\x00\x00\x05" + b"\x00" * 5,  # five length bytes
        b"\x30\x80\x00\x00",  # indefinite length: not DER
    ],
)
def test_encrypted_private_key_info_rejects_malformed_der(blob):
    with pytest.raises(ValueError):
        read_encrypted_private_key_info(blob)


# --------------------------------------------------------------------------- JCEKS: garbage from a wrong password


def jceks_entry(pkcs8: bytes, password: str, salt: bytes, iterations: int) -> bytes:
    """An EncryptedPrivateKeyInfo as keytool writes for JCEKS, but with a low iteration count (fast to test)."""
    from Cryptodome.Cipher import DES3
    from jks.sun_crypto import _jce_pbe_derive_key_and_iv
    from jks.util import add_pkcs7_padding

    key, iv = _jce_pbe_derive_key_and_iv(password, salt, iterations)
    encrypted = DES3.new(key, DES3.MODE_CBC, iv=iv).encrypt(add_pkcs7_padding(pkcs8, 8))
    params = der(0x30, der(0x04, salt) + der(0x02, iterations.to_bytes(2, "big")))
    return der(0x30, der(0x30, der(0x06, JCE_OID) + params) + der(0x04, encrypted))


def test_jceks_wrong_passwords_that_pass_the_padding_check_still_say_wrong_key_password():
    """~0.4% of wrong JCEKS passwords leave valid padding; pyjks then raises PyAsn1Error. We say key_password."""
    from cryptography.hazmat.primitives import serialization
    from jks import PrivateKeyEntry
    from jks.sun_crypto import jce_pbe_decrypt
    from pyasn1.error import PyAsn1Error

    store = kf.committed_jdk25_keystore()
    original = load_key_material(**store.load_kwargs()).private_key
    pkcs8 = original.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())  # fmt: skip
    salt = bytes.fromhex("0011223344556677")
    entry = jceks_entry(pkcs8, "right-pass", salt, 256)

    key = decrypt_entry(entry, "right-pass", "jceks", "entry", "test.jceks")
    assert key.private_numbers() == original.private_numbers()

    ciphertext = read_encrypted_private_key_info(entry)[2]
    padding_passed = []
    for index in range(1500):
        password = f"wrong-{index:04d}"
        with pytest.raises(KeystoreError) as caught:
            decrypt_entry(entry, password, "jceks", "entry", "test.jceks")
        assert caught.value.option == "key_password"
        assert "wrong key_password" in str(caught.value)
        assert password not in str(caught.value)
        try:
            jce_pbe_decrypt(ciphertext, password, salt, 256)
        except Exception:  # noqa: S112 - bad padding: the common case
            continue
        padding_passed.append(password)
    assert padding_passed, "no wrong password passed the padding check: the rare case went untested"

    # and this is what plain pyjks does with one of them
    raw = PrivateKeyEntry(encrypted=entry, store_type="jceks", cert_chain=[])
    raw.alias = "entry"
    with pytest.raises(PyAsn1Error):
        raw.decrypt(padding_passed[0])


def test_jceks_protector_is_refused_in_a_jks_store():
    entry = jceks_entry(b"\x30\x03\x02\x01\x00", "pw", b"\x01" * 8, 1)
    with pytest.raises(KeystoreError) as caught:
        decrypt_entry(entry, "pw", "jks", "entry", "test.jks")
    assert caught.value.option == "keystore_path"
    assert "does not support (OID 1.3.6.1.4.1.42.2.19.1)" in str(caught.value)


def test_jceks_absurd_iteration_count_is_refused():
    salt = b"\x01" * 8
    params = der(0x30, der(0x04, salt) + der(0x02, (10**8).to_bytes(4, "big")))
    entry = der(0x30, der(0x30, der(0x06, JCE_OID) + params) + der(0x04, b"\x00" * 64))
    with pytest.raises(KeystoreError) as caught:
        decrypt_entry(entry, "pw", "jceks", "entry", "test.jceks")
    assert caught.value.option == "keystore_path"
    assert "iteration count" in str(caught.value)


# --------------------------------------------------------------------------- pyjks and cryptography failures, reworded
#
# Each library function the reader calls is replaced by one that raises with a secret-looking MARKER in its
# message: the collection's error must carry neither the marker nor the library exception.


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


def never_decrypted_jceks_entry() -> bytes:
    """An EncryptedPrivateKeyInfo with the JCEKS protector; the ciphertext is never really decrypted here."""
    oid = bytes.fromhex("2b060104012a021301")  # 1.3.6.1.4.1.42.2.19.1
    params = der(0x30, der(0x04, b"\x01" * 8) + der(0x02, b"\x01"))
    return der(0x30, der(0x30, der(0x06, oid) + params) + der(0x04, b"\x00" * 16))


@pytest.mark.parametrize("outcome", ["pyasn1-error", "garbage"])
def test_jceks_wrong_password_oddities_say_wrong_key_password(monkeypatch, outcome):
    """A wrong JCEKS password that passes the padding check yields garbage (plain pyjks: a PyAsn1Error)."""
    from jks import sun_crypto

    if outcome == "garbage":
        monkeypatch.setattr(sun_crypto, "jce_pbe_decrypt", lambda *args: MARKER.encode() + b"\x30\x82")
    else:
        monkeypatch.setattr(sun_crypto, "jce_pbe_decrypt", raiser(pyasn1_error(MARKER)))
    with pytest.raises(KeystoreError) as caught:
        decrypt_entry(never_decrypted_jceks_entry(), "wrong-pass", "jceks", "entry", "test.jceks")
    assert_clean(caught.value, "key_password")
    assert "wrong key_password" in str(caught.value)


@pytest.mark.parametrize("name", ["ValueError", "UnsupportedAlgorithm", "RuntimeError"])
def test_cryptography_jks_key_parse_errors_are_reworded(monkeypatch, name):
    from cryptography.hazmat.primitives import serialization

    monkeypatch.setattr(serialization, "load_der_private_key", raiser(cryptography_errors()[name]))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(**jks_store().load_kwargs())
    assert_clean(caught.value)
