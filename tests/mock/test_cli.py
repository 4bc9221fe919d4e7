"""``waooaw mock`` as a user runs it: a real process on a real port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..support.plant_server import free_port
from .conftest import MOCKED

READY_TIMEOUT_S = 45.0
PORT_ATTEMPTS = 3


def _start(tmp_path: Path, spec: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    for attempt in range(PORT_ATTEMPTS):
        port = free_port()
        log = tmp_path / f"mock-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "waooaw.cli", "mock", str(spec), "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if httpx.get(f"{base_url}/openapi.json", timeout=2.0).status_code == 200:
                    return process, base_url, log
            except httpx.TransportError:
                time.sleep(0.1)
        _stop(process)
        text = log.read_text(errors="replace")
        if "address already in use" not in text.lower() or attempt == PORT_ATTEMPTS - 1:
            pytest.fail(f"waooaw mock did not start:\n{text}")
    raise AssertionError("unreachable")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture
def running_mock(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    process, base_url, log = _start(tmp_path, MOCKED["plant"])
    try:
        yield base_url, log
    finally:
        _stop(process)


@pytest.mark.slow
def test_the_command_serves_the_contract_over_http(running_mock: tuple[str, Path]) -> None:
    base_url, log = running_mock
    response = httpx.get(f"{base_url}/api/v1/genesis/skills", timeout=5.0)
    assert response.status_code == 200
    assert response.json()["items"][0]["name"] == "Marketing Analytics"
    assert response.headers["x-correlation-id"]
    invalid = httpx.get(f"{base_url}/api/v1/genesis/skills", params={"limit": 0}, timeout=5.0)
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    printed = log.read_text()
    assert f"Mocking WAOOAW Plant API 2.0.0 (18 operations) at {base_url}" in printed


def test_an_invalid_contract_exits_1_with_the_generator_errors(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: x}\npaths: {}\n")
    result = subprocess.run(
        [sys.executable, "-m", "waooaw.cli", "mock", str(spec)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert "broken.yaml:2:1: /info: [openapi-schema]" in result.stderr
