# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: token_claims
short_description: Decode an access token's claims without verifying it
version_added: 0.1.0
description:
  - Returns the payload of a JWT access token, B(without verifying its signature), for asserts and debugging,
    for example C(roles), C(aud), C(appid) and C(exp).
  - Never use the result to make a security decision; the API that receives the token verifies it.
author:
  - azure_ad.oauth maintainers (@azure-ad-oauth)
options:
  _input:
    description: A JWT, such as the C(access_token) returned by P(azure_ad.oauth.token#module).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Check that the app has the Graph role it needs
  ansible.builtin.assert:
    that:
      - "'User.Read.All' in (graph.access_token | azure_ad.oauth.token_claims).roles"
"""

RETURN = r"""
_value:
  description: The token's claims.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters.failures import TOKEN_CLAIMS_FILTER, attempt
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.jwt_claims import decode_claims


def token_claims(token):
    """The JSON payload of ``token``, unverified."""
    # The safety net (a payload nested too deep for json, say): only AnsibleFilterError may leave a filter.
    claims, failure = attempt(lambda: decode_claims(token, "the input"), TOKEN_CLAIMS_FILTER)
    if failure is not None:
        raise AnsibleFilterError(failure.message)
    return claims


class FilterModule:
    def filters(self):
        return {"token_claims": token_claims}
