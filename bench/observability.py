"""Per-request cost of /metrics counting and request observation on Plant, in process.

Two Plant apps over one seeded SQLite file, one as ``create_app`` returns it and one with
``install_observability`` (what ``waooaw serve`` adds when no OTLP endpoint is set: request
counter, latency histogram, operationId), answer the same GET /api/v1/genesis/skills/{id}
through httpx's ASGI transport; rounds alternate which goes first, and the medians of the
per-request CPU time and wall time are printed with their ratio. With ``--traced`` the
second app also records OpenTelemetry spans (in-memory exporter), as with an endpoint set.

    .venv/bin/python bench/observability.py [--requests 2000] [--rounds 7] [--traced]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from waooaw.observability import install_observability
from waooaw.services.common.db import run_migrations
from waooaw.services.plant import PlantSettings, create_app
from waooaw.services.plant.api.context import MIGRATIONS

KEY = "bench-audit-key-0123456789abcdef"


def plant(url: str) -> FastAPI:
    return create_app(
        PlantSettings.model_validate({"database_url": url, "audit_key": KEY, "environment": "test"})
    )


async def run(app: FastAPI, path: str, n: int) -> tuple[float, float]:
    """(CPU, wall) microseconds per request."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://plant") as http:
        for _ in range(50):
            await http.get(path)
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            response = await http.get(path)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert response.status_code == 200, response.text
    return 1e6 * cpu / n, 1e6 * wall / n


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--traced", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'plant.db'}"
        run_migrations(MIGRATIONS, url)
        plain, observed = plant(url), plant(url)
        provider = None
        if args.traced:
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
        install_observability(observed, service="plant", provider=provider)
        transport = httpx.ASGITransport(app=plain)
        async with httpx.AsyncClient(transport=transport, base_url="http://plant") as http:
            created = await http.post(
                "/api/v1/genesis/skills",
                json={"name": "Bench", "category": "technical", "description": "Read."},
            )
        path = f"/api/v1/genesis/skills/{created.json()['id']}"
        results: dict[str, list[tuple[float, float]]] = {"plain": [], "observed": []}
        for r in range(args.rounds):
            order = [("plain", plain), ("observed", observed)]
            for name, app in order if r % 2 == 0 else order[::-1]:
                results[name].append(await run(app, path, args.requests))
    cpu = {k: statistics.median(c for c, _ in v) for k, v in results.items()}
    wall = {k: statistics.median(w for _, w in v) for k, v in results.items()}
    label = "observed+traced" if args.traced else "observed"
    print(f"GET skill by id, in process, {args.requests} requests x {args.rounds} rounds (medians)")
    print(f"{'app':<16} {'cpu us/req':>11} {'wall us/req':>12}")
    print(f"{'plain':<16} {cpu['plain']:>11.1f} {wall['plain']:>12.1f}")
    print(f"{label:<16} {cpu['observed']:>11.1f} {wall['observed']:>12.1f}")
    print(
        f"ratio {label}/plain: cpu {cpu['observed'] / cpu['plain']:.3f},"
        f" wall {wall['observed'] / wall['plain']:.3f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
