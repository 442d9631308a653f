"""The emulator's TLS: a throw-away test CA and a server certificate for 127.0.0.1.

Both are made fresh at every start-up. Clients trust the CA through the PEM file
written here (``ca.pem``), used as a CA bundle. The certificates carry the
extensions strict verifiers (Python 3.13's VERIFY_X509_STRICT) insist on.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "azure_ad.oauth test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass(frozen=True)
class TestCA:
    """A CA certificate and the server certificate and key it signed."""

    __test__ = False  # not a pytest test class

    ca_cert: x509.Certificate
    server_cert: x509.Certificate
    server_key: ec.EllipticCurvePrivateKey

    @property
    def ca_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def generate(cls, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TestCA:
        now = dt.datetime.now(dt.UTC)
        valid_from, valid_to = now - dt.timedelta(hours=1), now + dt.timedelta(days=2)

        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("Entra emulator test CA")
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from)
            .not_valid_after(valid_to)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )

        server_key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        server_cert = (
            x509.CertificateBuilder()
            .subject_name(_name(hosts[0]))
            .issuer_name(ca_name)
            .public_key(server_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from)
            .not_valid_after(valid_to)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        return cls(ca_cert=ca_cert, server_cert=server_cert, server_key=server_key)

    def write_ca(self, directory: Path) -> Path:
        """Write the CA certificate as ``ca.pem`` (public, so 0644) and return its path."""
        path = directory / "ca.pem"
        path.write_bytes(self.ca_pem)
        path.chmod(0o644)
        return path

    def server_context(self, directory: Path) -> ssl.SSLContext:
        """A TLS server context. The key touches the disk (0600) only while it loads."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        fd, key_path = tempfile.mkstemp(prefix="server-", suffix=".pem", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(
                    self.server_key.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                )
                handle.write(self.server_cert.public_bytes(serialization.Encoding.PEM))
            context.load_cert_chain(key_path)
        finally:
            os.unlink(key_path)
        return context
