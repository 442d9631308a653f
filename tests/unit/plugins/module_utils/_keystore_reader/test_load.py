"""Keystores made by the real tools (keytool of each JDK, openssl), loaded as a user would load them."""

from __future__ import annotations

import keystore_factory as kf
import native_panics
import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.jks import read_encrypted_private_key_info
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AliasError, KeystoreError

SECRETS = (kf.DEFAULT_STORE_PASSWORD, kf.DEFAULT_KEY_PASSWORD, "fixture-store-pass", "fixture-key-pass", "Wrong-pass 9")
WRONG = "Wrong-pass 9"


def load(store: kf.Keystore, **overrides) -> object:
    return load_key_material(**store.load_kwargs(**overrides))


def fails(store: kf.Keystore, option: str | tuple[str, ...], *fragments: str, **overrides) -> KeystoreError:
    """Loading must fail with a KeystoreError naming ``option``, saying ``fragments``, leaking no secret."""
    with pytest.raises(KeystoreError) as caught:
        load(store, **overrides)
    error = caught.value
    # exactly, not a subclass: AliasError only when the alias picks no entry (the keystore module then looks again)
    assert error.__class__ is (AliasError if option == "keystore_alias" else KeystoreError)
    assert error.option in ((option,) if isinstance(option, str) else option), str(error)
    for fragment in fragments:
        assert fragment in str(error)
    for secret in SECRETS:
        assert secret not in str(error)
    assert error.__cause__ is None
    return error


# --------------------------------------------------------------------------- tools and stores


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
def jks_own_key_password(stores, any_jdk):
    return stores(("jks", any_jdk.major), kf.keytool_keystore, jdk=any_jdk)


@pytest.fixture(scope="session")
def jceks_own_key_password(stores, any_jdk):
    return stores(("jceks", any_jdk.major), kf.keytool_keystore, store_type="jceks", jdk=any_jdk)


@pytest.fixture(scope="session")
def jks_two_entries(stores, new_jdk):
    return stores("two", kf.keytool_keystore, jdk=new_jdk, aliases=("First-Signer", "second-signer"))


@pytest.fixture(scope="session")
def jks_old(stores, old_jdk):
    return stores(("jks", old_jdk.major), kf.keytool_keystore, jdk=old_jdk)


@pytest.fixture(scope="session")
def pkcs12_two_entries(stores, any_jdk):
    return stores(("p12two", any_jdk.major), kf.keytool_keystore, store_type="pkcs12", jdk=any_jdk,
                  aliases=("alpha", "Beta"))  # fmt: skip


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


@pytest.mark.java
def test_pkcs12_trust_store_holds_no_private_key(stores, new_jdk):
    store = stores("trust-p12", kf.keytool_trust_store, jdk=new_jdk, store_type="pkcs12")
    fails(store, "keystore_path", "The PKCS12 keystore", "holds no private key")


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


# --------------------------------------------------------------------------- PKCS12


@pytest.mark.java
def test_keytool_pkcs12(stores, any_jdk):
    store = stores(("p12", any_jdk.major), kf.keytool_keystore, store_type="pkcs12", jdk=any_jdk)
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.source_type == "pkcs12"
    assert material.alias == "signer"
    fails(store, "keystore_password", "wrong keystore_password, or the file is corrupt", keystore_password=WRONG)


@pytest.mark.java
def test_keytool_pkcs12_with_ec_key_and_chain(stores, new_jdk):
    store = stores("p12ec", kf.keytool_keystore, store_type="pkcs12", jdk=new_jdk, key_alg="EC", key_size=256,
                   with_chain=True)  # fmt: skip
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.key_algorithm == "EC"
    assert material.chain_der == (store.cert.der, store.chain[0].der)


@pytest.mark.parametrize("legacy", [False, True], ids=["aes256", "legacy-rc2"])
def test_openssl_pkcs12(stores, legacy):
    store = stores(("ossl-p12", legacy), kf.openssl_pkcs12, legacy=legacy, with_chain=True)
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.alias == "signer"
    assert material.chain_der == (store.cert.der, store.chain[0].der)
    fails(store, "keystore_password", "wrong keystore_password, or the file is corrupt", keystore_password=WRONG)
    fails(store, "keystore_password", "without a password", keystore_password=None)


