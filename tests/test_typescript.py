"""The TypeScript target, checked by the real compiler and against openapi-typescript.

Needs Node and ``typescript/node_modules`` (``npm ci`` in ``typescript/``, which
``./dev test`` does); outside CI the tests skip when they are missing, in CI
(``CI`` set) they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from waooaw.codegen import Job, generate

from .conftest import ROOT

TS = ROOT / "typescript"
BIN = TS / "node_modules" / ".bin"
FIXTURES = ROOT / "tests" / "fixtures" / "contracts"
COMPILE = [
    "--noEmit",
    "--strict",
    "--target",
    "ES2022",
    "--module",
    "ESNext",
    "--moduleResolution",
    "Bundler",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def _toolchain() -> None:
    if shutil.which("node") is None or not (BIN / "tsc").exists():
        message = "Node and typescript/node_modules are needed (run `npm ci` in typescript/)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _tsc(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "tsc"), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_generated_types_and_the_usage_of_every_operation_compile() -> None:
    result = _tsc("--noEmit", "-p", str(TS / "tsconfig.json"))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unknown-field.ts", "'is_admin' does not exist"),
        ("wrong-path-param.ts", "Type 'number' is not assignable to type 'string'"),
        ("bad-enum.ts", "'\"dancing\"' is not assignable"),
        ("missing-required.ts", "Property 'governance_agent_id' is missing"),
    ],
)
def test_wrong_calls_do_not_compile(name: str, expected: str) -> None:
    result = _tsc(*COMPILE, str(TS / "negative" / name))
    assert result.returncode != 0, f"{name} compiled but must not"
    assert expected in result.stdout, result.stdout


def _equivalence_file(ours: Path, theirs: Path, document: dict[str, object], out: Path) -> Path:
    """A .ts file asserting, per component and for paths/operations, mutual assignability."""
    lines = [
        f'import type {{ components as O, paths as OP, operations as OO }} from "{ours.with_suffix("")}";',
        f'import type {{ components as T, paths as TP, operations as TO }} from "{theirs.with_suffix("")}";',
        "type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;",
    ]
    components = document.get("components") or {}
    assert isinstance(components, dict)
    n = 0
    for kind in ("schemas", "responses", "parameters", "headers", "requestBodies"):
        for name in components.get(kind) or {}:
            key = json.dumps(name)
            lines.append(
                f"export const c{n}: Same<O[{json.dumps(kind)}][{key}], T[{json.dumps(kind)}][{key}]> = true;"
            )
            n += 1
    lines.append("export const allPaths: Same<OP, TP> = true;")
    lines.append("export const allOperations: Same<OO, TO> = true;")
    out.write_text("\n".join(lines) + "\n")
    return out


def _openapi_typescript(source: Path, out: Path) -> None:
    # openapi-typescript 7 crashes on discriminator mappings that name a schema without a
    # "#/components/schemas/" prefix (valid OpenAPI); give it the equivalent full refs.
    document = json.loads(source.read_text())
    for schema in ((document.get("components") or {}).get("schemas") or {}).values():
        mapping = (
            (schema.get("discriminator") or {}).get("mapping") if isinstance(schema, dict) else None
        )
        if isinstance(mapping, dict):
            for key, target in mapping.items():
                if not target.startswith("#"):
                    mapping[key] = "#/components/schemas/" + target
    source = out.with_name("reference-input.json")
    source.write_text(json.dumps(document))
    result = subprocess.run(
        [str(BIN / "openapi-typescript"), str(source), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


CONTRACTS = [
    pytest.param(ROOT / "contracts" / "plant.openapi.yaml", id="plant"),
    pytest.param(ROOT / "contracts" / "pp.openapi.yaml", id="pp"),
    pytest.param(ROOT / "contracts" / "cp.openapi.yaml", id="cp"),
    *(pytest.param(p, id=p.stem) for p in sorted(FIXTURES.glob("*.yaml"))),
    pytest.param(FIXTURES / "multifile" / "root.yaml", id="multifile"),
]


@pytest.mark.parametrize("contract", CONTRACTS)
def test_types_equal_what_openapi_typescript_emits(contract: Path, tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    generate(Job(contract, out, re.sub(r"\W", "_", contract.stem.split(".")[0])))
    ours = next(out.glob("*-api.generated.ts"))
    bundled = out / "openapi.json"
    theirs = tmp_path / "reference.ts"
    _openapi_typescript(bundled, theirs)
    document = json.loads(bundled.read_text())
    check = _equivalence_file(ours, theirs, document, tmp_path / "equivalence.ts")
    result = _tsc(*COMPILE, str(check))
    # openapi-typescript renders a schema that refers to itself through a union as an
    # interface member TypeScript cannot resolve (TS2502); ours compiles. Only that error,
    # and only in its file, is tolerated.
    problems = [
        line
        for line in result.stdout.splitlines()
        if "error TS" in line and not (f"{theirs.name}(" in line and "TS2502" in line)
    ]
    assert not problems, "\n".join(problems)[:4000]
