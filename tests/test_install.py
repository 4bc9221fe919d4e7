"""The package's extras, installed for real: fresh virtual environments from a built wheel.

* the base install (``pip install waooaw``) runs ``gen``, ``lint`` and ``diff`` and brings none
  of the server, client, verify or service packages; commands that need an extra say which;
* ``waooaw[client]`` imports a generated client, without FastAPI or a database driver, and
  uses it against a real Plant (uvicorn on 127.0.0.1).

pip resolves from the configured indexes (the machine's package cache); nothing else is
fetched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.plant_server import running_plant

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "contracts"
#: Packages only extras bring: none may be importable after the base install.
NOT_IN_BASE = (
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "tenacity",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "aiosqlite",
    "schemathesis",
    "jwt",
)
PIP_TIMEOUT_S = 600


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT_S,
        check=False,
    )


def _ok(*args: str | Path, cwd: Path | None = None) -> str:
    done = _run(*args, cwd=cwd)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A wheel of the working tree, built from a copy (the build writes beside its sources)."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "waooaw", src / "waooaw", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    _ok(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", work / "dist", src)
    (built,) = (work / "dist").glob("waooaw-*.whl")
    yield built


def _venv(folder: Path, requirement: str) -> Path:
    _ok(sys.executable, "-m", "venv", folder)
    python = folder / "bin" / "python"
    _ok(python, "-m", "pip", "install", "-q", requirement)
    return python


def _importable(python: Path, modules: tuple[str, ...]) -> list[str]:
    code = (
        "import importlib.util, sys\n"
        f"print(' '.join(m for m in {modules!r} if importlib.util.find_spec(m) is not None))"
    )
    return _ok(python, "-c", code).split()


def test_base_install_runs_gen_lint_and_diff_and_names_missing_extras(
    wheel: Path, tmp_path: Path
) -> None:
    python = _venv(tmp_path / "venv", str(wheel))
    waooaw = python.parent / "waooaw"
    assert _importable(python, NOT_IN_BASE) == []

    out = tmp_path / "petstore"
    assert "written" in _ok(waooaw, "gen", FIXTURES / "petstore.yaml", "--out", out)
    assert {"models.py", "server.py", "client.py", "openapi.json"} <= {
        p.name for p in out.iterdir()
    }
    assert "petstore: up to date" in _ok(
        waooaw, "gen", FIXTURES / "petstore.yaml", "--out", out, "--check"
    )

    lint = _run(waooaw, "lint", FIXTURES / "petstore.yaml", "--format", "json")
    assert lint.returncode == 1, lint.stderr  # the pet store breaks house rules: reported
    assert '"list-pagination"' in lint.stdout

    same = _run(waooaw, "diff", FIXTURES / "petstore.yaml", FIXTURES / "petstore.yaml")
    assert same.returncode == 0, same.stderr
    assert "0 breaking" in same.stdout
    old = FIXTURES / "petstore.yaml"
    new = tmp_path / "petstore-v2.yaml"
    new.write_text(old.read_text().replace("  /pets/{petId}:", "  /animals/{petId}:"))
    broken = _run(waooaw, "diff", old, new)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "[path-removed] path /pets/{petId} removed" in broken.stdout

    for command, extra in (
        (("serve", "plant"), "services"),
        (("verify", "--url", "http://127.0.0.1:9"), "verify"),
        (("mock", str(FIXTURES / "petstore.yaml")), "mock"),
        (("token", "--role", "viewer", "--sub", "x"), "services"),
    ):
        refused = _run(waooaw, *command)
        assert refused.returncode == 2, (command, refused.stdout, refused.stderr)
        assert f"pip install 'waooaw[{extra}]'" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr


def test_client_extra_imports_a_generated_client_and_uses_it_against_plant(
    wheel: Path, tmp_path: Path
) -> None:
    python = _venv(tmp_path / "venv", f"waooaw[client] @ {wheel.as_uri()}")
    assert _importable(python, ("pydantic", "httpx", "tenacity")) == [
        "pydantic",
        "httpx",
        "tenacity",
    ]
    assert _importable(python, ("fastapi", "sqlalchemy", "schemathesis", "uvicorn")) == []
    script = textwrap.dedent(
        """
        import sys, uuid
        from waooaw.generated.plant import models
        from waooaw.generated.plant.client import PlantClient
        from waooaw.runtime.client import APIError

        with PlantClient(sys.argv[1]) as plant:
            skill = plant.create_skill(body=models.SkillCreate(
                name="Install test " + uuid.uuid4().hex[:8],
                category=models.SkillCategory.TECHNICAL,
                description="Created through the client extra.",
            ))
            assert isinstance(skill, models.SkillResponse), skill
            assert plant.get_skill(skill_id=skill.id) == skill
            try:
                plant.get_skill(skill_id=uuid.uuid4())
            except APIError as exc:
                print("missing", exc.status_code)
            else:
                raise SystemExit("no error for an unknown skill")
        loaded = sorted(m for m in ("fastapi", "starlette", "sqlalchemy") if m in sys.modules)
        print("loaded", loaded)
        """
    )
    with running_plant(tmp_path / "plant") as plant:
        out = _ok(python, "-c", script, plant.base_url)
    assert "missing 404" in out
    assert "loaded []" in out
