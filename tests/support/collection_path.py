"""Expose this checkout as ``ansible_collections.azure_ad.oauth``.

The repo root *is* the collection, so instead of installing it we link it into
``.cache/collections``, which goes on sys.path and ANSIBLE_COLLECTIONS_PATH.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LINKED_ROOT = REPO_ROOT / ".cache" / "collections"
# ansible-test runs the tests in a copy laid out as .../ansible_collections/azure_ad/oauth: there the tree itself
# is the collections path (through a link back into it, ansible-core 2.21 lists no role of the collection). The
# link is made all the same, for what imports from .cache/collections.
IN_COLLECTION_TREE = REPO_ROOT.parts[-3:] == ("ansible_collections", "azure_ad", "oauth")
COLLECTIONS_ROOT = REPO_ROOT.parents[2] if IN_COLLECTION_TREE else LINKED_ROOT


def link_collection() -> Path:
    namespace_dir = LINKED_ROOT / "ansible_collections" / "azure_ad"
    namespace_dir.mkdir(parents=True, exist_ok=True)
    link = namespace_dir / "oauth"
    if not link.is_symlink():
        link.symlink_to(REPO_ROOT, target_is_directory=True)
    if str(COLLECTIONS_ROOT) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS_ROOT))
    os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS_ROOT))
    return COLLECTIONS_ROOT


def python_path(*paths: str | os.PathLike) -> str:
    """A PYTHONPATH for a child Python: ``paths`` first, then the one this process was given.

    Keep what was inherited: under ``ansible-test units`` PYTHONPATH is how ansible itself is found.
    """
    inherited = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    return os.pathsep.join([str(path) for path in paths] + inherited)
