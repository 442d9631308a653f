"""make bench: the token cache and the module's overhead, measured against the local Entra endpoint.

Prints one table (Markdown) of medians and ratios, never a lone absolute time as the result, plus the machine,
the versions and the command. It is a script, not a test: nothing here asserts a time. The items are those of
issue 9 (docs/performance.md shows the table of the last run that was written down):

1. token requests for a playbook rendering a template with 2 lookups on 50 hosts (forks 10), cache on and off;
2. ad-hoc module time over ``ansible -m ping``, cold and warm (cache), and over the same POST by ``uri``;
3. HTTP requests per cold token: ours, MSAL, azure-identity, each in a fresh process;
4. in-process cold and warm token latency, ours and MSAL, the endpoint adding 50 ms per request;
5. keystore load time (JKS, JCEKS, PKCS12 at RSA-2048 and RSA-4096), cold and on a cache hit;
6. throughput: 1,000 lookups of one token in one process, and 200 forks at once (single flight).

``--quick`` runs fewer repetitions (for trying the script, not for figures to publish).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path[:0] = [str(TESTS / "emulator"), str(TESTS / "support")]

from collection_path import link_collection  # noqa: E402

link_collection()

import keystore_factory  # noqa: E402
from ansible_cli import ansible_env, cli, write_vars  # noqa: E402
from cert_builder import cert_pem, key_pem, rsa_key, self_signed, write_private  # noqa: E402
from emulator_process import emulator_process  # noqa: E402
from entra_emulator import EmulatorAdminClient  # noqa: E402
from entra_emulator import defaults as d  # noqa: E402

PROBES = HERE / "probes.py"
TEMPLATE = """# rendered by the benchmark: the same token twice, as a config file often holds it
authorization = Bearer {{ lookup('azure_ad.oauth.token', 'SCOPE') }}
fallback = Bearer {{ lookup('azure_ad.oauth.token', 'SCOPE') }}
""".replace("SCOPE", d.GRAPH_SCOPE)
PLAYBOOK = """- name: Render a template holding two lookups on every host
  hosts: all
  gather_facts: false
  tasks:
    - name: Render it
      ansible.builtin.template:
        src: "{{ bench_dir }}/client.conf.j2"
        dest: "{{ bench_dir }}/out/{{ inventory_hostname }}.conf"
        mode: "0600"
      no_log: true
