"""A new user's check: stock ``schemathesis run URL --checks all`` from the repository root
(which reads ``schemathesis.toml`` there) against freshly started Plant, PP and CP, and the
README's ``waooaw verify --url ... --contract ...``: no failure.

Real servers (uvicorn subprocesses on free 127.0.0.1 ports, SQLite files); PP and CP get
bearer tokens from ``waooaw token``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import cp_server, pp_server
from tests.support.plant_server import PlantServer, running_plant

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: fewer cases than schemathesis' default 100 per operation, to fit a test run
EXAMPLES = "25"
TIMEOUT_S = 900


def _token(secret: str, *args: str) -> str:
    env = {**os.environ, "JWT_SECRET": secret}
    done = subprocess.run(
        [BIN / "waooaw", "token", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def _stock_run(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(str(BIN / "schemathesis"), "run", f"{url}/openapi.json", "--checks", "all"),
            *("--max-examples", EXAMPLES, "--no-color", *extra),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def _assert_no_failure(done: subprocess.CompletedProcess[str]) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    summary = output.strip().splitlines()[-1]
    assert "failure" not in summary and " in " in summary, output[-3000:]


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlantServer]:
    with running_plant(tmp_path_factory.mktemp("plant")) as server:
        yield server


def test_repository_root_holds_the_stock_configuration() -> None:
    from waooaw.verify.config import find_project_file

    assert find_project_file(ROOT) == ROOT / "schemathesis.toml"
    assert find_project_file(ROOT / "waooaw" / "verify") == ROOT / "schemathesis.toml"


def test_stock_schemathesis_passes_against_plant(plant: PlantServer) -> None:
    _assert_no_failure(_stock_run(plant.base_url))


def test_readme_verify_command_passes_against_plant(plant: PlantServer) -> None:
    done = subprocess.run(
        [
            *(str(BIN / "waooaw"), "verify", "--url", plant.base_url),
            *("--contract", "contracts/plant.openapi.yaml", "--examples", "10"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    assert "OK: no check failed" in done.stdout


def test_stock_schemathesis_passes_against_pp(plant: PlantServer, tmp_path: Path) -> None:
    roles = ("-r", "genesis", "-r", "governor", "-r", "viewer")
    token = _token(pp_server.JWT_SECRET, *roles, "-s", "alice")
    with pp_server.running_pp(tmp_path / "pp", plant.base_url) as pp:
        done = _stock_run(pp.base_url, "--header", f"Authorization: Bearer {token}")
    _assert_no_failure(done)


def test_stock_schemathesis_passes_against_cp(plant: PlantServer, tmp_path: Path) -> None:
    customer = "0b2c8a4e-5d7f-4e1a-9c3b-6a5d4e3f2a1b"
    token = _token(cp_server.JWT_SECRET, "-r", "customer", "-s", customer)
    with cp_server.running_cp(
        tmp_path / "cp", database_url=f"sqlite:///{tmp_path / 'cp.db'}", plant_url=plant.base_url
    ) as cp:
        done = _stock_run(cp.base_url, "--header", f"Authorization: Bearer {token}")
    _assert_no_failure(done)