def test_openssl_pkcs12_without_password_or_friendly_name(stores):
    store = stores("ossl-p12-nopw", kf.openssl_pkcs12, password=None, name=None, file_name="nopw.p12")
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.alias is None
    fails(store, "keystore_alias", "has no friendly name", alias="signer")


@pytest.mark.java
def test_multi_key_pkcs12_refuses_a_non_first_alias(pkcs12_two_entries):
    store = pkcs12_two_entries
    fails(store, "keystore_alias",
          "keystore_alias 'Beta' is not the first private key entry ('alpha'); only the first can be read "
          "from a PKCS12 file: export that entry into its own file", alias="Beta")  # fmt: skip
    for alias in ("alpha", "ALPHA", None):
        material = load(store, alias=alias)
        kf.assert_key_matches(material, store.entries["alpha"])
        assert store.entries["Beta"].der not in material.chain_der  # another entry's leaf is no chain


# --------------------------------------------------------------------------- PEM


@pytest.mark.parametrize(
    ("layout", "key_format", "encrypted", "key_type"),
    [
        ("combined", "pkcs8", False, "rsa"),
        ("combined", "pkcs8", True, "rsa"),
        ("combined", "traditional", True, "rsa"),
        ("combined", "traditional", False, "ec"),
        ("split", "pkcs8", False, "rsa"),
        ("split", "traditional", True, "rsa"),
        ("split-der", "pkcs8", True, "ec"),
    ],
)
def test_pem(stores, layout, key_format, encrypted, key_type):
    password = kf.DEFAULT_KEY_PASSWORD if encrypted else None
    store = stores(("pem", layout, key_format, encrypted, key_type), kf.pem_files, layout=layout,
                   key_password=password, key_format=key_format, key_type=key_type,
                   with_chain=layout != "split-der")  # fmt: skip
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.source_type == "pem"
    assert material.chain_der == (store.cert.der, *(cert.der for cert in store.chain))
    assert material.key_algorithm == key_type.upper()
    if encrypted:
        fails(store, "key_password", "is encrypted: set key_password", key_password=None)
        fails(store, "key_password", "wrong key_password", key_password=WRONG)
        # key_password defaults to keystore_password, as for JKS
        kf.assert_key_matches(load(store, key_password=None, keystore_password=password), store.cert)
    else:
        kf.assert_key_matches(load(store, key_password=WRONG), store.cert)  # an unencrypted key needs none


def test_pem_certificates_before_the_key(stores):
    store = stores("pem-cert-first", kf.pem_files, with_chain=True, cert_first=True)
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.chain_der == (store.cert.der, store.chain[0].der)


def test_pem_key_without_certificate(stores):
    store = stores("pem-key-only", kf.pem_files, layout="key-only")
    material = load(store)
    assert material.certificate is None
    assert material.leaf_der is None
    assert material.chain == ()
    assert material.key_algorithm == "RSA"


def test_pem_certificate_without_key(stores):
    store = stores("pem-cert-only", kf.pem_files, layout="cert-only")
    fails(store, "keystore_path", "holds no private key (only certificates)")


def test_pem_with_a_certificate_of_another_key(stores, tmp_path):
    mine = stores("pem-key-only", kf.pem_files, layout="key-only")
    other = stores("pem-other", kf.pem_files, layout="split")
    fails(mine, "certificate_path", "does not match the private key", certificate_path=str(other.certificate_path))
    combined = tmp_path / "mismatch.pem"
    combined.write_bytes(mine.read_bytes() + other.certificate_path.read_bytes())
    with pytest.raises(KeystoreError) as caught:
        load_key_material(str(combined))
    assert caught.value.option == "keystore_path"
    assert "matches its private key" in str(caught.value)


def test_certificate_path_replaces_the_keystore_certificate(stores, tmp_path):
    store = stores("pem-split", kf.pem_files, layout="split", with_chain=True)
    combined = tmp_path / "combined.pem"
    combined.write_bytes(store.read_bytes() + store.certificate_path.read_bytes())
    material = load_key_material(str(combined), certificate_path=str(store.certificate_path))
    kf.assert_key_matches(material, store.cert)
    fails(store, "certificate_path", "does not exist", certificate_path=str(tmp_path / "missing.crt"))
    garbage = tmp_path / "garbage.crt"
    garbage.write_bytes(b"\x30\x03\x02\x01\x01")
    fails(store, "certificate_path", "neither a PEM nor a DER certificate", certificate_path=str(garbage))
    key_as_cert = tmp_path / "key.crt"
    key_as_cert.write_bytes(store.read_bytes())
    fails(store, "certificate_path", "holds no PEM certificate", certificate_path=str(key_as_cert))


