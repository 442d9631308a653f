"""Run ``ansible-test sanity|units|integration`` on this checkout, offline-friendly, output streamed.

    python tests/tooling/run_ansible_test.py sanity|units|integration [--python X.Y] [ansible-test options...]

ansible-test wants the collection at .../ansible_collections/azure_ad/oauth, so the files git knows (tracked, or
untracked and not ignored) are copied into a temporary tree of that shape. The ansible-test that runs is the one
beside this interpreter (each venv of ``make test-matrix`` brings its own ansible-core), with ``--venv``: it builds
its own virtual environments from ``tests/unit/requirements.txt`` and ``tests/integration/requirements.txt``.

Those venvs bootstrap pip with a get-pip script downloaded from a host this network cannot reach. ansible-test
first looks for it in a cache file, and names that file when the download fails; we put an offline stand-in there
(ensurepip, then pip install from the package index) and run again. The file is named after the pip version, so
each ansible-core version that asks for another pip gets its own stand-in.

After ``integration``, the output is checked for what no run may print: a traceback, a module crash, or a secret
that the targets use (the emulator's client secrets, and every ``*password*`` or ``*secret*`` value in the targets'
``defaults/`` and ``vars/``), so a new target's secrets are covered as soon as they are declared there.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("sanity", "units", "integration")
MISSING_BOOTSTRAP = re.compile(r"can be manually downloaded and saved to: (\S+)")
OFFLINE_GET_PIP = '''"""Offline stand-in for get-pip, written by tests/tooling/run_ansible_test.py."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
'''
# pip's chatter while ansible-test fills its venvs: hidden, everything else is streamed as it comes.
PIP_NOISE = re.compile(r"^(Looking in|WARNING: Location|Collecting|Downloading|Installing|Successfully|  |Using|"
                       r"Processing|Attempting|Found existing|Uninstalling|Requirement already|Obtaining|Building|"
                       r"Created wheel|Stored in|Preparing|Getting requirements)")
GENERATED_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", ".mypy_cache"}
FORBIDDEN_OUTPUT = ("Traceback (most recent call last)", "MODULE FAILURE", "PRIVATE KEY-----")


def find_python(version: str) -> Path | None:
    """An interpreter for ``version`` (3.12...): on PATH, else under pyenv; None when there is none."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    for candidate in filter(None, candidates):
        # A pyenv shim exists for every installed version but fails for one that is not selected.
        if subprocess.run([candidate, "-V"], capture_output=True, check=False).returncode == 0:
            return Path(candidate)
    return None


def collection_files() -> list[str]:
    """What a checkout holds: git's tracked and untracked-but-not-ignored files; every file outside git."""
    try:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT, check=True,
                                capture_output=True).stdout.decode().split("\0")
        return [name for name in listed if name and (REPO_ROOT / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        return [str(path.relative_to(REPO_ROOT)) for path in REPO_ROOT.rglob("*")
                if path.is_file() and not _generated(path.relative_to(REPO_ROOT))]


def _generated(relative: Path) -> bool:
    """What a run leaves in a tree that is not a git checkout: venvs, caches, ansible-test's output."""
    parts = relative.parts
    return (parts[0].startswith((".venv", ".cache", ".git")) or parts[:2] == ("tests", "output")
            or any(part in GENERATED_DIRS for part in parts))


def copy_collection(destination: Path) -> None:
    for name in collection_files():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)


def target_secrets() -> set[str]:
    """Secrets the integration targets use, which no output may show."""
    import yaml  # ansible-core's own dependency

    # defaults.py alone (standard library): the emulator package needs PyJWT, which a matrix venv lacks.
    spec = importlib.util.spec_from_file_location(
        "entra_emulator_defaults", REPO_ROOT / "tests" / "emulator" / "entra_emulator" / "defaults.py")
    defaults = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(defaults)

    found = {defaults.CLIENT_SECRET, defaults.OTHER_CLIENT_SECRET}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and re.search(r"password|secret", str(key)) and "{{" not in value:
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    targets = REPO_ROOT / "tests" / "integration" / "targets"
    for path in sorted(targets.glob("*/defaults/*.yml")) + sorted(targets.glob("*/vars/*.yml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return {secret for secret in found if len(secret) >= 6}


def stream(command: list[str], cwd: Path, env: dict) -> tuple[int, str]:
    """Run ``command``, printing its output line by line as it comes (pip's chatter left out)."""
    lines = []
    with subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", bufsize=1) as process:
        for line in process.stdout:
            lines.append(line)
            if line.strip() and not PIP_NOISE.match(line):
                print(line, end="", flush=True)
    return process.returncode, "".join(lines)


def check_output(output: str) -> list[str]:
    problems = [f"the output shows {text!r}" for text in FORBIDDEN_OUTPUT if text in output]
    problems += ["a secret of the targets reached the output" for secret in target_secrets() if secret in output][:1]
    return problems


def run(command: str, python_version: str, extra: list[str]) -> int:
    ansible_test = Path(sys.executable).parent / "ansible-test"
    python = Path(sys.executable) if python_version == current_version() else find_python(python_version)
    if python is None:
        print(f"run_ansible_test: no Python {python_version} on this machine", file=sys.stderr)
        return 2
    env = dict(os.environ, PATH=f"{python.parent}{os.pathsep}{os.environ['PATH']}")
    for name in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "PYTHONPATH"):
        env.pop(name, None)
    with tempfile.TemporaryDirectory(prefix=f"azure-ad-oauth-{command}-") as workdir:
        collection = Path(workdir) / "ansible_collections" / "azure_ad" / "oauth"
        copy_collection(collection)
        argv = [str(ansible_test), command, "--venv", "--python", python_version, "--color", "no", *extra]
        print(f"$ ansible-test {' '.join(argv[1:])}  (in {collection})", flush=True)
        planted: set[str] = set()
        while True:
            returncode, output = stream(argv, collection, env)
            missing = MISSING_BOOTSTRAP.search(output)
            if returncode == 0 or not missing or missing.group(1) in planted:
                break
            planted.add(missing.group(1))
            Path(missing.group(1)).parent.mkdir(parents=True, exist_ok=True)
            Path(missing.group(1)).write_text(OFFLINE_GET_PIP)
            print(f"run_ansible_test: planted the offline get-pip stand-in at {missing.group(1)}; running again",
                  flush=True)
    if command == "integration":
        problems = check_output(output)
        for problem in problems:
            print(f"run_ansible_test: FAILED: {problem}", flush=True)
        if problems and returncode == 0:
            returncode = 1
    return returncode


def current_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--python", default=current_version(), help="the Python ansible-test uses (default: this one)")
    args, extra = parser.parse_known_args(argv)
    return run(args.command, args.python, extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
