"""The keystore module never destroys or gives away a file, tried through real ansible-playbook runs.

Issue 7, class 6 (and the keystore side of classes 3 and 7). One playbook holds a task per case, each with
``ignore_errors``; files are laid down beforehand with the tools a user would use (keytool, openssl,
``setpriv`` to plant a link as another user, a full tmpfs). The run is bounded by a deadline, and its peak RSS
is measured around the child (tests/support/bounded_run.py). Each case then checks four things:

- the task failed or succeeded as specified, and the files are as they must be afterwards;
- a failure names the option at fault (``error.option`` and the message);
- no traceback, MODULE FAILURE or dead worker;
- no password, in any form, anywhere in the output.

Separate runs cover 30 forks writing one keystore at once, and native panics (pyo3's PanicException)
injected into every process of a run at the calls the keystore module makes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import hardening_support as hs
import keystore_factory as kf
import native_panics
import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material

PASSWORD = "Kh-store#pass-31Vw"
KEY_PASSWORD = "Kh-key#pass-88Rt"
OTHER_PASSWORD = "Kh-other#pass-52Lp"
SECRETS = (PASSWORD, KEY_PASSWORD, OTHER_PASSWORD)
ROOT = os.geteuid() == 0
DEADLINE = 600
MAX_RSS_MB = 1024
LONG_HOST = "build-agent-0042.very-long-datacenter-name.eu-west.internal.contoso.example.com"
PANIC_DIR = Path(__file__).resolve().parent / "keystore_panics"


@dataclass
class Case:
    """One task of the playbook: its module arguments, what it must give, and what must hold afterwards."""

    name: str
    args: dict
    option: str | None  # the option a failure names; None: the task succeeds
    words: str  # in the failure's message (or, for a success, nothing)
    prepare: Callable[[Path], None] = lambda work: None
    after: Callable[[Path, dict], None] = lambda work, result: None
    root_only: bool = False
    extra: dict = field(default_factory=dict)  # task keywords


def keystore(path: str, **more) -> dict:
    return {"path": path, "password": PASSWORD, "generate": True, "subject": "CN=hostile", **more}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------- preparations


def keytool_store(work: Path, name: str, **kwargs) -> Path:
    store = kf.keytool_keystore(work / f"{name}-src", store_password=OTHER_PASSWORD, **kwargs)
    target = work / name
    shutil.copyfile(store.path, target)
    target.chmod(0o644)  # as keytool leaves it
    return target


def remember(work: Path, name: str) -> None:
    (work / f"{name}.sha256").write_text(sha256(work / name))


def unchanged(work: Path, name: str) -> bool:
    return sha256(work / name) == (work / f"{name}.sha256").read_text()


def prepare_existing_keystore(name: str):
    def prepare(work: Path) -> None:
        keytool_store(work, name, store_type="pkcs12")
        remember(work, name)

    return prepare


def prepare_private_key(work: Path) -> None:
    subprocess.run([kf.openssl(), "genpkey", "-algorithm", "RSA", "-out", str(work / "key-at-export.cer")],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    remember(work, "key-at-export.cer")


def prepare_fifo(name: str):
    return lambda work: os.mkfifo(work / name)


def prepare_directory(name: str):
    return lambda work: (work / name).mkdir()


def prepare_link(name: str, target: str):
    def prepare(work: Path) -> None:
        (work / target).write_text("the link's target")
        (work / target).chmod(0o644)
        (work / name).symlink_to(work / target)

    return prepare


def prepare_hard_link(work: Path) -> None:
    keytool_store(work, "hard.p12", store_type="pkcs12")
    os.link(work / "hard.p12", work / "hard.cer")
    remember(work, "hard.p12")


def prepare_weak_key(work: Path) -> None:
    subprocess.run([kf.openssl(), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc",
                    "-keyout", str(work / "ec.key"), "-out", str(work / "ec.crt"), "-subj", "/CN=ec", "-days", "30"],
                   check=True, capture_output=True, timeout=120)  # fmt: skip


def prepare_two_entries(work: Path) -> None:
    store = kf.keytool_keystore(work / "two-src", store_password=PASSWORD, key_password=None,
                                aliases=("first", "second"))  # fmt: skip
    shutil.copyfile(store.path, work / "two.jks")
    remember(work, "two.jks")


# ---------------------------------------------------------------------------------------------- checks afterwards


def absent(*names: str):
    def check(work: Path, result: dict) -> None:
        for name in names:
            assert not os.path.lexists(work / name), name

    return check


def untouched(*names: str):
    def check(work: Path, result: dict) -> None:
        for name in names:
            assert unchanged(work, name), f"{name} was changed"

    return check


def link_kept(name: str, target: str):
    def check(work: Path, result: dict) -> None:
        assert (work / name).is_symlink() and (work / target).read_text() == "the link's target"
        assert stat.S_IMODE(os.lstat(work / target).st_mode) == 0o644

    return check


def both(*checks):
    def check(work: Path, result: dict) -> None:
        for one in checks:
            one(work, result)

    return check


def replaced_not_followed(work: Path, result: dict) -> None:
    assert stat.S_ISREG(os.lstat(work / "forced-link.p12").st_mode)
    assert (work / "forced-target").read_text() == "the link's target"
    info = os.lstat(work / "forced-link.p12")
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (os.geteuid(), 0o600)


def backup_is_private(work: Path, result: dict) -> None:
    backup = Path(result["backup_file"])
    assert stat.S_IMODE(os.lstat(backup).st_mode) == 0o600, "never the old file's 0644"
    assert sha256(backup) == (work / "backed-up.p12.sha256").read_text()


def followed(work: Path, result: dict) -> None:
    assert (work / "follow-link.p12").is_symlink()
    assert load_key_material(str(work / "follow-target.p12"), "pkcs12", PASSWORD).certificate is not None


DIR = "{{ hx_dir }}"
CASES = [
    # ---- the export path is never the keystore
    Case("export is path", keystore(f"{DIR}/same.p12", certificate_export_path=f"{DIR}/same.p12"),
         "certificate_export_path", "is the keystore's own file", after=absent("same.p12")),
    Case("export is path with ./", keystore(f"{DIR}/dot.p12", certificate_export_path=f"{DIR}/./dot.p12"),
         "certificate_export_path", "is the keystore's own file", after=absent("dot.p12")),
    Case("export is path through ..", keystore(f"{DIR}/up.p12", certificate_export_path=f"{DIR}/sub/../up.p12"),
         "certificate_export_path", "is the keystore's own file", after=absent("up.p12")),
    Case("export is a hard link to path", keystore(f"{DIR}/hard.p12", password=OTHER_PASSWORD, force=True,
                                                   certificate_export_path=f"{DIR}/hard.cer"),
         "certificate_export_path", "is the keystore's own file", prepare=prepare_hard_link,
         after=untouched("hard.p12")),
    # ---- what is at the export path
    Case("export holds another keystore", keystore(f"{DIR}/k-ex1.p12", certificate_export_path=f"{DIR}/other.p12"),
         "certificate_export_path", "holds something other than one certificate",
         prepare=prepare_existing_keystore("other.p12"), after=both(untouched("other.p12"), absent("k-ex1.p12"))),
    Case("export holds a private key", keystore(f"{DIR}/k-ex2.p12",
                                                certificate_export_path=f"{DIR}/key-at-export.cer"),
         "certificate_export_path", "holds something other than one certificate", prepare=prepare_private_key,
         after=both(untouched("key-at-export.cer"), absent("k-ex2.p12"))),
    Case("export is a FIFO", keystore(f"{DIR}/k-ex3.p12", certificate_export_path=f"{DIR}/export.fifo", force=True),
         "certificate_export_path", "is a FIFO (named pipe), not a regular file", prepare=prepare_fifo("export.fifo"),
         after=absent("k-ex3.p12")),
    Case("export is a directory", keystore(f"{DIR}/k-ex4.p12", certificate_export_path=f"{DIR}/export.d"),
         "certificate_export_path", "is a directory, not a regular file", prepare=prepare_directory("export.d"),
         after=absent("k-ex4.p12")),
    Case("export is a link", keystore(f"{DIR}/k-ex5.p12", certificate_export_path=f"{DIR}/export-link.cer"),
         "certificate_export_path", "is a symbolic link", prepare=prepare_link("export-link.cer", "export-target"),
         after=both(link_kept("export-link.cer", "export-target"), absent("k-ex5.p12"))),
    # ---- what is at path
    Case("path is a FIFO", keystore(f"{DIR}/path.fifo", force=True), "path", "is a FIFO (named pipe)",
         prepare=prepare_fifo("path.fifo")),
    Case("path is a directory", keystore(f"{DIR}/path.d", force=True), "path", "is a directory",
         prepare=prepare_directory("path.d")),
    Case("path is a link", keystore(f"{DIR}/link.p12"), "path", "is a symbolic link",
         prepare=prepare_link("link.p12", "link-target"), after=link_kept("link.p12", "link-target")),
    Case("path is a link, force", keystore(f"{DIR}/forced-link.p12", force=True), None, "",
         prepare=prepare_link("forced-link.p12", "forced-target"), after=replaced_not_followed),
    Case("path is a link, follow", keystore(f"{DIR}/follow-link.p12", follow=True), None, "",
         prepare=lambda work: (work / "follow-link.p12").symlink_to(work / "follow-target.p12"), after=followed),
    Case("backup of a 0644 keystore", keystore(f"{DIR}/backed-up.p12", password=OTHER_PASSWORD, force=True,
                                               backup=True), None, "",
         prepare=prepare_existing_keystore("backed-up.p12"), after=backup_is_private),
    # ---- class 3 and class 7 on the keystore side
    # The NUL bytes come from the vars file (JSON \u0000), as from a file read with a trailing NUL.
    Case("NUL in password", keystore(f"{DIR}/nul.p12", password="{{ hx_nul_password }}"), "password", "NUL byte",
         after=absent("nul.p12")),
    Case("NUL in key_password", keystore(f"{DIR}/nul.jks", type="jks", key_password="{{ hx_nul_key_password }}"),
         "key_password", "NUL byte", after=absent("nul.jks")),
    Case("NUL in path", keystore(f"{DIR}/nul{{{{ hx_nul }}}}.p12"), "path", "NUL byte",
         after=lambda work, result: None if not list(work.glob("nul*.p12")) else pytest.fail("a file was written")),
    Case("long subject", keystore(f"{DIR}/long.p12", subject="CN=" + LONG_HOST), "subject",
         f"subject has a CN of {len(LONG_HOST)} characters, but a certificate's CN holds at most 64",
         after=absent("long.p12")),
    Case("weak key", {"path": f"{DIR}/weak.p12", "password": PASSWORD, "private_key_path": f"{DIR}/ec.key",
                      "certificate_path": f"{DIR}/ec.crt"}, "private_key_path",
         "is an EC key; Microsoft Entra ID accepts only RSA keys", prepare=prepare_weak_key, after=absent("weak.p12")),
    Case("alias matches no entry", keystore(f"{DIR}/two.jks", type="jks", alias="third"), "alias",
         "Set alias to the name of the entry to keep", prepare=prepare_two_entries, after=untouched("two.jks")),
]

# Cases that need root: a link planted by nobody in a sticky directory, and a full file system.
STICKY_CASES = ["planted link", "planted link, force"]
ENOSPC_CASE = "disk full"


def playbook_for(cases: list[Case], with_long_host: bool) -> str:
    tasks = []
    for case in cases:
        task = {"name": case.name, "azure_ad.oauth.keystore": case.args, "register": "hx_result",
                "ignore_errors": True, "no_log": False, **case.extra}  # fmt: skip
        tasks.append(task)
    plays = [{"name": "The keystore module against hostile files", "hosts": "localhost", "gather_facts": False,
              "tasks": tasks}]  # fmt: skip
    if with_long_host:
        plays.append({"name": "The default subject for a long inventory name", "hosts": LONG_HOST,
                      "gather_facts": False, "tasks": [{
                          "name": "default subject, long host name",
                          "azure_ad.oauth.keystore": {"path": f"{DIR}/long-host.p12", "password": PASSWORD,
                                                      "generate": True},
                      }]})  # fmt: skip
    return json.dumps(plays, indent=1)


@dataclass
class HostileRun:
    work: Path
    run: hs.Run
    cases: dict[str, Case]


def root_cases(work: Path, shared: Path, tiny: Path | None) -> list[Case]:
    """The planted link (shared: a 1777 directory nobody can reach) and the full disk (tiny: a full tmpfs)."""
    cases = []
    if ROOT and shutil.which("setpriv"):
        def plant(_work: Path) -> None:
            script = ('echo planter > "$1/planter-file" && chmod 666 "$1/planter-file" && '
                      'ln -s "$1/planter-file" "$1/app.p12" && ln -s "$1/planter-file" "$1/app2.p12"')
            subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/bin/sh", "-c",
                            script, "sh", str(shared)], check=True, timeout=60)  # fmt: skip

        def refused(_work: Path, result: dict) -> None:
            assert (shared / "app.p12").is_symlink() and (shared / "planter-file").read_text() == "planter\n"

        def replaced(_work: Path, result: dict) -> None:
            info = os.lstat(shared / "app2.p12")
            assert stat.S_ISREG(info.st_mode), "the link itself is replaced"
            assert (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid()), "never the planter's"
            assert stat.S_IMODE(info.st_mode) == 0o600
            planter = os.lstat(shared / "planter-file")
            assert (shared / "planter-file").read_text() == "planter\n" and planter.st_uid != os.geteuid()
            assert stat.S_IMODE(planter.st_mode) == 0o666

        cases += [
            Case("planted link", keystore(f"{shared}/app.p12"), "path", "is a symbolic link", prepare=plant,
                 after=refused, root_only=True),
            Case("planted link, force", keystore(f"{shared}/app2.p12", force=True, backup=True), None, "",
                 after=replaced, root_only=True),
        ]
    if tiny is not None:
        def fill(_work: Path) -> None:
            (tiny / "k.p12").write_bytes(b"old keystore")
            fd = os.open(tiny / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                while True:
                    os.write(fd, b"\0" * 1024)
            except OSError:
                pass
            finally:
                os.close(fd)

        def full(_work: Path, result: dict) -> None:
            assert (tiny / "k.p12").read_bytes() == b"old keystore"
            assert sorted(p.name for p in tiny.iterdir()) == ["filler", "k.p12"], "no temp file, no lock file"

        cases.append(Case(ENOSPC_CASE, keystore(f"{tiny}/k.p12", force=True), "path",
                          "(ENOSPC: No space left on device)", prepare=fill, after=full, root_only=True))
    return cases


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    kf.require(kf.default_jdk)
    kf.require(kf.openssl)
    work = tmp_path_factory.mktemp("keystore-hostile")
    (work / "sub").mkdir()
    shared = Path(tempfile.mkdtemp(prefix="keystore-hostile-", dir="/tmp"))
    shared.chmod(0o1777)
    tiny = None
    if ROOT:
        tiny = work / "tiny"
        tiny.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(tiny)], capture_output=True,
                                 timeout=30, check=False)  # fmt: skip
        tiny = tiny if mounted.returncode == 0 else None
    try:
        cases = CASES + root_cases(work, shared, tiny)
        for case in cases:
            case.prepare(work)
        inventory = work / "inventory.json"
        inventory.write_text(json.dumps({"all": {"hosts": {
            "localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
            LONG_HOST: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        }}}))  # fmt: skip
        playbook = work / "hostile.yml"
        playbook.write_text(playbook_for(cases, with_long_host=True))
        vars_file = work / "vars.json"
        vars_file.write_text(json.dumps({"hx_dir": str(work), "hx_nul": "\x00", "hx_nul_password": PASSWORD + "\x00",
                                         "hx_nul_key_password": "x\x00" + KEY_PASSWORD}))  # fmt: skip
        vars_file.chmod(0o600)
        run = hs.run_ansible(["ansible-playbook", "-i", str(inventory), str(playbook), "-e", f"@{vars_file}"], work,
                             deadline=DEADLINE)  # fmt: skip
        yield HostileRun(work, run, {case.name: case for case in cases})
    finally:
        if tiny is not None:
            subprocess.run(["umount", str(tiny)], capture_output=True, timeout=30, check=False)
        shutil.rmtree(shared, ignore_errors=True)


ALL_CASE_NAMES = [case.name for case in CASES] + STICKY_CASES + [ENOSPC_CASE]


@pytest.mark.parametrize("name", ALL_CASE_NAMES)
def test_case(hostile, name):
    if name not in hostile.cases:
        pytest.skip("needs root, setpriv and a tmpfs mount")
    case = hostile.cases[name]
    recorded = hostile.run.result(name)
    result = recorded["result"]
    problems = hs.traceback_problems(result)
    assert not problems, problems
    if case.option is None:
        assert recorded["status"] == "ok", json.dumps(result)[:2000]
        assert result.get("changed") is True
    else:
        assert recorded["status"] == "failed", json.dumps(result)[:2000]
        assert result["error"]["option"] == case.option, result["msg"]
        assert case.option in result["msg"] and case.words in result["msg"], result["msg"]
        assert not result.get("changed")
    case.after(hostile.work, result)


def test_the_default_subject_of_a_long_host_name(hostile):
    recorded = hostile.run.result("default subject, long host name", host=LONG_HOST)
    assert recorded["status"] == "ok", json.dumps(recorded["result"])[:2000]
    assert recorded["result"]["subject"] == "CN=" + LONG_HOST[:64]
    certificate = load_key_material(str(hostile.work / "long-host.p12"), "pkcs12", PASSWORD).certificate
    from cryptography import x509

    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == [LONG_HOST]


def test_the_run_is_bounded_and_clean(hostile):
    run = hostile.run
    assert not run.timed_out, f"killed at the {DEADLINE}s deadline (a FIFO opened?):\n{run.explain()[-3000:]}"
    assert run.max_rss_mb < MAX_RSS_MB, run.max_rss_mb
    assert run.completed.returncode == 0, run.explain()[-3000:]  # every failure is ignored, per task
    for marker in ("A worker was found in a dead state", "Traceback", "MODULE FAILURE", "Unexpected internal error"):
        assert marker not in run.output, hs.contexts(run.output, [marker])
    leaks = hs.leaked(run.output, SECRETS)
    assert not leaks, hs.contexts(run.output, leaks)
    assert not list(hostile.work.rglob(".ansible_tmp*")), "temporary files left behind"
    assert not list(hostile.work.rglob("*.lock")), "lock files left behind"
    hs.SUMMARY.append(f"keystore hostile files: {len(hostile.cases) + 1} cases in one playbook, wall "
                      f"{run.wall_seconds:.1f}s, peak RSS {run.max_rss_mb:.0f} MB")  # fmt: skip


# ---------------------------------------------------------------------------------------------- 30 writers at once

FORKS = 30
FORKS_PLAYBOOK = """
- name: Thirty forks write one keystore
  hosts: all
  gather_facts: false
  tasks:
    - name: write the keystore
      azure_ad.oauth.keystore:
        path: "{{ hx_path }}"
        password: "{{ hx_password }}"
        generate: true
        subject: CN=concurrent
        certificate_export_path: "{{ hx_export }}"
