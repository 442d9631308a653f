# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which CA certificates the TLS connection trusts, read from files that can never block.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``ca_path``, else ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE``, else the
system's store (``SSL_CERT_FILE`` included; certifi's bundle when the system
has none). CA files are opened without blocking and must be regular files, so
a FIFO or a device fails at once instead of hanging, and each is read up to a
cap. TLS 1.2 is the least accepted.
"""

from __future__ import annotations

import errno
import os
import ssl
import stat

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError

# A CA bundle is a few hundred kilobytes (certifi's is ~300 KiB).
MAX_CA_FILE_BYTES = 8 << 20
MAX_CA_DIRECTORY_BYTES = 32 << 20
MAX_CA_DIRECTORY_FILES = 4096
READ_CHUNK = 64 * 1024
CA_ENVIRONMENT = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_PEM_BEGIN = "-----BEGIN CERTIFICATE-----"
_PEM_END = "-----END CERTIFICATE-----"

# TLS contexts per trust setting: loading a CA store costs tens of milliseconds.
_CONTEXTS: dict = {}


def trust_environment() -> tuple:
    return tuple(os.environ.get(name) or None for name in (*CA_ENVIRONMENT, "SSL_CERT_FILE"))


def tls_context(verify: bool | str) -> ssl.SSLContext:
    key = (verify, trust_environment())
    context = _CONTEXTS.get(key)
    if context is None:
        try:
            context = _new_tls_context(verify)
        except TransportError:
            raise
        except (ssl.SSLError, OSError, ValueError):
            raise TransportError(
                "The CA certificates to trust could not be loaded. Check ca_path, REQUESTS_CA_BUNDLE and "
                "SSL_CERT_FILE, or the system's CA store.",
                option="ca_path",
            ) from None
        _CONTEXTS[key] = context
    return context


def _new_tls_context(verify: bool | str) -> ssl.SSLContext:
    """TLS 1.2+; trust ``ca_path``, else REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, else the system's CAs (certifi's
    when the system has none). Every CA file is read by ``_read_ca_file``, which never blocks."""
    if verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif isinstance(verify, str):
        context = _context_with_cas(_read_cas(verify, "ca_path"), "ca_path", verify)
    else:
        variable = next((name for name in CA_ENVIRONMENT if os.environ.get(name)), None)
        if variable is not None:
            context = _context_with_cas(_read_cas(os.environ[variable], variable), variable, os.environ[variable])
        else:
            context = _system_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _system_context() -> ssl.SSLContext:
    cert_file = os.environ.get("SSL_CERT_FILE")
    if cert_file:
        # OpenSSL would open it itself, blocking on a FIFO: read it the safe way, as it would be read.
        context = _context_with_cas(_read_cas(cert_file, "SSL_CERT_FILE"), "SSL_CERT_FILE", cert_file)
    else:
        context = ssl.create_default_context()
    if not context.cert_store_stats().get("x509_ca") and not _has_ca_directory():
        bundle = _certifi_bundle()
        if bundle is not None:
            context = _context_with_cas(_read_cas(bundle, "certifi"), "certifi", bundle)
    return context


def _has_ca_directory() -> bool:
    """A hashed CA directory that OpenSSL searches on demand (its certificates are not counted when loaded)."""
    capath = ssl.get_default_verify_paths().capath
    try:
        return bool(capath) and any(os.scandir(capath))
    except OSError:
        return False


def _certifi_bundle() -> str | None:
    """certifi's CA bundle, for hosts whose system store is empty (minimal containers, python.org macOS)."""
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


def _context_with_cas(pem_blocks: list, name: str, path: str) -> ssl.SSLContext:
    """A verifying context that trusts exactly ``pem_blocks``; a damaged block is skipped, not fatal."""
    try:
        return ssl.create_default_context(cadata="\n".join(pem_blocks)) if pem_blocks else _no_cas(name, path)
    except (ssl.SSLError, ValueError):
        pass  # one damaged certificate spoils the whole text for OpenSSL: keep the ones that load
    loadable = [block for block in pem_blocks if _loads(block)]
    if not loadable:
        _no_cas(name, path)
    return ssl.create_default_context(cadata="\n".join(loadable))


