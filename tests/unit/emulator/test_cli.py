"""serve.py: a separate emulator process, found through its state file, stopped by its PID."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from entra_emulator import GRAPH_SCOPE, EmulatorAdminClient

SERVE = Path(__file__).resolve().parents[2] / "emulator" / "serve.py"


def start(state_file: Path, *extra: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, str(SERVE), "--state-file", str(state_file), *extra])
    deadline = time.monotonic() + 20
    while not state_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"serve.py did not start (exit {process.returncode})")
        time.sleep(0.05)
    return process


def test_serve_writes_its_state_serves_and_stops_on_sigterm(tmp_path):
    client_id = str(uuid.uuid4())
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"apps": [{"client_id": client_id, "tenant_id": "contoso.onmicrosoft.com",
                                            "secrets": [{"value": "cli~Secret.value"}]}]}))  # fmt: skip
    state_file = tmp_path / "run" / "state.json"

    process = start(state_file, "--config", str(config))
    try:
        state = json.loads(state_file.read_text())
        assert set(state) == {"pid", "port", "authority_host", "ca_path", "admin_token"}
        assert state["pid"] == process.pid
        assert state["authority_host"] == f"https://127.0.0.1:{state['port']}"
        assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
        assert Path(state["ca_path"]).parent == state_file.parent

        url = f"{state['authority_host']}/contoso.onmicrosoft.com/oauth2/v2.0/token"
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "cli~Secret.value",
                "scope": GRAPH_SCOPE}  # fmt: skip
        assert requests.post(url, data=form, verify=state["ca_path"], timeout=10).status_code == 200

        admin = EmulatorAdminClient(state_file)
        assert admin.stats()["by_client_id"] == {client_id: 1}
        admin.stop()  # SIGTERM to the PID in the state file
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert not state_file.exists()


def test_serve_exits_cleanly_on_sigint(tmp_path):
    state_file = tmp_path / "state.json"
    process = start(state_file)
    try:
        os.kill(process.pid, signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_serve_prints_one_line_with_the_url_and_the_ca_when_ready(tmp_path):
    """A person starting it by hand reads where it listens and which CA to trust (docs/testing.md)."""
    import select

    state_file = tmp_path / "state.json"
    process = subprocess.Popen([sys.executable, str(SERVE), "--state-file", str(state_file)], stdout=subprocess.PIPE,
                               text=True)  # fmt: skip
    try:
        ready = select.select([process.stdout], [], [], 20)[0]
        assert ready, "serve.py printed nothing within 20 s"
        line = process.stdout.readline()
        state = json.loads(state_file.read_text())  # written before the line is printed
        assert line.startswith(f"Local Entra endpoint ready: {state['authority_host']} (test CA: {state['ca_path']};")
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == ""  # one line only
    finally:
        if process.poll() is None:
            process.kill()
