"""Run the stages of `make test` (or of the version matrix) in order, streaming each one's output as it comes.

    python tests/tooling/stages.py [--only a,b] [--skip a,b] [--matrix] [--ansible-test-only]

Every stage runs, even after one failed, so a run shows every problem at once; the summary at the end gives each
stage's result and duration, and the exit status is 1 when any failed. Stages are cheapest first: linters,
the Galaxy import, then ansible-test sanity and units, then the integration tests.

With --matrix, ansible-test sanity, units and integration run once per ansible-core of the matrix (the oldest
supported and the newest release), each in a venv of its own (.venv-oldest, .venv-newest) made here; a version
whose Python is missing is skipped with the reason. --ansible-test-only leaves out the other stages
(`make test-matrix`); .ci/run runs everything with --matrix.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLING = REPO_ROOT / "tests" / "tooling"
VENV_BIN = Path(sys.executable).parent
COLLECTIONS = REPO_ROOT / ".cache" / "collections"
DIST = REPO_ROOT / ".cache" / "dist"


@dataclass(frozen=True)
class MatrixEntry:
    """One ansible-core of the matrix: the pip requirement, the Pythons that may run it (first found wins)."""

    name: str
    requirement: str
    pythons: tuple[str, ...]


MATRIX = (
    MatrixEntry("oldest", "ansible-core>=2.17.0,<2.18", ("3.11", "3.10", "3.12")),
    MatrixEntry("newest", "ansible-core", ("3.13", "3.12")),
)


@dataclass
class Stage:
    name: str
    commands: list[list[str]]
    env: dict = field(default_factory=dict)
    skip_reason: str | None = None


@dataclass
class Outcome:
    name: str
    status: str  # passed, FAILED, skipped
    seconds: float
    detail: str = ""


def tool(name: str) -> str:
    return str(VENV_BIN / name)


def tools_env() -> dict:
    """The venv's tools first on PATH; the checkout as the collection; tools' caches in the venv, not in ~."""
    return {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
    }


# ansible-lint (also run by galaxy-importer) installs the collection it lints into ANSIBLE_HOME (~/.ansible): keep
# that copy in .cache, where no other ansible run finds a stale one.
TOOLS_HOME = {"ANSIBLE_HOME": str(REPO_ROOT / ".cache" / "ansible-home")}


def ansible_test(command: str, python: str = sys.executable, python_version: str | None = None) -> list[str]:
    argv = [python, str(TOOLING / "run_ansible_test.py"), command]
    return argv + (["--python", python_version] if python_version else [])


def static_stages() -> list[Stage]:
    tarball = DIST / f"azure_ad-oauth-{collection_version()}.tar.gz"
    return [
        Stage("ruff", [[tool("ruff"), "check", "plugins", "tests"]]),
        Stage("changelog lint", [[tool("antsibull-changelog"), "lint"]]),
        Stage("docs lint", [[sys.executable, str(TOOLING / "docsite.py"), "--check"],
                            [tool("antsibull-docs"), "lint-collection-docs", "--plugin-docs", "."]]),
        Stage("ansible-lint", [[tool("ansible-lint")], [sys.executable, str(TOOLING / "lint_examples.py")]],
              env=TOOLS_HOME),
        Stage("galaxy build+import", [[sys.executable, str(TOOLING / "galaxy_import.py"), str(tarball)]],
              env=TOOLS_HOME),
        Stage("execution environment", [[sys.executable, str(TOOLING / "ee_check.py")]]),
    ]


def pytest_stage() -> Stage:
    """What ansible-test cannot express: the drivers (ad hoc, ansible.cfg, environment, output) and hardening."""
    return Stage("pytest integration",
                 [[sys.executable, "-m", "pytest", "tests/integration", "-p", "no:cacheprovider"]])


def collection_version() -> str:
    for line in (REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8").splitlines():
        if line.startswith("version:"):
            return line.split(":", 1)[1].strip()
    raise RuntimeError("galaxy.yml has no version")


def find_python(version: str) -> str | None:
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-V"], capture_output=True, check=False).returncode == 0:
            return candidate
    return None


def make_venv(name: str) -> int:
    """Make (or refresh) the venv of one matrix entry, and say which ansible-core it holds."""
    entry = next(entry for entry in MATRIX if entry.name == name)
    python = matrix_python(entry)
    if python is None:
        print(f"no Python {' or '.join(entry.pythons)} here", file=sys.stderr)
        return 1
    venv = REPO_ROOT / f".venv-{entry.name}"
    stamp = venv / ".installed"
    if not stamp.exists() or stamp.read_text() != entry.requirement:
        subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, entry.requirement], check=True)
        stamp.write_text(entry.requirement)
    return subprocess.run([str(venv / "bin" / "ansible"), "--version"], check=False).returncode


def matrix_python(entry: MatrixEntry) -> str | None:
    return next(filter(None, (find_python(version) for version in entry.pythons)), None)


def matrix_stages() -> list[Stage]:
    stages = []
    for entry in MATRIX:
        names = [f"venv ({entry.name})"] + [f"{command} ({entry.name})" for command in ("sanity", "units",
                                                                                        "integration")]
        if matrix_python(entry) is None:
            why = f"no Python {' or '.join(entry.pythons)} here (PATH or pyenv): {entry.name} ansible-core not tested"
            stages += [Stage(name, [], skip_reason=why) for name in names]
            continue
        python = str(REPO_ROOT / f".venv-{entry.name}" / "bin" / "python")
        stages.append(Stage(names[0], [[sys.executable, __file__, "--make-venv", entry.name]]))
        stages += [Stage(name, [ansible_test(command, python)])
                   for name, command in zip(names[1:], ("sanity", "units", "integration"), strict=True)]
    return stages


def default_stages() -> list[Stage]:
    return [Stage(f"{command}", [ansible_test(command)]) for command in ("sanity", "units", "integration")]


def run_stage(stage: Stage) -> Outcome:
    print(f"\n=== {stage.name} ===", flush=True)
    if stage.skip_reason:
        print(f"skipped: {stage.skip_reason}", flush=True)
        return Outcome(stage.name, "skipped", 0.0, stage.skip_reason)
    started = time.monotonic()
    env = dict(os.environ, **tools_env(), **stage.env)
    for command in stage.commands:
        print(f"$ {' '.join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command))}",
              flush=True)  # fmt: skip
        returncode = subprocess.run(command, cwd=REPO_ROOT, env=env, check=False).returncode
        if returncode != 0:
            return Outcome(stage.name, "FAILED", time.monotonic() - started, f"exit status {returncode}")
    return Outcome(stage.name, "passed", time.monotonic() - started)


def summary(outcomes: list[Outcome], total: float) -> str:
    width = max(len(outcome.name) for outcome in outcomes)
    lines = ["", "=== stages ==="]
    for outcome in outcomes:
        minutes, seconds = divmod(round(outcome.seconds), 60)
        detail = f"  ({outcome.detail})" if outcome.detail else ""
        lines.append(f"{outcome.name:<{width}}  {outcome.status:<7}  {minutes:2d}m{seconds:02d}s{detail}")
    minutes, seconds = divmod(round(total), 60)
    failed = sum(outcome.status == "FAILED" for outcome in outcomes)
    lines.append(f"{'total':<{width}}  {'FAILED' if failed else 'passed':<7}  {minutes:2d}m{seconds:02d}s")
    return "\n".join(lines)


def select(stages: list[Stage], only: list[str], skip: list[str]) -> list[Stage]:
    def matches(stage: Stage, names: list[str]) -> bool:
        return any(stage.name == name or stage.name.startswith(f"{name} ") for name in names)

    return [stage for stage in stages if (not only or matches(stage, only)) and not matches(stage, skip)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matrix", action="store_true", help="ansible-test on the oldest and newest ansible-core")
    parser.add_argument("--ansible-test-only", action="store_true", help="only the ansible-test stages")
    parser.add_argument("--only", default="", help="comma-separated stage names")
    parser.add_argument("--skip", default="", help="comma-separated stage names")
    parser.add_argument("--matrix-ready", action="store_true",
                        help="exit 0 when every ansible-core of the matrix has a Python here (for .ci/run)")
    parser.add_argument("--make-venv", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make_venv:
        return make_venv(args.make_venv)
    if args.matrix_ready:
        missing = [entry.name for entry in MATRIX if matrix_python(entry) is None]
        print(f"matrix: no Python for {', '.join(missing)}" if missing else "matrix: every Python is here")
        return 1 if missing else 0
    started = time.monotonic()
    ansible_test_stages = matrix_stages() if args.matrix else default_stages()
    stages = ansible_test_stages if args.ansible_test_only else [*static_stages(), *ansible_test_stages, pytest_stage()]
    stages = select(stages, [s for s in args.only.split(",") if s], [s for s in args.skip.split(",") if s])
    outcomes = [run_stage(stage) for stage in stages]
    print(summary(outcomes, time.monotonic() - started), flush=True)
    return 1 if any(outcome.status == "FAILED" for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