def _loads(block: str) -> bool:
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=block)
    except (ssl.SSLError, ValueError):
        return False
    return True


def _no_cas(name: str, path: str):
    raise TransportError(f"{_ca_label(name, path)} holds no usable PEM CA certificate (-----BEGIN CERTIFICATE-----). "
                         f"{_ca_fix(name)}", option="ca_path")  # fmt: skip


def _read_cas(path: str, name: str) -> list:
    """The PEM certificates of a CA file, or of the regular files of a CA directory; never blocks.

    Opened with O_NONBLOCK, so a FIFO opens at once, then refused by fstat: only regular files are read,
    and the check is on the opened descriptor, so a path swapped after a check cannot slip through.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _ca_open_error(exc, name, path) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            return _read_ca_directory(descriptor, name, path)
        if not stat.S_ISREG(mode):
            raise _ca_not_regular(name, path)
        return _pem_blocks(_read_capped(descriptor, name, path))
    finally:
        os.close(descriptor)


def _read_ca_directory(directory: int, name: str, path: str) -> list:
    """Every regular file of the directory (hashed links included); FIFOs, sockets and devices are skipped."""
    blocks, total = [], 0
    entries = sorted(os.listdir(directory))[:MAX_CA_DIRECTORY_FILES]
    for entry in entries:
        try:
            descriptor = os.open(entry, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0), dir_fd=directory)
        except OSError:
            continue  # unreadable, a dangling link or a socket: not a CA file
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                continue
            data = _read_capped(descriptor, name, path)
        finally:
            os.close(descriptor)
        total += len(data)
        if total > MAX_CA_DIRECTORY_BYTES:
            raise TransportError(f"{_ca_label(name, path)} holds more than {MAX_CA_DIRECTORY_BYTES >> 20} MiB of "
                                 f"files; that is no CA directory. {_ca_fix(name)}", option="ca_path")  # fmt: skip
        blocks.extend(_pem_blocks(data))
    return blocks


def _read_capped(descriptor: int, name: str, path: str) -> bytes:
    chunks, size = [], 0
    while True:
        try:
            chunk = os.read(descriptor, READ_CHUNK)
        except OSError as exc:
            raise _ca_open_error(exc, name, path) from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_CA_FILE_BYTES:
            raise TransportError(f"{_ca_label(name, path)} is larger than {MAX_CA_FILE_BYTES >> 20} MiB; that is no "
                                 f"CA bundle. {_ca_fix(name)}", option="ca_path")  # fmt: skip
        chunks.append(chunk)


def _pem_blocks(data: bytes) -> list:
    """The CERTIFICATE blocks of a PEM text; other blocks and text between them are ignored."""
    text = data.decode("latin-1")
    blocks, start = [], text.find(_PEM_BEGIN)
    while start >= 0:
        end = text.find(_PEM_END, start)
        if end < 0:
            break
        blocks.append(text[start:end + len(_PEM_END)])
        start = text.find(_PEM_BEGIN, end)
    return blocks


def _ca_label(name: str, path: str) -> str:
    if name == "ca_path":
        return f"ca_path '{path}'"
    return f"The CA bundle '{path}' named by {name}"


def _ca_fix(name: str) -> str:
    if name == "ca_path":
        return "Give a PEM file or a directory of CA certificates."
    return f"Fix or unset {name}, or give ca_path."


def _ca_not_regular(name: str, path: str) -> TransportError:
    return TransportError(f"{_ca_label(name, path)} is not a regular file or directory (a FIFO, socket or device). "
                          f"{_ca_fix(name)}", option="ca_path")  # fmt: skip


def _ca_open_error(exc: OSError, name: str, path: str) -> TransportError:
    if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP, errno.ENODEV):  # a socket or a device without a driver
        return _ca_not_regular(name, path)
    if name == "ca_path":
        return TransportError(
            f"ca_path '{path}' does not exist or cannot be read. Give an existing CA bundle (a PEM file) or a "
            "directory of hashed CA certificates.",
            option="ca_path",
        )
    return TransportError(
        f"The CA bundle named by {name} ('{path}') does not exist or cannot be read: fix it, or give ca_path.",
        option="ca_path",
    )
