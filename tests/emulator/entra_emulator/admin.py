"""The admin API, so other processes (ansible-playbook, the demo) can drive the emulator.

Every call needs the header ``X-Emulator-Admin: <admin_token>``; bodies are JSON.

==========================================  ================================================
``POST /_emulator/apps``                    add an app: ``{"client_id", "tenant_id"?,
                                            "display_name"?, "secrets"?, "certificates"?,
                                            "roles"?}`` (tenant defaults to Contoso)
``POST /_emulator/apps/{id}/certificates``  ``{"certificate": "<PEM>"}`` -> ``{"thumbprint"}``
``POST /_emulator/apps/{id}/secrets``       ``{"value", "expires_at"?, "secret_id"?}`` -> ``{"secret_id"}``
``POST /_emulator/issuers``                 trust an OIDC issuer: ``{"issuer", "jwks"}`` -> ``{"kids"}``
``POST /_emulator/apps/{id}/federated_credentials``  add a federated identity credential:
                                            ``{"issuer", "subject", "audiences"?, "name"?}``
``POST /_emulator/faults``                  replace the fault plan: ``{"faults": [...], "random"?: {...}}``
``POST /_emulator/graph_faults``            replace the Graph requests' fault plan: ``{"faults": [...]}``
``GET /_emulator/apps/{id}``                an app's ``object_id`` and key credentials (thumbprint,
                                            key ID, dates, propagated or not)
``POST /_emulator/settings``                change run-time settings until the next reset:
                                            ``{"reject_jti_replay"?: bool, "clock_skew"?: int,
                                            "graph_propagation_delay"?: seconds}``
``GET /_emulator/stats``                    the counters (see ``stats.py``)
``GET /_emulator/assertions``               ``{"assertions": [...]}``: every client assertion
                                            received (header, claims, signature segment)
``POST /_emulator/reset``                   zero the counters, drop the fault plan and the
                                            assertions, restore the configured settings
==========================================  ================================================
"""

from __future__ import annotations

import hmac
import json
import time
from typing import TYPE_CHECKING

from entra_emulator.defaults import TENANT_ID

if TYPE_CHECKING:
    from entra_emulator.emulator import EntraEmulator

PREFIX = "/_emulator/"
ADMIN_HEADER = "X-Emulator-Admin"


class AdminError(Exception):
    def __init__(self, status: int, error: str, detail: str = "") -> None:
        super().__init__(detail or error)
        self.status, self.error, self.detail = status, error, detail


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body or b"{}")
    except ValueError as exc:
        raise AdminError(400, "bad_request", "the body is not JSON") from exc
    if not isinstance(value, dict):
        raise AdminError(400, "bad_request", "the body is a JSON object")
    return value


def handle_admin(emulator: EntraEmulator, method: str, path: str, token: str | None, body: bytes) -> tuple[int, dict]:
    """Run one admin call; returns (status, JSON body)."""
    if not token or not hmac.compare_digest(token.encode(), emulator.admin_token.encode()):
        return 401, {"error": "unauthorized", "detail": f"send the {ADMIN_HEADER} header"}
    parts = path[len(PREFIX) :].strip("/").split("/")
    try:
        return _dispatch(emulator, method, parts, body)
    except AdminError as exc:
        return exc.status, {"error": exc.error, "detail": exc.detail}
    except (ValueError, TypeError, KeyError) as exc:
        return 400, {"error": "bad_request", "detail": str(exc)}


def _dispatch(emulator: EntraEmulator, method: str, parts: list[str], body: bytes) -> tuple[int, dict]:
    if method == "GET" and parts == ["stats"]:
        return 200, emulator.stats()
    if method == "GET" and parts == ["assertions"]:
        return 200, {"assertions": emulator.assertions()}
    if method == "GET" and len(parts) == 2 and parts[0] == "apps":
        return 200, _describe_app(emulator, parts[1])
    if method != "POST":
        raise AdminError(405, "method_not_allowed")
    if parts == ["reset"]:
        emulator.reset()
        return 200, {}
    if parts == ["settings"]:
        settings = emulator.configure(**_json(body))
        return 200, {name: getattr(settings, name) for name in settings.RUNTIME}
    if parts == ["faults"]:
        request = _json(body)
        emulator.set_faults(request.get("faults") or [], random=request.get("random"))
        return 200, {"pending": emulator.faults.pending()}
    if parts == ["graph_faults"]:
        emulator.set_graph_faults(_json(body).get("faults") or [])
        return 200, {"pending": emulator.graph_faults.pending()}
    if parts == ["apps"]:
        request = _json(body)
        request.setdefault("tenant_id", TENANT_ID)
        app = emulator.add_app(**request)
        return 201, {"client_id": app.client_id, "tenant_id": app.tenant_id, "object_id": app.object_id}
    if len(parts) == 3 and parts[0] == "apps" and parts[2] == "certificates":
        request = _json(body)
        return 201, {"thumbprint": emulator.register_certificate(parts[1], request["certificate"])}
    if parts == ["issuers"]:
        request = _json(body)
        return 201, {"kids": emulator.directory.federation.trust_issuer(request["issuer"], request["jwks"])}
    if len(parts) == 3 and parts[0] == "apps" and parts[2] == "federated_credentials":
        request = _json(body)
        credential = emulator.directory.federation.add_credential(
            parts[1], request["issuer"], request["subject"],
            audiences=request.get("audiences") or ["api://AzureADTokenExchange"], name=request.get("name") or "")
        return 201, {"issuer": credential.issuer, "subject": credential.subject,
                     "audiences": list(credential.audiences)}
    if len(parts) == 3 and parts[0] == "apps" and parts[2] == "secrets":
        request = _json(body)
        secret_id = emulator.add_secret(
            parts[1], request["value"], expires_at=request.get("expires_at"), secret_id=request.get("secret_id")
        )
        return 201, {"secret_id": secret_id}
    raise AdminError(404, "not_found")


def _describe_app(emulator: EntraEmulator, client_id: str) -> dict:
    app = emulator.directory.app(client_id)
    if app is None:
        raise AdminError(404, "not_found", "no such app")
    now = time.time()
    return {
        "client_id": app.client_id,
        "object_id": app.object_id,
        "certificates": [
            {"thumbprint": cert.thumbprint, "key_id": cert.key_id, "not_after": cert.not_after,
             "propagated": cert.accepted_at <= now}
            for cert in emulator.directory.certificates_of(app.client_id)
        ],
    }
