"""Client-side CPU of one PP -> Plant call, by HTTP transport: what the generated async
client costs the service that calls, apart from the server's work.

    .venv/bin/python bench/hop.py [--rounds 7] [--calls 2000]

A stub HTTP/1.1 server in a subprocess answers every request at once with a fixed JSON
body (Plant's /health answer), so that the server costs next to nothing and
the figure is the client's. In this process, on uvloop (as the services run), each case
makes ``--calls`` sequential requests over a kept-alive connection and the process CPU
time per call is recorded; the cases take turns in every round (rotating who goes first),
and the table gives medians over rounds (µs per call) and the ratio to the first case.

  httpx            httpx.AsyncClient() as the generated client builds it
  httpx-limits     httpx.AsyncClient with keep-alive limits set (pool 100, expiry 60 s)
  httpx-aiohttp    httpx.AsyncClient(transport=httpx_aiohttp.AiohttpTransport())
  aiohttp          aiohttp.ClientSession directly (no httpx)
  client-httpx     AsyncPlantClient.get_health() with its default transport (retries, model)
  client-aiohttp   AsyncPlantClient(transport=AiohttpTransport()).get_health()

The httpx-aiohttp and aiohttp cases need ``pip install httpx-aiohttp`` (not a project
dependency); without it they are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

BODY = json.dumps({"status": "ok"}).encode()  # what Plant's /health answers
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)


def stub_server(port: int) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                writer.write(RESPONSE)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


Case = Callable[[int], Awaitable[float]]


async def cases(base: str) -> tuple[dict[str, Case], list[Any]]:
    import httpx

    from waooaw.generated.plant.client import AsyncPlantClient

    closers: list[Any] = []

    def timed_loop(call: Callable[[], Awaitable[Any]]) -> Case:
        async def run(n: int) -> float:
            await call()  # connection made before timing
            started = time.process_time()
            for _ in range(n):
                await call()
            return (time.process_time() - started) / n * 1e6

        return run

    plain = httpx.AsyncClient(base_url=base)
    limits = httpx.AsyncClient(
        base_url=base,
        limits=httpx.Limits(
            max_connections=100, max_keepalive_connections=100, keepalive_expiry=60
        ),
    )
    closers += [plain.aclose, limits.aclose]

    async def get(client: httpx.AsyncClient) -> Any:
        response = await client.get("/health")
        response.raise_for_status()
        return response.json()

    found: dict[str, Case] = {
        "httpx": timed_loop(lambda: get(plain)),
        "httpx-limits": timed_loop(lambda: get(limits)),
    }
    generated = AsyncPlantClient(base_url=base)
    closers.append(generated.aclose)
    try:
        import aiohttp
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        print("httpx-aiohttp not installed: its cases are skipped", file=sys.stderr)
        found["client-httpx"] = timed_loop(generated.get_health)
        return found, closers
    over_aiohttp = httpx.AsyncClient(base_url=base, transport=AiohttpTransport())
    session = aiohttp.ClientSession(base)
    closers += [over_aiohttp.aclose, session.close]

    async def aio() -> Any:
        async with session.get("/health") as response:
            response.raise_for_status()
            return await response.json()

    generated_aio = AsyncPlantClient(base_url=base, transport=AiohttpTransport())
    closers.append(generated_aio.aclose)
    found["httpx-aiohttp"] = timed_loop(lambda: get(over_aiohttp))
    found["aiohttp"] = timed_loop(aio)
    found["client-httpx"] = timed_loop(generated.get_health)
    found["client-aiohttp"] = timed_loop(generated_aio.get_health)
    return found, closers


async def measure(base: str, rounds: int, calls: int) -> dict[str, list[float]]:
    found, closers = await cases(base)
    results: dict[str, list[float]] = {name: [] for name in found}
    names = list(found)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            results[name].append(await found[name](calls))
    for close in closers:
        await close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        stub_server(args.serve)
        return 0
    import uvloop

    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        results = uvloop.run(measure(f"http://127.0.0.1:{port}", args.rounds, args.calls))
    finally:
        server.terminate()
        server.wait(10)
    first = statistics.median(next(iter(results.values())))
    print(
        f"client CPU per call, µs (median of {args.rounds} rounds x {args.calls} calls);"
        f" load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs"
    )
    for name, values in results.items():
        median = statistics.median(values)
        print(f"  {name:<16}{median:>8.0f}   x{median / first:.2f} of httpx")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
