"""Build keystores with the real tools, as a user would: Java ``keytool`` and ``openssl``.

Unit and integration tests share this helper. Every builder writes into a
directory you give it and returns a :class:`Keystore` that says where the file
is, its passwords and alias, and the leaf certificate (PEM, DER, SHA-1,
SHA-256, x5t), so a test can both load the file and register the certificate
with the token endpoint emulator::

    store = keystore_factory.keytool_keystore(tmp_path, jdk=keystore_factory.jdk(minimum=21))
    material = load_key_material(**store.load_kwargs())
    emulator.register_certificate(store.cert.pem)

Passwords never reach a command line (where ``ps`` would show them): keytool
reads them with ``-storepass:env``/``-keypass:env``, openssl with
``-passin env:``/``-passout env:``. A missing tool raises
:class:`ToolUnavailable`; pytest users turn it into a skip with
:func:`require`.

JDKs are found generically: ``$JAVA_HOME``, the ``keytool`` on ``$PATH``, and
every JDK under ``/usr/lib/jvm`` (and ``$KEYSTORE_FACTORY_JVM_DIRS``, a
``os.pathsep``-separated list of extra parent directories).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

DEFAULT_STORE_PASSWORD = "Store-pass 1"
DEFAULT_KEY_PASSWORD = "Key-pass 2"
DEFAULT_ALIAS = "signer"
JVM_DIRS = (Path("/usr/lib/jvm"),)
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "unit" / "fixtures" / "keystores"

_STOREPASS_ENV = "KSF_STORE_PASSWORD"
_KEYPASS_ENV = "KSF_KEY_PASSWORD"
_OTHER_PASS_ENV = "KSF_OTHER_PASSWORD"
_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n.*?-----END CERTIFICATE-----\r?\n?", re.DOTALL)
_T = TypeVar("_T")


class ToolUnavailable(RuntimeError):
    """keytool, a JDK of the wanted version, or openssl is not on this machine."""


class ToolFailed(RuntimeError):
    """A tool ran but failed; the message holds its output (never a password: none is on argv)."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CertInfo:
    """One certificate, in every form a test needs."""

    pem: bytes
    der: bytes
    subject: str

    @classmethod
    def from_pem(cls, pem: bytes) -> CertInfo:
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding

        cert = x509.load_pem_x509_certificate(pem)
        return cls(cert.public_bytes(Encoding.PEM), cert.public_bytes(Encoding.DER), cert.subject.rfc4514_string())

    @property
    def sha1(self) -> bytes:
        return hashlib.sha1(self.der).digest()

    @property
    def sha256(self) -> bytes:
        return hashlib.sha256(self.der).digest()

    @property
    def sha1_hex(self) -> str:
        """Upper-case hex, as the Azure portal shows thumbprints."""
        return self.sha1.hex().upper()

    @property
    def sha256_hex(self) -> str:
        return self.sha256.hex().upper()

    @property
    def sha1_colon(self) -> str:
        """Colon-separated, as keytool prints fingerprints."""
        return ":".join(f"{byte:02X}" for byte in self.sha1)

    @property
    def x5t(self) -> str:
        return base64.urlsafe_b64encode(self.sha1).decode("ascii").rstrip("=")

    @property
    def x5t_s256(self) -> str:
        return base64.urlsafe_b64encode(self.sha256).decode("ascii").rstrip("=")

    def certificate(self) -> Any:
        """The cryptography ``x509.Certificate``."""
        from cryptography import x509

        return x509.load_der_x509_certificate(self.der)


