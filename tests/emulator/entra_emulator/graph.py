"""Microsoft Graph's application key endpoints, as strict as the token endpoint.

Served on the emulator's own host, which it registers as one more identifier URI of the Microsoft Graph
resource (as a national cloud's Graph host is): ``graph_endpoint`` is then the emulator's URL, and a token for
``<emulator>/.default`` is a Graph token.

==============================================================  ==========================================
``GET  /v1.0/applications(appId='{client-id}')?$select=...``    the application: ``id``, ``appId``,
``GET  /v1.0/applications/{object-id}?$select=...``             ``displayName``, ``keyCredentials``
``POST /v1.0/applications/{object-id}/addKey``                  ``{"keyCredential", "passwordCredential",
``POST /v1.0/applications(appId='{client-id}')/addKey``          "proof"}`` -> 200 the new keyCredential
``POST /v1.0/applications/{object-id}/removeKey``               ``{"keyId", "proof"}`` -> 204
==============================================================  ==========================================

Checks, each answered in Graph's error shape (``{"error": {"code", "message", "innerError": {"date",
"request-id", "client-request-id"}}}``):

- the bearer token: signed by this emulator, unexpired, for the Graph resource, from the tenant of the
  application; reading another application needs ``Application.Read.All``, ``Application.ReadWrite.All``
  or ``Application.ReadWrite.OwnedBy`` (the emulator counts an app as an owner of itself); addKey and removeKey
  only on the caller's own application, which needs no permission (as in Graph);
- the proof (learn.microsoft.com, application-addkey, "proof"): RS256, ``x5t`` naming a certificate registered
  on the application now and within its dates, a good signature, ``aud`` the Graph app ID
  ``00000003-0000-0000-c000-000000000000``, ``iss`` the application's object ID (never its client ID),
  ``nbf`` and ``exp`` with ``exp - nbf`` at most 10 minutes, within the clock skew, and never sent before
  (replay, until it expires).

Graph's exact wording for proof failures is not public; the messages follow Graph's style and the codes
are the ones Graph uses for a bad request (``Request_BadRequest``) and a refused caller
(``Authorization_RequestDenied``, ``InvalidAuthenticationToken``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from entra_emulator.assertion import b64url_decode
from entra_emulator.config import App, Certificate, Directory, Settings
from entra_emulator.defaults import GRAPH_APP_ID

PROOF_AUDIENCE = GRAPH_APP_ID
MAX_PROOF_LIFETIME = 600  # seconds between nbf and exp (application-addkey: "exp ... 10 minutes")
READ_ROLES = frozenset({"Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"})
SELECTABLE = ("id", "appId", "displayName", "keyCredentials")
CERTIFICATE_TYPE = "AsymmetricX509Cert"

_BY_APP_ID = re.compile(r"^/v1\.0/applications\(appId='([^']*)'\)(/addKey|/removeKey)?$")
_BY_OBJECT_ID = re.compile(r"^/v1\.0/applications/([^/()]+)(/addKey|/removeKey)?$")


def is_graph_path(path: str) -> bool:
    return path.startswith("/v1.0/")


@dataclass
class GraphError(Exception):
    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def error_body(err: GraphError, request_id: str, client_request_id: str) -> dict:
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "error": {
            "code": err.code,
            "message": err.message,
            "innerError": {"date": date, "request-id": request_id, "client-request-id": client_request_id},
        }
    }


def bad_request(message: str) -> GraphError:
    return GraphError(400, "Request_BadRequest", message)


def invalid_proof(reason: str) -> GraphError:
    return GraphError(400, "Request_BadRequest", f"Invalid proof of possession token: {reason}")


def unauthenticated(reason: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", reason)


def denied() -> GraphError:
    return GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def not_found(reference: str) -> GraphError:
    return GraphError(
        404, "Request_ResourceNotFound", f"Resource '{reference}' does not exist or one of its queried reference-"
        "property objects are not present."
    )


def throttled(retry_after: str) -> GraphError:
    return GraphError(
        429, "TooManyRequests", "Too many requests; retry after the time in the Retry-After header.",
        {"Retry-After": retry_after},
    )


def unavailable(status: int) -> GraphError:
    return GraphError(status, "serviceNotAvailable", "The service is temporarily unavailable. Try again later.")


def fault_error(fault: object) -> GraphError:
    """The Graph answer to an injected status fault (faults.py): 429 and 503 carry their Retry-After."""
    retry_after = fault.retry_after_header()
    err = throttled(retry_after or "1") if fault.status == 429 else unavailable(fault.status)
    if retry_after and fault.status != 429:
        err.headers["Retry-After"] = retry_after
    return err


@dataclass(frozen=True)
class GraphRequest:
    method: str
    path: str  # without the query
    query: str
    body: bytes
    authorization: str | None
    content_type: str | None


class ProofReplayCache:
    """Proofs already used (by their signature), each kept until it expires."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def first_use(self, signature: str, expires: float, now: float) -> bool:
        key = hashlib.sha256(signature.encode("ascii")).hexdigest()
        with self._lock:
            self._seen = {k: until for k, until in self._seen.items() if until >= now}
            if key in self._seen:
                return False
            self._seen[key] = expires
            return True

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


