# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The token options shared by the module and the lookup. The argument spec
    # in module_utils/_token/options.py must agree; a unit test checks that it does.
    DOCUMENTATION = r"""
options:
  tenant_id:
    description:
      - The directory (tenant) ID, a GUID, or one of the tenant's verified domains such as
        C(contoso.onmicrosoft.com).
      - When not set by any other means, the environment variable E(AZURE_TENANT_ID) is used.
    type: str
  client_id:
    description:
      - The application (client) ID of the app registration, a GUID.
      - When not set by any other means, the environment variable E(AZURE_CLIENT_ID) is used.
    type: str
  client_secret:
    description:
      - The client secret's B(value) (not its secret ID), for the shared-secret grant.
      - Exactly one credential must be given, O(client_secret), O(keystore_path), O(client_assertion) or
        O(client_assertion_path).
      - When none is set by any other means, the environment variable E(AZURE_CLIENT_SECRET) is used.
    type: str
  client_assertion:
    description:
      - The federated credential (workload identity federation) - a token signed by a platform that a federated
        identity credential on the app trusts, such as a Kubernetes service account token (AKS workload
        identity) or a GitHub Actions or GitLab OIDC token. It is sent to Entra as the client assertion,
        unchanged.
      - Before Entra is called, it is checked without verifying its signature. A value that is not a JWT, or
        that has expired, fails naming this option. An audience (C(aud)) other than
        C(api://AzureADTokenExchange) gives a warning, since a federated identity credential may name another.
      - Platforms rotate such tokens, often hourly. Prefer O(client_assertion_path), which is read again for
        every token request.
    type: str
    version_added: 0.2.0
  client_assertion_path:
    description:
      - A file holding the federated credential (see O(client_assertion)), such as the token file that AKS
        workload identity mounts in the pod.
      - Read again for every token request, since platforms rotate it; its content is never kept after the
        request. It must be a regular file (a FIFO or device is refused) of at most 64 KiB.
      - When no credential is set by any other means, the environment variable E(AZURE_FEDERATED_TOKEN_FILE)
        is used, as azure-identity does. Among C(AZURE_*) variables a client secret comes first, then a
        certificate, then the federated token file; with C(-vvv) the task says which one was used.
    type: path
    version_added: 0.2.0
  keystore_path:
    description:
      - Path to the keystore (JKS, JCEKS, PKCS12) or PEM file holding the private key of the certificate
        registered on the app, for the certificate grant.
      - When no credential is set by any other means and E(AZURE_CLIENT_SECRET) is not set, the environment
        variable E(AZURE_CLIENT_CERTIFICATE_PATH) is used.
      - The file should be readable by its owner only; a warning is shown otherwise.
    type: path
    aliases: [keystore_file]
  keystore_type:
    description:
      - The format of O(keystore_path).
      - V(auto) detects it from the file's bytes, never from its name.
    type: str
    default: auto
    choices: [auto, jks, jceks, pkcs12, pem]
  keystore_password:
    description:
      - The password that opens the keystore. Always checked for JKS and JCEKS, so a tampered store never loads.
      - When not set by any other means and the certificate grant is used, the environment variable
        E(AZURE_CLIENT_CERTIFICATE_PASSWORD) is used.
    type: str
  key_password:
    description:
      - The private key entry's own password, when it differs from O(keystore_password) (JKS and JCEKS),
        or the passphrase of an encrypted PEM key.
      - Defaults to O(keystore_password).
    type: str
  keystore_alias:
    description:
      - The alias of the private key entry to use.
      - Needed only when the keystore holds more than one private key entry; the error then lists the aliases.
      - Matched case-insensitively, as keytool does.
    type: str
  certificate_path:
    description:
      - With a PEM key file whose certificate is stored separately, the certificate file (PEM or DER).
    type: path
  thumbprint:
    description:
      - The certificate's SHA-1 (or SHA-256) thumbprint as registered on the app, as colon-separated hex
        (as keytool prints it), plain hex in any case (as the Azure portal shows it), or a base64url C(x5t).
      - Optional; it is computed from the certificate. When given, it must match the certificate or the task
        fails and shows both.
      - Required only when the key has no certificate beside it.
    type: str
    aliases: [sha1_fingerprint]
  token_duration:
    description:
      - Lifetime, in seconds, of the signed client assertion of the certificate grant (not of the access
        token, whose lifetime Entra decides). Between 1 and 3600.
    type: int
    default: 600
    aliases: [token_duration_secs]
  resource:
    description:
      - A v1-style resource, such as V(https://graph.microsoft.com).
      - With O(api_version=v2) it becomes the scope C(<resource>/.default).
      - Mutually exclusive with O(scope); exactly one of them is required.
    type: str
  scope:
    description:
      - v2-style scopes, such as V(https://graph.microsoft.com/.default).
      - The client credentials grant accepts only the C(/.default) scope of one resource.
      - Mutually exclusive with O(resource).
    type: list
    elements: str
  api_version:
    description:
      - V(v2) POSTs to C(/{tenant}/oauth2/v2.0/token) with C(scope).
      - V(v1) POSTs to C(/{tenant}/oauth2/token) with C(resource).
    type: str
    default: v2
    choices: [v1, v2]
  cloud:
    description:
      - The Azure cloud whose Entra login host is used - V(public) C(https://login.microsoftonline.com),
        V(usgovernment) C(https://login.microsoftonline.us), V(china) C(https://login.chinacloudapi.cn).
      - O(authority_host) (or E(AZURE_AUTHORITY_HOST)) wins when given.
      - The resource or scope must still name the resource of that cloud, such as
        V(https://graph.microsoft.us/.default); the user guide lists the common ones.
    type: str
    default: public
    choices: [public, usgovernment, china]
    version_added: 0.2.0
  authority_host:
    description:
      - The Entra login host. Sovereign clouds use their own, for example
        V(https://login.microsoftonline.us) or V(https://login.chinacloudapi.cn); O(cloud) sets them by name.
      - Defaults to V(https://login.microsoftonline.com), or to the login host of O(cloud) when that is not
        V(public). When not set by any other means, the environment variable E(AZURE_AUTHORITY_HOST) is used.
      - Must be C(https://), except on loopback addresses used for testing.
    type: str
  signature_algorithm:
    description:
      - How the client assertion is signed.
      - V(RS256) signs with the header C(x5t) (base64url SHA-1 thumbprint).
      - V(PS256) signs with the header C(x5t#S256) (base64url SHA-256 thumbprint).
      - V(auto) uses V(PS256) with O(api_version=v2), which is Microsoft's current guidance, and V(RS256) with
        O(api_version=v1) or when only a SHA-1 thumbprint is known.
    type: str
    default: auto
    choices: [auto, RS256, PS256]
  send_certificate_chain:
    description:
      - Adds the C(x5c) header (the certificate chain) to the client assertion, for subject name and issuer
        authentication.
      - Defaults to V(false). When not set by any other means, the environment variable
        E(AZURE_CLIENT_SEND_CERTIFICATE_CHAIN) is used, for the certificate grant; it must be C(true) or
        C(false) (or C(1), C(0), C(yes), C(no)). Unlike azure-identity, which takes any non-empty value as
        true, V(false) there means false.
    type: bool
  timeout:
    description:
      - The longest time, in seconds, that one request to the token endpoint may take, from connecting to reading
        the whole answer. Each retry gets the same time again.
      - More than 0 and at most 600; fractions such as V(2.5) are allowed.
    type: float
    default: 30
  validate_certs:
    description:
      - Whether to verify the token endpoint's TLS certificate. Only turn this off for testing.
    type: bool
    default: true
  ca_path:
    description:
      - CA certificates to trust for the token endpoint, for proxies that re-sign TLS, as a PEM file or a directory
        of PEM files. It must be a regular file (a FIFO or device is refused).
      - Without it, E(REQUESTS_CA_BUNDLE) or else E(CURL_CA_BUNDLE) names the bundle; without those, the system's CA
        store is used (certifi's bundle when the system store is empty and certifi is installed).
      - E(HTTPS_PROXY) (an C(http://) proxy, reached with CONNECT; C(user:password@) for proxy authentication) and
        E(NO_PROXY) from the environment are honoured too. Redirects are never followed.
    type: path
  retries:
    description:
      - How many times to retry a request that failed in a way that may pass by itself, between 0 and 10.
      - Retried are connection errors, timeouts, dropped connections and HTTP 408, 429, 500, 502, 503 and 504.
        Other errors, such as a wrong secret, are never retried.
      - The wait honours the C(Retry-After) header (seconds or HTTP date); without it, it grows exponentially
        (1, 2, 4, 8... seconds, with random jitter, capped by O(max_retry_wait)).
      - The whole call takes at most (O(retries) + 1) x O(timeout) + O(retries) x O(max_retry_wait) seconds.
    type: int
    default: 4
  max_retry_wait:
    description:
      - The longest wait, in seconds, before a retry, between 0 and 600.
      - A C(Retry-After) longer than this fails at once, and the message gives the wait asked for.
    type: float
    default: 60
  cache:
    description:
      - Keep tokens in an encrypted cache in O(cache_dir) and reuse one until O(refresh_margin) seconds before it
        expires, so that every host, fork and task of a run asking for the same token makes one request.
      - Forks that ask at once take turns on a lock file; one asks the endpoint and the others read its answer.
      - Each entry is encrypted (AES-GCM) under a key derived from the credential itself (the client secret, or
        the keystore file's bytes and its passwords), so a cache file is useless without the credential, and a
        rotated secret or a replaced keystore simply misses. A cache hit opens no keystore.
      - The default is V(false) for the P(azure_ad.oauth.token#module) module, which runs on managed hosts, and
        V(true) for the P(azure_ad.oauth.token#lookup) lookup, which runs on the controller.
      - Needs cryptography; without it, or when O(cache_dir) cannot be used, tokens are requested every time,
        with one warning.
    type: bool
    default: false
    version_added: 0.2.0
  cache_dir:
    description:
      - Where the cache keeps its entries, on the machine where the code runs (the controller for the lookup, the
        managed host for the module). Created with mode C(0700) when missing.
      - A directory that is a symbolic link, belongs to another user, or that others can write to is not used.
    type: path
    default: ~/.cache/azure_ad.oauth
    version_added: 0.2.0
  refresh_margin:
    description:
      - A cached token is refreshed, rather than reused, when fewer than this many seconds remain before it
        expires. Between 0 and 3000.
    type: int
    default: 300
    version_added: 0.2.0
notes:
  - Exactly one credential (O(client_secret), O(keystore_path), O(client_assertion) or O(client_assertion_path))
    and exactly one of O(resource) and O(scope) must be given; both rules hold after the environment variables
    are applied.
  - A credential given explicitly is never combined with one from the environment. When several come from the
    environment, the first of E(AZURE_CLIENT_SECRET), E(AZURE_CLIENT_CERTIFICATE_PATH) and
    E(AZURE_FEDERATED_TOKEN_FILE) is used, as in azure-identity, and C(-vvv) says so.
requirements:
  - PyJWT (certificate grant)
  - cryptography (certificate grant)
  - pyjks (JKS and JCEKS keystores)
"""

    # Lookups also read their options from variables, ansible.cfg and
    # ANSIBLE_AZURE_AD_OAUTH_* variables. Secrets are never read from ansible.cfg.
    PLUGINS = r"""
options:
  tenant_id:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_TENANT_ID}]
    ini: [{section: azure_ad_oauth, key: tenant_id}]
    vars: [{name: azure_ad_oauth_tenant_id}]
  client_id:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_CLIENT_ID}]
    ini: [{section: azure_ad_oauth, key: client_id}]
    vars: [{name: azure_ad_oauth_client_id}]
  client_secret:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_CLIENT_SECRET}]
    vars: [{name: azure_ad_oauth_client_secret}]
  client_assertion:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_CLIENT_ASSERTION}]
    vars: [{name: azure_ad_oauth_client_assertion}]
  client_assertion_path:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_CLIENT_ASSERTION_PATH}]
    ini: [{section: azure_ad_oauth, key: client_assertion_path}]
    vars: [{name: azure_ad_oauth_client_assertion_path}]
  keystore_path:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_KEYSTORE_PATH}]
    ini: [{section: azure_ad_oauth, key: keystore_path}]
    vars: [{name: azure_ad_oauth_keystore_path}]
  keystore_type:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_KEYSTORE_TYPE}]
    ini: [{section: azure_ad_oauth, key: keystore_type}]
    vars: [{name: azure_ad_oauth_keystore_type}]
  keystore_password:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_KEYSTORE_PASSWORD}]
    vars: [{name: azure_ad_oauth_keystore_password}]
  key_password:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_KEY_PASSWORD}]
    vars: [{name: azure_ad_oauth_key_password}]
  keystore_alias:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_KEYSTORE_ALIAS}]
    ini: [{section: azure_ad_oauth, key: keystore_alias}]
    vars: [{name: azure_ad_oauth_keystore_alias}]
  certificate_path:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_CERTIFICATE_PATH}]
    ini: [{section: azure_ad_oauth, key: certificate_path}]
    vars: [{name: azure_ad_oauth_certificate_path}]
  thumbprint:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_THUMBPRINT}]
    ini: [{section: azure_ad_oauth, key: thumbprint}]
    vars: [{name: azure_ad_oauth_thumbprint}]
  token_duration:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_TOKEN_DURATION}]
    ini: [{section: azure_ad_oauth, key: token_duration}]
    vars: [{name: azure_ad_oauth_token_duration}]
  resource:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_RESOURCE}]
    ini: [{section: azure_ad_oauth, key: resource}]
    vars: [{name: azure_ad_oauth_resource}]
  scope:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_SCOPE}]
    ini: [{section: azure_ad_oauth, key: scope}]
    vars: [{name: azure_ad_oauth_scope}]
  api_version:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_API_VERSION}]
    ini: [{section: azure_ad_oauth, key: api_version}]
    vars: [{name: azure_ad_oauth_api_version}]
  cloud:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_CLOUD}]
    ini: [{section: azure_ad_oauth, key: cloud}]
    vars: [{name: azure_ad_oauth_cloud}]
  authority_host:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_AUTHORITY_HOST}]
    ini: [{section: azure_ad_oauth, key: authority_host}]
    vars: [{name: azure_ad_oauth_authority_host}]
  signature_algorithm:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_SIGNATURE_ALGORITHM}]
    ini: [{section: azure_ad_oauth, key: signature_algorithm}]
    vars: [{name: azure_ad_oauth_signature_algorithm}]
  send_certificate_chain:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_SEND_CERTIFICATE_CHAIN}]
    ini: [{section: azure_ad_oauth, key: send_certificate_chain}]
    vars: [{name: azure_ad_oauth_send_certificate_chain}]
  timeout:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_TIMEOUT}]
    ini: [{section: azure_ad_oauth, key: timeout}]
    vars: [{name: azure_ad_oauth_timeout}]
  validate_certs:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_VALIDATE_CERTS}]
    ini: [{section: azure_ad_oauth, key: validate_certs}]
    vars: [{name: azure_ad_oauth_validate_certs}]
  ca_path:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_CA_PATH}]
    ini: [{section: azure_ad_oauth, key: ca_path}]
    vars: [{name: azure_ad_oauth_ca_path}]
  retries:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_RETRIES}]
    ini: [{section: azure_ad_oauth, key: retries}]
    vars: [{name: azure_ad_oauth_retries}]
  max_retry_wait:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_MAX_RETRY_WAIT}]
    ini: [{section: azure_ad_oauth, key: max_retry_wait}]
    vars: [{name: azure_ad_oauth_max_retry_wait}]
  cache:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_CACHE}]
    ini: [{section: azure_ad_oauth, key: cache}]
    vars: [{name: azure_ad_oauth_cache}]
  cache_dir:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_CACHE_DIR}]
    ini: [{section: azure_ad_oauth, key: cache_dir}]
    vars: [{name: azure_ad_oauth_cache_dir}]
  refresh_margin:
    env: [{name: ANSIBLE_AZURE_AD_OAUTH_REFRESH_MARGIN}]
    ini: [{section: azure_ad_oauth, key: refresh_margin}]
    vars: [{name: azure_ad_oauth_refresh_margin}]
"""
