"""The azure_ad.oauth.token module in real playbooks, against the local Entra endpoint.

The keystores are made by the real tools (keytool of each JDK found, openssl)
once per session. Each one's certificate is registered on an app of its own, so
a token for that app proves that this keystore's key signed the assertion. One
run of the ``token`` target loops over every variant; one more run covers the
failures; one the secret grant. The target's own asserts carry the checks; here
we check the run's outcome, its report and that no secret reached the output.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import keystore_factory as kf
import pytest
from ansible_cli import run_playbook, write_vars
from entra_emulator.defaults import (
    ARM_RESOURCE,
    CLIENT_ID,
    CLIENT_SECRET,
    CLIENT_SECRET_ID,
    CUSTOM_API_APP_ID,
    CUSTOM_API_ROLES,
    CUSTOM_API_SCOPE,
    GRAPH_APP_ID,
    GRAPH_RESOURCE,
    GRAPH_ROLES,
    GRAPH_SCOPE,
    TENANT_DOMAIN,
    TENANT_ID,
)

ENCRYPTED_PEM_PASSWORD = "Pem-pass 3"
WRONG_PASSWORD = "Wrong-pass 9"
WRONG_SECRET = "emu~Wrong.Value_not-the-secret-0000"
SECRETS = (CLIENT_SECRET, kf.DEFAULT_STORE_PASSWORD, kf.DEFAULT_KEY_PASSWORD, "fixture-store-pass",
           "fixture-key-pass", ENCRYPTED_PEM_PASSWORD, WRONG_PASSWORD, WRONG_SECRET)  # fmt: skip
TARGETS = Path(__file__).resolve().parent / "targets"
GRANTS_PER_VARIANT = 4
# The failure cases of tasks/failures.yml: each must fail, and be ignored, exactly once.
FAILURE_CASES = 17


@dataclass(frozen=True)
class Variant:
    """A keystore variant: how it is built, and the tool command that builds it (for docs/testing.md)."""

    command: str
    build: Callable[[Path], kf.Keystore]
    alias: str | None = None  # the alias to use, when the store has several entries


def _second_of_two(directory: Path) -> kf.Keystore:
    return kf.keytool_keystore(directory, jdk=kf.jdk(major=17), aliases=("first", "second"))


# name -> variant. Every name appears in docs/testing.md.
VARIANTS: dict[str, Variant] = {
    "jks-jdk17": Variant(
        "keytool (JDK 17) -genkeypair -storetype JKS, -keypass differs from -storepass",
        lambda d: kf.keytool_keystore(d, jdk=kf.jdk(major=17)),
    ),
    "jks-jdk21plus": Variant(
        "keytool (newest JDK >= 21, Temurin 25 here) -genkeypair -storetype JKS, -keypass differs",
        lambda d: kf.keytool_keystore(d, jdk=kf.jdk(minimum=21)),
    ),
    "jks-jdk25-committed": Variant(
        "committed tests/unit/fixtures/keystores/jdk25-keypass-differs.jks (keytool 25.0.3 Temurin), key "
        "password differs",
        lambda d: kf.committed_jdk25_keystore(),
    ),
    "jks-two-entries": Variant(
        "keytool (JDK 17) -genkeypair twice (aliases first, second) -storetype JKS; only 'second' is registered",
        _second_of_two,
        alias="second",
    ),
    "pkcs12-keytool": Variant(
        "keytool (JDK 17) -genkeypair -storetype PKCS12",
        lambda d: kf.keytool_keystore(d, store_type="pkcs12", jdk=kf.jdk(major=17)),
    ),
    "jceks-keytool": Variant(
        "keytool (JDK 17) -genkeypair -storetype JCEKS, -keypass differs from -storepass",
        lambda d: kf.keytool_keystore(d, store_type="jceks", jdk=kf.jdk(major=17)),
    ),
    "pkcs12-openssl": Variant(
        "openssl req -x509 + openssl pkcs12 -export (OpenSSL 3 default: AES-256-CBC, PBKDF2)",
        kf.openssl_pkcs12,
    ),
    "pkcs12-openssl-legacy": Variant(
        "openssl req -x509 + openssl pkcs12 -export -legacy (RC2-40 and 3DES)",
        lambda d: kf.openssl_pkcs12(d, legacy=True),
    ),
    "pem-combined": Variant(
        "openssl req -x509 -noenc; PKCS#8 key and certificate in one file",
        lambda d: kf.pem_files(d, layout="combined"),
    ),
    "pem-split": Variant(
        "openssl req -x509 -noenc; key file, certificate in certificate_path",
        lambda d: kf.pem_files(d, layout="split"),
    ),
    "pem-encrypted-pkcs8": Variant(
        "openssl pkey -aes256 (encrypted PKCS#8 key) + certificate in one file; key_password",
        lambda d: kf.pem_files(d, layout="combined", key_password=ENCRYPTED_PEM_PASSWORD),
    ),
    "pem-encrypted-traditional": Variant(
        "openssl pkey -traditional -aes256 (Proc-Type: 4,ENCRYPTED) key file, certificate in certificate_path",
        lambda d: kf.pem_files(d, layout="split", key_password=ENCRYPTED_PEM_PASSWORD, key_format="traditional"),
    ),
}
# Built for the certificate-less and failure cases, not looped over.
KEY_ONLY_PEM = Variant("openssl req -x509 -noenc; key file alone (thumbprint required)",
                       lambda d: kf.pem_files(d, layout="key-only"))  # fmt: skip


@dataclass(frozen=True)
class Built:
    store: kf.Keystore | None
    missing: str | None = None  # why it could not be built (a tool is not on this machine)
    client_id: str | None = None
    cert: kf.CertInfo | None = None
    alias: str | None = None


def _build(directory: Path, variant: Variant) -> Built:
    try:
        store = variant.build(directory)
    except kf.ToolUnavailable as exc:
        return Built(None, missing=str(exc))
    store = _private_copy(store, directory)
    alias = variant.alias
    cert = store.entries[alias] if alias else store.cert
    return Built(store, cert=cert, alias=alias)


def _private_copy(store: kf.Keystore, directory: Path) -> kf.Keystore:
    """The key file as a user keeps it: mode 0600 (keytool and openssl pkcs12 follow the umask), in our tmp."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"private-{store.path.name}"
    target.write_bytes(store.read_bytes())
    target.chmod(0o600)
    return replace(store, path=target)


