"""The AADSTS error catalogue and Entra's error-body shape.

Each function below is one refusal Entra ID really makes, with its HTTP status,
OAuth ``error``, AADSTS code and wording as seen in public Entra responses
(MSAL and azure-identity issue reports) and the Entra error-code reference.
Where the wording was not public (jti reuse, both credentials at once, some
assertion reasons) the text follows Entra's own style and says so in a comment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

CERT_DOCS = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"


@dataclass
class EntraError(Exception):
    """A token-endpoint refusal: becomes Entra's JSON error body."""

    status: int
    error: str
    code: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"AADSTS{self.code}: {self.message}"


def entra_timestamp(moment: dt.datetime | None = None) -> str:
    """Entra's timestamp format, ``2024-12-03 13:51:30Z``."""
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def error_body(err: EntraError, trace_id: str, correlation_id: str, authority: str) -> dict:
    """The JSON body Entra sends with a refusal.

    In ``error_description`` Entra puts the Trace ID, Correlation ID and
    Timestamp lines after the message, each after a CR LF (``\\r\\n``), as
    public Entra responses show.
    """
    timestamp = entra_timestamp()
    return {
        "error": err.error,
        "error_description": (
            f"AADSTS{err.code}: {err.message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\n"
            f"Timestamp: {timestamp}"
        ),
        "error_codes": [err.code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{authority}/error?code={err.code}",
    }


def _iso(epoch: float) -> str:
    """The 7-digit ISO form AADSTS700024 prints, ``2024-10-02T22:05:03.6755165Z``."""
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


# -- request shape ------------------------------------------------------------


def method_not_allowed(method: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        900561,
        f"The endpoint only accepts POST, OPTIONS requests. Received a {method} request.",
    )


def missing_parameter(name: str) -> EntraError:
    # A body that is not form-encoded reads as empty, so Entra answers this too.
    return EntraError(
        400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
    )


def malformed_request(status: int = 400) -> EntraError:
    # Repeated parameters, a client_id that contradicts HTTP Basic auth, and (our
    # choice, Entra's answer is not public) a secret and an assertion together, a
    # body whose framing (Content-Length, chunks) cannot be read, and, with 413,
    # a body larger than the endpoint reads. Entra answers those in this shape too.
    return EntraError(status, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid.")


def unsupported_grant_type(grant_type: str) -> EntraError:
    return EntraError(
        400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant_type}'."
    )


# -- tenant and client ----------------------------------------------------------


def tenant_not_found(tenant: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the "
        "correct cloud. Check with your subscription administrator, this may happen if there are no active "
        "subscriptions for the tenant.",
    )


def invalid_tenant_identifier(tenant: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        900023,
        f"Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain.",
    )


def tenantless_endpoint() -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        9001023,
        "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations "
        "or tenant-specific endpoint.",
    )


def no_tenant_information() -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        50059,
        "No tenant-identifying information found in either the request or implied by any provided credentials.",
    )


def application_not_found(client_id: str, tenant_name: str) -> EntraError:
    return EntraError(
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory '{tenant_name}'. This can happen "
        "if the application has not been installed by the administrator of the tenant or consented to by any user "
        "in the tenant. You may have sent your authentication request to the wrong tenant.",
    )


# -- client secret ----------------------------------------------------------------


def no_credential() -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )


def invalid_client_secret(client_id: str) -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
        f"not the client secret ID, for a secret added to app '{client_id}'.",
    )


def expired_client_secret(client_id: str) -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        7000222,
        f"The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new "
        "keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added "
        "security: https://aka.ms/certCreds.",
    )


# -- client assertion -------------------------------------------------------------


def invalid_assertion_type(assertion_type: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        90100,
        f"The parameter 'client_assertion_type' is empty or not valid. Received '{assertion_type}', expected "
        "'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
    )


def malformed_jwt(reason: str | None = None) -> EntraError:
    # Entra's plain text is "JWT token is invalid or malformed."; its specific
    # variants read "Invalid JWT token. <reason>" (e.g. the missing thumbprint).
    message = f"Invalid JWT token. {reason}" if reason else "JWT token is invalid or malformed."
    return EntraError(400, "invalid_request", 50027, message)


def invalid_jwt_type(typ: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        5002727,
        f"Invalid JWT header type specified, must be 'JWT' or 'http://openid.net/specs/jwt/1.0'. Received '{typ}'.",
    )


def unsupported_signature_algorithm(alg: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        5002738,
        f"Invalid JWT token. '{alg}' is not a supported signature algorithm. Supported signing algorithms are: "
        "'RS256, PS256'",
    )


def _signature_error(reason: str, thumbprint: str, client_id: str, found: str | None = None) -> EntraError:
    found_text = f", Found key '{found}'" if found else ""
    return EntraError(
        401,
        "invalid_client",
        700027,
        f"Client assertion contains an invalid signature. [Reason - {reason}, Thumbprint of key used by client: "
        f"'{thumbprint}'{found_text}, Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see "
        f"configured keys for app Id '{client_id}'. Review the documentation at "
        "https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and "
        "https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query "
        f"request URL, such as 'https://graph.microsoft.com/beta/applications/{client_id}']",
    )


def key_not_found(thumbprint: str, client_id: str) -> EntraError:
    return _signature_error("The key was not found.", thumbprint, client_id)


def signature_mismatch(thumbprint: str, client_id: str, found: str) -> EntraError:
    return _signature_error(
        "Key was found, but use of the key to verify the signature failed.", thumbprint, client_id, found
    )


def key_expired(thumbprint: str, client_id: str, found: str) -> EntraError:
    return _signature_error("The key used is expired.", thumbprint, client_id, found)


