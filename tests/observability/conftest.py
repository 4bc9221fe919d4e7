"""Services in this process for the observability tests: Plant under a real uvicorn on
127.0.0.1 (in a thread, so its spans and metrics are visible here), PP and CP over ASGI."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from tests.support.plant_server import AUDIT_KEY, free_port
from waooaw.services.common.db import run_migrations
from waooaw.services.plant import PlantSettings
from waooaw.services.plant import create_app as create_plant
from waooaw.services.plant.api.context import MIGRATIONS


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class ThreadedServer:
    app: FastAPI
    base_url: str


@contextmanager
def serving(app: FastAPI) -> Iterator[ThreadedServer]:
    """``app`` under uvicorn on a free 127.0.0.1 port, in a thread, until the block ends."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield ThreadedServer(app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(10)


def plant_app(folder: Path) -> FastAPI:
    url = f"sqlite:///{folder / 'plant.db'}"
    run_migrations(MIGRATIONS, url)
    return create_plant(
        PlantSettings.model_validate(
            {"database_url": url, "audit_key": AUDIT_KEY, "environment": "test"}
        )
    )
