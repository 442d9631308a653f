"""Run real ansible-playbook and ansible commands against this checkout.

The collection is found through the symlink tree that tests/conftest.py makes;
modules run with the venv's interpreter so they find cryptography and pyjks.
Secrets go to ansible through files (-e @file, mode 0600) or the environment,
never through argv.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from collection_path import COLLECTIONS_ROOT, REPO_ROOT

# An empty config, so no ansible.cfg of the developer's applies. Not os.devnull:
# ansible-core 2.19 refuses an ANSIBLE_CONFIG without a .cfg/.ini/.yml extension.
EMPTY_CONFIG = REPO_ROOT / ".cache" / "ansible-empty.cfg"
BIN = Path(sys.executable).parent


def cli(name: str) -> str:
    """An ansible command: the one beside this interpreter (our venv), else the one on PATH.

    Under ``ansible-test units`` the venv holds no ansible scripts: ansible-test puts its own on PATH.
    """
    beside = BIN / name
    return str(beside) if beside.is_file() else (shutil.which(name) or str(beside))


def _empty_config() -> str:
    if not EMPTY_CONFIG.is_file():
        EMPTY_CONFIG.parent.mkdir(parents=True, exist_ok=True)
        EMPTY_CONFIG.write_text("# intentionally empty: tests run ansible without any ansible.cfg\n")
    return str(EMPTY_CONFIG)


def ansible_env(extra: dict | None = None, verbosity: int = 0) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "AZURE_"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT),
        ANSIBLE_CONFIG=_empty_config(),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_DEPRECATION_WARNINGS="false",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    if verbosity:
        env["ANSIBLE_VERBOSITY"] = str(verbosity)
    env.update(extra or {})
    return env


def write_vars(path: Path, variables: dict) -> Path:
    """Write extra vars to a 0600 file, for ``-e @file``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(variables, handle)
    return path


def run_playbook(playbook: Path, vars_file: Path | None = None, env: dict | None = None, verbosity: int = 0,
                 check: bool = False, diff: bool = False, cwd: Path | None = None,
                 timeout: float = 600) -> subprocess.CompletedProcess:
    argv = [cli("ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook)]
    if vars_file is not None:
        argv += ["-e", f"@{vars_file}"]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    return subprocess.run(argv, env=ansible_env(env, verbosity), cwd=cwd or REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False)


def run_adhoc(module: str, args: str, vars_file: Path | None = None, env: dict | None = None, verbosity: int = 0,
              check: bool = False, timeout: float = 300) -> subprocess.CompletedProcess:
    """``ansible localhost -m module -a args``; put secrets in ``vars_file`` and refer to them in ``args``."""
    argv = [cli("ansible"), "localhost", "-i", "localhost,", "-c", "local", "-m", module, "-a", args]
    if vars_file is not None:
        argv += ["-e", f"@{vars_file}"]
    if check:
        argv.append("--check")
    return subprocess.run(argv, env=ansible_env(env, verbosity), cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def adhoc_result(completed: subprocess.CompletedProcess) -> dict:
    """The JSON result of a one-host ad-hoc run (``localhost | SUCCESS => {...}``)."""
    out = completed.stdout
    start = out.find("=> {")
    if start < 0:
        raise AssertionError(f"no JSON result in ansible output:\n{out}\n{completed.stderr}")
    return json.loads(out[start + 3:])
