"""What PP's callers see of Plant: its problems passed on as they are, one correlation id
across both services, and 503 / 504 / 502 when Plant is unreachable, slow or broken.

Plant is real (uvicorn on 127.0.0.1, its access log on, so that its log lines carry
correlation ids). The slow Plant is the real one behind ``FaultProxy(delay=...)``; the
broken and the trickling upstreams are tiny HTTP servers on 127.0.0.1, because a real Plant
cannot be made to answer 500 or to pause in the middle of an export.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.plant_server import PlantServer, free_port, running_plant
from waooaw.runtime.context import CorrelationLogFilter
from waooaw.services.plant.seeded import INDUSTRY_SALES

from .conftest import (
    ADMIN,
    PROBLEM,
    agent_body,
    auth,
    close,
    make_job_role,
    make_skill,
    pp_app,
)

pytestmark = pytest.mark.anyio

PROBLEM_MEMBERS = ("type", "title", "status", "detail", "violations")


async def direct(plant: PlantServer, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=plant.base_url, timeout=30.0) as http:
        return await http.request(method, path, **kwargs)


def same_problem(from_pp: httpx.Response, from_plant: httpx.Response) -> None:
    assert from_pp.status_code == from_plant.status_code
    assert from_pp.headers["content-type"] == from_plant.headers["content-type"] == PROBLEM
    ours, theirs = from_pp.json(), from_plant.json()
    assert {k: ours.get(k) for k in PROBLEM_MEMBERS} == {k: theirs.get(k) for k in PROBLEM_MEMBERS}
    assert ours["correlation_id"] == from_pp.headers["x-correlation-id"]


# -- Plant's problems, passed on ---------------------------------------------------------------


async def test_constitutional_violation_reaches_the_caller_unchanged(
    pp: httpx.AsyncClient, plant: PlantServer
) -> None:
    skill = await make_skill(pp, f"Violations {uuid.uuid4().hex[:8]}")
    pending = await make_skill(pp, f"Violations pending {uuid.uuid4().hex[:8]}", certify=False)
    role = await make_job_role(pp, [skill["id"]])
    # L0-06 (the role is Marketing's), L0-04 (a skill not certified), L0-01 (unknown governor)
    body = agent_body(
        role,
        [skill["id"], pending["id"]],
        industry_id=INDUSTRY_SALES,
        governance_agent_id=str(uuid.uuid4()),
    )
    from_pp = await pp.post("/api/v1/agents", json=body, headers=auth("governor"))
    from_plant = await direct(plant, "POST", "/api/v1/agents", json=body)
    same_problem(from_pp, from_plant)
    problem = from_pp.json()
    assert problem["type"] == "https://waooaw.com/errors/constitutional-alignment"
    assert sorted(v["rule"] for v in problem["violations"]) == ["L0-01", "L0-04", "L0-06"]
    assert problem["instance"] == "/api/v1/agents"
    listed = await pp.get(f"/api/v1/agents?job_role_id={role['id']}", headers=ADMIN)
    assert listed.json()["items"] == []  # nothing was created


async def test_l0_04_at_job_role_certification_is_passed_on(
    pp: httpx.AsyncClient, plant: PlantServer
) -> None:
    pending = await make_skill(pp, f"Uncertified {uuid.uuid4().hex[:8]}", certify=False)
    role = await make_job_role(pp, [pending["id"]], certify=False)
    from_pp = await pp.post(
        f"/api/v1/genesis/job-roles/{role['id']}/certify", headers=auth("genesis")
    )
    from_plant = await direct(plant, "POST", f"/api/v1/genesis/job-roles/{role['id']}/certify")
    same_problem(from_pp, from_plant)
    assert [v["rule"] for v in from_pp.json()["violations"]] == ["L0-04"]


@pytest.mark.parametrize(
    ("pp_path", "plant_path"),
    [
        (
            f"/api/v1/genesis/skills/{uuid.UUID(int=7)}",
            f"/api/v1/genesis/skills/{uuid.UUID(int=7)}",
        ),
        (f"/api/v1/agents/{uuid.UUID(int=8)}", f"/api/v1/agents/{uuid.UUID(int=8)}"),
        ("/api/v1/agents?cursor=not-a-cursor", "/api/v1/agents?cursor=not-a-cursor"),
        (
            "/api/v1/genesis/skills?status=pending_certification&cursor=xyz",
            "/api/v1/genesis/skills?status=pending_certification&cursor=xyz",
        ),
    ],
    ids=["skill-404", "agent-404", "agents-cursor-422", "skills-cursor-422"],
)
async def test_not_found_and_bad_cursors_are_passed_on(
    pp: httpx.AsyncClient, plant: PlantServer, pp_path: str, plant_path: str
) -> None:
    same_problem(
        await pp.get(pp_path, headers=auth("viewer")), await direct(plant, "GET", plant_path)
    )


async def test_conflicts_are_passed_on(pp: httpx.AsyncClient, plant: PlantServer) -> None:
    skill = await make_skill(pp, f"Twice {uuid.uuid4().hex[:8]}")
    path = f"/api/v1/genesis/skills/{skill['id']}/certify"
    same_problem(await pp.post(path, headers=auth("genesis")), await direct(plant, "POST", path))
    body = {"name": skill["name"], "category": "technical", "description": "Again."}
    same_problem(
        await pp.post("/api/v1/genesis/skills", json=body, headers=auth("genesis")),
        await direct(plant, "POST", "/api/v1/genesis/skills", json=body),
    )


# -- one correlation id --------------------------------------------------------------------------


def plant_log_lines(plant: PlantServer, cid: str) -> list[str]:
    return [line for line in plant.log_text().splitlines() if f"[{cid}]" in line]


async def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_correlation_id_is_the_same_in_both_services(
    pp: httpx.AsyncClient, plant: PlantServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(CorrelationLogFilter())
    caplog.set_level(logging.INFO, logger="waooaw.access")
    cid = f"pp-test-{uuid.uuid4().hex}"
    response = await pp.get(
        "/api/v1/genesis/skills", headers={**auth("viewer"), "X-Correlation-ID": cid}
    )
    assert response.status_code == 200
    assert response.headers["x-correlation-id"] == cid
    await eventually(lambda: bool(plant_log_lines(plant, cid)))
    assert "GET /api/v1/genesis/skills 200" in plant_log_lines(plant, cid)[0]
    ours = [r for r in caplog.records if getattr(r, "correlation_id", None) == cid]
    assert any("GET /api/v1/genesis/skills 200" in r.getMessage() for r in ours)


async def test_generated_correlation_id_reaches_plant_and_its_problem(
    pp: httpx.AsyncClient, plant: PlantServer
) -> None:
    missing = uuid.uuid4()
    response = await pp.get(f"/api/v1/agents/{missing}", headers=auth("viewer"))
    assert response.status_code == 404
    cid = response.headers["x-correlation-id"]
    assert response.json()["correlation_id"] == cid
    await eventually(lambda: bool(plant_log_lines(plant, cid)))
    assert f"GET /api/v1/agents/{missing} 404" in plant_log_lines(plant, cid)[0]


# -- Plant unreachable, slow, broken ------------------------------------------------------------


@pytest.fixture
async def own_plant(tmp_path: Path) -> AsyncIterator[PlantServer]:
    """A Plant of this test's own, which the test may stop."""
    with running_plant(tmp_path / "plant") as server:
        yield server


