"""A ``Report`` as text (for people and CI logs) or JSON (for tools).

The text groups failures by operation, then by check, each with the response's status and
the start of its body, and a curl command that sends the request again (after the
requests it depends on, for stateful failures).
"""

from __future__ import annotations

import json
import textwrap
from collections import defaultdict
from dataclasses import asdict
from typing import Any, Literal

from .config import PHASES
from .results import CheckFailure, Report

__all__ = ["FORMATS", "render", "render_json", "render_text"]

FORMATS = ("text", "json")
#: failures shown per (operation, check) in text; JSON lists every one
SHOWN_PER_CHECK = 3


def _indent(text: str, prefix: str) -> str:
    return textwrap.indent(text, prefix, lambda line: True)


def _failure(number: int, failure: CheckFailure) -> list[str]:
    lines = [f"    {number}. {failure.title}"]
    if failure.message:
        lines.append(_indent(failure.message.strip(), "       "))
    response = "no response"
    if failure.status is not None:
        response = f"{failure.status} {failure.content_type or '(no Content-Type)'}"
    lines.append(f"       phase {failure.phase}; response {response}")
    if failure.excerpt:
        lines.append(_indent(failure.excerpt.strip(), "         | "))
    if failure.steps:
        lines.append("       after:")
        lines.extend(_indent(step, "         ") for step in failure.steps)
    lines.append("       reproduce:")
    lines.append(_indent(failure.curl, "         "))
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def render_text(report: Report) -> str:
    phases = ", ".join(
        f"{name} {status}" for name, status in report.phases.items() if name in PHASES
    )
    lines = [
        f"waooaw verify: {report.target} against {report.contract}",
        f"seed {report.seed}, {report.examples} examples per operation; {phases or 'no phases ran'}",
        f"{_count(report.operations, 'operation')}, {_count(report.requests, 'request')}"
        f" in {report.duration_s:.1f} s",
    ]
    if report.known_failures:
        lines.append(f"{_count(report.known_failures, 'failure')} dropped as known bugs")
    groups: dict[str, dict[str, list[CheckFailure]]] = defaultdict(lambda: defaultdict(list))
    for failure in report.failures:
        groups[failure.operation][failure.check].append(failure)
    for operation, by_check in sorted(groups.items()):
        lines.extend(["", operation])
        for check, failures in sorted(by_check.items()):
            lines.append(f"  {check} ({len(failures)})")
            for number, failure in enumerate(failures[:SHOWN_PER_CHECK], 1):
                lines.extend(_failure(number, failure))
            if len(failures) > SHOWN_PER_CHECK:
                lines.append(
                    f"    ... and {len(failures) - SHOWN_PER_CHECK} more (--format json lists all)"
                )
    if report.errors:
        lines.extend(["", "errors (operations that could not be tested):"])
        for error in report.errors:
            lines.append(f"  {error.operation}: {error.title}")
            if error.message:
                lines.append(_indent(error.message.strip(), "    "))
            if error.curl:
                lines.append("    reproduce:")
                lines.append(_indent(error.curl, "      "))
    lines.append("")
    if report.ok:
        lines.append("OK: no check failed")
    else:
        lines.append(
            f"FAILED: {_count(len(report.failures), 'failure')} in "
            f"{_count(len(groups), 'operation')}, {_count(len(report.errors), 'error')}"
            f" (repeat this run with --seed {report.seed})"
        )
    return "\n".join(lines)


def _json_ready(report: Report) -> dict[str, Any]:
    data = asdict(report)
    data["statuses"] = {
        phase: {
            operation: {str(status): count for status, count in sorted(counts.items())}
            for operation, counts in by_operation.items()
        }
        for phase, by_operation in report.statuses.items()
    }
    data["ok"] = report.ok
    return data


def render_json(report: Report) -> str:
    return json.dumps(_json_ready(report), indent=2)


def render(report: Report, output: Literal["text", "json"]) -> str:
    return render_json(report) if output == "json" else render_text(report)
