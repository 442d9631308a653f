#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: token
short_description: Get an access token from Microsoft Entra ID with the client credentials grant
version_added: 0.1.0
description:
  - Gets an OAuth 2.0 access token from Microsoft Entra ID (Azure AD) for an app registration, with the
    client credentials grant.
  - The app proves its identity with a client secret, or with a certificate whose private key is read from a
    JKS, JCEKS or PKCS12 keystore or a PEM file, by signing a JWT client assertion, or with a federated token
    that a platform it runs on issued (workload identity federation, for example AKS workload identity or a
    GitHub Actions OIDC token), sent as the client assertion.
  - Never changes anything, so it runs in check mode too.
  - "B(The result holds a bearer token.) Set C(no_log: true) on the task whenever its result could be shown,
    for example with C(-v) or a callback that prints results."
  - To get a token on the controller, for example inside a template, use the P(azure_ad.oauth.token#lookup)
    lookup instead.
author:
  - azure_ad.oauth maintainers (@azure-ad-oauth)
extends_documentation_fragment:
  - azure_ad.oauth.token_request
  - ansible.builtin.action_common_attributes
  - azure_ad.oauth.token_group
attributes:
  check_mode:
    support: full
    details: The module never changes anything; check mode gets a real token.
  diff_mode:
    support: none
seealso:
  - plugin: azure_ad.oauth.token
    plugin_type: lookup
  - name: Microsoft identity platform and the OAuth 2.0 client credentials flow
    description: The grant this module implements, and its error codes.
    link: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
  - name: Certificate credentials for application authentication
    description: The client assertion signed with the keystore's key.
    link: https://learn.microsoft.com/entra/identity-platform/certificate-credentials
"""

EXAMPLES = r"""
- name: Get a Microsoft Graph token with a client secret
  azure_ad.oauth.token:
    tenant_id: contoso.onmicrosoft.com
    client_id: 5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10
    client_secret: "{{ vault_graph_client_secret }}"
    scope:
      - https://graph.microsoft.com/.default
  register: graph
  no_log: true

- name: Call Microsoft Graph with it
  ansible.builtin.uri:
    url: https://graph.microsoft.com/v1.0/applications
    headers:
      Authorization: "Bearer {{ graph.access_token }}"
  no_log: true

- name: Get an Azure Resource Manager token (v1) with a certificate from a JKS keystore
  azure_ad.oauth.token:
    tenant_id: 8eaef023-2b34-4da1-9baa-8bc8c9d6a490
    client_id: 5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10
    keystore_path: /etc/pki/azure/app.jks
    keystore_password: "{{ vault_keystore_password }}"
    key_password: "{{ vault_key_password }}"
    keystore_alias: azure-ad
    api_version: v1
    resource: https://management.azure.com
  register: arm
  no_log: true

- name: A Graph token in a pod with AKS workload identity (the webhook sets AZURE_TENANT_ID, AZURE_CLIENT_ID and
    AZURE_FEDERATED_TOKEN_FILE, which the module reads)
  azure_ad.oauth.token:
    scope: https://graph.microsoft.com/.default
  register: graph
  no_log: true

- name: A federated token file named explicitly, in the US Government cloud
  azure_ad.oauth.token:
    tenant_id: "{{ azure_tenant_id }}"
    client_id: "{{ azure_client_id }}"
    client_assertion_path: /var/run/secrets/azure/tokens/azure-identity-token
    cloud: usgovernment
    scope: https://graph.microsoft.us/.default
  register: graph_gov
  no_log: true

- name: Set the connection once for every token task of a play
  module_defaults:
    group/azure_ad.oauth.token:
      tenant_id: "{{ azure_tenant_id }}"
      client_id: "{{ azure_client_id }}"
      keystore_path: /etc/pki/azure/app.p12
      keystore_password: "{{ vault_keystore_password }}"
  block:
    - name: Key Vault token
      azure_ad.oauth.token:
        resource: https://vault.azure.net
      register: vault
      no_log: true
"""

RETURN = r"""
access_token:
  description: "The access token, to send as C(Authorization: Bearer <token>)."
  returned: success
  type: str
token_type:
  description: The token type, always C(Bearer).
  returned: success
  type: str
  sample: Bearer
expires_in:
  description: Seconds until the token expires (an integer, also for v1, which sends a string).
  returned: success
  type: int
  sample: 3599
expires_on:
  description: When the token expires, in seconds since the epoch. Computed for v2, which does not send it.
  returned: success
  type: int
  sample: 1795999999
ext_expires_in:
  description: Extended lifetime, in seconds, for use during an Entra outage.
  returned: when sent by Entra
  type: int
  sample: 3599
resource:
  description: The resource the token is for.
  returned: when O(api_version=v1)
  type: str
  sample: https://management.azure.com
scope:
  description: The scopes that were requested.
  returned: when O(api_version=v2)
  type: list
  elements: str
  sample: [https://graph.microsoft.com/.default]
api_version:
  description: The token endpoint version used.
  returned: success
  type: str
  sample: v2
cached:
  description:
    - Whether the token came from the token cache (O(cache=true)) rather than from a request made by this task.
  returned: success
  type: bool
  sample: false
  version_added: 0.2.0
claims:
  description:
    - The token's payload, decoded B(without verification), for asserts and debugging (C(roles), C(aud),
      C(appid), C(exp)).
  returned: when the access token is a JWT
  type: dict
  sample: {"aud": "https://graph.microsoft.com", "roles": ["User.Read.All"], "appidacr": "2"}
error:
  description:
    - Facts about a failure, for C(failed_when) and C(until).
    - RV(error.option) and RV(error.type) come with every failure; the others only when Entra refused the request.
  returned: failure
  type: dict
  contains:
    option:
      description: The option at fault, when there is one.
      type: str
      sample: client_secret
    type:
      description:
        - The kind of failure, C(OptionError), C(KeystoreError), C(TransportError) or C(TokenEndpointError).
      type: str
      sample: TokenEndpointError
    status:
      description: The HTTP status of Entra's answer.
      type: int
      sample: 401
    error:
      description: Entra's OAuth error code.
      type: str
      sample: invalid_client
    error_codes:
      description: Entra's AADSTS error codes.
      type: list
      elements: int
      sample: [7000215]
    trace_id:
      description: Entra's trace ID, for Microsoft support.
      type: str
    correlation_id:
      description: The correlation ID of the request.
      type: str
"""

import os

from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters.module import AdapterModule, run_guarded
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import token_argument_spec
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import TokenTarget, build_token_request


def main():
    module = AdapterModule(argument_spec=token_argument_spec(), supports_check_mode=True)
    client, target = run_guarded(module, lambda: token_client(module))
    result = run_guarded(module, lambda: acquire(module, client, target))
    module.exit_json(changed=False, **result)


def token_client(module: AdapterModule) -> tuple[TokenClient, TokenTarget]:
    """A client for the task's validated options, and what the token is for."""
    request, target = build_token_request(module.params, dict(os.environ))
    # Secrets taken from AZURE_* variables are masked like no_log options.
    module.no_log_values.update(request.secrets)
    if target is None:
        raise OptionError("Give either resource or scope.", option="resource")
    return TokenClient(request, warn=module.warn, info=lambda note: _verbose_note(module, note)), target


def _verbose_note(module: AdapterModule, note: str) -> None:
    """A module cannot print at -vvv itself: the note goes to the host's log, and into the warnings at -vvv."""
    module.log(note)
    if getattr(module, "_verbosity", 0) >= 3:
        module.warn(note)


def acquire(module: AdapterModule, client: TokenClient, target: TokenTarget) -> dict:
    """The token as the module returns it; the retries it took are listed in one warning, also when it fails."""
    try:
        return client.acquire(target).to_dict()
    finally:
        if client.retries:
            module.warn("The token endpoint was retried: " + "; ".join(
                f"retry {retry.attempt} after {retry.reason}, waited {retry.wait:.1f}s" for retry in client.retries))


if __name__ == "__main__":
    main()
