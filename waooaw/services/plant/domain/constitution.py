"""The seven L0 principles, declared once.

Creation-time validation (``violations_at_creation``) and the compliance audit
(``evaluate``) both read :data:`PRINCIPLES`; nothing else decides what the
constitution says. Each principle checks an :class:`AgentFacts` snapshot and
returns ``None`` when it holds or a sentence saying why it does not.

Blocking principles are enforced when an agent is created (a failure is a 422
constitutional-alignment problem); advisory ones are only reported by the audit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "PRINCIPLES",
    "AgentFacts",
    "Principle",
    "PrincipleResult",
    "evaluate",
    "violations_at_creation",
]

GENESIS = "genesis"


@dataclass(frozen=True, slots=True)
class AgentFacts:
    """Everything the principles look at, gathered by the storage layer."""

    governance_agent_id: str
    governor_exists: bool
    industry_exists: bool
    job_role_exists: bool
    job_role_certified: bool
    job_role_industry_id: str | None
    industry_id: str
    required_skill_ids: frozenset[str]
    skill_ids: tuple[str, ...]
    missing_skill_ids: frozenset[str] = frozenset()
    uncertified_skill_ids: frozenset[str] = frozenset()
    trial_mode_sandbox_url: str | None = None
    amendment_events: tuple[str, ...] = ("created",)
    audit_entries: int = 1
    version_hash_ok: bool = True


@dataclass(frozen=True, slots=True)
class Principle:
    id: str
    title: str
    description: str
    blocking: bool
    input_field: str | None
    check: Callable[[AgentFacts], str | None] = field(repr=False)


@dataclass(frozen=True, slots=True)
class PrincipleResult:
    principle: Principle
    detail: str | None

    @property
    def passed(self) -> bool:
        return self.detail is None


def _single_governor(f: AgentFacts) -> str | None:
    if f.governance_agent_id == GENESIS or f.governor_exists:
        return None
    return (
        f"governance_agent_id {f.governance_agent_id!r} is neither 'genesis' nor a known governor"
    )


def _amendment_history(f: AgentFacts) -> str | None:
    if f.amendment_events and f.amendment_events[0] == "created":
        return None
    return "amendment history does not start with the creation event"


def _external_execution(f: AgentFacts) -> str | None:
    if f.trial_mode_sandbox_url:
        return None
    return "no trial_mode_sandbox_url: external actions cannot be confined to a sandbox"


def _specialization(f: AgentFacts) -> str | None:
    problems = []
    if not f.job_role_certified:
        problems.append("the job role is not certified")
    if f.uncertified_skill_ids:
        problems.append("skills not certified: " + ", ".join(sorted(f.uncertified_skill_ids)))
    missing = f.required_skill_ids - set(f.skill_ids)
    if missing:
        problems.append("skills the job role requires are missing: " + ", ".join(sorted(missing)))
    return "; ".join(problems) or None


def _audit_trail(f: AgentFacts) -> str | None:
    return None if f.audit_entries > 0 else "no audit trail entry records this agent"


def _industry_alignment(f: AgentFacts) -> str | None:
    if f.job_role_industry_id is None or f.job_role_industry_id == f.industry_id:
        return None
    return f"the job role belongs to industry {f.job_role_industry_id}, not {f.industry_id}"


def _version_integrity(f: AgentFacts) -> str | None:
    return None if f.version_hash_ok else "version_hash does not match the agent's content"


PRINCIPLES: tuple[Principle, ...] = (
    Principle(
        "L0-01",
        "Single Governor",
        "Every agent answers to exactly one governance agent: Genesis or a known governor.",
        True,
        "governance_agent_id",
        _single_governor,
    ),
    Principle(
        "L0-02",
        "Amendment History",
        "An agent's history of changes starts with its creation event and is append-only.",
        True,
        None,
        _amendment_history,
    ),
    Principle(
        "L0-03",
        "External Execution Approval",
        "External actions run in a trial sandbox until approved (trial_mode_sandbox_url).",
        False,
        "trial_mode_sandbox_url",
        _external_execution,
    ),
    Principle(
        "L0-04",
        "Agent Specialization",
        "An agent works in a certified job role with certified skills covering what the role requires.",
        True,
        "skills",
        _specialization,
    ),
    Principle(
        "L0-05",
        "Audit Trail",
        "Every change to an agent is recorded in the hash-chained audit trail.",
        True,
        None,
        _audit_trail,
    ),
    Principle(
        "L0-06",
        "Industry Alignment",
        "An agent's industry is the industry of its job role.",
        True,
        "industry_id",
        _industry_alignment,
    ),
    Principle(
        "L0-07",
        "Version Integrity",
        "An agent's version_hash is the hash of its current canonical content.",
        True,
        None,
        _version_integrity,
    ),
)


def evaluate(facts: AgentFacts) -> list[PrincipleResult]:
    """Every principle's outcome for one agent (the audit's view)."""
    return [PrincipleResult(p, p.check(facts)) for p in PRINCIPLES]


def violations_at_creation(facts: AgentFacts) -> list[PrincipleResult]:
    """The blocking principles an agent about to be created would break."""
    return [r for r in evaluate(facts) if r.principle.blocking and not r.passed]
