"""Schemathesis against ``/api/openapi.json`` (in-process ASGI): no input yields a 500.

Bounded (few examples per operation) so the suite stays fast; the hypothesis tests of
``test_properties.py`` push harder on the ingestion bodies.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error(engine, world, ingest_h, mode):
    from app import create_app

    schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app().server)
    seen: set[str] = set()

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=schema.as_strategy(generation_mode=mode))
    def call(case):
        seen.add(f"{case.method} {case.path}")
        response = case.call(headers=ingest_h)
        assert response.status_code < 500, (case.method, case.path, response.text[:500])
        listing = case.method == "GET" and case.path == "/api/v1/alerts"  # the contract: a list
        assert isinstance(
            response.json(), list if listing and response.status_code == 200 else dict
        )

    call()
    assert len(seen) >= 5  # the run reached most operations


def test_openapi_documents_every_route_body_and_the_bearer_scheme(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["token"]["description"],
    }
    paths = doc["paths"]
    for dataset in (
        "territories",
        "cuadrantes",
        "projects",
        "transfers",
        "clap_deliveries",
        "cases",
        "incidents",
        "defense",
    ):
        op = paths[f"/api/v1/ingest/{dataset}"]["post"]
        body = op["requestBody"]["content"]["application/json"]["schema"]
        assert (body["type"], body["minItems"], body["maxItems"]) == ("array", 1, 10_000)
        assert body["items"]["additionalProperties"] is False
        assert {"200", "400", "401", "403", "404", "413", "422"} <= set(op["responses"])
        assert op["security"] == [{"token": []}]
    assert {"/api/v1/territories", "/api/v1/summary", "/healthz"} <= set(paths)
    assert "security" not in paths["/healthz"]["get"]
    assert client.get("/api/docs").status_code == 200
