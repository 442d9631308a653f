"""A hostile or broken network never hangs a run, exhausts memory, crashes a play or leaks a secret (issue 7).

CASES is the table: one inventory host per case, each pointed at its own tenant of the hostile endpoint
(tests/support/hostile_endpoint.py), or at a CA file that is no file. Every case goes through four entry
points, each one process under a wall-clock deadline with its peak RSS measured (tests/support/bounded_run.py):

- a playbook whose module task and lookup task run for every host (``ignore_errors``);
- ``ansible all -m azure_ad.oauth.token`` (ad hoc module);
- ``ansible all -m debug -a msg={{ lookup(...) }}`` (ad hoc lookup).

With ``timeout: 3, retries: 0`` a case that trickles or stalls must end at its deadline (not before: the time
proves the deadline, not some other failure, ended it), every other case well within it, and the retried case
within (retries + 1) x timeout + retries x max_retry_wait. Each (entry point, case) then checks that it failed or
succeeded as specified, that the message names the option or the endpoint, that no traceback, MODULE FAILURE or
dead worker shows, and that the client secret appears in no form (raw, percent- or form-encoded, JSON-escaped)
anywhere in the output. Peak RSS and wall time are bounded per run, and the worst are printed.
"""

from __future__ import annotations

import html
import json
import math
import os
import socket
import sys
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

import hardening_support as hs
import pytest
from entra_emulator import defaults as d
from hostile_endpoint import hostile_endpoint
from transport_calls import closed_connections

from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import TOKEN_OPTIONS

TIMEOUT = 3
# How late an attempt may end after its deadline, as the endpoint sees it (from its accept to the client's close).
ATTEMPT_SLACK = 1.0
# What a task may add to its requests: forking a worker, building the module's payload (the first task of a run
# waits for one worker to build it), starting its interpreter and importing, with FORKS workers at once on a
# 2-core machine that other test runs may share. Measured: 6.5 seconds on an idle machine, 16 on a busy one.
# The attempts themselves are bounded tightly (ATTEMPT_SLACK), as the endpoint sees them; per task, the bound
# still separates a deadline that holds from the minutes a per-read timeout allowed (every deadline case would
# run for well over a minute without one).
TASK_SLACK = 25.0
# The free strategy handles each result as it arrives (the linear one only once every host of the task is
# queued, which would count the wait for a fork as the case's time).
FORKS = 8
MAX_RSS_MB = 300
MiB = 1 << 20
SECRET = "Hn~Net.Secret+7/x=Q&z%Y_4kP"
PROXY_PASSWORD = "Hn-Proxy#Pw-0q8"


def secret_forms(secret: str) -> list[str]:
    """Every form in which the secret went out or could come back."""
    forms = {secret, quote_plus(secret), quote(secret, safe=""), quote(secret), json.dumps(secret)[1:-1],
             html.escape(secret)}  # fmt: skip
    forms |= {form.lower() for form in forms if "%" in form}  # lower-case percent escapes
    return sorted(forms)


@dataclass(frozen=True)
class Case:
    name: str
    behaviour: dict | None  # the tenant's behaviour; None: a normal tenant (the case is in the options)
    outcome: str  # "ok" or "failed"
    words: tuple = ()  # what the message must hold (besides the option)
    option: str | None = None  # the option the message must name
    kind: str = "fast"  # "deadline": ends at the timeout; "retry": two attempts; "fast": well within
    options: dict = field(default_factory=dict)  # option overrides; None removes the option


TIMED_OUT = ("within 3 seconds",)
TOO_LARGE = ("larger than 1024 KiB",)
ENCODED = ("Content-Encoding",)
NOT_HTTP = ("well-formed HTTP",)
DROPPED = ("dropped the connection",)
ECHO = '{"error": "invalid_client", "error_description": "{{form:client_secret}} {{wire:client_secret}}"}'

