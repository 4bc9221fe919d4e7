"""A diff report as ``text`` (a terminal), ``json`` (machines) or ``markdown`` (a PR comment)."""

from __future__ import annotations

import dataclasses
import json

from .model import BREAKING, DEPRECATION, SAFE, Change, DiffReport

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "json", "markdown")


def render(report: DiffReport, fmt: str = "text") -> str:
    """The report as ``text`` (a terminal), ``json`` (machines) or ``markdown`` (a PR comment)."""
    if fmt == "text":
        return _render_text(report)
    if fmt == "json":
        return _render_json(report)
    if fmt == "markdown":
        return _render_markdown(report)
    raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def _verdict(report: DiffReport) -> str:
    if not report.breaking:
        return "no breaking changes"
    if report.major_bump:
        versions = f"{report.base.version} -> {report.head.version}"
        return f"breaking changes allowed by the major version bump ({versions})"
    return "breaking changes without a major version bump"


def _summary(report: DiffReport) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in report.counts().items())


def _where(change: Change) -> str:
    return f"{change.side}#{change.pointer or '/'}"


def _render_text(report: DiffReport) -> str:
    lines = [
        f"base: {report.base.source} ({report.base.version or 'no version'})",
        f"head: {report.head.source} ({report.head.version or 'no version'})",
    ]
    for c in report.changes:
        lines.append(f"{c.kind.upper():<12} [{c.rule}] {c.message}")
        lines.append(f"    at {_where(c)}" + (f" ({c.location})" if c.location else ""))
        if c.operations:
            labels = dict.fromkeys(op.label for op in c.operations)
            lines.append(f"    operations: {', '.join(labels)}")
            lines.append(f"    python client: {', '.join(c.python_client)}")
        if c.typescript:
            lines.append(f"    typescript: {', '.join(c.typescript)}")
    lines.append(f"{_summary(report)}: {_verdict(report)} (exit {report.exit_code()})")
    return "\n".join(lines) + "\n"


def _render_json(report: DiffReport) -> str:
    data = {
        "base": dataclasses.asdict(report.base),
        "head": dataclasses.asdict(report.head),
        "major_bump": report.major_bump,
        "exit_code": report.exit_code(),
        "summary": report.counts(),
        "changes": [c.as_dict() for c in report.changes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_MD_KIND = {
    BREAKING: ":x: breaking",
    DEPRECATION: ":warning: deprecation",
    SAFE: ":white_check_mark: non-breaking",
}
_MD_FOLD = 4  # longer name lists fold into <details>


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _names(items: tuple[str, ...], what: str) -> str:
    shown = "<br>".join(f"`{_cell(i)}`" for i in items)
    if len(items) > _MD_FOLD:
        return f"<details><summary>{len(items)} {what}</summary>{shown}</details>"
    return shown or "—"


def _render_markdown(report: DiffReport) -> str:
    icon = ":x:" if report.exit_code() else ":white_check_mark:"
    base, head = report.base, report.head
    lines = [
        f"### API contract diff: `{_cell(base.source)}` {base.version or ''}"
        f" → `{_cell(head.source)}` {head.version or ''}",
        "",
        f"{icon} **{_verdict(report)}** ({_summary(report)})",
        "",
    ]
    if not report.changes:
        lines.append("No changes to the operations or the schemas they use.")
        return "\n".join(lines) + "\n"
    lines.append("| | Change | Where | Python client | TypeScript |")
    lines.append("|---|---|---|---|---|")
    for c in report.changes:
        where = f"`{_cell(_where(c))}`" + (f"<br>{_cell(c.location)}" if c.location else "")
        client, ts = _names(c.python_client, "methods"), _names(c.typescript, "types")
        lines.append(f"| {_MD_KIND[c.kind]} | {_cell(c.message)} | {where} | {client} | {ts} |")
    return "\n".join(lines) + "\n"
