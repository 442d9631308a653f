"""The emulated directory: tenants, resources (service principals) and apps.

A config is a plain dict (or its JSON) of three lists, ``tenants``, ``resources``
and ``apps``, plus a few settings; see ``Settings`` and ``defaults.py`` for the
shape. Unless it says ``"include_defaults": false`` it is added to the default
directory. Everything here is guarded by one lock, because apps, secrets and
certificates can be added while token requests are being served.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from entra_emulator.defaults import default_config
from entra_emulator.federation import Federation

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MIN_RSA_BITS = 2048


def is_guid(value: str) -> bool:
    return bool(GUID_RE.match(value))


def to_epoch(value: object) -> float | None:
    """An expiry given as None, epoch seconds, a datetime or an ISO 8601 string."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()
    raise ValueError(f"cannot read {value!r} as a point in time")


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8")).digest()


@dataclass(frozen=True)
class Settings:
    """Behaviour switches; the defaults are Entra's.

    ``reject_jti_replay`` is off by default, as in Entra, which accepts an
    assertion again within its lifetime (MSAL reuses one for minutes). A test
    that needs the check turns it on (``EntraEmulator.configure`` or the admin
    API); a test that wants to see each assertion reads ``assertions()``.
    """

    token_lifetime: int = 3599
    clock_skew: int = 300
    reject_jti_replay: bool = False
    # Seconds before a certificate added through Graph's addKey is accepted by the token endpoint (graph.py).
    graph_propagation_delay: float = 0.0
    # Seconds added before answering every request but the admin API's, as a network round trip would
    # (the benchmark's "endpoint adding 50 ms per request", tests/bench).
    latency: float = 0.0

    # The settings a running emulator lets a test change.
    RUNTIME = ("reject_jti_replay", "clock_skew", "graph_propagation_delay", "latency")

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        return cls(
            token_lifetime=int(config.get("token_lifetime", cls.token_lifetime)),
            clock_skew=int(config.get("clock_skew", cls.clock_skew)),
            reject_jti_replay=bool(config.get("reject_jti_replay", cls.reject_jti_replay)),
            graph_propagation_delay=float(config.get("graph_propagation_delay", cls.graph_propagation_delay)),
            latency=float(config.get("latency", cls.latency)),
        )

    def changed(self, **changes: object) -> Settings:
        """A copy with ``changes`` (only RUNTIME names, with values of the right type); ValueError otherwise."""
        unknown = set(changes) - set(self.RUNTIME)
        if unknown:
            raise ValueError(f"only {list(self.RUNTIME)} can change at run time, not {sorted(unknown)}")
        if "reject_jti_replay" in changes and not isinstance(changes["reject_jti_replay"], bool):
            raise ValueError("reject_jti_replay is true or false")
        if "clock_skew" in changes and (not isinstance(changes["clock_skew"], int) or changes["clock_skew"] < 0):
            raise ValueError("clock_skew is whole seconds >= 0")
        delay = changes.get("graph_propagation_delay", 0)
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 3600:
            raise ValueError("graph_propagation_delay is seconds from 0 to 3600")
        latency = changes.get("latency", 0)
        if isinstance(latency, bool) or not isinstance(latency, (int, float)) or not 0 <= latency <= 10:
            raise ValueError("latency is seconds from 0 to 10")
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    display_name: str
    domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resource:
    """A resource's service principal: what a scope or ``resource`` names."""

    app_id: str
    display_name: str
    identifier_uris: tuple[str, ...]
    access_token_version: int = 1
    tenant_id: str | None = None  # None: a first-party resource, present in every tenant

    def available_in(self, tenant_id: str) -> bool:
        return self.tenant_id is None or self.tenant_id == tenant_id


@dataclass(frozen=True)
class Secret:
    secret_id: str
    digest: bytes = field(repr=False)
    expires_at: float | None = None

    def matches(self, value: str) -> bool:
        return hmac.compare_digest(self.digest, _digest(value))


