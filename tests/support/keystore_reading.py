"""What the keystore readers' tests share: loading a keystore_factory store as a user would, the checks every
failure must pass, and library failures planted with a secret-looking marker.

Fixtures that build the stores live in tests/unit/plugins/module_utils/_keystore_reader/conftest.py.
"""

from __future__ import annotations

import keystore_factory as kf
import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    AliasError,
    AzureAdOAuthError,
    KeystoreError,
)

WRONG = "Wrong-pass 9"
SECRETS = (kf.DEFAULT_STORE_PASSWORD, kf.DEFAULT_KEY_PASSWORD, "fixture-store-pass", "fixture-key-pass", WRONG)
# Put into the text of a library failure: the collection's error must never carry it.
MARKER = "LEAK-MARKER-hunter2-7f3a9c"


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


def assert_clean(error: BaseException, option: str | None = None) -> None:
    """The collection's error: no marker anywhere, no visible library cause, the right option."""
    assert isinstance(error, AzureAdOAuthError), f"{type(error).__name__} escaped: {error}"
    assert MARKER not in str(error) and MARKER not in repr(error.args)
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None, "a traceback would show the library error"
    if option is not None:
        assert error.option == option, (error.option, str(error))


def raiser(exc: BaseException):
    def raise_it(*args, **kwargs):
        raise exc

    return raise_it


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
