"""Helpers for the hardening tests: recorded ansible runs, file snapshots, secret and JWT scans.

Every run goes through the ``hardening_record`` stdout callback (in
``callback_plugins/``), which prints what the default callback prints and
also writes each raw task result as a JSON line, so a test can check both what
a user sees and the result's keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ansible_cli import BIN, ansible_env
from collection_path import REPO_ROOT

HERE = Path(__file__).resolve().parent
CALLBACKS = HERE / "callback_plugins"
BOUNDED_RUN = REPO_ROOT / "tests" / "support" / "bounded_run.py"
# What ansible-core 2.19 puts under ``exception`` in every failed result when traceback capture is off (the
# default): it means "no traceback", not "an exception escaped".
NO_TRACEBACK = "(traceback unavailable)"
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")


@dataclass
class Run:
    """One ansible or ansible-playbook process: its output and its recorded task results."""

    completed: subprocess.CompletedProcess
    results: list[dict] = field(default_factory=list)
    # Filled when run with a deadline (through tests/support/bounded_run.py); None otherwise.
    wall_seconds: float | None = None
    max_rss_mb: float | None = None
    timed_out: bool = False
    leftovers: int = 0  # processes still running under it when it exited (killed then)
    memory_exceeded: bool = False  # killed because one of its processes passed the RSS limit

    @property
    def output(self) -> str:
        return self.completed.stdout + self.completed.stderr

    def result(self, task: str, host: str = "localhost") -> dict:
        found = [line for line in self.results if line["task"] == task and line["host"] == host]
        assert len(found) == 1, f"{len(found)} results for task {task!r} on {host}:\n{self.explain()}"
        return found[0]

    def explain(self) -> str:
        done = self.completed
        return f"rc={done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


def run_ansible(argv: list[str], work: Path, env: dict | None = None, verbosity: int = 0, drop_dac: bool = False,
                timeout: float = 900, deadline: float | None = None) -> Run:  # fmt: skip
    """Run ``ansible`` or ``ansible-playbook`` (``argv[0]`` is the program name) with the recording callback.

    ``drop_dac`` runs it without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so that file modes bind root too.
    ``deadline`` (seconds) runs it under tests/support/bounded_run.py: every process of the run is killed at the
    deadline, and the Run carries ``wall_seconds``, ``max_rss_mb`` (peak RSS of the run's own processes),
    ``timed_out``, ``leftovers`` (processes that outlived the command and had to be killed) and
    ``memory_exceeded`` (killed when one process passed 4 GiB of RSS, so a regression fails a test, not the host).
    """
    results_file = work / f"results-{len(list(work.glob('results-*.jsonl')))}.jsonl"
    controller_tmp = work / "controller-tmp"
    controller_tmp.mkdir(exist_ok=True)
    extra = {
        "ANSIBLE_STDOUT_CALLBACK": "hardening_record",
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",  # ad hoc runs use the stdout callback too
        "HARDENING_RESULTS_FILE": str(results_file),
        "TMPDIR": str(controller_tmp),
        # Each case must meet the endpoint (many queue a fault or a hostile answer for it): the lookup's token
        # cache, on by default, would answer a later case with an earlier one's token. The cache has its own
        # tests (tests/integration/test_token_cache.py, tests/unit/plugins/module_utils/_token/test_cached.py).
        "ANSIBLE_AZURE_AD_OAUTH_CACHE": "false",
    }
    extra.update(env or {})
    command = [str(BIN / argv[0]), *argv[1:]]
    if drop_dac:
        prefix = dac_drop_prefix()
        assert prefix is not None, "cannot drop DAC capabilities here"
        command = prefix + command
    if deadline is not None:
        return _bounded_run(command, extra, verbosity, deadline, results_file)
    completed = subprocess.run(command, env=ansible_env(extra, verbosity), cwd=REPO_ROOT, capture_output=True,
                               text=True, timeout=timeout, check=False)  # fmt: skip
    return Run(completed, _recorded(results_file))


def _recorded(results_file: Path) -> list[dict]:
    if not results_file.exists():
        return []
    return [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()]


def _bounded_run(command: list[str], extra: dict, verbosity: int, deadline: float, results_file: Path) -> Run:
    stem = results_file.with_suffix("")
    report, out, err = (stem.with_name(f"{stem.name}.{part}") for part in ("report.json", "stdout", "stderr"))
    wrapper = [sys.executable, str(BOUNDED_RUN), "--deadline", str(deadline), "--report", str(report),
               "--stdout", str(out), "--stderr", str(err), "--", *command]  # fmt: skip
    subprocess.run(wrapper, env=ansible_env(extra, verbosity), cwd=REPO_ROOT, timeout=deadline + 60, check=True)
    figures = json.loads(report.read_text())
    completed = subprocess.CompletedProcess(command, figures["rc"], out.read_text(errors="replace"),
                                            err.read_text(errors="replace"))  # fmt: skip
    return Run(completed, _recorded(results_file), wall_seconds=figures["wall_seconds"],
               max_rss_mb=figures["max_rss_mb"], timed_out=figures["timed_out"],
               leftovers=figures["leftovers"], memory_exceeded=figures["memory_exceeded"])  # fmt: skip


@cache
def dac_drop_prefix() -> list[str] | None:
    """The argv prefix under which a mode 000 file is unreadable, or None when there is none.

    Not root: no prefix is needed. Root: ``setpriv`` drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    bounding set, so root is held to the owner bits like anyone else. Checked by trying, not assumed.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    probe_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"dac-probe-{os.getpid()}"
    probe_dir.mkdir(exist_ok=True)
    probe = probe_dir / "locked"
    probe.write_text("x")
    probe.chmod(0)
    try:
        check = subprocess.run([*prefix, sys.executable, "-c", f"open({str(probe)!r}).read()"], capture_output=True,
                               timeout=60, check=False)  # fmt: skip
    finally:
        probe.unlink()
        probe_dir.rmdir()
    return prefix if check.returncode != 0 and b"PermissionError" in check.stderr else None


def snapshot(directory: Path) -> dict[str, tuple]:
    """Every entry under ``directory``: type, mode and, for files, the SHA-256 of the bytes."""
    entries = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            digest = None
            if stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            entries[str(path.relative_to(directory))] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), digest)
    return entries


