"""The rule registry: :func:`rule` registers a check under a stable id, :func:`rules` lists them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias, get_args

from waooaw.codegen.errors import ContractError

if TYPE_CHECKING:
    from .context import LintContext

__all__ = ["SEVERITIES", "Check", "Hit", "Rule", "Severity", "registered", "rule", "rules"]

Severity: TypeAlias = Literal["error", "warning"]
SEVERITIES: tuple[str, ...] = get_args(Severity)

#: What a rule yields: (JSON pointer into the bundled document, message), or a located error.
Hit: TypeAlias = tuple[str, str] | ContractError
Check: TypeAlias = Callable[["LintContext"], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: stable id, default severity, why it exists, and the check."""

    id: str
    severity: Severity
    rationale: str
    check: Check = field(repr=False, compare=False)


_REGISTRY: dict[str, Rule] = {}


def rule(id: str, *, severity: Severity, rationale: str) -> Callable[[Check], Check]:
    """Register the decorated function as the check of rule ``id``."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id!r}: severity must be one of {', '.join(SEVERITIES)}")

    def register(check: Check) -> Check:
        if id in _REGISTRY:
            raise ValueError(f"rule {id!r} is registered twice")
        _REGISTRY[id] = Rule(id, severity, rationale, check)
        return check

    return register


def rules() -> list[Rule]:
    """Every registered rule, in registration order (for ``--list-rules``)."""
    return list(_REGISTRY.values())


def registered(rule_id: str) -> bool:
    """Whether a rule of this id exists."""
    return rule_id in _REGISTRY
