# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token core: client credentials grant by secret, certificate or federated token.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The token module and lookup validate raw option values with
``request.build_token_request``, then call ``TokenClient.acquire`` for each
target. The core raises only ``AzureAdOAuthError`` subclasses and knows
nothing of Ansible.
"""

from __future__ import annotations

import datetime
import os
import stat
import time
from typing import TYPE_CHECKING, Callable

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TokenEndpointError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.aadsts_hints import federated_hint
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import TokenRequest, TokenTarget
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.response import (
    Exchange,
    TokenResult,
    endpoint_error,
    json_object,
    parse_token_response,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.retry import (
    OnRetry,
    Retry,
    RetryWaitTooLong,
    send_with_retries,
)

if TYPE_CHECKING:
    # Imported where they are used, so that the module compiles only what its credential needs: the transport
    # (http.client, ssl) only when a request is sent, the signing key only for a certificate, the federated
    # token only for that credential.
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.federated import FederatedAssertion
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.signing_key import SigningKey
    from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.http import HttpResponse

Warn = Callable[[str], None]


class TokenClient:
    """Acquires tokens for one validated request; the keystore is opened once.

    ``retries`` lists every retry of every ``acquire`` so far, for the adapters to report; ``on_retry`` is
    told of each one as it happens (the lookup's -vvv line), before the wait. ``info`` is told what is worth
    saying at -vvv only (the request's notes, such as which AZURE_* credential was used).
    """

    def __init__(self, request: TokenRequest, warn: Warn | None = None, on_retry: OnRetry | None = None,
                 info: Warn | None = None) -> None:  # fmt: skip
        self.request = request
        self.retries: list[Retry] = []
        self._warn = warn or (lambda message: None)
        self._on_retry = on_retry
        self._info = info or (lambda message: None)
        self._signing_key: SigningKey | None = None
        self._exposure_checked = False
        # Consulted before anything expensive: a hit opens no keystore, signs nothing and sends nothing.
        self._cache = _token_cache(request, self._warn, self._info, self._warn_if_exposed) if request.cache else None
        if request.verify is False:
            self._warn("validate_certs is false: the token endpoint's TLS certificate is not checked.")
        for note in request.notes:
            self._info(note)

    def acquire(self, target: TokenTarget) -> TokenResult:
        """A token for ``target``: from the cache when it is on and holds a fresh one, else from the endpoint."""
        if self._cache is not None:
            return self._cache.acquire(target, lambda: self._request_token(target))
        return self._request_token(target)

    def _request_token(self, target: TokenTarget) -> TokenResult:
        request = self.request
        # Everything sent that the endpoint could echo back: redacted from every message about its answer.
        secrets = list(request.secrets)
        # A federated token is read and checked for this request only: platforms rotate the file, often hourly.
        federated = self.federated_assertion()
        if federated is not None:
            secrets.extend(_assertion_secrets(federated.token))

        def send() -> HttpResponse:
            # A fresh form per attempt: each assertion we sign gets a new jti, which Entra requires.
            form = self._form(target, federated)
            if "client_assertion" in form:
                secrets.extend(_assertion_secrets(form["client_assertion"]))
            return post_form(request.token_endpoint, form, timeout=request.timeout, verify=request.verify)

        sent_at = time.time()
        try:
            try:
                response = send_with_retries(send, request.retry, self._record_retry)
            except RetryWaitTooLong as exc:
                raise self._wait_too_long(exc, self._exchange(target, sent_at, secrets)) from None
            return parse_token_response(response, self._exchange(target, sent_at, secrets))
        except TokenEndpointError as exc:
            if federated is not None:
                self._explain_federated_refusal(exc, federated)
            raise

    def federated_assertion(self) -> FederatedAssertion | None:
        """The federated token for one request, read now (from its file when it has one) and checked locally."""
        settings = self.request.federated
        if settings is None:
            return None
        from ansible_collections.azure_ad.oauth.plugins.module_utils._token.federated import load_assertion

        return load_assertion(settings.assertion, settings.assertion_path, settings.option, self._warn)

    def _explain_federated_refusal(self, exc: TokenEndpointError, federated: FederatedAssertion) -> None:
        """Entra found no federated identity credential for the token: say which issuer and subject it needs."""
        hint = federated_hint(exc.error_codes, federated.describe())
        if hint is not None:
            exc.hint = hint
            exc.option = "client_assertion" if self.request.federated.assertion is not None else "client_assertion_path"

    def _record_retry(self, attempt: int, reason: str, wait: float) -> None:
        self.retries.append(Retry(attempt, reason, wait))
        if self._on_retry is not None:
            self._on_retry(attempt, reason, wait)

    def _exchange(self, target: TokenTarget, sent_at: float, secrets: list) -> Exchange:
        return Exchange(authority_host=self.request.authority_host, target=target,
                        api_version=self.request.api_version, sent_at=sent_at, secrets=tuple(secrets))  # fmt: skip

    def _form(self, target: TokenTarget, federated: FederatedAssertion | None = None) -> dict:
        request = self.request
        form = {"grant_type": "client_credentials", "client_id": request.client_id}
        form.update(target.form_fields(request.api_version))
        if federated is None and request.certificate is None:
            form["client_secret"] = request.client_secret
            return form
        from ansible_collections.azure_ad.oauth.plugins.module_utils._token.signing_key import CLIENT_ASSERTION_TYPE

        form["client_assertion_type"] = CLIENT_ASSERTION_TYPE
        # A federated token is sent exactly as the platform issued it: never re-signed or altered.
        form["client_assertion"] = federated.token if federated is not None else self._client_assertion()
        return form

    def _wait_too_long(self, exc: RetryWaitTooLong, exchange: Exchange) -> TokenEndpointError:
        cause = endpoint_error(exc.response, json_object(exc.response.body), exchange)
        return TokenEndpointError(
            f"The token endpoint asked to wait {exc.wait:g} seconds before retrying (HTTP {exc.response.status} "
            f"with Retry-After), more than max_retry_wait ({self.request.retry.max_retry_wait:g}). Raise "
            f"max_retry_wait or try again later. {cause.message}",
            status=cause.status,
            error=cause.error,
            error_codes=cause.error_codes,
            trace_id=cause.trace_id,
            correlation_id=cause.correlation_id,
            option="max_retry_wait",
        )

    def _client_assertion(self) -> str:
        settings = self.request.certificate
        if self._signing_key is None:
            self._warn_if_exposed(settings.keystore_path)
            self._signing_key = load_signing_key(settings, self.request.api_version)
            self._warn_if_expired(self._signing_key.certificate_not_after)
        from ansible_collections.azure_ad.oauth.plugins.module_utils._token.signing_key import (
            assertion_claims,
            sign_client_assertion,
        )

        claims = assertion_claims(self.request.client_id, self.request.token_endpoint, settings.token_duration)
        return sign_client_assertion(self._signing_key, claims)

    def _warn_if_exposed(self, path: str) -> None:
        if self._exposure_checked:
            return  # once per client: the cache looked at the file before the loader did
        self._exposure_checked = True
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return  # the loader reports unreadable files with a proper message
        if stat.S_ISREG(mode) and mode & 0o077:
            self._warn(
                f"keystore_path {path} is readable by other users (mode {stat.S_IMODE(mode):04o}); "
                "it holds a private key. Restrict it with mode 0600."
            )

    def _warn_if_expired(self, not_after) -> None:
        if not_after is not None and not_after < datetime.datetime.now(datetime.timezone.utc):
            self._warn(
                f"The certificate in keystore_path expired on {not_after:%Y-%m-%d %H:%M:%S} UTC. "
                "Entra rejects certificates whose registration has expired: renew it and upload the new one."
            )


def load_signing_key(settings, api_version: str) -> SigningKey:
    """The certificate grant's key (signing_key.py: imported for a certificate only)."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token import signing_key

    return signing_key.load_signing_key(settings, api_version)


def _token_cache(request: TokenRequest, warn: Warn, info: Warn, on_keystore_read: Warn):
    """The cache, imported only when it is on: the module's cold path (cache off) does not compile it."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.cached import TokenCache

    return TokenCache(request, warn, info, on_keystore_read)


def post_form(url: str, form: dict, timeout: float, verify: bool | str) -> HttpResponse:
    """The transport's one POST, imported when first sent: a cache hit never loads http.client or ssl."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import http

    return http.post_form(url, form, timeout=timeout, verify=verify)


def _assertion_secrets(assertion: str) -> tuple[str, ...]:
    """A signed client assertion, and its signature alone: either is enough to recognise an echo of it."""
    signature = assertion.rpartition(".")[2]
    return (assertion, signature) if len(signature) >= 32 else (assertion,)
