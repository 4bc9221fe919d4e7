"""The generator's whole output for each fixture contract equals its committed golden record
(``tests/fixtures/golden``): every file, byte for byte, and no file more or less.

A mismatch shows a unified diff. When the change is intended, regenerate the records with
``.venv/bin/python -m tests.golden`` and commit them with the change (see ``tests/golden.py``).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from .conftest import CONTRACTS
from .golden import GOLDEN, generated_files

REGENERATE = "regenerate with `.venv/bin/python -m tests.golden` if the change is intended"


def _record(key: str) -> dict[str, str]:
    folder = GOLDEN / key
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.parametrize("key", sorted(CONTRACTS))
def test_output_matches_the_golden_record(key: str, tmp_path: Path, in_repo: Path) -> None:
    record = _record(key)
    assert record, f"no golden record for {key} in {GOLDEN}; {REGENERATE}"
    files = generated_files(key, tmp_path)
    assert sorted(files) == sorted(record), (
        f"{key}: files differ from the record (only generated:"
        f" {sorted(set(files) - set(record))}, only recorded:"
        f" {sorted(set(record) - set(files))}); {REGENERATE}"
    )
    diffs = [
        "".join(
            difflib.unified_diff(
                record[name].splitlines(keepends=True),
                files[name].splitlines(keepends=True),
                f"golden/{key}/{name}",
                f"generated/{key}/{name}",
            )
        )
        for name in sorted(files)
        if files[name] != record[name]
    ]
    if diffs:
        pytest.fail(
            f"{key}: output differs from the golden record; {REGENERATE}:\n" + "".join(diffs)
        )
