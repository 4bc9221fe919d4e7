"""Every ``waooaw`` command's ``--help``, as a user reads it in an 80-column terminal.

Each positional argument's help is shown, text in brackets (``[tool.waooaw.contracts]``) is
printed as written rather than read as markup, and the example lines of each docstring come
out unchanged (not re-wrapped).
"""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer.main

from waooaw.cli import app

COMMAND = typer.main.get_command(app)
assert isinstance(COMMAND, click.Group)
NAMES = sorted(COMMAND.commands)


def _help(*argv: str) -> str:
    waooaw = shutil.which("waooaw", path=str(Path(sys.executable).parent))
    assert waooaw is not None
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    result = subprocess.run(
        [waooaw, *argv, "--help"], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout


def _flat(text: str) -> str:
    return " ".join(text.split())


def _example_lines(command: click.Command) -> list[str]:
    """The lines of the docstring's ``\\b`` blocks: what must print exactly as written."""
    callback = command.callback
    assert callback is not None
    doc = inspect.getdoc(callback) or ""
    lines: list[str] = []
    for block in doc.split("\b")[1:]:
        paragraph = block.split("\n\n", 1)[0]
        lines.extend(line for line in paragraph.splitlines() if line.strip())
    return lines


def test_every_command_is_covered() -> None:
    assert {"gen", "lint", "diff", "serve", "mock", "verify", "worker"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_help_shows_arguments_and_examples_as_written(name: str) -> None:
    command = COMMAND.commands[name]
    shown = _help(name)
    flat = _flat(shown)
    for param in command.params:
        if isinstance(param, click.Argument):
            help_text = getattr(param, "help", None)
            assert help_text, f"{name} {param.name}: the argument has no help text"
            assert _flat(help_text) in flat, f"{name} --help lacks the help of {param.name}"
    printed = {line.strip() for line in shown.splitlines()}
    for line in _example_lines(command):
        assert line.strip() in printed, f"{name} --help changed the line {line!r}"


def test_brackets_are_printed_not_read_as_markup() -> None:
    shown = _help("gen")
    assert "# every contract in [tool.waooaw.contracts]" in shown
    assert "[tool.waooaw.contracts]." in _flat(shown)


def test_dev_runs_any_waooaw_command() -> None:
    """``./dev lint ...`` and ``./dev waooaw lint ...`` are ``waooaw lint ...`` from the venv."""
    venv = Path(sys.prefix)
    if not (venv / ".waooaw-installed").is_file():
        pytest.skip("the tests do not run from a venv ./dev set up")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "WAOOAW_VENV": str(venv)}
    expected = subprocess.run(
        [str(venv / "bin" / "waooaw"), "lint", "--list-rules"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "operation-id" in expected
    for argv in (["lint", "--list-rules"], ["waooaw", "lint", "--list-rules"]):
        result = subprocess.run(
            ["bash", str(root / "dev"), *argv],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected
