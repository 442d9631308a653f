"""The federated credential (workload identity) through the module, the lookup and ad hoc, and the cloud option.

The local endpoint trusts a test Kubernetes issuer (tests/support/test_issuer.py) and holds federated identity
credentials for two of its subjects on the demo app. Each way to give the token is run for real:
``client_assertion``, ``client_assertion_path`` and ``AZURE_FEDERATED_TOKEN_FILE``; a token file rotated between
two tasks; every bad input of the issue, at ``-vvvv``, with a clean failure naming the option and no token in
any output. The ``cloud`` option is proven without a packet leaving the machine: ``HTTPS_PROXY`` points at a
local proxy that records each ``CONNECT`` and refuses it.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid

import pytest
from ansible_cli import adhoc_result, run_adhoc, run_playbook, write_vars
from entra_emulator.defaults import CLIENT_ID, CLIENT_SECRET, GRAPH_RESOURCE, GRAPH_SCOPE, TENANT_ID
from test_issuer import OidcIssuer, kubernetes_subject, write_token_file

MODULE = "azure_ad.oauth.token"
SUBJECT = kubernetes_subject("automation", "ansible")
ROTATED = kubernetes_subject("automation", "rotated")
NO_CACHE = {"ANSIBLE_AZURE_AD_OAUTH_CACHE": "false"}


@pytest.fixture(scope="module")
def issuer(emulator_admin):
    """A Kubernetes issuer the endpoint trusts, with credentials for SUBJECT and ROTATED on the demo app."""
    issuer = OidcIssuer(f"https://oidc.example.test/{uuid.uuid4()}/")
    emulator_admin.trust_issuer(issuer.issuer, issuer.jwks())
    for subject in (SUBJECT, ROTATED):
        emulator_admin.add_federated_credential(CLIENT_ID, issuer.issuer, subject)
    return issuer


@pytest.fixture()
def minted(issuer):
    """Every token a test minted, to look for in its output; ``minted.new(**kwargs)`` makes one."""

    class Minted(list):
        def new(self, **kwargs) -> str:
            token = issuer.kubernetes_token(**kwargs)
            self.append(token)
            return token

    return Minted()


def explain(completed) -> str:
    return f"rc={completed.returncode}\n{completed.stdout[-6000:]}\n{completed.stderr[-3000:]}"


def assert_no_token(completed, tokens) -> None:
    output = completed.stdout + completed.stderr
    assert "Traceback" not in output and "MODULE FAILURE" not in output, explain(completed)
    assert CLIENT_SECRET not in output
    for token in tokens:
        _header, payload, signature = token.split(".")
        for part in (token, signature, payload[:60]):
            assert part not in output, "a federated token reached the output"


def endpoint_env(emulator_state, **extra) -> dict:
    return {"AZURE_TENANT_ID": TENANT_ID, "AZURE_CLIENT_ID": CLIENT_ID,
            "AZURE_AUTHORITY_HOST": emulator_state["authority_host"],
            "REQUESTS_CA_BUNDLE": emulator_state["ca_path"], **NO_CACHE, **extra}  # fmt: skip


def sent_subjects(emulator_admin) -> list[str]:
    return [entry["claims"]["sub"] for entry in emulator_admin.assertions() if entry["claims"]]


# -- a playbook: the module and the lookup, every way, and a rotation between two tasks -------------------------

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/azure_ad.oauth.token:
      tenant_id: "{{ fed.tenant }}"
      client_id: "{{ fed.client }}"
      authority_host: "{{ fed.authority }}"
      ca_path: "{{ fed.ca }}"
      scope: "{{ fed.scope }}"
  tasks:
    - name: The module with client_assertion
      azure_ad.oauth.token:
        client_assertion: "{{ fed.token }}"
      register: by_value
      no_log: true

    - name: The module with client_assertion_path
      azure_ad.oauth.token:
        client_assertion_path: "{{ fed.token_file }}"
      register: by_path
      no_log: true

    - name: The lookup with client_assertion_path, then with client_assertion
      ansible.builtin.set_fact:
        lookup_by_path: "{{ lookup('azure_ad.oauth.token', fed.scope, output='dict', cache=false,
                                   tenant_id=fed.tenant, client_id=fed.client, authority_host=fed.authority,
                                   ca_path=fed.ca, client_assertion_path=fed.token_file) }}"
        lookup_by_value: "{{ lookup('azure_ad.oauth.token', fed.scope, output='dict', cache=false,
                                    tenant_id=fed.tenant, client_id=fed.client, authority_host=fed.authority,
                                    ca_path=fed.ca, client_assertion=fed.token) }}"
      no_log: true

    - name: Rotation, first task
      azure_ad.oauth.token:
        client_assertion_path: "{{ fed.rotating_file }}"
      register: before_rotation
      no_log: true

    - name: The platform rotates the token file
      ansible.builtin.copy:
        src: "{{ fed.rotated_source }}"
        dest: "{{ fed.rotating_file }}"
        remote_src: true
        mode: "0600"

    - name: Rotation, second task
      azure_ad.oauth.token:
        client_assertion_path: "{{ fed.rotating_file }}"
      register: after_rotation
      no_log: true

    - name: Every token is the demo app's, from a client assertion
      ansible.builtin.assert:
        that:
          - item.claims.appid == fed.client
          - item.claims.appidacr == '2'
          - item.claims.aud == fed.resource
        quiet: true
      loop: "{{ [by_value, by_path, lookup_by_path, lookup_by_value, before_rotation, after_rotation] }}"
      loop_control:
        label: token
      no_log: true
"""


