"""The plan: idempotent by thumbprint, never the signing key unasked, the signing key's removal last."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.app_certificate import plan_changes
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.key_credentials import KeyCredential, NewCertificate
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.options import build_certificate_task
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError

NOW = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
PAST, FUTURE = NOW - datetime.timedelta(days=1), NOW + datetime.timedelta(days=300)
SIGNING, OTHER, EXPIRED, NEXT = "A" * 40, "B" * 40, "C" * 40, "D" * 40


def credential(thumbprint, end=FUTURE, key_id=None, kind="AsymmetricX509Cert"):
    return KeyCredential(key_id or thumbprint[0].lower() * 8 + "-0000-0000-0000-000000000000", kind, thumbprint,
                         None, PAST, end)


CURRENT = [credential(SIGNING), credential(OTHER), credential(EXPIRED, end=PAST)]
NEW = NewCertificate(b"der", NEXT, "CN=next", PAST, FUTURE)


def task(**params):
    defaults = {"certificate": "x"} if params.get("state", "present") == "present" else {}
    return build_certificate_task({**defaults, **params})


def test_present_adds_once():
    assert plan_changes(task(), CURRENT, NEW, SIGNING, NOW).add == NEW
    registered = [*CURRENT, credential(NEXT)]
    assert not plan_changes(task(), registered, NEW, SIGNING, NOW).changed


def test_absent_by_thumbprint_or_key_id():
    plan = plan_changes(task(state="absent", thumbprint=OTHER), CURRENT, None, SIGNING, NOW)
    assert [c.thumbprint for c in plan.remove] == [OTHER]
    plan = plan_changes(task(state="absent", key_id=CURRENT[1].key_id), CURRENT, None, SIGNING, NOW)
    assert [c.thumbprint for c in plan.remove] == [OTHER]
    assert not plan_changes(task(state="absent", thumbprint=NEXT), CURRENT, None, SIGNING, NOW).changed


def test_the_signing_key_needs_force_and_goes_last():
    with pytest.raises(OptionError) as raised:
        plan_changes(task(state="absent", thumbprint=SIGNING), CURRENT, None, SIGNING, NOW)
    assert raised.value.option == "force" and SIGNING in raised.value.message
    expired_signing = [credential(SIGNING, end=PAST), credential(EXPIRED, end=PAST)]
    plan = plan_changes(task(state="absent", remove_expired=True, force=True), expired_signing, None, SIGNING, NOW)
    assert [c.thumbprint for c in plan.remove] == [EXPIRED, SIGNING]


def test_remove_expired_takes_only_expired_certificates():
    current = [*CURRENT, credential("E" * 40, end=PAST, kind="Symmetric")]
    plan = plan_changes(task(remove_expired=True), current, NEW, SIGNING, NOW)
    assert plan.add == NEW and [c.thumbprint for c in plan.remove] == [EXPIRED]
