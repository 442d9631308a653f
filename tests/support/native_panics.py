"""Fake native panics, injected at each native call of the token path.

cryptography's Rust layer reports a bug as pyo3's ``PanicException``: a
``BaseException`` that is not an ``Exception``, so ``except Exception`` misses
it, and its text can list the bytes it was given (a NUL in a PKCS12 password
gives ``NulError(1, [112, 0, 119])``). The tests put such an exception, carrying
a secret in every form, at each call below and check that the module, the lookup
and the keystore readers fail cleanly without showing it.

Each entry names the Python-level attribute through which the collection
reaches native code (a Rust method cannot be patched, the function that calls it
can). ``caller`` limits the panic to calls made from a module whose name ends
with it: ``uuid.uuid4`` is used by Ansible too, the panic is meant for ours.

``sitecustomize.py`` beside this file applies the same injection to every
Python process of a real ansible run (controller, worker, module), from the
environment variables named below.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass

PANIC_ENV = "AZURE_AD_OAUTH_TEST_PANIC"  # a key of NATIVE_CALLS
PANIC_SECRET_ENV = "AZURE_AD_OAUTH_TEST_PANIC_SECRET"  # put into the panic's text, in every form
# In every panic's text, so a test can tell that no part of it reached the output.
PANIC_MARKER = "native-panic-text-7c1e"


class PanicException(BaseException):
    """Shaped like pyo3_runtime.PanicException: a BaseException, not an Exception."""


PanicException.__module__ = "pyo3_runtime"


@dataclass(frozen=True)
class NativeCall:
    module: str
    attribute: str  # may be dotted: Class.method
    caller: str | None = None

    def resolve(self) -> tuple[object, str]:
        """The object that holds the attribute, and the attribute's last name."""
        owner = importlib.import_module(self.module)
        *path, name = self.attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        return owner, name


NATIVE_CALLS = {
    "pkcs12-load": NativeCall("cryptography.hazmat.primitives.serialization.pkcs12", "load_pkcs12"),
    "pem-key-load": NativeCall("cryptography.hazmat.primitives.serialization", "load_pem_private_key"),
    "der-key-load": NativeCall("cryptography.hazmat.primitives.serialization", "load_der_private_key"),
    "pem-certificate-parse": NativeCall("cryptography.x509", "load_pem_x509_certificate"),
    "der-certificate-parse": NativeCall("cryptography.x509", "load_der_x509_certificate"),
    "jks-store-load": NativeCall("jks", "KeyStore.loads"),
    "jks-key-decrypt": NativeCall("jks.sun_crypto", "jks_pkey_decrypt"),
    "rs256-sign": NativeCall("jwt.algorithms", "RSAAlgorithm.sign"),
    "ps256-sign": NativeCall("jwt.algorithms", "RSAPSSAlgorithm.sign"),
    # Not native: a panic where no inner net stands, so only the adapter's own net can catch it.
    "assertion-claims": NativeCall("uuid", "uuid4", caller="._token.signing_key"),
}


def secret_forms(secret: str) -> list[str]:
    """How a secret can show up in a panic's text: raw, as Rust's list of byte values, as Python bytes."""
    data = secret.encode("utf-8")
    return [secret, str(list(data)), ", ".join(str(byte) for byte in data), repr(data)]


def panic_text(secret: str) -> str:
    """A real panic's text (pkcs12.rs unwrapping a NulError), with ``secret`` in every form."""
    listed = list(secret.encode("utf-8"))
    return (f"{PANIC_MARKER}: called `Result::unwrap()` on an `Err` value: NulError(1, {listed}) "
            f"password={secret!r} bytes={secret.encode('utf-8')!r}")


def panicking(original, secret: str, caller: str | None = None):
    """A stand-in for ``original`` that panics (only for calls from ``caller``, when given)."""

    def panic(*args, **kwargs):
        frame = inspect.currentframe()
        calling_module = str(frame.f_back.f_globals.get("__name__", "")) if frame and frame.f_back else ""
        if caller is not None and not calling_module.endswith(caller):
            return original(*args, **kwargs)
        raise PanicException(panic_text(secret))

    return panic


def inject(name: str, secret: str, setattr_=setattr) -> None:
    """Make the native call ``name`` panic. ``setattr_`` may be ``monkeypatch.setattr``, to undo it after a test."""
    call = NATIVE_CALLS[name]
    owner, attribute = call.resolve()
    setattr_(owner, attribute, panicking(getattr(owner, attribute), secret, call.caller))
