"""A ``waooaw serve`` whose ports are taken stops at once, before touching any database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def _listening_pair() -> Iterator[tuple[socket.socket, int]]:
    """A port P that is free and a socket listening on P + 1 (what a running PP looks like)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        busy = socket.socket()
        try:
            busy.bind(("127.0.0.1", port + 1))
        except OSError:
            busy.close()
            continue
        busy.listen()
        with busy:
            yield busy, port
        return
    pytest.fail("no free pair of ports")


def _serve(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    waooaw = shutil.which("waooaw", path=str(Path(sys.executable).parent))
    assert waooaw is not None
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(("DATABASE_URL", "PLANT_API_URL")) and not k.startswith("WAOOAW_")
    }
    return subprocess.run(
        [waooaw, "serve", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _assert_one_line_and_nothing_started(
    result: subprocess.CompletedProcess[str], tmp_path: Path, name: str, port: int
) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{name}: port {port} " in lines[0]
    assert "--port" in lines[0]
    assert "Task was destroyed" not in result.stderr
    assert "Errno" not in result.stderr
    # no migration ran: neither service created its SQLite database
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_all_stops_naming_a_taken_port_before_migrating(tmp_path: Path) -> None:
    with _listening_pair() as (_, plant_port):
        # Plant's port is free, PP's (plant + 1) is taken: nothing may start, not even Plant
        result = _serve(tmp_path, "all", "--port", str(plant_port))
    _assert_one_line_and_nothing_started(result, tmp_path, "pp", plant_port + 1)


def test_one_service_on_a_taken_port(tmp_path: Path) -> None:
    with _listening_pair() as (_, free):
        result = _serve(tmp_path, "cp", "--port", str(free + 1))
    _assert_one_line_and_nothing_started(result, tmp_path, "cp", free + 1)
