"""``waooaw serve --log-format json`` and OTLP export, on a real Plant subprocess.

With ``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at a small OTLP/HTTP receiver here, Plant
exports its spans there and each request's JSON log line names the same trace; without
the variable nothing is exported and the line has no trace id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.support.plant_server import AUDIT_KEY, free_port


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, list[ExportTraceServiceRequest]]]:
    received: list[ExportTraceServiceRequest] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/v1/traces":
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                received.append(request)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def plant_serving(folder: Path, env_extra: dict[str, str]) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = folder / "plant.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PLANT_", "OTEL_")) and k not in ("DATABASE_URL", "WAOOAW_ENV")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'plant.db'}",
        AUDIT_KEY=AUDIT_KEY,
        PLANT_ENV="test",
        OTEL_BSP_SCHEDULE_DELAY="100",
        **env_extra,
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "waooaw.cli", "serve", "plant"),
                *("--port", str(port), "--log-format", "json"),
            ],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        yield base, log
    finally:
        process.terminate()
        process.wait(20)


def _create_skill(base: str) -> str:
    cid = f"json-log-{uuid.uuid4().hex[:8]}"
    answer = httpx.post(
        f"{base}/api/v1/genesis/skills",
        json={"name": f"Logged {cid}", "category": "technical", "description": "Logged."},
        headers={"X-Correlation-ID": cid},
    )
    assert answer.status_code == 201, answer.text
    return cid


def _request_line(log: Path, cid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
        objects = [json.loads(line) for line in lines]  # every line is one JSON object
        for obj in objects:
            if obj.get("logger") == "waooaw.request" and obj.get("correlation_id") == cid:
                return obj
        time.sleep(0.1)
    raise AssertionError(log.read_text(errors="replace"))


def test_json_lines_carry_the_trace_exported_over_otlp(tmp_path: Path) -> None:
    with (
        otlp_receiver() as (endpoint, received),
        plant_serving(tmp_path, {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint}) as (base, log),
    ):
        cid = _create_skill(base)
        line = _request_line(log, cid)
        deadline = time.monotonic() + 15
        while not received and time.monotonic() < deadline:
            time.sleep(0.1)
    assert line["operation_id"] == "createSkill"
    assert line["status"] == 201
    assert line["method"] == "POST" and line["path"] == "/api/v1/genesis/skills"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["service"] == "plant"
    assert len(line["trace_id"]) == 32
    spans = [
        span
        for request in received
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    traced = [s for s in spans if s.trace_id.hex() == line["trace_id"]]
    assert traced, f"no exported span in trace {line['trace_id']}"
    attributes = {a.key: a.value.string_value for s in traced for a in s.attributes}
    assert attributes.get("correlation_id") == cid


def test_nothing_is_exported_without_an_endpoint(tmp_path: Path) -> None:
    with plant_serving(tmp_path, {}) as (base, log):
        cid = _create_skill(base)
        line = _request_line(log, cid)
    assert line["trace_id"] is None
    assert line["operation_id"] == "createSkill"
    assert "Exporter" not in log.read_text()
