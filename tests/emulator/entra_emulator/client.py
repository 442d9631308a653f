"""``EmulatorAdminClient``: drive an emulator running in another process.

It reads the state file ``serve.py`` writes (or the same dict) and talks to the
admin API over HTTPS, trusting the emulator's test CA. ``requests`` is imported
only here, so the emulator itself needs just cryptography and PyJWT.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from entra_emulator.admin import ADMIN_HEADER
from entra_emulator.defaults import TENANT_ID


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs; an exited child not yet reaped (a zombie) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def read_state(state_file_or_dict: str | os.PathLike | dict) -> dict:
    if isinstance(state_file_or_dict, dict):
        return dict(state_file_or_dict)
    return json.loads(Path(state_file_or_dict).read_text(encoding="utf-8"))


class EmulatorAdminClient:
    def __init__(self, state_file_or_dict: str | os.PathLike | dict, timeout: float = 10) -> None:
        import requests

        self.state = read_state(state_file_or_dict)
        self.authority_host: str = self.state["authority_host"]
        self.ca_path: str = self.state["ca_path"]
        self.pid: int | None = self.state.get("pid")
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers[ADMIN_HEADER] = self.state["admin_token"]

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        # verify= per request: requests lets REQUESTS_CA_BUNDLE override a session's verify.
        response = self._session.request(
            method, f"{self.authority_host}/_emulator/{path}", json=body, verify=self.ca_path, timeout=self.timeout
        )
        if response.status_code >= 400:
            raise RuntimeError(f"emulator admin {method} {path}: {response.status_code} {response.text}")
        return response.json()

    def add_app(self, client_id: str, tenant_id: str = TENANT_ID, **details: object) -> dict:
        return self._call("POST", "apps", {"client_id": client_id, "tenant_id": tenant_id, **details})

    def register_certificate(self, client_id: str, cert_pem: str | bytes) -> str:
        pem = cert_pem.decode("ascii") if isinstance(cert_pem, bytes) else cert_pem
        return self._call("POST", f"apps/{client_id}/certificates", {"certificate": pem})["thumbprint"]

    def add_secret(
        self, client_id: str, value: str, expires_at: str | float | None = None, secret_id: str | None = None
    ) -> str:
        body = {"value": value, "expires_at": expires_at, "secret_id": secret_id}
        return self._call("POST", f"apps/{client_id}/secrets", body)["secret_id"]

    def trust_issuer(self, issuer: str, jwks: dict) -> list[str]:
        """Trust an OIDC issuer's signing keys (workload identity federation); returns their kids."""
        return self._call("POST", "issuers", {"issuer": issuer, "jwks": jwks})["kids"]

    def add_federated_credential(self, client_id: str, issuer: str, subject: str,
                                 audiences: list[str] | None = None) -> dict:  # fmt: skip
        """Add a federated identity credential to an app, as the portal does."""
        body = {"issuer": issuer, "subject": subject, "audiences": audiences}
        return self._call("POST", f"apps/{client_id}/federated_credentials", body)

    def set_faults(self, faults: list[dict], random: dict | None = None) -> int:
        """Replace the fault plan; returns how many queued faults are pending."""
        return self._call("POST", "faults", {"faults": faults, "random": random})["pending"]

    def stats(self) -> dict:
        return self._call("GET", "stats")

    def assertions(self) -> list[dict]:
        """Every client assertion received since the last reset (header, claims, signature segment)."""
        return self._call("GET", "assertions")["assertions"]

    def configure(self, **changes: object) -> dict:
        """Change run-time settings (``reject_jti_replay``, ``clock_skew``) until the next reset."""
        return self._call("POST", "settings", changes)

    def reset(self) -> None:
        self._call("POST", "reset")

    def close(self) -> None:
        self._session.close()

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM the emulator process by its PID and wait for it to go."""
        if not self.pid:
            raise RuntimeError("the state has no pid")
        os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(self.pid):
                return
            time.sleep(0.05)
        raise TimeoutError(f"emulator pid {self.pid} still running after {timeout}s")
