"""docs/troubleshooting.md keeps up with the code, so it cannot rot.

- every AADSTS code we give a hint for is documented, in a row that names the hint's option;
- every AADSTS code the local Entra endpoint can answer with is documented;
- every option a failure can name (``option="..."`` at a raise site) is documented;
- every error and warning text of plugins/ is quoted: the longest literal piece of each message (the
  part between its placeholders) appears in the doc;
- and the other way round, every message the doc quotes is one the code produces (the convention is stated
  below, before the tests that check it), what it says Entra says is how Entra's message starts, and the
  example inputs a Cause names give that row's message: a quote cannot go stale.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._token.aadsts_hints import AADSTS_HINTS

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
    assert any("AADSTS" not in text and "are mutually exclusive; give exactly one credential" in text
               for where, text, option in SITES)  # fmt: skip


@pytest.mark.parametrize(("where", "text"), [(where, text) for where, text, option in SITES if len(text) >= 12],
                         ids=[where for where, text, option in SITES if len(text) >= 12])  # fmt: skip
def test_every_message_is_quoted(doc, where, text):
    assert normalised(text) in normalised(doc), f"{where}: {text!r} is not in docs/troubleshooting.md"


@pytest.mark.parametrize("option", sorted({option for where, text, option in SITES if option}))
def test_every_option_a_failure_names_is_documented(doc, option):
    assert f"`{option}`" in doc or re.search(rf"`[^`]*\b{re.escape(option)}\b[^`]*`", doc), option


# --------------------------------------------------------------------------- and the other way round
#
# The convention: in every table whose first column is headed "Message" or "Warning", each text in backticks in
# that first column quotes a message, except inside parentheses, where backticks mark variants and names
# ("(also `a DSA key`)", "(any option: `path`, ...)"). "…" in a quote stands for any text (a path, a value),
# "<name>" for a value of that name; text outside backticks ("keystore module:", "Role:") is not quoted.
# Each quote must be something the code can produce: it must match a string template of plugins/ (f-string
# fields, str.format and %-placeholders standing for any text) or of the role's YAML (Jinja expressions
# standing for any text). In the AADSTS table ("Code | Entra says"), the "Entra says" text, up to any "[...]"
# summary, must be how that code's message in the endpoint's catalogue starts. A quote that is not ours
# (Ansible's own words) is listed in FOREIGN_QUOTES.

STAR = None  # any text, in a pattern
# In a quote, "…" (with the spaces around it: "provider …" may stand for "provider, so ...") or "<name>".
QUOTE_PLACEHOLDER = re.compile(r" ?… ?|<[A-Za-z][A-Za-z0-9_ -]*>")
FORMAT_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%[-#0 +]*\d*(?:\.\d+)?[sdrifx]")
JINJA_EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
ROLES = REPO / "roles"
FOREIGN_QUOTES = {
    # ansible.module_utils.basic.missing_required_lib, which the module uses for a missing library.
    "Failed to import the required Python library (…) on …'s Python …. This is required to ….",
}
# Entra codes the doc explains but the local endpoint never answers with: their text cannot be checked here.
NOT_EMULATED = {7000112, 50012}
DOC_ONLY_ASSIGNMENTS = {"DOCUMENTATION", "EXAMPLES", "RETURN"}


def pattern(pieces: list) -> list:
    """A pattern: a list of single characters and STARs, whitespace normalised, STARs never doubled."""
    chars: list = []
    for piece in pieces:
        if piece is STAR:
            if not chars or chars[-1] is not STAR:
                chars.append(STAR)
            continue
        for char in piece:
            if char.isspace():
                if chars and chars[-1] == " ":
                    continue
                char = " "
            chars.append(char)
    return chars


def split_on(regex: re.Pattern, text: str) -> list:
    pieces: list = []
    for index, literal in enumerate(regex.split(text)):
        if index:
            pieces.append(STAR)
        pieces.append(literal)
    return pieces


def can_meet(left: list, right: list, anchored: bool = False) -> bool:
    """Whether some text matches both patterns (two globs intersect), by dynamic programming.

    ``anchored``: ``left`` is a quote and ``right`` a template, and each run of several words of the quote (its
    text between "…"s) must meet the template's own text, two characters in a row at least, instead of being
    swallowed whole by a template field. Otherwise "the input is no thumbprint. …" would meet
    "{option} is not a thumbprint. ..." by giving the field all the quote's words and the "…" all the template's.
    """
    rows, cols = len(left), len(right)
    needs = [False] * (rows + 1)  # needs[i]: the run of quote words that ends at i must have met the template
    start = 0
    for index in range(rows + 1):
        if index == rows or left[index] is STAR:
            run = "".join(left[start:index])
            needs[index] = anchored and len(re.findall(r"[A-Za-z]\w+", run)) >= 2
            start = index + 1
    # state: 0 nothing met yet, 1 the previous quote character met the template's, 2 the run has met it.
    reach = [[[False] * 3 for _unused in range(cols + 1)] for _unused in range(rows + 1)]
    reach[rows][cols] = [not needs[rows], not needs[rows], True]
    for i in range(rows, -1, -1):
        for j in range(cols, -1, -1):
            if i == rows and j == cols:
                continue
            a = left[i] if i < rows else ""
            b = right[j] if j < cols else ""
            for state in (2, 1, 0):
                ok = False
                if i < rows and a is STAR:
                    if state == 2 or not needs[i]:  # the run before this "…" is settled; the next starts afresh
                        ok = reach[i + 1][j][0] or (j < cols and reach[i][j + 1][state])
                elif j < cols and b is STAR:
                    ok = reach[i][j + 1][state] or (i < rows and reach[i + 1][j][2 if state == 2 else 0])
                elif i < rows and j < cols and a == b:
                    ok = reach[i + 1][j + 1][2 if state >= 1 else 1]
                reach[i][j][state] = ok
    return reach[0][0][0]


def template_pieces(node: ast.AST) -> list | None:
    """A string expression as literal pieces and STARs; None when it holds no literal text at all."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return split_on(FORMAT_PLACEHOLDER, node.value)
    if isinstance(node, ast.JoinedStr):
        pieces: list = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                pieces.extend(split_on(FORMAT_PLACEHOLDER, value.value))
            else:
                pieces.append(STAR)
        return pieces
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        left = template_pieces(node.left) or [STAR]
        if isinstance(node.op, ast.Mod):
            return left
        return left + (template_pieces(node.right) or [STAR])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return template_pieces(node.func.value)
    return None


