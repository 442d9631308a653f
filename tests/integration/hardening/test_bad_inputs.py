"""The bad-input catalogue: each wrong input a user can give, and the clean failure it must get.

ROWS is the table: an id, the module arguments (on top of BASE), the option the
message must name, and a fragment of the message. One generated playbook runs
every row through the ``azure_ad.oauth.token`` module and the rows marked for
it through the lookup; one ad hoc ``ansible`` run takes the rows marked
``adhoc`` (one inventory host per row). Each (channel, row) is then its own
test case, which checks that:

- the task failed, and its message names the option and holds the fragment;
- no exception escaped: no ``Traceback``, no ``MODULE FAILURE``, no raw module
  output, no real ``exception`` (ansible-core 2.19 sets ``exception`` to
  "(traceback unavailable)" on every failed result when tracebacks are off:
  that value is allowed, anything else is not);
- no secret (client secret, store, key or wrong passwords) nor any ``PRIVATE
  KEY`` text is in its result or its part of the output;
- it left nothing behind: each row has its own directory (its keystore copies,
  its ``TMPDIR`` and its ``ansible_remote_tmp``), identical, byte for byte and
  mode for mode, before and after.

Keystores are made by the real tools (keytool, openssl) through
keystore_factory; the expired certificate by keytool ``-startdate``.

Mode 000 as root: root reads any file, so the playbook runs under ``setpriv``
without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, which holds root to the
owner bits like any user (checked by trying, in hardening_support). Where that
is impossible, the two permission rows are skipped and say why.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import hardening_support as hs
import keystore_factory as kf
import pytest
from entra_emulator import defaults as d
from test_issuer import OidcIssuer

from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import TOKEN_OPTIONS

STORE_PASSWORD = "Hx-Store#Pw-51f0"
KEY_PASSWORD = "Hx-Key#Pw-9c2e"
P12_PASSWORD = "Hx-P12#Pw-8e21"
PEM_PASSWORD = "Hx-Pem#Pw-44b1"
WRONG_PASSWORD = "Hx-Wrong#Pw-3a7d"
# The app whose only certificate is the expired one (its own, so no other test sees it).
EXPIRED_APP_ID = "4d0c1b2a-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
UNKNOWN_TENANT_ID = "0badc0de-0000-4000-8000-000000000001"
UNKNOWN_CLIENT_ID = "0badc0de-0000-4000-8000-000000000002"
UNKNOWN_API_SCOPE = "api://0badc0de-0000-4000-8000-000000000003/.default"

# Federated tokens of an issuer the endpoint does not trust (no setup needed): an expired one, one for another
# audience, one that is not expired. They are bearer credentials: checked for in the output like the secrets.
_STRANGER = OidcIssuer("https://token.actions.githubusercontent.com/hardening")
FEDERATED_EXPIRED = _STRANGER.github_token("contoso/hardening", now=1_700_000_000, lifetime=600)
SECRETS = {
    "fed_unknown": _STRANGER.github_token("contoso/hardening", lifetime=7200),
    "fed_custom_aud": _STRANGER.github_token("contoso/hardening", audience="api://custom", lifetime=7200),
    "fed_expired": FEDERATED_EXPIRED,
    "fed_garbage": "Hx-not-a-jwt-7d1e",
    "secret": d.CLIENT_SECRET,
    "secret_id": d.CLIENT_SECRET_ID,
    "sp": STORE_PASSWORD,
    "kp": KEY_PASSWORD,
    "p12": P12_PASSWORD,
    "pem": PEM_PASSWORD,
    "wrong": WRONG_PASSWORD,
}
SECRET_VALUES = tuple(SECRETS.values())

# Placeholders, filled in when the playbook is written: the row's own directory, the endpoint, its CA.
DIR, AUTHORITY, CA = "@DIR@", "@AUTHORITY@", "@CA@"
BASE = {
    "tenant_id": d.TENANT_ID,
    "client_id": d.CLIENT_ID,
    "authority_host": AUTHORITY,
    "ca_path": CA,
    "scope": [d.GRAPH_SCOPE],
    "retries": 0,
}
SECRET_ARG = {"client_secret": "{{ hx.secret }}"}


def secret(name: str) -> str:
    """A template that reads a secret from the 0600 vars file: secrets never sit in the playbook."""
    return "{{ hx." + name + " }}"


# --------------------------------------------------------------------------- files a row needs

Maker = Callable[[Path, dict], None]


def copy_of(store: str, mode: int = 0o600) -> Maker:
    def make(path: Path, stores: dict) -> None:
        shutil.copyfile(stores[store].path, path)
        path.chmod(mode)

    return make


def content(data: bytes) -> Maker:
    def make(path: Path, stores: dict) -> None:
        path.write_bytes(data)
        path.chmod(0o600)

    return make


def unreadable(data: bytes) -> Maker:
    """A file of mode 000 (see needs_dac)."""

    def make(path: Path, stores: dict) -> None:
        path.write_bytes(data)
        path.chmod(0)

    return make


def random_bytes(size: int, seed: int) -> Maker:
    return content(random.Random(seed).randbytes(size))


def truncated(store: str, fraction: float = 0.5) -> Maker:
    def make(path: Path, stores: dict) -> None:
        data = stores[store].path.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])
        path.chmod(0o600)

    return make


def directory() -> Maker:
    def make(path: Path, stores: dict) -> None:
        path.mkdir()

    return make


def behind_locked_directory(store: str) -> Maker:
    """A good keystore in a directory of mode 000: the file cannot even be reached."""

    def make(path: Path, stores: dict) -> None:
        shutil.copyfile(stores[store].path, path)
        path.chmod(0o600)
        path.parent.chmod(0)

    return make


def certificate_of(store: str) -> Maker:
    def make(path: Path, stores: dict) -> None:
        path.write_bytes(stores[store].cert.pem)

    return make


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    id: str
    args: dict  # on top of BASE; a None value removes the option
    option: str  # the option the message must name
    fragment: str  # a piece of the message
    files: dict[str, Maker] = field(default_factory=dict)
    channels: tuple[str, ...] = ("module",)
    endpoint: bool = False  # the request reaches the token endpoint (counted in its stats)
    warning: str | None = None  # a warning the task must give
    environment: dict | None = None  # task environment (module channel only)
    needs_dac: bool = False  # file modes must bind the user (see the module docstring)

    def module_args(self, row_dir: Path, authority: str, ca_path: str) -> dict:
        args = {**BASE, **self.args}

        def fill(value):
            if isinstance(value, str):
                return value.replace(DIR, str(row_dir)).replace(AUTHORITY, authority).replace(CA, ca_path)
            if isinstance(value, list):
                return [fill(item) for item in value]
            return value

        return {name: fill(value) for name, value in args.items() if value is not None}


ML = ("module", "lookup")
MA = ("module", "adhoc")
ALL = ("module", "lookup", "adhoc")
JKS = {"store.jks": copy_of("jks")}
JKS_ARGS = {"keystore_path": f"{DIR}/store.jks", "keystore_password": secret("sp"), "key_password": secret("kp")}
P12 = {"store.p12": copy_of("p12")}
P12_ARGS = {"keystore_path": f"{DIR}/store.p12", "keystore_password": secret("p12")}
PEM = {"key.pem": copy_of("pem")}
PEM_ARGS = {"keystore_path": f"{DIR}/key.pem"}

ROWS = [
    # ---- credentials and targets
    Row("no_credential", {}, "client_secret", "A credential is required", channels=ALL),
    Row("both_credentials", {**SECRET_ARG, **PEM_ARGS}, "client_secret", "mutually exclusive", files=PEM),
    Row("no_resource_nor_scope", {**SECRET_ARG, "scope": None}, "resource", "resource or scope", channels=ML),
    Row("both_resource_and_scope", {**SECRET_ARG, "resource": d.GRAPH_RESOURCE}, "resource",
        "resource and scope are mutually exclusive", channels=ML),
    Row("empty_client_secret", {"client_secret": ""}, "client_secret", "client_secret is empty", channels=ML),
    Row("empty_tenant_id", {**SECRET_ARG, "tenant_id": ""}, "tenant_id", "tenant_id is empty"),
    Row("empty_keystore_password", {**JKS_ARGS, "keystore_password": ""}, "keystore_password",
        "keystore_password is empty", files=JKS),
    Row("empty_scope_list", {**SECRET_ARG, "scope": []}, "scope", "scope is empty"),
    Row("blank_scope_item", {**SECRET_ARG, "scope": ["  "]}, "scope", "scope is empty"),
    Row("missing_tenant_id", {**SECRET_ARG, "tenant_id": None}, "tenant_id", "tenant_id is required"),
    Row("missing_client_id", {**SECRET_ARG, "client_id": None}, "client_id", "client_id is required"),
    # ---- identifiers and values
    Row("malformed_tenant_id", {**SECRET_ARG, "tenant_id": "contoso tenant!"}, "tenant_id",
        "neither a GUID nor a domain name", channels=ALL),
    Row("multi_tenant_alias", {**SECRET_ARG, "tenant_id": "common"}, "tenant_id", "multi-tenant alias"),
    Row("malformed_client_id", {**SECRET_ARG, "client_id": "my-app-registration"}, "client_id", "is not a GUID"),
    Row("http_authority_remote", {**SECRET_ARG, "authority_host": "http://login.example.com"}, "authority_host",
        "plain http", channels=ML),
    Row("authority_with_path", {**SECRET_ARG, "authority_host": "https://login.microsoftonline.com/common"},
        "authority_host", "must be a URL with no path"),
    Row("token_duration_zero", {**PEM_ARGS, "token_duration": 0}, "token_duration", "between 1 and 3600", files=PEM),
    Row("token_duration_negative", {**PEM_ARGS, "token_duration": -60}, "token_duration", "between 1 and 3600",
        files=PEM),
    Row("token_duration_absurd", {**PEM_ARGS, "token_duration": 315360000}, "token_duration", "between 1 and 3600",
        files=PEM, channels=ML),
    Row("scope_without_default", {**SECRET_ARG, "scope": ["https://graph.microsoft.com/User.Read"]}, "scope",
        "for example https://graph.microsoft.com/.default.", channels=ML),
    Row("scope_not_a_uri", {**SECRET_ARG, "scope": ["graph"]}, "scope", "is not a resource URI"),
    Row("resource_with_spaces", {**SECRET_ARG, "scope": None, "resource": "https://graph microsoft com"}, "resource",
        "is not a valid resource identifier"),
    Row("retries_negative", {**SECRET_ARG, "retries": -1}, "retries", "between 0 and 10"),
    Row("max_retry_wait_absurd", {**SECRET_ARG, "max_retry_wait": 86400}, "max_retry_wait", "between 0 and 600"),
    Row("timeout_zero", {**SECRET_ARG, "timeout": 0}, "timeout", "timeout must be more than 0 and at most 600 seconds"),
    # ---- the keystore file
    Row("keystore_missing", {**P12_ARGS, "keystore_path": f"{DIR}/absent.p12"}, "keystore_path", "does not exist",
        channels=ML),
    Row("keystore_is_a_directory", {**P12_ARGS, "keystore_path": f"{DIR}/store.d"}, "keystore_path",
        "is a directory", files={"store.d": directory()}, channels=MA),
    Row("keystore_mode_000", P12_ARGS, "keystore_path", "not readable by this user",
        files={"store.p12": copy_of("p12", 0)}, channels=ML, needs_dac=True),
    Row("keystore_behind_locked_directory", {**P12_ARGS, "keystore_path": f"{DIR}/locked/store.p12"},
        "keystore_path", "permission denied on a parent directory",
        files={"locked/store.p12": behind_locked_directory("p12")}, needs_dac=True),
    Row("keystore_empty", P12_ARGS, "keystore_path", "is empty", files={"store.p12": content(b"")}),
    Row("jks_truncated", JKS_ARGS, "keystore_path", "corrupt or truncated", files={"store.jks": truncated("jks")}),
    Row("pkcs12_truncated", P12_ARGS, "keystore_password", "or the file is corrupt",
        files={"store.p12": truncated("p12")}),
    Row("random_bytes", P12_ARGS, "keystore_path", "is not a JKS, JCEKS, PKCS12 or PEM keystore",
        files={"store.p12": random_bytes(2048, seed=4)}, channels=ML),
    Row("pem_certificate_without_key", PEM_ARGS, "keystore_path", "holds no private key (only certificates)",
        files={"key.pem": copy_of("pem_cert_only")}),
    # ---- keystore contents
    Row("jks_trust_store", {**JKS_ARGS, "key_password": None}, "keystore_path", "holds no private key entry",
        files={"store.jks": copy_of("trust_jks")}),
    Row("pkcs12_trust_store", {**P12_ARGS, "keystore_password": secret("sp")}, "keystore_path",
        "holds no private key", files={"store.p12": copy_of("trust_p12")}),
    Row("jks_wrong_store_password", {**JKS_ARGS, "keystore_password": secret("wrong")}, "keystore_password",
        "wrong keystore_password", files=JKS, channels=ML),
    Row("pkcs12_wrong_store_password", {**P12_ARGS, "keystore_password": secret("wrong")}, "keystore_password",
        "wrong keystore_password", files=P12, channels=MA),
    Row("jks_wrong_key_password", {**JKS_ARGS, "key_password": secret("wrong")}, "key_password",
        "wrong key_password", files=JKS, channels=ML),
    Row("pem_wrong_key_password", {**PEM_ARGS, "key_password": secret("wrong")}, "key_password", "wrong key_password",
        files={"key.pem": copy_of("pem_encrypted")}),
    Row("pem_encrypted_without_password", PEM_ARGS, "key_password", "is encrypted: set key_password",
        files={"key.pem": copy_of("pem_encrypted")}),
    Row("jks_two_entries_no_alias", JKS_ARGS, "keystore_alias", "set keystore_alias to choose one",
        files={"store.jks": copy_of("jks_two")}, channels=ML),
    Row("jks_unknown_alias", {**JKS_ARGS, "keystore_alias": "no-such-entry"}, "keystore_alias", "is not an entry",
        files=JKS),
    Row("keystore_type_pkcs12_for_jks", {**JKS_ARGS, "keystore_type": "pkcs12"}, "keystore_type",
        "keystore_type is pkcs12 but the file", files=JKS),
    Row("keystore_type_pem_for_pkcs12", {**P12_ARGS, "keystore_type": "pem"}, "keystore_type",
        "is a PKCS12 keystore", files=P12),
    # ---- keys and certificates
    Row("ec_key", P12_ARGS, "keystore_path", "accepts only RSA keys", files={"store.p12": copy_of("p12_ec")},
        channels=ML),
    Row("expired_certificate", {**P12_ARGS, "client_id": EXPIRED_APP_ID, "keystore_password": secret("sp")},
        "keystore_path", "AADSTS700027", files={"store.p12": copy_of("expired")}, channels=ML, endpoint=True,
        warning="expired on"),
    # ---- thumbprints
    Row("thumbprint_malformed", {**PEM_ARGS, "thumbprint": "zz:not-a-thumbprint"}, "thumbprint",
        "is not a thumbprint", files=PEM),
    Row("thumbprint_wrong_length", {**PEM_ARGS, "thumbprint": "AB" * 19}, "thumbprint", "has 38 hex digits",
        files=PEM, channels=MA),
    Row("thumbprint_not_matching", {**PEM_ARGS, "thumbprint": "@OTHER_SHA1@"}, "thumbprint",
        "does not match the certificate", files=PEM, channels=ML),
    # ---- the endpoint: TLS, proxy, network, and Entra's refusals with our hints
    Row("ca_path_missing", {**SECRET_ARG, "ca_path": f"{DIR}/no-such-ca.pem"}, "ca_path",
        "does not exist or cannot be read", channels=ML),
    Row("ca_path_wrong_ca", {**SECRET_ARG, "ca_path": f"{DIR}/other-ca.pem"}, "ca_path", "validate_certs",
        files={"other-ca.pem": certificate_of("p12")}),
    Row("proxy_refuses", SECRET_ARG, "authority_host", "HTTPS_PROXY",
        environment={"HTTPS_PROXY": "http://127.0.0.1:1", "https_proxy": "http://127.0.0.1:1", "NO_PROXY": "",
                     "no_proxy": ""}),
    Row("endpoint_unreachable", {**SECRET_ARG, "authority_host": "https://127.0.0.1:1"}, "authority_host",
        "Could not reach"),
    Row("secret_id_instead_of_value", {"client_secret": secret("secret_id")}, "client_secret", "not its Secret ID",
        channels=ML, endpoint=True),
    Row("unknown_tenant", {**SECRET_ARG, "tenant_id": UNKNOWN_TENANT_ID}, "tenant_id", "AADSTS90002",
        endpoint=True),
    Row("unknown_client_id", {**SECRET_ARG, "client_id": UNKNOWN_CLIENT_ID}, "client_id", "AADSTS700016",
        endpoint=True),
    Row("unknown_resource", {**SECRET_ARG, "scope": [UNKNOWN_API_SCOPE]}, "resource", "AADSTS500011", endpoint=True),
    Row("unregistered_certificate", PEM_ARGS, "keystore_path", "AADSTS700027", files=PEM, endpoint=True),
    # ---- the federated credential (workload identity)
    Row("federated_file_missing", {"client_assertion_path": f"{DIR}/absent.jwt"}, "client_assertion_path",
        "does not exist", channels=ALL),
    Row("federated_file_empty", {"client_assertion_path": f"{DIR}/token.jwt"}, "client_assertion_path", "is empty",
        files={"token.jwt": content(b"")}, channels=ML),
    Row("federated_file_is_a_directory", {"client_assertion_path": f"{DIR}/token.d"}, "client_assertion_path",
        "is a directory, not a token file", files={"token.d": directory()}, channels=MA),
    Row("federated_file_mode_000", {"client_assertion_path": f"{DIR}/token.jwt"}, "client_assertion_path",
        "is not readable by this user", files={"token.jwt": unreadable(b"x.y.z")}, channels=ML, needs_dac=True),
    Row("federated_file_not_a_jwt", {"client_assertion_path": f"{DIR}/token.jwt"}, "client_assertion_path",
        "is not a JWT", files={"token.jwt": content(b"hello world\n")}),
    Row("federated_value_not_a_jwt", {"client_assertion": secret("fed_garbage")}, "client_assertion",
        "client_assertion is not a JWT", channels=ML),
    Row("federated_file_expired", {"client_assertion_path": f"{DIR}/token.jwt"}, "client_assertion_path",
        "has expired: its exp is 2023-11-14 22:23:20 UTC", files={"token.jwt": content(FEDERATED_EXPIRED.encode())},
        channels=ML),
    Row("federated_value_expired", {"client_assertion": secret("fed_expired")}, "client_assertion", "has expired",
        channels=MA),
    Row("federated_unknown_issuer", {"client_assertion": secret("fed_unknown")}, "client_assertion", "AADSTS700211",
        channels=ML, endpoint=True),
    Row("federated_wrong_audience", {"client_assertion": secret("fed_custom_aud")}, "client_assertion",
        "AADSTS700211", endpoint=True, warning="not api://AzureADTokenExchange"),
    Row("federated_and_secret", {**SECRET_ARG, "client_assertion": secret("fed_unknown")}, "client_secret",
        "client_secret and client_assertion are mutually exclusive", channels=ML),
    Row("federated_value_and_file", {"client_assertion": secret("fed_unknown"),
                                     "client_assertion_path": f"{DIR}/absent.jwt"}, "client_assertion",
        "client_assertion and client_assertion_path are mutually exclusive"),
]
ROWS_BY_ID = {row.id: row for row in ROWS}
assert len(ROWS_BY_ID) == len(ROWS), "duplicate row ids"
hs.CATALOGUE["size"] = len(ROWS)
CASES = [(channel, row.id) for row in ROWS for channel in row.channels]


# --------------------------------------------------------------------------- building and running


def expired_keystore(directory: Path) -> kf.Keystore:
    """A PKCS12 keystore whose certificate expired in 2020, made by keytool -startdate."""
    jdk = kf.default_jdk()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "expired.p12"
    env = {"HX_STORE_PASSWORD": STORE_PASSWORD}
    store = ["-keystore", str(path), "-storetype", "PKCS12", "-storepass:env", "HX_STORE_PASSWORD"]
    for args in (
        ["-genkeypair", *store, "-alias", "expired", "-keyalg", "RSA", "-keysize", "2048", "-dname",
         "CN=expired, O=azure_ad.oauth tests", "-startdate", "2020/01/01 00:00:00", "-validity", "30"],
        ["-exportcert", "-rfc", *store, "-alias", "expired"],
    ):  # fmt: skip
        done = subprocess.run([str(jdk.keytool), "-J-Duser.language=en", *args], capture_output=True, timeout=300,
                              env={**os.environ, **env}, check=False)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    path.chmod(0o600)
    cert = kf.CertInfo.from_pem(done.stdout)
    return kf.Keystore(path, "pkcs12", STORE_PASSWORD, None, "expired", cert, tool=f"keytool {jdk.version}")


def build_stores(directory: Path) -> dict[str, kf.Keystore]:
    builders = {
        "jks": lambda: kf.keytool_keystore(directory / "jks", store_password=STORE_PASSWORD,
                                           key_password=KEY_PASSWORD),
        "jks_two": lambda: kf.keytool_keystore(directory / "jks-two", store_password=STORE_PASSWORD,
                                               key_password=KEY_PASSWORD, aliases=("first", "second")),
        "trust_jks": lambda: kf.keytool_trust_store(directory / "trust-jks", store_password=STORE_PASSWORD),
        "trust_p12": lambda: kf.keytool_trust_store(directory / "trust-p12", store_type="pkcs12",
                                                    store_password=STORE_PASSWORD),
        "expired": lambda: expired_keystore(directory / "expired"),
        "p12": lambda: kf.openssl_pkcs12(directory / "p12", password=P12_PASSWORD),
        "p12_ec": lambda: kf.openssl_pkcs12(directory / "p12-ec", password=P12_PASSWORD, key_type="ec"),
        "pem": lambda: kf.pem_files(directory / "pem"),
        "pem_encrypted": lambda: kf.pem_files(directory / "pem-encrypted", key_password=PEM_PASSWORD),
        "pem_cert_only": lambda: kf.pem_files(directory / "pem-cert-only", layout="cert-only"),
    }  # fmt: skip
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(build) for name, build in builders.items()}
        return {name: future.result() for name, future in futures.items()}


@dataclass
class Catalogue:
    runs: dict[str, hs.Run]
    row_dirs: dict[str, Path]
    before: dict[str, dict]
    after: dict[str, dict]
    token_requests: int
    skipped: dict[str, str]
    controller_tmp: Path

    def result(self, channel: str, row_id: str) -> dict:
        if channel == "adhoc":
            return self.runs["adhoc"].result("azure_ad.oauth.token", host=row_id)
        return self.runs["playbook"].result(f"{channel} | {row_id}")

    def section(self, channel: str, row_id: str) -> str:
        if channel == "adhoc":
            out = self.runs["adhoc"].output
            return "\n".join(line for line in out.splitlines() if line.startswith(f"{row_id} "))
        return hs.task_sections(self.runs["playbook"].completed.stdout).get(f"{channel} | {row_id}", "")


def write_playbook(path: Path, rows: list[Row], row_args: dict[str, dict], row_dirs: dict[str, Path]) -> None:
    tasks = []
    for row in rows:
        if "module" in row.channels:
            task = {
                "name": f"module | {row.id}",
                "azure_ad.oauth.token": row_args[row.id],
                "ignore_errors": True,
                "environment": {"TMPDIR": str(row_dirs[row.id] / "tmp"), **(row.environment or {})},
                "vars": {"ansible_remote_tmp": str(row_dirs[row.id] / "remote_tmp")},
            }
            tasks.append(task)
    for row in rows:
        if "lookup" in row.channels:
            tasks.append({
                "name": f"lookup | {row.id}",
                "ansible.builtin.set_fact": {"hx_unused": "{{ lookup('azure_ad.oauth.token', **hx_row) }}"},
                "vars": {"hx_row": row_args[row.id]},
                "ignore_errors": True,
            })  # fmt: skip
    play = [{"name": "bad inputs", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    path.write_text(json.dumps(play, indent=1))


def write_adhoc_inventory(path: Path, rows: list[Row], row_args: dict[str, dict], row_dirs: dict[str, Path]) -> None:
    hosts = {
        row.id: {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "ansible_remote_tmp": str(row_dirs[row.id] / "remote_tmp"),
            "hx_row": row_args[row.id],
        }
        for row in rows
        if "adhoc" in row.channels
    }
    path.write_text(json.dumps({"all": {"hosts": hosts}}, indent=1))


ADHOC_ARGS = " ".join(f"{name}={{{{ hx_row.{name} | default(omit) }}}}" for name in TOKEN_OPTIONS)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, emulator_state, emulator_admin) -> Catalogue:
    kf.require(kf.default_jdk)
    kf.require(kf.openssl)
    work = tmp_path_factory.mktemp("bad-inputs")
    stores = build_stores(work / "stores")
    try:
        emulator_admin.add_app(EXPIRED_APP_ID, display_name="hardening: expired certificate")
    except RuntimeError:
        pass  # added by an earlier run against the same endpoint
    emulator_admin.register_certificate(EXPIRED_APP_ID, stores["expired"].cert.pem)

    prefix = hs.dac_drop_prefix()
    skipped = {}
    rows = []
    for row in ROWS:
        if row.needs_dac and prefix is None:
            skipped[row.id] = "running as root without setpriv: a mode 000 file stays readable"
        else:
            rows.append(row)

    row_dirs, row_args, before = {}, {}, {}
    for row in rows:
        row_dir = work / "rows" / row.id
        (row_dir / "tmp").mkdir(parents=True)
        (row_dir / "remote_tmp").mkdir(mode=0o700)
        for name, make in row.files.items():
            (row_dir / name).parent.mkdir(parents=True, exist_ok=True)
            make(row_dir / name, stores)
        row_dirs[row.id] = row_dir
        args = row.module_args(row_dir, emulator_state["authority_host"], emulator_state["ca_path"])
        if args.get("thumbprint") == "@OTHER_SHA1@":
            args["thumbprint"] = stores["p12"].cert.sha1_hex
        row_args[row.id] = args
        before[row.id] = hs.snapshot(row_dir)

    vars_file = work / "vars.json"
    vars_file.touch(mode=0o600)
    vars_file.write_text(json.dumps({"hx": SECRETS}))
    playbook = work / "bad_inputs.yml"
    write_playbook(playbook, rows, row_args, row_dirs)
    inventory = work / "adhoc-inventory.yml"
    write_adhoc_inventory(inventory, rows, row_args, row_dirs)

    drop_dac = bool(prefix)
    stats_before = emulator_admin.stats()["token_requests"]
    runs = {
        "playbook": hs.run_ansible(["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook), "-e",
                                    f"@{vars_file}"], work, drop_dac=drop_dac),
        "adhoc": hs.run_ansible(["ansible", "all", "-i", str(inventory), "-m", "azure_ad.oauth.token", "-a", ADHOC_ARGS,
                                 "-e", f"@{vars_file}", "-f", "2"], work, drop_dac=drop_dac),
    }  # fmt: skip
    token_requests = emulator_admin.stats()["token_requests"] - stats_before
    after = {row.id: hs.snapshot(row_dirs[row.id]) for row in rows}
    for row in rows:  # let pytest clean up the locked directory
        for path in row_dirs[row.id].rglob("*"):
            if path.is_dir():
                path.chmod(0o700)
    return Catalogue(runs, row_dirs, before, after, token_requests, skipped, work / "controller-tmp")


# --------------------------------------------------------------------------- the checks


def test_catalogue_covers_the_issue():
    """At least 30 bad inputs, each run by the module, and the lookup and ad hoc runs are not token ones."""
    assert len(ROWS) >= 30
    assert all("module" in row.channels for row in ROWS)
    assert sum("lookup" in row.channels for row in ROWS) >= 10
    assert sum("adhoc" in row.channels for row in ROWS) >= 5
    print(f"\nbad-input catalogue: {len(ROWS)} cases, {len(CASES)} runs")


def test_the_runs_completed(catalogue):
    for name, run in catalogue.runs.items():
        # ignore_errors keeps the playbook green; the ad hoc run fails because its hosts fail, and that is all.
        assert run.results, f"{name} recorded nothing:\n{run.explain()}"
        assert "Traceback" not in run.output, run.explain()
        assert not hs.leaked(run.output, SECRET_VALUES), (hs.leaked(run.output, SECRET_VALUES), run.explain())
    assert catalogue.runs["playbook"].completed.returncode == 0, catalogue.runs["playbook"].explain()
    assert "ERROR! " not in catalogue.runs["adhoc"].output
    # The controller side (the lookup) left nothing in its TMPDIR either.
    assert not list(catalogue.controller_tmp.iterdir())


def test_only_endpoint_rows_reached_the_endpoint(catalogue):
    """Every input caught locally costs no request: only the rows that need Entra's answer reach it."""
    expected = sum(len(row.channels) for row in ROWS if row.endpoint and row.id not in catalogue.skipped)
    assert catalogue.token_requests == expected


