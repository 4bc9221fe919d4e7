"""Audit tag: the compliance report, tamper checks and the streamed export."""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime
from sqlalchemy import func, select

from waooaw.generated.plant import models, server
from waooaw.runtime.server import ProblemError

from ...common.errors import not_found
from ...common.values import now_ts, ts
from ..domain.constitution import PRINCIPLES, AgentFacts, StoredFacts, evaluate
from ..storage import repo
from ..storage.audit import Break
from ..storage.tables import (
    agent_skills,
    agents,
    amendments,
    audit_entries,
    governors,
    job_role_skills,
    job_roles,
    skills,
)
from .context import PlantContext

__all__ = ["AuditService"]

TITLES = {p.id: p.title for p in PRINCIPLES}
MAX_VIOLATIONS = 1000


class AuditService:
    def __init__(self, ctx: PlantContext) -> None:
        self.ctx = ctx

    async def run_audit(
        self, *, x_correlation_id: str | None, body: models.AuditRunRequest | None
    ) -> server.RunAuditResult:
        only_type = (
            body.entity_type.value if body is not None and body.entity_type is not None else None
        )
        only_id = str(body.entity_id) if body is not None and body.entity_id is not None else None
        checked_at = now_ts()
        async with self.ctx.db.read() as conn:
            if only_id is not None:
                tables = {"agent": agents, "skill": skills, "job_role": job_roles}
                candidates = [only_type] if only_type else list(tables)
                found = False
                for kind in candidates:
                    hit = await conn.execute(
                        select(tables[kind].c.id).where(tables[kind].c.id == only_id)
                    )
                    if hit.first() is not None:
                        only_type, found = kind, True
                        break
                if not found:
                    raise not_found(only_type or "entity", only_id)
            audited = Counter(
                {
                    r.entity_id: r.n
                    for r in await conn.execute(
                        select(audit_entries.c.entity_id, func.count().label("n")).group_by(
                            audit_entries.c.entity_id
                        )
                    )
                }
            )
            skill_status = {
                r.id: r.status for r in await conn.execute(select(skills.c.id, skills.c.status))
            }
            role_skills: dict[str, list[str]] = defaultdict(list)
            for r in await conn.execute(
                select(job_role_skills.c.job_role_id, job_role_skills.c.skill_id)
            ):
                role_skills[r.job_role_id].append(r.skill_id)
            roles = {r.id: r for r in await conn.execute(select(job_roles))}
            governor_ids = {r.id for r in await conn.execute(select(governors.c.id))}
            agent_query = select(agents)
            if only_id is not None:
                agent_query = agent_query.where(agents.c.id == only_id)
            agent_rows = (
                list(await conn.execute(agent_query)) if only_type in (None, "agent") else []
            )
            agent_ids = [a.id for a in agent_rows]
            skills_of: dict[str, list[str]] = defaultdict(list)
            events_of: dict[str, list[str]] = defaultdict(list)
            if agent_ids:
                for r in await conn.execute(
                    select(agent_skills.c.agent_id, agent_skills.c.skill_id).order_by(
                        agent_skills.c.position
                    )
                ):
                    skills_of[r.agent_id].append(r.skill_id)
                for r in await conn.execute(
                    select(amendments.c.agent_id, amendments.c.event).order_by(
                        amendments.c.sequence
                    )
                ):
                    events_of[r.agent_id].append(r.event)
            chain = await conn.run_sync(self.ctx.trail.verify_chain)
            trail_size = (
                await conn.execute(select(func.count()).select_from(audit_entries))
            ).scalar_one()
            untrusted = await _untrusted_entities(conn, chain.first_break)

        results: dict[str, list[tuple[str, str | None]]] = defaultdict(
            list
        )  # principle -> (entity, detail)
        violations: list[dict[str, Any]] = []
        per_type: dict[str, list[bool]] = defaultdict(list)

        def record(kind: str, entity_id: str, outcomes: list[tuple[str, str | None]]) -> None:
            for principle_id, detail in outcomes:
                results[principle_id].append((entity_id, detail))
                if detail is not None and len(violations) < MAX_VIOLATIONS:
                    violations.append(
                        {
                            "entity_type": kind,
                            "entity_id": entity_id,
                            "principle_id": principle_id,
                            "detail": detail,
                            "detected_at": checked_at,
                        }
                    )
            per_type[kind].append(all(d is None for _, d in outcomes))

        def trusted(entity_id: str, outcomes: list[tuple[str, str | None]]) -> list[Any]:
            # L0-05 needs a trail that verifies: an entity recorded at or after the chain's
            # first break (every entity when the break is at the tail) fails it
            broken = chain.first_break
            if broken is None or not (untrusted is None or entity_id in untrusted):
                return outcomes
            why = f"the audit chain is broken at entry {broken.sequence} ({broken.kind})"
            return [
                (pid, detail if pid != "L0-05" or detail is not None else why)
                for pid, detail in outcomes
            ]

        for a in agent_rows:
            facts = self._agent_facts(
                a, roles, role_skills, skill_status, governor_ids, skills_of, events_of, audited
            )
            outcomes = [(r.principle.id, r.detail) for r in evaluate(facts)]
            record("agent", a.id, trusted(a.id, outcomes))
        if only_type in (None, "skill"):
            for skill_id in sorted(skill_status):
                if only_id is None or skill_id == only_id:
                    trail = None if audited[skill_id] else "no audit trail entry records this skill"
                    record("skill", skill_id, trusted(skill_id, [("L0-05", trail)]))
        if only_type in (None, "job_role"):
            for role_id, role in sorted(roles.items()):
                if only_id is not None and role_id != only_id:
                    continue
                uncertified = [
                    s for s in role_skills[role_id] if skill_status.get(s) != "certified"
                ]
                spec = (
                    "certified although skills are not: " + ", ".join(uncertified)
                    if role.status == "certified" and uncertified
                    else None
                )
                trail = None if audited[role_id] else "no audit trail entry records this job role"
                record("job_role", role_id, trusted(role_id, [("L0-04", spec), ("L0-05", trail)]))

        checked = sum(len(v) for v in per_type.values())
        compliant = sum(sum(v) for v in per_type.values())
        by_principle = []
        for p in PRINCIPLES:
            outcomes = results.get(p.id, [])
            passed = sum(1 for _, d in outcomes if d is None)
            failed = len(outcomes) - passed
            status = "pass" if failed == 0 else "fail" if passed == 0 else "partial"
            by_principle.append(
                {
                    "principle_id": p.id,
                    "title": p.title,
                    "passed": passed,
                    "failed": failed,
                    "status": status,
                }
            )
        report = models.AuditReportResponse.model_validate(
            {
                "report_id": str(uuid.uuid4()),
                "generated_at": checked_at,
                "overall_score": round(100.0 * compliant / checked, 2) if checked else 100.0,
                "entities_checked": checked,
                "by_entity_type": [
                    {
                        "entity_type": kind,
                        "checked": len(per_type[kind]),
                        "compliant": sum(per_type[kind]),
                        "score": round(100.0 * sum(per_type[kind]) / len(per_type[kind]), 2)
                        if per_type[kind]
                        else 100.0,
                    }
                    for kind in ("agent", "skill", "job_role")
                    if only_type in (None, kind)
                ],
                "by_principle": by_principle,
                "violations": violations,
                "chain": {
                    "intact": chain.intact,
                    "entries": trail_size,
                    "head_hash": chain.head.last_hash,
                    "first_broken_sequence": None
                    if chain.first_break is None
                    else chain.first_break.sequence,
                    "break_kind": None if chain.first_break is None else chain.first_break.kind,
                    "detail": None if chain.first_break is None else chain.first_break.detail,
                },
            }
        )
        return server.RunAudit200Response(body=report)

    @staticmethod
    def _agent_facts(
        a: Any,
        roles: dict[str, Any],
        role_skills: dict[str, list[str]],
        skill_status: dict[str, str],
        governor_ids: set[str],
        skills_of: dict[str, list[str]],
        events_of: dict[str, list[str]],
        audited: Counter[str],
    ) -> AgentFacts:
        role = roles.get(a.job_role_id)
        agent_skills_ = skills_of[a.id]
        content = repo.agent_content(
            agent_id=a.id,
            name=a.name,
            description=a.description,
            industry_id=a.industry_id,
            job_role_id=a.job_role_id,
            skills=agent_skills_,
            governance_agent_id=a.governance_agent_id,
            specialties=json.loads(a.specialties),
            price_per_month=a.price_per_month,
            trial_mode_sandbox_url=a.trial_mode_sandbox_url,
            team_id=a.team_id,
            status=a.status,
        )
        return AgentFacts(
            governance_agent_id=a.governance_agent_id,
            governor_exists=a.governance_agent_id in governor_ids,
            job_role_certified=role is not None and role.status == "certified",
            job_role_industry_id=None if role is None else role.industry_id,
            industry_id=a.industry_id,
            required_skill_ids=frozenset(role_skills.get(a.job_role_id, [])),
            skill_ids=tuple(agent_skills_),
            uncertified_skill_ids=frozenset(
                s for s in agent_skills_ if skill_status.get(s) != "certified"
            ),
            trial_mode_sandbox_url=a.trial_mode_sandbox_url,
            stored=StoredFacts(
                amendment_events=tuple(events_of[a.id]),
                audit_entries=audited[a.id],
                version_hash_ok=repo.version_hash(content) == a.version_hash,
            ),
        )

    async def check_tampering(
        self, *, entity_id: UUID, x_correlation_id: str | None
    ) -> server.CheckTamperingResult:
        target = str(entity_id)
        async with self.ctx.db.read() as conn:
            count, broken = await conn.run_sync(lambda c: self.ctx.trail.verify_entity(c, target))
            if count == 0:
                exists = False
                for table in (agents, skills, job_roles):
                    if (await conn.execute(select(table.c.id).where(table.c.id == target))).first():
                        exists = True
                if not exists:
                    raise not_found("entity", entity_id)
                # every entity is recorded when it is created: none left means deleted ones
                chain = await conn.run_sync(self.ctx.trail.verify_chain)
                gap = chain.first_break
                broken = Break(
                    gap.sequence if gap is not None and gap.kind == "deleted" else 0,
                    "deleted",
                    f"{target} exists but none of its audit entries remain",
                )
        report = models.TamperingReport.model_validate(
            {
                "entity_id": target,
                "entries_checked": count,
                "intact": broken is None,
                "first_broken_sequence": None if broken is None else broken.sequence or None,
                "break_kind": None if broken is None else broken.kind,
                "detail": None if broken is None else broken.detail,
                "checked_at": now_ts(),
            }
        )
        return server.CheckTampering200Response(body=report)

    async def export_audit(
        self,
        *,
        entity_type: models.EntityType | None,
        format: models.ExportFormat,
        since: AwareDatetime | None,
        until: AwareDatetime | None,
        x_correlation_id: str | None,
    ) -> server.ExportAuditResult:
        # [since, until) is half-open: equal bounds are an empty range, an inverted one an error
        if since is not None and until is not None and until < since:
            raise ProblemError(
                422,
                "until must not be earlier than since",
                violations=[
                    {
                        "rule": "validation",
                        "field": "query.until",
                        "message": "must not be earlier than since",
                    }
                ],
            )
        fmt = format.value
        since_ts = None if since is None else ts(since)
        until_ts = None if until is None else ts(until)
        kind = None if entity_type is None else entity_type.value

        async def stream() -> AsyncIterator[bytes]:
            async with self.ctx.db.read() as conn:
                async for chunk in self.ctx.trail.export(
                    conn, fmt=fmt, since=since_ts, until=until_ts, entity_type=kind
                ):
                    yield chunk

        day = datetime.now(UTC).strftime("%Y-%m-%d")
        extension = "csv" if fmt == "csv" else "jsonl"
        return server.ExportAudit200Response(
            body=stream(),
            media_type="text/csv" if fmt == "csv" else "application/x-ndjson",
            headers={
                "Content-Disposition": f'attachment; filename="audit_export_{day}.{extension}"'
            },
        )


async def _untrusted_entities(conn: Any, broken: Break | None) -> set[str] | None:
    """Entities with an entry at or after the chain's first break; ``None``: all of them
    (the break is past the last entry: the tail was cut, and whose entries it held is
    unknown)."""
    if broken is None:
        return set()
    rows = await conn.execute(
        select(audit_entries.c.entity_id)
        .where(audit_entries.c.sequence >= broken.sequence)
        .distinct()
    )
    found = {r.entity_id for r in rows}
    return found or None