@dataclass(frozen=True)
class Certificate:
    """A key credential: the public certificate Entra keeps for an app."""

    der: bytes = field(repr=False)
    public_key: rsa.RSAPublicKey = field(repr=False)
    sha1: bytes
    sha256: bytes
    not_before: float
    not_after: float
    # As Graph keeps a key credential: its keyId, its displayName (the subject unless one was given), and when
    # the token endpoint starts accepting it (a certificate added through Graph propagates; graph.py).
    key_id: str = ""
    display_name: str = ""
    accepted_at: float = 0.0

    @property
    def thumbprint(self) -> str:
        """Upper-case hex SHA-1, as the portal and AADSTS messages show it."""
        return self.sha1.hex().upper()

    @classmethod
    def load(cls, cert: str | bytes | x509.Certificate) -> Certificate:
        if isinstance(cert, x509.Certificate):
            parsed = cert
        else:
            data = cert.encode("ascii") if isinstance(cert, str) else cert
            if b"-----BEGIN CERTIFICATE-----" in data:
                parsed = x509.load_pem_x509_certificate(data)
            else:
                parsed = x509.load_der_x509_certificate(data)
        key = parsed.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("Entra accepts only RSA certificates as client credentials")
        if key.key_size < MIN_RSA_BITS:
            raise ValueError(f"the certificate's RSA key has {key.key_size} bits; Entra needs {MIN_RSA_BITS} or more")
        der = parsed.public_bytes(serialization.Encoding.DER)
        return cls(
            der=der,
            public_key=key,
            sha1=parsed.fingerprint(hashes.SHA1()),  # noqa: S303 - x5t is SHA-1 by definition
            sha256=parsed.fingerprint(hashes.SHA256()),
            not_before=parsed.not_valid_before_utc.timestamp(),
            not_after=parsed.not_valid_after_utc.timestamp(),
            key_id=str(uuid.uuid4()),
            display_name=parsed.subject.rfc4514_string(),
        )

    def describe(self) -> str:
        """The ``Found key 'Start=..., End=...'`` text of AADSTS700027."""
        fmt = "%m/%d/%Y %H:%M:%S"
        start = dt.datetime.fromtimestamp(self.not_before, dt.UTC).strftime(fmt)
        end = dt.datetime.fromtimestamp(self.not_after, dt.UTC).strftime(fmt)
        return f"Start={start}, End={end}"


