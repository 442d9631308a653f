"""Run a command under a wall-clock deadline and measure its peak memory.

    python bounded_run.py --deadline 60 --report report.json --stdout out.txt --stderr err.txt -- argv...

This wrapper is the command's parent, so ``getrusage(RUSAGE_CHILDREN)`` taken
here sees only that command and its own descendants (ansible's workers and the
module processes they wait for), not the earlier children of pytest. The
command runs in a process group of its own; at the deadline the whole group is
killed. Its output goes to files, so a descendant that outlives the kill cannot
hold the caller's pipe open.

The report is JSON: ``rc``, ``wall_seconds``, ``max_rss_mb``, ``timed_out``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path


def run(argv: list[str], deadline: float, stdout: Path, stderr: Path) -> dict:
    started = time.monotonic()
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        timed_out = False
        try:
            rc = process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process.pid)
            rc = process.wait()
        _kill_group(process.pid)  # leftovers of the group (a stray grandchild) never outlive the run
    wall = time.monotonic() - started
    # ru_maxrss is in KiB on Linux: the largest resident set of any waited-for descendant.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"rc": rc, "wall_seconds": round(wall, 3), "max_rss_mb": round(peak_kib / 1024, 1), "timed_out": timed_out}


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def main(args: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, required=True, help="seconds before the process group is killed")
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--stdout", type=Path, required=True)
    parser.add_argument("--stderr", type=Path, required=True)
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    options = parser.parse_args(args)
    argv = options.argv[1:] if options.argv[:1] == ["--"] else options.argv
    report = run(argv, options.deadline, options.stdout, options.stderr)
    options.report.write_text(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
