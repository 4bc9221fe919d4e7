"""Swagger UI and ReDoc work without internet, for every service and for the mock.

Plant, PP, CP and ``waooaw mock`` run on 127.0.0.1; ``web/e2e/docs.e2e.mjs`` opens each
one's ``/docs`` and ``/redoc`` in chromium with every request to another host aborted, and
waits for the operations to be listed (the pages stay blank if an asset comes from a CDN).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.plant_server import free_port

from .servers import running_stack
from .test_e2e import CHROMIUM, SCREENSHOTS, SCRIPT_TIMEOUT_S, WEB

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"chromium is not installed at {CHROMIUM} (bash .ci/chromium.sh installs it)",
    ),
    pytest.mark.skipif(
        not (WEB / "node_modules" / "playwright-core").is_dir(),
        reason="run `npm ci` in web/ for playwright-core",
    ),
]


@contextmanager
def running_mock(folder: Path) -> Iterator[str]:
    port = free_port()
    log = folder / "mock.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "waooaw.cli", "mock"),
                str(ROOT / "contracts" / "plant.openapi.yaml"),
                *("--port", str(port), "--log-level", "warning"),
            ],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)


def test_docs_render_with_the_internet_blocked(tmp_path: Path) -> None:
    with running_stack(tmp_path, ("pp", "cp")) as services, running_mock(tmp_path) as mock:
        targets = {name: s.base_url for name, s in services.items()} | {"mock": mock}
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["node", "e2e/docs.e2e.mjs"],
            cwd=WEB,
            env={
                **os.environ,
                "DOCS_TARGETS": ",".join(f"{k}={v}" for k, v in targets.items()),
                "CHROMIUM_PATH": CHROMIUM,
                "E2E_SCREENSHOTS": str(SCREENSHOTS),
            },
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT_S,
            check=False,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "docs: passed in" in result.stdout, result.stdout
    for name in targets:
        assert f"ok   docs: {name}: /docs lists the operations" in result.stdout
        assert f"ok   docs: {name}: /redoc lists the operations" in result.stdout
