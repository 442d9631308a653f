# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Register or remove an application's certificate through Graph, signed with the app's own key.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The flow of the app_certificate module, with no Ansible in it:

1. validate the options (``options.py``) and the token request (``_token/request.py``); a client secret is
   refused, since only a certificate's key can sign the proof;
2. open the credential's keystore for the proof (``_token/signing_key.py``), get a Graph token with the same
   credential (``_token/client.py``), retrying AADSTS700027 for ``propagation_timeout`` seconds;
3. read the application's key credentials, plan (``plan_changes``: idempotent by SHA-1 thumbprint, never the
   signing key without ``force``), and unless in check mode apply: addKey first, then removeKey, the signing
   key's own removal last, each with a fresh proof.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field
from typing import Callable

from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.client import GraphClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.errors import GraphError
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.key_credentials import (
    KeyCredential,
    NewCertificate,
    load_new_certificate,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.options import (
    CertificateTask,
    build_certificate_task,
    token_options,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.proof import sign_proof
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.propagation import until_propagated
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import format_thumbprint
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import (
    TokenRequest,
    TokenTarget,
    build_token_request,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.signing_key import SigningKey, load_signing_key

Warn = Callable[[str], None]

BOOTSTRAP_HINT = (
    "addKey and removeKey need a proof signed by a certificate that is registered on the app and valid now; an "
    "app with none cannot make one. Upload the first certificate by hand (Azure portal, Certificates & secrets) "
    "or with PATCH /applications/{id} and Application.ReadWrite.All (docs/rotation.md)."
)
READ_HINT = (
    "Reading the application needs Application.Read.All, or Application.ReadWrite.OwnedBy with the app among its "
    "owners; grant one, or give object_id (then state=present works without the read)."
)


@dataclass
class Plan:
    add: NewCertificate | None = None
    remove: list = field(default_factory=list)  # KeyCredential, the signing key's last

    @property
    def changed(self) -> bool:
        return self.add is not None or bool(self.remove)


def plan_changes(task: CertificateTask, current: list, new: NewCertificate | None, signing_thumbprint: str | None,
                 now: datetime.datetime) -> Plan:  # fmt: skip
    """What to add and remove to reach ``task`` from ``current``; refuses to remove the signing key unasked."""
    certificates = [credential for credential in current if credential.is_certificate]
    plan = Plan()
    if new is not None and all(credential.thumbprint != new.thumbprint for credential in certificates):
        plan.add = new
    chosen = []
    if task.state == "absent":
        chosen += [c for c in certificates if (task.thumbprint and c.thumbprint == task.thumbprint)
                   or (task.key_id and c.key_id == task.key_id)]  # fmt: skip
    if task.remove_expired:
        chosen += [c for c in certificates if c.expired(now) and c not in chosen]
    if new is not None:  # never remove what this task registers
        chosen = [c for c in chosen if c.thumbprint != new.thumbprint]
    signing = [c for c in chosen if signing_thumbprint and c.thumbprint == signing_thumbprint]
    if signing and not task.force:
        raise OptionError(
            f"Refusing to remove the certificate {signing_thumbprint} (key ID {signing[0].key_id}): it is the one "
            "keystore_path signs the proof with, and removing it could lock the app out of rolling its keys. "
            "Remove it with another registered certificate's keystore, or set force=true.",
            option="force",
        )
    plan.remove = [c for c in chosen if c not in signing] + signing
    return plan


class CertificateManager:
    """One app_certificate task: its validated options, the credential, and a Graph client once connected."""

    def __init__(self, params: dict, environ: dict, warn: Warn, on_retry: Callable | None = None) -> None:
        self.task = build_certificate_task(params)
        self.request, _target = build_token_request(token_options(params), environ)
        if self.request.certificate is None:
            given = next((name for name in ("client_assertion", "client_assertion_path") if params.get(name)),
                         "client_secret")  # fmt: skip
            raise OptionError(
                "app_certificate signs Microsoft Graph's proof of possession with the credential's private key, "
                f"so it needs a certificate credential: give keystore_path ({given} cannot sign the proof).",
                option=given,
            )
        self.new = (load_new_certificate(self.task.certificate, self.task.certificate_path)
                    if self.task.state == "present" else None)  # fmt: skip
        self._warn = warn
        self._on_retry = on_retry
        self.token_client = TokenClient(self.request, warn=warn, on_retry=on_retry)
        self.signing_key = _signing_key(self.request)
        self.signing_thumbprint = _hex_x5t(self.signing_key.x5t)
        self.graph: GraphClient | None = None

    @property
    def secrets(self) -> tuple:
        return self.request.secrets

    def connect(self) -> None:
        """A Graph token with the task's credential, waiting for it to propagate when asked to."""
        target = TokenTarget(resource=self.task.graph_endpoint, scopes=(self.task.graph_scope,))
        token = until_propagated(lambda: self.token_client.acquire(target), self.task.propagation_timeout)
        self.graph = GraphClient(self.task.graph_endpoint, token.access_token, self.request.timeout,
                                 self.request.verify, self.request.retry, self.request.secrets,
                                 self._on_retry)  # fmt: skip

    def run(self, check_mode: bool) -> dict:
        self.connect()
        task, graph = self.task, self.graph
        try:
            application = graph.get_application(self.request.client_id, task.object_id)
        except GraphError as exc:
            if exc.status == 403 and task.object_id and task.state == "present" and not task.remove_expired:
                return self._present_without_read(check_mode)
            raise _with_hint(exc, READ_HINT if exc.status == 403 else None) from None
        now = datetime.datetime.now(datetime.timezone.utc)
        plan = plan_changes(task, application.key_credentials, self.new, self.signing_thumbprint, now)
        before = application.key_credentials
        added = []
        if not check_mode:
            added = self._apply(application.object_id, plan)
        after = [c for c in before if c not in plan.remove] + (added or _predicted(plan))
        return self._result(plan.changed, application.object_id, before, after,
                            added or _predicted(plan), plan.remove)  # fmt: skip

    def _apply(self, object_id: str, plan: Plan) -> list:
        proof = self._proof_signer(object_id)
        added = []
        try:
            if plan.add is not None:
                added.append(self.graph.add_key(object_id, plan.add.key, self.task.display_name, proof))
            for credential in plan.remove:
                self.graph.remove_key(object_id, credential.key_id, proof)
        except GraphError as exc:
            raise _with_hint(exc, BOOTSTRAP_HINT if exc.status in (400, 401) else None) from None
        return added

    def _proof_signer(self, object_id: str) -> Callable[[], str]:
        """Signs a fresh proof each time it is called: every request, and every retry of one, gets its own."""
        def sign() -> str:
            return sign_proof(self.signing_key, object_id)

        return sign

    def _present_without_read(self, check_mode: bool) -> dict:
        """object_id given and the read refused: addKey, where Graph's duplicate refusal means 'already there'."""
        self._warn("Microsoft Graph refused to read the application (no Application.Read.All); working from "
                   "object_id without the current key credentials, so key_credentials lists only what was added.")
        if check_mode:
            return self._result(True, self.task.object_id, [], [], _predicted(Plan(add=self.new)), [])
        proof = self._proof_signer(self.task.object_id)
        try:
            added = self.graph.add_key(self.task.object_id, self.new.key, self.task.display_name, proof)
        except GraphError as exc:
            if exc.status == 400 and "duplicate" in exc.message.lower():
                return self._result(False, self.task.object_id, [], [], [], [])
            raise _with_hint(exc, BOOTSTRAP_HINT if exc.status in (400, 401) else None) from None
        return self._result(True, self.task.object_id, [], [added], [added], [])

    def _result(self, changed: bool, object_id: str, before: list, after: list, added: list, removed: list) -> dict:
        def listed(credentials: list) -> list:
            return [c.to_dict(self.signing_thumbprint) for c in credentials]

        def thumbprints(credentials: list) -> list:
            return sorted(c.thumbprint for c in credentials if c.is_certificate and c.thumbprint)

        return {
            "changed": changed,
            "object_id": object_id,
            "thumbprint": self.new.thumbprint if self.new is not None else None,
            "signing_thumbprint": self.signing_thumbprint,
            "key_credentials": listed(after),
            "added": listed(added) if changed else [],
            "removed": listed(removed),
            "diff": {"before": {"thumbprints": thumbprints(before)}, "after": {"thumbprints": thumbprints(after)}},
        }


def _predicted(plan: Plan) -> list:
    """The credential check mode predicts addKey would create (its key ID is Graph's to choose)."""
    new = plan.add
    if new is None:
        return []
    return [KeyCredential(key_id="", type="AsymmetricX509Cert", thumbprint=new.thumbprint,
                          display_name=new.subject, start=new.not_before, end=new.not_after)]  # fmt: skip


def _signing_key(request: TokenRequest) -> SigningKey:
    try:
        return load_signing_key(request.certificate, request.api_version)
    except OptionError as exc:
        if exc.option != "thumbprint":
            raise
        raise OptionError(
            "keystore_path holds no certificate beside its key. app_certificate names the signing certificate in "
            "the proof by its thumbprint, so use a keystore (PKCS12, JKS, JCEKS) or a PEM file holding both.",
            option="keystore_path",
        ) from None


def _hex_x5t(x5t: str | None) -> str | None:
    if not x5t:
        return None
    return format_thumbprint(base64.urlsafe_b64decode(x5t + "=" * (-len(x5t) % 4)), "hex")


def _with_hint(exc: GraphError, hint: str | None) -> GraphError:
    if hint and exc.hint is None:
        exc.hint = hint
    return exc
