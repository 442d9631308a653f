"""Untrusted text: every form of every secret redacted, JWTs masked, controls escaped, cut after redacting."""

from __future__ import annotations

import html
import json
import time
import unicodedata
from urllib.parse import quote, quote_plus, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.untrusted_text import (
    DESCRIPTION_LENGTH,
    ELLIPSIS,
    JWT_REDACTED,
    REDACTED,
    UntrustedText,
    describe,
    sanitize,
)

# Every character that an encoder changes: space, +, /, =, %, &, quotes, backslash, non-ASCII, beyond the BMP.
SECRET = "s3cr3t p+a/s=s%w&o\"r'd\\é~😀<x>"
PLAIN_SECRET = "Ab3-_.Zz9" * 4  # no character any encoder changes


def lower_hex(text: str) -> str:
    """Percent-escapes with lower-case hex digits, as some servers write them."""
    out, index = [], 0
    while index < len(text):
        if text[index] == "%":
            out.append(text[index:index + 3].lower())
            index += 3
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def encoded_forms(secret: str) -> dict[str, str]:
    forms = {
        "raw": secret,
        "quote": quote(secret),
        "quote_all": quote(secret, safe=""),
        "quote_plus": quote_plus(secret),
        "form": urlencode({"client_secret": secret}).partition("=")[2],
        "json_ascii": json.dumps(secret)[1:-1],
        "json_utf8": json.dumps(secret, ensure_ascii=False)[1:-1],
        "json_slashes": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "html": html.escape(secret),
        "html_noquote": html.escape(secret, quote=False),
        "quoted_twice": quote(quote(secret, safe=""), safe=""),
        "json_of_quote_plus": json.dumps(quote_plus(secret))[1:-1],
    }
    forms.update({f"{name}_lower": lower_hex(value) for name, value in list(forms.items()) if "%" in value})
    return forms


FORMS = encoded_forms(SECRET)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_encoded_form_of_a_secret_is_redacted(form):
    text = f"before {FORMS[form]} after"
    quoted = UntrustedText([SECRET]).quote(text)
    assert quoted == f"before {REDACTED} after"


def test_a_mix_of_encodings_in_one_echo_is_redacted():
    mixed = "s3cr3t%20p%2ba%2Fs\\u003ds%25w&amp;o&#34;r&#x27;d\\\\%C3%A9~\\ud83d\\ude00&lt;x&gt;"
    assert UntrustedText([SECRET]).quote(mixed) == REDACTED


def test_secret_parts_split_by_whitespace_are_rejoined_and_redacted():
    # Collapsing whitespace could rebuild a secret that holds a space from "p<TAB><LF>w": redact again after it.
    untrusted = UntrustedText(["pass word"])
    assert untrusted.quote("x pass\t\n word y") == f"x {REDACTED} y"
    assert untrusted.quote("x pass\u200bword y") == "x pass\\u200bword y"  # escaped, not rejoined


def test_every_secret_is_redacted_longest_first():
    untrusted = UntrustedText(["abc", "abcdef-longer", "   "])
    assert untrusted.quote("abcdef-longer abc") == f"{REDACTED} {REDACTED}"


def test_plain_secret_and_jwt_shapes():
    untrusted = UntrustedText([PLAIN_SECRET])
    assert untrusted.quote(f"[{PLAIN_SECRET}]") == f"[{REDACTED}]"
    jwt = "eyJhbGciOiJQUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    # Not among the secrets: masked all the same, as defence in depth.
    assert untrusted.quote(f"token={jwt}&x") == f"token={JWT_REDACTED}&x"
    assert untrusted.quote(f"a {jwt[:-10]}") == f"a {JWT_REDACTED}"


@pytest.mark.parametrize("char", [*map(chr, range(0x20)), "\x7f", *map(chr, range(0x80, 0xA0)), "\u200b", "\u200e",
                                  "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u00ad", "\u2028", "\ud800",
                                  "\U000e0041"])  # fmt: skip
