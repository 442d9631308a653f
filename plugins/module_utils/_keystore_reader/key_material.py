# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private key and certificates read from a keystore, whatever its format, and the names of the options
that describe the keystore.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Every keystore reader returns a ``KeyMaterial``, and words its errors with the
``OptionNames`` its caller gives. The helpers below work on ``cryptography``
objects, but import nothing at module level: a secret-only token never loads a
crypto library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    AzureAdOAuthError,
    KeystoreError,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from cryptography import x509

# Microsoft Entra ID verifies client assertions signed with RSA keys of at least this size (RS256, PS256).
MIN_RSA_KEY_SIZE = 2048
# Spelled out, these letters start with a vowel sound ("an EC", "an RSA", "an Ed25519"); the others do not ("a DSA").
_VOWEL_SOUND_INITIALS = "AEFHILMNORSX"


@dataclass(frozen=True)
class OptionNames:
    """What the options that describe a keystore are called by the module whose user reads the messages.

    A reader's message names the option to fix, and its error's ``option`` points at it. The defaults are the
    token module's and lookup's names; the keystore module reads its existing file with its own (``path``,
    ``password``, ``alias``...: _keystore_writer/options.py), so that each module speaks of the options its
    user wrote.
    """

    path: str = "keystore_path"
    store_type: str = "keystore_type"
    store_password: str = "keystore_password"  # noqa: S105 - the option's name, not a password
    key_password: str = "key_password"  # noqa: S105 - the option's name, not a password
    alias: str = "keystore_alias"
    certificate_path: str = "certificate_path"


TOKEN_OPTION_NAMES = OptionNames()


@dataclass(frozen=True)
class KeyMaterial:
    """A private key, its certificate and the rest of its chain.

    ``certificate`` is the leaf whose public key matches ``private_key``, or
    None when the source holds no certificate (the caller then needs a
    thumbprint). ``chain`` holds the further certificates, leaf excluded,
    from the leaf's issuer upwards. ``alias`` is the keystore entry name when
    the format has one.
    """

    private_key: Any = field(repr=False)
    certificate: x509.Certificate | None
    chain: tuple[x509.Certificate, ...] = ()
    alias: str | None = None
    source_type: str = "pem"

    @property
    def leaf_der(self) -> bytes | None:
        """DER bytes of the leaf certificate (what thumbprints digest), or None."""
        if self.certificate is None:
            return None
        return certificate_to_der(self.certificate)

    @property
    def chain_der(self) -> tuple[bytes, ...]:
        """DER bytes of the leaf then the chain, as a JWT ``x5c`` header lists them."""
        certs = ((self.certificate,) if self.certificate is not None else ()) + tuple(self.chain)
        return tuple(certificate_to_der(cert) for cert in certs)

    @property
    def key_algorithm(self) -> str:
        """``RSA``, ``EC``, ``Ed25519``... the family of the private key."""
        return key_algorithm(self.private_key)


def read_guarded(read: Callable[[], KeyMaterial], path: str, described: str, names: OptionNames) -> KeyMaterial:
    """``read()``, behind the readers' safety net.

    The collection's own errors (KeystoreError, MissingDependencyError) pass; so does MUST_PROPAGATE. Anything
    else a library raises, a panic of cryptography's Rust layer included, becomes "<path> could not be read as
    ``described``" naming ``names.path``, without its text: library messages can quote the bytes they choked on.
    """
    try:
        return read()
    except (AzureAdOAuthError, *MUST_PROPAGATE):
        raise
    except BaseException:  # the safety net, native panics included: never a library's exception or its text
        raise unreadable(path, described, names) from None


def unreadable(path: str, described: str, names: OptionNames) -> KeystoreError:
    return KeystoreError(f"{names.path} '{path}' could not be read as {described}.", option=names.path)


