"""The committed Plant collection run by newman against a real Plant on 127.0.0.1.

Needs Node and ``typescript/node_modules`` (``npm ci`` in ``typescript/``, which ``./dev
test`` does); outside CI the test skips when they are missing, in CI (``CI`` set) it fails.
The run goes twice over the collection against the same fresh server: every request must
pass every assertion both times (the second pass shows that a collection can be re-run).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ..conftest import ROOT
from ..support.plant_server import running_plant
from .conftest import GOLDEN

NEWMAN = ROOT / "typescript" / "node_modules" / ".bin" / "newman"
ITERATIONS = 2
TIMEOUT_S = 300

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def _toolchain() -> None:
    if shutil.which("node") is None or not NEWMAN.exists():
        message = "Node and typescript/node_modules are needed (run `npm ci` in typescript/)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _newman(collection: Path, environment: Path, base_url: str, report: Path) -> dict[str, Any]:
    command = [
        str(NEWMAN), "run", str(collection),
        "--environment", str(environment),
        "--env-var", f"base_url={base_url}",
        "--iteration-count", str(ITERATIONS),
        "--reporters", "cli,json",
        "--reporter-json-export", str(report),
        "--color", "off",
        "--disable-unicode",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert report.exists(), f"newman wrote no report:\n{result.stdout}\n{result.stderr}"
    run: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))["run"]
    failures = [
        f"{f['source'].get('name')}: {f['error'].get('test') or ''} {f['error'].get('message')}"
        for f in run["failures"]
    ]
    assert result.returncode == 0 and not failures, "\n".join(failures) + "\n" + result.stdout
    return run


def test_every_request_passes_its_tests_against_a_real_plant(tmp_path: Path) -> None:
    collection = json.loads((GOLDEN / "plant.postman_collection.json").read_text())
    expected = {
        item["id"]: item["name"] for folder in collection["item"] for item in folder["item"]
    }
    with running_plant(tmp_path / "plant") as plant:
        run = _newman(
            GOLDEN / "plant.postman_collection.json",
            GOLDEN / "plant.local.postman_environment.json",
            plant.base_url,
            tmp_path / "report.json",
        )
    stats = run["stats"]
    assert stats["requests"] == {"total": len(expected) * ITERATIONS, "pending": 0, "failed": 0}
    assert stats["assertions"]["failed"] == 0
    assert stats["testScripts"]["failed"] == 0
    assert stats["prerequestScripts"]["failed"] == 0
    executed = [e["item"]["id"] for e in run["executions"]]
    assert sorted(executed) == sorted(list(expected) * ITERATIONS), "every request, each pass"
    for execution in run["executions"]:
        name = expected[execution["item"]["id"]]
        tests = {a["assertion"] for a in execution["assertions"]}
        assert any(t.startswith("status is ") for t in tests), name
        assert not [a for a in execution["assertions"] if a.get("error")], name
    # the server saw the correlation ids the pre-request script made
    first = run["executions"][0]
    sent = {h["key"].lower(): h["value"] for h in first["request"]["header"]}
    echoed = {h["key"].lower(): h["value"] for h in first["response"]["header"]}
    assert sent["x-correlation-id"] == echoed["x-correlation-id"]
    assert len(sent["x-correlation-id"]) == 36
