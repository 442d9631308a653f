"""Single flight: N forks at once make one fetch; a fresh entry is a hit; anything wrong costs a fetch, no more."""

from __future__ import annotations

import json
import multiprocessing
import os
import time

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache import single_flight
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache import store as store_module
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.keys import entry_key, secret_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.single_flight import (
    HIT,
    MISS,
    WAITED,
    fetch_through_cache,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.store import open_store

KEY = entry_key(secret_material("s3cret~value"), "https://login.microsoftonline.com", "contoso.onmicrosoft.com",
                "5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10", "v2", None, ["https://graph.microsoft.com/.default"])


def payload(token="tok-1", expires_on=None):  # noqa: S107 a test token
    return {"access_token": token, "token_type": "Bearer", "api_version": "v2",
            "expires_on": int(time.time()) + 3600 if expires_on is None else expires_on}  # fmt: skip


def fresh(item):
    return item["expires_on"] - 300 > time.time()


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(store_module, "_WARNED", set())


def test_miss_then_hit(tmp_path):
    store = open_store(str(tmp_path), print)
    fetched = []
    first = fetch_through_cache(store, KEY, lambda: fetched.append(1) or payload(), fresh, 5)
    second = fetch_through_cache(store, KEY, lambda: fetched.append(1) or payload("tok-2"), fresh, 5)
    assert first[1] == MISS and first[0]["access_token"] == "tok-1"
    assert second[1] == HIT and second[0]["access_token"] == "tok-1"
    assert len(fetched) == 1
    assert not os.path.lexists(store.lock_path(KEY.name))


def test_an_entry_inside_the_refresh_margin_is_refreshed(tmp_path):
    store = open_store(str(tmp_path), print)
    now = int(time.time())
    fetch_through_cache(store, KEY, lambda: payload("old", expires_on=now + 299), lambda _payload: True, 5)
    item, how = fetch_through_cache(store, KEY, lambda: payload("new"), fresh, 5)
    assert (item["access_token"], how) == ("new", MISS)
    item, how = fetch_through_cache(store, KEY, lambda: payload("newer"), fresh, 5)
    assert (item["access_token"], how) == ("new", HIT)


def test_a_corrupt_entry_is_ignored_and_replaced(tmp_path):
    store = open_store(str(tmp_path), print)
    with open(store.entry_path(KEY.name), "wb") as handle:
        handle.write(b"garbage")
    item, how = fetch_through_cache(store, KEY, lambda: payload("good"), fresh, 5)
    assert (item["access_token"], how) == ("good", MISS)
    assert fetch_through_cache(store, KEY, lambda: payload("other"), fresh, 5) == (item, HIT)


def test_a_failed_fetch_stores_nothing_and_passes_through(tmp_path):
    store = open_store(str(tmp_path), print)

    def failing():
        raise RuntimeError("endpoint said no")

    with pytest.raises(RuntimeError):
        fetch_through_cache(store, KEY, failing, fresh, 5)
    assert os.listdir(tmp_path) == []


def test_without_cryptography_the_cache_is_off_with_one_warning(tmp_path, monkeypatch):
    warnings = []
    store = open_store(str(tmp_path), warnings.append)
    monkeypatch.setattr(single_flight, "aead_available", lambda: False)
    for _unused in range(2):
        assert fetch_through_cache(store, KEY, payload, fresh, 5)[1] == MISS
    assert len(warnings) == 1 and "cryptography" in warnings[0]
    assert os.listdir(tmp_path) == []


def test_a_read_only_directory_still_gives_the_token(tmp_path, monkeypatch):
    warnings = []
    store = open_store(str(tmp_path), warnings.append)

    def read_only(**kwargs):
        raise OSError(30, "ro")

    monkeypatch.setattr(store_module.tempfile, "mkstemp", read_only)
    item, how = fetch_through_cache(store, KEY, lambda: payload("t"), fresh, 5)
    assert (item["access_token"], how) == ("t", MISS) and len(warnings) == 1


def _fork(directory, counter, results, index):
    store = open_store(directory, print)

    def fetch():
        with open(counter, "a") as handle:
            handle.write("fetch\n")
        time.sleep(0.3)  # a slow endpoint: every other fork arrives while this one is asking
        return payload(f"tok-from-{index}")

    item, how = fetch_through_cache(store, KEY, fetch, fresh, 30)
    with open(results, "a") as handle:
        handle.write(json.dumps([item["access_token"], how]) + "\n")


def test_many_forks_at_once_make_one_fetch(tmp_path):
    directory = str(tmp_path / "cache")
    counter, results = str(tmp_path / "counter"), str(tmp_path / "results")
    context = multiprocessing.get_context("fork")
    forks = [context.Process(target=_fork, args=(directory, counter, results, index)) for index in range(16)]
    for fork in forks:
        fork.start()
    for fork in forks:
        fork.join(60)
    assert [fork.exitcode for fork in forks] == [0] * 16
    assert open(counter).read().count("fetch") == 1
    outcomes = [json.loads(line) for line in open(results)]
    assert len(outcomes) == 16 and len({token for token, _how in outcomes}) == 1
    assert sorted(how for _token, how in outcomes).count(MISS) == 1
    assert {how for _token, how in outcomes} <= {MISS, WAITED, HIT}