def task_sections(stdout: str) -> dict[str, str]:
    """The default callback's output split by ``TASK [name]`` banners."""
    sections: dict[str, str] = {}
    parts = re.split(r"^TASK \[(.*?)\] \**$", stdout, flags=re.MULTILINE)
    for index in range(1, len(parts) - 1, 2):
        sections[parts[index]] = sections.get(parts[index], "") + parts[index + 1]
    return sections


def warnings_of(result: dict) -> list[str]:
    """Warning texts of a recorded result (ansible-core 2.19 may wrap each in a summary dict)."""
    texts = []
    for warning in result.get("warnings", []):
        if isinstance(warning, dict):
            warning = warning.get("event", {}).get("msg", "") or warning.get("msg", "")
        texts.append(str(warning))
    return texts


def traceback_problems(result: dict, text: str = "") -> list[str]:
    """Signs that an exception escaped: a traceback, MODULE FAILURE, raw module output, a real exception."""
    problems = []
    dumped = json.dumps(result)
    for needle in ("Traceback", "MODULE FAILURE", "Unexpected internal error", "unhandled exception"):
        if needle in dumped or needle in text:
            problems.append(needle)
    for key in ("module_stdout", "module_stderr"):
        if key in result:
            problems.append(key)
    if result.get("exception") not in (None, NO_TRACEBACK):
        problems.append(f"exception={result['exception']!r}")
    return problems


def leaked(text: str, secrets: list[str] | tuple[str, ...]) -> list[str]:
    """Which ``secrets`` appear in ``text``, plus PEM private key armour."""
    found = [secret for secret in secrets if secret and secret in text]
    if "PRIVATE KEY" in text:
        found.append("PRIVATE KEY")
    return found


def contexts(text: str, needles, width: int = 300) -> list[str]:
    """Where each of ``needles`` occurs in ``text``, with ``width`` characters around, for failure messages."""
    found = []
    for needle in needles:
        start = text.find(needle)
        while start >= 0 and len(found) < 10:
            found.append(text[max(0, start - width): start + len(needle) + width])
            start = text.find(needle, start + 1)
    return found


def _b64json(part: str) -> dict | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class FoundJwt:
    text: str
    header: dict
    claims: dict
    start: int

    @property
    def is_client_assertion(self) -> bool:
        """A client assertion: certificate thumbprint header, audience a token endpoint, iss = sub (the app)."""
        audience = str(self.claims.get("aud", ""))
        return (
            any(key in self.header for key in ("x5t", "x5t#S256"))
            and (audience.endswith("/token") or self.claims.get("iss") == self.claims.get("sub"))
        )


def find_jwts(text: str) -> list[FoundJwt]:
    found = []
    for match in _JWT.finditer(text):
        header_part, claims_part = match.group(0).split(".")[:2]
        header, claims = _b64json(header_part), _b64json(claims_part)
        if header is not None and claims is not None:
            found.append(FoundJwt(match.group(0), header, claims, match.start()))
    return found


# Filled by the test modules, printed by conftest.py's terminal summary.
CATALOGUE: dict = {"size": 0}
SUMMARY: list[str] = []
