"""The layout of plugins/ stays true: dependencies point one way (docs/architecture.md).

Entry points (modules, lookup, action, filter) -> _adapters -> the concerns -> _shared. Each concern may
use only the concerns listed for it below; a concern never imports an adapter or an entry point, and only
the adapters know Ansible. Every import of every file is parsed, including imports inside functions (the
lazy ones), so a forbidden edge cannot hide in a function body.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from collection_path import REPO_ROOT

PLUGINS = REPO_ROOT / "plugins"
MODULE_UTILS = PLUGINS / "module_utils"
PREFIX = "ansible_collections.azure_ad.oauth.plugins."
ENTRY_POINTS = ("modules", "lookup", "action", "filter")

# What each package under module_utils may import from the collection (besides itself).
ALLOWED = {
    "_shared": set(),
    "_transport": {"_shared"},
    "_keystore_reader": {"_shared"},
    "_keystore_writer": {"_keystore_reader", "_shared"},
    "_cache": {"_shared"},
    "_token": {"_cache", "_transport", "_keystore_reader", "_shared"},
    "_graph": {"_token", "_transport", "_keystore_reader", "_shared"},
    "_adapters": {"_graph", "_token", "_cache", "_transport", "_keystore_reader", "_keystore_writer", "_shared"},
}
CONCERNS = set(ALLOWED) - {"_adapters"}
# Only these may import ansible itself: the core stays neutral (docs/architecture.md).
KNOWS_ANSIBLE = {"_adapters"}


def python_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if "__pycache__" not in path.parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every module ``path`` imports, at any depth of its code."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in (PREFIX + "module_utils", PREFIX.rstrip(".")):
                # "from ...plugins.module_utils import _token": the package is in the alias.
                found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def layer_of(path: Path, plugins: Path = PLUGINS) -> str:
    """The package under module_utils, or the entry point's folder, that ``path`` belongs to."""
    relative = path.relative_to(plugins).parts
    if relative[0] == "module_utils":
        return relative[1] if len(relative) > 2 else "module_utils (loose file)"
    return relative[0]


def target_layer(module: str) -> str | None:
    """The layer a dotted import lands in, or None when it is not this collection's."""
    if not module.startswith(PREFIX):
        return None
    parts = module[len(PREFIX):].split(".")
    if parts[0] == "module_utils":
        return parts[1] if len(parts) > 1 else "module_utils"
    return parts[0]


def forbidden_edges(files: list[Path], plugins: Path = PLUGINS) -> list[str]:
    problems = []
    for path in files:
        source = layer_of(path, plugins)
        for line, module in imported_modules(path):
            where = f"{path.relative_to(plugins.parent)}:{line} imports {module}"
            target = target_layer(module)
            if source in ALLOWED:
                if (module == "ansible" or module.startswith("ansible.")) and source not in KNOWS_ANSIBLE:
                    problems.append(f"{where}: only {sorted(KNOWS_ANSIBLE)} may know Ansible")
                if target is not None and target != source and target not in ALLOWED[source]:
                    problems.append(f"{where}: {source} may use only {sorted(ALLOWED[source]) or 'nothing'}")
            elif source in ENTRY_POINTS and target is not None and target not in ALLOWED and target != "module_utils":
                problems.append(f"{where}: an entry point uses module_utils, never another entry point")
    return problems


def test_every_module_utils_file_sits_in_a_known_package():
    loose = [path.name for path in MODULE_UTILS.glob("*.py")]
    unknown = [path.name for path in MODULE_UTILS.iterdir() if path.is_dir() and path.name not in ALLOWED
               and path.name != "__pycache__"]  # fmt: skip
    assert not loose, f"files outside a concern package: {loose}"
    assert not unknown, f"packages missing from ALLOWED (and from docs/architecture.md): {unknown}"


def test_dependencies_point_one_way():
    problems = forbidden_edges(python_files(PLUGINS))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("source", "line", "why"), [
    ("_keystore_reader", "from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer import plan",
     "_keystore_reader may use only"),
    ("_token", "from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.serialize import x",
     "_token may use only"),
    ("_shared", "from ansible_collections.azure_ad.oauth.plugins.module_utils._token import client", "_shared"),
    ("_transport", "from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters import module",
     "_transport may use only"),
    ("_token", "from ansible.module_utils.basic import AnsibleModule", "may know Ansible"),
    ("_keystore_writer", "from ansible_collections.azure_ad.oauth.plugins.lookup import token", "may use only"),
])  # fmt: skip
def test_a_forbidden_import_is_caught_even_inside_a_function(tmp_path, source, line, why):
    """Plant one forbidden edge in a copy of a file of ``source`` and check that the test sees it."""
    package = tmp_path / "plugins" / "module_utils" / source
    package.mkdir(parents=True)
    planted = package / "planted.py"
    planted.write_text(f"def lazy():\n    {line}\n", encoding="utf-8")
    problems = forbidden_edges([planted], tmp_path / "plugins")
    assert len(problems) == 1 and why in problems[0], problems


def test_an_entry_point_importing_another_is_caught(tmp_path):
    lookup = tmp_path / "plugins" / "lookup"
    lookup.mkdir(parents=True)
    planted = lookup / "planted.py"
    planted.write_text("from ansible_collections.azure_ad.oauth.plugins.modules import token\n", encoding="utf-8")
    assert forbidden_edges([planted], tmp_path / "plugins") == [
        "plugins/lookup/planted.py:1 imports ansible_collections.azure_ad.oauth.plugins.modules: "
        "an entry point uses module_utils, never another entry point"
    ]


@pytest.mark.parametrize("path", python_files(MODULE_UTILS), ids=lambda path: str(path.relative_to(MODULE_UTILS)))
def test_module_utils_code_runs_on_python_3_8_and_says_it_is_private(path):
    source = path.read_text(encoding="utf-8")
    ast.parse(source, filename=str(path), feature_version=(3, 8))
    if path.name != "__init__.py":
        assert "from __future__ import annotations" in source
        assert "INTERNAL USE ONLY" in source


SOURCE_FOLDERS = ("module_utils", "modules", "lookup", "filter", "action")


def source_modules() -> list[Path]:
    return [path for folder in SOURCE_FOLDERS for path in python_files(PLUGINS / folder) if path.name != "__init__.py"]


@pytest.mark.parametrize("source", source_modules(), ids=lambda path: str(path.relative_to(PLUGINS)))
def test_every_source_module_has_its_own_test_module(source):
    """tests/unit/plugins mirrors plugins/: test_<module>.py beside where the module sits."""
    relative = source.relative_to(PLUGINS)
    mirror = REPO_ROOT / "tests" / "unit" / "plugins" / relative.parent / f"test_{relative.name}"
    assert mirror.is_file(), f"{relative} has no {mirror.relative_to(REPO_ROOT)}"