def code_templates() -> list[tuple[str, list]]:
    """(where, pattern) for every string template of plugins/, the docs and docstrings left out."""
    templates = []
    for path in sorted(PLUGINS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped: set[int] = set()
        for node in ast.walk(tree):
            names = [getattr(target, "id", None) for target in getattr(node, "targets", [])]
            if isinstance(node, ast.Assign) and DOC_ONLY_ASSIGNMENTS.intersection(names):
                skipped.update(id(child) for child in ast.walk(node.value))
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    skipped.add(id(first.value))
        seen_inner: set[int] = set()
        for node in ast.walk(tree):
            if id(node) in skipped or id(node) in seen_inner:
                continue
            pieces = template_pieces(node)
            if pieces is None:
                continue
            seen_inner.update(id(child) for child in ast.walk(node) if child is not node)
            literal = "".join(piece for piece in pieces if piece is not STAR)
            if len(literal.strip()) >= 8:
                templates.append((f"{path.relative_to(REPO)}:{node.lineno}", pattern(pieces)))
    return templates


def role_templates() -> list[tuple[str, list]]:
    """(where, pattern) for every string of the role's YAML (its fail and assert messages among them)."""
    import yaml

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    templates = []
    for path in sorted(ROLES.rglob("*.yml")):
        for text in strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            if len(JINJA_EXPRESSION.sub("", text).strip()) >= 8:
                templates.append((str(path.relative_to(REPO)), pattern(split_on(JINJA_EXPRESSION, text))))
    return templates


TEMPLATES = code_templates() + role_templates()


def literal_runs(chars: list) -> set[str]:
    """Two-word runs of a pattern's literal text: a cheap filter before the exact check."""
    runs = set()
    text = "".join("\0" if char is STAR else char for char in chars)
    for fragment in text.split("\0"):
        words = fragment.split(" ")
        runs.update(" ".join(words[k:k + 2]) for k in range(len(words) - 1) if len(" ".join(words[k:k + 2])) >= 6)
    return runs


def is_wrapper(chars: list) -> bool:
    """A literal prefix around one field at the end ("thumbprint: {exc}"): it would match any quote with that
    prefix, so it is only used to peel the prefix off, the rest having to match a template of its own."""
    return bool(chars) and chars[-1] is STAR and STAR not in chars[:-1]


def literal_words(chars: list) -> set[str]:
    text = "".join(" " if char is STAR else char for char in chars)
    return set(re.findall(r"[A-Za-z][A-Za-z0-9_]{4,}", text))


def produced_by_code(quote: str) -> bool:
    """Whether a template, or a wrapper template around another one, can make ``quote``.

    A quote that starts and ends with "…" may quote parts of a message the code puts together from pieces
    (the keystore module's "left untouched" messages): then each of its runs of words is enough to find, each
    in a template of its own.
    """
    if _produced(pattern(split_on(QUOTE_PLACEHOLDER, quote)), wrapped=False):
        return True
    if not (quote.startswith("…") and quote.endswith("…")):
        return False
    runs = [run.strip(" ()[],;:.") for run in QUOTE_PLACEHOLDER.split(quote)]
    runs = [run for run in runs if len(re.findall(r"[A-Za-z]\w+", run)) >= 2]
    return bool(runs) and all(_produced(pattern([STAR, run, STAR]), wrapped=False) for run in runs)


def _produced(wanted: list, wrapped: bool) -> bool:
    runs, words = literal_runs(wanted), literal_words(wanted)
    texts = [(chars, "".join(c or "\0" for c in chars)) for _where, chars in TEMPLATES if not is_wrapper(chars)]
    scored = [(sum(run in text for run in runs), chars) for chars, text in texts]
    # Most shared word pairs first: the template that makes the quote is usually the first one tried.
    candidates = [chars for score, chars in sorted(scored, key=lambda item: -item[0]) if score]
    if not candidates:  # the quote names values where templates have fields: a shared word is enough to try
        candidates = [chars for chars, text in texts if words & literal_words(chars)]
    # Inside a wrapper, the rest may be several items joined ("retry 1 after ...; retry 2 after ..."): an item
    # template (one with fields) may then be followed by more.
    if any(can_meet(wanted, chars, True) or (wrapped and STAR in chars and can_meet(wanted, [*chars, STAR], True))
           for chars in candidates):  # fmt: skip
        return True
    if wrapped:
        return False
    for _where, chars in TEMPLATES:
        if is_wrapper(chars) and wanted[:len(chars) - 1] == chars[:-1] and _produced(wanted[len(chars) - 1:], True):
            return True
    return False


def first_column_quotes(cell: str) -> list[str]:
    """The backticked texts of a cell that are not inside parentheses (those are variants and names)."""
    quotes, depth = [], 0
    for index, part in enumerate(cell.split("`")):
        if index % 2:  # inside backticks
            if depth == 0:
                quotes.append(part)
        else:
            depth = max(0, depth + part.count("(") - part.count(")"))
    return quotes


def message_quotes(doc: str) -> list[tuple[str, str]]:
    """(section, quote) for each backticked text in the first column of the Message and Warning tables."""
    quotes = []
    section, in_table = "", False
    for line in doc.splitlines():
        if line.startswith("## "):
            section = line[3:]
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        if cells[0] in ("Message", "Warning"):
            in_table = True
            continue
        if in_table and not set(cells[0]) <= set("-"):
            quotes.extend((section, quote) for quote in first_column_quotes(cells[0]))
    return quotes


QUOTES = message_quotes(DOC.read_text(encoding="utf-8"))


def test_the_convention_is_followed_enough_to_mean_something():
    assert len(QUOTES) > 150 and len(TEMPLATES) > 300
    assert can_meet(pattern(["ab", STAR, "d"]), pattern(["a", STAR, "cd"]))
    assert not can_meet(pattern(["does not end with /.default"]), pattern(["is not a resource URI", STAR]))
    # A wrapper ("thumbprint: {exc}") vouches for its prefix only: the rest must be a message of its own.
    assert produced_by_code("thumbprint: the input is not a thumbprint. …")
    assert produced_by_code("The token endpoint was retried: retry 1 after HTTP 429, waited 1.0s; …")
    assert not produced_by_code("thumbprint: the input is not a valid thumbprint string. …")
    assert not can_meet(pattern(["the input is no thumbprint. ", STAR]), pattern([STAR, " is not a thumbprint. Use"]),
                        True)  # fmt: skip
    assert not produced_by_code("thumbprint: the input is no thumbprint at all, sorry.")


@pytest.mark.parametrize(("section", "quote"), QUOTES, ids=[f"{section[:2]}{quote[:60]}" for section, quote in QUOTES])
def test_every_quoted_message_is_produced_by_the_code(section, quote):
    """A message the doc quotes must still exist: a quote that went stale fails here."""
    if quote in FOREIGN_QUOTES:
        return
    assert produced_by_code(quote), f"docs/troubleshooting.md ({section}) quotes {quote!r}, which no code produces"


def entra_catalogue() -> dict[int, list]:
    """code -> the patterns of the endpoint's messages for it (the fourth argument of each EntraError)."""
    catalogue: dict[int, list] = {}
    tree = ast.parse(EMULATOR_ERRORS.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "EntraError" and len(node.args) >= 4:
            code = node.args[2]
            pieces = template_pieces(node.args[3])
            if isinstance(code, ast.Constant) and isinstance(code.value, int) and pieces is not None:
                catalogue.setdefault(code.value, []).append(pattern(pieces))
            elif pieces is not None:  # a helper that takes the code (the 700027 family): any code may use it
                catalogue.setdefault(-1, []).append(pattern(pieces))
    return catalogue


def entra_rows(doc: str) -> list[tuple[int, str]]:
    rows, in_table = [], False
    for line in doc.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split(" | ")] if line.startswith("|") else []
        if cells[:2] == ["Code", "Entra says"]:
            in_table = True
            continue
        if not cells:
            in_table = False
        elif in_table and cells[0].startswith("AADSTS"):
            rows.append((int(cells[0][6:]), cells[1]))
    return rows


ENTRA_ROWS = entra_rows(DOC.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("code", "says"), ENTRA_ROWS, ids=[f"AADSTS{code}" for code, says in ENTRA_ROWS])
def test_what_the_doc_says_entra_says_is_what_entra_says(code, says):
    catalogue = entra_catalogue()
    if code in NOT_EMULATED:
        assert code not in catalogue, f"AADSTS{code} is emulated now: take it out of NOT_EMULATED"
        return
    text = says.split(" [", 1)[0]
    wanted = pattern([*split_on(QUOTE_PLACEHOLDER, text.rstrip(".…")), STAR])  # how Entra's message starts
    options = catalogue.get(code, []) + catalogue.get(-1, [])
    assert any(can_meet(wanted, chars) for chars in options), f"AADSTS{code}: the endpoint never says {text!r}"


# Example inputs a Cause cell names in backticks, fed to the code: the message they give must be the row's.
CAUSE_EXAMPLES = [
    ("`User.Read`", {"scope": ["User.Read"]}),
    ("`https://graph.microsoft.com/User.Read`", {"scope": ["https://graph.microsoft.com/User.Read"]}),
    ("`common`", {"tenant_id": "common"}),
    ("`https://user:password@host`", {"authority_host": "https://user:password@host"}),
]


@pytest.mark.parametrize(("example", "options"), CAUSE_EXAMPLES, ids=[example for example, _options in CAUSE_EXAMPLES])
def test_the_example_a_cause_names_gives_that_rows_message(example, options):
    """The issue's case: the doc said User.Read gives "does not end with /.default", but it gives "is not a
    resource URI"."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request

    rows = [line for line in doc_rows(DOC.read_text(encoding="utf-8"))
            if example in [*line.strip("|").split(" | "), ""][1]]  # fmt: skip
    assert rows, f"no row's Cause names {example} any more: update CAUSE_EXAMPLES"
    base = {"tenant_id": "contoso.onmicrosoft.com", "client_id": "5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10",
            "client_secret": "x", "scope": ["https://graph.microsoft.com/.default"]}  # fmt: skip
    with pytest.raises(OptionError) as caught:
        build_token_request({**base, **options}, {})
    produced = pattern([caught.value.message])
    quotes = [quote for row in rows for quote in re.findall(r"`([^`]+)`", row.strip("|").split(" | ")[0])]
    assert any(can_meet(pattern(split_on(QUOTE_PLACEHOLDER, quote)), produced) for quote in quotes), (
        f"{example} gives {caught.value.message!r}, but the row that names it quotes {quotes}"
    )
