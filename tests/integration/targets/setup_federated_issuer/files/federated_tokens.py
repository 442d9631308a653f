"""Trust a test OIDC issuer in the local Entra endpoint and write federated tokens to files, one per case.

    FEDERATED_ENDPOINT='{"authority_host": ..., "ca_path": ..., "admin_token": ...}' \\
        python federated_tokens.py <tests dir> <output dir> <client ID>

Prints JSON: the issuer, the subjects that have a federated identity credential on the app, and the path of each
token file (mode 0600). Never prints a token. The admin API is called with the standard library only, so that
nothing but cryptography (which the integration venv has) is needed.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import time
import urllib.request
import uuid
from pathlib import Path


def admin_post(endpoint: dict, path: str, body: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310 - https to the local endpoint only
        f"{endpoint['authority_host']}/_emulator/{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Emulator-Admin": endpoint["admin_token"]},
    )
    context = ssl.create_default_context(cafile=endpoint["ca_path"])
    with urllib.request.urlopen(request, context=context, timeout=30) as answer:  # noqa: S310 - the local endpoint
        return json.loads(answer.read() or b"{}")


def main(tests_dir: str, output_dir: str, client_id: str) -> int:
    sys.path.insert(0, str(Path(tests_dir) / "support"))
    from test_issuer import OidcIssuer, kubernetes_subject, write_token_file

    endpoint = json.loads(os.environ["FEDERATED_ENDPOINT"])
    issuer = OidcIssuer(f"https://oidc.example.test/{uuid.uuid4()}/")
    subject, rotated = kubernetes_subject("automation", "ansible"), kubernetes_subject("automation", "rotated")
    admin_post(endpoint, "issuers", {"issuer": issuer.issuer, "jwks": issuer.jwks()})
    for name in (subject, rotated):
        admin_post(endpoint, f"apps/{client_id}/federated_credentials", {"issuer": issuer.issuer, "subject": name})

    out = Path(output_dir)
    tokens = {
        "valid": issuer.kubernetes_token(),
        "rotated": issuer.kubernetes_token(service_account="rotated"),
        "expired": issuer.kubernetes_token(now=time.time() - 7200, lifetime=3600),
        "audience": issuer.kubernetes_token(audience="api://custom"),
        "unknown_issuer": OidcIssuer("https://token.actions.githubusercontent.com").github_token("contoso/unknown"),
        "wrong_subject": issuer.kubernetes_token(service_account="nobody"),
        "garbage": "hello world",
    }
    files = {name: write_token_file(out / name, token) for name, token in tokens.items()}
    files["empty"] = write_token_file(out / "empty", "")
    (out / "directory").mkdir()
    files["directory"] = str(out / "directory")
    files["missing"] = str(out / "missing")
    print(json.dumps({"issuer": issuer.issuer, "subject": subject, "rotated_subject": rotated, "files": files}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
