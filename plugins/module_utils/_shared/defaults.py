# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The defaults of the token options, defined once.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``_token/options.py`` (the module's argument_spec and the lookup's option
names), the request validation in ``_token/request.py`` (for options a caller
left unset) and the transport's ``RetryPolicy`` and ``request`` all read them
here, below the two packages that need them. A unit test checks that the
``azure_ad.oauth.token_request`` doc fragment shows the same values.
"""

from __future__ import annotations

# Seconds one attempt may take, from connecting to the last byte of the answer.
DEFAULT_TIMEOUT = 30.0
# Retries of a transient failure, and the longest wait before one (seconds).
DEFAULT_RETRIES = 4
DEFAULT_MAX_RETRY_WAIT = 60.0
# Lifetime of a signed client assertion (seconds): Entra's own libraries sign them for 10 minutes.
DEFAULT_TOKEN_DURATION = 600
DEFAULT_API_VERSION = "v2"
# The public cloud's Entra login host; sovereign clouds have their own.
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
# The token cache (issue 9): where its encrypted entries live on the machine that runs the code, and how many
# seconds before a token expires it is refreshed rather than reused.
DEFAULT_CACHE_DIR = "~/.cache/azure_ad.oauth"
DEFAULT_REFRESH_MARGIN = 300
