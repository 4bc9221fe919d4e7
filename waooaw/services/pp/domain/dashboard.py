"""The audit dashboard's figures, from one Plant compliance report."""

from __future__ import annotations

from waooaw.generated.plant import models as plant
from waooaw.generated.pp import models as pp

__all__ = ["dashboard", "percentage"]


def percentage(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent, two decimals; 100 when there is nothing to count."""
    return 100.0 if whole <= 0 else round(100.0 * part / whole, 2)


def dashboard(report: plant.AuditReportResponse, *, violations_limit: int) -> pp.AuditDashboard:
    checked = sum(t.checked for t in report.by_entity_type)
    compliant = sum(t.compliant for t in report.by_entity_type)
    principles = [
        pp.PrincipleOutcome(
            principle_id=p.principle_id,
            title=p.title,
            passed=p.passed,
            failed=p.failed,
            score=percentage(p.passed, p.passed + p.failed),
            status=pp.PrincipleStatus(p.status.value),
        )
        for p in sorted(report.by_principle, key=lambda p: p.principle_id)
    ]
    return pp.AuditDashboard(
        report_id=report.report_id,
        generated_at=report.generated_at,
        overall_score=report.overall_score,
        entities_checked=report.entities_checked,
        compliant_entities=compliant,
        non_compliant_entities=max(0, checked - compliant),
        by_entity_type=[
            pp.EntityTypeScore.model_validate(t.model_dump()) for t in report.by_entity_type
        ],
        by_principle=principles,
        # Plant lists violations most recent first
        recent_violations=[
            pp.AuditViolation.model_validate(v.model_dump())
            for v in report.violations[:violations_limit]
        ],
        # one violation per entity and broken principle; Plant may cap its `violations` list
        violations_total=sum(p.failed for p in report.by_principle),
        chain=pp.ChainStatus.model_validate(report.chain.model_dump()),
    )
