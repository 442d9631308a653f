"""The token cache through the token client, against the strict local Entra endpoint.

One request per credential and target however many clients and processes ask; nothing readable at rest; a
changed credential misses; a damaged entry costs a request, never the task; a hit parses no keystore.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import sys
import types

import keystore_factory
import pytest
from cert_builder import cert_pem, key_pem, rsa_key, self_signed, write_private
from collection_path import COLLECTIONS_ROOT
from entra_emulator import defaults as d

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache import store as store_module
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader import load as load_module
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    KeystoreError,
    OptionError,
    TokenEndpointError,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token import cached as cached_module
from ansible_collections.azure_ad.oauth.plugins.module_utils._token import client as client_module
from ansible_collections.azure_ad.oauth.plugins.module_utils._token import signing_key as signing_module
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.cached import (
    forget_remembered_tokens,
    token_from_payload,
    token_payload,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request

OTHER_SECRET = "Rotated~secret.value-0123456789abcdefghij"


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(store_module, "_WARNED", set())


@pytest.fixture
def cache_dir(tmp_path):
    return str(tmp_path / "cache")


def options(entra, cache_dir, **changes):
    base = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "authority_host": entra.authority_host,
            "ca_path": str(entra.ca_path), "scope": [d.GRAPH_SCOPE], "cache": True, "cache_dir": cache_dir}
    if "keystore_path" not in changes:
        base["client_secret"] = d.CLIENT_SECRET
    base.update(changes)
    return base


def acquire(entra, cache_dir, warnings=None, notes=None, **changes):
    """A token as a new process asks for it (each Ansible task and host runs in its own fork)."""
    forget_remembered_tokens()
    request, target = build_token_request(options(entra, cache_dir, **changes), {})
    client = TokenClient(request, warn=warnings.append if warnings is not None else None,
                         info=notes.append if notes is not None else None)
    return client.acquire(target)


def token_requests(entra) -> int:
    return entra.stats()["token_requests"]


@pytest.fixture(scope="module")
def registered_pems(entra_emulator, tmp_path_factory):
    """Two key+certificate PEM files, both registered on the demo app: a keystore replaced by another one."""
    directory = tmp_path_factory.mktemp("pems")
    paths = []
    for name in ("first", "second"):
        key = rsa_key()
        cert = self_signed(key, f"cache-{name}")
        entra_emulator.register_certificate(d.CLIENT_ID, cert_pem(cert).decode())
        paths.append(write_private(directory / f"{name}.pem", key_pem(key), cert_pem(cert)))
    return paths


def test_the_second_client_gets_the_first_ones_token_without_a_request(entra, cache_dir):
    notes = []
    first = acquire(entra, cache_dir, notes=notes)
    second = acquire(entra, cache_dir, notes=notes)
    assert token_requests(entra) == 1
    assert (first.cached, second.cached) == (False, True)
    assert second.access_token == first.access_token and second.expires_on == first.expires_on
    assert second.to_dict()["cached"] is True and first.to_dict()["cached"] is False
    assert second.claims == first.claims and second.scope == first.scope
    assert 0 <= first.expires_in - second.expires_in <= 5
    assert notes == [f"cache miss for {d.GRAPH_SCOPE}", f"cache hit for {d.GRAPH_SCOPE}"]


def test_a_second_ask_in_one_process_reads_no_file(entra, cache_dir, monkeypatch):
    first = acquire(entra, cache_dir)
    request, target = build_token_request(options(entra, cache_dir), {})
    monkeypatch.setattr(store_module.CacheStore, "read", lambda *args: pytest.fail("read the disk"))
    notes = []
    for _unused in range(3):  # a new client each time, as each lookup call makes
        again = TokenClient(request, info=notes.append).acquire(target)
        assert again.cached and again.access_token == first.access_token
    assert notes == [f"cache hit for {d.GRAPH_SCOPE}"] * 3 and token_requests(entra) == 1


def test_the_memory_misses_for_another_secret_or_cache_dir(entra, cache_dir, tmp_path):
    entra.add_secret(d.CLIENT_ID, OTHER_SECRET)
    acquire(entra, cache_dir)
    for changes in ({"client_secret": OTHER_SECRET}, {"cache_dir": str(tmp_path / "other")}):
        request, target = build_token_request(options(entra, **{"cache_dir": cache_dir, **changes}), {})
        assert TokenClient(request).acquire(target).cached is False
    assert token_requests(entra) == 3


def test_without_the_cache_nothing_is_written_and_every_call_asks(entra, cache_dir):
    for _unused in range(2):
        assert acquire(entra, cache_dir, cache=False).cached is False
    assert token_requests(entra) == 2
    assert not os.path.exists(cache_dir)


def test_each_target_api_version_and_client_has_its_own_entry(entra, cache_dir):
    acquire(entra, cache_dir)
    acquire(entra, cache_dir, scope=[d.KEYVAULT_SCOPE])
    acquire(entra, cache_dir, api_version="v1", scope=None, resource=d.GRAPH_RESOURCE)
    acquire(entra, cache_dir, tenant_id=d.OTHER_TENANT_ID, client_id=d.OTHER_CLIENT_ID,
            client_secret=d.OTHER_CLIENT_SECRET)
    assert token_requests(entra) == 4
    v1 = acquire(entra, cache_dir, api_version="v1", scope=None, resource=d.GRAPH_RESOURCE)
    assert v1.cached and v1.resource == d.GRAPH_RESOURCE and v1.to_dict()["resource"] == d.GRAPH_RESOURCE
    assert token_requests(entra) == 4


def test_files_and_directory_are_private(entra, cache_dir):
    acquire(entra, cache_dir)
    assert stat.S_IMODE(os.lstat(cache_dir).st_mode) == 0o700
    names = os.listdir(cache_dir)
    assert len(names) == 1 and names[0].endswith(".token")  # the lock file is gone
    assert stat.S_IMODE(os.lstat(os.path.join(cache_dir, names[0])).st_mode) == 0o600


def test_neither_the_token_nor_the_secret_is_readable_at_rest(entra, cache_dir):
    token = acquire(entra, cache_dir).access_token
    for name in os.listdir(cache_dir):
        data = open(os.path.join(cache_dir, name), "rb").read()
        for text in (token, d.CLIENT_SECRET, d.CLIENT_ID, d.TENANT_ID, "graph", "Bearer", *token.split(".")):
            assert text.encode() not in data, text
        assert d.CLIENT_SECRET not in name and d.CLIENT_ID not in name


def test_a_rotated_secret_misses(entra, cache_dir):
    entra.add_secret(d.CLIENT_ID, OTHER_SECRET)
    first = acquire(entra, cache_dir)
    rotated = acquire(entra, cache_dir, client_secret=OTHER_SECRET)
    assert rotated.cached is False and token_requests(entra) == 2
    assert rotated.access_token != first.access_token


def test_a_wrong_secret_never_gets_the_cached_token(entra, cache_dir):
    acquire(entra, cache_dir)
    with pytest.raises(TokenEndpointError) as caught:
        acquire(entra, cache_dir, client_secret="Wrong~secret.value-0123456789abcdefghij")
    assert 7000215 in caught.value.error_codes


def test_a_replaced_keystore_misses(entra, cache_dir, registered_pems, tmp_path):
    path = tmp_path / "app.pem"
    path.write_bytes(open(registered_pems[0], "rb").read())
    path.chmod(0o600)
    assert acquire(entra, cache_dir, keystore_path=str(path)).cached is False
    assert acquire(entra, cache_dir, keystore_path=str(path)).cached is True
    path.write_bytes(open(registered_pems[1], "rb").read())  # same path, new bytes
    replaced = acquire(entra, cache_dir, keystore_path=str(path))
    assert replaced.cached is False and token_requests(entra) == 2
    assert entra.assertions()[-1]["header"]["x5t#S256"] != entra.assertions()[0]["header"]["x5t#S256"]


def test_a_changed_certificate_setting_misses(entra, cache_dir, registered_pems):
    acquire(entra, cache_dir, keystore_path=registered_pems[0])
    assert acquire(entra, cache_dir, keystore_path=registered_pems[0], signature_algorithm="RS256").cached is False
    assert token_requests(entra) == 2


def test_a_missing_keystore_fails_as_without_the_cache(entra, cache_dir, tmp_path):
    with pytest.raises(KeystoreError) as caught:
        acquire(entra, cache_dir, keystore_path=str(tmp_path / "absent.p12"))
    assert caught.value.option == "keystore_path" and "does not exist" in str(caught.value)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "foreign"])
def test_a_damaged_entry_is_ignored_and_replaced(entra, cache_dir, damage):
    first = acquire(entra, cache_dir)
    (name,) = os.listdir(cache_dir)
    path = os.path.join(cache_dir, name)
    data = open(path, "rb").read()
    damaged = {"garbage": os.urandom(200), "truncated": data[:40], "empty": b"",
               "foreign": data[:-20] + bytes(20)}[damage]  # fmt: skip
    with open(path, "wb") as handle:
        handle.write(damaged)
    warnings = []
    again = acquire(entra, cache_dir, warnings=warnings)
    assert again.cached is False and again.access_token != first.access_token and not warnings
    assert acquire(entra, cache_dir).cached is True  # replaced by a sound entry
    assert token_requests(entra) == 2


def test_an_entry_inside_the_refresh_margin_is_refreshed(entra, cache_dir, monkeypatch):
    first = acquire(entra, cache_dir, refresh_margin=300)
    # Just before the margin, a hit; at it, a new request.
    clock = types.SimpleNamespace(time=lambda: first.expires_on - 301)
    monkeypatch.setattr(cached_module, "time", clock)
    assert acquire(entra, cache_dir, refresh_margin=300).cached is True
    clock.time = lambda: first.expires_on - 300
    assert acquire(entra, cache_dir, refresh_margin=300).cached is False
    assert token_requests(entra) == 2


def test_an_expired_entry_is_never_used_even_with_no_margin(entra, cache_dir, monkeypatch):
    first = acquire(entra, cache_dir, refresh_margin=0)
    monkeypatch.setattr(cached_module, "time", types.SimpleNamespace(time=lambda: first.expires_on))
    assert acquire(entra, cache_dir, refresh_margin=0).cached is False


@pytest.mark.parametrize("value", [-1, 3001, 1.5, "soon", True, float("nan")])
def test_a_bad_refresh_margin_names_the_option(entra, cache_dir, value):
    with pytest.raises(OptionError) as caught:
        build_token_request(options(entra, cache_dir, refresh_margin=value), {})
    assert caught.value.option == "refresh_margin"


def test_an_unusable_cache_dir_warns_once_and_still_gives_tokens(entra, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    warnings = []
    for _unused in range(3):
        assert acquire(entra, str(blocker / "cache"), warnings=warnings).cached is False
    assert token_requests(entra) == 3
    assert len(warnings) == 1 and "cache_dir" in warnings[0]


def test_a_read_only_cache_dir_degrades(entra, cache_dir, monkeypatch):
    warnings = []

    def read_only(**kwargs):
        raise OSError(30, "ro")

    monkeypatch.setattr(store_module.tempfile, "mkstemp", read_only)
    assert acquire(entra, cache_dir, warnings=warnings).cached is False
    assert acquire(entra, cache_dir, warnings=warnings).cached is False
    assert len(warnings) == 1 and "EROFS" in warnings[0]


def spy_on_reads(monkeypatch) -> list:
    """The options whose files the cache reads, in order."""
    reads = []
    real_read = cached_module.read_file

    def spy(path, option):
        reads.append(option)
        return real_read(path, option)

    monkeypatch.setattr(cached_module, "read_file", spy)
    return reads


def test_a_hit_runs_no_key_loader_and_no_signing(entra, cache_dir, registered_pems, monkeypatch):
    """The keystore's bytes are read (to derive the key) but nothing parses or decrypts them."""
    acquire(entra, cache_dir, keystore_path=registered_pems[0])
    reads = spy_on_reads(monkeypatch)

    def forbidden(*args, **kwargs):
        raise AssertionError("a cache hit must not load or use the key")

    for module, name in ((client_module, "load_signing_key"), (signing_module, "sign_client_assertion"),
                         (load_module, "load_key_material"), (load_module, "_read"),
                         (client_module, "post_form")):  # fmt: skip
        monkeypatch.setattr(module, name, forbidden)
    assert acquire(entra, cache_dir, keystore_path=registered_pems[0]).cached is True
    assert reads == ["keystore_path"]


