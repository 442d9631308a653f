"""What the keystore readers' tests share: loading a keystore_factory store as a user would, the checks every
failure must pass, and what cryptography may raise, with library_errors' secret-looking MARKER in its text.

Fixtures that build the stores live in tests/unit/plugins/module_utils/_keystore_reader/conftest.py.
"""

from __future__ import annotations

import keystore_factory as kf
import pytest
from library_errors import MARKER

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    AliasError,
    KeystoreError,
)

WRONG = "Wrong-pass 9"
SECRETS = (kf.DEFAULT_STORE_PASSWORD, kf.DEFAULT_KEY_PASSWORD, "fixture-store-pass", "fixture-key-pass", WRONG)


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


def cryptography_errors() -> dict[str, Exception]:
    """What cryptography may raise, each with the MARKER in its text."""
    from cryptography.exceptions import InternalError, UnsupportedAlgorithm

    return {
        "ValueError": ValueError(MARKER),
        "TypeError": TypeError(MARKER),
        "UnsupportedAlgorithm": UnsupportedAlgorithm(MARKER),
        "InternalError": InternalError(MARKER, []),
        "RuntimeError": RuntimeError(MARKER),
    }


def der(tag: int, content: bytes) -> bytes:
    """One DER TLV (short or long form length)."""
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content
