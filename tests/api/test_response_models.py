"""Routes declare their response shapes, so `/v1/openapi.json` shows what each answers; and the
descriptions that name a window or a limit say the deployment's number."""

from __future__ import annotations

import pytest

from marketplace_app.api.app import create_api

SCHEMA = create_api().openapi()


def response_schema(path: str, method: str, status: str = "200") -> dict:
    return SCHEMA["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(("path", "method", "model"), [
    ("/v1/operator/requests/{request_id}/accept", "post", "AcceptedPublic"),
    ("/v1/operator/requests/{request_id}/submit", "post", "SubmittedPublic"),
    ("/v1/operator/earnings", "get", "EarningsPublic"),
])
def test_operator_routes_publish_their_response_shape(path: str, method: str, model: str) -> None:
    assert response_schema(path, method) == {"$ref": f"#/components/schemas/{model}"}
    assert SCHEMA["components"]["schemas"][model]["properties"]


def test_dispute_descriptions_name_the_configured_windows() -> None:
    opening = SCHEMA["paths"]["/v1/requests/{request_id}/dispute"]["post"]["description"]
    appeal = SCHEMA["paths"]["/v1/requests/{request_id}/dispute/appeal"]["post"]["description"]

    assert opening.startswith("Dispute a completed request within 24 hours of completion. Under 5.00 EUR")
    assert appeal == "Appeal the current ruling within 48 hours: the next tier takes the dispute."
