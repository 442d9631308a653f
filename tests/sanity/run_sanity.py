"""Run ``ansible-test sanity`` on this checkout, offline-friendly.

ansible-test wants the collection at .../ansible_collections/azure_ad/oauth, so
the files git knows (tracked, or untracked and not ignored) are copied into a
temporary tree of that shape. Its venvs bootstrap pip with a get-pip script
downloaded from a host this network cannot reach; when ansible-test names the
cache file it would read instead, we put an offline stand-in there (ensurepip,
then pip install from the package index) and run again.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_TEST = Path(sys.executable).parent / "ansible-test"
MISSING_BOOTSTRAP = re.compile(r"can be manually downloaded and saved to: (\S+)")
OFFLINE_GET_PIP = '''"""Offline stand-in for get-pip, written by tests/sanity/run_sanity.py."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
'''


def sanity_python() -> tuple[str, str]:
    """The newest Python 3.12/3.13 we can find (ansible-test's venvs need one), else this one."""
    for version in ("3.12", "3.13"):
        found = shutil.which(f"python{version}")
        candidates = [found] if found else []
        candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")))
        for candidate in candidates:
            if subprocess.run([candidate, "-V"], capture_output=True, check=False).returncode == 0:
                return version, str(Path(candidate).parent)
    return f"{sys.version_info.major}.{sys.version_info.minor}", str(Path(sys.executable).parent)


def copy_collection(destination: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def main(argv: list[str]) -> int:
    version, python_dir = sanity_python()
    env = dict(os.environ, PATH=f"{python_dir}{os.pathsep}{os.environ['PATH']}")
    with tempfile.TemporaryDirectory(prefix="azure-ad-oauth-sanity-") as workdir:
        collection = Path(workdir) / "ansible_collections" / "azure_ad" / "oauth"
        copy_collection(collection)
        command = [str(ANSIBLE_TEST), "sanity", "--venv", "--python", version, "--color", "no", *argv]
        for _attempt in range(2):
            completed = subprocess.run(command, cwd=collection, env=env, capture_output=True, text=True, check=False)
            missing = MISSING_BOOTSTRAP.search(completed.stdout + completed.stderr)
            if completed.returncode == 0 or not missing:
                break
            Path(missing.group(1)).parent.mkdir(parents=True, exist_ok=True)
            Path(missing.group(1)).write_text(OFFLINE_GET_PIP)
        quiet = re.compile(r"^(Looking in|WARNING: Location|Collecting|Downloading|Installing|Successfully|  |Using|"
                           r"Processing|Attempting|Found existing|Uninstalling|Requirement already)")
        for line in (completed.stdout + completed.stderr).splitlines():
            if line.strip() and not quiet.match(line):
                print(line)
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