CASES = [
    # ---- the deadline: each would run for minutes with a per-read timeout
    Case("trickled_body", {"trickle_body": 1}, "failed", TIMED_OUT, "timeout", "deadline"),
    Case("trickled_headers", {"trickle_headers": 1, "headers": [[f"X-Slow-{i}", "1"] for i in range(90)]},
         "failed", TIMED_OUT, "timeout", "deadline"),
    Case("stall_after_accept", {"stall": "accept"}, "failed", TIMED_OUT, "timeout", "deadline"),
    Case("stall_in_handshake", {"stall": "handshake", "trickle_handshake": 1}, "failed", TIMED_OUT, "timeout",
         "deadline"),
    Case("stall_after_request", {"stall": "request"}, "failed", TIMED_OUT, "timeout", "deadline"),
    Case("endless_trickled_chunks", {"chunked": True, "endless": True, "trickle_body": 0.5}, "failed", TIMED_OUT,
         "timeout", "deadline"),
    Case("retried_trickle", {"trickle_body": 1}, "failed", ("within 3 seconds", "Gave up after 2 attempts"),
         "timeout", "retry", {"retries": 1, "max_retry_wait": 1}),
    # ---- memory
    Case("gzip_bomb", {"gzip_bomb": 10 * 1024 * MiB}, "failed", ENCODED, "authority_host"),
    Case("gzip_answer", {"gzip": True, "body": ECHO}, "failed", ENCODED, "authority_host"),
    Case("body_100mb", {"body_size": 100 * MiB}, "failed", TOO_LARGE, "authority_host"),
    Case("body_100mb_no_length", {"body_size": 100 * MiB, "content_length": False}, "failed", TOO_LARGE,
         "authority_host"),
    Case("endless_chunks", {"chunked": True, "endless": True}, "failed", TOO_LARGE, "authority_host"),
    Case("announced_100mb", {"content_length": 100 * MiB, "body": ECHO}, "failed", TOO_LARGE, "authority_host"),
    # ---- framing
    Case("lying_length", {"content_length": 5000, "body": ECHO}, "failed", DROPPED, "authority_host"),
    Case("closed_mid_body", {"close": "mid_body", "body": ECHO + " " * 200}, "failed", DROPPED, "authority_host"),
    Case("closed_before_response", {"close": "before_response"}, "failed", DROPPED, "authority_host"),
    Case("huge_header_line", {"headers": [["X-Huge", "h" * 100_000]]}, "failed", NOT_HTTP, "authority_host"),
    Case("too_many_headers", {"headers": [[f"X-H{i}", "v"] for i in range(500)]}, "failed", NOT_HTTP,
         "authority_host"),
    Case("garbage", {"raw_response": "SSH-2.0-OpenSSH_9.6\r\n\r\n"}, "failed", NOT_HTTP, "authority_host"),
    Case("redirect", {"status": 302, "headers": [["Location", "https://127.0.0.1:9/elsewhere"]], "body": ""},
         "failed", ("HTTP 302", "https://127.0.0.1:"), "authority_host"),
    # ---- files the task opens: refused at once, never waited on
    Case("ca_path_fifo", None, "failed", ("not a regular file",), "ca_path", options={"ca_path": "{{ hn.fifo }}"}),
    Case("ca_path_dir_with_fifo", None, "failed", ("no usable PEM",), "ca_path",
         options={"ca_path": "{{ hn.fifo_dir }}"}),
    Case("ca_path_socket", None, "failed", ("not a regular file",), "ca_path", options={"ca_path": "{{ hn.socket }}"}),
    Case("ca_path_dev_zero", None, "failed", ("not a regular file",), "ca_path", options={"ca_path": "/dev/zero"}),
    Case("requests_ca_bundle_fifo", None, "failed", ("REQUESTS_CA_BUNDLE", "not a regular file"), "ca_path",
         options={"ca_path": None}),
    # ---- what must still work
    Case("slow_but_in_time", {"delay": 1}, "ok"),
    Case("chunked_answer", {"chunked": True}, "ok"),
    Case("trickled_in_time", {"trickle_body": 0.005}, "ok"),
]  # fmt: skip
CASE_BY_NAME = {case.name: case for case in CASES}
ENTRY_POINTS = ("playbook module", "playbook lookup", "adhoc module", "adhoc lookup")
MODULE_ARGS = " ".join(f"{name}={{{{ hn_row.{name} | default(omit) }}}}" for name in TOKEN_OPTIONS)
LOOKUP_ARGS = "msg={{ lookup('azure_ad.oauth.token', **hn_row) }}"
MODULE_OPTIONS = "".join(f"        {name}: \"{{{{ hn_row.{name} | default(omit) }}}}\"\n" for name in TOKEN_OPTIONS)
PLAYBOOK = """\
- name: The token module and lookup against a hostile network
  hosts: all
  gather_facts: false
  tasks:
    - name: module
      azure_ad.oauth.token:
""" + MODULE_OPTIONS + """\
      ignore_errors: true
    - name: lookup
      ansible.builtin.debug:
        msg: "{{ lookup('azure_ad.oauth.token', **hn_row) }}"
      ignore_errors: true
"""


