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

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    certificate_to_der,
    same_key,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import generate_self_signed
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.supplied_material import (
    has_material,
    load_supplied_material,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError

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
    assert certificate_to_der(loaded.certificate) == store.cert.der
    assert [certificate_to_der(c) for c in loaded.chain] == [c.der for c in store.chain]


def test_der_certificate_file(tmp_path):
    store = kf.require(kf.pem_files, tmp_path, layout="split-der")
    loaded = load_supplied_material({"certificate_path": str(store.certificate_path),
                                     "private_key_path": str(store.path)})
    assert certificate_to_der(loaded.certificate) == store.cert.der


def test_chain_is_ordered_and_strays_refused(tmp_path, pair):
    store = kf.require(kf.pem_files, tmp_path, layout="split", with_chain=True)
    leaf_only = store.cert.pem.decode()
    key = store.path.read_text()
    ca = store.chain[0].pem.decode()
    loaded = load_supplied_material({"certificate": leaf_only, "private_key": key, "chain": [ca, ca]})
    assert [certificate_to_der(c) for c in loaded.chain] == [store.chain[0].der]
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


def test_bad_material_is_explained_in_the_readers_words_as_an_option_error(tmp_path, pair):
    """The PEM loader is the token module's: the same words, naming this module's options, as OptionError."""
    import subprocess

    ssh_key = tmp_path / "id_rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(ssh_key)], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    der = tmp_path / "key.der"
    der.write_bytes(pair.private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8,
                                                   BestAvailableEncryption(PASSPHRASE.encode())))  # fmt: skip
    certificate = cert_pem(pair.certificate)
    damaged = certificate.replace("\n", "\n!", 3)
    cases = [
        ({"private_key_path": str(ssh_key)}, "private_key_path",
         f"The private key in private_key_path '{ssh_key}' is in OpenSSH format, not PEM. Hint: Convert it with: "
         "ssh-keygen -p -m PKCS8 -f <file>"),
        ({"private_key_path": str(der), "private_key_passphrase": "Wrong 1"}, "private_key_passphrase",
         f"The private key in private_key_path '{der}' could not be decrypted: wrong private_key_passphrase."),
        ({"private_key": key_pem(pair) + key_pem(pair)}, "private_key",
         "private_key holds 2 private keys; give exactly one."),
        ({"private_key": certificate}, "private_key", "private_key holds no PEM private key."),
        ({"private_key": key_pem(pair), "certificate": damaged}, "certificate",
         "A certificate in certificate could not be parsed."),
    ]  # fmt: skip
    for given, option, message in cases:
        params = {"certificate": certificate, **given}
        with pytest.raises(OptionError) as caught:
            load_supplied_material(params)
        assert (caught.value.option, str(caught.value)) == (option, message)
        assert caught.value.__class__ is OptionError and caught.value.__cause__ is None
        assert PASSPHRASE not in str(caught.value)
    material = load_supplied_material({"private_key_path": str(der), "private_key_passphrase": PASSPHRASE,
                                       "certificate": certificate})  # fmt: skip
    assert same_key(material.private_key, pair.private_key)


def test_has_material():
    assert not has_material({"certificate": None, "chain": ["x"]})
    assert has_material({"private_key_path": "/k"})


# --------------------------------------------------------------------------- keys Entra refuses, refused at write time


def openssl_pair(directory, key_spec: list[str]):
    """A key and its self-signed certificate made by ``openssl req -x509`` with ``key_spec``."""
    import subprocess

    key, cert = directory / "key.pem", directory / "cert.pem"
    if key_spec == ["dsa"]:  # DSA takes its parameters from a file
        subprocess.run([kf.openssl(), "dsaparam", "-out", str(directory / "dsa.param"), "2048"], capture_output=True,
                       timeout=120, check=True)  # fmt: skip
        key_spec = ["-newkey", f"dsa:{directory / 'dsa.param'}"]
    subprocess.run([kf.openssl(), "req", "-x509", *key_spec, "-noenc", "-keyout", str(key), "-out", str(cert),
                    "-subj", "/CN=weak", "-days", "30"], capture_output=True, timeout=120, check=True)  # fmt: skip
    return key, cert


WEAK_KEYS = {
    "ec": (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "is an EC key"),
    "dsa": (["dsa"], "is a DSA key"),
    "ed25519": (["-newkey", "ed25519"], "is an Ed25519 key"),
    "ed448": (["-newkey", "ed448"], "is an Ed448 key"),
    "rsa1024": (["-newkey", "rsa:1024"], "has 1024 bits; Microsoft Entra ID requires at least 2048."),
}


