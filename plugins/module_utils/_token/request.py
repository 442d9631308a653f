# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate raw option values into an immutable token request.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Everything a user can get wrong without talking to Entra is caught here, with a
message that names the option. Nothing here touches the network or the disk.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.settings import CacheSettings, cache_settings
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import parse_thumbprint
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.defaults import (
    DEFAULT_API_VERSION,
    DEFAULT_AUTHORITY_HOST,
    DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_TOKEN_DURATION,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.input_checks import reject_nul_bytes
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.untrusted_text import sanitize, truncate
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.clouds import DEFAULT_CLOUD, cloud_named
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import (
    CREDENTIAL_OPTIONS,
    ENVIRONMENT_FALLBACKS,
    SECRET_OPTIONS,
    TOKEN_OPTIONS,
    apply_environment,
    environment_credential_note,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.retry import RetryPolicy

DEFAULT_SCOPE_SUFFIX = "/.default"
# A client assertion is a bearer credential until it expires; Entra's own
# libraries sign them for 10 minutes. An hour is generous; more is a mistake.
MAX_TOKEN_DURATION = 3600
MAX_RETRIES = 10
MAX_RETRY_WAIT = 600
# A timeout bounds one attempt; ten minutes is already more than any proxy waits.
MAX_TIMEOUT = 600

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_MULTI_TENANT_ALIASES = ("common", "organizations", "consumers")
_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?$")
# Values quoted back in option errors: a client secret put in client_id or tenant_id by mistake must not be.
# Entra's secrets hold a "~"; older ones are long runs of base64.
_SECRET_LOOKING = re.compile(r"~|[A-Za-z0-9+/=]{32,}")
_SHOWN_LENGTH = 80


@dataclass(frozen=True)
class CertificateSettings:
    """Where the signing key lives and how to open it (nothing is read yet)."""

    keystore_path: str
    keystore_type: str
    keystore_password: str | None = field(default=None, repr=False)
    key_password: str | None = field(default=None, repr=False)
    keystore_alias: str | None = None
    certificate_path: str | None = None
    thumbprint: bytes | None = None
    signature_algorithm: str = "auto"
    send_certificate_chain: bool = False
    token_duration: int = DEFAULT_TOKEN_DURATION


@dataclass(frozen=True)
class FederatedSettings:
    """An external platform's token, given as is or as the file it is (re)written to; nothing is read yet.

    ``option`` names where it came from, for messages: ``client_assertion``, ``client_assertion_path``, or the
    latter with the environment variable that gave it.
    """

    option: str
    assertion: str | None = field(default=None, repr=False)
    assertion_path: str | None = None


@dataclass(frozen=True)
class TokenRequest:
    """A validated client credentials request, minus its target (resource/scope)."""

    tenant_id: str
    client_id: str
    api_version: str
    authority_host: str
    timeout: float
    verify: bool | str
    client_secret: str | None = field(default=None, repr=False)
    certificate: CertificateSettings | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    federated: FederatedSettings | None = None
    cloud: str = DEFAULT_CLOUD
    # Things worth saying at -vvv, such as which of several AZURE_* credentials was used.
    notes: tuple[str, ...] = ()
    # The token cache (issue 9), None when it is off.
    cache: CacheSettings | None = None

    @property
    def token_endpoint(self) -> str:
        if self.api_version == "v1":
            return f"{self.authority_host}/{self.tenant_id}/oauth2/token"
        return f"{self.authority_host}/{self.tenant_id}/oauth2/v2.0/token"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value in the request, for redaction."""
        values = [self.client_secret]
        if self.federated:
            values.append(self.federated.assertion)
        if self.certificate:
            values += [self.certificate.keystore_password, self.certificate.key_password]
        return tuple(v for v in values if v)


@dataclass(frozen=True)
class TokenTarget:
    """What the token is for: a v1 ``resource`` or v2 ``scope`` values."""

    resource: str | None = None
    scopes: tuple[str, ...] = ()

    def form_fields(self, api_version: str) -> dict:
        if api_version == "v1":
            return {"resource": self.resource}
        return {"scope": " ".join(self.scopes)}


def build_token_request(options: dict, environ: dict) -> tuple[TokenRequest, TokenTarget | None]:
    """Validate ``options`` (after ``AZURE_*`` fallbacks) into a request.

    The target is None when neither ``resource`` nor ``scope`` is set, which
    only the lookup may allow, because its terms supply the targets.
    """
    # First of all: a NUL byte makes native libraries panic, and no password, path or name holds one.
    reject_nul_bytes(options, TOKEN_OPTIONS)
    merged, from_env = apply_environment(_without_unknown(options), environ)
    _reject_empty_strings(merged, from_env)

    api_version = merged.get("api_version") or DEFAULT_API_VERSION
    cloud = merged.get("cloud") or DEFAULT_CLOUD
    note = environment_credential_note(from_env, environ)
    request = TokenRequest(
        tenant_id=_tenant_id(merged.get("tenant_id"), from_env),
        client_id=_client_id(merged.get("client_id"), from_env),
        api_version=api_version,
        authority_host=_authority_host(merged.get("authority_host"), from_env, cloud),
        timeout=_timeout(merged.get("timeout"), from_env),
        verify=_verify(merged),
        client_secret=merged.get("client_secret"),
        certificate=_certificate_settings(merged, api_version, from_env),
        retry=_retry_policy(merged.get("retries"), merged.get("max_retry_wait")),
        federated=_federated_settings(merged, from_env),
        cloud=cloud,
        notes=(note,) if note else (),
        cache=cache_settings(merged),
    )
    target = None
    if merged.get("resource") is not None or merged.get("scope") is not None:
        target = build_target(merged.get("resource"), merged.get("scope"), api_version)
    return request, target


def build_target(resource: str | None, scope: list | None, api_version: str) -> TokenTarget:
    """Validate exactly one of ``resource`` or ``scope`` into a target for ``api_version``."""
    if resource is not None and scope is not None:
        raise OptionError("resource and scope are mutually exclusive; give only one.", option="resource")
    if resource is None and scope is None:
        raise OptionError(
            "Give either resource (for example https://graph.microsoft.com) or scope "
            "(for example https://graph.microsoft.com/.default).",
            option="resource",
        )
    if resource is not None:
        _check_uri_like(resource, "resource")
        if api_version == "v1":
            return TokenTarget(resource=resource)
        return TokenTarget(resource=resource, scopes=(resource + DEFAULT_SCOPE_SUFFIX,))

    scopes = tuple(item for value in scope for item in str(value).split())
    if not scopes:
        raise OptionError("scope is empty; give at least one scope such as https://graph.microsoft.com/.default.",
                          option="scope")
    for value in scopes:
        _check_uri_like(value, "scope")
        if not value.endswith(DEFAULT_SCOPE_SUFFIX):
            raise OptionError(
                f"scope {value!r} does not end with {DEFAULT_SCOPE_SUFFIX}. The client credentials grant "
                f"only accepts the resource's default scope, for example {resource_default_scope(value)}.",
                option="scope",
            )
    if api_version == "v1":
        if len(scopes) != 1:
            raise OptionError("api_version v1 takes a single resource; give one scope.", option="scope")
        return TokenTarget(resource=scopes[0][: -len(DEFAULT_SCOPE_SUFFIX)], scopes=scopes)
    return TokenTarget(scopes=scopes)


def resource_default_scope(value: str) -> str:
    """The ``/.default`` scope of the resource that ``value`` names, dropping a permission after it.

    https://graph.microsoft.com/User.Read -> https://graph.microsoft.com/.default,
    api://<id>/Scope -> api://<id>/.default, <guid>/Scope -> <guid>/.default; a bare resource
    (https://graph.microsoft.com) gets /.default appended.
    """
    prefix, authority, path = _resource_parts(value)
    parent = path.rpartition("/")[0]  # the path less its last segment, the permission
    return prefix + authority + (f"/{parent}" if parent else "") + DEFAULT_SCOPE_SUFFIX


def permission_in(value: str) -> str | None:
    """The last path segment of the resource that ``value`` names (User.Read in .../User.Read), or None."""
    path = _resource_parts(value)[2]
    return path.rpartition("/")[2] or None


def _resource_parts(value: str) -> tuple[str, str, str]:
    """(scheme://, authority, path without its outer slashes) of a scope or resource, less any /.default."""
    resource = value[: -len(DEFAULT_SCOPE_SUFFIX)] if value.endswith(DEFAULT_SCOPE_SUFFIX) else value
    scheme, sep, rest = resource.partition("://")
    authority, _slash, path = (rest if sep else resource).partition("/")
    return (scheme + sep if sep else ""), authority, path.strip("/")


def target_from_term(term: str, api_version: str) -> TokenTarget:
    """A lookup term is a scope when it ends with ``/.default``, a resource otherwise."""
    if not isinstance(term, str) or not term.strip():
        raise OptionError("Each lookup term must be a non-empty resource or scope.", option="_terms")
    reject_nul_bytes({"_terms": term}, ["_terms"])
    term = term.strip()
    if term.endswith(DEFAULT_SCOPE_SUFFIX) or " " in term:
        return build_target(None, [term], api_version)
    return build_target(term, None, api_version)


def _without_unknown(options: dict) -> dict:
    return {name: options.get(name) for name in TOKEN_OPTIONS}


def _option_label(name: str, from_env: dict) -> str:
    """The option's name for a message, with the environment variable its value came from, if one did."""
    variable = from_env.get(name)
    return f"{name} (from the environment variable {variable})" if variable else name


def _reject_empty_strings(options: dict, from_env: dict) -> None:
    for name, value in options.items():
        # A password of spaces is a valid PKCS12 or JKS password: only an empty one is refused.
        blank = value == "" if name in SECRET_OPTIONS else isinstance(value, str) and not value.strip()
        if blank:
            raise OptionError(f"{_option_label(name, from_env)} is empty; give a value or leave it out.", option=name)


def _shown(value: str) -> str:
    """``value`` quoted for an option error, unless it may be a secret given in the wrong option."""
    if _SECRET_LOOKING.search(value):
        return f"(a value of {len(value)} characters that looks like a secret, not shown)"
    return repr(truncate(sanitize(value), _SHOWN_LENGTH))


def _required(value: str | None, name: str, what: str) -> str:
    """``value`` stripped; when unset, an error saying what ``name`` is and which variable may give it."""
    if value is None:
        raise OptionError(f"{name} is required: {what} It may also come from {ENVIRONMENT_FALLBACKS[name]}.",
                          option=name)  # fmt: skip
    return value.strip()


def _tenant_id(value: str | None, from_env: dict) -> str:
    value = _required(value, "tenant_id", "the directory (tenant) ID or a verified domain such as "
                                          "contoso.onmicrosoft.com.")  # fmt: skip
    if value.lower() in _MULTI_TENANT_ALIASES:
        raise OptionError(
            f"tenant_id {value!r} is a multi-tenant alias; the client credentials grant needs the tenant's "
            "ID or verified domain.",
            option="tenant_id",
        )
    if not (_GUID.match(value) or _DOMAIN.match(value)):
        raise OptionError(
            f"{_option_label('tenant_id', from_env)} {_shown(value)} is neither a GUID nor a domain name such as "
            "contoso.onmicrosoft.com.",
            option="tenant_id",
        )
    return value


def _client_id(value: str | None, from_env: dict) -> str:
    value = _required(value, "client_id", "the application (client) ID of the app registration.")
    if not _GUID.match(value):
        raise OptionError(
            f"{_option_label('client_id', from_env)} {_shown(value)} is not a GUID. Use the app registration's "
            "'Application (client) ID', not its name or object ID.",
            option="client_id",
        )
    return value


def _authority_host(value: str | None, from_env: dict, cloud: str = DEFAULT_CLOUD) -> str:
    """authority_host when given (as an option or by AZURE_AUTHORITY_HOST), else the login host of ``cloud``."""
    value = (value or _cloud(cloud).authority_host).strip().rstrip("/")
    name = _option_label("authority_host", from_env)
    if "@" in value:
        # https://user:password@host: never quoted back, not even in part (a password may hold "/" or ":").
        raise OptionError(
            f"{name} holds a user name or password (user:password@host), which is refused and not shown. Give "
            f"only the scheme and host, such as {DEFAULT_AUTHORITY_HOST}.",
            option="authority_host",
        )
    scheme, sep, rest = value.partition("://")
    match = _HOST_PORT.match(rest) if sep else None
    if not match or scheme.lower() not in ("https", "http") or int(match.group("port") or 443) > 65535:
        raise OptionError(
            f"{name} {_authority_shown(value)} must be a URL with no path, such as {DEFAULT_AUTHORITY_HOST}.",
            option="authority_host",
        )
    if scheme.lower() == "http" and not _is_loopback(match.group("host")):
        raise OptionError(
            f"{name} {_authority_shown(value)} uses plain http; secrets would cross the network in clear. Use https "
            "(http is allowed only for loopback test endpoints).",
            option="authority_host",
        )
    return value


def _authority_shown(value: str) -> str:
    """``value`` up to its host and port; anything after it (a path, a query) is only marked, never quoted."""
    scheme, sep, rest = value.partition("://")
    head, cut, _tail = (rest if sep else value).partition("/")
    if not cut:
        head, cut, _tail = head.partition("?")
    if not cut:
        head, cut, _tail = head.partition("#")
    shown = (scheme + sep if sep else "") + head + ("/..." if cut else "")
    return repr(truncate(sanitize(shown), _SHOWN_LENGTH))


def _cloud(name: str):
    if not isinstance(name, str) or name not in TOKEN_OPTIONS["cloud"]["choices"]:
        # Ansible checks the choices; the core's own callers may not have.
        raise OptionError(f"cloud must be one of {', '.join(TOKEN_OPTIONS['cloud']['choices'])}.", option="cloud")
    return cloud_named(name)


def _is_loopback(host: str) -> bool:
    # "localhost" and its fully qualified form; any other name may resolve anywhere.
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host[1:-1] if host.startswith("[") else host).is_loopback
    except ValueError:
        return False


def _number(value: object, name: str, integer: bool, from_env: dict | None = None) -> float | int:
    """A finite number from an option value (Ansible has converted it already; the unit API may not have)."""
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    fraction = integer and isinstance(value, float) and not value.is_integer()
    if isinstance(value, bool) or number is None or fraction or not math.isfinite(number):
        kind = "an integer" if integer else "a number of seconds"
        raise OptionError(f"{_option_label(name, from_env or {})} must be {kind}.", option=name)
    return number


def _timeout(value: float | None, from_env: dict) -> float:
    timeout = DEFAULT_TIMEOUT if value is None else _number(value, "timeout", integer=False, from_env=from_env)
    if not 0 < timeout <= MAX_TIMEOUT:
        raise OptionError(
            f"timeout must be more than 0 and at most {MAX_TIMEOUT} seconds, not {timeout:g}.", option="timeout"
        )
    return timeout


def _retry_policy(retries: int | None, max_retry_wait: float | None) -> RetryPolicy:
    retries = DEFAULT_RETRIES if retries is None else _number(retries, "retries", integer=True)
    max_retry_wait = (DEFAULT_MAX_RETRY_WAIT if max_retry_wait is None
                      else _number(max_retry_wait, "max_retry_wait", integer=False))  # fmt: skip
    if not 0 <= retries <= MAX_RETRIES:
        raise OptionError(f"retries must be between 0 and {MAX_RETRIES}, not {retries}.", option="retries")
    if not 0 <= max_retry_wait <= MAX_RETRY_WAIT:
        raise OptionError(
            f"max_retry_wait must be between 0 and {MAX_RETRY_WAIT} seconds, not {max_retry_wait:g}.",
            option="max_retry_wait",
        )
    return RetryPolicy(retries=retries, max_retry_wait=max_retry_wait)


def _verify(options: dict) -> bool | str:
    if options.get("validate_certs") is False:
        return False
    return options.get("ca_path") or True


def _check_uri_like(value: str, option: str) -> None:
    if not isinstance(value, str) or not value.strip() or not value.strip().isprintable() or " " in value.strip():
        shown = _shown(value) if isinstance(value, str) else f"(a {type(value).__name__})"
        raise OptionError(f"{option} {shown} is not a valid resource identifier.", option=option)
    if "://" not in value and not _GUID.match(value.split("/")[0]):
        raise OptionError(
            f"{option} {value!r} is not a resource URI such as https://graph.microsoft.com or api://<app-id>.",
            option=option,
        )


def _credential_kind(options: dict) -> str:
    """The one credential option given (after the environment); OptionError for none or several."""
    given = [name for name in CREDENTIAL_OPTIONS if options.get(name) is not None]
    if len(given) > 1:
        raise OptionError(f"{given[0]} and {given[1]} are mutually exclusive; give exactly one credential.",
                          option=given[0])  # fmt: skip
    if not given:
        raise OptionError(
            "A credential is required: give client_secret, keystore_path for a certificate, or client_assertion or "
            "client_assertion_path for a federated token (or set AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH "
            "or AZURE_FEDERATED_TOKEN_FILE).",
            option="client_secret",
        )
    return given[0]


def _federated_settings(options: dict, from_env: dict) -> FederatedSettings | None:
    kind = _credential_kind(options)
    if kind == "client_assertion":
        return FederatedSettings(option="client_assertion", assertion=options["client_assertion"].strip())
    if kind == "client_assertion_path":
        return FederatedSettings(option=_option_label("client_assertion_path", from_env),
                                 assertion_path=options["client_assertion_path"])  # fmt: skip
    return None


def _flag(value: object, name: str, from_env: dict) -> bool:
    """A boolean option; from the environment it is text, read as Ansible reads booleans."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1", "y", "t"):
        return True
    if text in ("false", "no", "off", "0", "n", "f"):
        return False
    raise OptionError(f"{_option_label(name, from_env)} must be true or false.", option=name)


def _certificate_settings(options: dict, api_version: str, from_env: dict) -> CertificateSettings | None:
    keystore_path = options.get("keystore_path")
    if _credential_kind(options) != "keystore_path":
        return None
    duration = options.get("token_duration")
    duration = DEFAULT_TOKEN_DURATION if duration is None else _number(duration, "token_duration", integer=True)
    if not 0 < duration <= MAX_TOKEN_DURATION:
        raise OptionError(
            f"token_duration must be between 1 and {MAX_TOKEN_DURATION} seconds, not {duration}.",
            option="token_duration",
        )
    thumbprint = options.get("thumbprint")
    return CertificateSettings(
        keystore_path=keystore_path,
        keystore_type=options.get("keystore_type") or "auto",
        keystore_password=options.get("keystore_password"),
        # Left unset when not given: the keystore reader falls back to keystore_password itself, and can
        # then tell the user the entry has its own password instead of calling a password they never gave wrong.
        key_password=options.get("key_password"),
        keystore_alias=options.get("keystore_alias"),
        certificate_path=options.get("certificate_path"),
        thumbprint=parse_thumbprint(thumbprint, "thumbprint") if thumbprint is not None else None,
        signature_algorithm=options.get("signature_algorithm") or "auto",
        send_certificate_chain=_flag(options.get("send_certificate_chain"), "send_certificate_chain", from_env),
        token_duration=duration,
    )