"""


class Bench:
    def __init__(self, work: Path, state: dict, quick: bool) -> None:
        self.work = work
        self.state = state
        self.quick = quick
        self.admin = EmulatorAdminClient(state)
        self.rows: list[tuple[str, str, str, str]] = []

    def row(self, item: str, what: str, measured: str, goal: str) -> None:
        self.rows.append((item, what, measured, goal))
        print(f"  [{item}] {what}: {measured}", file=sys.stderr, flush=True)

    # ----------------------------------------------------------------------- helpers

    def probe(self, name: str, **arguments) -> dict:
        arguments["state"] = self.state
        completed = subprocess.run([sys.executable, str(PROBES), name, json.dumps(arguments)], capture_output=True,
                                   text=True, timeout=1800, check=False)  # fmt: skip
        if completed.returncode != 0:
            raise RuntimeError(f"probe {name} failed:\n{completed.stderr[-3000:]}")
        return json.loads(completed.stdout.strip().splitlines()[-1])

    def timed(self, argv: list[str], env: dict | None = None) -> float:
        started = time.perf_counter()
        completed = subprocess.run(argv, env=ansible_env(env), cwd=self.work, capture_output=True, text=True,
                                   timeout=600, check=False)  # fmt: skip
        elapsed = time.perf_counter() - started
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:6])}... failed:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
        return elapsed

    # ----------------------------------------------------------------------- 1

    def playbook_requests(self) -> None:
        hosts = 50
        (self.work / "client.conf.j2").write_text(TEMPLATE)
        (self.work / "play.yml").write_text(PLAYBOOK)
        (self.work / "out").mkdir(exist_ok=True)
        inventory = self.work / "hosts.ini"
        inventory.write_text("[all]\n" + "".join(
            f"host{index:02d} ansible_connection=local ansible_python_interpreter={sys.executable}\n"
            for index in range(1, hosts + 1)))  # fmt: skip
        repetitions = 1 if self.quick else 3
        for cache in (True, False):
            counts, seconds = [], []
            for _unused in range(repetitions):
                variables = self.lookup_variables(cache=cache, cache_dir=tempfile.mkdtemp(dir=self.work))
                vars_file = write_vars(self.work / "play-vars.json", variables)
                self.admin.reset()
                seconds.append(self.timed([cli("ansible-playbook"), "-i", str(inventory), "-f", "10",
                                           str(self.work / "play.yml"), "-e", f"@{vars_file}"]))  # fmt: skip
                counts.append(self.admin.stats()["token_requests"])
            label = "cache on (default)" if cache else "cache: false"
            self.row("1", f"token requests, template with 2 lookups x {hosts} hosts, forks 10, {label}",
                     f"{_same(counts)} requests (median run {statistics.median(seconds):.1f} s)",
                     "1" if cache else "100")  # fmt: skip

    def lookup_variables(self, **changes) -> dict:
        variables = {
            "bench_dir": str(self.work),
            "azure_ad_oauth_tenant_id": d.TENANT_ID,
            "azure_ad_oauth_client_id": d.CLIENT_ID,
            "azure_ad_oauth_client_secret": d.CLIENT_SECRET,
            "azure_ad_oauth_authority_host": self.state["authority_host"],
            "azure_ad_oauth_ca_path": self.state["ca_path"],
        }
        variables.update({f"azure_ad_oauth_{name}": value for name, value in changes.items()})
        return variables

    # ----------------------------------------------------------------------- 2

    def adhoc_overhead(self) -> None:
        rounds = 3 if self.quick else 10
        warm_dir = tempfile.mkdtemp(dir=self.work)
        secrets_file = write_vars(self.work / "adhoc-vars.json", {
            "bench_secret": d.CLIENT_SECRET,
            "bench_form": {"grant_type": "client_credentials", "client_id": d.CLIENT_ID,
                           "client_secret": d.CLIENT_SECRET, "scope": d.GRAPH_SCOPE}})  # fmt: skip
        common = (f"tenant_id={d.TENANT_ID} client_id={d.CLIENT_ID} client_secret={{{{ bench_secret }}}} "
                  f"scope={d.GRAPH_SCOPE} authority_host={self.state['authority_host']} "
                  f"ca_path={self.state['ca_path']}")  # fmt: skip
        token_endpoint = f"{self.state['authority_host']}/{d.TENANT_ID}/oauth2/v2.0/token"
        adhoc = [cli("ansible"), "localhost", "-i", "localhost,", "-c", "local", "-e", f"@{secrets_file}", "-m"]
        commands = {
            "ping": [*adhoc, "ping"],
            "cold": [*adhoc, "azure_ad.oauth.token", "-a", common],
            "warm": [*adhoc, "azure_ad.oauth.token", "-a", f"{common} cache=true cache_dir={warm_dir}"],
            "uri": [*adhoc, "ansible.builtin.uri", "-a",
                    f"url={token_endpoint} method=POST body_format=form-urlencoded body={{{{ bench_form }}}} "
                    f"ca_path={self.state['ca_path']}"],
        }  # fmt: skip
        env = {"ANSIBLE_PYTHON_INTERPRETER": sys.executable}
        self.timed(commands["warm"], env)  # fills the warm cache (and warms the OS's file cache for all)
        times: dict[str, list[float]] = {name: [] for name in commands}
        order = list(commands)
        for index in range(rounds):
            for name in order[index % len(order):] + order[:index % len(order)]:  # alternate the order
                times[name].append(self.timed(commands[name], env))
        median = {name: statistics.median(values) for name, values in times.items()}
        shown = ", ".join(f"{name} {median[name]:.2f} s" for name in commands)
        self.row("2", f"ad-hoc module, cold (no cache) over ping ({rounds} rounds; medians {shown})",
                 f"{median['cold'] / median['ping']:.2f}", "<= 1.15")
        self.row("2", "ad-hoc module, warm (cache: true, filled) over ping", f"{median['warm'] / median['ping']:.2f}",
                 "<= 1.05")  # fmt: skip
        self.row("2", "ad-hoc module, cold, over the same POST by ansible.builtin.uri",
                 f"{median['cold'] / median['uri']:.2f}", "<= 1.0")  # fmt: skip

    # ----------------------------------------------------------------------- 3

    def requests_per_cold_token(self, pem: str) -> None:
        for client in ("ours-secret", "ours-certificate", "msal-secret", "msal-certificate",
                       "azure-identity-certificate"):  # fmt: skip
            report = self.probe("requests", client=client, pem=pem)
            goal = "1" if client.startswith("ours") else "2 (theirs)"
            self.row("3", f"HTTP requests for one cold token, fresh process: {client}",
                     f"{report['requests']} ({report['token_requests']} to the token endpoint)", goal)

    # ----------------------------------------------------------------------- 4

    def in_process_latency(self) -> None:
        self.admin.configure(latency=0.05)
        try:
            colds, warms = (2, 20) if self.quick else (5, 200)
            reports = {client: self.probe("latency", client=client, colds=colds, warms=warms)
                       for client in ("ours", "msal")}  # fmt: skip
        finally:
            self.admin.reset()
        ours, msal = reports["ours"], reports["msal"]
        self.row("4", "in-process cold token, endpoint +50 ms per request: ours / MSAL (medians)",
                 f"{ours['cold_ms']:.0f} ms / {msal['cold_ms']:.0f} ms = {ours['cold_ms'] / msal['cold_ms']:.2f}", "")
        self.row("4", "in-process warm token, same client / same app: ours / MSAL (medians)",
                 f"{us(ours['warm_ms'])} / {us(msal['warm_ms'])} = {ours['warm_ms'] / msal['warm_ms']:.2f} "
                 f"(p95 {us(ours['warm_p95_ms'])} / {us(msal['warm_p95_ms'])})", "<= 1 (MSAL's warm)")  # fmt: skip
        self.row("4", "ours warm, a new client each call (as each lookup call) / read from disk (as a new fork)",
                 f"{us(ours['new_client_ms'])} / {us(ours['disk_ms'])}", "")

    # ----------------------------------------------------------------------- 5

    def keystore_loads(self) -> None:
        repetitions = 2 if self.quick else 5
        jdk = keystore_factory.default_jdk()
        for bits in (2048, 4096):
            stores = {
                "JKS": keystore_factory.keytool_keystore(self.work / f"jks-{bits}", store_type="jks", jdk=jdk,
                                                         key_size=bits),
                "JCEKS": keystore_factory.keytool_keystore(self.work / f"jceks-{bits}", store_type="jceks", jdk=jdk,
                                                           key_size=bits),
                "PKCS12": keystore_factory.keytool_keystore(self.work / f"p12-{bits}", store_type="pkcs12", jdk=jdk,
                                                            key_size=bits),
            }  # fmt: skip
            for label, store in stores.items():
                self.admin.register_certificate(d.CLIENT_ID, store.cert.pem)
                report = self.probe("keystore", repetitions=repetitions, store={
                    "path": str(store.path), "store_password": store.store_password,
                    "key_password": store.key_password})  # fmt: skip
                self.row("5", f"{label} RSA-{bits}: keystore load (parses {report['parses_per_load']:g}) vs cache hit "
                         "read from disk", f"{report['load_ms']:.1f} ms vs {us(report['hit_ms'])} = "
                         f"{report['load_ms'] / report['hit_ms']:.0f}x; keystore parses on {repetitions} hits: "
                         f"{report['parses_on_hits']}", "a hit parses no keystore")  # fmt: skip

    # ----------------------------------------------------------------------- 6

    def throughput(self) -> None:
        lookups, forks = (100, 30) if self.quick else (1000, 200)
        report = self.probe("throughput", lookups=lookups)
        self.row("6", f"{lookups} lookups of one token in one process (a new client each)",
                 f"{report['requests']} request; p50 {us(report['p50_ms'])}, p95 {us(report['p95_ms'])} "
                 f"({report['total_s']:.1f} s in all)", "1 request")  # fmt: skip
        report = self.probe("forks", forks=forks)
        self.row("6", f"{forks} forks asking for one token at the same instant (single flight)",
                 f"{report['requests']} request; {report['from_cache']} of {forks} from the cache, "
                 f"{report['failed']} failed; p50 {report['p50_ms']:.0f} ms, p95 {report['p95_ms']:.0f} ms",
                 "1 request")  # fmt: skip

    def table(self) -> str:
        lines = ["| # | what | measured | goal |", "|---|---|---|---|"]
        lines += [f"| {item} | {what} | {measured} | {goal} |" for item, what, measured, goal in self.rows]
        return "\n".join(lines)


def us(milliseconds: float) -> str:
    """A short time, in microseconds below a millisecond."""
    return f"{milliseconds * 1000:.0f} us" if milliseconds < 1 else f"{milliseconds:.2f} ms"


def _same(values: list) -> str:
    return str(values[0]) if len(set(values)) == 1 else "/".join(str(value) for value in values)


def registered_pem(work: Path, admin: EmulatorAdminClient) -> str:
    key = rsa_key()
    certificate = self_signed(key, "bench")
    admin.register_certificate(d.CLIENT_ID, cert_pem(certificate))
    return write_private(work / "bench.pem", key_pem(key), cert_pem(certificate))


def environment() -> str:
    versions = []
    for distribution in ("ansible-core", "cryptography", "pyjks", "PyJWT", "msal", "azure-identity"):
        try:
            versions.append(f"{distribution} {importlib.metadata.version(distribution)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{distribution} (absent)")
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))  # fmt: skip
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"Machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; load average "
            f"{load} at the start.\nPython {platform.python_version()}; {'; '.join(versions)}.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, to try the script")
    parser.add_argument("--only", default="1,2,3,4,5,6", help="comma-separated items to run")
    arguments = parser.parse_args()
    wanted = set(arguments.only.split(","))
    header = environment()
    with tempfile.TemporaryDirectory(prefix="azure-ad-oauth-bench-") as workdir:
        work = Path(workdir)
        with emulator_process(work) as state:
            bench = Bench(work, state, arguments.quick)
            pem = registered_pem(work, bench.admin)
            steps = {"1": bench.playbook_requests, "2": bench.adhoc_overhead,
                     "3": lambda: bench.requests_per_cold_token(pem), "4": bench.in_process_latency,
                     "5": bench.keystore_loads, "6": bench.throughput}  # fmt: skip
            for item, step in steps.items():
                if item in wanted:
                    step()
    print(header)
    print(f"Command: make bench ({' '.join(['tests/bench/run_bench.py', *sys.argv[1:]])}), "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n")
    print(bench.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
