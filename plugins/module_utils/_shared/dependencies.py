# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lazy imports of third-party libraries, with one neutral error when missing.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Heavy libraries are imported only by the code path that needs them, so that a
secret-only token never imports pyjks or cryptography.
"""

from __future__ import annotations

import importlib

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AzureAdOAuthError

# import name -> the pip distribution that provides it
DISTRIBUTIONS = {
    "cryptography": "cryptography",
    "jks": "pyjks",
    "jwt": "PyJWT",
    "requests": "requests",
}


class MissingDependencyError(AzureAdOAuthError):
    """A required Python library is not installed where the code runs."""

    def __init__(self, import_name: str, purpose: str) -> None:
        self.distribution = DISTRIBUTIONS.get(import_name, import_name)
        self.purpose = purpose
        super().__init__(
            f"The Python library {self.distribution} is required {purpose}. Install it with "
            f"'pip install {self.distribution}' for the interpreter that runs this task."
        )


def require(import_name: str, purpose: str):
    """Import ``import_name`` or raise MissingDependencyError saying why it is needed."""
    try:
        return importlib.import_module(import_name)
    except ImportError:
        raise MissingDependencyError(import_name.split(".")[0], purpose) from None