@dataclass(frozen=True)
class Keystore:
    """A keystore (or key file) on disk and what a test needs to know about it.

    ``keystore_type`` is what the loader should detect (jks, jceks, pkcs12,
    pem). ``alias`` and ``cert`` describe the main private key entry; ``entries``
    maps every private key alias to its leaf certificate; ``chain`` holds the
    main entry's further certificates (leaf excluded); ``trusted`` the trusted
    certificate entries of a trust store. ``certificate_path`` is set for a PEM
    key whose certificate lives in its own file.
    """

    path: Path
    keystore_type: str
    store_password: str | None
    key_password: str | None
    alias: str | None
    cert: CertInfo | None
    chain: tuple[CertInfo, ...] = ()
    entries: dict[str, CertInfo] = field(default_factory=dict)
    trusted: tuple[CertInfo, ...] = ()
    certificate_path: Path | None = None
    tool: str = ""

    def load_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for ``load_key_material``, with optional overrides."""
        kwargs: dict[str, Any] = {
            "path": str(self.path),
            "keystore_password": self.store_password,
            "key_password": self.key_password,
            "alias": self.alias,
            "certificate_path": str(self.certificate_path) if self.certificate_path else None,
        }
        kwargs.update(overrides)
        return kwargs

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


@dataclass(frozen=True)
class Jdk:
    """A JDK found on this machine."""

    home: Path
    major: int
    version: str

    @property
    def keytool(self) -> Path:
        return self.home / "bin" / "keytool"

    def __str__(self) -> str:
        return f"JDK {self.version} ({self.home})"


# --------------------------------------------------------------------------- finding tools


def find_jdks() -> tuple[Jdk, ...]:
    """Every distinct JDK with a keytool, oldest first."""
    candidates: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    on_path = shutil.which("keytool")
    if on_path:
        candidates.append(Path(on_path).resolve().parent.parent)
    parents = list(JVM_DIRS) + [Path(p) for p in os.environ.get("KEYSTORE_FACTORY_JVM_DIRS", "").split(os.pathsep) if p]
    for parent in parents:
        if parent.is_dir():
            candidates.extend(sorted(parent.iterdir()))
    found: dict[Path, Jdk] = {}
    for home in candidates:
        keytool = home / "bin" / "keytool"
        if not keytool.is_file() or not os.access(keytool, os.X_OK):
            continue
        real_home = keytool.resolve().parent.parent
        if real_home in found:
            continue
        version = _jdk_version(real_home)
        if version:
            found[real_home] = Jdk(real_home, _major(version), version)
    return tuple(sorted(found.values(), key=lambda jdk: (jdk.major, jdk.version)))


def _jdk_version(home: Path) -> str | None:
    release = home / "release"
    if release.is_file():
        match = re.search(r'^JAVA_VERSION="([^"]+)"', release.read_text(errors="replace"), re.MULTILINE)
        if match:
            return match.group(1)
    java = home / "bin" / "java"
    if java.is_file():
        result = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60, check=False)
        match = re.search(r'version "([^"]+)"', result.stderr)
        if match:
            return match.group(1)
    return None


def _major(version: str) -> int:
    parts = version.split(".")
    return int(parts[1]) if parts[0] == "1" and len(parts) > 1 else int(re.match(r"\d+", parts[0]).group(0))


def jdk(major: int | None = None, minimum: int | None = None, maximum: int | None = None) -> Jdk:
    """The newest JDK matching the bounds (``major`` pins one). Raises ToolUnavailable."""
    if major is not None:
        minimum = maximum = major
    matching = [
        found
        for found in find_jdks()
        if (minimum is None or found.major >= minimum) and (maximum is None or found.major <= maximum)
    ]
    if not matching:
        raise ToolUnavailable(f"no JDK with keytool in the range {minimum or 'any'}..{maximum or 'any'}")
    return matching[-1]


def default_jdk() -> Jdk:
    """The JDK behind ``keytool`` on ``$PATH`` (else the newest one found)."""
    on_path = shutil.which("keytool")
    jdks = find_jdks()
    if on_path:
        home = Path(on_path).resolve().parent.parent
        for found in jdks:
            if found.home == home:
                return found
    if not jdks:
        raise ToolUnavailable("no keytool on this machine")
    return jdks[-1]


def openssl() -> str:
    path = shutil.which("openssl")
    if not path:
        raise ToolUnavailable("no openssl on this machine")
    return path


def require(builder: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Call ``builder``; under pytest, turn ToolUnavailable into a skip."""
    try:
        return builder(*args, **kwargs)
    except ToolUnavailable as exc:
        import pytest

        pytest.skip(str(exc))
        raise  # unreachable: pytest.skip raises


# --------------------------------------------------------------------------- running tools


