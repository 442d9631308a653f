# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Neutral errors raised by the collection's core: the token path, the transport, and keystore reading and writing.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The core never knows which entry point called it (the token module or lookup,
the keystore module, a filter). Each adapter in _adapters turns these errors
into its own failure (``fail_json``, ``AnsibleLookupError``...). ``option``
names the option at fault in the caller's own words. Messages must never
contain a secret, a password, key material or an assertion.
"""

from __future__ import annotations

# Native code can raise BaseException subclasses that are not Exceptions (pyo3's
# PanicException from cryptography's Rust layer). Safety nets therefore catch
# BaseException, and let only these through: the user or the interpreter is
# stopping us, and swallowing them would hang or corrupt the run.
MUST_PROPAGATE = (KeyboardInterrupt, SystemExit, GeneratorExit)


class AzureAdOAuthError(Exception):
    """Base class of every error the collection raises on purpose.

    ``option`` names the user-facing option at fault, when there is one, so
    adapters and tests can point the user at it.
    """

    def __init__(self, message: str, option: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.option = option
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} Hint: {self.hint}"
        return self.message


class OptionError(AzureAdOAuthError):
    """An option is missing, malformed or conflicts with another one."""


class KeystoreError(AzureAdOAuthError):
    """The keystore or key file cannot be read, opened or used."""


class AliasError(KeystoreError):
    """The keystore opened, but the alias picks none of its private key entries (or none was given, and
    there are several to choose from).

    The passwords were right: the keystore module tells this apart from other failures to find out what an
    existing file holds (it reads it again without the alias).
    """


class TransportError(AzureAdOAuthError):
    """The token endpoint could not be reached (DNS, TLS, proxy, timeout...).

    ``retryable`` is true for failures that may pass on their own (a dropped
    connection, a timeout), false for those that will not (a TLS mismatch).
    ``reason`` is a few words for progress messages.
    """

    def __init__(self, message: str, option: str | None = None, retryable: bool = False, reason: str = "") -> None:
        super().__init__(message, option=option)
        self.retryable = retryable
        self.reason = reason


class TokenEndpointError(AzureAdOAuthError):
    """The token endpoint answered with an error."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        error: str | None = None,
        error_codes: tuple[int, ...] = (),
        trace_id: str | None = None,
        correlation_id: str | None = None,
        hint: str | None = None,
        option: str | None = None,
    ) -> None:
        super().__init__(message, option=option, hint=hint)
        self.status = status
        self.error = error
        self.error_codes = error_codes
        self.trace_id = trace_id
        self.correlation_id = correlation_id
