"""Golden records: what ``waooaw gen`` writes for each fixture contract of
``tests/fixtures/contracts``, committed under ``tests/fixtures/golden/<key>/``.

``tests/test_golden_records.py`` generates every fixture into a scratch folder and compares
it with its record file by file, showing a unified diff on a mismatch. After a change to the
generator that is meant to change its output, regenerate the records from the repository
root and review the diff before committing it:

    .venv/bin/python -m tests.golden
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from waooaw.codegen import Job, generate
from waooaw.codegen.pipeline import STATE_FILE

from .conftest import CONTRACTS, ROOT

__all__ = ["GOLDEN", "generated_files", "regenerate"]

GOLDEN = ROOT / "tests" / "fixtures" / "golden"


def generated_files(key: str, out: Path) -> dict[str, str]:
    """The fixture ``key`` generated into ``out/key``: relative path -> text.

    Run from the repository root: each file's header names its contract relative to it.
    """
    folder = out / key
    generate(Job(CONTRACTS[key], folder, key), force=True)
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != STATE_FILE and "__pycache__" not in path.parts
    }


def regenerate() -> list[Path]:
    """Rewrite every record from the generator as it is; the files written."""
    os.chdir(ROOT)
    written = []
    for key in CONTRACTS:
        record = GOLDEN / key
        for stale in sorted(record.rglob("*"), reverse=True) if record.exists() else []:
            if stale.is_dir():
                stale.rmdir()
            else:
                stale.unlink()
        generated_files(key, GOLDEN)
        (record / STATE_FILE).unlink(missing_ok=True)
        written.extend(sorted(p for p in record.rglob("*") if p.is_file()))
    return written


if __name__ == "__main__":
    for path in regenerate():
        print(path.relative_to(ROOT))
    sys.exit(0)
