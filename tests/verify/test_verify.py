"""``waooaw verify``: Plant in process and over HTTP, a broken service, headers, formats."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.plant_server import PlantServer, running_plant
from waooaw.cli import app
from waooaw.verify import (
    Declared422,
    Expectations,
    KnownFailure,
    TargetOptions,
    VerifyOptions,
    open_target,
    render_text,
    verify,
)

from . import apps

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
QUICK = ["--examples", "2", "--seed", "7"]


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["verify", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def plant_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlantServer]:
    with running_plant(tmp_path_factory.mktemp("plant")) as server:
        yield server


# ---------------------------------------------------------------------------- Plant


def test_service_plant_passes() -> None:
    code, out, err = invoke("--service", "plant", *QUICK)
    assert code == 0, out + err
    assert "OK: no check failed" in out
    assert "plant (in process)" in out
    for phase in ("examples", "coverage", "fuzzing", "stateful"):
        assert f"{phase} success" in out, out


def test_url_mode_against_a_running_plant(plant_server: PlantServer) -> None:
    code, out, err = invoke(
        "--service", "plant", "--url", plant_server.base_url, "--no-stateful", *QUICK
    )
    assert code == 0, out + err
    assert f"waooaw verify: {plant_server.base_url} against" in out
    assert "stateful skip" in out
    assert plant_server.running


def test_url_mode_contract_from_the_server(plant_server: PlantServer) -> None:
    """No --service: the contract is GET /openapi.json, and nothing but it is expected."""
    code, out, err = invoke(
        plant_server.base_url, "--operation-id", "getAgent", "--operation-id", "getSkill", *QUICK
    )
    assert code == 0, out + err
    assert f"against {plant_server.base_url}/openapi.json" in out
    assert "2 operations" in out


def test_url_mode_with_a_contract_file(plant_server: PlantServer) -> None:
    contract = ROOT / "contracts" / "plant.openapi.yaml"
    code, out, err = invoke(
        "--url", plant_server.base_url, "--contract", str(contract),
        "--operation-id", "getJobRole", "--operation-id", "getHealth", *QUICK,
    )  # fmt: skip
    assert code == 0, out + err
    assert f"against {contract}" in out


def test_help_and_gen_never_load_schemathesis() -> None:
    """The targets' registry is lazy: ``waooaw --help`` and ``waooaw gen`` stay light."""
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from waooaw.cli import app\n"
        "for args in (['--help'], ['verify', '--help'], ['gen', '--check']):\n"
        "    result = CliRunner().invoke(app, args)\n"
        "    assert result.exit_code == 0, (args, result.output)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'schemathesis', 'hypothesis'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout


# ---------------------------------------------------------------------------- PP and CP


@pytest.mark.parametrize(
    ("service", "operations"),
    [("pp", ("getAgent", "listAgents")), ("cp", ("getTrial", "listMarketplaceAgents"))],
)
def test_service_over_a_plant_it_starts(service: str, operations: tuple[str, ...]) -> None:
    """``--service pp|cp`` stands up a Plant of its own, seeds it and verifies the service."""
    selected = [arg for name in operations for arg in ("--operation-id", name)]
    code, out, err = invoke("--service", service, *selected, "--format", "json", *QUICK)
    assert code == 0, out + err
    report = json.loads(out)
    assert report["ok"] and report["target"] == f"{service} (in process)", out
    assert report["operations"] == len(operations), out


# ---------------------------------------------------------------------------- failures


def test_broken_service_fails_with_a_curl_per_failure() -> None:
    code, out, _ = invoke("--service", apps.BROKEN, *QUICK)
    assert code == 1, out
    assert "GET /text-errors/{item_id}" in out
    assert "GET /wrong-status/{item_id}" in out
    assert "404 has Content-Type ['text/plain'], not application/problem+json" in out
    assert "problem status 400 is not the HTTP status 404" in out
    assert "curl -X GET" in out
    assert "http://127.0.0.1:8000/wrong-status/" in out
    assert "FAILED:" in out and "--seed 7" in out


def test_report_groups_failures_by_operation_and_check() -> None:
    with open_target(apps.BROKEN, TargetOptions()) as served:
        report = verify(served, VerifyOptions(examples=2, seed=7))
    assert not report.ok and report.exit_code == 1
    wrong = [
        f
        for f in report.failures
        if f.operation == "GET /wrong-status/{item_id}"
        and f.check == "problem_details_for_errors"
        and f.status == 404
    ]
    assert wrong, render_text(report)
    failure = wrong[0]
    assert failure.content_type == "application/problem+json"
    assert '"status": 400' in failure.excerpt
    assert failure.curl.startswith("curl -X GET")
    text = render_text(report)
    # operation headers come before their checks, each check once per operation
    assert text.index("GET /text-errors/{item_id}") < text.index("GET /wrong-status/{item_id}")
    section = text[text.index("GET /wrong-status/{item_id}") :]
    assert section.count("  problem_details_for_errors (") == 1


