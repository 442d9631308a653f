#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_certificate
short_description: Register or remove an app registration's certificate through Microsoft Graph, signed by its own key
version_added: 0.2.0
description:
  - Adds a certificate to the key credentials of the app registration it authenticates as, or removes one, with
    Microsoft Graph's C(addKey) and C(removeKey), which need no Graph permission for an app's own keys.
  - Graph requires a proof of possession signed by a certificate that is registered on the app and valid now, so
    the module needs a certificate credential (O(keystore_path)); a client secret fails.
  - The same credential gets the Graph token, for the C(/.default) scope of O(graph_endpoint).
  - Idempotent by SHA-1 thumbprint. It never removes the certificate that signs the proof, unless O(force=true).
  - The P(azure_ad.oauth.certificate_rotation#role) role uses it to rotate an app's certificate with no failed token.
  - O(resource) and O(scope) are accepted, so that C(module_defaults) of the C(token) group apply, and are not used.
author:
  - azure_ad.oauth maintainers (@azure-ad-oauth)
extends_documentation_fragment:
  - azure_ad.oauth.token_request
  - ansible.builtin.action_common_attributes
  - azure_ad.oauth.token_group
options:
  state:
    description:
      - V(present) registers the certificate given by O(certificate) or O(certificate_path).
      - V(absent) removes the certificate named by O(thumbprint) or O(key_id).
    type: str
    default: present
    choices: [present, absent]
  certificate:
    description:
      - The certificate to register, as PEM text or base64 DER. Mutually exclusive with O(certificate_path).
    type: str
  certificate_path:
    description:
      - A PEM or DER file holding the certificate to register. Mutually exclusive with O(certificate).
      - In this module it is not the credential's certificate; O(keystore_path) must hold the credential's
        certificate beside its key (PKCS12, JKS, JCEKS, or a PEM file with both).
    type: path
  thumbprint:
    description:
      - With O(state=absent), the SHA-1 thumbprint of the certificate to remove (hex, colon-separated hex, or
        base64url).
      - In this module it does not name the credential's certificate.
    type: str
    aliases: [sha1_fingerprint]
  key_id:
    description:
      - With O(state=absent), the key ID (a GUID) of the key credential to remove.
    type: str
  force:
    description:
      - Allow removing the certificate that signs the proof (the one in O(keystore_path)). The app can then no
        longer roll its keys with it.
    type: bool
    default: false
  remove_expired:
    description:
      - Also remove every certificate credential whose end date has passed.
    type: bool
    default: false
  object_id:
    description:
      - The application's object ID (not its client ID). Skips the lookup of it by client ID.
      - Reading the application needs C(Application.Read.All), or C(Application.ReadWrite.OwnedBy) with the app
        among its owners. When Graph refuses the read and O(object_id) is given, O(state=present) still works,
        taking Graph's refusal of a duplicate certificate to mean that it is registered already.
    type: str
  graph_endpoint:
    description:
      - The Microsoft Graph endpoint, C(https://) with no path.
      - Defaults to the cloud's Graph endpoint, V(https://graph.microsoft.com) in the public cloud; national clouds
        have their own, such as V(https://graph.microsoft.us).
    type: str
  display_name:
    description:
      - The display name of the new key credential. Graph uses the certificate's subject when it is not given.
    type: str
  propagation_timeout:
    description:
      - Seconds to keep retrying the Graph token while Entra answers C(AADSTS700027) (key not found), which a
        certificate added moments ago gets until it has propagated. V(0) fails at once.
      - Between 0 and 3600.
    type: float
    default: 0
attributes:
  check_mode:
    support: full
    details: Reads the application and predicts C(changed) without adding or removing anything.
  diff_mode:
    support: full
    details: The certificate thumbprints before and after.
seealso:
  - module: azure_ad.oauth.token
  - module: azure_ad.oauth.keystore
  - name: "application: addKey"
    description: The Graph call that registers the certificate, and its proof of possession.
    link: https://learn.microsoft.com/graph/api/application-addkey
  - name: "application: removeKey"
    description: The Graph call that removes a key credential.
    link: https://learn.microsoft.com/graph/api/application-removekey
"""

EXAMPLES = r"""
- name: Register the next certificate, signed with the current keystore's key
  azure_ad.oauth.app_certificate:
    tenant_id: contoso.onmicrosoft.com
    client_id: 5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10
    keystore_path: /etc/pki/azure/app.p12
    keystore_password: "{{ vault_keystore_password }}"
    certificate_path: /etc/pki/azure/next.crt
    display_name: app 2027
  register: registered

- name: Remove the previous certificate and every expired one, signed with the new keystore's key
  azure_ad.oauth.app_certificate:
    tenant_id: contoso.onmicrosoft.com
    client_id: 5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10
    keystore_path: /etc/pki/azure/next.p12
    keystore_password: "{{ vault_keystore_password }}"
    state: absent
    thumbprint: 7B:1F:0D:3A:9C:55:21:E0:4A:6B:93:AF:12:C4:D8:70:5E:6F:81:B2
    remove_expired: true
    propagation_timeout: 300
"""

RETURN = r"""
object_id:
  description: The application's object ID.
  returned: success
  type: str
  sample: a1b2c3d4-1111-4e5f-8a9b-0c1d2e3f4a5b
thumbprint:
  description: The SHA-1 thumbprint of the certificate given to register (upper-case hex).
  returned: when O(state=present)
  type: str
  sample: 7B1F0D3A9C5521E04A6B93AF12C4D8705E6F81B2
signing_thumbprint:
  description: The SHA-1 thumbprint of the certificate in O(keystore_path), which signed the proof.
  returned: success
  type: str
  sample: 0F3A2C5521E04A6B93AF12C4D8705E6F81B27B1D
key_credentials:
  description:
    - The application's key credentials afterwards (in check mode, as they would be).
    - Only those added, when Graph refused to read the application and O(object_id) was given.
  returned: success
  type: list
  elements: dict
  contains:
    key_id:
      description: The key ID, a GUID; empty for a certificate that check mode predicts.
      type: str
    type:
      description: The credential type, C(AsymmetricX509Cert) for a certificate.
      type: str
    thumbprint:
      description: The SHA-1 thumbprint (upper-case hex), from Graph's C(customKeyIdentifier).
      type: str
    display_name:
      description: The display name.
      type: str
    start_date_time:
      description: When the credential becomes valid, ISO 8601 UTC.
      type: str
    end_date_time:
      description: When it expires, ISO 8601 UTC.
      type: str
    in_use:
      description: Whether it is the certificate of O(keystore_path), the one this task authenticated and signed with.
      type: bool
added:
  description: The key credentials added (same keys as RV(key_credentials)).
  returned: success
  type: list
  elements: dict
removed:
  description: The key credentials removed, or that check mode would remove (same keys as RV(key_credentials)).
  returned: success
  type: list
  elements: dict
error:
  description:
    - Facts about a failure, for C(failed_when) and C(until).
    - For a Graph refusal, RV(error.error) is Graph's error code and RV(error.trace_id) its C(request-id).
  returned: failure
  type: dict
  contains:
    option:
      description: The option at fault, when there is one.
      type: str
      sample: force
    type:
      description:
        - The kind of failure, C(OptionError), C(KeystoreError), C(TransportError), C(TokenEndpointError) or
          C(GraphError).
      type: str
      sample: GraphError
    status:
      description: The HTTP status of the refusal.
      type: int
      sample: 403
    error:
      description: Entra's OAuth error code, or Graph's error code.
      type: str
      sample: Authorization_RequestDenied
    error_codes:
      description: Entra's AADSTS error codes (empty for Graph).
      type: list
      elements: int
      sample: [700027]
    trace_id:
      description: Entra's trace ID, or Graph's request-id, for Microsoft support.
      type: str
    correlation_id:
      description: The client-request-id sent.
      type: str
"""

import os

from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters.module import AdapterModule, run_guarded
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.app_certificate import CertificateManager
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.options import app_certificate_argument_spec


def main():
    module = AdapterModule(argument_spec=app_certificate_argument_spec(), supports_check_mode=True)

    def on_retry(attempt, reason, wait):
        # Said as it happens: a later failure ends the module before a summary could be added.
        module.warn(f"Entra or Microsoft Graph was retried: retry {attempt} after {reason}, waited {wait:.1f}s")

    manager = run_guarded(module, lambda: CertificateManager(module.params, dict(os.environ), module.warn, on_retry))
    # Secrets taken from AZURE_* variables are masked like no_log options.
    module.no_log_values.update(manager.secrets)
    result = run_guarded(module, lambda: manager.run(module.check_mode))
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
