"""Run the Entra emulator as a process, for ansible-playbook runs and the demo.

    python tests/emulator/serve.py --state-file /tmp/emu/state.json [--config config.json]

Once it listens it writes the state file atomically, mode 0600, as JSON
``{"pid", "port", "authority_host", "ca_path", "admin_token"}``, prints one line with the URL and the
test CA's path (``Local Entra endpoint ready: https://127.0.0.1:<port> (test CA: <path>; ...)``), and serves
until SIGTERM or SIGINT, then exits 0 and removes the state file. Stop it by
the PID in the state file, never by name. ``ca.pem`` goes next to the state file.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from entra_emulator import EntraEmulator


def write_state(path: Path, state: dict) -> None:
    """Write JSON to ``path`` atomically, readable by the owner only."""
    fd, tmp = tempfile.mkstemp(prefix=".state-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-file", required=True, type=Path, help="where to write the JSON state")
    parser.add_argument("--config", type=Path, help="a JSON config added to the default directory")
    args = parser.parse_args(argv)

    config = json.loads(args.config.read_text(encoding="utf-8")) if args.config else None
    state_file = args.state_file.resolve()
    state_file.parent.mkdir(parents=True, exist_ok=True)

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())

    emulator = EntraEmulator(config, state_dir=state_file.parent).start()
    try:
        write_state(
            state_file,
            {
                "pid": os.getpid(),
                "port": emulator.port,
                "authority_host": emulator.authority_host,
                "ca_path": str(emulator.ca_path),
                "admin_token": emulator.admin_token,
            },
        )
        # One line, once it listens: what a person running it by hand needs (docs/testing.md).
        print(f"Local Entra endpoint ready: {emulator.authority_host} (test CA: {emulator.ca_path}; "
              f"pid {os.getpid()}; state: {state_file})", flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
        state_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
