"""The seven L0 principles, declared once.

Agent creation (``decide_creation``) and the compliance audit (``evaluate``) both read
:data:`PRINCIPLES`; nothing else decides what the constitution says. Each principle
checks an :class:`AgentFacts` snapshot and returns ``None`` when it holds or a sentence
saying why it does not. What a principle does when an agent is created is declared with
it (:class:`AtCreation`):

* ``ENFORCED`` - checked against the request; a breach refuses the agent (a 422
  constitutional-alignment problem naming the principle's ``input_field``);
* ``ADVISORY`` - checked and recorded in the agent's alignment, never refuses;
* ``BY_CONSTRUCTION`` - creation itself writes what the principle checks (the
  ``created`` amendment, the audit entry, the version hash), so it cannot fail then and
  is not evaluated; the audit checks it on the stored agent (:class:`StoredFacts`).

A principle with an ``input_rule`` also owns the *shape* of its request field: a value
the contract's schema refuses there (a missing or malformed governor) breaks the
principle, not just the schema (``malformed_input``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "PRINCIPLES",
    "AgentFacts",
    "AtCreation",
    "CreationDecision",
    "Principle",
    "PrincipleResult",
    "StoredFacts",
    "alignment",
    "decide_creation",
    "evaluate",
    "malformed_input",
]

GENESIS = "genesis"


class AtCreation(Enum):
    ENFORCED = "enforced"
    ADVISORY = "advisory"
    BY_CONSTRUCTION = "by construction"


@dataclass(frozen=True, slots=True)
class StoredFacts:
    """What only a stored agent has (creation makes each of them hold)."""

    amendment_events: tuple[str, ...]
    audit_entries: int
    version_hash_ok: bool


@dataclass(frozen=True, slots=True)
class AgentFacts:
    """Everything the principles look at, gathered by the storage layer.

    ``stored`` is None for an agent being created: the principles reading it hold by
    construction then.
    """

    governance_agent_id: str
    governor_exists: bool
    job_role_certified: bool
    job_role_industry_id: str | None
    industry_id: str
    required_skill_ids: frozenset[str]
    skill_ids: tuple[str, ...]
    uncertified_skill_ids: frozenset[str] = frozenset()
    trial_mode_sandbox_url: str | None = None
    stored: StoredFacts | None = None


@dataclass(frozen=True, slots=True)
class Principle:
    id: str
    title: str
    description: str
    at_creation: AtCreation
    #: the request field (of the agent being created) the principle judges
    input_field: str | None
    check: Callable[[AgentFacts], str | None] = field(repr=False)
    #: what the principle requires of ``input_field``, when a value the schema refuses
    #: there breaks the principle itself
    input_rule: str | None = None


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


def _stored(f: AgentFacts) -> StoredFacts:
    if f.stored is None:
        raise ValueError(
            "this principle holds by construction at creation; it reads a stored agent"
        )
    return f.stored


def _amendment_history(f: AgentFacts) -> str | None:
    events = _stored(f).amendment_events
    if events and events[0] == "created":
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
    return None if _stored(f).audit_entries > 0 else "no audit trail entry records this agent"


def _industry_alignment(f: AgentFacts) -> str | None:
    if f.job_role_industry_id is None or f.job_role_industry_id == f.industry_id:
        return None
    return f"the job role belongs to industry {f.job_role_industry_id}, not {f.industry_id}"


def _version_integrity(f: AgentFacts) -> str | None:
    if _stored(f).version_hash_ok:
        return None
    return "version_hash does not match the agent's content"


PRINCIPLES: tuple[Principle, ...] = (
    Principle(
        "L0-01",
        "Single Governor",
        "Every agent answers to exactly one governance agent: Genesis or a known governor.",
        AtCreation.ENFORCED,
        "governance_agent_id",
        _single_governor,
        input_rule="governance_agent_id is required and must be 'genesis' or a governor's UUID",
    ),
    Principle(
        "L0-02",
        "Amendment History",
        "An agent's history of changes starts with its creation event and is append-only.",
        AtCreation.BY_CONSTRUCTION,
        None,
        _amendment_history,
    ),
    Principle(
        "L0-03",
        "External Execution Approval",
        "External actions run in a trial sandbox until approved (trial_mode_sandbox_url).",
        AtCreation.ADVISORY,
        "trial_mode_sandbox_url",
        _external_execution,
    ),
    Principle(
        "L0-04",
        "Agent Specialization",
        "An agent works in a certified job role with certified skills covering what the role requires.",
        AtCreation.ENFORCED,
        "skills",
        _specialization,
    ),
    Principle(
        "L0-05",
        "Audit Trail",
        "Every change to an agent is recorded in the hash-chained audit trail.",
        AtCreation.BY_CONSTRUCTION,
        None,
        _audit_trail,
    ),
    Principle(
        "L0-06",
        "Industry Alignment",
        "An agent's industry is the industry of its job role.",
        AtCreation.ENFORCED,
        "industry_id",
        _industry_alignment,
    ),
    Principle(
        "L0-07",
        "Version Integrity",
        "An agent's version_hash is the hash of its current canonical content.",
        AtCreation.BY_CONSTRUCTION,
        None,
        _version_integrity,
    ),
)


def evaluate(facts: AgentFacts) -> list[PrincipleResult]:
    """Every principle's outcome for one agent.

    For an agent being created (``facts.stored`` is None) the ``BY_CONSTRUCTION``
    principles are not checked: they hold because creation writes what they read.
    """
    return [
        PrincipleResult(p, None)
        if facts.stored is None and p.at_creation is AtCreation.BY_CONSTRUCTION
        else PrincipleResult(p, p.check(facts))
        for p in PRINCIPLES
    ]


def alignment(results: Iterable[PrincipleResult], checked_at: str) -> dict[str, Any]:
    """An agent's ``constitutional_alignment``, as stored and served."""
    results = list(results)
    return {
        "status": "compliant" if all(r.passed for r in results) else "non_compliant",
        "checked_at": checked_at,
        "principles": [
            {
                "principle_id": r.principle.id,
                "title": r.principle.title,
                "passed": r.passed,
                "detail": r.detail,
            }
            for r in results
        ],
    }


@dataclass(frozen=True, slots=True)
class CreationDecision:
    """One evaluation of an agent about to be created: what refuses it, what is recorded."""

    results: tuple[PrincipleResult, ...]

    @property
    def violations(self) -> list[PrincipleResult]:
        """The enforced principles the agent would break (empty: create it)."""
        return [
            r
            for r in self.results
            if r.principle.at_creation is AtCreation.ENFORCED and not r.passed
        ]

    def alignment(self, checked_at: str) -> dict[str, Any]:
        return alignment(self.results, checked_at)


def decide_creation(facts: AgentFacts) -> CreationDecision:
    if facts.stored is not None:
        raise ValueError("an agent being created has no stored facts yet")
    return CreationDecision(tuple(evaluate(facts)))


def malformed_input(fields: Iterable[str]) -> list[Principle]:
    """The principles broken by a schema-invalid value of these request fields."""
    wanted = set(fields)
    return [p for p in PRINCIPLES if p.input_rule is not None and p.input_field in wanted]
