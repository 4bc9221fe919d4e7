"""``waooaw serve all`` lets the PP portal's origin call the gateway's admin API."""

from __future__ import annotations

import os

import pytest

from waooaw.services.common.settings import DEFAULT_CORS_ORIGINS
from waooaw.services.runner import PORTS, _wire

_WIRED = ("GATEWAY_CORS_ORIGINS", "CORS_ORIGINS", "PLANT_API_URL", "CP_PLANT_API_URL")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*_WIRED, "PP_PLANT_API_URL", "GATEWAY_PLANT_URL", "PLANT_SERVICE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name in ("CP_EXECUTOR", "CP_GATEWAY_URL", "GATEWAY_EXECUTOR_SANDBOX_URL"):
        monkeypatch.delenv(name, raising=False)


def test_gateway_with_pp_allows_pp_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    _wire(dict(PORTS), "0.0.0.0")
    origins = os.environ["GATEWAY_CORS_ORIGINS"].split(",")
    assert origins == [*DEFAULT_CORS_ORIGINS, "http://127.0.0.1:8001", "http://localhost:8001"]


def test_explicit_cors_origins_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_CORS_ORIGINS", "https://admin.example.com")
    _wire(dict(PORTS), "0.0.0.0")
    assert os.environ["GATEWAY_CORS_ORIGINS"] == "https://admin.example.com"


def test_gateway_without_pp_is_left_alone() -> None:
    _wire({"plant": 8000, "gateway": 8003}, "127.0.0.1")
    assert "GATEWAY_CORS_ORIGINS" not in os.environ
