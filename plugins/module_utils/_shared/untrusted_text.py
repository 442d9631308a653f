# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn text that a server sent into something safe to quote in a message.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Anything an endpoint sends is untrusted: it can echo back the secrets we sent
it (in the form we sent them, or encoded again), flood the output, or carry
terminal escapes that clear the screen or fake an "ok:" line. ``UntrustedText``
is the one place that makes such text quotable, in this order:

1. redact every form of every secret sent in this call: raw, percent-encoded
   (upper- or lower-case hex, as ``quote()``, ``quote_plus()`` and form encoding
   write it, even encoded twice), JSON-escaped and HTML-escaped, in any mix;
   and mask anything shaped like a JWT (a signed client assertion or a token);
2. escape control characters (C0 including CR, LF and ESC, DEL, C1, and the
   Unicode format characters: bidi overrides, zero-width characters, BOM) as
   visible ``\\xNN`` / ``\\uNNNN`` text, and collapse runs of whitespace;
3. redact again (step 2 can join the pieces of a secret split by whitespace);
4. cut to the field's length, *after* redacting, so that no prefix of a secret
   survives the cut.

Every step is a regular expression, ``str.translate`` or ``str.split``: linear
in the text, never a Python loop over its characters, since a body can be 1 MiB.
Nothing here knows about OAuth; the token core and future clients share it.
"""

from __future__ import annotations

import re
from typing import Iterable

REDACTED = "********"
JWT_REDACTED = "<JWT redacted>"
ELLIPSIS = "..."

# Lengths for quoted fields: enough to read a message, short enough to never flood a terminal.
DESCRIPTION_LENGTH = 400
EXCERPT_LENGTH = 200
SHORT_LENGTH = 100

# A compact JWS (three base64url parts whose first two are JSON objects, hence "eyJ"). The look-behind makes
# every attempt start at the beginning of a run of base64url characters, so the scan stays linear.
_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")

# Characters that no encoder of ours or of a server changes (RFC 3986 unreserved, less "~", which old
# encoders escape): they match only themselves. Every other character matches in each of its encoded forms.
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_JSON_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                       "\t": "\\t"}  # fmt: skip
_HTML_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}

# Whitespace controls become a space (then collapse); every other control or format character becomes a
# visible escape. Format characters (Unicode category Cf) are listed as ranges, since computing them from
# unicodedata at import would cost a scan of every code point on every module run.
_AS_SPACE = "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029"
_FORMAT_RANGES = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
    # Lone surrogates are not characters; json.loads lets them through, and they cannot be printed.
    (0xD800, 0xDFFF),
)  # fmt: skip


def _control_table() -> dict:
    table = {}
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        table[code] = f"\\x{code:02x}"
    for start, end in _FORMAT_RANGES:
        for code in range(start, end + 1):
            table[code] = f"\\u{code:04x}"
    for char in _AS_SPACE:
        table[ord(char)] = " "
    return table


_CONTROLS = _control_table()


def sanitize(text: str) -> str:
    """Escape control and format characters and collapse whitespace; no redaction, no cut."""
    return " ".join(text.translate(_CONTROLS).split())


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with a visible mark when something was cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + ELLIPSIS


def describe(value: object) -> str:
    """A JSON value as text: strings as they are, other types by a short description, never a dump."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # str() of a huge int is slow (quadratic) and refused past 4300 digits by recent Pythons.
        return str(value) if -(10**30) < value < 10**30 else "(a very large number)"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return "(a JSON object)"
    if isinstance(value, (list, tuple)):
        return "(a JSON array)"
    return f"(a {type(value).__name__})"


class UntrustedText:
    """Quotes untrusted text safely, redacting every form of the ``secrets`` sent in this call."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = set()
        for secret in secrets:
            if isinstance(secret, str) and secret:
                # The sanitized form too: step 2 of the pipeline can rebuild it from a secret that holds
                # whitespace or control characters.
                values.update((secret, sanitize(secret)))
        values.discard("")
        # Longest first, so that a secret containing another one is redacted whole.
        patterns = [_secret_pattern(value) for value in sorted(values, key=len, reverse=True)]
        self._secrets = re.compile("|".join(patterns)) if patterns else None

    def redact(self, text: str) -> str:
        """``text`` with every form of every secret, and every JWT, replaced by a marker."""
        if self._secrets is not None:
            text = self._secrets.sub(REDACTED, text)
        return _JWT.sub(JWT_REDACTED, text)

    def quote(self, value: object, limit: int = DESCRIPTION_LENGTH) -> str:
        """``value`` (any JSON value) as one safe line of at most ``limit`` characters (plus a cut mark)."""
        text = self.redact(describe(value))
        text = self.redact(sanitize(text))
        return truncate(text, limit)

    def quote_bytes(self, body: bytes, limit: int = EXCERPT_LENGTH) -> str:
        """A body that is not JSON (an HTML error page...), decoded leniently and quoted."""
        return self.quote(body.decode("utf-8", "replace"), limit)


def _secret_pattern(secret: str) -> str:
    """A regular expression matching ``secret`` with each character in any of its encoded forms."""
    return "".join(_char_pattern(char) for char in secret)


def _char_pattern(char: str) -> str:
    if char in _PLAIN:
        return char
    code = ord(char)
    forms = [re.escape(char)]
    # Percent-encoding of the UTF-8 bytes, any case of hex digit, and "%25" for a "%" encoded once more.
    forms.append("".join("%(?:25)?" + _hex(f"{byte:02x}") for byte in char.encode("utf-8", "surrogatepass")))
    if char == " ":
        forms.append(r"\+")  # form encoding (quote_plus)
    # JSON: \uXXXX (a surrogate pair beyond the BMP) and the short escapes.
    if code > 0xFFFF:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(r"\\u" + _hex(f"{high:04x}") + r"\\u" + _hex(f"{low:04x}"))
    else:
        forms.append(r"\\u" + _hex(f"{code:04x}"))
    if char in _JSON_SHORT_ESCAPES:
        forms.append(re.escape(_JSON_SHORT_ESCAPES[char]))
    # HTML: numeric references in decimal or hex, and the named ones.
    forms.append(f"&#0*{code};")
    forms.append("&#[xX]0*" + _hex(f"{code:x}") + ";")
    if char in _HTML_NAMED:
        forms.append(re.escape(_HTML_NAMED[char]))
    return "(?:" + "|".join(forms) + ")"


def _hex(digits: str) -> str:
    """Hex digits matching either case."""
    return "".join(digit if digit.isdigit() else f"[{digit.upper()}{digit.lower()}]" for digit in digits)