def _register(admin, built: Built, name: str) -> Built:
    """An app of its own for this keystore, holding only its certificate, with Graph's roles."""
    if built.store is None:
        return built
    client_id = str(uuid.uuid4())
    admin.add_app(client_id, display_name=f"token integration: {name}", roles={GRAPH_APP_ID: GRAPH_ROLES})
    admin.register_certificate(client_id, built.cert.pem)
    return Built(built.store, client_id=client_id, cert=built.cert, alias=built.alias)


@pytest.fixture(scope="session")
def keystores(tmp_path_factory, emulator_admin) -> dict[str, Built]:
    """Every variant (plus the key-only PEM), built in parallel and registered; missing tools noted."""
    root = tmp_path_factory.mktemp("token-keystores")
    wanted = {**VARIANTS, "pem-key-only": KEY_ONLY_PEM}
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(_build, root / name, variant) for name, variant in wanted.items()}
        built = {name: future.result() for name, future in futures.items()}
    return {name: _register(emulator_admin, entry, name) for name, entry in built.items()}


def variant_vars(name: str, built: Built) -> dict:
    """What the target needs of one variant; unset options are left out (the target omits them)."""
    store, cert = built.store, built.cert
    values = {
        "name": name,
        "type": store.keystore_type,
        "path": str(store.path),
        "keystore_password": store.store_password,
        "key_password": store.key_password,
        "alias": built.alias,
        "certificate_path": str(store.certificate_path) if store.certificate_path else None,
        "client_id": built.client_id,
        "sha1_colon": cert.sha1_colon,
        "sha1_hex": cert.sha1_hex,
        "sha256_hex": cert.sha256_hex,
        "x5t": cert.x5t,
    }
    return {key: value for key, value in values.items() if value is not None}


