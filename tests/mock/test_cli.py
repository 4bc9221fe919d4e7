"""``waooaw mock`` as a user runs it: a real process on a real port."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from waooaw.services.process import ServiceStartError, service_env, start_service

from .conftest import MOCKED


@pytest.fixture
def running_mock(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    argv = [sys.executable, "-m", "waooaw.cli", "mock", str(MOCKED["plant"])]
    env = service_env(PYTHONUNBUFFERED="1")
    try:
        mock = start_service("mock", tmp_path, env=env, argv=argv, ready_path="/openapi.json")
    except ServiceStartError as exc:
        pytest.fail(f"waooaw mock did not start:\n{exc}")
    try:
        yield mock.base_url, mock.log
    finally:
        mock.stop()


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