@pytest.mark.parametrize("kind", sorted(WEAK_KEYS))
@pytest.mark.parametrize("form", ["content", "files"])
def test_keys_entra_refuses_are_refused_with_the_token_modules_words(tmp_path, kind, form):
    kf.require(kf.openssl)
    key, cert = openssl_pair(tmp_path, WEAK_KEYS[kind][0])
    if form == "content":
        params, option, where = {"private_key": key.read_text(), "certificate": cert.read_text()}, "private_key", \
            "The key in private_key "
    else:
        params, option, where = {"private_key_path": str(key), "certificate_path": str(cert)}, "private_key_path", \
            f"The key in private_key_path '{key}' "
    with pytest.raises(Exception) as caught:
        load_supplied_material(params)
    message = str(caught.value)
    assert caught.value.option == option
    assert WEAK_KEYS[kind][1] in message
    if kind == "rsa1024":
        assert message.startswith(where.replace("The key", "The RSA key"))
    else:
        assert message.startswith(where)
        assert message.endswith("Microsoft Entra ID accepts only RSA keys for certificate credentials. "
                                "Create an RSA key (2048 bits or more).")  # fmt: skip
    assert "an DSA" not in message


# --------------------------------------------------------------------------- files that would block, native panics


def test_a_fifo_as_certificate_path_is_refused_without_blocking(tmp_path, pair):
    import os
    import time

    os.mkfifo(tmp_path / "cert.pem")
    started = time.monotonic()
    with pytest.raises(OptionError) as caught:
        load_supplied_material({"certificate_path": str(tmp_path / "cert.pem"), "private_key": key_pem(pair)})
    assert time.monotonic() - started < 5
    assert caught.value.option == "certificate_path" and "FIFO" in str(caught.value)


def test_material_files_may_be_links(tmp_path, pair):
    (tmp_path / "real.pem").write_text(cert_pem(pair.certificate))
    (tmp_path / "live.pem").symlink_to(tmp_path / "real.pem")  # as certbot's live/ directory does
    material = load_supplied_material({"certificate_path": str(tmp_path / "live.pem"), "private_key": key_pem(pair)})
    assert material.certificate == pair.certificate


PANIC_SECRET = "Panic-pass 9"


@pytest.mark.parametrize(
    ("call", "params", "option"),
    [
        ("pem-key-load", lambda p: {"private_key": key_pem(p), "certificate": cert_pem(p.certificate)},
         "private_key"),
        ("pem-key-load", lambda p: {"private_key": key_pem(p, PASSPHRASE), "certificate": cert_pem(p.certificate),
                                    "private_key_passphrase": PASSPHRASE}, "private_key"),
        ("pem-certificate-parse", lambda p: {"private_key": key_pem(p), "certificate": cert_pem(p.certificate)},
         "certificate"),
    ],
    ids=["pem-key", "encrypted-pem-key", "pem-certificate"],
)
def test_a_native_panic_becomes_an_option_error(monkeypatch, pair, call, params, option):
    import native_panics

    native_panics.inject(call, PANIC_SECRET, monkeypatch.setattr)
    with pytest.raises(OptionError) as caught:
        load_supplied_material(params(pair))
    assert caught.value.option == option
    assert native_panics.PANIC_MARKER not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_native_panic_loading_a_der_key_becomes_an_option_error(monkeypatch, tmp_path, pair):
    import native_panics

    der = pair.private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    (tmp_path / "key.der").write_bytes(der)
    (tmp_path / "cert.der").write_bytes(certificate_to_der(pair.certificate))
    native_panics.inject("der-key-load", PANIC_SECRET, monkeypatch.setattr)
    with pytest.raises(OptionError) as caught:
        load_supplied_material({"private_key_path": str(tmp_path / "key.der"),
                                "certificate_path": str(tmp_path / "cert.der")})  # fmt: skip
    assert caught.value.option == "private_key_path"
    monkeypatch.undo()
    native_panics.inject("der-certificate-parse", PANIC_SECRET, monkeypatch.setattr)
    with pytest.raises(OptionError) as caught:
        load_supplied_material({"private_key": key_pem(pair), "certificate_path": str(tmp_path / "cert.der")})
    assert caught.value.option == "certificate_path"
