"""A real Prometheus (Debian's package) scrapes Plant, PP and CP and answers queries.

The services run as ``waooaw serve NAME`` subprocesses on 127.0.0.1 (``tests/web/servers``);
Prometheus scrapes each ``/metrics`` every second into a scratch folder, and the series
are read back through its HTTP API (``/api/v1/query``).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.plant_server import free_port
from tests.web.servers import running_stack
from waooaw.generated.plant import models
from waooaw.generated.plant.client import PlantClient

PROMETHEUS = shutil.which("prometheus")

pytestmark = pytest.mark.skipif(
    PROMETHEUS is None, reason="prometheus is not installed (bash .ci/prometheus.sh installs it)"
)

CONFIG = """\
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: waooaw
    static_configs:
      - targets: [{targets}]
"""


@contextmanager
def running_prometheus(folder: Path, targets: list[str]) -> Iterator[str]:
    assert PROMETHEUS is not None
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "prometheus.yml"
    config.write_text(CONFIG.format(targets=", ".join(f"'{t}'" for t in targets)))
    port = free_port()
    log = folder / "prometheus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"{base}/-/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(20)


def query_until(base: str, promql: str, want: Any, timeout: float = 45) -> list[dict[str, Any]]:
    """Poll ``promql`` until ``want(result)`` holds; the last result otherwise fails."""
    deadline = time.monotonic() + timeout
    result: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        answer = httpx.get(f"{base}/api/v1/query", params={"query": promql}, timeout=5).json()
        assert answer["status"] == "success", answer
        result = answer["data"]["result"]
        if want(result):
            return result
        time.sleep(0.5)
    pytest.fail(f"{promql}: {result}")


def test_prometheus_scrapes_every_service(tmp_path: Path) -> None:
    with running_stack(tmp_path / "services", ("pp", "cp")) as services:
        with PlantClient(services["plant"].base_url) as plant:
            plant.create_skill(
                body=models.SkillCreate(
                    name="Scraped skill",
                    category=models.SkillCategory.TECHNICAL,
                    description="Counted by Prometheus.",
                )
            )
        targets = [s.base_url.removeprefix("http://") for s in services.values()]
        with running_prometheus(tmp_path / "prometheus", targets) as prometheus:
            up = query_until(
                prometheus, "up", lambda r: len(r) == 3 and all(s["value"][1] == "1" for s in r)
            )
            assert {s["metric"]["instance"] for s in up} == set(targets)
            created = query_until(
                prometheus,
                'waooaw_http_requests_total{service="plant",operation_id="createSkill",status="201"}',
                lambda r: len(r) == 1 and r[0]["value"][1] == "1",
            )
            assert created[0]["metric"]["method"] == "POST"
            query_until(
                prometheus,
                'histogram_quantile(0.5, sum by (le) (rate(waooaw_http_request_duration_seconds_bucket{service="plant"}[1m])))',
                lambda r: len(r) == 1,
            )
            query_until(
                prometheus, "waooaw_audit_chain_entries", lambda r: r and r[0]["value"][1] == "1"
            )
            query_until(
                prometheus,
                'waooaw_cp_tasks{status="pending"}',
                lambda r: len(r) == 1 and r[0]["value"][1] == "0",
            )
            query_until(
                prometheus,
                'waooaw_db_pool_connections{service="cp",engine="writer",state="size"}',
                lambda r: len(r) == 1,
            )
