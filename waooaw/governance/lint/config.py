"""``[tool.waooaw.lint]``: which rules run, at which severity, and the knobs rules read."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .registry import SEVERITIES, Rule, Severity, registered, rules

__all__ = ["LintConfig", "LintConfigError", "load_config"]


class LintConfigError(ValueError):
    """``[tool.waooaw.lint]`` is malformed or names a rule that does not exist."""


_DEFAULT_MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class LintConfig:
    """Which rules run, at which severity, and the knobs some rules read."""

    #: Only these rules run; ``None``: every registered rule.
    enable: frozenset[str] | None = None
    disable: frozenset[str] = frozenset()
    #: rule id -> severity replacing the rule's default.
    severity: Mapping[str, Severity] = field(default_factory=dict)
    #: Tags operations may use without declaring them in the contract's top-level ``tags``.
    known_tags: frozenset[str] = frozenset()
    #: The largest ``maximum`` a list operation's ``limit`` parameter may declare.
    max_limit: int = _DEFAULT_MAX_LIMIT

    def __post_init__(self) -> None:
        named = [*(self.enable or ()), *self.disable, *self.severity]
        unknown = sorted({r for r in named if not registered(r)})
        if unknown:
            raise LintConfigError(
                f"unknown lint rule {unknown[0]!r}; `waooaw lint --list-rules` lists them"
            )
        for rule_id, level in self.severity.items():
            if level not in SEVERITIES:
                raise LintConfigError(
                    f"severity of {rule_id!r} must be one of {', '.join(SEVERITIES)}, not {level!r}"
                )
        if self.max_limit < 1:
            raise LintConfigError("max_limit must be a positive integer")

    def active(self) -> list[Rule]:
        return [
            r
            for r in rules()
            if (self.enable is None or r.id in self.enable) and r.id not in self.disable
        ]

    def severity_of(self, r: Rule) -> Severity:
        return self.severity.get(r.id, r.severity)


_CONFIG_KEYS = {"enable", "disable", "severity", "known_tags", "max_limit"}


def load_config(pyproject: Path | None) -> LintConfig:
    """Read ``[tool.waooaw.lint]`` from ``pyproject``; defaults when None or absent.

    Keys: ``enable``/``disable`` (lists of rule ids), ``severity`` (table: rule id ->
    "error" or "warning"), ``known_tags`` (list), ``max_limit`` (integer).
    """
    if pyproject is None:
        return LintConfig()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LintConfigError(f"{pyproject}: {exc}") from exc
    section = data.get("tool", {}).get("waooaw", {}).get("lint", {})
    if not isinstance(section, dict):
        raise LintConfigError(f"{pyproject}: [tool.waooaw.lint] must be a table")
    where = f"{pyproject}: [tool.waooaw.lint]"
    extra = sorted(set(section) - _CONFIG_KEYS)
    if extra:
        raise LintConfigError(
            f"{where}: unknown key {extra[0]!r} (expected {', '.join(sorted(_CONFIG_KEYS))})"
        )

    def names(key: str) -> frozenset[str] | None:
        value = section.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise LintConfigError(f"{where}: {key} must be a list of strings")
        return frozenset(value)

    severity = section.get("severity", {})
    if not isinstance(severity, dict):
        raise LintConfigError(f'{where}: severity must be a table, e.g. {{rule = "warning"}}')
    max_limit = section.get("max_limit", _DEFAULT_MAX_LIMIT)
    if not isinstance(max_limit, int) or isinstance(max_limit, bool):
        raise LintConfigError(f"{where}: max_limit must be an integer")
    try:
        return LintConfig(
            enable=names("enable"),
            disable=names("disable") or frozenset(),
            severity=dict(severity),
            known_tags=names("known_tags") or frozenset(),
            max_limit=max_limit,
        )
    except LintConfigError as exc:
        raise LintConfigError(f"{where}: {exc}") from None