def test_several_targets_of_one_client_read_the_keystore_once(entra, cache_dir, registered_pems, monkeypatch):
    reads = spy_on_reads(monkeypatch)
    request, _target = build_token_request(options(entra, cache_dir, keystore_path=registered_pems[0]), {})
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import target_from_term

    client = TokenClient(request)
    for term in (d.GRAPH_SCOPE, d.KEYVAULT_SCOPE):
        client.acquire(target_from_term(term, "v2"))
    assert reads == ["keystore_path"]


def test_payload_round_trip_recounts_the_lifetimes():
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.response import TokenResult

    result = TokenResult(access_token="t", token_type="Bearer", expires_in=3600, expires_on=10_000,
                         api_version="v2", ext_expires_in=7200, scope=("s/.default",), claims={"a": 1})  # fmt: skip
    back = token_from_payload(token_payload(result), now=7_400)  # 1000 s later
    assert (back.expires_in, back.ext_expires_in, back.cached) == (2600, 6200, True)
    assert (back.access_token, back.scope, back.claims, back.expires_on) == ("t", ("s/.default",), {"a": 1}, 10_000)


# --------------------------------------------------------------------------- single flight, real processes


def _fork_acquire(authority_host, ca_path, cache_dir, results):
    request, target = build_token_request({
        "tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "client_secret": d.CLIENT_SECRET,
        "authority_host": authority_host, "ca_path": ca_path, "scope": [d.GRAPH_SCOPE], "cache": True,
        "cache_dir": cache_dir}, {})  # fmt: skip
    notes = []
    result = TokenClient(request, info=notes.append).acquire(target)
    with open(results, "a") as handle:
        handle.write(json.dumps([result.access_token, result.cached, notes]) + "\n")