"""


@pytest.mark.parametrize("keystore_type", ["pkcs12", "jks"])
def test_thirty_forks_writing_one_keystore_all_report_what_it_holds(tmp_path, keystore_type):
    hosts = {f"writer{index:02d}": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
             for index in range(FORKS)}  # fmt: skip
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    playbook = tmp_path / "forks.yml"
    playbook.write_text(FORKS_PLAYBOOK.replace("generate: true", f"generate: true\n        type: {keystore_type}"))
    keystore_path, export = tmp_path / "shared.keystore", tmp_path / "shared.cer"
    vars_file = tmp_path / "vars.json"
    fd = os.open(vars_file, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"hx_path": str(keystore_path), "hx_password": PASSWORD, "hx_export": str(export)}, handle)
    run = hs.run_ansible(["ansible-playbook", "-i", str(inventory), "--forks", str(FORKS), str(playbook),
                          "-e", f"@{vars_file}"], tmp_path, deadline=DEADLINE)  # fmt: skip
    assert not run.timed_out and run.completed.returncode == 0, run.explain()[-3000:]
    results = [line for line in run.results if line["task"] == "write the keystore"]
    assert len(results) == FORKS
    material = load_key_material(str(keystore_path), keystore_type, PASSWORD)
    on_disk = hashlib.sha1(material.certificate.public_bytes(Encoding.DER)).hexdigest().upper()
    reported = [line["result"]["sha1_thumbprint"] for line in results]
    assert set(reported) == {on_disk}, f"{len(set(reported))} thumbprints reported, one on disk"
    assert sum(bool(line["result"]["changed"]) for line in results) == 1
    assert export.read_bytes() == material.certificate.public_bytes(Encoding.DER)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [], "lock or temp file left"
    assert not hs.leaked(run.output, SECRETS)
    assert run.max_rss_mb < MAX_RSS_MB
    hs.SUMMARY.append(f"keystore: {FORKS} forks wrote one {keystore_type} keystore: 1 changed, 1 thumbprint "
                      f"reported and on disk; wall {run.wall_seconds:.1f}s, peak RSS {run.max_rss_mb:.0f} MB")


# ---------------------------------------------------------------------------------------------- native panics

PANIC_PLAYBOOK = """
- name: A native panic in the keystore module fails one task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: keystore module
      azure_ad.oauth.keystore: "{{ hx_args }}"
      register: hx_keystore
      ignore_errors: true

    - name: after the module
      ansible.builtin.assert:
        that:
          - hx_keystore is failed
        quiet: true