class GraphEndpoint:
    """One Graph request in, ``(status, JSON body or None)`` out; raises ``GraphError`` to refuse."""

    def __init__(self, directory: Directory, token_public_key: object, settings: Settings) -> None:
        self.directory = directory
        self.token_public_key = token_public_key
        self.settings = settings
        self.replay_cache = ProofReplayCache()

    def handle(self, request: GraphRequest) -> tuple[int, dict | None]:
        by_app_id = _BY_APP_ID.match(request.path)
        by_object_id = None if by_app_id else _BY_OBJECT_ID.match(request.path)
        match = by_app_id or by_object_id
        if match is None:
            raise GraphError(400, "BadRequest", f"Resource not found for the segment '{request.path[6:]}'.")
        reference, action = match.group(1), match.group(2)
        caller = self._caller(request.authorization)
        app = self._application(reference, by_app_id is not None)
        if caller.tenant_id != app.tenant_id:
            raise not_found(reference)
        if action is None:
            if request.method != "GET":
                raise GraphError(405, "Request_BadRequest", f"The method {request.method} is not allowed here.")
            self._check_read(caller, app)
            return 200, self._select(app, request.query)
        if request.method != "POST":
            raise GraphError(405, "Request_BadRequest", f"The method {request.method} is not allowed here.")
        if caller.client_id != app.client_id:
            # Rolling another application's keys needs Application.ReadWrite.All and a proof of that app's
            # key; the emulator serves the self-service case only.
            raise denied()
        body = _json_body(request)
        if action == "/addKey":
            return 200, self._add_key(app, body)
        return self._remove_key(app, body)

    # -- who is calling --------------------------------------------------------------------

    def _caller(self, authorization: str | None) -> _Caller:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise unauthenticated("Access token is empty.")
        token = authorization[7:].strip()
        try:
            claims = jwt.decode(
                token, self.token_public_key, algorithms=["RS256"], options={"verify_aud": False},
                leeway=self.settings.clock_skew,
            )
        except jwt.ExpiredSignatureError:
            raise unauthenticated("Lifetime validation failed, the token is expired.") from None
        except jwt.PyJWTError:
            raise unauthenticated("Access token validation failure. Invalid audience or signature.") from None
        graph = self.directory.resource(GRAPH_APP_ID, str(claims.get("tid", "")))
        audience = str(claims.get("aud", ""))
        if graph is None or not (audience == graph.app_id or audience.rstrip("/") in
                                 {uri.rstrip("/") for uri in graph.identifier_uris}):
            raise unauthenticated("Access token validation failure. Invalid audience.")
        client_id = claims.get("appid") or claims.get("azp")
        app = self.directory.app(str(client_id or ""))
        if app is None or app.tenant_id != claims.get("tid"):
            raise unauthenticated("Access token validation failure. Unknown application.")
        roles = claims.get("roles") if isinstance(claims.get("roles"), list) else []
        return _Caller(app.client_id, app.tenant_id, frozenset(roles))

    @staticmethod
    def _check_read(caller: _Caller, app: App) -> None:
        """Reading an application needs a read permission; OwnedBy only reaches the caller's own one here."""
        if caller.roles & (READ_ROLES - {"Application.ReadWrite.OwnedBy"}):
            return
        if "Application.ReadWrite.OwnedBy" in caller.roles and caller.client_id == app.client_id:
            return
        raise denied()

    def _application(self, reference: str, by_app_id: bool) -> App:
        app = self.directory.app(reference) if by_app_id else self.directory.app_by_object_id(reference)
        if app is None:
            raise not_found(reference)
        return app

    # -- reading -----------------------------------------------------------------------

    def _select(self, app: App, query: str) -> dict:
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        selected = params.get("$select", [",".join(SELECTABLE)])[0].split(",")
        unknown = [name for name in selected if name not in SELECTABLE]
        if unknown:
            raise bad_request(f"Could not find a property named '{unknown[0]}' on type 'microsoft.graph.application'.")
        document = {
            "id": app.object_id,
            "appId": app.client_id,
            "displayName": app.display_name,
            "keyCredentials": [key_credential(cert) for cert in self.directory.certificates_of(app.client_id)],
        }
        return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications/$entity",
                **{name: document[name] for name in selected}}

    # -- writing ---------------------------------------------------------------------

    def _add_key(self, app: App, body: dict) -> dict:
        unknown = set(body) - {"keyCredential", "passwordCredential", "proof"}
        if unknown:
            raise bad_request(f"Property '{sorted(unknown)[0]}' does not exist on type 'addKey'.")
        if body.get("passwordCredential") is not None:
            raise bad_request("A password credential cannot be added together with a key credential this way.")
        credential = body.get("keyCredential")
        if not isinstance(credential, dict):
            raise bad_request("keyCredential is required.")
        if credential.get("type") != CERTIFICATE_TYPE or credential.get("usage") != "Verify":
            raise bad_request("keyCredential must have type 'AsymmetricX509Cert' and usage 'Verify'.")
        key = credential.get("key")
        try:
            der = base64.b64decode(key, validate=True) if isinstance(key, str) else b""
            certificate = Certificate.load(der)
        except (binascii.Error, ValueError):
            raise bad_request("keyCredential.key is not a base64-encoded X.509 certificate with an RSA key of "
                              "2048 bits or more.") from None
        self._check_proof(app, body.get("proof"))
        display_name = credential.get("displayName")
        if display_name is not None and not isinstance(display_name, str):
            raise bad_request("keyCredential.displayName must be a string.")
        added = self.directory.add_key_credential(
            app.client_id, certificate, display_name, accepted_after=self.settings.graph_propagation_delay
        )
        if added is None:
            raise bad_request("Upload of duplicate certificate is not allowed: a key credential with the same "
                              "thumbprint already exists.")
        return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.keyCredential",
                **key_credential(added)}

    def _remove_key(self, app: App, body: dict) -> tuple[int, None]:
        unknown = set(body) - {"keyId", "proof"}
        if unknown:
            raise bad_request(f"Property '{sorted(unknown)[0]}' does not exist on type 'removeKey'.")
        key_id = body.get("keyId")
        if not isinstance(key_id, str) or not key_id:
            raise bad_request("keyId is required.")
        self._check_proof(app, body.get("proof"))
        if not self.directory.remove_key_credential(app.client_id, key_id):
            raise GraphError(404, "Request_ResourceNotFound", f"No key credential with keyId '{key_id}' exists.")
        return 204, None

    # -- the proof -------------------------------------------------------------------

    def _check_proof(self, app: App, proof: object, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if not isinstance(proof, str) or not proof:
            raise bad_request("proof is required.")
        parts = proof.split(".")
        if len(parts) != 3 or not all(parts):
            raise invalid_proof("it is not a signed JWT.")
        header, claims = _segment(parts[0]), _segment(parts[1])
        if header.get("alg") != "RS256":
            raise invalid_proof("the signature algorithm must be RS256.")
        x5t = header.get("x5t")
        try:
            sha1 = b64url_decode(x5t) if isinstance(x5t, str) else None
        except ValueError:
            sha1 = None
        if sha1 is None:
            raise invalid_proof("the x5t header is missing or is not base64url.")
        certificate = next((cert for cert in self.directory.certificates_of(app.client_id) if cert.sha1 == sha1), None)
        if certificate is None:
            raise invalid_proof(f"no certificate with thumbprint {sha1.hex().upper()} is registered on the "
                                "application.")
        if not certificate.not_before <= now <= certificate.not_after:
            raise invalid_proof(f"the certificate {certificate.thumbprint} is not currently valid "
                                f"({certificate.describe()}).")
        signing_input, _dot, signature = proof.rpartition(".")
        try:
            certificate.public_key.verify(b64url_decode(signature), signing_input.encode("ascii"),
                                          padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise invalid_proof(f"the signature does not verify with the certificate {certificate.thumbprint}.") \
                from None
        if claims.get("aud") != PROOF_AUDIENCE:
            raise invalid_proof(f"the audience (aud) must be {PROOF_AUDIENCE}.")
        issuer = claims.get("iss")
        if isinstance(issuer, str) and issuer.lower() == app.client_id:
            raise invalid_proof("the issuer (iss) is the application's client ID; it must be its object ID.")
        if not isinstance(issuer, str) or issuer.lower() != app.object_id.lower():
            raise invalid_proof("the issuer (iss) must be the application's object ID.")
        not_before, expires = claims.get("nbf"), claims.get("exp")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (not_before, expires)):
            raise invalid_proof("the nbf and exp claims must be numbers.")
        if expires - not_before > MAX_PROOF_LIFETIME:
            raise invalid_proof("exp is more than 10 minutes after nbf.")
        skew = self.settings.clock_skew
        if now < not_before - skew or now > expires + skew:
            raise invalid_proof("the token is not valid at this time (nbf, exp).")
        if not self.replay_cache.first_use(signature, expires + skew, now):
            raise invalid_proof("this proof was already used.")


@dataclass(frozen=True)
class _Caller:
    client_id: str
    tenant_id: str
    roles: frozenset


def _segment(segment: str) -> dict:
    try:
        value = json.loads(b64url_decode(segment))
    except ValueError:
        raise invalid_proof("it is not a signed JWT.") from None
    if not isinstance(value, dict):
        raise invalid_proof("it is not a signed JWT.")
    return value


def _json_body(request: GraphRequest) -> dict:
    if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
        raise bad_request("The request body must be JSON (Content-Type: application/json).")
    try:
        value = json.loads(request.body or b"null")
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise bad_request("The request body must be a JSON object.")
    return value


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def key_credential(cert: Certificate) -> dict:
    """A key credential as Graph shows it: customKeyIdentifier is the SHA-1 thumbprint's bytes, base64."""
    return {
        "customKeyIdentifier": base64.b64encode(cert.sha1).decode("ascii"),
        "displayName": cert.display_name,
        "endDateTime": _iso(cert.not_after),
        "key": None,
        "keyId": cert.key_id,
        "startDateTime": _iso(cert.not_before),
        "type": CERTIFICATE_TYPE,
        "usage": "Verify",
    }
