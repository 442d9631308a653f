"""GraphError: reported by the adapters with the same facts as a token endpoint refusal."""

from __future__ import annotations

from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters.failures import MODULE, describe
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.errors import GraphError


def test_graph_facts_reach_the_failure_details():
    error = GraphError("Microsoft Graph refused it.", status=403, error="Authorization_RequestDenied",
                       trace_id="req-1", correlation_id="corr-1", hint="grant it")
    failure = describe(error, MODULE)
    assert failure.details["type"] == "GraphError"
    assert (failure.details["status"], failure.details["error"], failure.details["trace_id"]) == (
        403, "Authorization_RequestDenied", "req-1")
    assert (error.code, error.request_id) == ("Authorization_RequestDenied", "req-1")
    assert failure.message.endswith("Hint: grant it")
