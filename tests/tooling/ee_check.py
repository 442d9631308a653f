"""Check the collection's Execution Environment story without a container engine.

    python tests/tooling/ee_check.py

1. ``ansible-builder create`` on docs/execution-environment.yml (the example a user copies) makes a build context
   whose Galaxy requirements install azure_ad.oauth.
2. The built tarball, installed with ansible-galaxy, is what ``ansible-builder introspect`` reads in an EE build:
   its Python requirements must be requirements.txt's, and it must need no system package (no bindep.txt,
   since no plugin runs an external binary).
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*argv: str, env: dict | None = None) -> str:
    completed = subprocess.run([str(BIN / argv[0]), *argv[1:]], cwd=REPO_ROOT, capture_output=True, text=True,
                               env=env, check=False)  # fmt: skip
    print(completed.stdout + completed.stderr, end="", flush=True)
    if completed.returncode != 0:
        raise SystemExit(f"ee_check: {argv[0]} {argv[1]} failed")
    return completed.stdout


def requirements() -> list[str]:
    lines = (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="azure-ad-oauth-ee-") as workdir:
        work = Path(workdir)
        run("ansible-builder", "create", "-f", "docs/execution-environment.yml", "-c", str(work / "context"))
        galaxy = yaml.safe_load((work / "context" / "_build" / "requirements.yml").read_text(encoding="utf-8"))
        names = [collection["name"] for collection in galaxy["collections"]]
        assert names == ["azure_ad.oauth"], names

        run("ansible-galaxy", "collection", "build", "--force", "--output-path", str(work / "dist"))
        (tarball,) = glob.glob(str(work / "dist" / "azure_ad-oauth-*.tar.gz"))
        # Installed where that run looks for collections, as an EE build installs it.
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(work / "collections"))
        run("ansible-galaxy", "collection", "install", "--force", "--no-deps", "-p", str(work / "collections"), tarball,
            env=env)
        found = yaml.safe_load(run("ansible-builder", "introspect", str(work / "collections")))
        python = [line.split("#")[0].strip() for line in found["python"]]
        assert python == requirements(), (python, requirements())
        assert found.get("system") in ([], None), found.get("system")
    print("ee_check: the example EE installs azure_ad.oauth; the installed collection asks ansible-builder for "
          f"{', '.join(requirements())} and no system package")
    return 0


if __name__ == "__main__":
    sys.exit(main())