def bound(case: Case) -> float:
    """The most one case may take, as a task."""
    if case.kind == "retry":
        retries, wait = case.options["retries"], case.options["max_retry_wait"]
        return (retries + 1) * TIMEOUT + retries * wait + TASK_SLACK
    return TIMEOUT + TASK_SLACK


def run_deadline() -> float:
    """The wall-clock deadline of one run: every host's bound, FORKS at a time, per task, plus start-up."""
    rounds = math.ceil(len(CASES) / FORKS)
    return 2 * rounds * max(bound(case) for case in CASES) + 30


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile-network")
    with hostile_endpoint(work / "endpoint") as endpoint:
        files = special_files(work)
        rows = {}
        for case in CASES:
            tenant = endpoint.tenant(case.behaviour or {})
            row = {"tenant_id": tenant, "client_id": d.CLIENT_ID, "client_secret": "{{ hn.client_secret }}",
                   "authority_host": endpoint.authority_for(tenant), "ca_path": endpoint.ca_path,
                   "scope": [d.GRAPH_SCOPE], "timeout": TIMEOUT, "retries": 0}  # fmt: skip
            row.update(case.options)
            rows[case.name] = {key: value for key, value in row.items() if value is not None}
        inventory = work / "inventory.json"
        hosts = {name: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "hn_row": row}
                 for name, row in rows.items()}  # fmt: skip
        inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
        vars_file = work / "vars.json"
        vars_file.touch(mode=0o600)
        vars_file.write_text(json.dumps({"hn": {"client_secret": SECRET, **{k: str(v) for k, v in files.items()}}}))
        playbook = work / "hostile_network.yml"
        playbook.write_text(PLAYBOOK)
        # For the whole run: the module inherits it, and the lookup runs in ansible's own process. Every other
        # case gives ca_path, which wins over it. A proxy is set and bypassed, so proxy handling runs too.
        env = {"REQUESTS_CA_BUNDLE": str(files["fifo"]), "HTTPS_PROXY": f"http://user:{PROXY_PASSWORD}@127.0.0.1:9",
               "NO_PROXY": "127.0.0.1,localhost", "ANSIBLE_CALLBACKS_ENABLED": "hardening_timing",
               "ANSIBLE_STRATEGY": "free"}  # fmt: skip
        common = ["-i", str(inventory), "-f", str(FORKS), "-e", f"@{vars_file}"]
        commands = {
            "playbook": ["ansible-playbook", *common, str(playbook)],
            "adhoc module": ["ansible", "all", *common, "-m", "azure_ad.oauth.token", "-a", MODULE_ARGS],
            "adhoc lookup": ["ansible", "all", *common, "-m", "ansible.builtin.debug", "-a", LOOKUP_ARGS],
        }
        runs, timings = {}, {}
        for name, argv in commands.items():
            timing_file = work / f"timing-{name.replace(' ', '-')}.jsonl"
            runs[name] = hs.run_ansible(argv, work, env={**env, "HARDENING_TIMING_FILE": str(timing_file)},
                                        deadline=run_deadline())  # fmt: skip
            timings[name] = [json.loads(line) for line in timing_file.read_text().splitlines()] \
                if timing_file.exists() else []  # fmt: skip
        received = {case.name: endpoint.received(rows[case.name]["tenant_id"]) for case in CASES}
        connections = {case.name: closed_connections(endpoint, rows[case.name]["tenant_id"], wait=10.0)
                       for case in CASES}
        files["_listener"].close()
    return {"runs": runs, "timings": timings, "received": received, "connections": connections}


