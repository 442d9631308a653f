# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: token
short_description: Get access tokens from Microsoft Entra ID with the client credentials grant
version_added: 0.1.0
description:
  - Gets OAuth 2.0 access tokens from Microsoft Entra ID (Azure AD) on the controller, by client secret or by
    certificate, for use in templates and task arguments.
  - Each term is a resource (such as V(https://graph.microsoft.com)) or a scope (ending in C(/.default)); one
    access token is returned per term. With no terms, the O(resource) or O(scope) option is used.
  - The keystore is opened once per call, however many terms there are. A federated token file
    (O(client_assertion_path)) is read again for each term, since platforms rotate it.
  - A relative O(keystore_path), O(certificate_path) or O(ca_path) is looked for as other lookups look for
    files, on the controller - in the role's C(files/) directory, the play's C(files/) directory and the
    playbook's directory - whatever the current directory is. A path found nowhere is reported as given.
author:
  - azure_ad.oauth maintainers (@azure-ad-oauth)
extends_documentation_fragment:
  - azure_ad.oauth.token_request
  - azure_ad.oauth.token_request.plugins
options:
  _terms:
    description: Resources or scopes to get tokens for.
    type: list
    elements: str
    required: false
  output:
    description:
      - V(token) returns the access token string.
      - V(dict) returns the full result, as the P(azure_ad.oauth.token#module) module returns it.
    type: str
    default: token
    choices: [token, dict]
  # Read as given (not as type path, which Ansible would make absolute against the current directory), so
  # that the lookup can look for a relative one in the task's search path, as other lookups do.
  keystore_path:
    type: str
  certificate_path:
    type: str
  ca_path:
    type: str
  # On the controller the cache is on by default: one request per token for the whole run (see cache).
  cache:
    default: true
seealso:
  - module: azure_ad.oauth.token
"""

EXAMPLES = r"""
- name: Call Microsoft Graph with a token made on the controller
  ansible.builtin.uri:
    url: https://graph.microsoft.com/v1.0/applications
    headers:
      Authorization: "Bearer {{ lookup('azure_ad.oauth.token', 'https://graph.microsoft.com/.default',
                                       tenant_id=tenant, client_id=app, client_secret=secret) }}"
  no_log: true

- name: Render a config file holding a token, certificate grant from a PKCS12 keystore
  ansible.builtin.template:
    src: client.conf.j2
    dest: /etc/myapp/client.conf
    mode: "0600"
  vars:
    graph_token: "{{ lookup('azure_ad.oauth.token', 'https://graph.microsoft.com',
                            keystore_path='files/app.p12', keystore_password=vault_p12_password) }}"
  no_log: true

- name: Tokens for two resources at once, with options from ansible.cfg [azure_ad_oauth] and AZURE_* variables
  ansible.builtin.set_fact:
    tokens: "{{ lookup('azure_ad.oauth.token', 'https://graph.microsoft.com', 'https://vault.azure.net',
                       wantlist=true) }}"
  no_log: true

- name: A token in a GitHub Actions job, from its OIDC token written to a file by an earlier step
  ansible.builtin.set_fact:
    arm_token: "{{ lookup('azure_ad.oauth.token', 'https://management.azure.com/.default',
                          tenant_id=tenant, client_id=app, client_assertion_path=oidc_token_file) }}"
  vars:
    oidc_token_file: "{{ lookup('ansible.builtin.env', 'RUNNER_TEMP') }}/oidc.jwt"
  no_log: true

- name: The full result, to know when the token expires
  ansible.builtin.debug:
    msg: "{{ (lookup('azure_ad.oauth.token', resource='https://management.azure.com', output='dict')).expires_on }}"
"""

RETURN = r"""
_raw:
  description:
    - One access token per term, or one result dict per term with O(output=dict) (see the
      P(azure_ad.oauth.token#module) module's return values).
  type: list
  elements: raw
"""

import os

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters.failures import TOKEN_LOOKUP, attempt
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import TOKEN_OPTIONS
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request, target_from_term

display = Display()

# Every option of this lookup can be set by a variable with this prefix (see the doc fragment).
OPTION_VARIABLE_PREFIX = "azure_ad_oauth_"
# Paths found as other lookups find files: the role's files/, the play's files/, the playbook directory.
SEARCHED_PATH_OPTIONS = ("keystore_path", "certificate_path", "ca_path")


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=self._option_variables(variables), direct=kwargs)
        options = {name: self.get_option(name) for name in TOKEN_OPTIONS}
        for name in SEARCHED_PATH_OPTIONS:
            options[name] = self._find_path(variables, options[name])
        # The safety net: native panics too, else the worker dies with the play. Ansible's own errors are clean.
        results, failure = attempt(lambda: self._acquire(options, terms or []), TOKEN_LOOKUP,
                                   let_through=(AnsibleError,))  # fmt: skip
        if failure is not None:
            raise AnsibleLookupError(failure.message)
        if self.get_option("output") == "dict":
            return [result.to_dict() for result in results]
        return [result.access_token for result in results]

    def _find_path(self, variables, path):
        """``path`` found in the task's search path when it is relative, else as given.

        A relative path that is found nowhere stays as given, so that the keystore
        reader's "does not exist" message names the option and the path the user wrote.
        """
        if not isinstance(path, str) or not path or os.path.isabs(path):
            return path
        if path.startswith("~"):
            return os.path.expanduser(path)
        if not variables:
            return path
        return self.find_file_in_search_path(variables, "files", path, ignore_missing=True) or path

    def _option_variables(self, variables):
        """Our variables, templated: a lookup gets them raw, and they often hold "{{ vault_secret }}"."""
        if not variables:
            return variables
        return {
            name: self._templar.template(value)
            for name, value in variables.items()
            if name.startswith(OPTION_VARIABLE_PREFIX)
        }

    @staticmethod
    def _acquire(options, terms):
        request, option_target = build_token_request(options, dict(os.environ))
        targets = [target_from_term(term, request.api_version) for term in terms]
        if not targets:
            if option_target is None:
                raise OptionError("Give a resource or scope as a term, or set the resource or scope option.",
                                  option="resource")
            targets = [option_target]
        client = TokenClient(request, warn=display.warning, on_retry=_show_retry, info=_show_note)
        return [client.acquire(target) for target in targets]


def _show_retry(number, reason, wait):
    display.vvv(f"azure_ad.oauth.token: {reason}; retry {number} in {wait:.1f}s")


def _show_note(note):
    display.vvv(f"azure_ad.oauth.token: {note}")