@dataclass
class App:
    client_id: str
    tenant_id: str
    display_name: str
    object_id: str
    secrets: list[Secret] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    roles: dict[str, list[str]] = field(default_factory=dict)  # resource app ID -> app roles

    def find_certificate(self, sha1: bytes | None = None, sha256: bytes | None = None) -> Certificate | None:
        """A certificate the token endpoint accepts now (one added through Graph may still be propagating)."""
        now = time.time()
        for cert in self.certificates:
            if cert.accepted_at > now:
                continue
            if (sha1 is not None and cert.sha1 == sha1) or (sha256 is not None and cert.sha256 == sha256):
                return cert
        return None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Directory:
    """Tenants, resources and apps, with the look-ups the token endpoint needs."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._tenants: dict[str, Tenant] = {}
        self._aliases: dict[str, str] = {}  # lower-case domain -> tenant ID
        self._resources: list[Resource] = []
        self._apps: dict[str, App] = {}
        # Trusted issuers and federated identity credentials (workload identity federation).
        self.federation = Federation()

    @classmethod
    def from_config(cls, config: dict | None) -> Directory:
        config = config or {}
        directory = cls()
        sections = [config]
        if config.get("include_defaults", True):
            sections.insert(0, default_config())
        for section in sections:
            for tenant in section.get("tenants", []):
                directory.add_tenant(**tenant)
            for resource in section.get("resources", []):
                directory.add_resource(**resource)
            for app in section.get("apps", []):
                directory.add_app(**app)
            for issuer in section.get("trusted_issuers", []):
                directory.federation.trust_issuer(**issuer)
            for credential in section.get("federated_credentials", []):
                directory.federation.add_credential(**credential)
        return directory

    # -- building -----------------------------------------------------------

    def add_tenant(self, tenant_id: str, display_name: str | None = None, domains: list[str] | tuple = ()) -> Tenant:
        if not is_guid(tenant_id):
            raise ValueError(f"a tenant ID is a GUID, not {tenant_id!r}")
        tenant = Tenant(tenant_id.lower(), display_name or tenant_id, tuple(d.lower() for d in domains))
        with self._lock:
            self._tenants[tenant.tenant_id] = tenant
            for domain in tenant.domains:
                self._aliases[domain] = tenant.tenant_id
        return tenant

    def add_resource(
        self,
        app_id: str,
        identifier_uris: list[str] | tuple = (),
        display_name: str | None = None,
        access_token_version: int = 1,
        tenant_id: str | None = None,
    ) -> Resource:
        if not is_guid(app_id):
            raise ValueError(f"a resource's app ID is a GUID, not {app_id!r}")
        if access_token_version not in (1, 2):
            raise ValueError("access_token_version is 1 or 2")
        resource = Resource(
            app_id.lower(),
            display_name or app_id,
            tuple(identifier_uris),
            access_token_version,
            tenant_id.lower() if tenant_id else None,
        )
        with self._lock:
            self._resources = [r for r in self._resources if r.app_id != resource.app_id] + [resource]
        return resource

    def add_app(
        self,
        client_id: str,
        tenant_id: str,
        display_name: str | None = None,
        object_id: str | None = None,
        secrets: list[dict] | tuple = (),
        certificates: list[str | bytes] | tuple = (),
        roles: dict[str, list[str]] | None = None,
    ) -> App:
        if not is_guid(client_id):
            raise ValueError(f"a client ID is a GUID, not {client_id!r}")
        tenant = self.tenant(tenant_id)
        if tenant is None:
            raise ValueError(f"unknown tenant {tenant_id!r}")
        app = App(
            client_id=client_id.lower(),
            tenant_id=tenant.tenant_id,
            display_name=display_name or client_id,
            object_id=object_id or str(uuid.uuid4()),
            roles={self._role_key(key): list(values) for key, values in (roles or {}).items()},
        )
        with self._lock:
            self._apps[app.client_id] = app
        for secret in secrets:
            self.add_secret(app.client_id, **secret)
        for cert in certificates:
            self.register_certificate(app.client_id, cert)
        return app

    def _role_key(self, resource: str) -> str:
        """Roles may be keyed by a resource's app ID or by one of its identifier URIs."""
        found = self._resource_by_name(resource)
        if found is None:
            raise ValueError(f"roles name an unknown resource {resource!r}")
        return found.app_id

    def add_secret(self, client_id: str, value: str, expires_at: object = None, secret_id: str | None = None) -> str:
        """Add a client secret; returns its secret ID (a GUID, as Entra shows it)."""
        if not value:
            raise ValueError("a secret needs a value")
        secret = Secret(secret_id or str(uuid.uuid4()), _digest(value), to_epoch(expires_at))
        with self._lock:
            self._require_app(client_id).secrets.append(secret)
        return secret.secret_id

    def register_certificate(self, client_id: str, cert: str | bytes | x509.Certificate) -> str:
        """Upload a public certificate to an app; returns its SHA-1 thumbprint (hex)."""
        credential = Certificate.load(cert)
        with self._lock:
            app = self._require_app(client_id)
            if all(existing.sha1 != credential.sha1 for existing in app.certificates):
                app.certificates.append(credential)
        return credential.thumbprint

    def add_key_credential(
        self, client_id: str, cert: Certificate, display_name: str | None, accepted_after: float = 0.0
    ) -> Certificate | None:
        """Graph's addKey: the new credential, or None when one with that thumbprint exists already."""
        with self._lock:
            app = self._require_app(client_id)
            if any(existing.sha1 == cert.sha1 for existing in app.certificates):
                return None
            added = dataclasses.replace(
                cert,
                key_id=str(uuid.uuid4()),
                display_name=display_name or cert.display_name,
                accepted_at=time.time() + accepted_after,
            )
            app.certificates.append(added)
        return added

    def remove_key_credential(self, client_id: str, key_id: str) -> bool:
        """Graph's removeKey: False when no credential has that key ID. The token endpoint refuses it at once."""
        with self._lock:
            app = self._require_app(client_id)
            kept = [cert for cert in app.certificates if cert.key_id.lower() != key_id.lower()]
            removed = len(kept) != len(app.certificates)
            app.certificates = kept
        return removed

    def certificates_of(self, client_id: str) -> list[Certificate]:
        """Every key credential registered on the app, propagated or not, as Graph lists them."""
        with self._lock:
            return list(self._require_app(client_id).certificates)

    def app_by_object_id(self, object_id: str) -> App | None:
        with self._lock:
            return next((app for app in self._apps.values() if app.object_id.lower() == object_id.lower()), None)

    def _require_app(self, client_id: str) -> App:
        app = self._apps.get(client_id.lower())
        if app is None:
            raise KeyError(f"unknown client ID {client_id!r}")
        return app

    # -- look-ups -------------------------------------------------------------

    def tenant(self, segment: str) -> Tenant | None:
        """The tenant a URL segment names, by GUID or by domain alias (any case)."""
        key = segment.lower()
        with self._lock:
            return self._tenants.get(self._aliases.get(key, key))

    def app(self, client_id: str) -> App | None:
        with self._lock:
            return self._apps.get(client_id.lower())

    def _resource_by_name(self, name: str) -> Resource | None:
        wanted = name.rstrip("/")
        for resource in self._resources:
            if resource.app_id == name.lower():
                return resource
            if any(uri.rstrip("/") == wanted for uri in resource.identifier_uris):
                return resource
        return None

    def resource(self, name: str, tenant_id: str) -> Resource | None:
        """The resource an identifier URI or app ID names, if it exists in that tenant."""
        with self._lock:
            found = self._resource_by_name(name)
        if found is None or not found.available_in(tenant_id):
            return None
        return found
