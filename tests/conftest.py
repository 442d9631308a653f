"""Test-wide set-up: the checkout as ``ansible_collections.azure_ad.oauth``, markers, and shared fixtures.

pytest reads this file both when run directly and under ``ansible-test units``, which ignores pytest.ini (it
passes its own ``-c``), so the markers are registered here, where both runs see them.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
for _helpers in ("emulator", "support"):
    if str(TESTS / _helpers) not in sys.path:
        sys.path.insert(0, str(TESTS / _helpers))

from collection_path import link_collection  # noqa: E402

link_collection()

# Fixtures entra_emulator / entra / entra_ca_env for every test folder.
pytest_plugins = ["entra_emulator.pytest_plugin"]

MARKERS = {
    "integration": "runs real ansible-playbook / ansible commands against the local endpoint",
    "java": "needs Java keytool",
}


def pytest_configure(config):
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
