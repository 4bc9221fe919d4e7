"""Real Plant, PP and CP under uvicorn on free 127.0.0.1 ports, and what the hardening
tests send them: raw HTTP over a socket for what httpx refuses to send (bare CR, Latin-1
headers), tokens for PP and CP, and the assertion every refusal must pass.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support import cp_server, pp_server
from tests.support.plant_server import PlantServer, running_plant
from waooaw.generated.plant.client import PlantClient
from waooaw.services.common.auth import JwtSettings, mint_token
from waooaw.services.plant.seeding import Catalogue, seed_catalogue

PROBLEM = "application/problem+json"
#: the largest problem document any input may produce
MAX_PROBLEM_BYTES = 64 * 1024
#: what any refusal may take, on a loaded 2-core machine
MAX_SECONDS = 3.0

PP_JWT = JwtSettings(secret=pp_server.JWT_SECRET, environment="test")
CP_JWT = JwtSettings(secret=cp_server.JWT_SECRET, environment="test")


def pp_auth(*roles: str) -> dict[str, str]:
    token = mint_token(PP_JWT, subject="admin", roles=roles or ("genesis", "governor", "viewer"))
    return {"Authorization": f"Bearer {token}"}


def cp_auth(subject: str = "customer-1") -> dict[str, str]:
    token = mint_token(CP_JWT, subject=subject, roles=("customer",))
    return {"Authorization": f"Bearer {token}"}


def assert_refused(response: httpx.Response, *statuses: int, elapsed: float) -> dict[str, Any]:
    """A 4xx problem+json, bounded in size and time, carrying its correlation id."""
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert response.headers["content-type"] == PROBLEM, response.headers
    assert len(response.content) <= MAX_PROBLEM_BYTES, len(response.content)
    assert elapsed < MAX_SECONDS, elapsed
    problem: dict[str, Any] = response.json()
    assert problem["status"] == response.status_code
    assert problem["correlation_id"] == response.headers["x-correlation-id"]
    return problem


def timed(
    http: httpx.Client, method: str, path: str, **kwargs: Any
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = http.request(method, path, **kwargs)
    return response, time.monotonic() - started


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def raw_request(port: int, data: bytes, *, chunks: list[bytes] | None = None) -> RawAnswer:
    """Send bytes as they are (and then ``chunks``) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        for chunk in chunks or []:
            try:
                sock.sendall(chunk)
            except OSError:
                break  # the server answered and closed before reading it all
        received = b""
        while True:
            try:
                block = sock.recv(65536)
            except ConnectionResetError:
                break
            if not block:
                break
            received += block
            head, sep, rest = received.partition(b"\r\n\r\n")
            if sep:
                lines = head.split(b"\r\n")
                headers = {
                    k.strip().lower().decode(): v.strip().decode("latin-1")
                    for k, _, v in (line.partition(b":") for line in lines[1:])
                }
                length = int(headers.get("content-length", "-1"))
                if 0 <= length <= len(rest):
                    return RawAnswer(int(lines[0].split()[1]), headers, rest[:length])
    raise AssertionError(f"no complete answer: {received[:500]!r}")


@dataclass(frozen=True)
class Services:
    plant: PlantServer
    pp: pp_server.PPServer
    cp: cp_server.CpServer
    catalogue: Catalogue

    def port(self, name: str) -> int:
        server: Any = getattr(self, name)
        port: int = server.port
        return port

    def url(self, name: str) -> str:
        server: Any = getattr(self, name)
        url: str = server.base_url
        return url


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    folder = tmp_path_factory.mktemp("hardening")
    with running_plant(folder / "plant") as plant:
        with PlantClient(plant.base_url) as client:
            catalogue = seed_catalogue(client, agents=2)
        with (
            pp_server.running_pp(folder / "pp", plant.base_url) as pp,
            cp_server.running_cp(
                folder / "cp",
                database_url=f"sqlite:///{folder / 'cp.db'}",
                plant_url=plant.base_url,
                env={"CP_WORKER_ENABLED": "false"},
            ) as cp,
        ):
            yield Services(plant, pp, cp, catalogue)
        assert "unhandled" not in plant.log_text().lower(), plant.log_text()[-3000:]


def http_for(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30.0)


__all__ = [
    "MAX_PROBLEM_BYTES",
    "PROBLEM",
    "RawAnswer",
    "Services",
    "assert_refused",
    "cp_auth",
    "http_for",
    "pp_auth",
    "raw_request",
    "services",
    "timed",
]