def certificate_to_der(certificate: x509.Certificate) -> bytes:
    """The DER bytes of a certificate object (what thumbprints digest; see certificates.py for text)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return certificate.public_bytes(Encoding.DER)


def key_algorithm(private_key: Any) -> str:
    """Name the family of a cryptography private key: ``RSA``, ``EC``, ``Ed25519``..."""
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    families = (
        (rsa.RSAPrivateKey, "RSA"),
        (ec.EllipticCurvePrivateKey, "EC"),
        (ed25519.Ed25519PrivateKey, "Ed25519"),
        (ed448.Ed448PrivateKey, "Ed448"),
        (dsa.DSAPrivateKey, "DSA"),
    )
    for family, name in families:
        if isinstance(private_key, family):
            return name
    return type(private_key).__name__


def with_article(name: str) -> str:
    """``an EC``, ``a DSA``, ``an Ed25519``: the indefinite article that a key family's name takes."""
    if not name:
        return "an unknown"
    initial = name[0].upper()
    # An acronym is spelled letter by letter (a DSA); a word is read as one (an Ed25519).
    vowel_sound = initial in _VOWEL_SOUND_INITIALS if name[:2].isupper() else initial in "AEIOU"
    return f"{'an' if vowel_sound else 'a'} {name}"


def check_key_policy(private_key: Any, where: str, option: str) -> None:
    """Refuse a key that Microsoft Entra ID will not accept for a certificate credential.

    One policy, one wording, for the token module (which signs with the key) and the keystore module (which
    writes it): only RSA keys of MIN_RSA_KEY_SIZE bits or more. ``where`` names the key's option in the message
    (``keystore_path``, ``private_key``...), ``option`` is the option the error points at.
    """
    family = key_algorithm(private_key)
    if family != "RSA":
        raise KeystoreError(
            f"The key in {where} is {with_article(family)} key; Microsoft Entra ID accepts only RSA keys for "
            f"certificate credentials. Create an RSA key ({MIN_RSA_KEY_SIZE} bits or more).",
            option=option,
        )
    if private_key.key_size < MIN_RSA_KEY_SIZE:
        raise KeystoreError(
            f"The RSA key in {where} has {private_key.key_size} bits; Microsoft Entra ID requires at least "
            f"{MIN_RSA_KEY_SIZE}.",
            option=option,
        )


def same_key(left: Any, right: Any) -> bool:
    """True when ``left`` and ``right`` carry the same public key; each is a private key or a certificate.

    This is the one test of "the same key" (a certificate matching a key, a key kept or replaced, a key read
    back): it compares the DER SubjectPublicKeyInfo of both. An exotic key type, or a panic of native code,
    is never called the same.
    """
    left_der = _public_key_der(left)
    return left_der is not None and left_der == _public_key_der(right)


def _public_key_der(holder: Any) -> bytes | None:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    try:
        return holder.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    except MUST_PROPAGATE:
        raise
    except BaseException:  # an unsupported public key algorithm, or a panic in native code: matches nothing
        return None


def split_leaf(
    private_key: Any, certificates: list[x509.Certificate] | tuple[x509.Certificate, ...]
) -> tuple[x509.Certificate | None, tuple[x509.Certificate, ...]]:
    """Find the certificate matching ``private_key`` and order the rest from it upwards.

    Returns ``(None, ())`` when no certificate matches. Certificates that are
    not on the leaf's issuer path (another entry's certificate, say) are left
    out: sending them in an ``x5c`` chain would be wrong.
    """
    leaf = next((cert for cert in certificates if same_key(cert, private_key)), None)
    if leaf is None:
        return None, ()
    return leaf, order_chain(leaf, [cert for cert in certificates if cert is not leaf])


def order_chain(leaf: x509.Certificate, others: list[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """Follow issuer names from ``leaf`` through ``others``; stop at a self-signed or missing issuer."""
    chain: list[x509.Certificate] = []
    remaining = list(others)
    current = leaf
    while current.issuer != current.subject:
        parent = next((cert for cert in remaining if cert.subject == current.issuer), None)
        if parent is None:
            break
        chain.append(parent)
        remaining.remove(parent)
        current = parent
    return tuple(chain)