def test_control_and_format_characters_never_survive(char):
    quoted = UntrustedText().quote(f"ok{char}: [localhost]")
    assert char not in quoted
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in quoted)
    quoted.encode("utf-8")  # printable, even for a lone surrogate


def test_terminal_escapes_and_fake_lines_are_defused():
    text = "bad\x1b[2J\x1b[1;1H\rok: [localhost]\nchanged: [x]\x08\x08\u202eevil"
    quoted = UntrustedText().quote(text)
    assert "\x1b" not in quoted and "\r" not in quoted and "\n" not in quoted and "\x08" not in quoted
    assert quoted == "bad\\x1b[2J\\x1b[1;1H ok: [localhost] changed: [x]\\x08\\x08\\u202eevil"


def test_whitespace_is_collapsed_into_one_line():
    assert sanitize("  a \t\n\r b\u00a0\u3000c  ") == "a b c"


def test_long_text_is_cut_after_redaction_so_no_prefix_of_a_secret_survives():
    secret = "Q" * 60
    untrusted = UntrustedText([secret])
    for padding in range(DESCRIPTION_LENGTH - 70, DESCRIPTION_LENGTH + 5):
        quoted = untrusted.quote("a" * padding + secret + "tail")
        assert "QQQQ" not in quoted
        assert len(quoted) <= DESCRIPTION_LENGTH + len(ELLIPSIS)


def test_cut_is_marked():
    quoted = UntrustedText().quote("x" * 1000, 10)
    assert quoted == "x" * 10 + ELLIPSIS


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "null"), (True, "true"), (False, "false"), (5, "5"), (10**40, "(a very large number)"),
     (float("inf"), "inf"), (float("nan"), "nan"), (1.5, "1.5"), ({"a": 1}, "(a JSON object)"),
     ([1, 2], "(a JSON array)"), ("text", "text")],
)  # fmt: skip
def test_any_json_value_is_described_never_dumped(value, text):
    assert describe(value) == text
    assert UntrustedText().quote(value) == text


BIG = 1 << 20


@pytest.mark.parametrize(
    "body",
    [
        "x" * BIG, "\x1b" * BIG, " " * BIG, "eyJ" * (BIG // 3), "eyJa." * (BIG // 5), "%41" * (BIG // 3),
        "s3cr3t%20" * (BIG // 9), "&#" * (BIG // 2), "\\u" * (BIG // 2), "\ud800" * BIG, "a\u202e" * (BIG // 2),
    ],
    ids=["plain", "esc", "spaces", "eyJ", "jwt-prefixes", "percent", "secret-prefixes", "html-prefixes",
         "json-prefixes", "surrogates", "bidi"],
)  # fmt: skip
def test_a_mebibyte_of_hostile_text_is_quoted_in_linear_time(body):
    untrusted = UntrustedText([SECRET, "s3cr3t p", "x" * 40, "eyJ" * 20])
    started = time.monotonic()
    quoted = untrusted.quote(body)
    elapsed = time.monotonic() - started
    assert len(quoted) <= DESCRIPTION_LENGTH + len(ELLIPSIS)
    assert elapsed < 5, f"{elapsed:.1f}s for 1 MiB: not linear"  # about 0.2 s here; generous for a loaded CI


@st.composite
def text_with_echoes(draw):
    """Random text with the secret spliced in, in random encodings, among control characters."""
    pieces = draw(st.lists(st.one_of(st.text(max_size=30), st.sampled_from(sorted(FORMS.values())),
                                     st.sampled_from(["\x1b[2J", "\r\n", "\u202e", "\x00", " " * 5])), max_size=12))
    return "".join(pieces)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(text=text_with_echoes(), limit=st.integers(min_value=1, max_value=500))
def test_property_no_form_of_the_secret_and_no_control_survives(text, limit):
    quoted = UntrustedText([SECRET]).quote(text, limit)
    assert len(quoted) <= limit + len(ELLIPSIS)
    for form in FORMS.values():
        assert form not in quoted
    assert "s3cr3t" not in quoted  # not even a prefix, wherever the cut falls
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in quoted)
    assert quoted == " ".join(quoted.split())
