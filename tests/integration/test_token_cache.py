"""The token cache in real runs: many hosts and forks, one request; what -vvv says; the module's opt-in.

Each run gets its own cache directory (``azure_ad_oauth_cache_dir`` or ``cache_dir``), and HOME points at an
empty directory so that the default ``~/.cache/azure_ad.oauth`` is checked without touching the real one.
"""

from __future__ import annotations

import os
import stat
import subprocess

from ansible_cli import adhoc_result, ansible_env, cli, run_adhoc, write_vars
from entra_emulator.defaults import CLIENT_ID, CLIENT_SECRET, GRAPH_SCOPE, KEYVAULT_SCOPE, TENANT_ID

HOSTS = 8
TEMPLATE = (
    "first = {{ lookup('azure_ad.oauth.token', 'GRAPH') }}\n"
    "again = {{ lookup('azure_ad.oauth.token', 'GRAPH', output='dict').cached }}\n"
    "vault = {{ lookup('azure_ad.oauth.token', 'VAULT') | length > 0 }}\n"
).replace("GRAPH", GRAPH_SCOPE).replace("VAULT", KEYVAULT_SCOPE)
PLAYBOOK = """- name: Every host renders a template holding three lookups
  hosts: all
  gather_facts: false
  tasks:
    - name: Render it
      ansible.builtin.template:
        src: "{{ work }}/client.conf.j2"
        dest: "{{ work }}/out/{{ inventory_hostname }}.conf"
        mode: "0600"
      no_log: true
"""


def lookup_run(tmp_path, state, verbosity=0, **cache_vars):
    (tmp_path / "client.conf.j2").write_text(TEMPLATE)
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    (tmp_path / "out").mkdir(exist_ok=True)
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[all]\n" + "".join(f"host{index} ansible_connection=local\n" for index in range(HOSTS)))
    variables = {"work": str(tmp_path), "azure_ad_oauth_tenant_id": TENANT_ID, "azure_ad_oauth_client_id": CLIENT_ID,
                 "azure_ad_oauth_client_secret": CLIENT_SECRET,
                 "azure_ad_oauth_authority_host": state["authority_host"], "azure_ad_oauth_ca_path": state["ca_path"],
                 **{f"azure_ad_oauth_{name}": value for name, value in cache_vars.items()}}  # fmt: skip
    vars_file = write_vars(tmp_path / "vars.json", variables)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    argv = [cli("ansible-playbook"), "-i", str(inventory), "-f", "4", str(tmp_path / "play.yml"), "-e", f"@{vars_file}"]
    return subprocess.run(argv, env=ansible_env({"HOME": str(home)}, verbosity), cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip


def test_many_hosts_and_forks_make_one_request_per_target(tmp_path, emulator_state, emulator_admin):
    emulator_admin.reset()
    completed = lookup_run(tmp_path, emulator_state, verbosity=3)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # One request per target (Graph, Key Vault) for 8 hosts x 3 lookups, through the default cache_dir.
    assert emulator_admin.stats()["token_requests"] == 2
    output = completed.stdout + completed.stderr
    assert f"azure_ad.oauth.token: cache miss for {GRAPH_SCOPE}" in output
    assert f"azure_ad.oauth.token: cache hit for {GRAPH_SCOPE}" in output
    assert CLIENT_SECRET not in output
    rendered = [(tmp_path / "out" / f"host{index}.conf").read_text() for index in range(HOSTS)]
    assert len({text.splitlines()[0] for text in rendered}) == 1  # the same token everywhere
    assert all("again = True" in text and "vault = True" in text for text in rendered)
    cache_dir = tmp_path / "home" / ".cache" / "azure_ad.oauth"
    assert stat.S_IMODE(os.lstat(cache_dir).st_mode) == 0o700
    entries = sorted(os.listdir(cache_dir))
    assert len(entries) == 2 and all(name.endswith(".token") for name in entries)
    token = rendered[0].splitlines()[0].split(" = ", 1)[1]
    for name in entries:
        data = (cache_dir / name).read_bytes()
        assert stat.S_IMODE(os.lstat(cache_dir / name).st_mode) == 0o600
        assert token.encode() not in data and CLIENT_SECRET.encode() not in data


def test_without_the_cache_every_lookup_asks(tmp_path, emulator_state, emulator_admin):
    emulator_admin.reset()
    completed = lookup_run(tmp_path, emulator_state, cache=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert emulator_admin.stats()["token_requests"] == 3 * HOSTS
    assert not (tmp_path / "home" / ".cache").exists()


def test_an_unusable_cache_dir_warns_and_the_play_still_runs(tmp_path, emulator_state, emulator_admin):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    emulator_admin.reset()
    completed = lookup_run(tmp_path, emulator_state, cache_dir=str(blocker / "cache"))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "The token cache is off for this run: cache_dir" in completed.stdout + completed.stderr
    assert emulator_admin.stats()["token_requests"] == 3 * HOSTS


def test_the_module_caches_only_when_asked(tmp_path, emulator_state, emulator_admin):
    home = tmp_path / "home"
    home.mkdir()
    secrets = write_vars(tmp_path / "secret.json", {"secret": CLIENT_SECRET})
    common = (f"tenant_id={TENANT_ID} client_id={CLIENT_ID} client_secret={{{{ secret }}}} scope={GRAPH_SCOPE} "
              f"authority_host={emulator_state['authority_host']} ca_path={emulator_state['ca_path']}")
    emulator_admin.reset()
    outcomes = []
    for extra in ("", "cache=true", "cache=true"):
        completed = run_adhoc("azure_ad.oauth.token", f"{common} {extra}", vars_file=secrets,
                              env={"HOME": str(home)})  # fmt: skip
        result = adhoc_result(completed)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        outcomes.append(result["cached"])
    assert outcomes == [False, False, True]
    assert emulator_admin.stats()["token_requests"] == 2
    assert len(os.listdir(home / ".cache" / "azure_ad.oauth")) == 1