def test_module_and_lookup_every_way_and_a_rotated_file(tmp_path, emulator_state, emulator_admin, minted):
    token_file = write_token_file(tmp_path / "token", minted.new())
    rotating = write_token_file(tmp_path / "rotating", minted.new())
    rotated_source = write_token_file(tmp_path / "rotated-source", minted.new(service_account="rotated"))
    playbook = tmp_path / "federated.yml"
    playbook.write_text(PLAYBOOK)
    vars_file = write_vars(tmp_path / "vars.json", {"fed": {
        "tenant": TENANT_ID, "client": CLIENT_ID, "authority": emulator_state["authority_host"],
        "ca": emulator_state["ca_path"], "scope": GRAPH_SCOPE, "resource": GRAPH_RESOURCE, "token": minted.new(),
        "token_file": token_file, "rotating_file": rotating, "rotated_source": rotated_source}})  # fmt: skip
    emulator_admin.reset()

    completed = run_playbook(playbook, vars_file=vars_file, verbosity=4)

    assert completed.returncode == 0, explain(completed)
    assert "failed=0" in completed.stdout
    # Six tokens asked for, each by its own assertion, the platform's own; the last one after the rotation.
    assert sent_subjects(emulator_admin) == [SUBJECT] * 5 + [ROTATED]
    assert_no_token(completed, minted)


# -- ad hoc: the three ways --------------------------------------------------------------------------------------


def adhoc_succeeded(completed, tokens) -> dict:
    assert completed.returncode == 0, explain(completed)
    assert "localhost | SUCCESS => {" in completed.stdout, explain(completed)
    assert_no_token(completed, tokens)
    result = adhoc_result(completed)
    assert (result["claims"]["appid"], result["claims"]["appidacr"]) == (CLIENT_ID, "2")
    return result


def test_adhoc_with_azure_federated_token_file(tmp_path, emulator_state, emulator_admin, minted):
    """As in an AKS pod: the webhook's variables, and only the scope in -a."""
    path = write_token_file(tmp_path / "azure-identity-token", minted.new())
    env = endpoint_env(emulator_state, AZURE_FEDERATED_TOKEN_FILE=path)
    emulator_admin.reset()
    adhoc_succeeded(run_adhoc(MODULE, f"scope={GRAPH_SCOPE}", env=env), minted)
    assert sent_subjects(emulator_admin) == [SUBJECT]


def test_adhoc_with_client_assertion_from_extra_vars(tmp_path, emulator_state, minted):
    vars_file = write_vars(tmp_path / "vars.json", {"fed_token": minted.new()})
    completed = run_adhoc(MODULE, f"client_assertion={{{{ fed_token }}}} resource={GRAPH_RESOURCE} api_version=v1",
                          vars_file=vars_file, env=endpoint_env(emulator_state), verbosity=4)  # fmt: skip
    assert adhoc_succeeded(completed, minted)["resource"] == GRAPH_RESOURCE


def test_adhoc_with_client_assertion_path(tmp_path, emulator_state, minted):
    path = write_token_file(tmp_path / "token", minted.new())
    completed = run_adhoc(MODULE, f"client_assertion_path={path} scope={GRAPH_SCOPE}", env=endpoint_env(emulator_state),
                          verbosity=4)  # fmt: skip
    adhoc_succeeded(completed, minted)


