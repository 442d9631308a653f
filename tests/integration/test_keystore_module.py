"""Integration: the keystore module target, run by ansible-playbook against localhost."""

from __future__ import annotations

import re
import subprocess

import keystore_factory as kf
import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material

PASSWORD = "Target-store 1"
KEY_PASSWORD = "Target-key 2"


@pytest.fixture(scope="module")
def tools():
    kf.require(kf.default_jdk)
    kf.require(kf.openssl)


def recap(stdout: str) -> dict[str, int]:
    match = re.search(r"^localhost\s+:\s+(.*)$", stdout, re.MULTILINE)
    assert match, stdout
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


@pytest.mark.java
def test_keystore_module_target(run_target, tmp_path, tools):
    work = tmp_path / "work"
    work.mkdir()
    completed = run_target("keystore", {"keystore_test_dir": str(work), "keystore_test_password": PASSWORD,
                                        "keystore_test_key_password": KEY_PASSWORD})
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    print(completed.stdout[completed.stdout.find("PLAY RECAP"):])
    assert completed.stdout.count("All assertions passed") >= 8
    counts = recap(completed.stdout)
    assert counts["failed"] == 0 and counts["ok"] > 20
    assert counts["ignored"] == 2  # the two deliberate wrong-password runs
    for secret in (PASSWORD, KEY_PASSWORD):
        assert secret not in output
    assert "PRIVATE KEY" not in output

    # What the target left behind opens with our reader and with keytool, passwords on stdin.
    generated = load_key_material(str(work / "generated.jks"), "jks", PASSWORD, KEY_PASSWORD, "azure-ad")
    assert generated.certificate is not None
    for path, store_type in ((work / "generated.jks", "JKS"), (work / "supplied.jks", "JKS"),
                             (work / "renewal.p12", "PKCS12")):
        listing = subprocess.run(
            ["keytool", "-J-Duser.language=en", "-list", "-keystore", str(path), "-storetype", store_type],
            input=PASSWORD, capture_output=True, text=True, timeout=120, check=False,
        )
        assert listing.returncode == 0, listing.stdout + listing.stderr
        assert "PrivateKeyEntry" in listing.stdout
    # No temp file was left next to the keystores.
    assert not [p.name for p in work.iterdir() if p.name.startswith(".ansible_tmp")]