@pytest.mark.parametrize(("channel", "row_id"), CASES, ids=[f"{channel}-{row_id}" for channel, row_id in CASES])
def test_bad_input(catalogue, channel, row_id):
    row = ROWS_BY_ID[row_id]
    if row_id in catalogue.skipped:
        pytest.skip(catalogue.skipped[row_id])
    recorded = catalogue.result(channel, row_id)
    result = recorded["result"]
    message = str(result.get("msg", ""))
    section = catalogue.section(channel, row_id)

    assert recorded["status"] == "failed", f"the task did not fail: {json.dumps(result)[:2000]}"
    assert row.option in message, f"the message does not name {row.option}: {message}"
    assert row.fragment in message, f"{row.fragment!r} not in: {message}"
    if channel != "lookup":  # the module also says which option, for failed_when
        assert result.get("error", {}).get("option") == row.option, result.get("error")
    else:
        assert "azure_ad.oauth.token: " in message
    assert not hs.traceback_problems(result, section), (hs.traceback_problems(result, section), message)
    dumped = json.dumps(result)
    assert not hs.leaked(dumped, SECRET_VALUES) and not hs.leaked(section, SECRET_VALUES)
    if row.warning:
        assert any(row.warning in text for text in hs.warnings_of(result)), hs.warnings_of(result)
    # Nothing left behind: the row's keystore copies, TMPDIR and remote tmp are as they were.
    assert catalogue.after[row_id] == catalogue.before[row_id]


def test_every_row_names_an_option_the_module_has():
    names = set(TOKEN_OPTIONS)
    for row in ROWS:
        assert row.option in names, row.id
        assert set(row.args) <= names, row.id
    assert uuid.UUID(EXPIRED_APP_ID)
