# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One-line hints for the AADSTS codes users meet most with this grant.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Entra's own text says what is wrong; the hint says what to change, in terms of
this collection's options. docs/troubleshooting.md lists the same codes.
"""

from __future__ import annotations

from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import (
    permission_in,
    resource_default_scope,
)

# code -> (option most likely at fault, hint)
AADSTS_HINTS = {
    7000215: ("client_secret", "Use the client secret's Value, not its Secret ID, and check it belongs to this "
                               "client_id."),
    7000222: ("client_secret", "The client secret has expired: create a new one under Certificates & secrets and "
                               "update client_secret."),
    7000218: ("client_secret", "Give client_secret or keystore_path."),
    700027: ("keystore_path", "The certificate is not registered on the app, or the key does not match it: upload "
                              "the .cer of this keystore to the app registration (Certificates & secrets), and check "
                              "keystore_alias and thumbprint."),
    700024: ("token_duration", "The client assertion is outside its valid time: check this host's clock (NTP) and "
                               "token_duration."),
    90002: ("tenant_id", "No such tenant: check tenant_id (the Directory (tenant) ID or a verified domain) and "
                         "authority_host for sovereign clouds."),
    700016: ("client_id", "No such app in this tenant: check client_id (the Application (client) ID) and tenant_id, "
                          "and that the app is not deleted."),
    1002012: ("scope", "The client credentials grant needs the resource's default scope, such as "
                       "https://graph.microsoft.com/.default."),
    70011: ("scope", "The scope is not valid: use one resource's /.default scope, such as "
                     "https://graph.microsoft.com/.default."),
    500011: ("resource", "No such resource in the tenant: check resource or scope (the API's application ID URI), "
                         "and that the API is consented in this tenant."),
    50196: (None, "Entra is throttling this client: reduce the request rate (reuse tokens until expires_on) or raise "
                  "retries and max_retry_wait."),
    50027: ("keystore_path", "The client assertion is malformed: check signature_algorithm and the keystore."),
    700023: ("client_id", "The client assertion's issuer or subject does not match client_id."),
    50012: ("keystore_path", "Entra rejected the client assertion: check the certificate and its registration."),
    7000112: ("client_id", "The application is disabled."),
    # The federated credential: no federated identity credential on the app matches the token.
    70021: ("client_assertion", "No federated identity credential on the app matches the token's issuer, subject "
                                "and audience."),
    700211: ("client_assertion", "No federated identity credential on the app has the token's issuer."),
    700212: ("client_assertion", "No federated identity credential on the app has the token's audience."),
    700213: ("client_assertion", "No federated identity credential on the app has the token's subject."),
    7002138: ("client_assertion", "A federated identity credential on the app has the token's subject in another "
                                  "case; Entra compares subjects case-sensitively."),
}

# Codes that mean "the federated token matches no federated identity credential": the client adds the token's
# issuer and subject to their hint (federated_hint), since they are what the credential must name.
FEDERATED_CODES = frozenset((70021, 700211, 700212, 700213, 7002138))
_FEDERATED_WHERE = (
    "Add or correct it in Entra under App registrations > the app (client_id) > Certificates & secrets > "
    "Federated credentials (or on the user-assigned managed identity), with exactly this issuer and subject "
    "(compared case-sensitively) and the audience api://AzureADTokenExchange."
)


# Codes that mean "this scope or resource is wrong": their hint also names the /.default scope to ask for
# when the one sent looks like it carries a permission (https://graph.microsoft.com/User.Read).
SCOPE_CODES = frozenset((1002012, 70011, 500011))


def hint_for(codes: tuple, requested: tuple = ()) -> tuple[str | None, str | None]:
    """The (option, hint) of the first code we know, or (None, None).

    ``requested`` holds the scopes (or the v1 resource) sent, to make the scope hints concrete.
    """
    for code in codes:
        if code in AADSTS_HINTS:
            option, hint = AADSTS_HINTS[code]
            if code in SCOPE_CODES:
                hint = _with_scope_suggestion(hint, requested)
            return option, hint
    return None, None


def federated_hint(codes: tuple, token: str) -> str | None:
    """For a federated-credential mismatch, the hint with the token's ``token`` (its iss and sub described), or None.

    ``token`` is ``FederatedAssertion.describe()``: identifiers only, never the token.
    """
    for code in codes:
        if code in FEDERATED_CODES:
            return f"{AADSTS_HINTS[code][1]} The token has {token}. {_FEDERATED_WHERE}"
    return None


def _with_scope_suggestion(hint: str, requested: tuple) -> str:
    for value in requested:
        permission = permission_in(value)
        if permission:
            return (f"{hint} You asked for {value}: if {permission} is a permission, ask for "
                    f"{resource_default_scope(value)} instead (the grant gets every application permission "
                    "granted to the app).")
    return hint
