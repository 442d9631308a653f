"""Write the docsite's guides (docs/docsite/rst/*.rst) from the Markdown guides (docs/*.md), or check them.

    python tests/tooling/docsite.py          # write (make docsite)
    python tests/tooling/docsite.py --check  # fail when one is missing or out of date (make test)

The Markdown under docs/ is what the repository shows and what the docs are written in; antsibull-docs builds a
docsite only from RST. docs/docsite/extra-docs.yml lists the guides: each ref <name> is made from docs/<name>.md
by pandoc (pypandoc_binary ships it), with the label ansible_collections.azure_ad.oauth.docsite.<name> at the top;
a link to another guide becomes a :ref: to it, a link to any other file of the repository a link to GitHub.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs"
RST_DIR = DOCS / "docsite" / "rst"
LABEL_PREFIX = "ansible_collections.azure_ad.oauth.docsite."
REPOSITORY = "https://github.com/azure-ad-oauth/azure_ad.oauth/blob/main/"
# pandoc's RST for a link: `text <target>`__
RST_LINK = re.compile(r"`([^`<]+?)\s*<([^>`]+)>`__")
HEADER = ".. Generated from docs/{name}.md by tests/tooling/docsite.py (make docsite): edit the Markdown, not this.\n\n"


def guides() -> list[str]:
    """The guide names extra-docs.yml lists, in its order."""
    extra = yaml.safe_load((DOCS / "docsite" / "extra-docs.yml").read_text(encoding="utf-8"))
    return [entry["ref"] if isinstance(entry, dict) else entry
            for section in extra["sections"] for entry in section["toctree"]]


def relink(rst: str, names: list[str]) -> str:
    """Links to a guide become :ref: to its label; other repository files, links to the repository."""

    def replace(match: re.Match) -> str:
        text, target = match.group(1), match.group(2)
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            return match.group(0)
        path = target.partition("#")[0]
        stem = Path(path).name[:-3] if path.endswith(".md") else None
        if stem in names and Path(path).parent in (Path("."), Path("docs")):
            return f":ref:`{text} <{LABEL_PREFIX}{stem}>`"
        resolved = (Path("docs") / path).as_posix() if not path.startswith("../") else path[3:]
        return f"`{text} <{REPOSITORY}{resolved}>`__"

    return RST_LINK.sub(replace, rst)


def render(name: str, names: list[str]) -> str:
    import pypandoc

    rst = pypandoc.convert_file(str(DOCS / f"{name}.md"), "rst", format="gfm-gfm_auto_identifiers",
                                extra_args=["--wrap=preserve"])  # fmt: skip
    return HEADER.format(name=name) + f".. _{LABEL_PREFIX}{name}:\n\n" + relink(rst, names).rstrip() + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    names = guides()
    stale = []
    for name in names:
        target = RST_DIR / f"{name}.rst"
        if not (DOCS / f"{name}.md").is_file():
            stale.append(f"docs/{name}.md does not exist (extra-docs.yml lists it)")
            continue
        wanted = render(name, names)
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == wanted:
            continue
        if check:
            stale.append(f"{target.relative_to(REPO_ROOT)} is {'missing' if current is None else 'out of date'}")
        else:
            RST_DIR.mkdir(parents=True, exist_ok=True)
            target.write_text(wanted, encoding="utf-8")
            print(f"wrote {target.relative_to(REPO_ROOT)}")
    extra = sorted({path.stem for path in RST_DIR.glob("*.rst")} - set(names))
    stale += [f"docs/docsite/rst/{stem}.rst is not in extra-docs.yml" for stem in extra]
    for problem in stale:
        print(f"docsite: {problem}; run `make docsite`", file=sys.stderr)
    if check and not stale:
        print(f"docsite: {len(names)} guides up to date with their Markdown")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