def test_the_lookup_ad_hoc_with_azure_federated_token_file(tmp_path, emulator_state, minted):
    path = write_token_file(tmp_path / "token", minted.new())
    env = endpoint_env(emulator_state, AZURE_FEDERATED_TOKEN_FILE=path)
    expression = f"lookup('azure_ad.oauth.token', '{GRAPH_SCOPE}', output='dict').claims.appidacr"
    completed = run_adhoc("ansible.builtin.debug", f"msg={{{{ {expression} }}}}", env=env)
    assert completed.returncode == 0, explain(completed)
    assert adhoc_result(completed)["msg"] == "2"
    assert_no_token(completed, minted)


@pytest.mark.parametrize("verbosity", [0, 3])
def test_two_environment_credentials_take_the_secret_and_say_so_at_vvv(tmp_path, emulator_state, minted, verbosity):
    path = write_token_file(tmp_path / "token", minted.new())
    env = endpoint_env(emulator_state, AZURE_FEDERATED_TOKEN_FILE=path, AZURE_CLIENT_SECRET=CLIENT_SECRET)
    note = "The client secret from AZURE_CLIENT_SECRET is used; AZURE_FEDERATED_TOKEN_FILE is set too and ignored"
    module = run_adhoc(MODULE, f"scope={GRAPH_SCOPE}", env=env, verbosity=verbosity)
    assert module.returncode == 0, explain(module)
    assert adhoc_result(module)["claims"]["appidacr"] == "1"  # the secret
    expression = f"lookup('azure_ad.oauth.token', '{GRAPH_SCOPE}') | length"
    lookup = run_adhoc("ansible.builtin.debug", f"msg={{{{ {expression} }}}}", env=env, verbosity=verbosity)
    assert lookup.returncode == 0, explain(lookup)
    for completed in (module, lookup):
        assert (note in completed.stdout + completed.stderr) is (verbosity >= 3), explain(completed)
        assert_no_token(completed, minted)


# -- bad input: a clean failure naming the option, at -vvvv, and never the token ---------------------------------


def bad_inputs(tmp_path, issuer, minted) -> dict:
    """id -> (module arguments, option named, fragment of the message)."""
    (tmp_path / "empty").write_text("")
    (tmp_path / "a-directory").mkdir()
    stranger = OidcIssuer("https://token.actions.githubusercontent.com")
    stranger_token = stranger.github_token("contoso/unknown")
    minted.append(stranger_token)

    def path_of(name: str, token: str) -> str:
        return write_token_file(tmp_path / name, token)

    return {
        "missing_file": ({"client_assertion_path": str(tmp_path / "missing")}, "client_assertion_path",
                         "does not exist"),
        "empty_file": ({"client_assertion_path": str(tmp_path / "empty")}, "client_assertion_path", "is empty"),
        "directory": ({"client_assertion_path": str(tmp_path / "a-directory")}, "client_assertion_path",
                      "is a directory, not a token file"),
        "not_a_jwt": ({"client_assertion": "not-a-jwt.at-all"}, "client_assertion", "client_assertion is not a JWT"),
        "not_a_jwt_file": ({"client_assertion_path": path_of("garbage", "hello world")}, "client_assertion_path",
                           "is not a JWT"),
        "expired": ({"client_assertion_path": path_of("expired", minted.new(now=time.time() - 7200, lifetime=3600))},
                    "client_assertion_path", "has expired: its exp is "),
        "wrong_audience": ({"client_assertion_path": path_of("audience", minted.new(audience="api://custom"))},
                           "client_assertion_path", "AADSTS700212"),
        "unknown_issuer": ({"client_assertion": stranger_token}, "client_assertion", "AADSTS700211"),
        "wrong_subject": ({"client_assertion_path": path_of("subject", minted.new(service_account="nobody"))},
                          "client_assertion_path", "AADSTS700213"),
        "two_credentials": ({"client_assertion": minted.new(), "client_secret": "{{ fed_secret }}"}, "client_secret",
                            "client_secret and client_assertion are mutually exclusive"),
        "assertion_and_path": ({"client_assertion": minted.new(), "client_assertion_path": str(tmp_path / "missing")},
                               "client_assertion", "client_assertion and client_assertion_path are mutually exclusive"),
    }