def _run(argv: list[str], secrets: dict[str, str] | None = None, stdin: bytes | None = None) -> bytes:
    """Run a tool; secrets go to its environment only, never to argv."""
    env = dict(os.environ)
    env.update(secrets or {})
    env.setdefault("LC_ALL", "C.UTF-8")
    result = subprocess.run(argv, input=stdin, capture_output=True, env=env, timeout=300, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        raise ToolFailed(f"{Path(argv[0]).name} {argv[1]} failed ({result.returncode}): {output.strip()}")
    return result.stdout


def _keytool(jdk_: Jdk, *args: str, secrets: dict[str, str]) -> bytes:
    return _run([str(jdk_.keytool), "-J-Duser.language=en", *args], secrets)


def _openssl(*args: str, secrets: dict[str, str] | None = None) -> bytes:
    return _run([openssl(), *args], secrets)


def _private(path: Path) -> Path:
    if path.exists():
        path.chmod(0o600)
    return path


def _pem_certs(data: bytes) -> list[CertInfo]:
    return [CertInfo.from_pem(block) for block in _PEM_CERT.findall(data)]


# --------------------------------------------------------------------------- keytool


def keytool_keystore(
    directory: Path,
    *,
    store_type: str = "jks",
    jdk: Jdk | None = None,
    store_password: str = DEFAULT_STORE_PASSWORD,
    key_password: str | None = DEFAULT_KEY_PASSWORD,
    aliases: Iterable[str] = (DEFAULT_ALIAS,),
    key_alg: str = "RSA",
    key_size: int = 2048,
    with_chain: bool = False,
    name: str | None = None,
) -> Keystore:
    """A JKS, JCEKS or PKCS12 keystore made by ``keytool -genkeypair``, one entry per alias.

    ``key_password`` None means "same as the store password" (keytool's
    default). PKCS12 stores always share the store password, so it is ignored
    there. ``with_chain`` has a keytool CA sign every entry, so each entry
    holds the chain [leaf, CA].
    """
    jdk_ = jdk or default_jdk()
    store_type = store_type.lower()
    aliases = tuple(aliases)
    if store_type == "pkcs12":
        key_password = None
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    extension = {"jks": "jks", "jceks": "jceks", "pkcs12": "p12"}[store_type]
    path = directory / (name or f"keytool{jdk_.major}-{store_type}-{'-'.join(aliases)}.{extension}")
    if path.exists():
        path.unlink()
    secrets = {_STOREPASS_ENV: store_password, _KEYPASS_ENV: key_password or store_password}
    store = ["-keystore", str(path), "-storetype", store_type.upper(), "-storepass:env", _STOREPASS_ENV]
    keypass = ["-keypass:env", _KEYPASS_ENV] if store_type != "pkcs12" else []
    ca = _keytool_ca(directory, jdk_) if with_chain else None
    for alias in aliases:
        _keytool(
            jdk_, "-genkeypair", *store, *keypass, "-alias", alias, "-keyalg", key_alg, "-keysize", str(key_size),
            "-dname", f"CN={alias}, O=azure_ad.oauth tests", "-validity", "3650", secrets=secrets,
        )  # fmt: skip
        if ca is not None:
            _keytool_sign(jdk_, directory, store, keypass, alias, ca, secrets)
    entries = {alias: _keytool_chain(jdk_, store, alias, secrets)[0] for alias in aliases}
    main_chain = _keytool_chain(jdk_, store, aliases[0], secrets)
    return Keystore(
        path=path,
        keystore_type=store_type,
        store_password=store_password,
        key_password=key_password,
        alias=aliases[0],
        cert=main_chain[0],
        chain=tuple(main_chain[1:]),
        entries=entries,
        tool=f"keytool {jdk_.version}",
    )


def _keytool_chain(jdk_: Jdk, store: list[str], alias: str, secrets: dict[str, str]) -> list[CertInfo]:
    return _pem_certs(_keytool(jdk_, "-list", "-rfc", *store, "-alias", alias, secrets=secrets))


@dataclass(frozen=True)
class _KeytoolCa:
    store: list[str]
    cert_pem: bytes


def _keytool_ca(directory: Path, jdk_: Jdk) -> _KeytoolCa:
    path = directory / f"keytool{jdk_.major}-ca.p12"
    if path.exists():
        path.unlink()
    secrets = {_STOREPASS_ENV: "ca-store-pass"}
    store = ["-keystore", str(path), "-storetype", "PKCS12", "-storepass:env", _STOREPASS_ENV]
    _keytool(
        jdk_, "-genkeypair", *store, "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048",
        "-dname", "CN=Test CA, O=azure_ad.oauth tests", "-ext", "bc:c", "-validity", "3650", secrets=secrets,
    )  # fmt: skip
    cert_pem = _keytool(jdk_, "-exportcert", "-rfc", *store, "-alias", "ca", secrets=secrets)
    return _KeytoolCa(store, cert_pem)


def _keytool_sign(
    jdk_: Jdk, directory: Path, store: list[str], keypass: list[str], alias: str, ca: _KeytoolCa,
    secrets: dict[str, str],
) -> None:  # fmt: skip
    request = directory / f"{alias}.csr"
    reply = directory / f"{alias}-reply.pem"
    _keytool(jdk_, "-certreq", *store, *keypass, "-alias", alias, "-file", str(request), secrets=secrets)
    ca_secrets = {_STOREPASS_ENV: "ca-store-pass"}
    leaf = _keytool(jdk_, "-gencert", "-rfc", *ca.store, "-alias", "ca", "-infile", str(request), secrets=ca_secrets)
    reply.write_bytes(leaf + ca.cert_pem)
    _keytool(jdk_, "-importcert", "-noprompt", *store, *keypass, "-alias", alias, "-file", str(reply), secrets=secrets)


def keytool_trust_store(
    directory: Path,
    *,
    store_type: str = "jks",
    jdk: Jdk | None = None,
    store_password: str = DEFAULT_STORE_PASSWORD,
    count: int = 1,
    name: str | None = None,
) -> Keystore:
    """A trust store: only trusted certificate entries (made by keytool elsewhere, then imported)."""
    jdk_ = jdk or default_jdk()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name or f"keytool{jdk_.major}-truststore.{store_type.lower()}")
    if path.exists():
        path.unlink()
    secrets = {_STOREPASS_ENV: store_password}
    store = ["-keystore", str(path), "-storetype", store_type.upper(), "-storepass:env", _STOREPASS_ENV]
    trusted = []
    for index in range(count):
        source = keytool_keystore(
            directory / f"trusted-source-{index}", store_type="pkcs12", jdk=jdk_, aliases=(f"server{index}",)
        )
        assert source.cert is not None
        cert_file = directory / f"trusted-{index}.pem"
        cert_file.write_bytes(source.cert.pem)
        _keytool(jdk_, "-importcert", "-noprompt", *store, "-alias", f"trusted{index}", "-file", str(cert_file),
                 secrets=secrets)  # fmt: skip
        trusted.append(source.cert)
    return Keystore(path, store_type.lower(), store_password, None, None, None, trusted=tuple(trusted),
                    tool=f"keytool {jdk_.version}")  # fmt: skip