async def test_stopped_plant_is_503_with_retry_after(own_plant: PlantServer) -> None:
    app = pp_app(own_plant.base_url, retry_after_seconds=7, plant_retry_max_backoff=0.1)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://pp"
        ) as pp:
            assert (await pp.get("/api/v1/agents", headers=auth("viewer"))).status_code == 200
            own_plant.stop()
            for method, path in (
                ("GET", "/api/v1/agents"),
                ("POST", "/api/v1/audit/run"),
                ("GET", "/api/v1/audit/export"),
                ("GET", "/ready"),
            ):
                started = time.monotonic()
                response = await pp.request(method, path, headers=auth("viewer"))
                elapsed = time.monotonic() - started
                assert response.status_code == 503, (path, response.text)
                assert response.headers["content-type"] == PROBLEM
                assert response.headers["retry-after"] == "7"
                problem = response.json()
                assert problem["type"] == "https://waooaw.com/errors/service-unavailable"
                assert "unreachable" in problem["detail"]
                assert problem["correlation_id"] == response.headers["x-correlation-id"]
                # three attempts with at most 0.1 s between them, not the 10 s timeout
                assert elapsed < 3.0, (path, elapsed)
    finally:
        await close(app)


async def test_slow_plant_is_504(plant: PlantServer) -> None:
    async with FaultProxy(plant.base_url, delay=4.0) as slow:
        app = pp_app(slow.base_url, plant_timeout_seconds=0.3, plant_retry_attempts=2)
        patient = pp_app(slow.base_url, plant_timeout_seconds=5.0)
        try:
            async with (
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://pp"
                ) as pp,
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=patient), base_url="http://pp"
                ) as pp_patient,
            ):
                started = time.monotonic()
                response = await pp.get("/api/v1/genesis/industries", headers=auth("viewer"))
                elapsed = time.monotonic() - started
                assert response.status_code == 504, response.text
                assert response.headers["content-type"] == PROBLEM
                problem = response.json()
                assert problem["type"] == "https://waooaw.com/errors/gateway-timeout"
                assert problem["title"] == "Gateway Timeout"
                assert "listIndustries" in problem["detail"]
                assert problem["correlation_id"] == response.headers["x-correlation-id"]
                # a GET is retried: two attempts of 0.3 s, long before the proxy's 4 s delay
                assert 0.6 <= elapsed < 3.0, elapsed
                # with a timeout longer than the delay the same call succeeds
                slow.delay = 0.5
                fine = await pp_patient.get("/api/v1/genesis/industries", headers=auth("viewer"))
                assert fine.status_code == 200, fine.text
        finally:
            await close(app)
            await close(patient)


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def upstream(handler: Handler) -> AsyncIterator[str]:
    """A tiny HTTP server on 127.0.0.1 answering every connection with ``handler``."""
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await handler(reader, writer)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _answer(
    writer: asyncio.StreamWriter, status: str, body: dict[str, Any], **headers: str
) -> None:
    content = json.dumps(body).encode()
    writer.write(
        _head(
            status,
            {
                "content-type": PROBLEM,
                "content-length": str(len(content)),
                "connection": "close",
                **headers,
            },
        )
        + content
    )
    await writer.drain()


