"""The token endpoint's logic: one client-credentials request in, a token or a refusal out.

No HTTP here: ``server.py`` hands over the URL's tenant segment, the raw body and
a few headers. The checks run in this order, each raising the ``EntraError``
Entra would send: the tenant, ``grant_type``, ``client_id``, ``scope`` (v2.0) or
``resource`` (v1.0), the app in that tenant, exactly one credential and its
validity, then the scope's form and the resource's existence.
"""

from __future__ import annotations

import base64
import binascii
import time
import urllib.parse
from dataclasses import dataclass

from entra_emulator import errors
from entra_emulator.assertion import JWT_BEARER, ReplayCache, describe_assertion, validate_client_assertion
from entra_emulator.config import App, Directory, Resource, Settings, Tenant, is_guid
from entra_emulator.federation import Federation
from entra_emulator.tokens import CERTIFICATE_ACR, SECRET_ACR, TokenIssuer

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
CLIENT_CREDENTIALS = "client_credentials"
DEFAULT_SUFFIX = "/.default"
# OpenID Connect scopes MSAL may add; Entra ignores them in a client-credentials request.
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
TOKEN_PATHS = {"v1": "oauth2/token", "v2": "oauth2/v2.0/token"}


@dataclass(frozen=True)
class TokenRequest:
    version: str  # "v1" or "v2"
    tenant: str  # the tenant segment of the URL, as sent
    body: bytes
    content_type: str | None = None
    authorization: str | None = None
    authority: str = ""  # scheme://host:port the client used


def parse_form(body: bytes, content_type: str | None) -> dict[str, str]:
    """The form parameters. A body of another type reads as empty, as in Entra."""
    if (content_type or "").split(";")[0].strip().lower() != FORM_CONTENT_TYPE:
        return {}
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise errors.malformed_request() from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:  # RFC 6749 3.2: parameters must not repeat
            raise errors.malformed_request()
        form[name] = value
    return form


