"""The mock's stubs: generated in memory from one load of the contract, imported from text."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import waooaw.codegen.loader
from waooaw.codegen.errors import ContractError
from waooaw.codegen.loader import SourceFile
from waooaw.codegen.pipeline import Job, render
from waooaw.mock.stubs import load_stubs

from ..conftest import PLANT_CONTRACT


def test_the_contract_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[Path] = []
    real = waooaw.codegen.loader._parse

    def counting(path: Path, errors: list[ContractError]) -> SourceFile | None:
        parsed.append(path.resolve())
        return real(path, errors)

    monkeypatch.setattr(waooaw.codegen.loader, "_parse", counting)
    stubs = load_stubs(PLANT_CONTRACT)
    assert parsed.count(PLANT_CONTRACT.resolve()) == 1
    assert stubs.contract.root.path.resolve() == PLANT_CONTRACT.resolve()
    assert {op.operation_id for op in stubs.api.operations} >= {"createAgent", "listAgents"}


def test_modules_are_the_generated_text_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    stubs = load_stubs(PLANT_CONTRACT)
    expected = render(Job(PLANT_CONTRACT, tmp_path, "plant", frozenset({"models", "server"})))
    # the source the modules were made from is the generator's output (tracebacks show it)
    assert inspect.getsource(stubs.models) == expected["models.py"]
    assert inspect.getsource(stubs.server) == expected["server.py"]
    assert not Path(stubs.models.__file__ or "").exists()
    assert list(tmp_path.iterdir()) == []
    assert stubs.contract_json == expected["openapi.json"].encode()
