"""Findings, the report of a run, and its output formats (text, json, github)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal, TypeAlias, get_args

from .registry import Severity

__all__ = ["FORMATS", "Finding", "Format", "LintReport", "exit_code", "render"]

Format: TypeAlias = Literal["text", "json", "github"]
FORMATS: tuple[str, ...] = get_args(Format)


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule at one place. ``pointer`` is inside ``file`` (which may be shared.yaml)."""

    rule: str
    severity: Severity
    file: str
    line: int | None
    column: int | None
    pointer: str
    message: str

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.line or 0, self.column or 0, self.rule, self.pointer, self.message)


@dataclass(frozen=True, slots=True)
class LintReport:
    findings: tuple[Finding, ...]
    files: tuple[str, ...]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _location(f: Finding) -> str:
    where = f.file
    if f.line is not None:
        where += f":{f.line}"
        if f.column is not None:
            where += f":{f.column}"
    return where


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: LintReport, fmt: Format) -> str:
    """The report as ``text`` (one line per finding, then a summary), ``json`` or ``github``."""
    if fmt == "text":
        lines = [f"{_location(f)}: {f.severity} [{f.rule}] {f.message}" for f in report.findings]
        files = _plural(len(report.files), "file")
        if report.findings:
            counts = f"{_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')}"
            lines.append(f"{_plural(len(report.findings), 'problem')} ({counts}) in {files}")
        else:
            lines.append(f"no problems found in {files}")
        return "\n".join(lines) + "\n"
    if fmt == "json":
        return json.dumps([asdict(f) for f in report.findings], indent=2) + "\n"
    if fmt == "github":
        out = []
        for f in report.findings:
            props = [f"file={_gh_property(f.file)}"]
            if f.line is not None:
                props.append(f"line={f.line}")
                if f.column is not None:
                    props.append(f"col={f.column}")
            props.append(f"title={_gh_property(f.rule)}")
            out.append(f"::{f.severity} {','.join(props)}::{_gh_data(f.message)}\n")
        return "".join(out)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def exit_code(report: LintReport, strict: bool) -> int:
    """1 when there are errors (or, with ``strict``, warnings); else 0."""
    return 1 if report.errors or (strict and report.warnings) else 0