async def test_broken_plant_is_502() -> None:
    async def fail(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        problem = {"type": "https://waooaw.com/errors/internal", "title": "Internal Server Error"}
        await _answer(writer, "500 Internal Server Error", {**problem, "status": 500})

    async with upstream(fail) as url:
        app = pp_app(url)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://pp"
            ) as pp:
                response = await pp.get(f"/api/v1/agents/{uuid.uuid4()}", headers=ADMIN)
        finally:
            await close(app)
    assert response.status_code == 502
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "https://waooaw.com/errors/bad-gateway"
    assert problem["detail"] == "Plant answered 500 to getAgent"


async def test_plant_database_down_is_503_with_plants_retry_after() -> None:
    async def down(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        problem = {
            "type": "https://waooaw.com/errors/service-unavailable",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "the database is unavailable; retry later",
        }
        await _answer(writer, "503 Service Unavailable", problem, **{"retry-after": "11"})

    async with upstream(down) as url:
        app = pp_app(url, plant_retry_attempts=1)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://pp"
            ) as pp:
                response = await pp.get("/ready")
        finally:
            await close(app)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "11"
    assert "the database is unavailable" in response.json()["detail"]


async def test_unreachable_plant_at_start_is_503() -> None:
    app = pp_app(f"http://127.0.0.1:{free_port()}", plant_retry_attempts=1)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://pp"
        ) as pp:
            response = await pp.post(
                "/api/v1/genesis/skills",
                json={"name": "n", "category": "technical", "description": "d"},
                headers=auth("genesis"),
            )
    finally:
        await close(app)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


# -- the export is streamed ----------------------------------------------------------------------


async def test_export_is_passed_on_chunk_by_chunk() -> None:
    """PP sends the first rows before Plant has sent the rest: nothing is buffered."""
    first = b"record,sequence\r\nentry,1\r\n"
    rest = b"entry,2\r\nhead,2\r\n"
    release = asyncio.Event()

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            _head(
                "200 OK",
                {
                    "content-type": "text/csv; charset=utf-8",
                    "transfer-encoding": "chunked",
                    "connection": "close",
                },
            )
        )
        writer.write(b"%x\r\n%s\r\n" % (len(first), first))
        await writer.drain()
        await asyncio.wait_for(release.wait(), 10)  # until PP has passed the first chunk on
        writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(rest), rest))
        await writer.drain()

    async with upstream(trickle) as url:
        app = pp_app(url)
        sent: list[MutableMapping[str, Any]] = []
        request_done = False

        async def receive() -> dict[str, Any]:
            nonlocal request_done
            if not request_done:
                request_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # no disconnect
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and message.get("body") == first:
                release.set()

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/api/v1/audit/export",
            "raw_path": b"/api/v1/audit/export",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"pp"),
                (b"authorization", auth("viewer")["Authorization"].encode()),
            ],
            "client": ("127.0.0.1", 1234),
            "server": ("pp", 80),
        }
        try:
            await asyncio.wait_for(app(scope, receive, send), 15)
        finally:
            await close(app)
    start = sent[0]
    assert start["type"] == "http.response.start" and start["status"] == 200
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert headers["content-disposition"].startswith('attachment; filename="audit_report_')
    bodies = [m.get("body", b"") for m in sent[1:] if m["type"] == "http.response.body"]
    assert bodies[0] == first  # sent on its own, before Plant was released
    assert b"".join(bodies) == first + rest
