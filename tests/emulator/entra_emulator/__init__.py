"""A strict, local Microsoft Entra ID token endpoint for the azure_ad.oauth tests and demo.

Client credentials only (secret or certificate assertion), v1.0 and v2.0, over
HTTPS with a test CA, answering with Entra's own AADSTS errors. See
``EntraEmulator`` for the in-process API, ``serve.py`` for the CLI and
``EmulatorAdminClient`` to drive a CLI-started emulator from another process.
"""

from __future__ import annotations

from entra_emulator.assertion import JWT_BEARER
from entra_emulator.client import EmulatorAdminClient, read_state
from entra_emulator.config import Directory, Settings
from entra_emulator.defaults import (
    ARM_APP_ID,
    ARM_LEGACY_RESOURCE,
    ARM_RESOURCE,
    ARM_SCOPE,
    CLIENT_ID,
    CLIENT_OBJECT_ID,
    CLIENT_SECRET,
    CLIENT_SECRET_ID,
    CUSTOM_API_APP_ID,
    CUSTOM_API_RESOURCE,
    CUSTOM_API_ROLES,
    CUSTOM_API_SCOPE,
    GRAPH_APP_ID,
    GRAPH_RESOURCE,
    GRAPH_ROLES,
    GRAPH_SCOPE,
    KEYVAULT_APP_ID,
    KEYVAULT_RESOURCE,
    KEYVAULT_SCOPE,
    OTHER_CLIENT_ID,
    OTHER_CLIENT_SECRET,
    OTHER_TENANT_DOMAIN,
    OTHER_TENANT_ID,
    TENANT_DOMAIN,
    TENANT_ID,
    default_config,
)
from entra_emulator.emulator import EntraEmulator
from entra_emulator.errors import EntraError

__all__ = [
    "ARM_APP_ID",
    "ARM_LEGACY_RESOURCE",
    "ARM_RESOURCE",
    "ARM_SCOPE",
    "CLIENT_ID",
    "CLIENT_OBJECT_ID",
    "CLIENT_SECRET",
    "CLIENT_SECRET_ID",
    "CUSTOM_API_APP_ID",
    "CUSTOM_API_RESOURCE",
    "CUSTOM_API_ROLES",
    "CUSTOM_API_SCOPE",
    "GRAPH_APP_ID",
    "GRAPH_RESOURCE",
    "GRAPH_ROLES",
    "GRAPH_SCOPE",
    "JWT_BEARER",
    "KEYVAULT_APP_ID",
    "KEYVAULT_RESOURCE",
    "KEYVAULT_SCOPE",
    "OTHER_CLIENT_ID",
    "OTHER_CLIENT_SECRET",
    "OTHER_TENANT_DOMAIN",
    "OTHER_TENANT_ID",
    "TENANT_DOMAIN",
    "TENANT_ID",
    "Directory",
    "EmulatorAdminClient",
    "EntraEmulator",
    "EntraError",
    "Settings",
    "default_config",
    "read_state",
]
