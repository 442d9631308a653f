"""The directory the emulator starts with: tenants, resources and apps.

The demo and the tests import these constants instead of repeating GUIDs. The
first-party resources carry the app IDs and identifier URIs they have in real
Entra ID; everything else is made up for Contoso and Fabrikam.
"""

from __future__ import annotations

import copy

TENANT_ID = "8eaef023-2b34-4da1-9baa-8bc8c9d6a490"
TENANT_DOMAIN = "contoso.onmicrosoft.com"
TENANT_NAME = "Contoso"

# A second tenant, for "right app, wrong tenant" cases.
OTHER_TENANT_ID = "3c1e5d7f-9a2b-4c6d-8e0f-1a2b3c4d5e6f"
OTHER_TENANT_DOMAIN = "fabrikam.onmicrosoft.com"
OTHER_TENANT_NAME = "Fabrikam"

CLIENT_ID = "5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10"
CLIENT_NAME = "azure_ad.oauth demo"
CLIENT_SECRET = "emu~Secret.Value_0123456789abcdefGHIJ"
CLIENT_SECRET_ID = "0d8f3b6a-5e2c-4f71-a9d4-3c6b1e8f2a57"
# The object ID of the app's service principal in its tenant: the `oid` and `sub` of its tokens.
CLIENT_OBJECT_ID = "a1b2c3d4-1111-4e5f-8a9b-0c1d2e3f4a5b"

OTHER_CLIENT_ID = "9e4d2c1b-3a5f-4e6d-8c7b-1a0f9e8d7c6b"
OTHER_CLIENT_SECRET = "fab~Other.Secret_9876543210zyxwvuTSRQ"
OTHER_CLIENT_SECRET_ID = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_SCOPE = GRAPH_RESOURCE + "/.default"

ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
ARM_RESOURCE = "https://management.azure.com/"
ARM_LEGACY_RESOURCE = "https://management.core.windows.net/"
ARM_SCOPE = ARM_RESOURCE + ".default"

KEYVAULT_APP_ID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"
KEYVAULT_RESOURCE = "https://vault.azure.net"
KEYVAULT_SCOPE = KEYVAULT_RESOURCE + "/.default"

CUSTOM_API_APP_ID = "b5c3e1d2-8f4a-4c6e-9a7b-2d1e0f3c4a5b"
CUSTOM_API_RESOURCE = "api://" + CUSTOM_API_APP_ID
CUSTOM_API_SCOPE = CUSTOM_API_RESOURCE + "/.default"

GRAPH_ROLES = ["User.Read.All"]
CUSTOM_API_ROLES = ["Inventory.Read.All"]

_DEFAULT_CONFIG = {
    "tenants": [
        {"tenant_id": TENANT_ID, "display_name": TENANT_NAME, "domains": [TENANT_DOMAIN]},
        {"tenant_id": OTHER_TENANT_ID, "display_name": OTHER_TENANT_NAME, "domains": [OTHER_TENANT_DOMAIN]},
    ],
    # First-party resources exist in every tenant. Real Graph, ARM and Key Vault
    # tokens are v1.0 tokens whichever endpoint issued them.
    "resources": [
        {
            "app_id": GRAPH_APP_ID,
            "display_name": "Microsoft Graph",
            "identifier_uris": [GRAPH_RESOURCE, "https://graph.microsoft.com/"],
            "access_token_version": 1,
        },
        {
            "app_id": ARM_APP_ID,
            "display_name": "Windows Azure Service Management API",
            "identifier_uris": [ARM_RESOURCE, ARM_LEGACY_RESOURCE],
            "access_token_version": 1,
        },
        {
            "app_id": KEYVAULT_APP_ID,
            "display_name": "Azure Key Vault",
            "identifier_uris": [KEYVAULT_RESOURCE],
            "access_token_version": 1,
        },
        {
            "app_id": CUSTOM_API_APP_ID,
            "display_name": "Contoso Inventory API",
            "identifier_uris": [CUSTOM_API_RESOURCE],
            "access_token_version": 2,
            "tenant_id": TENANT_ID,
        },
    ],
    "apps": [
        {
            "client_id": CLIENT_ID,
            "tenant_id": TENANT_ID,
            "display_name": CLIENT_NAME,
            "object_id": CLIENT_OBJECT_ID,
            "secrets": [{"secret_id": CLIENT_SECRET_ID, "value": CLIENT_SECRET}],
            "roles": {GRAPH_APP_ID: GRAPH_ROLES, CUSTOM_API_APP_ID: CUSTOM_API_ROLES},
        },
        {
            "client_id": OTHER_CLIENT_ID,
            "tenant_id": OTHER_TENANT_ID,
            "display_name": "Fabrikam reporting",
            "secrets": [{"secret_id": OTHER_CLIENT_SECRET_ID, "value": OTHER_CLIENT_SECRET}],
        },
    ],
}


def default_config() -> dict:
    """A fresh copy of the default directory, safe to modify."""
    return copy.deepcopy(_DEFAULT_CONFIG)
