# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide what the keystore module must do: keep the file, write it, or generate anew.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The decision rests on what the existing file holds, never on whether it
exists: it is opened with the given passwords and its key, certificate, chain,
alias and type are compared with what was asked for. A file that does not open
is never replaced, unless ``force`` says so. This module reads; it never writes.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field, replace

from ansible_collections.azure_ad.oauth.plugins.module_utils._certificate_info import expires_within
from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import KeystoreError, OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._key_material import KeyMaterial, certificate_der
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer import (
    WRITABLE_TYPES,
    same_key,
    stored_alias,
)

KEEP, WRITE, GENERATE = "keep", "write", "generate"
ABSENT, READABLE, UNREADABLE = "absent", "readable", "unreadable"

# The loader names the token module's options; this module calls them otherwise.
_OPTION_NAMES = {
    "keystore_password": "password",
    "key_password": "key_password",
    "keystore_alias": "alias",
    "keystore_path": "path",
    "keystore_type": "type",
}


@dataclass(frozen=True)
class KeystoreRequest:
    """What the user asked for, validated. ``supplied`` is the material given, if any."""

    path: str
    keystore_type: str
    password: str = field(repr=False)
    key_password: str | None = field(default=None, repr=False)
    alias: str = "azure-ad"
    supplied: KeyMaterial | None = None
    generate: bool = False
    subject: str | None = None
    valid_days: int = 365
    key_size: int = 2048
    renew_before_days: int = 30
    force: bool = False

    @property
    def stored_alias(self) -> str:
        return stored_alias(self.keystore_type, self.alias)


@dataclass(frozen=True)
class ExistingKeystore:
    """The file at ``path`` as found: absent, readable (with its material) or unreadable (and why)."""

    state: str
    material: KeyMaterial | None = None
    problem: KeystoreError | None = None


@dataclass(frozen=True)
class KeystorePlan:
    """``action`` is keep, write or generate. ``material`` is what the file will hold (None: to generate)."""

    action: str
    reasons: tuple[str, ...]
    existing: ExistingKeystore
    material: KeyMaterial | None

    @property
    def changed(self) -> bool:
        return self.action != KEEP


def renamed(message: str) -> str:
    """A loader message with the token module's option names replaced by this module's."""
    for theirs, ours in _OPTION_NAMES.items():
        if theirs != ours:
            message = message.replace(theirs, ours)
    return message


def inspect_existing(path: str, keystore_type: str, password: str, key_password: str | None,
                     alias: str) -> ExistingKeystore:
    """Open the file at ``path`` with the given passwords, if there is one."""
    if not os.path.lexists(path):
        return ExistingKeystore(ABSENT)
    if os.path.isdir(path):
        raise OptionError(f"path '{path}' is a directory; give the keystore file's path.", option="path")
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore import load_key_material

    wanted = stored_alias(keystore_type, alias)
    try:
        return ExistingKeystore(READABLE, load_key_material(path, "auto", password, key_password, wanted))
    except KeystoreError as exc:
        if exc.option != "keystore_alias":
            return ExistingKeystore(UNREADABLE, problem=exc)
    # The passwords opened the store, but the alias is not its key entry: find out what is.
    try:
        return ExistingKeystore(READABLE, load_key_material(path, "auto", password, key_password, None))
    except KeystoreError as exc:
        return ExistingKeystore(UNREADABLE, problem=exc)


def refusal(path: str, existing: ExistingKeystore, alias: str) -> KeystoreError:
    """Why an existing file is left alone, naming the option to fix."""
    problem = existing.problem
    option = _OPTION_NAMES.get(problem.option or "", "path") if problem is not None else "path"
    detail = renamed(str(problem)) if problem is not None else "it could not be read"
    if option == "password":
        why = "it does not open with the given password"
    elif option == "key_password":
        why = "its private key entry does not decrypt with the given key_password (which defaults to password)"
    elif option == "alias":
        why = f"its entries cannot be matched to alias '{alias}'"
    else:
        why = "it cannot be read as a keystore"
    return KeystoreError(
        f"The existing file at path '{path}' was left untouched: {why}. ({detail}) "
        "Give the passwords it was made with, or set force: true to replace it (with backup: true to keep a copy).",
        option=option,
    )


def differences(existing: KeyMaterial, desired: KeyMaterial, keystore_type: str, alias: str) -> list[str]:
    """What differs between the file's material and the desired one (empty: nothing)."""
    reasons = container_differences(existing, keystore_type, alias)
    if not same_key(existing.private_key, desired.private_key):
        reasons.append("the private key differs")
    if existing.certificate is None or desired.certificate is None or (
        certificate_der(existing.certificate) != certificate_der(desired.certificate)
    ):
        reasons.append("the certificate differs")
    elif [certificate_der(cert) for cert in existing.chain] != [certificate_der(cert) for cert in desired.chain]:
        reasons.append("the chain differs")
    return reasons


