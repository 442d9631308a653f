"""Test-wide set-up: make the repo importable as ``ansible_collections.azure_ad.oauth``.

The repo root *is* the collection, so we expose it through a symlink tree under
``.cache/collections`` instead of asking every developer to install it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS_ROOT = REPO_ROOT / ".cache" / "collections"


def _link_collection() -> None:
    namespace_dir = COLLECTIONS_ROOT / "ansible_collections" / "azure_ad"
    namespace_dir.mkdir(parents=True, exist_ok=True)
    link = namespace_dir / "oauth"
    if not link.is_symlink():
        link.symlink_to(REPO_ROOT, target_is_directory=True)


_link_collection()
if str(COLLECTIONS_ROOT) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_ROOT))
for _helpers in ("emulator", "support"):
    sys.path.insert(0, str(REPO_ROOT / "tests" / _helpers))
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS_ROOT))

# Fixtures entra_emulator / entra / entra_ca_env for every test folder.
pytest_plugins = ["entra_emulator.pytest_plugin"]
