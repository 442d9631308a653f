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
