# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generate an RSA key and a self-signed certificate for an app registration.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Entra accepts any certificate uploaded to an app registration; it checks the
signature of the client assertion and the thumbprint, not a CA. So a
self-signed certificate, marked for client authentication, is all it needs.
"""

from __future__ import annotations

import datetime
from typing import Any, Iterable

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import KeyMaterial
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.options import (
    DEFAULT_KEY_SIZE,
    DEFAULT_VALID_DAYS,
    KEY_SIZES,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    KeystoreError,
    OptionError,
)

# Backdate the start a little so that a host whose clock runs behind can use it at once.
BACKDATE = datetime.timedelta(minutes=5)
MAX_VALID_DAYS = 36500
# RFC 5280's upper bound on a commonName (ub-common-name); cryptography enforces it.
MAX_CN_LENGTH = 64
# Attributes whose values have a fixed length (RFC 5280: a country is two letters).
_TWO_LETTER_ATTRIBUTES = {"C": "country", "JURISDICTIONC": "jurisdiction country"}
# Characters RFC 4514 escapes anywhere in a value; a leading space or #, and a trailing space, are escaped too.
_RFC4514_SPECIAL = '\\,+"<>;='

_PURPOSE = "to generate a self-signed certificate"


def escape_rfc4514(value: str) -> str:
    """``value`` escaped to stand as one attribute value of an RFC 4514 name."""
    escaped = "".join("\\" + char if char in _RFC4514_SPECIAL else char for char in value)
    if escaped.startswith((" ", "#")):
        escaped = "\\" + escaped
    if escaped.endswith(" ") and not escaped.endswith("\\ "):
        escaped = escaped[:-1] + "\\ "
    return escaped


def default_subject(host_name: str, alt_names: Iterable[str] = ()) -> tuple[str, tuple[str, ...]]:
    """The subject for a host when the task gives none, and the subjectAltName entries that go with it.

    ``CN=<host>``, escaped. A CN holds at most 64 characters, so a longer name (a long FQDN) is cut to 64
    in the CN and added whole to ``alt_names`` as ``DNS:<host>`` (unless it is there already), where a name
    may be as long as DNS allows. The one definition of the default: the action plugin gives it the
    inventory name, the module (run without the action plugin) the host's own name.
    """
    host_name = host_name.strip()
    subject = "CN=" + escape_rfc4514(host_name[:MAX_CN_LENGTH])
    given = tuple(alt_names)
    whole = f"DNS:{host_name}"
    if len(host_name) > MAX_CN_LENGTH and host_name.isascii() and whole not in given:
        return subject, (*given, whole)
    return subject, given


def parse_subject(subject: str) -> Any:
    """An x509.Name from an RFC 4514 string such as ``CN=app01,O=Contoso``."""
    require("cryptography", _PURPOSE)
    from cryptography import x509

    if not isinstance(subject, str) or not subject.strip():
        raise OptionError("subject must be a distinguished name such as CN=app01.", option="subject")
    try:
        name = x509.Name.from_rfc4514_string(subject.strip())
    except MUST_PROPAGATE:
        raise
    except BaseException:  # ValueError, or a panic: say what is wrong without quoting the library
        raise _subject_problem(subject) from None
    if not len(name):
        raise OptionError("subject must name at least one attribute, such as CN=app01.", option="subject")
    return name


def _subject_problem(subject: str) -> OptionError:
    """The most precise reason we can give for a subject that cryptography refused."""
    for attribute, value in _rfc4514_attributes(subject.strip()):
        if attribute == "CN" and len(value) > MAX_CN_LENGTH:
            return OptionError(
                f"subject has a CN of {len(value)} characters, but a certificate's CN holds at most "
                f"{MAX_CN_LENGTH}. Shorten it; a longer host name can go in subject_alt_name as DNS:<name>.",
                option="subject",
            )
        if attribute in _TWO_LETTER_ATTRIBUTES and len(value) != 2:
            return OptionError(
                f"subject has a {attribute} ({_TWO_LETTER_ATTRIBUTES[attribute]}) of {len(value)} characters; it "
                "must be a two-letter ISO 3166 code such as US.",
                option="subject",
            )
    return OptionError(
        f"subject {subject!r} is not a distinguished name in RFC 4514 form, such as CN=app01,O=Contoso.",
        option="subject",
    )


def _rfc4514_attributes(subject: str) -> Iterable[tuple[str, str]]:
    """(upper-case type, unescaped value) of each attribute of an RFC 4514 string, as far as it parses."""
    pairs, current, escaped = [], [], False
    for char in subject + ",":
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",+":
            pairs.append("".join(current))
            current = []
        else:
            current.append(char)
    for pair in pairs:
        attribute, separator, value = pair.partition("=")
        if separator:
            yield attribute.strip().upper(), _unescape(value.strip())


def _unescape(value: str) -> str:
    """An RFC 4514 value without its escapes (``\\,`` is one character, ``\\4A`` is one byte)."""
    raw, index = bytearray(), 0
    while index < len(value):
        char = value[index]
        pair = value[index + 1:index + 3]
        if char == "\\" and len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
            raw.append(int(pair, 16))
            index += 3
            continue
        if char == "\\" and index + 1 < len(value):
            char = value[index + 1]
            index += 1
        raw.extend(char.encode("utf-8"))
        index += 1
    return raw.decode("utf-8", "replace")


def parse_subject_alt_name(entries: Iterable[str]) -> list[Any]:
    """x509 general names from ``DNS:<name>`` and ``IP:<address>`` entries."""
    import ipaddress

    from cryptography import x509

    names = []
    for entry in entries:
        kind, separator, value = str(entry).partition(":")
        kind, value = kind.strip().upper(), value.strip()
        if not separator or not value or kind not in ("DNS", "IP"):
            raise OptionError(
                f"subject_alt_name entry {entry!r} is not DNS:<name> or IP:<address>.", option="subject_alt_name"
            )
        if kind == "IP":
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(value)))
            except ValueError:
                raise OptionError(f"subject_alt_name entry {entry!r} is not an IP address.",
                                  option="subject_alt_name") from None
            continue
        if not value.isascii() or any(char.isspace() for char in value):
            raise OptionError(
                f"subject_alt_name entry {entry!r} is not a DNS name; write an internationalised name in its "
                "xn-- (IDNA) form.",
                option="subject_alt_name",
            )
        names.append(x509.DNSName(value))
    return names


def check_generation_options(subject: str, valid_days: int, key_size: int, renew_before_days: int,
                             subject_alt_name: Iterable[str] = ()) -> Any:
    """Validate the generation options and return the parsed subject."""
    _check_key_size(key_size)
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise OptionError(f"valid_days must be between 1 and {MAX_VALID_DAYS}, not {valid_days}.", option="valid_days")
    if renew_before_days < 0:
        raise OptionError("renew_before_days must not be negative.", option="renew_before_days")
    if renew_before_days >= valid_days:
        raise OptionError(
            f"renew_before_days ({renew_before_days}) must be less than valid_days ({valid_days}): "
            "otherwise every run would find the new certificate due for renewal and replace it.",
            option="renew_before_days",
        )
    name = parse_subject(subject)
    parse_subject_alt_name(subject_alt_name)
    return name


def generate_self_signed(
    subject: str,
    valid_days: int = DEFAULT_VALID_DAYS,
    key_size: int = DEFAULT_KEY_SIZE,
    now: datetime.datetime | None = None,
    subject_alt_name: Iterable[str] = (),
) -> KeyMaterial:
    """A fresh RSA key and a self-signed certificate for it, valid for ``valid_days`` days from ``now``."""
    require("cryptography", _PURPOSE)
    from cryptography import x509

    name = parse_subject(subject)
    alt_names = parse_subject_alt_name(subject_alt_name)
    _check_key_size(key_size)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    key = _new_rsa_key(key_size)
    builder = _certificate_builder(name, key.public_key(), now, valid_days)
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return KeyMaterial(key, _self_sign(builder, key), (), None, "generated")


def _check_key_size(key_size: int) -> None:
    if key_size not in KEY_SIZES:
        sizes = ", ".join(str(size) for size in KEY_SIZES)
        raise OptionError(f"key_size must be one of {sizes}, not {key_size}.", option="key_size")


def _new_rsa_key(key_size: int) -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        return rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    except MUST_PROPAGATE:
        raise
    except BaseException:  # a panic in native code: never a traceback, never its text
        raise KeystoreError(
            f"The {key_size}-bit RSA key could not be generated on this host (the cryptography library failed); "
            "nothing was written.",
            option="key_size",
        ) from None


def _certificate_builder(name: Any, public_key: Any, now: datetime.datetime, valid_days: int) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _self_sign(builder: Any, key: Any) -> Any:
    from cryptography.hazmat.primitives import hashes

    try:
        return builder.sign(key, hashes.SHA256())
    except MUST_PROPAGATE:
        raise
    except BaseException:  # a panic in native code, or a subject it would not encode
        raise KeystoreError(
            "The self-signed certificate could not be signed (the cryptography library failed on its subject "
            "or key); nothing was written.",
            option="subject",
        ) from None