def test_every_bad_input_fails_cleanly_naming_the_option_with_no_token_at_vvvv(
        tmp_path, emulator_state, issuer, minted):
    cases = bad_inputs(tmp_path, issuer, minted)
    # One ad hoc run, one inventory host per case: each host's arguments come from its own variables.
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("\n".join(f"{case} ansible_connection=local" for case in cases) + "\n")
    host_vars = tmp_path / "host_vars"
    host_vars.mkdir()
    for case, (arguments, _option, _fragment) in cases.items():
        write_vars(host_vars / f"{case}.json", {"fed_row": arguments})
    vars_file = write_vars(tmp_path / "vars.json", {"fed_secret": CLIENT_SECRET})
    args = " ".join(f"{name}={{{{ fed_row.{name} | default(omit) }}}}"
                    for name in ("client_assertion", "client_assertion_path", "client_secret"))  # fmt: skip
    completed = run_multi_host(inventory, f"{args} scope={GRAPH_SCOPE}", vars_file, endpoint_env(emulator_state))

    assert_no_token(completed, minted)
    results = multi_host_results(completed.stdout)
    assert set(results) == set(cases), explain(completed)
    for case, (_arguments, option, fragment) in cases.items():
        status, result = results[case]
        assert status == "FAILED", (case, result)
        assert result["error"]["option"] == option, (case, result)
        assert fragment in result["msg"], (case, result["msg"])
        assert len(result["msg"].splitlines()) == 1, case
        assert "exception" not in result or result["exception"] == "(traceback unavailable)", case
    # The wrong audience: first a warning, then Entra's refusal; Entra's codes come with the token's iss and sub.
    assert "has the audience (aud) 'api://custom', not api://AzureADTokenExchange" in completed.stderr
    assert f"issuer (iss) '{issuer.issuer}' and subject (sub) 'system:serviceaccount:automation:nobody'" in (
        results["wrong_subject"][1]["msg"])
    assert "issuer (iss) 'https://token.actions.githubusercontent.com'" in results["unknown_issuer"][1]["msg"]


def run_multi_host(inventory, args, vars_file, env):
    import subprocess

    from ansible_cli import ansible_env, cli
    from collection_path import REPO_ROOT

    argv = [cli("ansible"), "all", "-i", str(inventory), "-m", MODULE, "-a", args, "-e", f"@{vars_file}",
            "--forks", "4"]  # fmt: skip
    return subprocess.run(argv, env=ansible_env(env, 4), cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
                          check=False)  # fmt: skip


def multi_host_results(stdout: str) -> dict:
    """host -> (SUCCESS | FAILED, result) from ``host | STATUS! => {...}`` blocks of ad hoc output."""
    import json
    import re

    results = {}
    for match in re.finditer(r"^(\S+) \| (SUCCESS|FAILED)!? => ", stdout, re.MULTILINE):
        decoder = json.JSONDecoder()
        result, _end = decoder.raw_decode(stdout, match.end())
        results[match.group(1)] = (match.group(2), result)
    return results


# -- cloud: the right host, and authority_host wins; no packet leaves the machine -------------------------------


class RefusingProxy:
    """An HTTP proxy on 127.0.0.1 that records the target of every CONNECT and refuses it (403)."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(8)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _address = self._server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                try:
                    head = connection.recv(4096).decode("latin-1")
                except OSError:
                    continue
                request_line = head.split("\r\n", 1)[0].split()
                if len(request_line) >= 2:
                    self.targets.append(f"{request_line[0]} {request_line[1]}")
                connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def close(self) -> None:
        self._server.close()


@pytest.fixture()
def refusing_proxy():
    proxy = RefusingProxy()
    yield proxy
    proxy.close()


@pytest.mark.parametrize(("arguments", "connected"), [
    ("cloud=usgovernment", "login.microsoftonline.us:443"),
    ("cloud=china", "login.chinacloudapi.cn:443"),
    ("cloud=public", "login.microsoftonline.com:443"),
    ("cloud=china authority_host=https://login.example.test", "login.example.test:443"),
])  # fmt: skip
def test_cloud_picks_the_login_host_and_authority_host_wins(tmp_path, refusing_proxy, arguments, connected):
    env = {"HTTPS_PROXY": refusing_proxy.url, "https_proxy": refusing_proxy.url, "NO_PROXY": "", "no_proxy": "",
           **NO_CACHE}  # fmt: skip
    vars_file = write_vars(tmp_path / "vars.json", {"fed_secret": CLIENT_SECRET})
    completed = run_adhoc(MODULE, f"{arguments} tenant_id={TENANT_ID} client_id={CLIENT_ID} "
                          f"client_secret={{{{ fed_secret }}}} scope={GRAPH_SCOPE} retries=0", vars_file=vars_file,
                          env=env)  # fmt: skip
    assert completed.returncode != 0, explain(completed)
    assert adhoc_result(completed)["error"]["type"] == "TransportError"
    assert refusing_proxy.targets == [f"CONNECT {connected}"]
    assert CLIENT_SECRET not in completed.stdout + completed.stderr