@pytest.mark.parametrize("key_format", ["pkcs8", "traditional"])
def test_pem_key_password_wins_over_a_different_keystore_password(stores, monkeypatch, key_format):
    """Both given, different: the key decrypts only with key_password, and keystore_password is never tried."""
    from cryptography.hazmat.primitives import serialization

    store = stores(("pem-both", key_format), kf.pem_files, key_password=kf.DEFAULT_KEY_PASSWORD, key_format=key_format)
    tried = []
    real = serialization.load_pem_private_key

    def recording(data, password, *args, **kwargs):
        tried.append(password)
        return real(data, password, *args, **kwargs)

    monkeypatch.setattr(serialization, "load_pem_private_key", recording)
    material = load(store, keystore_password=kf.DEFAULT_STORE_PASSWORD, key_password=kf.DEFAULT_KEY_PASSWORD)
    kf.assert_key_matches(material, store.cert)
    assert tried == [kf.DEFAULT_KEY_PASSWORD.encode()]


def test_pem_a_wrong_key_password_is_not_rescued_by_the_keystore_password(stores):
    """keystore_password is the fallback only when key_password is unset, never a second try."""
    store = stores(("pem-both", "pkcs8"), kf.pem_files, key_password=kf.DEFAULT_KEY_PASSWORD)
    fails(store, "key_password", "wrong key_password", keystore_password=kf.DEFAULT_KEY_PASSWORD, key_password=WRONG)


# --------------------------------------------------------------------------- native panics


NUL_PASSWORD = "Nul\x00Pass-5Jy"


def real_panic_class(store: kf.Keystore) -> type:
    """cryptography 50's own panic class, from its real trigger: a NUL byte in a PKCS12 password."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        pkcs12.load_pkcs12(store.read_bytes(), NUL_PASSWORD.encode())
    except Exception:  # noqa: S110 - a cryptography that raises an Exception here has no panic to offer
        pass
    except BaseException as panic:  # the Rust panic: exactly what the nets are for
        return type(panic)
    pytest.skip("this cryptography no longer panics on a NUL byte in a PKCS12 password")


def test_cryptography_really_panics_on_a_nul_in_a_pkcs12_password(stores):
    """The trigger the issue found: a BaseException, not an Exception, that lists the password's bytes."""
    panic = real_panic_class(stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True))
    assert not issubclass(panic, Exception) and panic.__name__ == "PanicException"


def test_a_nul_in_a_pkcs12_password_is_refused_before_cryptography_sees_it(stores, monkeypatch):
    from cryptography.hazmat.primitives.serialization import pkcs12

    store = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
    calls = []
    monkeypatch.setattr(pkcs12, "load_pkcs12", lambda *args: calls.append(args))
    error = fails(store, "keystore_password", "holds a NUL byte", keystore_password=NUL_PASSWORD)
    assert calls == [] and "5Jy" not in str(error) and "[" not in str(error)


def test_the_loader_net_catches_the_real_panic_class(stores, monkeypatch):
    from cryptography.hazmat.primitives.serialization import pkcs12

    store = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
    panic = real_panic_class(store)

    def panicking(*args):
        raise panic(native_panics.panic_text(kf.DEFAULT_STORE_PASSWORD))

    monkeypatch.setattr(pkcs12, "load_pkcs12", panicking)
    error = fails(store, "keystore_path", "could not be read as a PKCS12 keystore")
    assert native_panics.PANIC_MARKER not in str(error) and error.__suppress_context__


