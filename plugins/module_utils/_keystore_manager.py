# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a keystore request into what to write and what to report, without writing.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``prepare_keystore`` plans, generates when it must (never in check mode),
serializes, and builds the result and the diff. The module then performs the
writes it lists. Results and diffs carry certificates and thumbprints only:
no private key, no password.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field, replace
from typing import Any

from ansible_collections.azure_ad.oauth.plugins.module_utils._certificate_info import (
    certificate_pem,
    diff_view,
    material_info,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._key_material import certificate_der
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_plan import (
    GENERATE,
    READABLE,
    UNREADABLE,
    KeystorePlan,
    KeystoreRequest,
    inspect_existing,
    plan_keystore,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._thumbprint import certificate_digest, format_thumbprint

EXPORT_FORMATS = ("der", "pem")


@dataclass
class KeystoreOutcome:
    """What the module must write, and what it reports.

    ``keystore_bytes`` is None when the keystore stays as it is, or in check
    mode. ``export_bytes`` is None when there is no export, or when its content
    is not known yet (check mode, certificate still to be generated).
    """

    plan: KeystorePlan
    result: dict[str, Any]
    diff: dict[str, Any]
    keystore_bytes: bytes | None = field(default=None, repr=False)
    export_path: str | None = None
    export_bytes: bytes | None = None
    export_changed: bool = False

    @property
    def changed(self) -> bool:
        return self.plan.changed or self.export_changed


def prepare_keystore(
    request: KeystoreRequest,
    check_mode: bool = False,
    export_path: str | None = None,
    export_format: str = "der",
    now: datetime.datetime | None = None,
) -> KeystoreOutcome:
    """Plan the keystore, and serialize it unless it is kept or this is check mode."""
    if export_format not in EXPORT_FORMATS:
        raise OptionError("certificate_export_format must be der or pem.", option="certificate_export_format")
    existing = inspect_existing(
        request.path, request.keystore_type, request.password, request.key_password, request.alias
    )
    plan = plan_keystore(request, existing, now)
    material = plan.material
    if plan.action == GENERATE and not check_mode:
        from ansible_collections.azure_ad.oauth.plugins.module_utils._self_signed import generate_self_signed

        generated = generate_self_signed(request.subject or "", request.valid_days, request.key_size, now)
        material = replace(generated, alias=request.stored_alias, source_type=request.keystore_type)
    keystore_bytes = None
    if plan.changed and not check_mode:
        from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer import serialize_keystore

        keystore_bytes = serialize_keystore(
            request.keystore_type, material, request.alias, request.password, request.key_password
        )

    if material is not None:
        result = material_info(material, request.keystore_type, material.alias)
    else:  # check mode, certificate still to be generated
        result = {"type": request.keystore_type, "alias": request.stored_alias, "subject": request.subject}
    result["path"] = request.path
    before = _before_view(existing)
    after = diff_view(result) if material is not None else {
        "type": request.keystore_type,
        "alias": request.stored_alias,
        "subject": request.subject,
        "certificate": "a new self-signed certificate, generated when the task runs",
    }

    outcome = KeystoreOutcome(plan, result, {"before": before, "after": after}, keystore_bytes)
    if export_path:
        _plan_export(outcome, material, export_path, export_format)
    outcome.diff["before_header"] = request.path
    outcome.diff["after_header"] = request.path
    return outcome


def _before_view(existing) -> dict[str, Any]:
    if existing.state == READABLE:
        material = existing.material
        return diff_view(material_info(material, material.source_type, material.alias))
    if existing.state == UNREADABLE:
        return {"state": "present, but not readable with the given passwords"}
    return {}


def export_content(certificate: Any, export_format: str) -> bytes:
    """The certificate as DER (a .cer file, what the Azure portal takes) or PEM."""
    if export_format == "pem":
        return certificate_pem(certificate).encode("ascii")
    return certificate_der(certificate)


def _plan_export(outcome: KeystoreOutcome, material, export_path: str, export_format: str) -> None:
    outcome.export_path = export_path
    outcome.result["certificate_export_path"] = export_path
    if os.path.isdir(export_path):
        raise OptionError(
            f"certificate_export_path '{export_path}' is a directory; give the file's path.",
            option="certificate_export_path",
        )
    current = _read_export(export_path)
    outcome.diff["before"]["certificate_export"] = _describe_export(current)
    if material is None or material.certificate is None:
        outcome.export_changed = True
        outcome.diff["after"]["certificate_export"] = "the new certificate"
        return
    wanted = export_content(material.certificate, export_format)
    outcome.export_bytes = wanted
    outcome.export_changed = current != wanted
    outcome.diff["after"]["certificate_export"] = _describe_export(wanted)


def _read_export(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(1024 * 1024)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OptionError(
            f"certificate_export_path '{path}' cannot be read ({exc.strerror or 'error'}).",
            option="certificate_export_path",
        ) from None


def _describe_export(content: bytes | None) -> str:
    """The SHA-1 thumbprint of the certificate in an export file, for the diff."""
    if content is None:
        return "absent"
    try:
        from cryptography import x509

        if b"-----BEGIN" in content:
            der = certificate_der(x509.load_pem_x509_certificate(content))
        else:
            der = certificate_der(x509.load_der_x509_certificate(content))
    except Exception:  # not a certificate: say so, without quoting it
        return "not a certificate"
    return "certificate " + format_thumbprint(certificate_digest(der, "sha1"), "hex")
