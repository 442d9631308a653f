"""make demo: the main job against the collection's own local Entra endpoint.

Starts the endpoint, runs tests/demo/demo.yml (keystores by the role, tokens by
the module and the lookup), then an ad-hoc command with credentials from
AZURE_* variables, then tests/demo/rotation.yml (a certificate rotated by the
certificate_rotation role, a token before and after), and stops the endpoint by
its PID.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path[:0] = [str(TESTS / "emulator"), str(TESTS / "support")]

from collection_path import link_collection  # noqa: E402

link_collection()

from ansible_cli import adhoc_result, run_adhoc, run_playbook, write_vars  # noqa: E402
from emulator_process import emulator_process  # noqa: E402
from entra_emulator import defaults  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="azure-ad-oauth-demo-") as workdir:
        work = Path(workdir)
        print(f"Starting the local Entra-compatible endpoint (state in {work})")
        with emulator_process(work) as state:
            print(f"Endpoint: {state['authority_host']} (pid {state['pid']}), test CA {state['ca_path']}\n")
            variables = {
                "demo_dir": str(work),
                "demo_authority_host": state["authority_host"],
                "demo_ca_path": state["ca_path"],
                "demo_admin_token": state["admin_token"],
                "demo_tenant_domain": defaults.TENANT_DOMAIN,
                "demo_client_id": defaults.CLIENT_ID,
                "demo_client_secret": defaults.CLIENT_SECRET,
                "demo_store_password": secrets.token_urlsafe(16),
                "demo_key_password": secrets.token_urlsafe(16),
                # The rotation play's own app: the default one may not read its key credentials.
                "demo_rotation_client_id": str(uuid.uuid4()),
                "demo_graph_app_id": defaults.GRAPH_APP_ID,
            }
            vars_file = write_vars(work / "demo-vars.json", variables)
            play = run_playbook(HERE / "demo.yml", vars_file=vars_file)
            print(play.stdout, play.stderr, sep="")
            if play.returncode != 0:
                return play.returncode

            print("Ad hoc: ansible localhost -m azure_ad.oauth.token, credentials from AZURE_* variables")
            env = {
                "AZURE_TENANT_ID": defaults.TENANT_ID,
                "AZURE_CLIENT_ID": defaults.CLIENT_ID,
                "AZURE_CLIENT_CERTIFICATE_PATH": str(work / "app.p12"),
                "AZURE_CLIENT_CERTIFICATE_PASSWORD": variables["demo_store_password"],
                "AZURE_AUTHORITY_HOST": state["authority_host"],
            }
            adhoc = run_adhoc("azure_ad.oauth.token", f"scope=https://graph.microsoft.com/.default "
                                                      f"ca_path={state['ca_path']}", env=env)
            if adhoc.returncode != 0:
                print(adhoc.stdout, adhoc.stderr, sep="")
                return adhoc.returncode
            result = adhoc_result(adhoc)
            claims = result["claims"]
            print(f"localhost | SUCCESS: token_type={result['token_type']} expires_in={result['expires_in']} "
                  f"aud={claims['aud']} appidacr={claims['appidacr']} roles={','.join(claims['roles'])}")

            print("\nRotation: azure_ad.oauth.certificate_rotation, with a token before and after")
            rotation = run_playbook(HERE / "rotation.yml", vars_file=vars_file)
            print(rotation.stdout, rotation.stderr, sep="")
            if rotation.returncode != 0:
                return rotation.returncode

            print("Ad hoc: ansible localhost -m azure_ad.oauth.app_certificate --check, the rotated keystore from "
                  "AZURE_* variables")
            env.update(AZURE_CLIENT_ID=variables["demo_rotation_client_id"],
                       AZURE_CLIENT_CERTIFICATE_PATH=str(work / "rotate.p12"))
            listed = run_adhoc("azure_ad.oauth.app_certificate",
                               f"state=absent remove_expired=true graph_endpoint={state['authority_host']} "
                               f"ca_path={state['ca_path']}", env=env, check=True)
            if listed.returncode != 0:
                print(listed.stdout, listed.stderr, sep="")
                return listed.returncode
            credentials = adhoc_result(listed)["key_credentials"]
            print("localhost | SUCCESS: key_credentials=" + ", ".join(
                f"{c['thumbprint']} (in_use={c['in_use']}, until {c['end_date_time']})" for c in credentials))
    print("\nDemo done: tokens by client secret and by certificate (PKCS12 and JKS), "
          "with the module, the lookup and an ad-hoc command, and a certificate rotated with no failed token.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