def endpoint_vars(state: dict) -> dict:
    return {
        "token_authority_host": state["authority_host"],
        "token_ca_path": state["ca_path"],
        "token_tenant_id": TENANT_ID,
        "token_tenant_domain": TENANT_DOMAIN,
        "token_client_id": CLIENT_ID,
        "token_client_secret": CLIENT_SECRET,
        "token_client_secret_id": CLIENT_SECRET_ID,
        "token_wrong_secret": WRONG_SECRET,
        "token_wrong_password": WRONG_PASSWORD,
        "token_graph_resource": GRAPH_RESOURCE,
        "token_graph_scope": GRAPH_SCOPE,
        "token_graph_roles": GRAPH_ROLES,
        "token_arm_resource": ARM_RESOURCE,
        "token_custom_api_scope": CUSTOM_API_SCOPE,
        "token_custom_api_app_id": CUSTOM_API_APP_ID,
        "token_custom_api_roles": CUSTOM_API_ROLES,
    }


def recap(completed) -> dict[str, int]:
    """The localhost line of the PLAY RECAP, as numbers."""
    match = re.search(r"^localhost\s*:\s*(.+)$", completed.stdout, re.MULTILINE)
    assert match, f"no PLAY RECAP in the output:\n{completed.stdout}\n{completed.stderr}"
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def assert_clean(completed) -> None:
    """No traceback, no module crash, no secret anywhere in what ansible printed."""
    output = completed.stdout + completed.stderr
    assert "Traceback" not in output
    assert "MODULE FAILURE" not in output
    for secret in SECRETS:
        assert secret not in output, "a secret reached the output"


def explain(completed) -> str:
    return f"rc={completed.returncode}\n{completed.stdout[-12000:]}\n{completed.stderr[-4000:]}"


# --------------------------------------------------------------------------- secret grant


def test_secret_grant(run_target, emulator_state, tmp_path):
    """v2 and v1, check mode, module_defaults, tenant by domain, resource to scope, v2-token API."""
    report = tmp_path / "report.json"
    variables = {**endpoint_vars(emulator_state), "token_suites": ["secret"], "token_report_path": str(report)}
    completed = run_target("token", variables)
    assert completed.returncode == 0, explain(completed)
    counts = recap(completed)
    assert counts["failed"] == 0 and counts["unreachable"] == 0 and counts["ignored"] == 0, explain(completed)
    assert counts["ok"] == 19, explain(completed)  # every task of main.yml and secret.yml
    assert_clean(completed)
    assert "[WARNING]" not in completed.stdout + completed.stderr, explain(completed)
    secret = json.loads(report.read_text())["secret"]
    assert secret["v1_types"] == {"expires_in": "int", "ext_expires_in": "int", "expires_on": "int"}
    assert secret["v2_types"] == {"expires_in": "int", "ext_expires_in": "int", "expires_on": "int"}
    assert secret["appidacr"] == "1"
    assert secret["roles"] == GRAPH_ROLES
    assert secret["domain_tid"] == TENANT_ID
    assert secret["check_mode_changed"] == [False, False, False, False]


# --------------------------------------------------------------------------- certificate grant


@pytest.fixture(scope="module")
def certificate_run(keystores, emulator_state, run_target_module):
    available = {name: built for name, built in keystores.items() if built.store is not None}
    variants = [variant_vars(name, available[name]) for name in VARIANTS if name in available]
    key_only = available.get("pem-key-only")
    variables = {
        **endpoint_vars(emulator_state),
        "token_suites": ["certificates"],
        "token_keystores": variants,
        "token_key_only": variant_vars("pem-key-only", key_only),
    }
    completed, report = run_target_module("token", variables)
    return completed, report, [variant["name"] for variant in variants]


@pytest.fixture(scope="module")
def run_target_module(tmp_path_factory):
    """Like run_target, once per module: the variant loop runs once, and each variant test reads its result."""
    directory = tmp_path_factory.mktemp("token-certificates")

    def run(name: str, variables: dict):
        playbook = directory / f"{name}.yml"
        playbook.write_text(f"- hosts: localhost\n  gather_facts: false\n  roles:\n    - {TARGETS / name}\n")
        report = directory / "report.json"
        vars_file = write_vars(directory / f"{name}-vars.json", {**variables, "token_report_path": str(report)})
        completed = run_playbook(playbook, vars_file=vars_file)
        return completed, (json.loads(report.read_text()) if report.exists() else None)

    return run