@pytest.mark.parametrize(("call", "kind", "says"), [
    ("pkcs12-load", "p12", "could not be read as a PKCS12 keystore"),
    ("pem-key-load", "pem", "could not be read as a PEM keystore"),
    ("pem-certificate-parse", "pem", "could not be read as a PEM keystore"),
    ("der-key-load", "jks", "could not be read as a JKS keystore"),
    ("der-certificate-parse", "jks", "could not be read as a JKS keystore"),
    ("jks-store-load", "jks", "could not be read as a JKS keystore"),
    ("jks-key-decrypt", "jks", "could not be read as a JKS keystore"),
])  # fmt: skip
def test_every_reader_turns_a_panic_into_a_keystore_error(stores, monkeypatch, call, kind, says):
    store = {"p12": lambda: stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True),
             "pem": lambda: stores("pem-cert-first", kf.pem_files, with_chain=True, cert_first=True),
             "jks": kf.committed_jdk25_keystore}[kind]()  # fmt: skip
    native_panics.inject(call, kf.DEFAULT_STORE_PASSWORD, monkeypatch.setattr)
    error = fails(store, "keystore_path", says)
    assert native_panics.PANIC_MARKER not in str(error) and error.__suppress_context__


@pytest.mark.parametrize("reader", ["pkcs12", "pem", "jks"])
def test_each_reader_has_its_own_net_for_direct_callers(stores, monkeypatch, reader):
    """The keystore module's writer reads its output back with the readers directly, not via load_key_material."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.jks import load_jks
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pem import load_pem
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pkcs12 import load_pkcs12

    if reader == "pkcs12":
        store = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
        call = "pkcs12-load"

        def read():
            return load_pkcs12(store.read_bytes(), "in-memory", store.store_password)
    elif reader == "pem":
        store = stores("pem-cert-first", kf.pem_files, with_chain=True, cert_first=True)
        call = "pem-key-load"

        def read():
            return load_pem(store.read_bytes(), "in-memory")
    else:
        store = kf.committed_jdk25_keystore()
        call = "jks-store-load"

        def read():
            return load_jks(store.read_bytes(), "in-memory", "jks", store.store_password, store.key_password)
    native_panics.inject(call, kf.DEFAULT_STORE_PASSWORD, monkeypatch.setattr)
    with pytest.raises(KeystoreError) as caught:
        read()
    assert caught.value.option == "keystore_path" and "'in-memory' could not be read as a" in str(caught.value)
    assert native_panics.PANIC_MARKER not in str(caught.value) and caught.value.__suppress_context__


def test_a_panic_on_the_certificate_file_names_certificate_path(stores, monkeypatch):
    store = stores("pem-split", kf.pem_files, layout="split", with_chain=True)
    native_panics.inject("pem-certificate-parse", kf.DEFAULT_STORE_PASSWORD, monkeypatch.setattr)
    fails(store, "certificate_path", "certificate_path", "could not be read as a certificate")


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_the_loader_nets_let_the_stopping_exceptions_through(stores, monkeypatch, stop):
    from cryptography.hazmat.primitives.serialization import pkcs12

    store = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)

    def stopping(*args):
        raise stop()

    monkeypatch.setattr(pkcs12, "load_pkcs12", stopping)
    with pytest.raises(stop):
        load(store)


# --------------------------------------------------------------------------- type detection


@pytest.mark.java
def test_detection_ignores_misleading_extensions(stores, jks_old, tmp_path):
    p12 = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
    pem = stores("pem-split", kf.pem_files, layout="split", with_chain=True)
    for store, disguise, source_type in ((p12, "store.jks", "pkcs12"), (jks_old, "store.pem", "jks"),
                                         (pem, "key.p12", "pem")):  # fmt: skip
        target = tmp_path / disguise
        target.write_bytes(store.read_bytes())
        material = load(store, path=str(target))
        kf.assert_key_matches(material, store.cert)
        assert material.source_type == source_type


@pytest.mark.java
def test_keystore_type_disagreeing_with_the_bytes_names_both(jks_old, stores):
    fails(jks_old, "keystore_type", "keystore_type is pkcs12 but the file", "is a JKS keystore", keystore_type="pkcs12")
    fails(jks_old, "keystore_type", "keystore_type is jceks but", "is a JKS keystore", keystore_type="JCEKS")
    p12 = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
    fails(p12, "keystore_type", "keystore_type is jks but the file", "is a PKCS12 keystore", keystore_type="jks")
    kf.assert_key_matches(load(p12, keystore_type="PKCS12"), p12.cert)
    kf.assert_key_matches(load(p12, keystore_type="p12"), p12.cert)
