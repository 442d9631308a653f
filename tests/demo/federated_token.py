"""For make demo: play the platform of workload identity federation, as an AKS cluster would.

    DEMO_ENDPOINT='{"authority_host": ..., "ca_path": ..., "admin_token": ...}' \\
        python federated_token.py <directory> <client ID>

Trusts a test Kubernetes OIDC issuer in the local endpoint (what enabling the cluster's OIDC issuer and adding a
federated credential in the portal do), then writes a projected service account token to
<directory>/azure-identity-token, as the workload identity webhook mounts it. Prints the issuer and the subject
as JSON; never the token.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TESTS / "emulator"), str(TESTS / "support")]

from entra_emulator import EmulatorAdminClient  # noqa: E402
from test_issuer import OidcIssuer, kubernetes_subject, write_token_file  # noqa: E402


def main(directory: str, client_id: str) -> int:
    admin = EmulatorAdminClient(json.loads(os.environ["DEMO_ENDPOINT"]))
    issuer = OidcIssuer(f"https://westeurope.oic.prod-aks.azure.com/{uuid.uuid4()}/{uuid.uuid4()}/")
    subject = kubernetes_subject("automation", "ansible")
    try:
        admin.trust_issuer(issuer.issuer, issuer.jwks())
        admin.add_federated_credential(client_id, issuer.issuer, subject)
    finally:
        admin.close()
    path = write_token_file(Path(directory) / "azure-identity-token",
                            issuer.kubernetes_token("automation", "ansible"))  # fmt: skip
    print(json.dumps({"issuer": issuer.issuer, "subject": subject, "token_file": path}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