def key_not_yet_valid(thumbprint: str, client_id: str, found: str) -> EntraError:
    # Entra's wording for a key credential whose start date is ahead is not public.
    return _signature_error("The key used is not yet valid.", thumbprint, client_id, found)


def x5c_mismatch(thumbprint: str, client_id: str) -> EntraError:
    # Our wording: the x5c certificate must be the one x5t names.
    return _signature_error(
        "The certificate in the x5c header does not match the thumbprint in the token header.", thumbprint, client_id
    )


def audience_mismatch() -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        700023,
        f"Client assertion audience claim does not match Realm issuer. Review the documentation at {CERT_DOCS} .",
    )


def client_id_mismatch() -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at "
        f"{CERT_DOCS} .",
    )


def subject_mismatches_issuer() -> EntraError:
    return EntraError(401, "invalid_client", 50048, "Subject mismatches Issuer claim in the client assertion.")


def assertion_time_range(now: float, not_before: float | None, expires: float) -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        700024,
        f"Client assertion is not within its valid time range. Current time: {_iso(now)}, assertion valid from "
        f"{_iso(not_before or 0)}, expiry time of assertion {_iso(expires)}. Review the documentation at "
        f"{CERT_DOCS} .",
    )


def assertion_replayed(jti: str) -> EntraError:
    # Our wording and code: Entra's answer to a reused jti is not public.
    return malformed_jwt(f"The client assertion with jti '{jti}' has already been used.")


# -- scope and resource -------------------------------------------------------------


def scope_without_default(scope: str) -> EntraError:
    return EntraError(
        400,
        "invalid_scope",
        1002012,
        f"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with "
        "/.default suffixed to the resource identifier (application ID URI).",
    )


def invalid_scope(scope: str) -> EntraError:
    return EntraError(
        400,
        "invalid_scope",
        70011,
        "The provided request must include a 'scope' input parameter. The provided value for the input parameter "
        f"'scope' is not valid. The scope {scope} is not valid.",
    )


def resource_not_found(resource: str, tenant_name: str) -> EntraError:
    return EntraError(
        400,
        "invalid_resource",
        500011,
        f"The resource principal named {resource} was not found in the tenant named {tenant_name}. This can happen "
        "if the application has not been installed by the administrator of the tenant or consented to by any user "
        "in the tenant. You might have sent your authentication request to the wrong tenant.",
    )


# -- injected faults -------------------------------------------------------------------


def throttled(retry_after: str) -> EntraError:
    # Entra throttles client-credential loops with 429 and Retry-After (MSAL.NET's docs).
    return EntraError(
        429,
        "temporarily_unavailable",
        50196,
        "The server terminated an operation because it encountered a client request loop. Please contact your app "
        "vendor.",
        {"Retry-After": retry_after},
    )


def server_error(status: int) -> EntraError:
    """The JSON body of an injected 408, 500 or 503 (502/504 come from the front end, not ESTS)."""
    if status == 408:
        return EntraError(408, "temporarily_unavailable", 90012, "The request has timed out.")
    if status == 503:
        return EntraError(503, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.")
    return EntraError(
        status,
        "server_error",
        50000,
        "There was an error issuing a token or an issue with our sign-in service.",
    )


# -- workload identity federation (federation.py): a platform's token matched against federated credentials --

FEDERATION_DOCS = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
_CHECK = "Check your federated identity credential Subject, Audience and Issuer against the presented assertion."


def federated_no_matching_issuer(issuer: str) -> EntraError:
    return EntraError(400, "invalid_request", 700211, "No matching federated identity record found for "
                      f"presented assertion issuer '{issuer}'. {_CHECK} {FEDERATION_DOCS}")  # fmt: skip


def federated_no_matching_audience(audience: str) -> EntraError:
    return EntraError(400, "invalid_request", 700212, "No matching federated identity record found for "
                      f"presented assertion audience '{audience}'. {_CHECK} {FEDERATION_DOCS}")  # fmt: skip


def federated_no_matching_subject(subject: str) -> EntraError:
    return EntraError(400, "invalid_request", 700213, "No matching federated identity record found for "
                      f"presented assertion subject '{subject}'. {_CHECK} {FEDERATION_DOCS}")  # fmt: skip


def federated_subject_case_mismatch(subject: str) -> EntraError:
    return EntraError(
        400, "invalid_request", 7002138,
        f"No matching federated identity record found for presented assertion subject '{subject}'. The subject "
        f"matches with case-insensitive comparison, but not with case-sensitive comparison. {_CHECK} "
        f"See documentation at: {FEDERATION_DOCS}.",
    )


def federated_no_matching_record(issuer: str, subject: str, audience: str) -> EntraError:
    return EntraError(
        400, "invalid_request", 70021,
        f"No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. "
        f"Assertion Subject: '{subject}'. Assertion Audience: '{audience}'. {FEDERATION_DOCS}",
    )


def federated_issuer_keys_unavailable(issuer: str) -> EntraError:
    return EntraError(400, "invalid_request", 50166, f"Request to External OIDC endpoint failed. "
                      f"Issuer: '{issuer}'.")  # fmt: skip


def federated_signature_invalid(reason: str) -> EntraError:
    return EntraError(401, "invalid_client", 50013,
                      f"Assertion failed signature validation. [Reason - {reason}]")


def federated_unsupported_algorithm(alg: str) -> EntraError:
    return EntraError(400, "invalid_request", 5002738, f"Invalid JWT token. '{alg}' is not a supported "
                      "signature algorithm. Supported signing algorithms are: 'RS256'")  # fmt: skip
