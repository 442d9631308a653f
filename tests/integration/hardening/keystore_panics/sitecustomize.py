"""Test only: make one native call of the keystore module panic in every Python process of an ansible run.

The token path's sitecustomize (tests/support/panic_injection) knows the calls that read keys and sign; the
keystore module also generates keys, signs certificates and writes PKCS12 files. This one adds those calls to
``native_panics.NATIVE_CALLS`` and injects the one named by AZURE_AD_OAUTH_TEST_PANIC, the same way. Without
the variable it does nothing.
"""

from __future__ import annotations

import os
import sys

if os.environ.get("AZURE_AD_OAUTH_TEST_PANIC"):
    SUPPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "support")
    sys.path.insert(0, os.path.normpath(SUPPORT))
    try:
        import native_panics
    finally:
        sys.path.pop(0)  # nothing else of tests/support leaks into the run

    native_panics.NATIVE_CALLS.update({
        "pkcs12-serialize": native_panics.NativeCall("cryptography.hazmat.primitives.serialization.pkcs12",
                                                     "serialize_key_and_certificates"),
        "rsa-generate": native_panics.NativeCall("cryptography.hazmat.primitives.asymmetric.rsa",
                                                 "generate_private_key"),
        "certificate-sign": native_panics.NativeCall("cryptography.x509", "CertificateBuilder.sign"),
    })
    native_panics.inject(os.environ[native_panics.PANIC_ENV], os.environ.get(native_panics.PANIC_SECRET_ENV, ""))