def container_differences(existing: KeyMaterial, keystore_type: str, alias: str) -> list[str]:
    reasons = []
    if existing.source_type != keystore_type:
        reasons.append(f"the file is {existing.source_type}, not {keystore_type}")
    if existing.alias != stored_alias(keystore_type, alias):
        reasons.append(f"the key entry is not named '{stored_alias(keystore_type, alias)}'")
    return reasons


def plan_keystore(request: KeystoreRequest, existing: ExistingKeystore,
                  now: datetime.datetime | None = None) -> KeystorePlan:
    """Decide between keep, write and generate. Raises KeystoreError to protect an unreadable file."""
    if request.keystore_type not in WRITABLE_TYPES:
        raise OptionError(f"type must be one of {', '.join(WRITABLE_TYPES)}.", option="type")
    if existing.state == UNREADABLE and not request.force:
        raise refusal(request.path, existing, request.alias)
    current = existing.material if existing.state == READABLE else None
    start = "the file does not exist" if existing.state == ABSENT else "force replaces an unreadable file"

    def plan(action: str, reasons: list[str], material: KeyMaterial | None) -> KeystorePlan:
        if material is not None:
            material = replace(material, alias=request.stored_alias, source_type=request.keystore_type)
        return KeystorePlan(action, tuple(reasons), existing, material)

    if request.supplied is not None:
        if current is None:
            return plan(WRITE, [start], request.supplied)
        reasons = differences(current, request.supplied, request.keystore_type, request.alias)
        if request.force and not reasons:
            reasons.append("force")
        return plan(WRITE, reasons, request.supplied) if reasons else KeystorePlan(KEEP, (), existing, current)

    if current is None:
        if not request.generate:
            raise OptionError(
                f"path '{request.path}' does not exist: give certificate and private_key (or certificate_path and "
                "private_key_path), or set generate: true to make a self-signed certificate.",
                option="generate",
            )
        return plan(GENERATE, [start], None)

    if request.generate:
        if request.force:
            return plan(GENERATE, ["force"], None)
        if current.certificate is None:
            return plan(GENERATE, ["the file holds no certificate"], None)
        if expires_within(current.certificate, request.renew_before_days, now):
            return plan(GENERATE, [f"the certificate expires within {request.renew_before_days} days"], None)

    reasons = container_differences(current, request.keystore_type, request.alias)
    if request.force and not reasons:
        reasons.append("force")
    if not reasons:
        return KeystorePlan(KEEP, (), existing, current)
    if current.certificate is None:
        raise OptionError(
            f"The keystore at path '{request.path}' holds no certificate, so it cannot be rewritten: "
            "give certificate and private_key, or set generate: true.",
            option="certificate",
        )
    return plan(WRITE, reasons, current)


def request_from_params(params: dict, default_subject: str | None = None) -> KeystoreRequest:
    """Validate the module's options and read any material they name."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._self_signed import check_generation_options
    from ansible_collections.azure_ad.oauth.plugins.module_utils._supplied_material import (
        has_material,
        load_supplied_material,
    )

    keystore_type = params.get("type") or "pkcs12"
    if keystore_type not in WRITABLE_TYPES:
        raise OptionError(f"type must be one of {', '.join(WRITABLE_TYPES)}.", option="type")
    password = params.get("password")
    if not isinstance(password, str) or not password:
        raise OptionError("password must be a non-empty string.", option="password")
    key_password = params.get("key_password")
    if key_password == "":
        raise OptionError("key_password must not be empty; leave it unset to use password.", option="key_password")
    alias = params.get("alias")
    if not isinstance(alias, str) or not alias.strip():
        raise OptionError("alias must be a non-empty string.", option="alias")
    generate = bool(params.get("generate"))
    subject = params.get("subject") or default_subject
    valid_days = _int_option(params, "valid_days", 365)
    key_size = _int_option(params, "key_size", 2048)
    renew_before_days = _int_option(params, "renew_before_days", 30)
    supplied = load_supplied_material(params) if has_material(params) else None
    if generate and supplied is None:
        if not subject:
            raise OptionError("subject is required to generate a certificate.", option="subject")
        check_generation_options(subject, valid_days, key_size, renew_before_days)
    return KeystoreRequest(
        path=params["path"],
        keystore_type=keystore_type,
        password=password,
        key_password=key_password if keystore_type == "jks" else None,
        alias=alias,
        supplied=supplied,
        generate=generate,
        subject=subject,
        valid_days=valid_days,
        key_size=key_size,
        renew_before_days=renew_before_days,
        force=bool(params.get("force")),
    )


def _int_option(params: dict, name: str, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise OptionError(f"{name} must be a whole number.", option=name) from None
