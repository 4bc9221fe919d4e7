"""`waooaw postman SPEC -o FILE`: the collection, the three environments beside it, help."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from waooaw.cli import app

from ..conftest import PLANT_CONTRACT, ROOT
from .conftest import GOLDEN, schema_errors

runner = CliRunner()


def test_writes_the_collection_and_three_environments_beside_it(
    in_repo: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "plant.postman_collection.json"
    spec = str(PLANT_CONTRACT.relative_to(ROOT))
    result = runner.invoke(app, ["postman", spec, "-o", str(target)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in target.parent.iterdir())
    assert names == [
        "plant.demo.postman_environment.json",
        "plant.local.postman_environment.json",
        "plant.postman_collection.json",
        "plant.prod.postman_environment.json",
    ]
    for name in names:
        assert f"wrote {target.parent / name}" in result.output
        # the same bytes `waooaw gen` commits
        assert (target.parent / name).read_bytes() == (GOLDEN / name).read_bytes()


def test_environment_names_follow_the_collection_file_name(tmp_path: Path) -> None:
    target = tmp_path / "shop-api.json"
    result = runner.invoke(app, ["postman", str(PLANT_CONTRACT), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "shop-api.demo.postman_environment.json",
        "shop-api.json",
        "shop-api.local.postman_environment.json",
        "shop-api.prod.postman_environment.json",
    ]
    assert schema_errors(json.loads(target.read_text())) == []


def test_help_shows_examples() -> None:
    result = runner.invoke(app, ["postman", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "waooaw postman contracts/plant.openapi.yaml -o build/plant.postman_collection.json" in (
        result.output
    )
    assert "<stem>.local.postman_environment.json" in result.output


def test_a_missing_contract_is_named(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["postman", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "c.json")],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 2
    assert "nope.yaml: no such contract file" in result.output
    assert not (tmp_path / "c.json").exists()


def test_a_broken_contract_reports_its_problems_and_writes_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: Broken}\npaths: {}\n")
    result = runner.invoke(app, ["postman", str(spec), "-o", str(tmp_path / "c.json")])
    assert result.exit_code == 1
    assert "broken.yaml" in result.output
    assert "version" in result.output
    assert not (tmp_path / "c.json").exists()
