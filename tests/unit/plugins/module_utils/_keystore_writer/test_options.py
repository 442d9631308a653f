"""The keystore module's options: defined once (KEYSTORE_OPTIONS), the same in its DOCUMENTATION.

The keystore role's copies (meta/argument_specs.yml, defaults/main.yml) are checked against KEYSTORE_OPTIONS
in tests/unit/roles/test_keystore_role.py.
"""

from __future__ import annotations

import re

import pytest
import yaml

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.options import (
    DEFAULT_EXPORT_FORMAT,
    DEFAULT_KEY_SIZE,
    DEFAULT_RENEW_BEFORE_DAYS,
    DEFAULT_TYPE,
    DEFAULT_VALID_DAYS,
    EXPORT_FORMATS,
    KEY_SIZES,
    KEYSTORE_OPTION_NAMES,
    KEYSTORE_OPTIONS,
    MUTUALLY_EXCLUSIVE,
    NUL_FREE_OPTIONS,
    WRITABLE_TYPES,
    keystore_argument_spec,
)
from ansible_collections.azure_ad.oauth.plugins.modules import keystore

DOCS = yaml.safe_load(keystore.DOCUMENTATION)["options"]
SECRETS = {"password", "key_password", "private_key", "private_key_passphrase"}
# ansible-test validate-modules asks for an explicit no_log on options whose names look like this.
LOOKS_SECRET = re.compile(r"pass(?!ive)|secret|token|key", re.IGNORECASE)


def test_the_module_builds_its_argument_spec_from_keystore_options():
    assert keystore.argument_spec() == KEYSTORE_OPTIONS
    spec = keystore_argument_spec()
    spec["type"]["choices"].append("jceks")
    assert KEYSTORE_OPTIONS["type"]["choices"] == ["pkcs12", "jks"], "each argument spec is a fresh copy"


def test_the_named_defaults_are_the_options_defaults():
    assert KEYSTORE_OPTIONS["type"]["default"] == DEFAULT_TYPE and DEFAULT_TYPE in WRITABLE_TYPES
    assert KEYSTORE_OPTIONS["type"]["choices"] == list(WRITABLE_TYPES)
    assert (KEYSTORE_OPTIONS["valid_days"]["default"], KEYSTORE_OPTIONS["renew_before_days"]["default"]) == (
        DEFAULT_VALID_DAYS, DEFAULT_RENEW_BEFORE_DAYS)  # fmt: skip
    assert DEFAULT_RENEW_BEFORE_DAYS < DEFAULT_VALID_DAYS, "the defaults must pass check_generation_options"
    assert KEYSTORE_OPTIONS["key_size"]["default"] == DEFAULT_KEY_SIZE and DEFAULT_KEY_SIZE in KEY_SIZES
    assert KEYSTORE_OPTIONS["key_size"]["choices"] == list(KEY_SIZES)
    export = KEYSTORE_OPTIONS["certificate_export_format"]
    assert export["default"] == DEFAULT_EXPORT_FORMAT and export["choices"] == list(EXPORT_FORMATS)


def test_the_documentation_has_exactly_these_options():
    assert set(DOCS) == set(KEYSTORE_OPTIONS)


@pytest.mark.parametrize("name", sorted(KEYSTORE_OPTIONS))
def test_the_documentation_states_each_option_as_defined(name):
    spec, doc = KEYSTORE_OPTIONS[name], DOCS[name]
    assert doc["type"] == spec["type"]
    assert doc.get("default") == spec.get("default")
    assert doc.get("choices") == spec.get("choices")
    assert doc.get("elements") == spec.get("elements")
    assert doc.get("required", False) == spec.get("required", False)


def test_secrets_are_no_log_and_names_that_only_look_secret_say_they_are_not():
    assert {name for name, spec in KEYSTORE_OPTIONS.items() if spec.get("no_log")} == SECRETS
    for name in KEYSTORE_OPTIONS:
        if LOOKS_SECRET.search(name):
            assert KEYSTORE_OPTIONS[name].get("no_log") is (name in SECRETS), name


def test_option_lists_name_real_options():
    file_options = {"owner", "group"}  # add_file_common_args
    assert set(NUL_FREE_OPTIONS) - file_options <= set(KEYSTORE_OPTIONS)
    text = {name for name, spec in KEYSTORE_OPTIONS.items() if spec["type"] in ("str", "path", "list")}
    # Every free text reaches a file name or a library; only the options with choices (AnsibleModule-checked) do not.
    assert text - set(NUL_FREE_OPTIONS) == {name for name in text if "choices" in KEYSTORE_OPTIONS[name]}
    assert all(set(pair) <= set(KEYSTORE_OPTIONS) for pair in MUTUALLY_EXCLUSIVE)


def test_the_readers_name_this_modules_options():
    names = vars(KEYSTORE_OPTION_NAMES)
    assert set(names.values()) <= set(KEYSTORE_OPTIONS), names
    assert (names["path"], names["store_password"], names["alias"], names["store_type"]) == (
        "path", "password", "alias", "type")  # fmt: skip
