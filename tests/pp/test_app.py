"""PP's wiring: routes equal the contract, configuration refuses bad values at start, and the
small rules of ``domain/`` (status names, dashboard figures, the report's file name)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from importlib.resources import files
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import ValidationError

from waooaw.generated.plant import models as plant
from waooaw.generated.pp import models as pp
from waooaw.generated.pp import server
from waooaw.services.common.auth import DEV_JWT_SECRET, JwtSettings
from waooaw.services.pp import PPSettings, create_app
from waooaw.services.pp.api.audit import report_filename
from waooaw.services.pp.domain.dashboard import dashboard, percentage

from .conftest import JWT, pp_settings

METHODS = ("get", "put", "post", "delete", "patch")


def _contract() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        files("waooaw.generated.pp").joinpath("openapi.json").read_text()
    )
    return document


def test_mounted_routes_are_the_contracts_operations() -> None:
    app = create_app(pp_settings("http://127.0.0.1:9"), jwt=JWT)
    mounted = {
        (method, context.path): context.route.operation_id
        for context in iter_route_contexts(app.routes)
        if isinstance(context.route, APIRoute)
        for method in context.methods or ()
    }
    paths = _contract()["paths"]
    declared = {
        (method.upper(), path): op["operationId"]
        for path, item in paths.items()
        for method, op in item.items()
        if method in METHODS
    }
    assert len(declared) == 18
    # Starlette spells path parameters as the contract does here (they are identifiers)
    assert mounted == declared
    assert {op[0] for op in server.OPERATIONS} == set(declared.values())


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("PP_", "PLANT_", "CORS_", "WAOOAW_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PLANT_API_URL", "http://plant.internal:8000/")
    monkeypatch.setenv("PLANT_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("PP_PLANT_RETRY_ATTEMPTS", "4")
    monkeypatch.setenv("PP_RETRY_AFTER", "9")
    settings = PPSettings()
    assert settings.plant_api_url == "http://plant.internal:8000"
    assert settings.plant_timeout_seconds == 2.5
    assert settings.plant_retry_attempts == 4
    assert settings.retry_after_seconds == 9
    # PP_* wins over the plain name
    monkeypatch.setenv("PP_PLANT_API_URL", "https://plant.example.com")
    assert PPSettings().plant_api_url == "https://plant.example.com"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"plant_api_url": "plant:8000"}, "must be an http(s) URL"),
        ({"plant_api_url": "ftp://plant"}, "must be an http(s) URL"),
        ({"plant_api_url": "http://plant/?x=1"}, "must not have a query"),
        ({"plant_timeout_seconds": 0}, "greater than 0"),
        ({"plant_retry_attempts": 0}, "greater than or equal to 1"),
        ({"cors_origins": "*"}, "may not contain '*'"),
    ],
)
def test_bad_settings_are_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        PPSettings.model_validate({"environment": "test", **values})


def test_the_development_jwt_secret_is_refused_outside_development() -> None:
    settings = pp_settings("http://127.0.0.1:9", environment="production")
    with pytest.raises(ValidationError, match="JWT_SECRET must be set"):
        create_app(settings)
    assert JwtSettings(environment="dev").secret.get_secret_value() == DEV_JWT_SECRET
    create_app(pp_settings("http://127.0.0.1:9", environment="dev"))  # fine in development


def test_serve_pp_with_a_bad_setting_exits_with_the_settings_name(tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PP_", "PLANT_", "JWT_"))}
    env.update(PLANT_API_URL="not a url", PP_ENV="test", JWT_SECRET="s" * 40)
    result = subprocess.run(
        [sys.executable, "-m", "waooaw.cli", "serve", "pp", "--port", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "pp: invalid configuration" in result.stderr
    assert "PLANT_API_URL" in result.stderr


# -- domain -------------------------------------------------------------------------------


def test_certification_status_names_are_plants() -> None:
    # one name per status across the contracts: PP shows Plant's values unchanged
    values = {s.value for s in pp.CertificationStatus}
    assert values == {s.value for s in plant.SkillStatus}
    assert values == {s.value for s in plant.JobRoleStatus}
    assert "pending_certification" in values


def test_percentage() -> None:
    assert percentage(0, 0) == 100.0
    assert percentage(1, 3) == 33.33
    assert percentage(3, 3) == 100.0


def _report(**overrides: Any) -> plant.AuditReportResponse:
    values: dict[str, Any] = {
        "report_id": "8cd07d9e-afb0-4c2d-9e45-e6f708192a3b",
        "generated_at": "2026-01-16T11:00:00Z",
        "overall_score": 75.0,
        "entities_checked": 4,
        "by_entity_type": [
            {"entity_type": "agent", "checked": 2, "compliant": 1, "score": 50.0},
            {"entity_type": "skill", "checked": 2, "compliant": 2, "score": 100.0},
        ],
        "by_principle": [
            {
                "principle_id": f"L0-0{i}",
                "title": f"P{i}",
                "passed": 2 if i != 3 else 1,
                "failed": 0 if i != 3 else 1,
                "status": "pass" if i != 3 else "partial",
            }
            for i in range(7, 0, -1)
        ],
        "violations": [
            {
                "entity_type": "agent",
                "entity_id": "9a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
                "principle_id": "L0-03",
                "detail": "no sandbox",
                "detected_at": "2026-01-16T11:00:00Z",
            }
        ],
        "chain": {
            "intact": True,
            "entries": 9,
            "head_hash": "a" * 64,
            "first_broken_sequence": None,
            "break_kind": None,
            "detail": None,
        },
        **overrides,
    }
    return plant.AuditReportResponse.model_validate(values)


def test_dashboard_figures() -> None:
    figures = dashboard(_report(), violations_limit=20)
    assert (figures.compliant_entities, figures.non_compliant_entities) == (3, 1)
    assert [p.principle_id for p in figures.by_principle] == [f"L0-0{i}" for i in range(1, 8)]
    l003 = figures.by_principle[2]
    assert (l003.score, l003.status) == (50.0, pp.PrincipleStatus.PARTIAL)
    assert figures.violations_total == 1
    assert len(figures.recent_violations) == 1
    assert dashboard(_report(), violations_limit=0).recent_violations == []


def test_violations_total_counts_beyond_plants_list() -> None:
    # Plant caps its violations list; the per-principle counts are complete
    capped = _report(violations=[])
    assert dashboard(capped, violations_limit=20).violations_total == 1


def test_report_filename_is_todays_utc_date() -> None:
    late = datetime(2026, 1, 16, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert report_filename(late) == "audit_report_2026-01-17.csv"
    assert report_filename(datetime(2026, 1, 16, tzinfo=UTC)) == "audit_report_2026-01-16.csv"
