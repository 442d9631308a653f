"""The keystore action plugin: it only fills subject from the inventory name, then runs the module."""

from __future__ import annotations

from unittest import mock

import pytest
from ansible.plugins.action import ActionBase

from ansible_collections.azure_ad.oauth.plugins.action.keystore import ActionModule


def run_action(args: dict, task_vars: dict) -> dict:
    task = mock.MagicMock()
    task.args = args
    action = ActionModule(task, mock.MagicMock(), mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    with mock.patch.object(ActionBase, "run", return_value={}), \
            mock.patch.object(ActionModule, "_execute_module", return_value={"changed": True}) as execute:
        result = action.run(task_vars=task_vars)
    assert result == {"changed": True}
    assert execute.call_args.kwargs["module_name"] == "azure_ad.oauth.keystore"
    return execute.call_args.kwargs["module_args"]


@pytest.mark.parametrize("generate", [True, "yes", "true"])
def test_subject_defaults_to_the_inventory_hostname(generate):
    sent = run_action({"path": "/k", "generate": generate}, {"inventory_hostname": "app01.example.com"})
    assert sent["subject"] == "CN=app01.example.com"


@pytest.mark.parametrize(
    "args",
    [
        {"path": "/k", "generate": True, "subject": "CN=given"},
        {"path": "/k", "generate": False},
        {"path": "/k"},
    ],
)
def test_subject_is_left_alone_otherwise(args):
    sent = run_action(dict(args), {"inventory_hostname": "app01"})
    assert sent.get("subject") == args.get("subject")


def test_task_args_are_not_mutated():
    args = {"path": "/k", "generate": True}
    run_action(args, {"inventory_hostname": "h"})
    assert "subject" not in args


# --------------------------------------------------------------------------- long and odd inventory names


def test_a_long_fqdn_is_cut_in_the_cn_and_kept_whole_in_a_san():
    fqdn = "jenkins-agent-0042.build.eu-west-1.internal.very-long-team-name.contoso.example.com"
    assert len(fqdn) > 64
    sent = run_action({"path": "/k", "generate": True}, {"inventory_hostname": fqdn})
    assert sent["subject"] == "CN=" + fqdn[:64]
    assert sent["subject_alt_name"] == ["DNS:" + fqdn]


@pytest.mark.parametrize("given", [["DNS:other.example.com"], "DNS:other.example.com", ["DNS:x", "IP:10.0.0.1"]])
def test_the_san_is_added_to_the_users_own(given):
    fqdn = "h" * 70 + ".example.com"
    sent = run_action({"path": "/k", "generate": True, "subject_alt_name": given}, {"inventory_hostname": fqdn})
    given_list = [given] if isinstance(given, str) else given
    assert sent["subject_alt_name"] == [*given_list, "DNS:" + fqdn]


def test_a_short_name_adds_no_san():
    sent = run_action({"path": "/k", "generate": True}, {"inventory_hostname": "app01.example.com"})
    assert "subject_alt_name" not in sent


def test_an_inventory_name_with_rfc_4514_specials_is_escaped():
    sent = run_action({"path": "/k", "generate": True}, {"inventory_hostname": "web,01+a"})
    assert sent["subject"] == "CN=web\\,01\\+a"


def test_the_default_subject_always_parses():
    """Whatever the inventory name, the module gets a subject it accepts: a user never sees 'subject' blamed."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import (
        check_generation_options,
    )

    for hostname in ("a", "x" * 64, "y" * 65, "z" * 250 + ".example.com", "#weird host;name=1", "hôte.exemple.fr"):
        sent = run_action({"path": "/k", "generate": True}, {"inventory_hostname": hostname})
        check_generation_options(sent["subject"], 365, 2048, 30, sent.get("subject_alt_name", []))