def test_certificate_variants_run(certificate_run):
    """One run loops over every keystore variant: it succeeds, and every variant made its grants."""
    completed, report, names = certificate_run
    assert completed.returncode == 0, explain(completed)
    counts = recap(completed)
    assert counts["failed"] == 0 and counts["unreachable"] == 0 and counts["ignored"] == 0, explain(completed)
    # main.yml: 4 (its include included); certificates.yml: an include per variant and the key-only one;
    # per variant 4 grants, 2 asserts and the report; key_only.yml: 3 grants, assert, report.
    assert counts["ok"] == 4 + len(names) + 1 + len(names) * (GRANTS_PER_VARIANT + 3) + 5, explain(completed)
    assert_clean(completed)
    assert "[WARNING]" not in completed.stdout + completed.stderr, explain(completed)
    assert report is not None
    assert sorted(report["certificates"]) == sorted(names)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_certificate_variant(name, keystores, certificate_run):
    """This variant's key got 4 tokens for its own app (the only one holding its certificate), v2 and v1."""
    built = keystores[name]
    if built.store is None:
        pytest.skip(f"{name}: {built.missing}")
    completed, report, _variants = certificate_run
    assert report is not None and name in report["certificates"], explain(completed)
    grants = report["certificates"][name]
    assert [grant["appid"] for grant in grants] == [built.client_id] * GRANTS_PER_VARIANT
    assert [grant["appidacr"] for grant in grants] == ["2"] * GRANTS_PER_VARIANT
    assert [grant["api_version"] for grant in grants] == ["v2", "v2", "v2", "v1"]
    assert [grant["scope"] for grant in grants] == [[GRAPH_SCOPE]] * 3 + [None]
    assert grants[3]["resource"] == GRAPH_RESOURCE


def test_certificate_without_certificate(keystores, certificate_run):
    """A key-only PEM signs with the thumbprint given: SHA-1 hex, SHA-256 hex, x5t."""
    built = keystores["pem-key-only"]
    if built.store is None:
        pytest.skip(built.missing)
    completed, report, _variants = certificate_run
    assert report is not None, explain(completed)
    grants = report["key_only"]
    assert [grant["appid"] for grant in grants] == [built.client_id] * 3
    assert [grant["appidacr"] for grant in grants] == ["2"] * 3
    assert [grant["api_version"] for grant in grants] == ["v2", "v2", "v1"]


# --------------------------------------------------------------------------- failures


@pytest.fixture(scope="session")
def failure_vars(keystores, emulator_state) -> dict:
    """The keystores the failure cases misuse; the JKS ones need keytool."""
    for needed in ("jks-jdk17", "jks-two-entries"):
        if keystores[needed].store is None:
            pytest.skip(f"{needed}: {keystores[needed].missing}")
    two = keystores["jks-two-entries"]
    return {
        **endpoint_vars(emulator_state),
        "token_failures": {
            "jks": variant_vars("jks-jdk17", keystores["jks-jdk17"]),
            "two_entries": {
                **variant_vars("jks-two-entries", two),
                "first_sha1_hex": two.store.entries["first"].sha1_hex,
            },
            "pkcs12": variant_vars("pkcs12-openssl", keystores["pkcs12-openssl"]),
            "pem_encrypted": variant_vars("pem-encrypted-pkcs8", keystores["pem-encrypted-pkcs8"]),
            "key_only": variant_vars("pem-key-only", keystores["pem-key-only"]),
        },
    }