def special_files(work) -> dict:
    """A FIFO, a directory holding only a FIFO, and a listening UNIX socket: none may be waited on."""
    fifo = work / "ca.fifo"
    os.mkfifo(fifo)
    fifo_dir = work / "fifo-dir"
    fifo_dir.mkdir()
    os.mkfifo(fifo_dir / "ca.pem")
    sock_path = work / "ca.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(sock_path))
    listener.listen(1)
    return {"fifo": fifo, "fifo_dir": fifo_dir, "socket": sock_path, "_listener": listener}


def outcome(runs: dict, timings: dict, entry_point: str, case: Case) -> tuple[hs.Run, dict, float]:
    """The run, the recorded result and the seconds of one (entry point, case)."""
    run_name, task = {"playbook module": ("playbook", "module"), "playbook lookup": ("playbook", "lookup"),
                      "adhoc module": ("adhoc module", None), "adhoc lookup": ("adhoc lookup", None)}[entry_point]
    run = runs[run_name]
    found = [line for line in run.results if line["host"] == case.name and (task is None or line["task"] == task)]
    assert len(found) == 1, f"{entry_point} {case.name}: {len(found)} results\n{run.explain()[-5000:]}"
    seconds = [line["seconds"] for line in timings[run_name]
               if line["host"] == case.name and (task is None or line["task"] == task)]  # fmt: skip
    assert len(seconds) == 1, (entry_point, case.name, timings[run_name])
    return run, found[0], seconds[0]


