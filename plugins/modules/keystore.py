#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: keystore
short_description: Create or update a PKCS12 or JKS keystore holding an app registration's certificate
version_added: 0.1.0
description:
  - Creates or updates one keystore file on the managed host, holding one private key entry (the key, its
    certificate and optionally the intermediate certificates), ready for the certificate credential of a Microsoft
    Entra ID app registration and for the M(azure_ad.oauth.token) module.
  - The key and certificate come from PEM content (O(certificate), O(private_key)), from files on the host
    (O(certificate_path), O(private_key_path)), or are generated (O(generate=true)) as an RSA key and a self-signed
    certificate.
  - B(Idempotent.) An existing file is opened with the given passwords and its key, certificate, chain, alias and type
    are compared with what the task asks for; when they agree nothing is written. A generated certificate is kept
    until it comes within O(renew_before_days) of its expiry, or O(force=true).
  - B(Protective.) An existing file that does not open with O(password) and O(key_password) is never replaced; the
    task fails and says which option is at fault. Only O(force=true) replaces it, and O(backup=true) keeps a copy.
  - B(Never through a link, never another user's file.) A symbolic link at O(path) or O(certificate_export_path) is
    not followed unless O(follow=true); without it the task fails, and O(force=true) replaces the link itself,
    leaving its target untouched. An existing file that belongs to another user than the one running the task,
    root, or O(owner) is not trusted; it is not opened, and only O(force=true) replaces it. Anything that is not a
    regular file (a directory, FIFO, socket or device) is refused without being opened.
  - B(Ownership is never inherited.) A file the module writes belongs to O(owner) and O(group) when they are set,
    else to the user running the task, whoever owned the file it replaces.
  - B(One writer at a time.) Tasks writing the same keystore (forks, parallel plays) take turns; each holds an
    exclusive lock on C(.<name>.lock) beside the keystore (mode 0600, removed afterwards) while it reads, decides
    and writes, so each reports what the file really holds. Check mode takes no lock.
  - Files are written to a temporary file (mode 0600) in the same directory, synced, then moved into place, so a
    reader never sees half a keystore. Passwords are never passed on a command line, and the diff shows subjects,
    dates and thumbprints only, never key material.
  - PKCS12 files use AES-256-CBC with PBKDF2-HMAC-SHA256 and an HMAC-SHA256 MAC; they open with OpenSSL 3
    (C(openssl pkcs12)) and with C(keytool) from JDK 11.0.12 or later. The entry's friendly name is O(alias).
  - The keystore file gets mode C(0600) unless O(mode) says otherwise.
  - Needs the Python library C(cryptography) on the managed host, and C(pyjks) for JKS files.
author:
  - azure_ad.oauth maintainers (@azure-ad-oauth)
extends_documentation_fragment:
  - ansible.builtin.files
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The action plugin sets O(subject) to C(CN=<inventory_hostname>) when O(generate=true) and it is unset.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Predicts C(changed) and writes nothing. When a certificate would be generated, its thumbprints and dates
      are not known yet and are not returned.
  diff_mode:
    support: full
    details: Shows type, alias, subject, issuer, serial number, dates and thumbprints before and after, never key
      material.
  platform:
    platforms: posix
  safe_file_operations:
    description: Uses Ansible's strict file operation functions to ensure proper permissions and avoid data corruption.
    support: full
    details: Every file is written to a 0600 temporary file in the same directory, synced, then moved into place with
      C(atomic_move), under an exclusive lock shared by every task writing the same keystore.
options:
  path:
    description:
      - The keystore file to create or update. Its directory must exist.
    type: path
    required: true
  type:
    description:
      - The keystore format to write.
      - An existing file in another format (JKS, JCEKS, PKCS12 or PEM) that opens with the given passwords is
        rewritten in this format.
    type: str
    choices: [pkcs12, jks]
    default: pkcs12
  password:
    description:
      - The keystore password. It protects the file's integrity and, for PKCS12, its private key too.
      - C(keytool) wants at least 6 characters.
    type: str
    required: true
  key_password:
    description:
      - The password of the private key entry, for O(type=jks) only. Defaults to O(password).
      - Ignored, with a warning when it differs from O(password), for O(type=pkcs12), whose key shares the store
        password.
    type: str
  alias:
    description:
      - The name of the private key entry (the PKCS12 friendly name).
      - JKS stores aliases in lower case, so a JKS alias is lower-cased.
    type: str
    default: azure-ad
  certificate:
    description:
      - The certificate, as PEM text. It may also hold the chain.
      - Mutually exclusive with O(certificate_path).
    type: str
  private_key:
    description:
      - The private key, as PEM text (PKCS#8 or traditional, encrypted or not).
      - Mutually exclusive with O(private_key_path).
    type: str
  private_key_passphrase:
    description:
      - The passphrase of an encrypted O(private_key) or O(private_key_path).
    type: str
  certificate_path:
    description:
      - A PEM or DER certificate file on the managed host. A PEM file may also hold the chain.
      - Mutually exclusive with O(certificate).
    type: path
  private_key_path:
    description:
      - A PEM or DER private key file on the managed host.
      - Mutually exclusive with O(private_key).
    type: path
  chain:
    description:
      - Intermediate certificates (and optionally the root), each a PEM text. They are stored after the certificate,
        ordered from its issuer upwards; certificates that did not issue it are refused.
    type: list
    elements: str
  generate:
    description:
      - When no certificate and key are given, generate an RSA key and a self-signed certificate.
      - An existing, readable keystore is kept, unless its certificate expires within O(renew_before_days) or
        O(force=true); then a new key and certificate are generated, which must be uploaded to the app registration.
    type: bool
    default: false
  subject:
    description:
      - The subject of a generated certificate, as an RFC 4514 distinguished name such as C(CN=app01,O=Contoso).
      - Defaults to C(CN=<inventory_hostname>) (set by the action plugin). A certificate's CN holds at most 64
        characters, so a longer host name is cut to 64 in the CN and added whole to O(subject_alt_name) as
        C(DNS:<inventory_hostname>).
      - Changing it does not replace an existing certificate; use O(force=true) for that.
    type: str
  subject_alt_name:
    description:
      - Names to add to a generated certificate's subjectAltName extension, each C(DNS:<name>) or C(IP:<address>).
      - Changing them does not replace an existing certificate; use O(force=true) for that.
    type: list
    elements: str
  valid_days:
    description:
      - How many days a generated certificate is valid.
    type: int
    default: 365
  key_size:
    description:
      - The size in bits of a generated RSA key.
    type: int
    choices: [2048, 3072, 4096]
    default: 2048
  renew_before_days:
    description:
      - With O(generate=true), generate a new certificate when the current one expires within this many days (or has
        expired). Must be less than O(valid_days).
    type: int
    default: 30
  force:
    description:
      - Rewrite the keystore even when it already holds what was asked for, and generate a new certificate with
        O(generate=true).
      - Replace an existing file that does not open with the given passwords, a file of another user, or a symbolic
        link left unfollowed (the link itself; its target is left untouched). Use O(backup=true) to keep it.
      - Replace whatever is at O(certificate_export_path).
    type: bool
    default: false
  follow:
    description:
      - Follow a symbolic link at O(path) or O(certificate_export_path), and read and write the file it points to.
      - By default a link is not followed; the task fails, or with O(force=true) replaces the link itself.
    type: bool
    default: false
  certificate_export_path:
    description:
      - Also write the certificate (public part only) to this file, to upload to the app registration.
      - It is written with mode C(0644), and the O(owner) and O(group) of the keystore.
      - It must be another file than O(path), however it is spelled (a link or a hard link to it is refused too).
      - An existing file there is replaced only when it holds just one certificate (PEM or DER, what this module
        writes) or nothing; a keystore, a key or any other content is left untouched and the task fails, unless
        O(force=true).
    type: path
  certificate_export_format:
    description:
      - The format of O(certificate_export_path).
      - V(der) writes a binary C(.cer) file, which the Azure portal accepts; V(pem) writes Base64 text.
    type: str
    choices: [der, pem]
    default: der
  backup:
    description:
      - Keep a timestamped copy of the keystore file before replacing it.
      - The copy gets the keystore's mode, owner and group (mode C(0600) by default), as it holds the same key.
    type: bool
    default: false
notes:
  - The module manages a whole file holding one private key entry; other entries of an existing store are not kept.
  - To keep a keystore owned by an application user, set O(owner) (and O(group)); the module never keeps the old
    file's owner on its own, and trusts an existing file only when it belongs to the running user, root or O(owner).
  - To get the SHA-1 thumbprint the Azure portal shows, read RV(sha1_thumbprint).
seealso:
  - module: azure_ad.oauth.token
  - module: community.crypto.openssl_pkcs12
  - name: Certificate credentials for application authentication
    description: How Entra ID uses the certificate of an app registration.
    link: https://learn.microsoft.com/entra/identity-platform/certificate-credentials
"""

EXAMPLES = r"""
- name: Generate a key and a self-signed certificate in a PKCS12 keystore, and export it for Azure
  azure_ad.oauth.keystore:
    path: /etc/pki/azure/app.p12
    password: "{{ vault_keystore_password }}"
    generate: true
    valid_days: 730
    renew_before_days: 60
    certificate_export_path: /etc/pki/azure/app.cer
  register: keystore

- name: Show the thumbprint to compare with the app registration's certificate
  ansible.builtin.debug:
    msg: "Upload /etc/pki/azure/app.cer; Azure will show {{ keystore.sha1_thumbprint }}"

- name: Put a CA-issued certificate and its key into a JKS keystore with its own key password
  azure_ad.oauth.keystore:
    path: /opt/app/conf/azure.jks
    type: jks
    password: "{{ vault_store_password }}"
    key_password: "{{ vault_key_password }}"
    alias: graph-client
    certificate_path: /etc/pki/tls/certs/app.pem
    private_key_path: /etc/pki/tls/private/app.key
    chain:
      - "{{ lookup('ansible.builtin.file', 'files/intermediate.pem') }}"
    owner: app
    group: app
    mode: "0640"
    backup: true

- name: Replace a keystore whose password is lost (the old file is kept as a backup)
  azure_ad.oauth.keystore:
    path: /etc/pki/azure/app.p12
    password: "{{ vault_new_keystore_password }}"
    generate: true
    force: true
    backup: true
"""

RETURN = r"""
path:
  description: The keystore file.
  returned: success
  type: str
  sample: /etc/pki/azure/app.p12
type:
  description: The keystore format.
  returned: success
  type: str
  sample: pkcs12
alias:
  description: The alias of the private key entry, as stored (lower case for JKS).
  returned: success
  type: str
  sample: azure-ad
subject:
  description: The certificate's subject, in RFC 4514 form.
  returned: success
  type: str
  sample: CN=app01.example.com
issuer:
  description: The certificate's issuer, in RFC 4514 form.
  returned: success, except in check mode when a certificate would be generated
  type: str
  sample: CN=app01.example.com
serial_number:
  description: The certificate's serial number, in upper-case hex.
  returned: success, except in check mode when a certificate would be generated
  type: str
  sample: 5C3A0F6E2B19D1C7A0E8F44B2D6C9A1E3F70B215
not_before:
  description: When the certificate becomes valid, in ISO 8601 UTC.
  returned: success, except in check mode when a certificate would be generated
  type: str
  sample: "2026-01-05T09:55:00Z"
not_after:
  description: When the certificate expires, in ISO 8601 UTC.
  returned: success, except in check mode when a certificate would be generated
  type: str
  sample: "2027-01-05T10:00:00Z"
sha1_thumbprint:
  description: The certificate's SHA-1 thumbprint in upper-case hex without separators, as the Azure portal shows it.
  returned: success, except in check mode when a certificate would be generated
  type: str
  sample: 3A1F0C9B7E5D4A2B8C6F1E0D9A7B5C3E2F1A0B9C
x5t:
  description: The SHA-1 thumbprint in base64url without padding, as in a client assertion's C(x5t) header.
  returned: success, except in check mode when a certificate would be generated
  type: str
  sample: Oh8Mm35dSiuMbx4NmntcPi8aC5w
sha256_thumbprint:
  description: The certificate's SHA-256 thumbprint in upper-case hex.
  returned: success, except in check mode when a certificate would be generated
  type: str
  sample: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08
certificate_pem:
  description: The certificate (public part only), in PEM.
  returned: success, except in check mode when a certificate would be generated
  type: str
  sample: "-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----\n"
chain:
  description: The further certificates of the entry, from the certificate's issuer upwards, in PEM.
  returned: success, except in check mode when a certificate would be generated
  type: list
  elements: str
  sample: []
chain_subjects:
  description: The subjects of RV(chain).
  returned: success, except in check mode when a certificate would be generated
  type: list
  elements: str
  sample: ["CN=Contoso Issuing CA 01,O=Contoso"]
backup_file:
  description: The copy of the previous keystore, when O(backup=true) and the file was replaced.
  returned: changed and O(backup=true) and a file existed
  type: str
  sample: /etc/pki/azure/app.p12.12345.2026-01-05@10:00:00~
certificate_export_path:
  description: The exported certificate file.
  returned: when O(certificate_export_path) is set
  type: str
  sample: /etc/pki/azure/app.cer
state:
  description:
    - What is at O(path) (C(file)), as Ansible reports for any module that returns a path.
    - Like the file's other attributes below, not returned in check mode before the keystore is first written.
  returned: when the keystore exists
  type: str
  sample: file
owner:
  description: The keystore file's owner, as Ansible reports for any module that returns a path.
  returned: when the keystore exists
  type: str
  sample: app
group:
  description: The keystore file's group, as Ansible reports for any module that returns a path.
  returned: when the keystore exists
  type: str
  sample: app
uid:
  description: The keystore file's owner as a user ID.
  returned: when the keystore exists
  type: int
  sample: 1001
gid:
  description: The keystore file's group as a group ID.
  returned: when the keystore exists
  type: int
  sample: 1001
mode:
  description: The keystore file's mode, in octal.
  returned: when the keystore exists
  type: str
  sample: "0600"
size:
  description: The keystore file's size in bytes.
  returned: when the keystore exists
  type: int
  sample: 2709
secontext:
  description: The keystore file's SELinux context, as Ansible reports for any module that returns a path.
  returned: when the keystore exists and SELinux is enabled
  type: str
  sample: system_u:object_r:cert_t:s0
error:
  description: Facts about a failure, for C(failed_when).
  returned: failure
  type: dict
  contains:
    option:
      description: The option at fault, when there is one, such as C(password) or C(key_password).
      type: str
      sample: password
    type:
      description: The kind of error.
      type: str
      sample: KeystoreError
"""

import contextlib
import os

from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters.module import AdapterModule, run_guarded
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.atomic_file import (
    back_up,
    file_arguments,
    update_file_attributes,
    write_file_atomically,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.manager import prepare_keystore
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.options import (
    MUTUALLY_EXCLUSIVE,
    keystore_argument_spec,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.paths import (
    keystore_lock,
    resolve_target,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.plan import request_from_params
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AzureAdOAuthError

EXPORT_MODE = "0644"


def argument_spec():
    """The module's options, from their one definition (_keystore_writer/options.py)."""
    return keystore_argument_spec()


def manage_keystore(module):
    params = module.params
    if params["type"] == "pkcs12" and params["key_password"] not in (None, params["password"]):
        module.warn("key_password is ignored for type=pkcs12: a PKCS12 key is protected by password.")
    if any(not (params[name] or "").isascii() for name in ("password", "key_password")):
        module.warn("password or key_password holds non-ASCII characters: some Java versions (keytool of JDK 17, "
                    "for one) cannot open such a keystore.")
    request = request_from_params(params, default_host=os.uname()[1])
    if module.check_mode:  # reads only: no lock, nothing created beside the keystore
        return apply_keystore(module, request)
    # Read, decide and write under one lock, so that concurrent tasks on this keystore take turns and each
    # reports what the file holds. The lock sits beside the file that is written (a followed link's target).
    with keystore_lock(resolve_target(request.path, "path", request.follow).path):
        return apply_keystore(module, request)


def apply_keystore(module, request):
    params = module.params
    outcome = prepare_keystore(
        request, module.check_mode, params["certificate_export_path"], params["certificate_export_format"]
    )
    result = outcome.result
    target = outcome.target
    keystore_args = file_arguments(module, target.path)
    if outcome.keystore_bytes is not None:
        with _backup_undone_on_failure(module, target, keystore_args, params["backup"]) as backup:
            if backup:
                result["backup_file"] = backup
            write_file_atomically(module, target.path, outcome.keystore_bytes, keystore_args)
    changed = outcome.plan.changed
    if _is_regular_file(target.path):
        changed = update_file_attributes(module, keystore_args, changed, outcome.diff)
    if outcome.export_target is not None:
        export_path = outcome.export_target.path
        export_args = file_arguments(module, export_path, mode=EXPORT_MODE)
        if outcome.export_changed and outcome.export_bytes is not None and not module.check_mode:
            write_file_atomically(module, export_path, outcome.export_bytes, export_args,
                                  option="certificate_export_path")
        changed = changed or outcome.export_changed
        if _is_regular_file(export_path):
            changed = update_file_attributes(module, export_args, changed)
    result["changed"] = changed
    if module._diff:
        result["diff"] = outcome.diff
    return result


@contextlib.contextmanager
def _backup_undone_on_failure(module, target, keystore_args, wanted):
    """Yield the backup's path (or None); remove the backup again if the write that follows fails."""
    backup = back_up(module, target.path, keystore_args) if wanted and target.exists else None
    try:
        yield backup
    except AzureAdOAuthError:
        if backup:
            with contextlib.suppress(OSError):
                os.unlink(backup)
        raise


def _is_regular_file(path):
    """Attributes are applied only to a regular file: never through a link (check mode leaves links there)."""
    return os.path.isfile(path) and not os.path.islink(path)


def main():
    module = AdapterModule(
        argument_spec=argument_spec(),
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        add_file_common_args=True,
        supports_check_mode=True,
    )
    result = run_guarded(module, lambda: manage_keystore(module))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