def test_known_failures_are_dropped_and_counted() -> None:
    wrong_status = KnownFailure(
        reason="the problem's status is wrong",
        operation="GET /wrong-status/{item_id}",
        failures=frozenset({"Custom check failed: `problem_details_for_errors`"}),
        matches=lambda case, response: response.status_code == 404,
    )
    with open_target(apps.BROKEN, TargetOptions()) as served:
        known = Expectations(known_failures={"wrong-status": wrong_status})
        report = verify(replace(served, expectations=known), VerifyOptions(examples=2, seed=7))
    found = {(f.operation, f.check, f.status) for f in report.failures}
    assert ("GET /wrong-status/{item_id}", "problem_details_for_errors", 404) not in found
    assert ("GET /text-errors/{item_id}", "problem_details_for_errors", 404) in found
    assert report.known_failures >= 1
    assert "dropped as known bugs" in render_text(report)


def test_json_format_parses() -> None:
    code, out, _ = invoke("--service", apps.BROKEN, "--format", "json", *QUICK)
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False
    assert data["seed"] == 7
    checks = {(f["operation"], f["check"]) for f in data["failures"]}
    assert ("GET /wrong-status/{item_id}", "problem_details_for_errors") in checks
    assert all(f["curl"].startswith("curl ") for f in data["failures"])
    assert "fuzzing" in data["phases"]


# ---------------------------------------------------------------------------- headers


def test_headers_reach_the_server() -> None:
    apps.SEEN.clear()
    code, out, err = invoke(
        "--service", apps.RECORDER, "--header", "X-Api-Version: 7",
        "-H", "Authorization: Bearer secret-token", *QUICK,
    )  # fmt: skip
    assert code == 0, out + err
    assert apps.SEEN
    assert all(seen.get("x-api-version") == "7" for seen in apps.SEEN)
    assert all(seen.get("authorization") == "Bearer secret-token" for seen in apps.SEEN)


def test_secrets_stay_out_of_reports() -> None:
    code, out, _ = invoke(
        "--service", apps.BROKEN, "-H", "Authorization: Bearer secret-token", *QUICK
    )
    assert code == 1
    assert "secret-token" not in out
    assert "Authorization: [Filtered]" in out


# ---------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name a service"),
        (("--service", "nope"), "unknown service 'nope'; choose from cp, gateway, plant, pp"),
        (("--service", "pp", "--url", "http://127.0.0.1:9"), "pp at http://127.0.0.1:9 did not"),
        (("--service", "cp", "--url", "http://127.0.0.1:9"), "cp at http://127.0.0.1:9 did not"),
        (("--service", "plant", "-H", "no colon"), "is not 'Name: value'"),
        (("--url", "http://127.0.0.1:9"), "is the service running? check --url"),
        (
            ("--url", "http://127.0.0.1:9", "--contract", "missing.yaml"),
            "missing.yaml: no such contract file",
        ),
        (("--service", "plant", "--operation-id", "nope"), "no operation 'nope'"),
        (("plant", "--service", "plant"), "give TARGET or --service/--url, not both"),
        (("--service", "plant", "--format", "xml"), "choose text or json"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    code, out, err = invoke(*args)
    assert code == 2
    assert message in " ".join((out + err).split()), out + err


# ---------------------------------------------------------------------------- checks


def test_declared_422_matches_type_or_violations() -> None:
    constitutional = Declared422(
        "L0", problem_types=frozenset({"https://waooaw.com/errors/constitutional-alignment"})
    )
    assert constitutional.matches({"type": "https://waooaw.com/errors/constitutional-alignment"})
    assert not constitutional.matches({"type": "https://waooaw.com/errors/validation"})
    reuse = Declared422("key", problem_types=frozenset({"idempotency-key-reuse"}))
    assert reuse.matches({"type": "https://waooaw.com/errors/idempotency-key-reuse"})
    cursor = Declared422("cursor", violation_fields=frozenset({"query.cursor"}))
    assert cursor.matches({"violations": [{"field": "query.cursor"}]})
    assert not cursor.matches({"violations": [{"field": "query.cursor"}, {"field": "query.x"}]})
    assert not cursor.matches({"violations": []})
    assert Declared422.from_config(cursor.as_config()) == cursor
