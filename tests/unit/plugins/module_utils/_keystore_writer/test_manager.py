"""Turning a request into what to write and what to report (_keystore_writer/manager.py), without writing: check
mode, the result and the diff, and the certificate export, whose file is protected as the keystore is."""

from __future__ import annotations

import datetime
import json
import subprocess

import keystore_factory as kf
import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    certificate_to_der,
    same_key,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_keystore_bytes
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.manager import (
    export_content,
    holds_only_a_certificate,
    prepare_keystore,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.paths import MAX_READ_SIZE
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.plan import (
    GENERATE,
    KEEP,
    WRITE,
    KeystoreRequest,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import generate_self_signed
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.serialize import serialize_keystore
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError, OptionError

PASSWORD = "Store-pass 1"
NOW = datetime.datetime.now(datetime.UTC)


@pytest.fixture(scope="module")
def material():
    return generate_self_signed("CN=manager.example.com", 365, 2048)


@pytest.fixture(scope="module")
def openssl_key(tmp_path_factory):
    """A private key file made by openssl: what must never be overwritten as if it were a certificate."""
    store = kf.require(kf.pem_files, tmp_path_factory.mktemp("key"), layout="key-only")
    return store.read_bytes()


def generating(path, **more) -> KeystoreRequest:
    return KeystoreRequest(path=str(path), keystore_type="pkcs12", password=PASSWORD, generate=True, subject="CN=a",
                           **more)  # fmt: skip


def laid_down(path, material):
    path.write_bytes(serialize_keystore("pkcs12", material, "azure-ad", PASSWORD))
    return path


# --------------------------------------------------------------------------- check mode, result and diff


def test_check_mode_plans_a_generation_and_knows_no_thumbprint_yet(tmp_path):
    outcome = prepare_keystore(generating(tmp_path / "k.p12"), check_mode=True, export_path=str(tmp_path / "a.cer"))
    assert outcome.plan.action == GENERATE and outcome.keystore_bytes is None and outcome.export_bytes is None
    assert outcome.result == {"type": "pkcs12", "alias": "azure-ad", "subject": "CN=a", "path": str(tmp_path / "k.p12"),
                              "certificate_export_path": str(tmp_path / "a.cer")}  # fmt: skip
    assert outcome.export_changed and outcome.diff["after"]["certificate_export"] == "the new certificate"
    assert "generated when the task runs" in outcome.diff["after"]["certificate"]
    assert outcome.diff["before"] == {"certificate_export": "absent"}
    assert list(tmp_path.iterdir()) == [], "nothing is written, not even a lock"


def test_a_generation_gives_bytes_that_read_back_and_a_result_that_describes_them(tmp_path):
    outcome = prepare_keystore(generating(tmp_path / "k.p12"), export_path=str(tmp_path / "a.cer"), now=NOW)
    written = load_keystore_bytes(outcome.keystore_bytes, "in-memory", PASSWORD)
    assert outcome.result["sha1_thumbprint"] == outcome.diff["after"]["sha1_thumbprint"]
    assert outcome.export_bytes == certificate_to_der(written.certificate) and outcome.export_changed
    assert outcome.diff["before_header"] == outcome.diff["after_header"] == str(tmp_path / "k.p12")
    assert "PRIVATE KEY" not in json.dumps(outcome.diff) and "BEGIN" not in json.dumps(outcome.diff)
    assert outcome.diff["after"]["certificate_export"].startswith("certificate ")
    assert list(tmp_path.iterdir()) == [], "the module writes, the manager does not"


def test_a_readable_keystore_is_kept_and_its_export_written_only_when_it_differs(tmp_path, material):
    path = laid_down(tmp_path / "k.p12", material)
    export = tmp_path / "a.cer"
    export.write_bytes(certificate_to_der(material.certificate))
    kept = prepare_keystore(generating(path), export_path=str(export))
    assert kept.plan.action == KEEP and kept.keystore_bytes is None and not kept.export_changed
    assert kept.diff["before"]["sha1_thumbprint"] == kept.diff["after"]["sha1_thumbprint"]
    as_pem = prepare_keystore(generating(path), export_path=str(export), export_format="pem")
    assert as_pem.export_changed and as_pem.export_bytes == material.certificate.public_bytes(Encoding.PEM)


def test_supplied_material_replaces_what_differs(tmp_path, material):
    path = laid_down(tmp_path / "k.p12", material)
    other = generate_self_signed("CN=other", 30, 2048)
    outcome = prepare_keystore(KeystoreRequest(path=str(path), keystore_type="pkcs12", password=PASSWORD,
                                               supplied=other))  # fmt: skip
    assert outcome.plan.action == WRITE and "the private key differs" in outcome.plan.reasons
    assert same_key(load_keystore_bytes(outcome.keystore_bytes, "in-memory", PASSWORD).private_key, other.private_key)


# --------------------------------------------------------------------------- the export file


def test_the_export_is_never_the_keystore_and_its_directory_must_be_writable(tmp_path):
    with pytest.raises(OptionError) as caught:
        prepare_keystore(generating(tmp_path / "k.p12"), export_path=str(tmp_path / "." / "k.p12"))
    assert caught.value.option == "certificate_export_path" and "is the keystore's own file" in str(caught.value)
    with pytest.raises(OptionError) as caught:
        prepare_keystore(generating(tmp_path / "k.p12"), export_path=str(tmp_path / "missing" / "a.cer"))
    assert caught.value.option == "certificate_export_path"
    assert f"its directory '{tmp_path / 'missing'}' does not exist" in str(caught.value)


def test_an_export_file_that_holds_a_key_is_left_alone_unless_forced(tmp_path, material, openssl_key):
    path = laid_down(tmp_path / "k.p12", material)
    export = tmp_path / "a.cer"
    export.write_bytes(openssl_key)
    with pytest.raises(KeystoreError) as caught:
        prepare_keystore(generating(path), export_path=str(export))
    assert caught.value.option == "certificate_export_path" and "holds something other than one certificate" in str(
        caught.value)
    forced = prepare_keystore(generating(path, force=True), export_path=str(export))
    assert forced.export_changed and forced.diff["before"]["certificate_export"] == "not a certificate"


def test_only_a_single_certificate_counts_as_an_export(material, openssl_key, tmp_path):
    der = certificate_to_der(material.certificate)
    pem = material.certificate.public_bytes(Encoding.PEM)
    chain = kf.require(kf.pem_files, tmp_path, layout="split", with_chain=True).certificate_path.read_bytes()
    assert holds_only_a_certificate(b"") and holds_only_a_certificate(b"\n")
    assert holds_only_a_certificate(der) and holds_only_a_certificate(pem)
    for other in (der + b"\x00", pem + openssl_key, openssl_key, chain, b"-" * (MAX_READ_SIZE + 1)):
        assert not holds_only_a_certificate(other)


def test_export_content_is_der_unless_pem_is_asked_for(material):
    assert export_content(material.certificate, "der") == certificate_to_der(material.certificate)
    pem = export_content(material.certificate, "pem")
    assert pem == material.certificate.public_bytes(Encoding.PEM)
    openssl = subprocess.run([kf.require(kf.openssl), "x509", "-noout", "-subject"], input=pem, capture_output=True,
                             check=True, timeout=60)  # fmt: skip
    assert b"manager.example.com" in openssl.stdout
