"""``EntraEmulator``: the Python face of the emulator.

::

    with EntraEmulator() as emu:
        emu.register_certificate(CLIENT_ID, cert_pem)
        url = emu.token_endpoint()          # https://127.0.0.1:PORT/<tenant>/oauth2/v2.0/token
        requests.post(url, data=..., verify=emu.ca_path)
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from entra_emulator import discovery
from entra_emulator.assertion import ReplayCache, describe_assertion
from entra_emulator.ca import TestCA
from entra_emulator.config import App, Directory, Settings
from entra_emulator.defaults import GRAPH_APP_ID, TENANT_ID
from entra_emulator.faults import FaultPlan
from entra_emulator.graph import GraphEndpoint
from entra_emulator.server import EmulatorServer
from entra_emulator.stats import Stats
from entra_emulator.token_endpoint import TOKEN_PATHS, TokenEndpoint
from entra_emulator.tokens import TokenIssuer

MAX_RECORDED = 1000  # assertions kept; older ones are dropped


class EntraEmulator:
    """A strict, local Entra ID token endpoint over HTTPS on 127.0.0.1.

    ``config`` adds tenants, resources, apps and settings to the defaults (see
    ``config.py``); ``state_dir`` is where ``ca.pem`` goes (a temporary
    directory, removed at ``stop()``, when not given).
    """

    def __init__(self, config: dict | None = None, state_dir: Path | None = None) -> None:
        self.config = dict(config or {})
        self.settings = Settings.from_config(self.config)
        self.directory = Directory.from_config(self.config)
        self.counters = Stats()
        self.faults = FaultPlan()
        self.graph_faults = FaultPlan()  # served to Graph requests only (graph.py)
        self.graph: GraphEndpoint | None = None
        self.replay_cache = ReplayCache()
        self._received: list[dict] = []  # every client assertion received, described (see assertions())
        self._received_lock = threading.Lock()
        self.admin_token = secrets.token_urlsafe(32)
        self.port: int | None = None
        self.authority_host: str | None = None
        self.ca_path: Path | None = None
        self.issuer: TokenIssuer | None = None
        self.endpoint: TokenEndpoint | None = None
        self._state_dir = Path(state_dir) if state_dir else None
        self._own_dir: Path | None = None
        self._debug_path = self.config.get("debug_log")
        self._debug_lock = threading.Lock()
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------

    def start(self) -> EntraEmulator:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        if self._state_dir is None:
            self._own_dir = Path(tempfile.mkdtemp(prefix="entra-emulator-"))
        directory = self._state_dir or self._own_dir
        directory.mkdir(parents=True, exist_ok=True)
        ca = TestCA.generate()
        self.ca_path = ca.write_ca(directory)
        server = EmulatorServer(self, ca.server_context(directory))
        self.port = server.server_address[1]
        self.authority_host = f"https://127.0.0.1:{self.port}"
        self.issuer = TokenIssuer(self.authority_host, self.settings.token_lifetime)
        self.endpoint = TokenEndpoint(self.directory, self.issuer, self.settings, self.replay_cache)
        self._serve_graph()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"entra-emulator-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def _serve_graph(self) -> None:
        """Serve Graph's key endpoints here too: this host becomes one more name of the Graph resource, as a
        national cloud's Graph host is, so a token for ``<authority_host>/.default`` is a Graph token."""
        graph = self.directory.resource(GRAPH_APP_ID, TENANT_ID)
        hosts = (self.authority_host, f"https://localhost:{self.port}")
        self.directory.add_resource(
            graph.app_id, [*graph.identifier_uris, *hosts], graph.display_name, graph.access_token_version
        )
        self.graph = GraphEndpoint(self.directory, self.issuer.public_key, self.settings)

    @property
    def graph_endpoint(self) -> str:
        """The ``graph_endpoint`` option's value for this emulator."""
        return self.authority_host

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)
            self._own_dir = None

    def __enter__(self) -> EntraEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- the directory -------------------------------------------------------------

    def add_app(self, client_id: str, tenant_id: str = TENANT_ID, **details: object) -> App:
        """Register an app (``display_name``, ``object_id``, ``secrets``, ``certificates``, ``roles``)."""
        return self.directory.add_app(client_id, tenant_id, **details)

    def register_certificate(self, client_id: str, cert: str | bytes | x509.Certificate) -> str:
        """Upload a certificate (PEM, DER or cryptography object); returns its SHA-1 thumbprint."""
        return self.directory.register_certificate(client_id, cert)

    def add_secret(self, client_id: str, value: str, expires_at: object = None, secret_id: str | None = None) -> str:
        """Add a client secret (expiry: epoch, datetime or ISO string); returns its secret ID."""
        return self.directory.add_secret(client_id, value, expires_at=expires_at, secret_id=secret_id)

    # -- faults and counters -----------------------------------------------------------

    def set_faults(self, faults: list[dict], random: dict | None = None) -> None:
        """Replace the fault plan (see ``faults.py`` for the spec format)."""
        self.faults.replace(faults, random)

    def set_graph_faults(self, faults: list[dict]) -> None:
        """Replace the Graph requests' fault plan (same spec format; 429 and 503 answer in Graph's shape)."""
        self.graph_faults.replace(faults)

    def stats(self) -> dict:
        return self.counters.snapshot()

    def reset_stats(self) -> None:
        self.counters.reset()

    def reset(self) -> None:
        """Zero the counters, drop the fault plan and the assertions received, restore the configured settings."""
        self.counters.reset()
        self.faults.clear()
        self.graph_faults.clear()
        if self.graph is not None:
            self.graph.replay_cache.clear()
        with self._received_lock:
            self._received.clear()
        self.configure(**{name: getattr(Settings.from_config(self.config), name) for name in Settings.RUNTIME})

    # -- settings at run time, and what was received ------------------------------------

    def configure(self, **changes: object) -> Settings:
        """Change run-time settings (``reject_jti_replay``, ``clock_skew``) until the next ``reset()``."""
        self.settings = self.settings.changed(**changes)
        if self.endpoint is not None:
            self.endpoint.settings = self.settings
        if self.graph is not None:
            self.graph.settings = self.settings
        return self.settings

    def record_assertion(self, version: str, tenant: str, assertion: str) -> None:
        """Keep a description of a client assertion as it arrived, before any fault or check."""
        entry = {"version": version, "tenant": tenant, **describe_assertion(assertion)}
        with self._received_lock:
            self._received.append(entry)
            del self._received[:-MAX_RECORDED]

    def assertions(self) -> list[dict]:
        """Each client assertion received since the last reset, oldest first: version, tenant, header, claims
        and signature segment (never the assertion whole), faulted and refused requests included."""
        with self._received_lock:
            return [dict(entry) for entry in self._received]

    # -- URLs and keys --------------------------------------------------------------

    def authority(self, tenant: str = TENANT_ID) -> str:
        return f"{self.authority_host}/{tenant}"

    def token_endpoint(self, tenant: str = TENANT_ID, version: str = "v2") -> str:
        return f"{self.authority_host}/{tenant}/{TOKEN_PATHS[version]}"

    @property
    def issued_token_public_key(self) -> rsa.RSAPublicKey:
        """The key that verifies the access tokens this emulator issues."""
        return self.issuer.public_key

    def jwks(self, tenant_id: str = TENANT_ID, version: str = "v2") -> dict:
        return discovery.keys(self.issuer, tenant_id, version)

    def debug(self, line: str) -> None:
        """Append a line to the debug log, if one was configured (``"debug_log": path``)."""
        if not self._debug_path:
            return
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        with self._debug_lock, open(self._debug_path, "a", encoding="utf-8") as handle:
            handle.write(f"{stamp} {line}\n")
