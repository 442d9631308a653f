"""Pytest fixtures for the Entra emulator; load with ``pytest_plugins``.

In a top-level ``conftest.py`` (or re-export them from a nested one)::

    pytest_plugins = ["entra_emulator.pytest_plugin"]

- ``entra_emulator``: one started ``EntraEmulator`` for the whole session.
- ``entra``: the same emulator, its counters zeroed and fault plan dropped
  before and after the test.
- ``entra_ca_env``: points ``REQUESTS_CA_BUNDLE`` (and ``SSL_CERT_FILE``) at the
  emulator's CA for the test. Needed by anything built on ``requests`` that
  cannot be handed ``verify=`` per request (MSAL, azure-identity): ``requests``
  lets these variables override a session's own ``verify``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from entra_emulator.emulator import EntraEmulator


@pytest.fixture(scope="session")
def entra_emulator() -> Iterator[EntraEmulator]:
    with EntraEmulator() as emulator:
        yield emulator


@pytest.fixture
def entra(entra_emulator: EntraEmulator) -> Iterator[EntraEmulator]:
    entra_emulator.reset()
    yield entra_emulator
    entra_emulator.reset()


@pytest.fixture
def entra_ca_env(entra_emulator: EntraEmulator, monkeypatch: pytest.MonkeyPatch) -> str:
    ca_path = str(entra_emulator.ca_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_path)
    monkeypatch.setenv("SSL_CERT_FILE", ca_path)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    return ca_path
