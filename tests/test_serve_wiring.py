"""``waooaw serve all`` lets the PP portal's origin call the gateway's admin API."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from waooaw.services.common.settings import DEFAULT_CORS_ORIGINS
from waooaw.services.runner import PORTS, _wire

_WIRED = (
    "GATEWAY_CORS_ORIGINS",
    "CORS_ORIGINS",
    "PLANT_API_URL",
    "CP_PLANT_API_URL",
    "PP_PLANT_API_URL",
)


@pytest.fixture(autouse=True)
def _clean_env() -> Iterator[None]:
    """_wire sets variables in os.environ: start without them and put everything back."""
    saved = dict(os.environ)
    for name in _WIRED:
        os.environ.pop(name, None)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_gateway_with_pp_allows_pp_origin() -> None:
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
