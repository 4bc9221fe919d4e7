"""``waooaw lint``: our contracts lint clean, each rule fires on its fixture exactly where the
defect is written, configuration and output formats behave as documented.

Every fixture in ``lint_fixtures/`` is ``clean.yaml`` with one defect, so each must produce
exactly one finding: the rule it is named after, at the defect's pointer, line and column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from waooaw.governance import lint
from waooaw.governance.lint import (
    Finding,
    LintConfig,
    LintConfigError,
    LintReport,
    exit_code,
    lint_files,
    load_config,
    render,
    rule,
    rules,
)

from ..conftest import PLANT_CONTRACT, ROOT

FIXTURES = Path(__file__).resolve().parent / "lint_fixtures"
CLEAN = FIXTURES / "clean.yaml"
SHARED_CONTRACT = ROOT / "contracts" / "shared.yaml"
PET_ITEM = "/paths/~1pets~1{pet_id}/get"


@dataclass(frozen=True)
class Case:
    fixture: str
    rule: str
    pointer: str
    line: int
    column: int


CASES = [
    Case("openapi_valid", "openapi-valid", "/components/schemas/Pet/properties/name/type", 145, 11),
    Case("operation_id_present", "operation-id-present", "/paths/~1pets/get", 11, 5),
    Case("operation_id_unique", "operation-id-unique", "/paths/~1pets/post/operationId", 37, 7),
    Case("operation_id_casing", "operation-id-casing", "/paths/~1pets/post/operationId", 37, 7),
    Case("operation_summary", "operation-summary", PET_ITEM, 66, 5),
    Case("operation_description", "operation-description", "/paths/~1pets/post/description", 39, 7),
    Case("operation_tags", "operation-tags", PET_ITEM + "/tags/0", 68, 11),
    Case(
        "error_response_problem_json",
        "error-response-problem-json",
        PET_ITEM + "/responses/404/content",
        86,
        11,
    ),
    Case(
        "error_response_problem_details",
        "error-response-problem-details",
        PET_ITEM + "/responses/404/content/application~1problem+json/schema",
        88,
        15,
    ),
    Case(
        "examples_present",
        "examples-present",
        "/paths/~1pets/post/requestBody/content/application~1json",
        43,
        11,
    ),
    Case(
        "examples_valid",
        "examples-valid",
        PET_ITEM + "/responses/200/content/application~1json/example/id",
        82,
        17,
    ),
    Case("list_pagination", "list-pagination", "/components/parameters/Limit/schema", 98, 7),
    Case(
        "path_parameter_missing",
        "path-parameter-missing",
        "/paths/~1pets~1{pet_id}~1toys~1{toy_id}/get",
        66,
        5,
    ),
    Case("path_parameter_unused", "path-parameter-unused", PET_ITEM + "/parameters/1", 74, 11),
    Case("id_format_uuid", "id-format-uuid", "/components/schemas/Pet/properties/owner_id", 146, 9),
    Case("unused_components", "unused-components", "/components/schemas/Orphan", 146, 5),
    Case(
        "inline_response_schema",
        "inline-response-schema",
        PET_ITEM + "/responses/200/content/application~1json/schema",
        79,
        15,
    ),
    Case("security_declared", "security-declared", PET_ITEM, 69, 5),
    Case(
        "request_body_bounded",
        "request-body-bounded",
        "/components/schemas/PetCreate/properties/name",
        134,
        9,
    ),
    Case(
        "request_body_bounded_integer",
        "request-body-bounded",
        "/components/schemas/PetCreate/properties/age",
        133,
        9,
    ),
    Case(
        "create_operation_links",
        "create-operation-links",
        "/paths/~1pets/post/responses/201",
        49,
        9,
    ),
]


def lint_one(path: Path, config: LintConfig | None = None) -> LintReport:
    return lint_files([path], config=config or LintConfig())


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # file names in findings are relative to the working directory


# --------------------------------------------------------------------------- our contracts


def test_plant_contract_has_no_errors() -> None:
    report = lint_one(PLANT_CONTRACT)
    errors = [f for f in report.findings if f.severity == "error"]
    assert errors == [], render(LintReport(tuple(errors), report.files), "text")


def test_shared_component_library_is_not_flagged_for_unused_components() -> None:
    report = lint_one(SHARED_CONTRACT)
    assert report.errors == 0
    assert not [f for f in report.findings if f.rule == "unused-components"]


def test_a_file_two_contracts_share_is_reported_once() -> None:
    both = lint_files([PLANT_CONTRACT, SHARED_CONTRACT], config=LintConfig())
    shared = [f for f in both.findings if f.file == "contracts/shared.yaml"]
    assert len(shared) == len(set(shared)) == len(lint_one(SHARED_CONTRACT).findings)
    assert both.files == (PLANT_CONTRACT.as_posix(), SHARED_CONTRACT.as_posix())


# --------------------------------------------------------------------------- one fixture per rule


def test_every_rule_has_a_fixture() -> None:
    assert {case.rule for case in CASES} == {r.id for r in rules()}


def test_clean_fixture_is_clean() -> None:
    assert lint_one(CLEAN).findings == ()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_rule_fires_exactly_at_the_defect(case: Case) -> None:
    report = lint_one(FIXTURES / f"{case.fixture}.yaml")
    assert [(f.rule, f.pointer, f.line, f.column) for f in report.findings] == [
        (case.rule, case.pointer, case.line, case.column)
    ]
    (finding,) = report.findings
    assert finding.file == f"tests/governance/lint_fixtures/{case.fixture}.yaml"
    assert finding.severity == next(r.severity for r in rules() if r.id == case.rule)


def test_examples_of_30_contracts_honour_nullable() -> None:
    report = lint_one(FIXTURES / "examples_valid_30.yaml")
    assert [(f.rule, f.pointer, f.line, f.message) for f in report.findings] == [
        (
            "examples-valid",
            "/paths/~1pets/get/responses/200/content/application~1json/example/items/0/name",
            30,
            'example does not match its schema: 5 is not of type "string"',
        )
    ]


def test_unparsable_file_is_an_error_not_an_exception() -> None:
    report = lint_one(FIXTURES / "unparsable.yaml")
    assert [(f.rule, f.severity, f.line) for f in report.findings] == [
        ("openapi-valid", "error", 4)
    ]
    assert report.findings[0].message.startswith("yaml-syntax: ")


def test_only_openapi_valid_runs_on_what_is_not_openapi_3(tmp_path: Path) -> None:
    path = tmp_path / "swagger.yaml"
    path.write_text(
        "swagger: '2.0'\ninfo: {title: Pets, version: '1'}\npaths:\n  /pets:\n    get: {}\n"
    )
    assert [(f.rule, f.pointer, f.line) for f in lint_one(path).findings] == [
        ("openapi-valid", "/swagger", 1)
    ]


def test_casing_follows_the_majority(tmp_path: Path) -> None:
    """Two snake_case ids outvote one lowerCamelCase id: the camelCase one is flagged."""
    text = CLEAN.read_text().replace("operationId: listPets", "operationId: list_pets")
    path = tmp_path / "snake.yaml"
    path.write_text(text.replace("operationId: getPet", "operationId: get_pet"))  # and the link
    report = lint_one(path)
    assert [(f.rule, f.pointer, f.message) for f in report.findings] == [
        (
            "operation-id-casing",
            "/paths/~1pets/post/operationId",
            "operationId 'createPet' is not snake_case like the other 2; use 'create_pet'",
        )
    ]


# --------------------------------------------------------------------------- configuration


def write_pyproject(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(f"[tool.waooaw.lint]\n{body}\n")
    return path


def test_load_config_reads_disable_and_severity(tmp_path: Path) -> None:
    config = load_config(
        write_pyproject(
            tmp_path,
            'disable = ["examples-valid"]\n'
            'known_tags = ["Dogs"]\n'
            "max_limit = 50\n"
            'severity = {operation-tags = "warning", "unused-components" = "error"}',
        )
    )
    assert config.disable == {"examples-valid"}
    assert config.severity == {"operation-tags": "warning", "unused-components": "error"}
    assert config.known_tags == {"Dogs"}
    assert config.max_limit == 50
    assert "examples-valid" not in {r.id for r in config.active()}


def test_default_config(tmp_path: Path) -> None:
    assert load_config(None) == LintConfig()
    (tmp_path / "pyproject.toml").write_text("[tool.waooaw]\nout = 'x'\n")
    assert load_config(tmp_path / "pyproject.toml") == LintConfig()


def test_disabled_rule_does_not_run() -> None:
    config = LintConfig(disable=frozenset({"examples-valid"}))
    assert lint_one(FIXTURES / "examples_valid.yaml", config).findings == ()


def test_enable_runs_only_the_rules_named() -> None:
    config = LintConfig(enable=frozenset({"operation-summary"}))
    assert lint_one(FIXTURES / "examples_valid.yaml", config).findings == ()
    assert [f.rule for f in lint_one(FIXTURES / "operation_summary.yaml", config).findings] == [
        "operation-summary"
    ]


def test_severity_override_changes_severity_and_exit_code() -> None:
    path = FIXTURES / "operation_tags.yaml"
    default = lint_one(path)
    assert [f.severity for f in default.findings] == ["error"]
    relaxed = lint_one(path, LintConfig(severity={"operation-tags": "warning"}))
    assert [f.severity for f in relaxed.findings] == ["warning"]
    assert (exit_code(default, strict=False), exit_code(relaxed, strict=False)) == (1, 0)


def test_known_tags_and_max_limit() -> None:
    tags = LintConfig(known_tags=frozenset({"Dogs"}))
    assert lint_one(FIXTURES / "operation_tags.yaml", tags).findings == ()
    tight = lint_one(CLEAN, LintConfig(max_limit=50))
    assert [(f.rule, f.pointer, f.line) for f in tight.findings] == [
        ("list-pagination", "/components/parameters/Limit/schema/maximum", 101)
    ]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ('disable = ["no-such-rule"]', "unknown lint rule 'no-such-rule'"),
        ('severity = {operation-tags = "fatal"}', "must be one of error, warning"),
        ('severity = {nope = "warning"}', "unknown lint rule 'nope'"),
        ('disabled = ["operation-tags"]', "unknown key 'disabled'"),
        ('disable = "operation-tags"', "disable must be a list of strings"),
        ("max_limit = 0", "max_limit must be a positive integer"),
        ('max_limit = "100"', "max_limit must be an integer"),
        ("disable = [", "pyproject.toml"),
    ],
)
def test_bad_config_is_refused(tmp_path: Path, body: str, complaint: str) -> None:
    with pytest.raises(LintConfigError) as info:
        load_config(write_pyproject(tmp_path, body))
    assert complaint in str(info.value)


# --------------------------------------------------------------------------- output


def report_of(*findings: Finding, files: int = 1) -> LintReport:
    return LintReport(findings, tuple(f"f{i}.yaml" for i in range(files)))


ERROR = Finding("examples-valid", "error", "api.yaml", 12, 7, "/a", "bad example")
WARNING = Finding("operation-summary", "warning", "api.yaml", 3, 5, "/b", "no summary")


def test_text_format() -> None:
    report = lint_one(FIXTURES / "examples_valid.yaml")
    assert render(report, "text") == (
        "tests/governance/lint_fixtures/examples_valid.yaml:82:17: error [examples-valid]"
        ' example does not match its schema: "pet-1" is not a "uuid"\n'
        "1 problem (1 error, 0 warnings) in 1 file\n"
    )
    assert render(lint_one(CLEAN), "text") == "no problems found in 1 file\n"
    assert render(report_of(ERROR, WARNING, files=2), "text") == (
        "api.yaml:12:7: error [examples-valid] bad example\n"
        "api.yaml:3:5: warning [operation-summary] no summary\n"
        "2 problems (1 error, 1 warning) in 2 files\n"
    )


def test_json_format() -> None:
    report = lint_one(FIXTURES / "operation_summary.yaml")
    assert json.loads(render(report, "json")) == [
        {
            "rule": "operation-summary",
            "severity": "warning",
            "file": "tests/governance/lint_fixtures/operation_summary.yaml",
            "line": 66,
            "column": 5,
            "pointer": PET_ITEM,
            "message": "GET /pets/{pet_id} has no summary",
        }
    ]
    assert json.loads(render(lint_one(CLEAN), "json")) == []


def test_github_format() -> None:
    report = lint_one(FIXTURES / "operation_tags.yaml")
    assert render(report, "github") == (
        "::error file=tests/governance/lint_fixtures/operation_tags.yaml,line=68,col=11,"
        "title=operation-tags::tag 'Dogs' of GET /pets/{pet_id} is not declared in the"
        " top-level tags\n"
    )
    odd = Finding("openapi-valid", "warning", "a,b:c.yaml", None, None, "", "50%\nnext, line: x")
    assert render(report_of(odd, WARNING), "github") == (
        "::warning file=a%2Cb%3Ac.yaml,title=openapi-valid::50%25%0Anext, line: x\n"
        "::warning file=api.yaml,line=3,col=5,title=operation-summary::no summary\n"
    )
    assert render(lint_one(CLEAN), "github") == ""


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="choose from text, json, github"):
        render(report_of(), "xml")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- exit codes


@pytest.mark.parametrize(
    ("findings", "strict", "code"),
    [
        ((), False, 0),
        ((), True, 0),
        ((WARNING,), False, 0),
        ((WARNING,), True, 1),
        ((ERROR,), False, 1),
        ((ERROR, WARNING), True, 1),
    ],
)
def test_exit_code(findings: tuple[Finding, ...], strict: bool, code: int) -> None:
    assert exit_code(report_of(*findings), strict=strict) == code


# --------------------------------------------------------------------------- registry


def test_rules_are_listed_with_stable_ids_and_rationales() -> None:
    listed = rules()
    ids = [r.id for r in listed]
    assert len(ids) == len(set(ids))
    assert ids[0] == "openapi-valid"
    for r in listed:
        assert r.id == r.id.lower() and " " not in r.id
        assert r.severity in ("error", "warning")
        assert len(r.rationale) > 20


def test_a_rule_id_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        rule("operation-summary", severity="warning", rationale="again")(lambda ctx: iter(()))


def test_public_surface() -> None:
    for name in lint.__all__:
        assert hasattr(lint, name), name