def test_the_runs_finished_within_their_deadline_and_memory(hostile_runs):
    worst_rss, worst_wall = 0.0, 0.0
    for name, run in hostile_runs["runs"].items():
        assert not run.timed_out, f"{name} was killed at its deadline ({run_deadline():g}s)\n{run.explain()[-3000:]}"
        assert not run.memory_exceeded, f"{name} was killed: a process passed 4 GiB\n{run.explain()[-3000:]}"
        assert run.leftovers == 0, f"{name} left {run.leftovers} processes running after it exited"
        assert "A worker was found in a dead state" not in run.output, name
        assert run.max_rss_mb < MAX_RSS_MB, f"{name}: peak RSS {run.max_rss_mb} MB"
        worst_rss, worst_wall = max(worst_rss, run.max_rss_mb), max(worst_wall, run.wall_seconds)
    assert hostile_runs["runs"]["playbook"].completed.returncode == 0, hostile_runs["runs"]["playbook"].explain()
    slowest = max((line["seconds"], run, line["host"], line["task"]) for run, lines in hostile_runs["timings"].items()
                  for line in lines)  # fmt: skip
    attempts = [(connection["seconds"], name) for name, connections in hostile_runs["connections"].items()
                for connection in connections if connection["seconds"] is not None]  # fmt: skip
    longest = max(attempts)
    hs.SUMMARY.append(
        f"hostile network: {len(CASES)} cases x {len(ENTRY_POINTS)} entry points, {len(attempts)} attempts; worst "
        f"peak RSS {worst_rss:.0f} MB; worst run {worst_wall:.1f}s (deadline {run_deadline():g}s); longest attempt "
        f"{longest[0]:.2f}s ({longest[1]}, timeout {TIMEOUT}s); slowest task {slowest[0]:.1f}s ({slowest[1]} "
        f"{slowest[2]} {slowest[3]}; bound {bound(CASE_BY_NAME[slowest[2]]):g}s)"
    )


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(hostile_runs, entry_point, case):
    run, recorded, seconds = outcome(hostile_runs["runs"], hostile_runs["timings"], entry_point, case)
    result = recorded["result"]
    message = str(result.get("msg", ""))
    assert recorded["status"] == case.outcome, (entry_point, case.name, json.dumps(result)[:2000])
    assert not hs.traceback_problems(result), hs.traceback_problems(result)
    if case.outcome == "failed":
        for word in (*case.words, case.option):
            assert word in message, f"{word!r} not in {message!r}"
        if "module" in entry_point:
            assert result.get("error", {}).get("option") == case.option, result.get("error")
        else:
            assert "azure_ad.oauth.token: " in message, message
    # Time: a deadline case ends at its deadline, not before (or something else ended it) and not much after.
    if case.kind == "deadline":
        assert TIMEOUT - 0.5 <= seconds, f"{case.name} ended after {seconds:.1f}s, before its {TIMEOUT}s deadline"
    assert seconds <= bound(case), f"{entry_point} {case.name}: {seconds:.1f}s > {bound(case):g}s"
    # No secret in any form, in this result or anywhere in the run's output; nor the proxy's password.
    forms = [*secret_forms(SECRET), PROXY_PASSWORD]
    for text in (json.dumps(result), run.output):
        leaks = hs.leaked(text, forms)
        assert not leaks, hs.contexts(text, leaks)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_attempt_ends_at_its_deadline(hostile_runs, case):
    """As the endpoint saw it: each attempt's connection, from accept to close, lasts at most the timeout."""
    connections = hostile_runs["connections"][case.name]
    attempts = len(ENTRY_POINTS) * (1 + case.options.get("retries", 0))
    if case.behaviour is None:
        assert connections == [], "a refused CA file must stop the task before it connects"
        return
    assert len(connections) == attempts, connections
    for connection in connections:
        assert connection["seconds"] is not None, f"connection {connection['id']} is still open"
        assert connection["seconds"] <= TIMEOUT + ATTEMPT_SLACK, connection
        if case.kind in ("deadline", "retry"):
            assert connection["closed_by"] == "client", connection
            # The endpoint accepts a little after the client connected (its listen queue), so under load it
            # sees a little less than the timeout; much less would mean something else ended the attempt.
            assert connection["seconds"] >= TIMEOUT - 1.0, connection


def test_each_case_sent_what_it_should(hostile_runs):
    """Attempts per case, over the 4 entry points: one each (two with retries: 1); none for refused CA files."""
    received = hostile_runs["received"]
    for case in CASES:
        requests = received[case.name]
        if case.behaviour is None:
            assert requests == [], case.name
        elif case.behaviour.get("stall") in ("accept", "handshake"):
            assert requests == [], "the request never got past the stalled connection"
        else:
            expected = len(ENTRY_POINTS) * (1 + case.options.get("retries", 0))
            assert len(requests) == expected, (case.name, len(requests))
            assert all(request["headers"].get("accept-encoding") == "identity" for request in requests)
            assert all(request["form"].get("client_secret") == SECRET for request in requests), case.name


def test_the_secret_forms_are_what_went_on_the_wire(hostile_runs):
    """The scan looks for the encoded forms the endpoint really received (so it is not vacuous)."""
    wire = hostile_runs["received"]["slow_but_in_time"][0]["body"]
    assert quote_plus(SECRET) in wire and quote_plus(SECRET) in secret_forms(SECRET)
