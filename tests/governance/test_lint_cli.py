"""`waooaw lint` as users run it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from waooaw.cli import app

FIXTURES = Path(__file__).parent / "lint_fixtures"
runner = CliRunner()


def test_our_contracts_lint_clean_even_strictly(in_repo: Path) -> None:
    result = runner.invoke(app, ["lint", "--strict"])
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.output


def test_errors_exit_1_and_name_file_line_and_rule(in_repo: Path) -> None:
    broken = FIXTURES / "error_response_problem_json.yaml"
    result = runner.invoke(app, ["lint", str(broken)])
    assert result.exit_code == 1
    assert "error [error-response-problem-json]" in result.output
    assert f"{broken.relative_to(in_repo)}:" in result.output


def test_warnings_pass_unless_strict(in_repo: Path) -> None:
    only_warning = FIXTURES / "create_operation_links.yaml"
    assert runner.invoke(app, ["lint", str(only_warning)]).exit_code == 0
    assert runner.invoke(app, ["lint", str(only_warning), "--strict"]).exit_code == 1


def test_github_annotations_and_rule_list(in_repo: Path) -> None:
    result = runner.invoke(
        app, ["lint", str(FIXTURES / "create_operation_links.yaml"), "--format", "github"]
    )
    assert result.output.startswith("::warning file=")
    listing = runner.invoke(app, ["lint", "--list-rules"])
    assert listing.exit_code == 0 and "operation-id-unique" in listing.output


@pytest.mark.parametrize("bad", ["xml"])
def test_unknown_format_is_refused(in_repo: Path, bad: str) -> None:
    result = runner.invoke(app, ["lint", "--format", bad])
    assert result.exit_code == 2
