"""Run a command under a wall-clock deadline and measure its peak memory.

    python bounded_run.py --deadline 60 --report report.json --stdout out.txt --stderr err.txt -- argv...

This wrapper is the command's parent, so ``getrusage(RUSAGE_CHILDREN)`` taken
here sees only that command and its own descendants (ansible's workers and the
module processes they wait for), not the earlier children of pytest.

At the deadline every descendant is killed, not only the command's process
group: ansible's workers call setsid(), so a group kill would miss them, and a
worker orphaned by its killed parent would run on (a hung module with it). The
wrapper makes itself a child subreaper (Linux prctl), so orphans are
re-parented to it: it finds every descendant through /proc, kills them, and
reaps them, which also counts their memory in RUSAGE_CHILDREN. Descendants
still running once the command has exited on its own are killed the same way
and counted as ``leftovers``. Output goes to files, so no descendant can hold
the caller's pipe open.

A regression must fail a test, not the machine: while the command runs, the
resident memory of each descendant is sampled, and if one passes
``--rss-limit-mb`` everything is killed as at the deadline.

The report is JSON: ``rc``, ``wall_seconds``, ``max_rss_mb``, ``timed_out``,
``leftovers``, ``memory_exceeded``.
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

SAMPLE_SECONDS = 0.2


def run(argv: list[str], deadline: float, stdout: Path, stderr: Path, rss_limit_mb: float) -> dict:
    _become_subreaper()
    started = time.monotonic()
    timed_out = memory_exceeded = False
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        while True:
            try:
                rc = process.wait(timeout=SAMPLE_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            timed_out = time.monotonic() - started >= deadline
            memory_exceeded = _largest_rss_mb(_descendants(os.getpid())) > rss_limit_mb
            if timed_out or memory_exceeded:
                _kill(_descendants(os.getpid()))
                rc = process.wait()
                break
    wall = time.monotonic() - started
    leftovers = _kill_all_descendants()
    # ru_maxrss is in KiB on Linux: the largest resident set of any waited-for descendant.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"rc": rc, "wall_seconds": round(wall, 3), "max_rss_mb": round(peak_kib / 1024, 1), "timed_out": timed_out,
            "leftovers": leftovers, "memory_exceeded": memory_exceeded}  # fmt: skip


def _largest_rss_mb(pids: set[int]) -> float:
    page = os.sysconf("SC_PAGE_SIZE")
    largest = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                largest = max(largest, int(handle.read().split()[1]) * page)
        except (OSError, IndexError, ValueError):
            continue
    return largest / (1 << 20)


def _become_subreaper() -> None:
    """Orphaned descendants are re-parented to this process instead of init (Linux 3.4+)."""
    import ctypes

    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def _descendants(root: int) -> set[int]:
    """Every live descendant of ``root``, from the parent links in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="latin-1") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, stack = set(), [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _kill(pids: set[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _kill_all_descendants() -> int:
    """Kill and reap whatever still runs under this process; return how many there were."""
    seen: set[int] = set()
    for _round in range(100):
        _reap()
        pids = _descendants(os.getpid())
        if not pids:
            break
        seen |= pids
        _kill(pids)
        time.sleep(0.05)
    _reap()
    return len(seen)


def _reap() -> None:
    while True:
        try:
            pid = os.waitpid(-1, os.WNOHANG)[0]
        except ChildProcessError:
            return
        if pid == 0:
            return


def main(args: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, required=True, help="seconds before the process group is killed")
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--stdout", type=Path, required=True)
    parser.add_argument("--stderr", type=Path, required=True)
    parser.add_argument("--rss-limit-mb", type=float, default=4096, help="kill everything when a process passes it")
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    options = parser.parse_args(args)
    argv = options.argv[1:] if options.argv[:1] == ["--"] else options.argv
    report = run(argv, options.deadline, options.stdout, options.stderr, options.rss_limit_mb)
    options.report.write_text(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
