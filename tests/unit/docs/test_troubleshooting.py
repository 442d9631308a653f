"""docs/troubleshooting.md keeps up with the code, so it cannot rot.

- every AADSTS code we give a hint for is documented, in a row that names the hint's option;
- every AADSTS code the local Entra endpoint can answer with is documented;
- every option a failure can name (``option="..."`` at a raise site) is documented;
- every error and warning text of plugins/ is quoted: the longest literal piece of each message (the
  part between its placeholders) appears in the doc.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._aadsts_hints import AADSTS_HINTS

REPO = Path(__file__).resolve().parents[3]
DOC = REPO / "docs" / "troubleshooting.md"
PLUGINS = REPO / "plugins"
EMULATOR_ERRORS = REPO / "tests" / "emulator" / "entra_emulator" / "errors.py"
WARNING_CALLS = ("warn", "_warn", "warning")
# Internal parse errors that never reach a user: the keystore reader turns them into its own messages.
INTERNAL = ("ValueError",)


def normalised(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def doc_rows(doc: str) -> list[str]:
    return [line for line in doc.splitlines() if line.startswith("|")]


@pytest.mark.parametrize("code", sorted(AADSTS_HINTS))
def test_every_hinted_code_is_documented_with_its_option(doc, code):
    rows = [row for row in doc_rows(doc) if re.search(rf"\bAADSTS{code}\b", row)]
    assert rows, f"AADSTS{code} has a hint in _aadsts_hints.py but no row in docs/troubleshooting.md"
    option = AADSTS_HINTS[code][0]
    if option is not None:
        assert any(f"`{option}`" in row for row in rows), f"the AADSTS{code} row does not name `{option}`"


def emulator_codes() -> set[int]:
    """The AADSTS codes of the emulator's catalogue: the third argument of each EntraError(...)."""
    tree = ast.parse(EMULATOR_ERRORS.read_text(encoding="utf-8"))
    codes = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "EntraError" and len(node.args) >= 3:
            if isinstance(node.args[2], ast.Constant) and isinstance(node.args[2].value, int):
                codes.add(node.args[2].value)
    return codes


def test_the_emulator_catalogue_is_read():
    assert {7000215, 700027, 90002, 50196} <= emulator_codes()


@pytest.mark.parametrize("code", sorted(emulator_codes()))
def test_every_code_entra_can_answer_is_documented(doc, code):
    assert re.search(rf"\bAADSTS{code}\b", doc), f"AADSTS{code} (tests/emulator/entra_emulator/errors.py)"


def message_sites() -> list[tuple[str, str, str | None]]:
    """(where, longest literal piece, option) for each error raised and warning given under plugins/."""
    sites = []
    for path in sorted(PLUGINS.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) or ""
            if name in INTERNAL or not (name.endswith("Error") or name in WARNING_CALLS):
                continue
            pieces = [part for piece in ast.walk(node.args[0])
                      if isinstance(piece, ast.Constant) and isinstance(piece.value, str)
                      for part in re.split(r"\{[^}]*\}", piece.value)]  # fmt: skip  (str.format placeholders too)
            option = next((keyword.value.value for keyword in node.keywords
                           if keyword.arg == "option" and isinstance(keyword.value, ast.Constant)), None)  # fmt: skip
            longest = max(pieces, key=len, default="").strip(" '\".,:;()")
            sites.append((f"{path.relative_to(REPO)}:{node.lineno}", longest, option))
    return sites


SITES = message_sites()


def test_message_sites_are_found():
    assert len(SITES) > 150
    assert any("AADSTS" not in text and "client_secret and keystore_path" in text for where, text, option in SITES)


@pytest.mark.parametrize(("where", "text"), [(where, text) for where, text, option in SITES if len(text) >= 12],
                         ids=[where for where, text, option in SITES if len(text) >= 12])  # fmt: skip
def test_every_message_is_quoted(doc, where, text):
    assert normalised(text) in normalised(doc), f"{where}: {text!r} is not in docs/troubleshooting.md"


@pytest.mark.parametrize("option", sorted({option for where, text, option in SITES if option}))
def test_every_option_a_failure_names_is_documented(doc, option):
    assert f"`{option}`" in doc or re.search(rf"`[^`]*\b{re.escape(option)}\b[^`]*`", doc), option
