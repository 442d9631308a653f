# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The app_certificate module's options: the token options (the one definition) plus its own.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Two token options change meaning here, as the module's contract names them: ``certificate_path`` is the
certificate to register, and ``thumbprint`` the certificate to remove. The credential that signs the proof
therefore keeps its certificate inside ``keystore_path`` (PKCS12, JKS, JCEKS, or PEM with key and
certificate). ``resource`` and ``scope`` stay accepted, so that ``module_defaults`` for the ``token`` action
group apply, and are not used: the token is always for Microsoft Graph.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.propagation import MAX_PROPAGATION_TIMEOUT
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import (
    format_thumbprint,
    parse_thumbprint,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.input_checks import reject_nul_bytes
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.untrusted_text import sanitize, truncate
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.clouds import cloud_named
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import token_argument_spec

APP_CERTIFICATE_OPTIONS = {
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "certificate": {"type": "str"},
    "certificate_path": {"type": "path"},
    # Thumbprints and key IDs identify public credentials; they are not secrets.
    "thumbprint": {"type": "str", "aliases": ["sha1_fingerprint"], "no_log": False},
    "key_id": {"type": "str", "no_log": False},
    "force": {"type": "bool", "default": False},
    "remove_expired": {"type": "bool", "default": False},
    "object_id": {"type": "str"},
    "graph_endpoint": {"type": "str"},
    "display_name": {"type": "str"},
    "propagation_timeout": {"type": "float", "default": 0},
}
# The token options whose meaning this module takes over (see the module docstring above).
REDEFINED = ("certificate_path", "thumbprint")

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ENDPOINT = re.compile(r"^(https)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")
_LOOPBACK_HTTP = re.compile(r"^http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]{1,5})?$")
MAX_DISPLAY_NAME = 256


def app_certificate_argument_spec() -> dict:
    """A fresh argument_spec: the token options, then the module's own (which win for REDEFINED names)."""
    spec = token_argument_spec()
    for name in REDEFINED:
        spec.pop(name, None)
    spec.update(copy.deepcopy(APP_CERTIFICATE_OPTIONS))
    return spec


@dataclass(frozen=True)
class CertificateTask:
    """What the task asks for, validated; nothing is read or sent yet."""

    state: str
    certificate: str | None
    certificate_path: str | None
    thumbprint: str | None  # upper-case hex SHA-1
    key_id: str | None
    force: bool
    remove_expired: bool
    object_id: str | None
    graph_endpoint: str
    display_name: str | None
    propagation_timeout: float

    @property
    def graph_scope(self) -> str:
        return self.graph_endpoint + "/.default"


def token_options(params: dict) -> dict:
    """The options to build the Graph token's request from: the credential has no separate certificate here."""
    options = {name: value for name, value in params.items() if name not in APP_CERTIFICATE_OPTIONS}
    options.update(certificate_path=None, thumbprint=None)
    return options


def build_certificate_task(params: dict) -> CertificateTask:
    reject_nul_bytes(params, APP_CERTIFICATE_OPTIONS)
    state = params.get("state") or "present"
    certificate, certificate_path = params.get("certificate"), params.get("certificate_path")
    thumbprint, key_id = params.get("thumbprint"), params.get("key_id")
    remove_expired = bool(params.get("remove_expired"))
    for name in ("certificate", "certificate_path", "thumbprint", "key_id", "object_id", "display_name"):
        value = params.get(name)
        if isinstance(value, str) and not value.strip():
            raise OptionError(f"{name} is empty; give a value or leave it out.", option=name)
    if certificate is not None and certificate_path is not None:
        raise OptionError("certificate and certificate_path are mutually exclusive; give one.", option="certificate")
    if state == "present":
        if certificate is None and certificate_path is None:
            raise OptionError("state=present needs the certificate to register: give certificate (PEM or base64 "
                              "DER) or certificate_path.", option="certificate")  # fmt: skip
        for name in ("thumbprint", "key_id"):
            if params.get(name) is not None:
                raise OptionError(f"{name} picks a credential to remove; it goes with state=absent.", option=name)
    else:
        for name in ("certificate", "certificate_path", "display_name"):
            if params.get(name) is not None:
                raise OptionError(f"{name} goes with state=present; state=absent removes by thumbprint or key_id.",
                                  option=name)  # fmt: skip
        if thumbprint is None and key_id is None and not remove_expired:
            raise OptionError("state=absent needs thumbprint or key_id (or remove_expired=true).", option="thumbprint")
    return CertificateTask(
        state=state,
        certificate=certificate,
        certificate_path=certificate_path,
        thumbprint=_sha1_thumbprint(thumbprint) if thumbprint is not None else None,
        key_id=_guid(key_id, "key_id") if key_id is not None else None,
        force=bool(params.get("force")),
        remove_expired=remove_expired,
        object_id=_guid(params.get("object_id"), "object_id") if params.get("object_id") is not None else None,
        graph_endpoint=graph_endpoint(params.get("graph_endpoint"), params.get("cloud")),
        display_name=_display_name(params.get("display_name")),
        propagation_timeout=_propagation_timeout(params.get("propagation_timeout")),
    )


def graph_endpoint(value: str | None, cloud: str | None = None) -> str:
    """``graph_endpoint``, or the cloud's Graph endpoint (public: https://graph.microsoft.com)."""
    if value is None:
        return cloud_named(cloud).graph_endpoint
    value = value.strip().rstrip("/")
    if "@" in value:
        raise OptionError("graph_endpoint holds a user name or password (user:password@host), which is refused and "
                          "not shown. Give only the scheme and host, such as https://graph.microsoft.com.",
                          option="graph_endpoint")  # fmt: skip
    if not (_ENDPOINT.match(value) or _LOOPBACK_HTTP.match(value)):
        shown = repr(truncate(sanitize(value.partition("?")[0]), 80))
        raise OptionError(f"graph_endpoint {shown} must be an https URL with no path, such as "
                          "https://graph.microsoft.com (http only on loopback test endpoints).",
                          option="graph_endpoint")  # fmt: skip
    return value


def _sha1_thumbprint(value: str) -> str:
    raw = parse_thumbprint(value, "thumbprint")
    if len(raw) != 20:
        raise OptionError("thumbprint must be the certificate's SHA-1 thumbprint (40 hex digits), as Graph "
                          "records it in customKeyIdentifier.", option="thumbprint")  # fmt: skip
    return format_thumbprint(raw, "hex")


def _guid(value: str, name: str) -> str:
    value = value.strip()
    if not _GUID.match(value):
        raise OptionError(f"{name} must be a GUID such as 8eaef023-2b34-4da1-9baa-8bc8c9d6a490.", option=name)
    return value.lower()


def _display_name(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_DISPLAY_NAME or not value.isprintable():
        raise OptionError(f"display_name must be printable text of at most {MAX_DISPLAY_NAME} characters.",
                          option="display_name")  # fmt: skip
    return value


def _propagation_timeout(value: object) -> float:
    try:
        seconds = float(value if value is not None else 0)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not 0 <= seconds <= MAX_PROPAGATION_TIMEOUT:
        raise OptionError(f"propagation_timeout must be between 0 and {MAX_PROPAGATION_TIMEOUT} seconds.",
                          option="propagation_timeout")  # fmt: skip
    return seconds