@pytest.mark.java
def test_failures(run_target, failure_vars, tmp_path):
    """Each wrong input fails with its own message, option and AADSTS code; none leaks a secret or crashes."""
    report = tmp_path / "report.json"
    variables = {**failure_vars, "token_suites": ["failures"], "token_report_path": str(report)}
    completed = run_target("token", variables)
    assert completed.returncode == 0, explain(completed)
    counts = recap(completed)
    assert counts["failed"] == 0 and counts["unreachable"] == 0, explain(completed)
    assert counts["ignored"] == FAILURE_CASES, explain(completed)
    assert completed.stdout.count("fatal: [localhost]: FAILED!") == FAILURE_CASES
    assert_clean(completed)
    failures = json.loads(report.read_text())["failures"]
    assert len(failures) == FAILURE_CASES
    assert failures["wrong_secret"] == {"option": "client_secret", "error_codes": [7000215]}
    assert failures["secret_id"] == {"option": "client_secret", "error_codes": [7000215]}
    assert failures["unregistered_certificate"] == {"option": "keystore_path", "error_codes": [700027]}
    assert failures["unknown_tenant"] == {"option": "tenant_id", "error_codes": [90002]}
    local_failures = {case: entry["option"] for case, entry in failures.items() if not entry["error_codes"]}
    assert local_failures == {
        "both_credentials": "client_secret",
        "unknown_alias": "keystore_alias",
        "two_entries_without_alias": "keystore_alias",
        "jks_wrong_keystore_password": "keystore_password",
        "jks_wrong_key_password": "key_password",
        "pkcs12_wrong_keystore_password": "keystore_password",
        "pem_wrong_key_password": "key_password",
        "pem_key_password_missing": "key_password",
        "keystore_type_mismatch": "keystore_type",
        "thumbprint_mismatch": "thumbprint",
        "key_only_without_thumbprint": "thumbprint",
        "ps256_with_sha1_only": "signature_algorithm",
        "rs256_with_sha256_only": "signature_algorithm",
    }


@pytest.mark.java
def test_jks_key_password_missing(run_target, failure_vars):
    """A JKS entry with its own password and no key_password: the message asks for key_password.

    The core passes keystore_password on as key_password when none is given, so the
    keystore reader cannot tell "not given" from "wrong" and says "wrong key_password"
    about a password the user never set.
    """
    completed = run_target("token", {**failure_vars, "token_suites": ["key_password_missing"]})
    assert completed.returncode == 0, explain(completed)
    counts = recap(completed)
    assert counts["failed"] == 0 and counts["ignored"] == 1, explain(completed)
    assert_clean(completed)


# --------------------------------------------------------------------------- what is sent, and warned about


def test_token_duration_and_keystore_modes(run_target, emulator_state, emulator_admin, tmp_path):
    """token_duration reaches the assertion sent; a keystore readable by group or others warns, 0600/0400 not.

    The endpoint's record of the assertions it received is read back, so the lifetime is checked on what the
    module really sent (an endpoint that ignored exp would not notice a wrong one).
    """
    store = kf.require(kf.openssl_pkcs12, tmp_path / "build", password=None)
    client_id = str(uuid.uuid4())
    emulator_admin.add_app(client_id, display_name="token integration: modes", roles={GRAPH_APP_ID: GRAPH_ROLES})
    emulator_admin.register_certificate(client_id, store.cert.pem)
    modes = [0o600, 0o400, 0o640, 0o604, 0o644]
    copies = []
    for mode in modes:
        copy = tmp_path / f"app-{mode:04o}.p12"
        copy.write_bytes(store.read_bytes())
        copy.chmod(mode)
        copies.append({"mode": f"{mode:04o}", "path": str(copy)})
    variables = {**endpoint_vars(emulator_state), "token_suites": ["assertion_and_modes"], "token_modes": copies,
                 "token_modes_client_id": client_id}  # fmt: skip

    completed = run_target("token", variables)

    assert completed.returncode == 0, explain(completed)
    assert_clean(completed)
    output = completed.stdout + completed.stderr
    for copy in copies:
        warned = f"keystore_path {copy['path']} is readable by other users (mode {copy['mode']})" in output
        assert warned == (copy["mode"] not in ("0600", "0400")), (copy, explain(completed))
    sent = [entry for entry in emulator_admin.assertions() if (entry["claims"] or {}).get("iss") == client_id]
    assert len(sent) == 1 + len(modes)
    first = sent[0]["claims"]
    assert first["exp"] - first["iat"] == 1234 and first["aud"].endswith("/oauth2/token")
    assert {entry["claims"]["exp"] - entry["claims"]["iat"] for entry in sent[1:]} == {600}  # the default
    assert len({entry["claims"]["jti"] for entry in sent}) == len(sent)