# --------------------------------------------------------------------------- openssl


@dataclass(frozen=True)
class _Pair:
    key: Path
    cert: Path
    chain: tuple[Path, ...]


def _openssl_pair(directory: Path, stem: str, key_type: str = "rsa", with_chain: bool = False) -> _Pair:
    """An unencrypted key and its certificate, self-signed or signed by a fresh CA."""
    directory.mkdir(parents=True, exist_ok=True)
    key = _private(directory / f"{stem}.key.pem")
    cert = directory / f"{stem}.cert.pem"
    algorithm = ["-newkey", "rsa:2048"]
    if key_type == "ec":
        algorithm = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    subject = f"/CN={stem}/O=azure_ad.oauth tests"
    if not with_chain:
        _openssl("req", "-x509", *algorithm, "-noenc", "-keyout", str(key), "-out", str(cert), "-subj", subject,
                 "-days", "3650")  # fmt: skip
        return _Pair(_private(key), cert, ())
    ca_key = _private(directory / f"{stem}-ca.key.pem")
    ca_cert = directory / f"{stem}-ca.cert.pem"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-noenc", "-keyout", str(ca_key), "-out", str(ca_cert),
             "-subj", f"/CN={stem} CA/O=azure_ad.oauth tests", "-days", "3650",
             "-addext", "basicConstraints=critical,CA:TRUE")  # fmt: skip
    request = directory / f"{stem}.csr"
    _openssl("req", "-new", *algorithm, "-noenc", "-keyout", str(key), "-out", str(request), "-subj", subject)
    _openssl("x509", "-req", "-in", str(request), "-CA", str(ca_cert), "-CAkey", str(_private(ca_key)),
             "-CAcreateserial", "-out", str(cert), "-days", "3650")  # fmt: skip
    return _Pair(_private(key), cert, (ca_cert,))


