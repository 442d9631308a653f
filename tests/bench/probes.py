"""The benchmark's in-process measurements, each run in a fresh Python process by run_bench.py.

``python tests/bench/probes.py <probe> <json arguments>`` prints one JSON object. A fresh process per probe,
so that no import, connection pool or in-memory cache of an earlier measurement helps a later one.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS / "emulator"), str(TESTS / "support")]

from collection_path import link_collection  # noqa: E402

link_collection()

from entra_emulator import EmulatorAdminClient  # noqa: E402
from entra_emulator import defaults as d  # noqa: E402


def ms(seconds: float) -> float:
    return round(seconds * 1000, 4)


def percentile(values: list, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def our_options(state: dict, **changes) -> dict:
    options = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "client_secret": d.CLIENT_SECRET,
               "authority_host": state["authority_host"], "ca_path": state["ca_path"], "scope": [d.GRAPH_SCOPE]}
    options.update(changes)
    return options


def our_token(options: dict):
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request

    request, target = build_token_request(options, {})
    return TokenClient(request).acquire(target)


# --------------------------------------------------------------------------- 3: HTTP requests per cold token


def probe_requests(state: dict, client: str, pem: str | None = None) -> dict:
    """One cold token by ``client`` in this fresh process; the HTTP requests the endpoint saw for it."""
    admin = EmulatorAdminClient(state)
    admin.reset()
    if client == "ours-secret":
        our_token(our_options(state))
    elif client == "ours-certificate":
        our_token(our_options(state, client_secret=None, keystore_path=pem))
    elif client == "msal-secret":
        _msal_app(state, d.CLIENT_SECRET).acquire_token_for_client([d.GRAPH_SCOPE])["access_token"]
    elif client == "msal-certificate":
        _msal_app(state, _msal_certificate(pem)).acquire_token_for_client([d.GRAPH_SCOPE])["access_token"]
    elif client == "azure-identity-certificate":
        from azure.identity import CertificateCredential

        credential = CertificateCredential(d.TENANT_ID, d.CLIENT_ID, certificate_path=pem,
                                           authority=state["authority_host"], disable_instance_discovery=True)
        credential.get_token(d.GRAPH_SCOPE)
    else:
        raise SystemExit(f"unknown client {client}")
    stats = admin.stats()
    # The admin API's own stats request is counted too: leave it out.
    return {"client": client, "requests": stats["requests"] - 1, "token_requests": stats["token_requests"]}


def _msal_app(state: dict, credential):
    import msal

    return msal.ConfidentialClientApplication(d.CLIENT_ID, client_credential=credential,
                                              authority=f"{state['authority_host']}/{d.TENANT_ID}",
                                              instance_discovery=False, verify=state["ca_path"])


def _msal_certificate(pem: str) -> dict:
    from cryptography import x509

    data = Path(pem).read_bytes()
    certificate = x509.load_pem_x509_certificate(data[data.index(b"-----BEGIN CERTIFICATE"):])
    from cryptography.hazmat.primitives import hashes

    return {"private_key": data.decode(), "thumbprint": certificate.fingerprint(hashes.SHA1()).hex()}  # noqa: S303


# --------------------------------------------------------------------------- 4: in-process latency


def probe_latency(state: dict, client: str, colds: int, warms: int) -> dict:
    """Cold (nothing cached) and warm (cached) token latency in one process, with the endpoint's latency on."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.cached import forget_remembered_tokens
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request

    cold, warm, new_client, from_disk = [], [], [], []
    our_token(our_options(state))  # the first request of the process pays the imports: not a cold token's cost
    for _unused in range(colds):
        if client == "ours":
            cache_dir = tempfile.mkdtemp(prefix="bench-cache-")
            options = our_options(state, cache=True, cache_dir=cache_dir)
            request, target = build_token_request(options, {})
            token_client = TokenClient(request)
            started = time.perf_counter()
            token_client.acquire(target)
            cold.append(time.perf_counter() - started)
            for _unused in range(warms // colds):
                started = time.perf_counter()
                assert token_client.acquire(target).cached  # the same client, as MSAL's warm uses the same app
                warm.append(time.perf_counter() - started)
                started = time.perf_counter()
                assert our_token(options).cached  # a new client each time, as each lookup call makes
                new_client.append(time.perf_counter() - started)
                forget_remembered_tokens()  # as a new process (another fork) finds it: on disk only
                started = time.perf_counter()
                assert our_token(options).cached
                from_disk.append(time.perf_counter() - started)
        else:
            _msal_app(state, d.CLIENT_SECRET).acquire_token_for_client([d.GRAPH_SCOPE])  # imports, as for ours
            app = _msal_app(state, d.CLIENT_SECRET)
            started = time.perf_counter()
            app.acquire_token_for_client([d.GRAPH_SCOPE])["access_token"]
            cold.append(time.perf_counter() - started)
            for _unused in range(warms // colds):
                started = time.perf_counter()
                result = app.acquire_token_for_client([d.GRAPH_SCOPE])
                assert result.get("token_source") == "cache", result.get("token_source")
                warm.append(time.perf_counter() - started)
    report = {"client": client, "cold_ms": ms(statistics.median(cold)), "warm_ms": ms(statistics.median(warm)),
              "warm_p95_ms": ms(percentile(warm, 0.95))}
    if new_client:
        report.update(new_client_ms=ms(statistics.median(new_client)), disk_ms=ms(statistics.median(from_disk)))
    return report


# --------------------------------------------------------------------------- 5: keystore load, cold vs hit


def probe_keystore(state: dict, store: dict, repetitions: int) -> dict:
    """Load time of one keystore (every load parses it: the in-process memo is cleared), then cache hits."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader import load as load_module
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token import signing_key as signing_module

    parses = []
    real_read = load_module._read

    def counting_read(*args, **kwargs):
        parses.append(1)
        return real_read(*args, **kwargs)

    load_module._read = counting_read
    settings_options = our_options(state, client_secret=None, keystore_path=store["path"],
                                   keystore_password=store["store_password"], key_password=store["key_password"])
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request

    request, _target = build_token_request(settings_options, {})
    loads = []
    for _unused in range(repetitions):
        _forget_memo(load_module)
        started = time.perf_counter()
        signing_module.load_signing_key(request.certificate, request.api_version)
        loads.append(time.perf_counter() - started)
    parsed_cold = len(parses)
    cache_dir = tempfile.mkdtemp(prefix="bench-cache-")
    cached_options = dict(settings_options, cache=True, cache_dir=cache_dir)
    _forget_memo(load_module)
    our_token(cached_options)  # fills the cache
    parses.clear()
    hits = []
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.cached import forget_remembered_tokens

    for _unused in range(repetitions):
        _forget_memo(load_module)
        forget_remembered_tokens()  # a hit as another fork has it: read from disk and decrypted
        started = time.perf_counter()
        assert our_token(cached_options).cached
        hits.append(time.perf_counter() - started)
    return {"load_ms": ms(statistics.median(loads)), "parses_per_load": parsed_cold / repetitions,
            "hit_ms": ms(statistics.median(hits)), "parses_on_hits": len(parses)}


def _forget_memo(load_module) -> None:
    forget = getattr(load_module, "forget_loaded_keystores", None)
    if forget is not None:
        forget()


# --------------------------------------------------------------------------- 6: throughput


def probe_throughput(state: dict, lookups: int) -> dict:
    """``lookups`` tokens asked one after another in one process, each as a lookup call asks (a new client)."""
    admin = EmulatorAdminClient(state)
    admin.reset()
    options = our_options(state, cache=True, cache_dir=tempfile.mkdtemp(prefix="bench-cache-"))
    times = []
    for _unused in range(lookups):
        started = time.perf_counter()
        our_token(options)
        times.append(time.perf_counter() - started)
    return {"requests": admin.stats()["token_requests"], "p50_ms": ms(percentile(times, 0.5)),
            "p95_ms": ms(percentile(times, 0.95)), "total_s": round(sum(times), 2)}


def _fork_token(options: dict, start_at: float, results) -> None:
    while time.time() < start_at:
        time.sleep(0.001)
    started = time.perf_counter()
    result = our_token(options)
    results.put((time.perf_counter() - started, result.cached))


def probe_forks(state: dict, forks: int) -> dict:
    """``forks`` processes asking for one token at the same instant (single flight)."""
    admin = EmulatorAdminClient(state)
    admin.reset()
    options = our_options(state, cache=True, cache_dir=tempfile.mkdtemp(prefix="bench-cache-"))
    # Import everything first: the forks then start from a warm interpreter, as Ansible's workers do.
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token import cached, client  # noqa: F401

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 1.0 + forks * 0.005
    processes = [context.Process(target=_fork_token, args=(options, start_at, results)) for _unused in range(forks)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=300) for _unused in processes]
    for process in processes:
        process.join(60)
    times = [seconds for seconds, _cached in outcomes]
    return {"requests": admin.stats()["token_requests"], "forks": forks,
            "failed": sum(1 for process in processes if process.exitcode != 0),
            "from_cache": sum(1 for _seconds, was_cached in outcomes if was_cached),
            "p50_ms": ms(percentile(times, 0.5)), "p95_ms": ms(percentile(times, 0.95))}


PROBES = {"requests": probe_requests, "latency": probe_latency, "keystore": probe_keystore,
          "throughput": probe_throughput, "forks": probe_forks}

if __name__ == "__main__":
    arguments = json.loads(sys.argv[2])
    # MSAL and azure-identity are built on requests, which lets these variables override a session's verify.
    os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = arguments["state"]["ca_path"]
    os.environ.pop("CURL_CA_BUNDLE", None)
    print(json.dumps(PROBES[sys.argv[1]](**arguments)))
