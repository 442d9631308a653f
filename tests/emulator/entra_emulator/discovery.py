"""OpenID Connect discovery documents and the signing key set, shaped like Entra's.

As in Entra, a tenant named by domain gets documents that name it by GUID, the
v2.0 document's ``issuer`` is ``{authority}/{tid}/v2.0`` and the v1.0 one's is
``https://sts.windows.net/{tid}/``.
"""

from __future__ import annotations

from entra_emulator.tokens import TokenIssuer, v1_issuer, v2_issuer

_COMMON = {
    "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    "response_modes_supported": ["query", "fragment", "form_post"],
    "subject_types_supported": ["pairwise"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
    "request_uri_parameter_supported": False,
    "http_logout_supported": True,
    "frontchannel_logout_supported": True,
    "tenant_region_scope": None,
    "cloud_instance_name": "microsoftonline.com",
    "cloud_graph_host_name": "graph.windows.net",
    "msgraph_host": "graph.microsoft.com",
    "rbac_url": "https://pas.windows.net",
}


TENANT_TEMPLATE = "{tenantid}"


def openid_configuration_v2(authority: str, tenant: str, tenant_id: str) -> dict:
    """``tenant`` names the endpoints (a GUID, or common / organizations), ``tenant_id`` the issuer."""
    base = f"{authority}/{tenant}"
    return {
        **_COMMON,
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "issuer": v2_issuer(authority, tenant_id),
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "kerberos_endpoint": f"{base}/kerberos",
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": (
            "sub iss cloud_instance_name cloud_instance_host_name cloud_graph_host_name msgraph_host "
            "aud exp iat auth_time acr nonce preferred_username name tid ver at_hash c_hash email"
        ).split(),
    }


def openid_configuration_v1(authority: str, tenant: str, tenant_id: str) -> dict:
    base = f"{authority}/{tenant}"
    return {
        **_COMMON,
        "token_endpoint": f"{base}/oauth2/token",
        "jwks_uri": f"{authority}/common/discovery/keys",
        "issuer": v1_issuer(tenant_id),
        "authorization_endpoint": f"{base}/oauth2/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/devicecode",
        "end_session_endpoint": f"{base}/oauth2/logout",
        "kerberos_endpoint": f"{base}/kerberos",
        "userinfo_endpoint": f"{base}/openid/userinfo",
        "microsoft_multi_refresh_token": True,
        "check_session_iframe": f"{base}/oauth2/checksession",
        "scopes_supported": ["openid"],
        "claims_supported": (
            "sub iss cloud_instance_name cloud_instance_host_name cloud_graph_host_name msgraph_host "
            "aud exp iat auth_time acr amr nonce email given_name family_name nickname"
        ).split(),
    }


def keys(issuer: TokenIssuer, tenant_id: str, version: str) -> dict:
    """The key set; each key names the issuer it signs for (``{tenantid}`` outside a tenant)."""
    key_issuer = v2_issuer(issuer.authority, tenant_id) if version == "v2" else v1_issuer(tenant_id)
    return {"keys": [issuer.jwk(key_issuer)]}
