"""Start the local Entra endpoint as its own process, and stop it by PID.

The demo and the integration tests use this; unit tests run the emulator in
process instead (entra_emulator.EntraEmulator).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from child_process import die_with_parent

SERVE = Path(__file__).resolve().parents[1] / "emulator" / "serve.py"
START_TIMEOUT = 30.0


@contextmanager
def emulator_process(state_dir: Path, config: Path | None = None):
    """Yield the emulator's state dict (authority_host, ca_path, admin_token, pid...)."""
    state_file = Path(state_dir) / "emulator-state.json"
    argv = [sys.executable, str(SERVE), "--state-file", str(state_file)]
    if config is not None:
        argv += ["--config", str(config)]
    log = open(Path(state_dir) / "emulator.log", "wb")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent())
    try:
        yield _wait_for_state(state_file, process)
    finally:
        _stop(process)
        log.close()


def _wait_for_state(state_file: Path, process: subprocess.Popen) -> dict:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited with {process.returncode}; see {state_file.parent}/emulator.log")
        if state_file.exists():
            return json.loads(state_file.read_text())
        time.sleep(0.05)
    raise RuntimeError("the emulator did not start in time")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
