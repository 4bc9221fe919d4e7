"""README_API_USAGE.md stays true: its code runs against a real Plant on 127.0.0.1.

* every ```` ```bash ```` block runs in bash (``set -euo pipefail``) and must exit 0, twice in
  a row against the same Plant (readers keep their plant.db);
* every ```` ```python ```` block runs as a script with ``PLANT_API_URL`` set and must exit 0,
  twice in a row;
* every ```` ```ts ```` block is compiled by ``tsc --strict`` beside the generated types;
* ```` ```console ```` blocks (commands that start long-running servers) are checked by
  parsing: the ``waooaw`` sub-commands and options they use exist.

``http://127.0.0.1:8000`` in the page is replaced with the test server's address.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT
from .support.plant_server import PlantServer, running_plant

DOC = ROOT / "README_API_USAGE.md"
DOC_URL = "http://127.0.0.1:8000"
TSC = ROOT / "typescript" / "node_modules" / ".bin" / "tsc"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def blocks(language: str) -> list[str]:
    return [
        body for lang, body in FENCE.findall(DOC.read_text(encoding="utf-8")) if lang == language
    ]


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlantServer]:
    with running_plant(tmp_path_factory.mktemp("usage")) as server:
        yield server


def test_the_page_has_code_of_every_kind() -> None:
    assert len(blocks("bash")) >= 2
    assert len(blocks("python")) >= 2
    assert len(blocks("ts")) >= 1
    assert len(blocks("console")) >= 2


@pytest.mark.parametrize("index", range(len(blocks("bash"))))
def test_bash_blocks_run_twice(plant: PlantServer, index: int) -> None:
    """Twice in a row against the same Plant, as a reader with a kept plant.db runs them."""
    if "node_modules/.bin/" in blocks("bash")[index] and not TSC.exists():
        pytest.skip("run `npm ci` in typescript/ for newman")
    script = "set -euo pipefail\n" + blocks("bash")[index].replace(DOC_URL, plant.base_url)
    for attempt in (1, 2):
        result = subprocess.run(
            ["bash", "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, (attempt, result.stdout + result.stderr)
        assert result.stdout.strip(), (attempt, "the commands printed nothing")
        assert "Internal Server Error" not in result.stdout
        for pattern in BASH_SHOWS.get(index, []):
            assert re.search(pattern, result.stdout, re.M | re.I), (attempt, pattern, result.stdout)


# what each example must print, each time it runs
BASH_SHOWS = {
    1: [r"^HTTP/1.1 201", r'"status":"active"'],
}
PYTHON_SHOWS = {
    0: [r"^\S+ pending_certification$", r"^409 .*certified"],
    1: [r"^422 L0-06 body.industry_id "],
}


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_blocks_run_twice(plant: PlantServer, index: int, tmp_path: Path) -> None:
    source = blocks("python")[index].replace(DOC_URL, plant.base_url)
    script = tmp_path / "example.py"
    script.write_text(source, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "PLANT_API_URL": plant.base_url}
    for attempt in (1, 2):
        result = subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
        assert result.returncode == 0, (attempt, result.stdout + result.stderr)
        for pattern in PYTHON_SHOWS.get(index, [r"\S"]):
            assert re.search(pattern, result.stdout, re.M | re.I), (attempt, pattern, result.stdout)


@pytest.mark.skipif(not TSC.exists(), reason="run `npm ci` in typescript/ for tsc")
def test_typescript_blocks_compile() -> None:
    folder = ROOT / "typescript" / "usage"
    written = []
    try:
        for i, source in enumerate(blocks("ts")):
            path = folder / f"_readme_usage_{i}.ts"
            path.write_text(source, encoding="utf-8")
            written.append(path)
        result = subprocess.run(
            [str(TSC), "--noEmit", "-p", "tsconfig.json"],
            cwd=ROOT / "typescript",
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        for path in written:
            path.unlink(missing_ok=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_console_commands_exist() -> None:
    waooaw = shutil.which("waooaw", path=str(Path(sys.executable).parent))
    assert waooaw is not None
    for block in blocks("console"):
        for line in block.splitlines():
            command = line.removeprefix("$ ").split("#", 1)[0].strip()
            argv = shlex.split(command)
            if argv[0] == "./dev":
                if argv[1] in ("run", "test"):
                    continue
                # ./dev COMMAND and ./dev waooaw COMMAND run `waooaw COMMAND`
                argv = ["waooaw", *argv[2 if argv[1] == "waooaw" else 1 :]]
            assert Path(argv[0]).name == "waooaw", line
            help_text = subprocess.run(
                [waooaw, argv[1], "--help"], capture_output=True, text=True, check=True
            ).stdout
            for option in (a for a in argv[2:] if a.startswith("--")):
                assert option in help_text, f"{line}: {option} is not an option of {argv[1]}"
