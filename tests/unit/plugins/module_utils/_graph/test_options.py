"""The module's options: the token options plus its own, and their validation."""

from __future__ import annotations

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._graph import options as o
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import TOKEN_OPTIONS

VALID = {"state": "present", "certificate": "PEM"}


def test_the_spec_is_the_token_options_plus_the_modules_own():
    spec = o.app_certificate_argument_spec()
    assert set(spec) == set(TOKEN_OPTIONS) | set(o.APP_CERTIFICATE_OPTIONS)
    assert spec["certificate_path"] == o.APP_CERTIFICATE_OPTIONS["certificate_path"]
    assert spec["keystore_password"]["no_log"] is True


def test_token_options_drop_the_redefined_ones():
    options = o.token_options({"certificate_path": "/next.crt", "thumbprint": "AB", "keystore_path": "/k",
                               "state": "present"})
    assert options["certificate_path"] is None and options["thumbprint"] is None
    assert options["keystore_path"] == "/k" and "state" not in options


def test_graph_endpoint_defaults_to_the_clouds():
    assert o.build_certificate_task(VALID).graph_endpoint == "https://graph.microsoft.com"
    assert o.graph_endpoint(None, "usgovernment") == "https://graph.microsoft.us"
    assert o.graph_endpoint("https://graph.microsoft.us/") == "https://graph.microsoft.us"
    assert o.graph_endpoint("http://127.0.0.1:8443") == "http://127.0.0.1:8443"
    assert o.build_certificate_task(VALID).graph_scope == "https://graph.microsoft.com/.default"


def test_thumbprints_and_ids_are_normalised():
    task = o.build_certificate_task({"state": "absent", "thumbprint": "ab:" * 19 + "ab",
                                     "object_id": "A1B2C3D4-1111-4E5F-8A9B-0C1D2E3F4A5B"})
    assert task.thumbprint == "AB" * 20 and task.object_id == "a1b2c3d4-1111-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.mark.parametrize(
    ("params", "option"),
    [
        ({"state": "absent", "thumbprint": "ab" * 32}, "thumbprint"),  # a SHA-256: Graph keeps SHA-1
        ({**VALID, "thumbprint": "ab" * 20}, "thumbprint"),
        ({**VALID, "key_id": "x"}, "key_id"),
        ({**VALID, "display_name": "a\nb"}, "display_name"),
        ({**VALID, "display_name": "x" * 300}, "display_name"),
        ({**VALID, "propagation_timeout": -1}, "propagation_timeout"),
        ({**VALID, "propagation_timeout": True}, "propagation_timeout"),
        ({**VALID, "certificate": " "}, "certificate"),
        ({**VALID, "graph_endpoint": "ftp://graph.microsoft.com"}, "graph_endpoint"),
    ],
)
def test_bad_values_name_the_option(params, option):
    with pytest.raises(OptionError) as raised:
        o.build_certificate_task(params)
    assert raised.value.option == option
