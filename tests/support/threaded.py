"""An ASGI app under a real uvicorn server on 127.0.0.1, in a thread of the test process.

For services whose state the test inspects (the executors record what they receive).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from .plant_server import free_port

__all__ = ["serve_in_thread"]


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app``; yields its base URL; stops the server afterwards."""
    for _ in range(3):
        port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if server.started:
            break
        server.should_exit = True
        thread.join(5)
    else:
        raise RuntimeError("the threaded server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
