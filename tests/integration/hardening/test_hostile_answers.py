"""Nothing an endpoint says may leak, flood or forge output; a malformed success is a failure (issue 7, 4 and 5).

A hostile token endpoint (tests/support/hostile_endpoint.py) answers each case's
tenant as the case says: it echoes the client secret or the signed client
assertion back (raw, percent-encoded in either case, form-encoded, JSON-escaped)
in each field of a JSON error and in an HTML page; sends 5 MB and 900 KB
descriptions; puts terminal escapes, carriage returns, backspaces and bidi
overrides in every field; answers 200 with a broken ``access_token`` or
``expires_in``; and sends malformed ``error_codes`` and ``error``.

Every case runs through six channels in three bounded ansible processes:

- one playbook at ``-vvvv``: the module, the lookup in a ``template``, and the lookup in ``set_fact`` with
  ``output=token`` and with ``output=dict``;
- ``ansible -m azure_ad.oauth.token`` (one inventory host per case);
- ``ansible -m debug -a msg={{ lookup(...) }}`` at ``-vvvv``.

Each (channel, case) checks the issue's four things: it fails or succeeds as
specified; the message names the endpoint (its ``authority_host``) or the option;
no traceback, MODULE FAILURE or dead worker; and no form of any secret sent (the
client secret, the keystore password, every assertion the endpoint received, and
their signatures) anywhere in the output. The whole output also holds no ESC
byte, no forged ``ok:`` line, and stays small. Each process runs under a
wall-clock deadline with its peak RSS measured.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import hardening_support as hs
import keystore_factory as kf
import pytest
from hostile_endpoint import hostile_endpoint

from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import TOKEN_OPTIONS

CLIENT_ID = "3c9e1f4a-7b2d-4e8f-9a6c-5d1b0e2f7a83"
SCOPE = "https://graph.microsoft.com/.default"
# Every character that percent-encoding changes: space, +, /, =, %, &, both quotes, non-ASCII.
SECRET = "Hx~Sec ret+with/eq=pct%amp&dq\"sq'é€-7Qk"
STORE_PASSWORD = "Hx-Store pass+/=%&\"'é-9Lm"
SECRET_MARK = "Hx~Sec"  # no prefix of the secret, even cut, may show
DEADLINE = 240
MAX_RSS_MB = 1024
FORGED = "\r\nok: [forged-host] => {}\r\nchanged: [forged-host]\n"
ESCAPES = "x\x1b[2J\x1b[H\x1b]0;owned\x07" + FORGED + "\x08\x08\x08\u202eevil\u200b\u2066\x9b31m"
ENTRA_ERROR = {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.",
               "error_codes": [7000215], "trace_id": "9a3e7c4e-0b2f-4c63-a2b4-3d1f6c7e8a90",
               "correlation_id": "5d6b3a1e-2f4c-4b8d-9e7a-1c0f2e3d4b5a"}  # fmt: skip
GOOD_TOKEN = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "hostile.tok-1"}

MODULE, TEMPLATE, FACT_TOKEN, FACT_DICT, ADHOC_MODULE, ADHOC_LOOKUP = (
    "module", "lookup-template", "lookup-fact-token", "lookup-fact-dict", "adhoc-module", "adhoc-lookup")  # fmt: skip
PLAYBOOK_CHANNELS = (MODULE, TEMPLATE, FACT_TOKEN, FACT_DICT)
CHANNELS = (*PLAYBOOK_CHANNELS, ADHOC_MODULE, ADHOC_LOOKUP)


@dataclass(frozen=True)
class Case:
    behaviour: dict
    fragment: str = ""  # must be in the message (failures) or the result (successes)
    ok: bool = False
    certificate: bool = False  # the certificate grant: the endpoint can echo the client assertion
    extra: dict = field(default_factory=dict)


def json_body(payload: dict, raw: dict | None = None) -> str:
    """A JSON body; ``raw`` values replace their "@name@" markers verbatim (1e400, placeholders)."""
    text = json.dumps(payload, ensure_ascii=False)
    for name, value in (raw or {}).items():
        text = text.replace(f'"@{name}@"', value)
    return text


def lower_hex(text: str) -> str:
    return re.sub("%[0-9A-F]{2}", lambda escape: escape.group().lower(), text)


# The forms the endpoint echoes: what the client really sent (placeholders filled by the endpoint from the
# request) and what an endpoint re-encoding it would write (computed here from the known secret).
ECHO_FORMS = {
    "raw": SECRET,
    "pct": quote(SECRET, safe=""),
    "pctlower": lower_hex(quote(SECRET, safe="")),
    "plus": quote_plus(SECRET),
    "wire": "{{wire:client_secret}}",
    "sent": "{{form:client_secret}}",
}


def build_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    # -- a secret echoed back in each field of a JSON error, in each form
    for field_name in ("error", "error_description", "trace_id", "correlation_id"):
        for form, echo in ECHO_FORMS.items():
            prefix = "AADSTS7000215: " if field_name == "error_description" else ""
            payload = {**ENTRA_ERROR, field_name: f"{prefix}echo @ECHO@ end"}
            body = json.dumps(payload).replace("@ECHO@", echo if form in ("wire", "sent") else
                                               json.dumps(echo)[1:-1])  # fmt: skip
            if form == "sent":  # {{form:...}} would break the JSON on the quote: {{json:...}} is its JSON form
                body = body.replace("{{form:client_secret}}", "{{json:client_secret}}")
            cases[f"echo-{field_name}-{form}"] = Case({"status": 401, "body": body}, "echo ******** end")
    # -- and in an HTML page (no JSON at all)
    for form, echo in {**ECHO_FORMS, "json": "{{json:client_secret}}", "body": "{{body}}"}.items():
        page = f"<html><body><h1>Bad gateway</h1><p>you sent {echo} to us</p></body></html>"
        cases[f"echo-html-{form}"] = Case({"status": 502, "body": page, "headers": [["Content-Type", "text/html"]]},
                                          "without an OAuth error")  # fmt: skip
    # -- a signed client assertion echoed back (certificate grant)
    assertion_bodies = {
        "assertion-description": json_body({**ENTRA_ERROR, "error_codes": [700027],
                                            "error_description": "AADSTS700027: bad @A@ end"}),
        "assertion-trace-id": json_body({**ENTRA_ERROR, "trace_id": "@A@"}),
        "assertion-error": json_body({**ENTRA_ERROR, "error": "@A@"}),
    }  # fmt: skip
    for name, body in assertion_bodies.items():
        body = body.replace("@A@", "{{json:client_assertion}}")
        cases[name] = Case({"status": 400, "body": body}, "********", certificate=True)
    cases["assertion-html-wire"] = Case({"status": 400, "body": "<p>{{wire:client_assertion}}</p>"}, "********",
                                        certificate=True)  # fmt: skip
    cases["assertion-html-body"] = Case({"status": 400, "body": "<pre>{{body}}</pre>"}, "without an OAuth error",
                                        certificate=True)  # fmt: skip
    # -- floods: past the transport's 1 MiB cap, and just under it (then every field is cut)
    cases["flood-5mb"] = Case({"status": 400, "body": json_body({**ENTRA_ERROR, "error_description": "D" * 5_000_000})},
                              "is larger than 1024 KiB")  # fmt: skip
    cases["flood-900k"] = Case({"status": 400, "body": json_body({
        **ENTRA_ERROR, "error_description": "AADSTS7000215: " + "D" * 800_000, "error": "E" * 40_000,
        "trace_id": "T" * 40_000, "correlation_id": "C" * 40_000})}, "AADSTS7000215: DDDD")  # fmt: skip
    cases["flood-html"] = Case({"status": 503, "body": "<p>" + "H" * 900_000 + "</p>"}, "HHHH...")
    # -- terminal escapes, CR, backspace and bidi overrides in every field, and in a page
    for field_name in ("error", "error_description", "trace_id", "correlation_id"):
        value = ("AADSTS7000215: " if field_name == "error_description" else "") + ESCAPES
        cases[f"escapes-{field_name}"] = Case({"status": 401, "body": json_body({**ENTRA_ERROR, field_name: value})},
                                              "\\x1b[2J")  # fmt: skip
    cases["escapes-html"] = Case({"status": 502, "body": "<p>" + ESCAPES + "</p>"}, "\\x1b[2J")
    cases["escapes-ok-fields"] = Case({"status": 200, "body": json_body({**GOOD_TOKEN, "token_type": ESCAPES})},
                                      "its token_type is 'x\\x1b[2J")  # fmt: skip
    # -- a malformed success is a failure
    bad_tokens = {"null": "null", "object": '{"x": 1}', "number": "12345", "empty": '""', "newline": '"tok\\nen"',
                  "escape": '"tok\\u001b[2Jen"'}  # fmt: skip
    problems = {"null": "is null, not a string", "object": "is a JSON object, not a string",
                "number": "is a number, not a string", "empty": "is an empty string",
                "newline": "holds whitespace", "escape": "holds whitespace, control"}  # fmt: skip
    for name, raw in bad_tokens.items():
        body = json_body({**GOOD_TOKEN, "access_token": "@T@"}, {"T": raw})
        cases[f"token-{name}"] = Case({"status": 200, "body": body}, f"its access_token {problems[name]}")
    bad_lifetimes = {"1e400": ("1e400", "expires_in is inf, not a whole number"),
                     "negative": ("-1", "expires_in is -1, outside 1 to"),
                     "abc": ('"abc"', "expires_in is 'abc', not a whole number"),
                     "true": ("true", "expires_in is true, not a whole number"),
                     "huge": ("1" + "0" * 40, "expires_in is (a very large number), outside"),
                     "zero": ("0", "expires_in is 0, outside")}  # fmt: skip
    for name, (raw, fragment) in bad_lifetimes.items():
        body = json_body({**GOOD_TOKEN, "expires_in": "@E@"}, {"E": raw})
        cases[f"expires-{name}"] = Case({"status": 200, "body": body}, fragment)
    body = json_body({**GOOD_TOKEN, "expires_on": "@E@"}, {"E": "1e400"})
    cases["expires-on-1e400"] = Case({"status": 200, "body": body}, "its expires_on is inf")
    cases["token-html-200"] = Case({"status": 200, "body": "<html>ok {{form:client_secret}} {{wire:client_secret}}"},
                                   "answered 200, but its body is not a JSON object: '<html>ok ******** ********'")
    # -- malformed error answers still give a clean message
    for name, raw in {"5": "5", "x": '"x"', "objects": "[{}]", "huge": "[1e400]", "nested": "[[7000215]]"}.items():
        body = json_body({**ENTRA_ERROR, "error_codes": "@C@"}, {"C": raw})
        cases[f"codes-{name}"] = Case({"status": 401, "body": body}, "AADSTS7000215: Invalid client secret provided.")
    cases["error-dict"] = Case({"status": 400, "body": json_body({"error": {"code": "x"}, "error_codes": [1]})},
                               "(a JSON object) ((a JSON object), HTTP 400 from")  # fmt: skip
    cases["deep-json"] = Case({"status": 400, "body": "[" * 100_000 + "]" * 100_000}, "without an OAuth error")
    # -- successes through the same endpoint, so that the failures above are about the answers
    cases["ok-v2"] = Case({"status": 200, "body": json_body(GOOD_TOKEN)}, "hostile.tok-1", ok=True)
    v1_body = json_body({**GOOD_TOKEN, "expires_in": "3599", "ext_expires_in": "3599", "expires_on": "1795999999",
                         "resource": "https://graph.microsoft.com"})  # fmt: skip
    cases["ok-v1-strings"] = Case({"status": 200, "body": v1_body}, "hostile.tok-1", ok=True,
                                  extra={"api_version": "v1"})  # fmt: skip
    cases["ok-certificate"] = Case({"status": 200, "body": json_body(GOOD_TOKEN)}, "hostile.tok-1", ok=True,
                                   certificate=True)  # fmt: skip
    return cases


CASES = build_cases()
CASE_IDS = [(channel, name) for name in CASES for channel in CHANNELS]
OPTION_ARGS = {name: f"{{{{ hx_rows[hx_case].{name} | default(omit) }}}}" for name in TOKEN_OPTIONS}
ADHOC_MODULE_ARGS = " ".join(f"{name}={{{{ hx_row.{name} | default(omit) }}}}" for name in TOKEN_OPTIONS)
LOOKUP = "lookup('azure_ad.oauth.token', **hx_rows[hx_case])"


def write_playbook(path: Path, template: Path, out_dir: Path) -> None:
    tasks = []
    for name in CASES:
        common = {"ignore_errors": True, "vars": {"hx_case": name}}
        tasks += [
            {"name": f"{MODULE} | {name}", "azure_ad.oauth.token": OPTION_ARGS, **common},
            {"name": f"{TEMPLATE} | {name}",
             "ansible.builtin.template": {"src": str(template), "dest": str(out_dir / f"{name}.txt")}, **common},
            {"name": f"{FACT_TOKEN} | {name}", "ansible.builtin.set_fact": {"hx_token": f"{{{{ {LOOKUP} }}}}"},
             **common},
            {"name": f"{FACT_DICT} | {name}", "ansible.builtin.set_fact": {
                "hx_dict": "{{ lookup('azure_ad.oauth.token', output='dict', **hx_rows[hx_case]) }}"}, **common},
        ]  # fmt: skip
    play = [{"name": "hostile answers", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    path.write_text(json.dumps(play, indent=1))


@dataclass
class Hostile:
    runs: dict
    authority_host: str
    received: dict  # case -> requests the endpoint received
    sent_secrets: list  # every secret value sent by any channel: the secret, the password, assertions...
    out_dir: Path

    def result(self, channel: str, case: str) -> dict:
        if channel in (ADHOC_MODULE, ADHOC_LOOKUP):
            found = [line for line in self.runs[channel].results if line["host"] == case]
            assert len(found) == 1, self.runs[channel].explain()[-3000:]
            return found[0]
        return self.runs["playbook"].result(f"{channel} | {case}")

    def section(self, channel: str, case: str) -> str:
        if channel in (ADHOC_MODULE, ADHOC_LOOKUP):
            output = self.runs[channel].completed.stdout
            return "\n".join(line for line in output.splitlines() if line.startswith(f"{case} "))
        return hs.task_sections(self.runs["playbook"].completed.stdout).get(f"{channel} | {case}", "")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    kf.require(kf.openssl)
    work = tmp_path_factory.mktemp("hostile-answers")
    store = kf.openssl_pkcs12(work / "store", password=STORE_PASSWORD)
    store.path.chmod(0o600)
    with hostile_endpoint(work / "endpoint") as endpoint:
        tenants = {name: endpoint.tenant(case.behaviour) for name, case in CASES.items()}
        rows = {}
        for name, case in CASES.items():
            row = {"tenant_id": tenants[name], "client_id": CLIENT_ID, "authority_host": endpoint.authority_host,
                   "ca_path": endpoint.ca_path, "scope": [SCOPE], "retries": 0, "timeout": 30, **case.extra}
            if case.certificate:
                row.update(keystore_path=str(store.path), keystore_password=STORE_PASSWORD)
            else:
                row["client_secret"] = SECRET
            rows[name] = row
        vars_file = work / "vars.json"
        vars_file.touch(mode=0o600)
        vars_file.write_text(json.dumps({"hx_rows": rows}))
        template = work / "lookup.j2"
        template.write_text("token: {{ " + LOOKUP + " }}\n")
        out_dir = work / "rendered"
        out_dir.mkdir()
        playbook = work / "hostile_answers.yml"
        write_playbook(playbook, template, out_dir)
        inventory = work / "inventory.json"
        inventory.write_text(json.dumps({"all": {"hosts": {
            name: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "hx_row": row}
            for name, row in rows.items()}}}))  # fmt: skip
        runs = {
            "playbook": hs.run_ansible(["ansible-playbook", "-vvvv", "-i", "localhost,", "-c", "local", str(playbook),
                                        "-e", f"@{vars_file}"], work, deadline=DEADLINE),
            ADHOC_MODULE: hs.run_ansible(["ansible", "all", "-i", str(inventory), "-m", "azure_ad.oauth.token", "-a",
                                          ADHOC_MODULE_ARGS, "-e", f"@{vars_file}"], work, deadline=DEADLINE),
            ADHOC_LOOKUP: hs.run_ansible(["ansible", "all", "-vvvv", "-i", str(inventory), "-m",
                                          "ansible.builtin.debug", "-a",
                                          "msg={{ lookup('azure_ad.oauth.token', **hx_row) }}", "-e",
                                          f"@{vars_file}"], work, deadline=DEADLINE),
        }  # fmt: skip
        received = {name: endpoint.received(tenant) for name, tenant in tenants.items()}
        authority_host = endpoint.authority_host
    sent = [SECRET, STORE_PASSWORD]
    for requests in received.values():
        for request in requests:
            assertion = request["form"].get("client_assertion")
            if assertion:
                sent += [assertion, assertion.rpartition(".")[2]]
    return Hostile(runs, authority_host, received, sent, out_dir)


def forms_of(secret: str) -> set[str]:
    """Every form in which a sent secret could come back."""
    forms = {secret, quote(secret), quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1]}  # fmt: skip
    return forms | {lower_hex(form) for form in forms}


def secret_leaks(text: str, sent: list[str]) -> list[str]:
    found = [form for secret in sent for form in forms_of(secret) if form in text]
    if SECRET_MARK in text:
        found.append(SECRET_MARK)
    return found


# --------------------------------------------------------------------------------------------------- the checks


def test_the_catalogue_covers_the_issue():
    names = list(CASES)
    assert sum(name.startswith("echo-") for name in names) >= 30
    assert sum(CASES[name].certificate and not CASES[name].ok for name in names) >= 5
    assert {"flood-5mb", "token-null", "token-object", "expires-1e400", "codes-5", "codes-x", "codes-objects"} <= set(
        names)
    assert len(CASE_IDS) == len(CASES) * len(CHANNELS)


@pytest.mark.parametrize("run_name", ["playbook", ADHOC_MODULE, ADHOC_LOOKUP])
def test_each_run_ends_within_its_bounds(hostile, run_name):
    run = hostile.runs[run_name]
    assert not run.timed_out, f"killed at the {DEADLINE}s deadline:\n{run.explain()[-3000:]}"
    assert run.max_rss_mb < MAX_RSS_MB, run.max_rss_mb
    assert run.results, run.explain()[-3000:]
    if run_name == "playbook":
        assert run.completed.returncode == 0, run.explain()[-3000:]  # ignore_errors: failures are per task
    for marker in ("ERROR! ", "A worker was found in a dead state", "Traceback"):
        assert marker not in run.output, hs.contexts(run.output, [marker])
    hs.SUMMARY.append(f"hostile answers, {run_name}: {len(CASES)} cases, wall {run.wall_seconds:.1f}s, "
                      f"peak RSS {run.max_rss_mb:.0f} MB, output {len(run.output) // 1024} KiB")  # fmt: skip


@pytest.mark.parametrize("run_name", ["playbook", ADHOC_MODULE, ADHOC_LOOKUP])
def test_no_secret_escape_or_forged_line_anywhere_in_the_output(hostile, run_name):
    run = hostile.runs[run_name]
    leaks = secret_leaks(run.output, hostile.sent_secrets)
    assert not leaks, hs.contexts(run.output, leaks, 200)
    assertions = [jwt for jwt in hs.find_jwts(run.output) if jwt.is_client_assertion]
    assert not assertions, [jwt.claims for jwt in assertions]
    assert "\x1b" not in run.output and "\x9b" not in run.output and "\u202e" not in run.output
    assert "\x08" not in run.output and "\r" not in run.output
    forged = [line for line in run.output.splitlines() if re.match(r"\s*(ok|changed): \[forged-host\]", line)]
    assert not forged, forged
    # 5 MB and 900 KB answers, in many channels: the output stays small.
    assert len(run.output) < 6 * len(CASES) * 1024 * (8 if run_name == "playbook" else 1), len(run.output)


def test_the_endpoint_really_sent_what_the_cases_say(hostile):
    """The scans above mean something: the endpoint got the secret and the assertions, and echoed them."""
    received = hostile.received["echo-error-raw"]
    assert received and received[0]["form"]["client_secret"] == SECRET
    assertions = [request["form"]["client_assertion"] for request in hostile.received["assertion-description"]]
    assert len(assertions) == len(CHANNELS) and all(value.startswith("eyJ") for value in assertions)
    assert len(set(assertions)) == len(assertions)  # one fresh assertion per call
    for name in CASES:
        assert len(hostile.received[name]) == len(CHANNELS), name  # retries: 0, one request per channel


@pytest.mark.parametrize(("channel", "case_name"), CASE_IDS, ids=[f"{c}-{n}" for c, n in CASE_IDS])
def test_hostile_answer(hostile, channel, case_name):
    case = CASES[case_name]
    recorded = hostile.result(channel, case_name)
    result = recorded["result"]
    message = str(result.get("msg", ""))
    section = hostile.section(channel, case_name)
    dumped = json.dumps(result)

    assert not hs.traceback_problems(result, section), (hs.traceback_problems(result, section), message[:2000])
    leaks = secret_leaks(dumped + section, hostile.sent_secrets)
    assert not leaks, hs.contexts(dumped + section, leaks, 200)
    assert len(section) < 64 * 1024 and len(message) < 2000, (len(section), len(message))
    if case.ok:
        assert recorded["status"] == "ok", message[:2000]
        assert case.fragment in dumped or case.fragment in (hostile.out_dir / f"{case_name}.txt").read_text()
        if channel == FACT_DICT:
            token = result["ansible_facts"]["hx_dict"]
            assert isinstance(token["expires_in"], int) and not isinstance(token["expires_in"], bool), token
            assert token["expires_in"] == 3599, token
        return
    assert recorded["status"] == "failed", f"did not fail: {dumped[:2000]}"
    assert hostile.authority_host in message, f"the message does not name the endpoint: {message}"
    assert case.fragment in message, f"{case.fragment!r} not in: {message}"
    assert "\n" not in message.strip() and "\x1b" not in dumped
    if channel in (MODULE, ADHOC_MODULE):
        error = result.get("error", {})
        assert error.get("type") in ("TokenEndpointError", "TransportError"), error
        for name in ("error", "trace_id", "correlation_id"):
            value = error.get(name)
            assert value is None or (len(value) <= 103 and value.isprintable()), (name, value)
    else:
        assert "azure_ad.oauth.token: " in message
