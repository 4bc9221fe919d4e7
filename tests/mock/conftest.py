"""Mock fixtures: the contracts mocked (Plant's and every fixture contract) and their apps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from waooaw.mock import create_mock_app

from ..conftest import CONTRACTS, PLANT_CONTRACT

#: Every contract the mock is tested on: key -> contract file.
MOCKED: dict[str, Path] = {"plant": PLANT_CONTRACT, **CONTRACTS}


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def mock_app_for() -> Callable[[str], FastAPI]:
    """``mock_app_for(key)``: a mock of that contract (one per contract and session)."""
    apps: dict[str, FastAPI] = {}

    def get(key: str) -> FastAPI:
        if key not in apps:
            apps[key] = create_mock_app(MOCKED[key])
        return apps[key]

    return get
