"""Test-wide set-up: the checkout as ``ansible_collections.azure_ad.oauth``, and shared fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
for _helpers in ("emulator", "support"):
    sys.path.insert(0, str(TESTS / _helpers))

from collection_path import link_collection  # noqa: E402

link_collection()

# Fixtures entra_emulator / entra / entra_ca_env for every test folder.
pytest_plugins = ["entra_emulator.pytest_plugin"]
