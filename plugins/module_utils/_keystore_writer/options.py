# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The keystore module's options.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``KEYSTORE_OPTION_NAMES`` is what the keystore module calls the options the
keystore readers name in their messages, so that an existing file that does not
open is explained in this module's words (``password``, not the token module's
``keystore_password``).
"""

from __future__ import annotations

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import OptionNames

KEYSTORE_OPTION_NAMES = OptionNames(
    path="path",
    store_type="type",
    store_password="password",  # noqa: S106 - the option's name, not a password
    key_password="key_password",  # noqa: S106 - the option's name, not a password
    alias="alias",
    certificate_path="certificate_path",
)
