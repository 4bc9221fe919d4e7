"""End to end: the PP admin and CP customer workflows in a real browser.

Real Plant, PP and CP run on 127.0.0.1 (subprocesses, fresh SQLite files, one
JWT secret) serving their built web apps; node runs the playwright-core scripts in
``web/e2e/`` against them with Debian's chromium (headless, no sandbox). The scripts
click through the pages and assert what is on screen; their screenshots land in
``artifacts/screenshots/`` (CI keeps that folder).

Skipped, with the reason, only when node or chromium is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.gateway_server import running_gateway
from waooaw.generated.plant.client import PlantClient
from waooaw.services.common.auth import JwtSettings, mint_token
from waooaw.services.plant.seeding import agent_create, seed_catalogue

from .servers import JWT_SECRET, Service, running_stack

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCRIPT_TIMEOUT_S = 150

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"chromium is not installed at {CHROMIUM} (bash .ci/chromium.sh installs it)",
    ),
]


def _token(*roles: str, subject: str) -> str:
    return mint_token(
        JwtSettings(secret=JWT_SECRET, environment="test"), subject=subject, roles=roles
    )


@pytest.fixture(scope="module")
def built() -> None:
    """The apps are built (npm ci and vite build when stale), as ``./dev run`` does."""
    result = subprocess.run(
        ["bash", str(WEB / "build-if-stale.sh")], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"building the web apps failed:\n{result.stderr}"
    for app in ("pp", "cp"):
        if (WEB / app / "index.html").exists():
            assert (WEB / app / "dist" / "index.html").is_file(), f"web/{app} was not built"


def seed_marketplace(plant: Service) -> None:
    """Three agents in Plant for the marketplace, as an administrator would make them."""
    with PlantClient(plant.base_url) as client:
        catalogue = seed_catalogue(client, agents=0)
        ids = [s.id for s in catalogue.skills]
        for i, (name, specialties, price) in enumerate(MARKETPLACE):
            client.create_agent(
                body=agent_create(
                    catalogue.job_role,
                    ids,
                    i,
                    name=name,
                    specialties=specialties,
                    price_per_month=price,
                )
            )


MARKETPLACE = [
    ("Email Marketing Agent", ["B2B SaaS", "Email"], 12000),
    ("Healthcare Content Agent", ["Healthcare", "Blogs"], 18000),
    ("Social Media Agent", ["Retail", "Instagram"], 9000),
]


@pytest.fixture
def stack(
    built: None, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[dict[str, Service]]:
    names: tuple[str, ...] = request.param
    before = seed_marketplace if "cp" in names else None
    with running_stack(tmp_path, names, before=before) as services:
        yield services


def _run_script(script: str, env: dict[str, str], services: dict[str, Service]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["node", f"e2e/{script}"],
        cwd=WEB,
        env={
            **os.environ,
            **env,
            "CHROMIUM_PATH": CHROMIUM,
            "E2E_SCREENSHOTS": str(SCREENSHOTS),
        },
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_S,
    )
    if result.returncode != 0:
        logs = "\n".join(f"--- {s.name} log ---\n{s.log_text()[-3000:]}" for s in services.values())
        pytest.fail(
            f"{script} exited {result.returncode}\n{result.stdout}\n{result.stderr}\n{logs}",
            pytrace=False,
        )
    assert "passed in" in result.stdout, result.stdout


@pytest.mark.parametrize("stack", [("pp",)], indirect=True)
def test_pp_admin_workflow(stack: dict[str, Service]) -> None:
    token = _token("genesis", "governor", "viewer", subject="admin@example.com")
    _run_script("pp.e2e.mjs", {"PP_URL": stack["pp"].base_url, "PP_TOKEN": token}, stack)
    for page in (
        "pp-skills",
        "pp-skill-detail",
        "pp-agent-violation",
        "pp-agent-detail",
        "pp-audit",
    ):
        assert (SCREENSHOTS / f"{page}.png").stat().st_size > 1000, page


@pytest.mark.parametrize("stack", [("cp",)], indirect=True)
def test_cp_customer_workflow(stack: dict[str, Service]) -> None:
    token = _token("customer", subject="customer@example.com")
    _run_script("cp.e2e.mjs", {"CP_URL": stack["cp"].base_url, "CP_TOKEN": token}, stack)
    for page in (
        "cp-marketplace",
        "cp-agent-profile",
        "cp-trial-modal",
        "cp-trial-dashboard",
        "cp-duplicate-trial",
    ):
        assert (SCREENSHOTS / f"{page}.png").stat().st_size > 1000, page


@pytest.mark.parametrize("stack", [("pp",)], indirect=True)
def test_pp_gateway_blue_green_switch(stack: dict[str, Service], tmp_path: Path) -> None:
    """The portal's Gateway page calls a real gateway (CORS allows PP's origin) and switches
    a blue/green route group; the gateway's route table then sends everything to green."""
    plant, pp = stack["plant"], stack["pp"]
    token = _token("governor", "viewer", subject="ops@example.com")
    with running_gateway(
        tmp_path / "gateway",
        plant.base_url,
        JWT_SECRET,
        env={"GATEWAY_CORS_ORIGINS": pp.base_url},
    ) as gateway:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=gateway.base_url, headers=headers, timeout=10) as client:
            for version, weight in (("blue", 100), ("green", 0)):
                created = client.post(
                    "/gateway/v1/routes",
                    json={
                        "match": "/api/v1/job-roles",
                        "version": version,
                        "upstream_url": plant.base_url,
                        "weight": weight,
                        "enabled": True,
                    },
                )
                assert created.status_code == 201, created.text
            _run_script(
                "pp-gateway.e2e.mjs",
                {"PP_URL": pp.base_url, "GATEWAY_URL": gateway.base_url, "PP_TOKEN": token},
                {**stack, "gateway": gateway},
            )
            table = client.get("/gateway/v1/routes")
            assert table.status_code == 200, table.text
            weights = {
                r["version"]: r["weight"]
                for r in table.json()["items"]
                if r["match"] == "/api/v1/job-roles"
            }
            assert weights == {"blue": 0, "green": 100}
    assert (SCREENSHOTS / "pp-gateway-switched.png").stat().st_size > 1000