"""

PANICS = {
    # the native call: (module arguments beyond path and password, the option the failure names)
    "pkcs12-serialize": ({"generate": True, "subject": "CN=p"}, "password"),
    "rsa-generate": ({"generate": True, "subject": "CN=p"}, "key_size"),
    "certificate-sign": ({"generate": True, "subject": "CN=p"}, "subject"),
    "pem-key-load": ({"private_key_path": "KEY", "certificate_path": "CERT"}, "private_key_path"),
    "pkcs12-load": ({"generate": True, "subject": "CN=p"}, "path"),
}


@pytest.mark.parametrize("call", sorted(PANICS))
def test_a_native_panic_in_a_real_run_fails_one_task_cleanly(tmp_path, call):
    kf.require(kf.openssl)
    pair = kf.pem_files(tmp_path / "pem", layout="split")
    extra, option = PANICS[call]
    args = {"path": str(tmp_path / "k.p12"), "password": PASSWORD, "force": True}
    args.update({key: {"KEY": str(pair.path), "CERT": str(pair.certificate_path)}.get(value, value)
                 for key, value in extra.items()})  # fmt: skip
    if call == "pkcs12-load":  # the existing keystore is read (and then the new one read back) through the panic
        store = kf.keytool_keystore(tmp_path / "existing", store_type="pkcs12", store_password=PASSWORD)
        shutil.copyfile(store.path, tmp_path / "k.p12")
    before = sha256(tmp_path / "k.p12") if (tmp_path / "k.p12").exists() else None
    playbook = tmp_path / "panic.yml"
    playbook.write_text(PANIC_PLAYBOOK)
    vars_file = tmp_path / "vars.json"
    fd = os.open(vars_file, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"hx_args": args}, handle)
    env = {"PYTHONPATH": str(PANIC_DIR), native_panics.PANIC_ENV: call, native_panics.PANIC_SECRET_ENV: PASSWORD}
    run = hs.run_ansible(["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook), "-e",
                          f"@{vars_file}"], tmp_path, env=env, deadline=300)  # fmt: skip
    assert not run.timed_out and run.completed.returncode == 0, run.explain()[-3000:]
    recorded = run.result("keystore module")
    result = recorded["result"]
    assert recorded["status"] == "failed", json.dumps(result)[:3000]
    assert run.result("after the module")["status"] == "ok"
    assert result["error"]["option"] == option, result.get("msg")
    assert not hs.traceback_problems(result, run.output)
    for form in [*native_panics.secret_forms(PASSWORD), native_panics.PANIC_MARKER, "PanicException"]:
        assert form not in run.output, hs.contexts(run.output, [form])
    after = sha256(tmp_path / "k.p12") if (tmp_path / "k.p12").exists() else None
    assert after == before, "the keystore is left as it was"
    hs.SUMMARY.append(f"keystore: native panic at {call} failed one task cleanly (option {option}), "
                      f"wall {run.wall_seconds:.1f}s, peak RSS {run.max_rss_mb:.0f} MB")
