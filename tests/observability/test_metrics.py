"""``/metrics`` of Plant in process: requests by operationId and status, latency
histograms, database pools, the audit chain's length and its last verification."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from waooaw.observability import install_observability

from .conftest import plant_app

pytestmark = pytest.mark.anyio


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found[(name, frozenset(labels.items()))]


async def test_plant_metrics(tmp_path: Path) -> None:
    app = plant_app(tmp_path)
    install_observability(app, service="plant")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://plant") as http:
        before = await http.get("/metrics")
        assert before.status_code == 200
        assert before.headers["content-type"].startswith("text/plain; version=")
        assert "waooaw_audit_last_verification_intact" not in before.text  # never verified yet
        for name in ("Metrics one", "Metrics two"):
            created = await http.post(
                "/api/v1/genesis/skills",
                json={"name": name, "category": "technical", "description": "Counted."},
            )
            assert created.status_code == 201, created.text
        duplicate = await http.post(
            "/api/v1/genesis/skills",
            json={"name": "Metrics one", "category": "technical", "description": "Counted."},
        )
        assert duplicate.status_code == 409
        assert (await http.get("/no/such/path")).status_code == 404
        audit = await http.post("/api/v1/audit/run", json={})
        assert audit.status_code == 200, audit.text
        found = samples((await http.get("/metrics")).text)

    labels = {"service": "plant", "operation_id": "createSkill", "method": "POST"}
    assert value(found, "waooaw_http_requests_total", **labels, status="201") == 2
    assert value(found, "waooaw_http_requests_total", **labels, status="409") == 1
    # an unknown path is one bounded label, never the raw path
    unmatched = {"service": "plant", "operation_id": "unmatched", "method": "GET", "status": "404"}
    assert value(found, "waooaw_http_requests_total", **unmatched) == 1
    histogram = {"service": "plant", "operation_id": "createSkill"}
    assert value(found, "waooaw_http_request_duration_seconds_count", **histogram) == 3
    assert value(found, "waooaw_http_request_duration_seconds_bucket", **histogram, le="+Inf") == 3
    assert value(found, "waooaw_http_request_duration_seconds_sum", **histogram) > 0
    # /metrics itself is not counted
    assert not any(dict(labels_).get("operation_id") == "/metrics" for _, labels_ in found)
    pool = {"service": "plant", "engine": "writer"}
    assert value(found, "waooaw_db_pool_connections", **pool, state="checked_out") == 0
    assert value(found, "waooaw_db_pool_connections", **pool, state="idle") >= 1
    # two skills created: two audit entries in the chain, which the audit run verified
    assert value(found, "waooaw_audit_chain_entries") == 2
    assert value(found, "waooaw_audit_last_verification_intact") == 1
    assert value(found, "waooaw_audit_last_verification_entries") == 2

    # an entry changed behind Plant's back: the next verification says so
    with sqlite3.connect(tmp_path / "plant.db") as conn:
        conn.execute("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 1")
    async with httpx.AsyncClient(transport=transport, base_url="http://plant") as http:
        assert (await http.post("/api/v1/audit/run", json={})).status_code == 200
        found = samples((await http.get("/metrics")).text)
    assert value(found, "waooaw_audit_last_verification_intact") == 0
    await app.state.context.db.dispose()