def parse_basic_auth(header: str | None) -> tuple[str, str] | None:
    """client_secret_basic: RFC 6749 2.3.1 form-encodes both parts before base64."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise errors.malformed_request() from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise errors.malformed_request()
    return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)


class TokenEndpoint:
    def __init__(
        self, directory: Directory, issuer: TokenIssuer, settings: Settings, replay_cache: ReplayCache
    ) -> None:
        self.directory = directory
        self.issuer = issuer
        self.settings = settings
        self.replay_cache = replay_cache

    def client_id_of(self, request: TokenRequest) -> str | None:
        """The client a request claims to be, for the stats; never raises."""
        try:
            form = parse_form(request.body, request.content_type)
            basic = parse_basic_auth(request.authorization)
        except errors.EntraError:
            return None
        return form.get("client_id") or (basic[0] if basic else None)

    def assertion_of(self, request: TokenRequest) -> str | None:
        """The client assertion a request carries, if any, for the record; never raises."""
        try:
            return parse_form(request.body, request.content_type).get("client_assertion") or None
        except errors.EntraError:
            return None

    def handle(self, request: TokenRequest) -> dict:
        """The success body for ``request``; raises ``EntraError`` to refuse it."""
        form = parse_form(request.body, request.content_type)
        basic = parse_basic_auth(request.authorization)
        tenant = self._tenant(request.tenant)

        grant_type = form.get("grant_type")
        if not grant_type:
            raise errors.missing_parameter("grant_type")
        if grant_type != CLIENT_CREDENTIALS:
            raise errors.unsupported_grant_type(grant_type)

        client_id = form.get("client_id")
        if basic is not None:
            if client_id and client_id != basic[0]:
                raise errors.malformed_request()
            client_id = basic[0]
        if not client_id:
            raise errors.missing_parameter("client_id")

        if request.version == "v2":
            if "resource" in form:
                raise errors.EntraError(
                    400, "invalid_request", 901002, "The 'resource' request parameter is not supported."
                )
            requested = form.get("scope", "")
            if not requested.strip():
                raise errors.missing_parameter("scope")
        else:
            requested = form.get("resource", "")
            if not requested:
                raise errors.missing_parameter("resource")

        app = self.directory.app(client_id)
        if app is None or app.tenant_id != tenant.tenant_id:
            raise errors.application_not_found(client_id, tenant.display_name)

        acr = self._authenticate(request, form, basic, app, client_id, tenant)

        if request.version == "v2":
            audience = self._scope_resource(requested)
        else:
            audience = requested
        resource = self.directory.resource(audience, tenant.tenant_id)
        if resource is None:
            raise errors.resource_not_found(audience, tenant.display_name)
        return self._success(request.version, app, tenant, resource, audience, acr)

    # -- the steps -----------------------------------------------------------------

    def _tenant(self, segment: str) -> Tenant:
        lowered = segment.lower()
        if lowered in ("common", "consumers"):
            raise errors.tenantless_endpoint()
        if lowered == "organizations":
            raise errors.no_tenant_information()
        if not is_guid(segment) and "." not in segment:
            raise errors.invalid_tenant_identifier(segment)
        tenant = self.directory.tenant(segment)
        if tenant is None:
            raise errors.tenant_not_found(segment)
        return tenant

    def _authenticate(
        self,
        request: TokenRequest,
        form: dict[str, str],
        basic: tuple[str, str] | None,
        app: App,
        client_id: str,
        tenant: Tenant,
    ) -> str:
        """Check the one credential presented; returns the token's ``appidacr``."""
        secret = form.get("client_secret") or (basic[1] if basic else "")
        assertion = form.get("client_assertion", "")
        if secret and assertion:
            raise errors.malformed_request()
        if not secret and not assertion:
            raise errors.no_credential()
        if secret:
            self._check_secret(app, secret)
            return SECRET_ACR
        assertion_type = form.get("client_assertion_type", "")
        if not assertion_type:
            raise errors.missing_parameter("client_assertion_type")
        if assertion_type != JWT_BEARER:
            raise errors.invalid_assertion_type(assertion_type)
        described = describe_assertion(assertion)
        if Federation.is_federated(described["header"] or {}, described["claims"] or {}, client_id):
            # Workload identity federation: a platform's token, matched against the app's federated credentials.
            self.directory.federation.validate(assertion, client_id, self.settings.clock_skew)
            return CERTIFICATE_ACR
        validate_client_assertion(
            assertion,
            app=app,
            client_id=client_id,
            audiences=self._audiences(request, tenant),
            skew=self.settings.clock_skew,
            replay_cache=self.replay_cache if self.settings.reject_jti_replay else None,
        )
        return CERTIFICATE_ACR

    @staticmethod
    def _check_secret(app: App, value: str) -> None:
        for secret in app.secrets:
            if secret.matches(value):
                if secret.expires_at is not None and secret.expires_at <= time.time():
                    raise errors.expired_client_secret(app.client_id)
                return
        raise errors.invalid_client_secret(app.client_id)

    @staticmethod
    def _audiences(request: TokenRequest, tenant: Tenant) -> set[str]:
        """The token endpoint URL the client posted to, with the tenant in each of its names."""
        path = TOKEN_PATHS[request.version]
        names = {tenant.tenant_id, request.tenant, *tenant.domains}
        return {f"{request.authority}/{name}/{path}" for name in names}

    @staticmethod
    def _scope_resource(scope: str) -> str:
        """The one resource a v2.0 client-credentials scope names."""
        wanted = []
        for item in scope.split(" "):
            if item and item not in RESERVED_SCOPES and item not in wanted:
                wanted.append(item)
        defaults = [item for item in wanted if item.endswith(DEFAULT_SUFFIX)]
        if not defaults:
            raise errors.scope_without_default(scope)
        if len(wanted) != 1 or wanted[0] == DEFAULT_SUFFIX:
            raise errors.invalid_scope(scope)
        return wanted[0][: -len(DEFAULT_SUFFIX)]

    def _success(self, version: str, app: App, tenant: Tenant, resource: Resource, audience: str, acr: str) -> dict:
        token = self.issuer.issue(app=app, tenant=tenant, resource=resource, audience=audience, acr=acr)
        if version == "v2":
            return {
                "token_type": "Bearer",
                "expires_in": token.expires_in,
                "ext_expires_in": token.expires_in,
                "access_token": token.access_token,
            }
        # The v1.0 endpoint sends every number as a string.
        return {
            "token_type": "Bearer",
            "expires_in": str(token.expires_in),
            "ext_expires_in": str(token.expires_in),
            "expires_on": str(token.expires_on),
            "not_before": str(token.not_before),
            "resource": audience,
            "access_token": token.access_token,
        }
