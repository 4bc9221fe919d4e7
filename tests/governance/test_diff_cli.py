"""`waooaw diff` as users run it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from waooaw.cli import app

PAIRS = Path(__file__).parent / "diff_pairs"
runner = CliRunner()


def test_breaking_change_exits_1_unless_the_major_moved(in_repo: Path) -> None:
    pair = PAIRS / "components"
    result = runner.invoke(app, ["diff", str(pair / "base.yaml"), str(pair / "head.yaml")])
    assert result.exit_code == 1, result.output
    assert "BREAKING" in result.output and "python client:" in result.output


def test_json_and_markdown_formats(in_repo: Path) -> None:
    pair = PAIRS / "components"
    result = runner.invoke(
        app, ["diff", str(pair / "base.yaml"), str(pair / "head.yaml"), "-f", "json"]
    )
    data = json.loads(result.output)
    assert data["changes"] and all("pointer" in c for c in data["changes"])
    markdown = runner.invoke(
        app, ["diff", str(pair / "base.yaml"), str(pair / "head.yaml"), "-f", "markdown"]
    )
    assert "|" in markdown.output


def test_a_contract_against_itself_is_clean(in_repo: Path) -> None:
    spec = "contracts/plant.openapi.yaml"
    result = runner.invoke(app, ["diff", spec, spec])
    assert result.exit_code == 0, result.output


def test_a_missing_side_is_a_clear_error(in_repo: Path) -> None:
    result = runner.invoke(app, ["diff", "contracts/nope.yaml", "contracts/plant.openapi.yaml"])
    assert result.exit_code == 2
