"""Broken contracts (``tests/contracts_with_errors``): every problem, at once, precisely placed.

Each contract is run through the real command line (``python -m waooaw.cli gen``). The
run must exit 1, name every problem as ``file:line:col: /pointer: [rule] message``,
and leave the output folder exactly as it was.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from waooaw.codegen import ContractErrors, Job, generate

from .conftest import ROOT

BROKEN = ROOT / "tests" / "contracts_with_errors"
RESPONSE_200 = "/paths/~1pets/get/responses/200"


@dataclass(frozen=True)
class Problem:
    """One expected problem. ``line:column`` is where the key the pointer ends in is written
    (for a list item: where the item starts; for YAML syntax: where the parser stopped)."""

    rule: str
    pointer: str
    line: int
    column: int
    file: str | None = None  # relative to BROKEN; default: the contract itself


INLINE_TYPOS = [
    Problem("schema-type", "/paths/~1pets/get/parameters/0/schema/type", 11, 20),
    Problem("schema-type", RESPONSE_200 + "/headers/X-Total/schema/type", 18, 17),
    Problem("schema-type", RESPONSE_200 + "/content/application~1json/schema/type", 22, 17),
    Problem(
        "schema-type",
        "/paths/~1pets/post/requestBody/content/application~1json/schema/items/type",
        30,
        17,
    ),
]

CASES: dict[str, list[Problem]] = {
    "yaml_syntax.yaml": [Problem("yaml-syntax", "/", 11, 18)],
    "boolean_keys.yaml": [
        Problem("yaml-key-type", "/components/schemas/Switch/properties/on", 11, 9),
        Problem("yaml-key-type", "/components/schemas/Switch/properties/yes", 13, 9),
        Problem("yaml-key-type", "/components/schemas/Switch/properties/true", 15, 9),
    ],
    "duplicate_key.yaml": [Problem("yaml-duplicate-key", "/paths/~1pets", 12, 3)],
    "security_undefined.yaml": [
        Problem("security-scheme-undefined", "/security/0/apiKey", 6, 5),
        Problem("security-scheme-undefined", "/paths/~1pets/get/security/0/bearer", 12, 11),
    ],
    "missing_component.yaml": [
        Problem("ref-unresolved", RESPONSE_200 + "/content/application~1json/schema/$ref", 15, 17)
    ],
    "missing_file.yaml": [
        Problem("ref-unresolved", RESPONSE_200 + "/content/application~1json/schema", 14, 15)
    ],
    "duplicate_operation_id.yaml": [
        Problem("operation-id-unique", "/paths/~1owners/get/operationId", 14, 7)
    ],
    "path_param_undeclared.yaml": [
        Problem("path-parameter-missing", "/paths/~1pets~1{id}/get", 7, 5)
    ],
    "path_param_unused.yaml": [
        Problem("path-parameter-unused", "/paths/~1pets/get/parameters/0", 10, 11)
    ],
    "swagger2.yaml": [Problem("openapi-version", "/swagger", 1, 1)],
    "bad_type.yaml": [
        Problem("schema-type", "/components/schemas/Pet/properties/name/type", 12, 11)
    ],
    "meta_schema.yaml": [Problem("openapi-schema", RESPONSE_200, 10, 9)],
    "several_problems.yaml": [
        Problem("path-parameter-missing", "/paths/~1pets~1{id}/get", 7, 5),
        Problem(
            "ref-unresolved",
            "/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/$ref",
            15,
            17,
        ),
        Problem("operation-id-unique", "/paths/~1owners/get/operationId", 18, 7),
        Problem("openapi-schema", "/paths/~1owners/get/responses/200", 20, 9),
        Problem("schema-type", "/components/schemas/Owner/properties/age/type", 31, 11),
    ],
    "multifile/root.yaml": [
        # The problem sits in the referenced file, and is reported there.
        Problem(
            "ref-unresolved",
            "/components/schemas/Pet/properties/owner",
            8,
            9,
            file="multifile/common.yaml",
        ),
        Problem(
            "ref-unresolved",
            "/paths/~1pets/get/responses/default/content/application~1json/schema",
            20,
            15,
        ),
    ],
    # Typos in parameter, response header, response and request body schemas (3.1) ...
    "bad_type_inline.yaml": INLINE_TYPOS,
    # ... and the same in 3.0, where the meta-schema's own vaguer error is not repeated.
    "bad_type_30.yaml": [
        *INLINE_TYPOS,
        Problem("schema-type", "/components/schemas/Pet/properties/name/type", 40, 11),
    ],
    # Two different problems in one response: neither hides the other.
    "problems_in_one_response.yaml": [
        Problem("openapi-schema", RESPONSE_200, 10, 9),
        Problem("schema-type", RESPONSE_200 + "/content/application~1json/schema/type", 14, 17),
    ],
}


def cases(bugs: dict[str, pytest.MarkDecorator]) -> list[object]:
    """Every case as a pytest param; those named in ``bugs`` get that xfail mark."""
    assert set(bugs) <= set(CASES)
    return [
        pytest.param(name, marks=[bugs[name]] if name in bugs else [], id=name) for name in CASES
    ]


def test_every_broken_contract_has_a_case() -> None:
    files = {p.relative_to(BROKEN).as_posix() for p in BROKEN.rglob("*.yaml")}
    assert files - {"multifile/common.yaml"} == set(CASES)


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def problems(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if ": [" in line]


def run_cli(contract: str | Path, out: Path) -> Run:
    """``python -m waooaw.cli gen tests/contracts_with_errors/CONTRACT --out OUT``."""
    spec = (BROKEN / contract).relative_to(ROOT) if isinstance(contract, str) else contract
    result = subprocess.run(
        [sys.executable, "-m", "waooaw.cli", "gen", str(spec), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def expected_line(contract: str, problem: Problem) -> re.Pattern[str]:
    display = (BROKEN / (problem.file or contract)).relative_to(ROOT).as_posix()
    where = f":{problem.line}:{problem.column}: {problem.pointer}: [{problem.rule}] "
    return re.compile(rf"^{re.escape(display + where)}\S")


@pytest.mark.parametrize("contract", cases({}))
def test_cli_reports_every_problem_and_writes_nothing(contract: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "models.py").write_text("# written by hand, must survive\n", encoding="utf-8")
    (out / "notes.txt").write_text("keep me\n", encoding="utf-8")
    before = snapshot(out)

    run = run_cli(contract, out)

    assert run.returncode == 1, run.stdout + run.stderr
    for problem in CASES[contract]:
        pattern = expected_line(contract, problem)
        assert any(pattern.match(line) for line in run.problems), (
            f"no line matches {pattern.pattern!r} in:\n{run.stderr}"
        )
    count = len(run.problems)
    assert run.stderr.rstrip().endswith(
        f"{count} problem{'s' if count != 1 else ''} found; nothing was written."
    )
    assert snapshot(out) == before


@pytest.mark.parametrize("contract", cases({}))
def test_each_problem_is_reported_exactly_once(contract: str, tmp_path: Path) -> None:
    run = run_cli(contract, tmp_path / "out")
    assert len(run.problems) == len(CASES[contract]), run.stderr


def test_missing_output_folder_is_not_created(tmp_path: Path) -> None:
    out = tmp_path / "not" / "yet"
    run = run_cli("several_problems.yaml", out)
    assert run.returncode == 1
    assert not (tmp_path / "not").exists()


def test_previous_generation_is_left_untouched(tmp_path: Path) -> None:
    """Breaking a contract that was generated before leaves that generation as it was."""
    contract = tmp_path / "api.yaml"
    out = tmp_path / "pkg"
    shutil.copyfile(ROOT / "tests" / "fixtures" / "contracts" / "petstore.yaml", contract)
    generate(Job(spec=contract, out=out, name="api"))
    before = snapshot(out)
    assert {"models.py", "server.py"} <= set(before)
    shutil.copyfile(BROKEN / "several_problems.yaml", contract)
    run = run_cli(contract, out)
    assert run.returncode == 1, run.stdout + run.stderr
    assert len(run.problems) == 5
    assert snapshot(out) == before


def test_another_contract_into_a_generated_folder_is_not_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    generate(
        Job(spec=ROOT / "tests" / "fixtures" / "contracts" / "petstore.yaml", out=out, name="x")
    )
    before = snapshot(out)
    run = run_cli("several_problems.yaml", out)
    assert run.returncode == 1, run.stdout
    assert "up to date" not in run.stdout
    assert len(run.problems) == 5, run.stderr
    assert snapshot(out) == before


def test_up_to_date_only_for_the_same_contract_and_name(tmp_path: Path) -> None:
    """The no-op fast path applies to the very job generated before, and to no other."""
    petstore = (ROOT / "tests" / "fixtures" / "contracts" / "petstore.yaml").read_bytes()
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_bytes(petstore)
    second.write_bytes(petstore)  # the same bytes, another file
    out = tmp_path / "pkg"
    assert not generate(Job(spec=first, out=out, name="x")).skipped
    assert generate(Job(spec=first, out=out, name="x")).skipped
    # Another name: the Protocol named after the job changes.
    renamed = generate(Job(spec=first, out=out, name="y"))
    assert not renamed.skipped
    assert out / "server.py" in renamed.written
    server = (out / "server.py").read_text(encoding="utf-8")
    assert "class YApi(" in server and "class XApi(" not in server
    assert generate(Job(spec=first, out=out, name="y")).skipped
    # Another contract file: the headers name it.
    moved = generate(Job(spec=second, out=out, name="y"))
    assert not moved.skipped
    assert "second.yaml" in (out / "__init__.py").read_text(encoding="utf-8")
    assert generate(Job(spec=second, out=out, name="y")).skipped


def test_python_api_raises_contract_errors(tmp_path: Path, in_repo: Path) -> None:
    job = Job(spec=BROKEN / "several_problems.yaml", out=tmp_path / "out", name="broken")
    with pytest.raises(ContractErrors) as caught:
        generate(job)
    errors = caught.value.errors
    assert [(e.rule, e.pointer, e.line, e.column) for e in errors] == [
        (p.rule, p.pointer, p.line, p.column) for p in CASES["several_problems.yaml"]
    ]
    assert {e.file for e in errors} == {"tests/contracts_with_errors/several_problems.yaml"}
    assert str(caught.value).endswith("5 problems found; nothing was written.")
    assert not (tmp_path / "out").exists()


def test_boolean_key_message_says_how_to_fix_it(tmp_path: Path) -> None:
    run = run_cli("boolean_keys.yaml", tmp_path / "out")
    assert "quote it: 'on':" in run.stderr
    assert "quote it: 'yes':" in run.stderr


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    run = run_cli("yaml_syntax.yaml", tmp_path / "out")
    assert re.match(r"^tests/contracts_with_errors/yaml_syntax\.yaml:\d+:\d+: /: ", run.stderr)


def test_meta_schema_message_names_the_missing_property(tmp_path: Path) -> None:
    """A failed ``oneOf`` (3.0: Response or Reference) reports the closest alternative's error."""
    run = run_cli("meta_schema.yaml", tmp_path / "out")
    [problem] = run.problems
    assert problem.endswith(': [openapi-schema] "description" is a required property'), problem
    assert "oneOf" not in run.stderr


def test_a_missing_shared_file_is_one_problem_with_a_count(tmp_path: Path) -> None:
    """A contract copied without shared.yaml: one line for the file, not one per $ref."""
    source = ROOT / "contracts" / "plant.openapi.yaml"
    contract = tmp_path / source.name
    shutil.copy(source, contract)
    refs = len(re.findall(r"""\$ref:\s*['"]?\./shared\.yaml#""", source.read_text("utf-8")))
    assert refs > 10

    run = run_cli(contract, tmp_path / "out")

    assert run.returncode == 1
    assert len(run.problems) == 1, run.stderr
    (line,) = run.problems
    assert "[ref-unresolved] no such file " in line
    assert f"shared.yaml: {refs} $refs point at it, the first here ('./shared.yaml#" in line
    assert run.stderr.rstrip().endswith("1 problem found; nothing was written.")
    assert not (tmp_path / "out").exists()
