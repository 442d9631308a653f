"""Run ansible-lint on the examples the documentation shows, as a user would paste them.

    python tests/tooling/lint_examples.py [ansible-lint options...]

The YAML blocks of README.md, roles/*/README.md and docs/*.md, and the EXAMPLES of every plugin and of the
role's argument spec, are written to a temporary project (a playbook when the example is a play, else a task
file), next to the collection's .ansible-lint, and ansible-lint runs there with the same profile.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```ya?ml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def markdown_examples() -> dict[str, str]:
    sources = [REPO_ROOT / "README.md", *sorted(REPO_ROOT.glob("roles/*/README.md")),
               *sorted(REPO_ROOT.glob("docs/*.md"))]
    found = {}
    for source in sources:
        for number, match in enumerate(FENCE.finditer(source.read_text(encoding="utf-8")), 1):
            found[f"{source.relative_to(REPO_ROOT).as_posix()}#{number}"] = match.group(1)
    return found


def plugin_examples() -> dict[str, str]:
    found = {}
    for source in sorted(REPO_ROOT.glob("plugins/*/*.py")):
        for node in ast.parse(source.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
                found[source.relative_to(REPO_ROOT).as_posix()] = ast.literal_eval(node.value)
    for spec in sorted(REPO_ROOT.glob("roles/*/meta/argument_specs.yml")):
        for entry, doc in yaml.safe_load(spec.read_text(encoding="utf-8"))["argument_specs"].items():
            if doc.get("examples"):
                found[f"{spec.relative_to(REPO_ROOT).as_posix()}#{entry}"] = doc["examples"]
    return found


def is_example_of_tasks_or_plays(text: str) -> bool:
    """An Ansible example: a list of tasks or plays (not a vars file, an inventory or a config)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return True  # let ansible-lint say what is wrong
    return isinstance(data, list) and all(isinstance(item, dict) for item in data) and bool(data)


def write_project(project: Path, examples: dict[str, str]) -> int:
    for directory in ("playbooks", "tasks"):
        (project / directory).mkdir(parents=True)
    shutil.copy(REPO_ROOT / ".ansible-lint", project / ".ansible-lint")
    written = 0
    for name, text in examples.items():
        if not is_example_of_tasks_or_plays(text):
            continue
        plays = all("hosts" in item or "import_playbook" in item for item in yaml.safe_load(text) or [{}])
        stem = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
        target = project / ("playbooks" if plays else "tasks") / f"{stem}.yml"
        target.write_text(f"---\n# from {name}\n{text.rstrip()}\n", encoding="utf-8")
        written += 1
    return written


def main(argv: list[str]) -> int:
    examples = {**markdown_examples(), **plugin_examples()}
    with tempfile.TemporaryDirectory(prefix="azure-ad-oauth-examples-") as workdir:
        project = Path(workdir)
        subprocess.run(["git", "init", "-q", str(project)], check=True)  # ansible-lint finds its project by git
        count = write_project(project, examples)
        print(f"lint_examples: {count} examples from the README, the docs, the role and the plugins", flush=True)
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        command = [str(Path(sys.executable).parent / "ansible-lint"), *argv]
        return subprocess.run(command, cwd=project, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