def openssl_pkcs12(
    directory: Path,
    *,
    legacy: bool = False,
    password: str | None = DEFAULT_STORE_PASSWORD,
    name: str | None = DEFAULT_ALIAS,
    key_type: str = "rsa",
    with_chain: bool = False,
    file_name: str | None = None,
) -> Keystore:
    """``openssl pkcs12 -export`` (AES-256/PBKDF2), or ``-legacy`` (RC2-40 + 3DES).

    ``password`` None exports with an empty password; ``name`` None sets no
    friendly name.
    """
    directory = Path(directory)
    stem = f"openssl-{'legacy' if legacy else 'default'}-{key_type}"
    pair = _openssl_pair(directory / f"{stem}-src", stem, key_type, with_chain)
    path = directory / (file_name or f"{stem}.p12")
    args = ["pkcs12", "-export", "-inkey", str(pair.key), "-in", str(pair.cert), "-out", str(path),
            "-passout", f"env:{_STOREPASS_ENV}"]  # fmt: skip
    if pair.chain:
        bundle = directory / f"{stem}-chain.pem"
        bundle.write_bytes(b"".join(p.read_bytes() for p in pair.chain))
        args += ["-certfile", str(bundle)]
    if name is not None:
        args += ["-name", name]
    if legacy:
        args.append("-legacy")
    _openssl(*args, secrets={_STOREPASS_ENV: password or ""})
    cert = CertInfo.from_pem(pair.cert.read_bytes())
    return Keystore(
        path=path,
        keystore_type="pkcs12",
        store_password=password,
        key_password=None,
        alias=name,
        cert=cert,
        chain=tuple(CertInfo.from_pem(p.read_bytes()) for p in pair.chain),
        entries={name or "": cert},
        tool=f"openssl pkcs12 -export{' -legacy' if legacy else ''}",
    )


PEM_LAYOUTS = ("combined", "split", "split-der", "key-only", "cert-only")
PEM_KEY_FORMATS = ("pkcs8", "traditional")


def pem_files(
    directory: Path,
    *,
    layout: str = "combined",
    key_password: str | None = None,
    key_format: str = "pkcs8",
    key_type: str = "rsa",
    with_chain: bool = False,
    cert_first: bool = False,
) -> Keystore:
    """PEM files made by openssl.

    ``layout``: ``combined`` (key then certificate(s) in one file, or
    certificates first with ``cert_first``), ``split`` (key file +
    ``certificate_path`` in PEM), ``split-der`` (certificate file in DER),
    ``key-only``, ``cert-only``. With ``key_password`` the key is encrypted:
    PKCS#8 (``openssl pkey -aes256``) or traditional (``-traditional``, a
    ``Proc-Type: 4,ENCRYPTED`` header).
    """
    if layout not in PEM_LAYOUTS or key_format not in PEM_KEY_FORMATS:
        raise ValueError(f"layout must be one of {PEM_LAYOUTS} and key_format one of {PEM_KEY_FORMATS}")
    directory = Path(directory)
    stem = f"pem-{layout}-{key_type}-{key_format}{'-enc' if key_password else ''}"
    pair = _openssl_pair(directory / f"{stem}-src", stem, key_type, with_chain)
    key_pem = _export_key(pair.key, key_password, key_format)
    certs_pem = pair.cert.read_bytes() + b"".join(p.read_bytes() for p in pair.chain)
    cert = CertInfo.from_pem(pair.cert.read_bytes())
    chain = tuple(CertInfo.from_pem(p.read_bytes()) for p in pair.chain)
    certificate_path = None
    path = directory / f"{stem}.pem"
    if layout == "combined":
        path.write_bytes(certs_pem + key_pem if cert_first else key_pem + certs_pem)
    elif layout in ("key-only", "split", "split-der"):
        path.write_bytes(key_pem)
        if layout == "split":
            certificate_path = directory / f"{stem}.crt"
            certificate_path.write_bytes(certs_pem)
        elif layout == "split-der":
            certificate_path = directory / f"{stem}.der"
            certificate_path.write_bytes(cert.der)
            chain = ()
    else:  # cert-only
        path.write_bytes(certs_pem)
    _private(path)
    return Keystore(
        path=path,
        keystore_type="pem",
        store_password=None,
        key_password=key_password,
        alias=None,
        cert=cert,
        chain=chain,
        certificate_path=certificate_path,
        tool=f"openssl ({layout}, {key_format}{', encrypted' if key_password else ''})",
    )


