"""Build the keystore variants of the token target with the real tools, and register each on an app of its own.

    python build_keystore_variants.py <tests/support> <directory>

Passwords and the endpoint come from the environment (KEYSTORE_VARIANTS_*, ENTRA_*), never argv. Writes
<directory>/variants.json (0600): {"variants": {name: what the target needs}, "missing": {name: why not built}}.
A variant whose tool is missing here (keytool of a JDK, openssl) is listed under "missing" with the reason.
Prints one line per variant, never a password.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_ROLES = ["User.Read.All"]


def variants(kf, store_password: str, key_password: str, pem_password: str) -> dict:
    """name -> (how it is built, the alias to use when the store has several entries)."""
    keytool = {"store_password": store_password, "key_password": key_password}
    return {
        "jks-jdk17": (lambda d: kf.keytool_keystore(d, jdk=kf.jdk(major=17), **keytool), None),
        "jks-jdk21plus": (lambda d: kf.keytool_keystore(d, jdk=kf.jdk(minimum=21), **keytool), None),
        "jks-jdk25-committed": (lambda d: kf.committed_jdk25_keystore(), None),
        "jks-two-entries": (lambda d: kf.keytool_keystore(d, jdk=kf.jdk(major=17), aliases=("first", "second"),
                                                          **keytool), "second"),
        "pkcs12-keytool": (lambda d: kf.keytool_keystore(d, store_type="pkcs12", jdk=kf.jdk(major=17), **keytool),
                           None),
        "jceks-keytool": (lambda d: kf.keytool_keystore(d, store_type="jceks", jdk=kf.jdk(major=17), **keytool), None),
        "pkcs12-openssl": (lambda d: kf.openssl_pkcs12(d, password=store_password), None),
        "pkcs12-openssl-legacy": (lambda d: kf.openssl_pkcs12(d, legacy=True, password=store_password), None),
        "pem-combined": (lambda d: kf.pem_files(d, layout="combined"), None),
        "pem-split": (lambda d: kf.pem_files(d, layout="split"), None),
        "pem-encrypted-pkcs8": (lambda d: kf.pem_files(d, layout="combined", key_password=pem_password), None),
        "pem-encrypted-traditional": (lambda d: kf.pem_files(d, layout="split", key_password=pem_password,
                                                             key_format="traditional"), None),
        # Not looped over by the certificate suite: the key file alone, its thumbprint says which certificate.
        "pem-key-only": (lambda d: kf.pem_files(d, layout="key-only"), None),
    }


def private_copy(store, directory: Path):
    """The key file as a user keeps it: mode 0600 (keytool and openssl pkcs12 follow the umask)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"private-{store.path.name}"
    target.write_bytes(store.read_bytes())
    target.chmod(0o600)
    return target


class Admin:
    """The local endpoint's admin API (the same calls as entra_emulator.client, with the standard library)."""

    def __init__(self) -> None:
        self.base = os.environ["ENTRA_AUTHORITY_HOST"] + "/_emulator/"
        self.token = os.environ["ENTRA_ADMIN_TOKEN"]
        self.context = ssl.create_default_context(cafile=os.environ["ENTRA_CA_PATH"])

    def post(self, path: str, body: dict) -> dict:
        headers = {"Content-Type": "application/json", "X-Emulator-Admin": self.token}
        # The base is the endpoint's https:// authority host, never a file: or custom scheme.
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",  # noqa: S310
                                         headers=headers)
        with urllib.request.urlopen(request, context=self.context, timeout=30) as answer:  # noqa: S310
            return json.loads(answer.read())

    def app_for(self, name: str, cert_pem: bytes) -> str:
        client_id = str(uuid.uuid4())
        self.post("apps", {"client_id": client_id, "display_name": f"token integration: {name}",
                           "roles": {GRAPH_APP_ID: GRAPH_ROLES}})
        self.post(f"apps/{client_id}/certificates", {"certificate": cert_pem.decode("ascii")})
        return client_id


def describe(kf, name: str, store, alias: str | None, path: Path, client_id: str) -> dict:
    cert = store.entries[alias] if alias else store.cert
    values = {
        "name": name,
        "type": store.keystore_type,
        "path": str(path),
        "keystore_password": store.store_password,
        "key_password": store.key_password,
        "alias": alias,
        "certificate_path": str(store.certificate_path) if store.certificate_path else None,
        "client_id": client_id,
        "sha1_colon": cert.sha1_colon,
        "sha1_hex": cert.sha1_hex,
        "sha256_hex": cert.sha256_hex,
        "x5t": cert.x5t,
    }
    if alias and "first" in store.entries:
        values["first_sha1_hex"] = store.entries["first"].sha1_hex
    return {key: value for key, value in values.items() if value is not None}


def main(support: str, directory: str) -> int:
    sys.path.insert(0, support)
    import keystore_factory as kf

    root = Path(directory)
    fixture_store, fixture_key = os.environ["KEYSTORE_VARIANTS_FIXTURE_PASSWORDS"].strip().split(":", 1)
    committed = kf.committed_jdk25_keystore()
    if (committed.store_password, committed.key_password) != (fixture_store, fixture_key):
        raise SystemExit("the committed JDK 25 keystore's passwords differ from setup_keystore_variants' vars")
    wanted = variants(kf, os.environ["KEYSTORE_VARIANTS_STORE_PASSWORD"], os.environ["KEYSTORE_VARIANTS_KEY_PASSWORD"],
                      os.environ["KEYSTORE_VARIANTS_PEM_PASSWORD"])

    def build(name: str):
        try:
            return wanted[name][0](root / name)
        except kf.ToolUnavailable as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=4) as pool:
        built = dict(zip(wanted, pool.map(build, wanted), strict=True))
    admin = Admin()
    result: dict = {"variants": {}, "missing": {}}
    for name, store in built.items():
        if isinstance(store, str):
            result["missing"][name] = store
            print(f"{name}: not built ({store})")
            continue
        alias = wanted[name][1]
        cert = store.entries[alias] if alias else store.cert
        client_id = admin.app_for(name, cert.pem)
        path = private_copy(store, root / name)
        result["variants"][name] = describe(kf, name, store, alias, path, client_id)
        print(f"{name}: {store.tool}, registered on app {client_id}")
    fd = os.open(root / "variants.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
