"""Running the enabled rules over contract files."""

from __future__ import annotations

import re
from pathlib import Path

from waooaw.codegen.errors import ContractError, ContractErrors
from waooaw.codegen.loader import LoadedContract, load_contract

from .config import LintConfig
from .context import LintContext
from .report import Finding, LintReport

__all__ = ["lint_contract", "lint_files"]


def lint_contract(contract: LoadedContract, *, config: LintConfig) -> list[Finding]:
    """Run the enabled rules over a loaded contract."""
    ctx = LintContext(contract, config)
    findings: list[Finding] = []
    active = config.active()
    if not re.match(r"3\.[01]\.", str(contract.document.get("openapi"))):
        active = [r for r in active if r.id == "openapi-valid"]  # the rest would be noise
    for r in active:
        severity = config.severity_of(r)
        for hit in r.check(ctx):
            err = hit if isinstance(hit, ContractError) else contract.error(hit[0], r.id, hit[1])
            findings.append(
                Finding(r.id, severity, err.file, err.line, err.column, err.pointer, err.message)
            )
    return findings


def lint_files(paths: list[Path], *, config: LintConfig) -> LintReport:
    """Lint each contract file; a file that cannot be loaded yields ``openapi-valid`` errors."""
    findings: set[Finding] = set()
    for path in paths:
        try:
            contract = load_contract(path)
        except ContractErrors as exc:
            findings.update(
                Finding(
                    "openapi-valid",
                    "error",
                    e.file,
                    e.line,
                    e.column,
                    e.pointer,
                    f"{e.rule}: {e.message}",
                )
                for e in exc.errors
            )
            continue
        # a file several contracts pull in (shared.yaml) is reported once
        findings.update(lint_contract(contract, config=config))
    ordered = tuple(sorted(findings, key=Finding.sort_key))
    return LintReport(ordered, tuple(p.as_posix() for p in paths))
