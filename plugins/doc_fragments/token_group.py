# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The attributes every module of the azure_ad.oauth.token action group shares, written once.
    # Use after ansible.builtin.action_common_attributes, which describes these attributes.
    DOCUMENTATION = r"""
attributes:
  platform:
    platforms: posix
  action_group:
    description: Use C(group/azure_ad.oauth.token) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - azure_ad.oauth.token
"""
