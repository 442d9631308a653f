# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The error Microsoft Graph's refusals become.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``GraphError`` is a ``TokenEndpointError`` so that the adapters report it with the same facts for
``failed_when`` and ``until``: ``status``, ``error`` (Graph's ``code``) and ``trace_id`` (Graph's
``request-id``, what Microsoft support asks for); ``correlation_id`` is the ``client-request-id`` sent.
"""

from __future__ import annotations

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TokenEndpointError


class GraphError(TokenEndpointError):
    """Microsoft Graph answered with an error, or with something that is not the answer asked for."""

    @property
    def code(self) -> str | None:
        return self.error

    @property
    def request_id(self) -> str | None:
        return self.trace_id
