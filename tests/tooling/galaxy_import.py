"""Build the collection's tarball and run galaxy-importer on it, as Galaxy does when the tarball is uploaded.

    python tests/tooling/galaxy_import.py <where the tarball goes>.tar.gz

galaxy-importer exits 0 even when it warns, so any WARNING or ERROR line it prints fails this check: Galaxy shows
those to every user of the collection. It runs ansible-doc and ansible-lint itself (on PATH).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = """[galaxy-importer]
LOG_LEVEL_MAIN = INFO
RUN_ANSIBLE_DOC = True
RUN_ANSIBLE_LINT = True
RUN_ANSIBLE_TEST = False
"""


def main(tarball: str) -> int:
    target = Path(tarball)
    target.parent.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    built = subprocess.run([str(bin_dir / "ansible-galaxy"), "collection", "build", "--force", "--output-path",
                            str(target.parent)], cwd=REPO_ROOT, check=False)  # fmt: skip
    if built.returncode != 0 or not target.is_file():
        print(f"galaxy_import: the build did not make {target}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="galaxy-importer-") as workdir:
        config = Path(workdir) / "galaxy-importer.cfg"
        config.write_text(CONFIG)
        env = dict(os.environ, GALAXY_IMPORTER_CONFIG=str(config))
        completed = subprocess.run([sys.executable, "-m", "galaxy_importer.main", str(target.resolve())], cwd=workdir,
                                   env=env, capture_output=True, text=True, check=False)  # fmt: skip
    output = completed.stdout + completed.stderr
    print(output, end="", flush=True)
    complaints = [line for line in output.splitlines() if "WARNING" in line or "ERROR" in line]
    if completed.returncode != 0 or complaints or "Importer processing completed successfully" not in output:
        print(f"galaxy_import: FAILED ({len(complaints)} warning or error lines)", file=sys.stderr)
        return 1
    print(f"galaxy_import: {target.name} imports with no warning or error")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