def _export_key(key: Path, password: str | None, key_format: str) -> bytes:
    args = ["pkey", "-in", str(key)]
    if key_format == "traditional":
        args.append("-traditional")
    if password is None:
        return _openssl(*args)
    return _openssl(*args, "-aes256", "-passout", f"env:{_KEYPASS_ENV}", secrets={_KEYPASS_ENV: password})


# --------------------------------------------------------------------------- damage and fixtures


def flipped_copy(store: Keystore, offset: int, directory: Path | None = None, mask: int = 0x01) -> Keystore:
    """A copy of ``store`` with the byte at ``offset`` (negative counts from the end) XORed with ``mask``."""
    data = bytearray(store.read_bytes())
    data[offset] ^= mask
    return _copy(store, bytes(data), directory, f"flipped{offset}")


def truncated_copy(store: Keystore, length: int, directory: Path | None = None) -> Keystore:
    """A copy of ``store`` cut to its first ``length`` bytes."""
    return _copy(store, store.read_bytes()[:length], directory, f"truncated{length}")


def _copy(store: Keystore, data: bytes, directory: Path | None, tag: str) -> Keystore:
    target_dir = Path(directory) if directory is not None else store.path.parent
    target = target_dir / f"{store.path.stem}.{tag}{store.path.suffix}"
    target.write_bytes(data)
    return replace(store, path=target)


JDK25_FIXTURE = "jdk25-keypass-differs.jks"


def committed_jdk25_keystore() -> Keystore:
    """The JKS written by a Temurin 25 keytool and committed under tests/unit/fixtures/keystores.

    Its key password differs from its store password (see the README there).
    """
    cert = CertInfo.from_pem((FIXTURES_DIR / "jdk25-keypass-differs.crt.pem").read_bytes())
    return Keystore(
        path=FIXTURES_DIR / JDK25_FIXTURE,
        keystore_type="jks",
        store_password="fixture-store-pass",
        key_password="fixture-key-pass",
        alias="jdk25-signer",
        cert=cert,
        entries={"jdk25-signer": cert},
        tool="keytool 25.0.3 (Temurin)",
    )


def make_jdk25_fixture(directory: Path = FIXTURES_DIR) -> Keystore:
    """Rebuild the committed fixture (needs a JDK >= 21); the README says how it was made."""
    store = keytool_keystore(
        directory,
        jdk=jdk(minimum=21),
        store_password="fixture-store-pass",
        key_password="fixture-key-pass",
        aliases=("jdk25-signer",),
        name=JDK25_FIXTURE,
    )
    assert store.cert is not None
    (Path(directory) / "jdk25-keypass-differs.crt.pem").write_bytes(store.cert.pem)
    return store


# --------------------------------------------------------------------------- checking what was loaded


def assert_key_matches(material: Any, expected: CertInfo | None = None) -> None:
    """Assert, for real, that ``material.private_key`` is the key of ``material.certificate``.

    It signs with the private key and verifies with the certificate's public
    key (a mismatch raises InvalidSignature), compares the public numbers, and
    when ``expected`` is given checks that the leaf is that certificate.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    assert material.certificate is not None, "no certificate was loaded"
    public = material.certificate.public_key()
    message = b"azure_ad.oauth keystore test: sign with the key, verify with the certificate"
    key = material.private_key
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
        public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    else:
        raise AssertionError(f"unexpected key type {type(key).__name__}")
    assert key.public_key().public_numbers() == public.public_numbers()
    if expected is not None:
        assert material.leaf_der == expected.der, "the leaf is not the expected certificate"