def test_single_flight_many_processes_one_request(entra, cache_dir, tmp_path):
    # The endpoint takes a moment, so every process asks while the first one's request is in flight.
    entra.set_faults([{"type": "delay", "seconds": 1.0}])
    results = str(tmp_path / "results")
    context = multiprocessing.get_context("fork")
    arguments = (entra.authority_host, str(entra.ca_path), cache_dir, results)
    forks = [context.Process(target=_fork_acquire, args=arguments) for _unused in range(12)]
    for fork in forks:
        fork.start()
    for fork in forks:
        fork.join(120)
    assert [fork.exitcode for fork in forks] == [0] * 12
    assert token_requests(entra) == 1
    outcomes = [json.loads(line) for line in open(results)]
    assert len(outcomes) == 12 and len({token for token, _cached, _notes in outcomes}) == 1
    assert sum(1 for _token, was_cached, _notes in outcomes if not was_cached) == 1
    notes = [note for _token, _cached, lines in outcomes for note in lines]
    assert any(note.startswith("waited for another fork") for note in notes)


# --------------------------------------------------------------------------- what a hit imports

HIT_IN_A_FRESH_PROCESS = r"""
import json, sys
sys.path.insert(0, {collections!r})
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request
request, target = build_token_request({options!r}, {{}})
token = TokenClient(request).acquire(target)
loaded = {{name for name in sys.modules}}
watched = {{"jks", "jwt", "pyasn1", "http.client", "ssl", "requests", "cryptography.x509",
            "cryptography.hazmat.primitives.serialization.pkcs12"}}
print(json.dumps({{"cached": token.cached, "loaded": sorted(loaded & watched)}}))
"""


def run_fresh(options_: dict) -> dict:
    script = HIT_IN_A_FRESH_PROCESS.format(collections=str(COLLECTIONS_ROOT), options=options_)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                               check=False)  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.java
def test_a_jks_hit_imports_no_pyjks_pyjwt_nor_transport(entra, cache_dir, tmp_path):
    store = keystore_factory.require(keystore_factory.keytool_keystore, tmp_path)
    entra.register_certificate(d.CLIENT_ID, store.cert.pem.decode())
    given = options(entra, cache_dir, keystore_path=str(store.path), keystore_password=store.store_password,
                    key_password=store.key_password)  # fmt: skip
    cold = run_fresh(given)
    assert cold["cached"] is False and {"jks", "jwt", "ssl", "http.client"} <= set(cold["loaded"])
    assert run_fresh(given) == {"cached": True, "loaded": []}
    assert token_requests(entra) == 1


def test_a_secret_hit_imports_no_transport(entra, cache_dir):
    given = options(entra, cache_dir)
    assert run_fresh(given)["cached"] is False
    assert run_fresh(given) == {"cached": True, "loaded": []}
