# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide what the keystore module must do: keep the file, write it, or generate anew.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The decision rests on what the existing file holds, never on whether it
exists: it is opened with the given passwords and its key, certificate, chain,
alias and type are compared with what was asked for. A file that does not open
is never replaced, unless ``force`` says so; neither is a symbolic link that
``follow`` does not allow, nor a file of another user (see paths.py).
This module reads; it never writes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    KeyMaterial,
    certificate_to_der,
    same_key,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_keystore_bytes
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.certificate_info import expires_within
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.options import (
    DEFAULT_ALIAS,
    DEFAULT_KEY_SIZE,
    DEFAULT_RENEW_BEFORE_DAYS,
    DEFAULT_TYPE,
    DEFAULT_VALID_DAYS,
    KEYSTORE_OPTION_NAMES,
    KEYSTORE_OPTIONS,
    NUL_FREE_OPTIONS,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.paths import (
    MISSING,
    SYMLINK,
    Target,
    is_trusted,
    read_small_file,
    resolve_target,
    symlink_refusal,
    untrusted_refusal,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.serialize import stored_alias
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    AliasError,
    AzureAdOAuthError,
    KeystoreError,
    OptionError,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.input_checks import reject_nul_bytes

KEEP, WRITE, GENERATE = "keep", "write", "generate"
ABSENT, READABLE, UNREADABLE = "absent", "readable", "unreadable"


@dataclass(frozen=True)
class KeystoreRequest:
    """What the user asked for, validated (``keystore_type`` is one of options.WRITABLE_TYPES: AnsibleModule
    checked it). ``supplied`` is the material given, if any."""

    path: str
    keystore_type: str
    password: str = field(repr=False)
    key_password: str | None = field(default=None, repr=False)
    alias: str = DEFAULT_ALIAS
    supplied: KeyMaterial | None = None
    generate: bool = False
    subject: str | None = None
    valid_days: int = DEFAULT_VALID_DAYS
    key_size: int = DEFAULT_KEY_SIZE
    renew_before_days: int = DEFAULT_RENEW_BEFORE_DAYS
    force: bool = False
    subject_alt_name: tuple[str, ...] = ()
    follow: bool = False
    owner: str | None = None

    @property
    def stored_alias(self) -> str:
        return stored_alias(self.keystore_type, self.alias)


@dataclass(frozen=True)
class ExistingKeystore:
    """The file at ``path`` as found: absent, readable (with its material) or unreadable (and why).

    ``untouchable`` is set when the file was not even opened (a link left unfollowed, another user's
    file): its message says everything, and only ``force`` replaces the file. ``target`` says where the
    file is and what it is.
    """

    state: str
    material: KeyMaterial | None = None
    problem: AzureAdOAuthError | None = None
    untouchable: AzureAdOAuthError | None = None
    target: Target | None = None


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


def inspect_existing(path: str, keystore_type: str, password: str, key_password: str | None,
                     alias: str, follow: bool = False, owner: str | None = None) -> ExistingKeystore:
    """Open the file at ``path`` with the given passwords, if there is one and it may be opened.

    A symbolic link is looked through only with ``follow``; a link left unfollowed, or a file of a user
    the module does not trust (see paths.is_trusted), is not opened at all. The readers word their errors
    with this module's option names (KEYSTORE_OPTION_NAMES).
    """
    target = resolve_target(path, "path", follow)
    if target.kind == MISSING:
        return ExistingKeystore(ABSENT, target=target)
    if target.kind == SYMLINK:
        return ExistingKeystore(UNREADABLE, untouchable=symlink_refusal(target, "path"), target=target)
    if not is_trusted(target, owner):
        return ExistingKeystore(UNREADABLE, untouchable=untrusted_refusal(target, "path"), target=target)
    try:
        data = _read_existing(target.path)
    except AzureAdOAuthError as exc:
        return ExistingKeystore(UNREADABLE, problem=exc, target=target)
    if data is None:  # removed since it was looked at
        return ExistingKeystore(ABSENT, target=target)

    wanted = stored_alias(keystore_type, alias)
    try:
        return ExistingKeystore(READABLE, _load(data, path, password, key_password, wanted), target=target)
    except AliasError:
        pass  # the passwords opened the store, but the alias is not its key entry: find out what is, below
    except KeystoreError as exc:
        return ExistingKeystore(UNREADABLE, problem=exc, target=target)
    try:
        return ExistingKeystore(READABLE, _load(data, path, password, key_password, None), target=target)
    except KeystoreError as exc:
        return ExistingKeystore(UNREADABLE, problem=exc, target=target)


def _load(data: bytes, path: str, password: str, key_password: str | None, alias: str | None) -> KeyMaterial:
    return load_keystore_bytes(data, path, password, key_password, alias, KEYSTORE_OPTION_NAMES)


def _read_existing(path: str) -> bytes | None:
    """The keystore's bytes, read without following a link or blocking; KeystoreError when it cannot be."""
    try:
        return read_small_file(path, "path")
    except OptionError as exc:  # a file that is there but cannot be used: the refusal explains, force replaces
        raise KeystoreError(exc.message, option="path") from None


# What to do about a file that does not open, by the option at fault (an AliasError: see refusal).
_REFUSALS = {
    "password": ("it does not open with the given password", "Give the password it was made with"),
    "key_password": (
        "its private key entry does not decrypt with the given key_password (which defaults to password)",
        "Give the key_password it was made with",
    ),
    "path": ("it cannot be read as a keystore", "Check path"),
}


def refusal(path: str, existing: ExistingKeystore, alias: str) -> AzureAdOAuthError:
    """Why an existing file is left alone, naming the option to fix."""
    if existing.untouchable is not None:
        return existing.untouchable
    problem = existing.problem
    detail = str(problem) if problem is not None else "it could not be read"
    if isinstance(problem, AliasError):
        option = "alias"
        why, fix = f"its entries cannot be matched to alias '{alias}'", "Set alias to the name of the entry to keep"
    else:
        option = problem.option if problem is not None and problem.option in _REFUSALS else "path"
        why, fix = _REFUSALS[option]
    return KeystoreError(
        f"The existing file at path '{path}' was left untouched: {why}. ({detail}) "
        f"{fix}, or set force: true to replace it (with backup: true to keep a copy).",
        option=option,
    )


def differences(existing: KeyMaterial, desired: KeyMaterial, keystore_type: str, alias: str) -> list[str]:
    """What differs between the file's material and the desired one (empty: nothing)."""
    reasons = container_differences(existing, keystore_type, alias)
    if not same_key(existing.private_key, desired.private_key):
        reasons.append("the private key differs")
    if existing.certificate is None or desired.certificate is None or (
        certificate_to_der(existing.certificate) != certificate_to_der(desired.certificate)
    ):
        reasons.append("the certificate differs")
    elif [certificate_to_der(cert) for cert in existing.chain] != [certificate_to_der(cert) for cert in desired.chain]:
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
    if existing.state == UNREADABLE and not request.force:
        raise refusal(request.path, existing, request.alias)
    current = existing.material if existing.state == READABLE else None
    start = "the file does not exist" if existing.state == ABSENT else "force replaces an unreadable file"
    if existing.untouchable is not None:
        start = "force replaces a file that is not opened (a link left unfollowed, or another user's file)"

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


def request_from_params(params: dict, default_host: str | None = None) -> KeystoreRequest:
    """Validate the module's options and read any material they name.

    AnsibleModule has checked types and choices (``type``, ``key_size``...); what it cannot check is done
    here, and an unset option (a direct caller's) takes its default from options.KEYSTORE_OPTIONS.
    ``default_host`` names the host when ``subject`` is unset: the subject is then ``CN=<host>`` (the CN cut
    to 64 characters, the whole name in a subjectAltName).
    """
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import (
        check_generation_options,
        default_subject,
    )
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.supplied_material import (
        has_material,
        load_supplied_material,
    )

    # Before anything reaches a file name or a native library (cryptography's Rust layer panics on a NUL).
    reject_nul_bytes(params, NUL_FREE_OPTIONS)
    keystore_type = params.get("type") or DEFAULT_TYPE
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
    subject = params.get("subject")
    alt_names = tuple(params.get("subject_alt_name") or ())
    if not subject and default_host:
        subject, alt_names = default_subject(default_host, alt_names)
    valid_days = _int_option(params, "valid_days")
    key_size = _int_option(params, "key_size")
    renew_before_days = _int_option(params, "renew_before_days")
    supplied = load_supplied_material(params) if has_material(params) else None
    if generate and supplied is None:
        if not subject:
            raise OptionError("subject is required to generate a certificate.", option="subject")
        check_generation_options(subject, valid_days, key_size, renew_before_days, alt_names)
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
        subject_alt_name=alt_names,
        follow=bool(params.get("follow")),
        owner=params.get("owner") or None,
    )


def _int_option(params: dict, name: str) -> int:
    value = params.get(name)
    if value is None:
        return KEYSTORE_OPTIONS[name]["default"]
    try:
        return int(value)
    except (TypeError, ValueError):
        raise OptionError(f"{name} must be a whole number.", option=name) from None
