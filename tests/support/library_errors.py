"""Library exceptions made to carry a secret-looking marker, and the check that none of it reaches the user.

pyjks, cryptography, ssl and http.client put whatever they like in their messages: file bytes, URLs,
sometimes the input they choked on. Tests replace a library function with ``raiser(exc)``, ``exc`` holding
MARKER, and check with ``assert_clean`` that the collection's error carries neither the marker nor the
library exception as its cause or visible context (so no traceback shows it).
"""

from __future__ import annotations

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AzureAdOAuthError

MARKER = "LEAK-MARKER-hunter2-7f3a9c"


def assert_clean(error: BaseException, option: str | None = None) -> None:
    """The collection's error: no marker anywhere, no visible library cause, the right option."""
    assert isinstance(error, AzureAdOAuthError), f"{type(error).__name__} escaped: {error}"
    assert MARKER not in str(error) and MARKER not in repr(error.args)
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None, "a traceback would show the library error"
    if option is not None:
        assert error.option == option, (error.option, str(error))


def raiser(exc: BaseException):
    """A stand-in for a library function that raises ``exc``, whatever it is called with."""

    def raise_it(*args, **kwargs):
        raise exc

    return raise_it
