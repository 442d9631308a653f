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

Every refusal happens here, before anything is written: the export path may
not be the keystore (however it is spelled), and an existing export file is
replaced only when it holds just one certificate (what this module writes), or
with ``force``; a keystore, a key or anything else there is protected as the
keystore itself is.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field, replace
from typing import Any

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import certificate_to_der
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import (
    certificate_digest,
    format_thumbprint,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.certificate_info import (
    certificate_pem,
    diff_view,
    material_info,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.options import DEFAULT_EXPORT_FORMAT
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.paths import (
    MAX_READ_SIZE,
    REGULAR,
    SYMLINK,
    Target,
    is_trusted,
    read_regular_file,
    resolve_target,
    same_file,
    symlink_refusal,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.plan import (
    GENERATE,
    READABLE,
    UNREADABLE,
    KeystorePlan,
    KeystoreRequest,
    inspect_existing,
    plan_keystore,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    KeystoreError,
    OptionError,
)

EXPORT_OPTION = "certificate_export_path"


@dataclass
class KeystoreOutcome:
    """What the module must write, and what it reports.

    ``keystore_bytes`` is None when the keystore stays as it is, or in check
    mode. ``export_bytes`` is None when there is no export, or when its content
    is not known yet (check mode, certificate still to be generated).
    ``target`` and ``export_target`` say where to write (the link's target with
    ``follow``) and what is there now.
    """

    plan: KeystorePlan
    result: dict[str, Any]
    diff: dict[str, Any]
    keystore_bytes: bytes | None = field(default=None, repr=False)
    export_path: str | None = None
    export_bytes: bytes | None = None
    export_changed: bool = False
    target: Target | None = None
    export_target: Target | None = None


def prepare_keystore(
    request: KeystoreRequest,
    check_mode: bool = False,
    export_path: str | None = None,
    export_format: str = DEFAULT_EXPORT_FORMAT,
    now: datetime.datetime | None = None,
) -> KeystoreOutcome:
    """Plan the keystore, and serialize it unless it is kept or this is check mode.

    ``export_format`` is one of options.EXPORT_FORMATS (AnsibleModule checked it): ``pem``, or else DER.
    """
    export_target = _export_target(request, export_path) if export_path else None
    existing = inspect_existing(
        request.path, request.keystore_type, request.password, request.key_password, request.alias,
        follow=request.follow, owner=request.owner,
    )
    plan = plan_keystore(request, existing, now)
    material = plan.material
    if plan.action == GENERATE and not check_mode:
        from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import (
            generate_self_signed,
        )

        generated = generate_self_signed(request.subject or "", request.valid_days, request.key_size, now,
                                         request.subject_alt_name)
        material = replace(generated, alias=request.stored_alias, source_type=request.keystore_type)
    keystore_bytes = None
    if plan.changed and not check_mode:
        from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.serialize import (
            serialize_keystore,
        )

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

    outcome = KeystoreOutcome(plan, result, {"before": before, "after": after}, keystore_bytes,
                              target=existing.target)
    if export_target is not None:
        _plan_export(outcome, material, export_target, export_format, request)
    outcome.diff["before_header"] = request.path
    outcome.diff["after_header"] = request.path
    return outcome


def _before_view(existing) -> dict[str, Any]:
    if existing.state == READABLE:
        material = existing.material
        return diff_view(material_info(material, material.source_type, material.alias))
    if existing.untouchable is not None:
        target = existing.target
        if target is not None and target.kind == SYMLINK:
            return {"state": "a symbolic link, not followed"}
        return {"state": "a file of another user, not opened"}
    if existing.state == UNREADABLE:
        return {"state": "present, but not readable with the given passwords"}
    return {}


def _export_target(request, export_path: str) -> Target:
    """Where the certificate goes; never the keystore itself, whether spelled alike, linked or hard-linked."""
    keystore = resolve_target(request.path, "path", request.follow)
    target = resolve_target(export_path, EXPORT_OPTION, request.follow)
    if same_file(request.path, export_path) or same_file(keystore.path, target.path):
        raise OptionError(
            f"certificate_export_path '{export_path}' is the keystore's own file (path '{request.path}'): the "
            "certificate would replace the keystore and its private key. Give the certificate a file of its own, "
            "such as app.cer beside the keystore.",
            option=EXPORT_OPTION,
        )
    _check_export_directory(target.path)
    return target


def _check_export_directory(path: str) -> None:
    """Fail before the keystore is written, rather than after it, when the export cannot be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise OptionError(
            f"certificate_export_path '{path}' cannot be written: its directory '{directory}' does not exist.",
            option=EXPORT_OPTION,
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OptionError(
            f"certificate_export_path '{path}' cannot be written: its directory '{directory}' is not writable by "
            "this user.",
            option=EXPORT_OPTION,
        )


def export_content(certificate: Any, export_format: str) -> bytes:
    """The certificate as DER (a .cer file, what the Azure portal takes) or PEM."""
    if export_format == "pem":
        return certificate_pem(certificate).encode("ascii")
    return certificate_to_der(certificate)


def _plan_export(outcome: KeystoreOutcome, material, target: Target, export_format: str, request) -> None:
    export_path = target.given
    outcome.export_path = export_path
    outcome.export_target = target
    outcome.result["certificate_export_path"] = export_path
    current = _current_export(target, request.force)
    outcome.diff["before"]["certificate_export"] = _describe_export(target, current)
    # A file that is not ours (a link left unfollowed, another user's file) is replaced even when its content
    # is right: its owner could change it after the task reported it good.
    replace_anyway = target.kind == SYMLINK or (target.kind == REGULAR and not is_trusted(target, request.owner))
    if material is None or material.certificate is None:
        outcome.export_changed = True
        outcome.diff["after"]["certificate_export"] = "the new certificate"
        return
    wanted = export_content(material.certificate, export_format)
    outcome.export_bytes = wanted
    outcome.export_changed = replace_anyway or current != wanted
    outcome.diff["after"]["certificate_export"] = _describe_export(None, wanted)


def _current_export(target: Target, force: bool) -> bytes | None:
    """The export file's bytes; raises unless it may be replaced: just a certificate there, or ``force``."""
    if target.kind == SYMLINK:
        if not force:
            raise symlink_refusal(target, EXPORT_OPTION)
        return None
    if target.kind != REGULAR:
        return None
    content = read_regular_file(target.path, EXPORT_OPTION)
    if content is None or force or holds_only_a_certificate(content):
        return content
    raise KeystoreError(
        f"certificate_export_path '{target.given}' holds something other than one certificate (a keystore, a "
        "private key or other data), so it was left untouched, and so was the keystore. Give the certificate a "
        "path of its own, or set force: true to replace that file.",
        option=EXPORT_OPTION,
    )


def holds_only_a_certificate(content: bytes) -> bool:
    """True for what this module writes there: one DER or PEM certificate and nothing else (or nothing at all)."""
    if not content.strip():
        return True  # an empty file has nothing to lose
    if len(content) > MAX_READ_SIZE:
        return False
    return _single_certificate_der(content) is not None


def _single_certificate_der(content: bytes) -> bytes | None:
    """The DER of the single certificate that ``content`` is, or None when it is anything else."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pem import pem_blocks

    try:
        from cryptography import x509

        if content.lstrip().startswith(b"-----BEGIN"):
            blocks = pem_blocks(content)
            rest = content
            for _label, block in blocks:
                rest = rest.replace(block, b"")
            if len(blocks) != 1 or blocks[0][0] != "CERTIFICATE" or rest.strip():
                return None
            return certificate_to_der(x509.load_pem_x509_certificate(blocks[0][1]))
        der = certificate_to_der(x509.load_der_x509_certificate(content))
        return der if der == content else None  # trailing bytes: not just a certificate
    except MUST_PROPAGATE:
        raise
    except BaseException:  # not a certificate (or a panic reading one): say so, never quote it
        return None


def _describe_export(target: Target | None, content: bytes | None) -> str:
    """The SHA-1 thumbprint of the certificate in an export file, for the diff."""
    if target is not None and target.kind == SYMLINK:
        return "a symbolic link, not followed"
    if content is None:
        return "absent"
    der = _single_certificate_der(content)
    if der is None:
        return "not a certificate"
    return "certificate " + format_thumbprint(certificate_digest(der, "sha1"), "hex")
