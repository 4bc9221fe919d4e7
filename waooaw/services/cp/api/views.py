"""CP's stored rows -> the contract's response models (the only place CP maps them)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Row

from waooaw.generated.cp import models

from ...common.values import parse_ts
from ..domain import trials as lifecycle
from ..domain.values import usd

__all__ = [
    "activity_model",
    "deliverable_model",
    "review_model",
    "task_model",
    "trial_budget",
    "trial_model",
]


def _dt(value: str | None) -> datetime | None:
    return None if value is None else parse_ts(value)


def trial_budget(row: Row[Any]) -> models.TrialBudget:
    remaining = max(0, row.budget_limit_micros - row.spent_micros - row.reserved_micros)
    return models.TrialBudget(
        limit_usd=usd(row.budget_limit_micros),
        spent_usd=usd(row.spent_micros),
        reserved_usd=usd(row.reserved_micros),
        remaining_usd=usd(remaining),
    )


def trial_model(row: Row[Any], at: datetime) -> models.Trial:
    expires = parse_ts(row.expires_at)
    status = lifecycle.effective_status(row.status, expires, at)
    ended = row.ended_at
    if status != row.status:  # expired, not yet recorded by the sweeper
        ended = row.expires_at
    return models.Trial(
        id=row.id,
        agent_id=row.agent_id,
        agent_name=row.agent_name,
        status=models.TrialStatus(status),
        trial_mode=bool(row.trial_mode),
        started_at=parse_ts(row.started_at),
        expires_at=expires,
        ended_at=_dt(ended),
        time_remaining_seconds=lifecycle.time_left(status, expires, at).total_seconds,
        deliverables_count=row.deliverables_count,
        tasks_count=row.tasks_count,
        budget=trial_budget(row),
        sandbox_url=row.sandbox_url,
    )


def task_model(row: Row[Any]) -> models.Task:
    error = None
    if row.error_code is not None:
        error = models.TaskError(code=row.error_code, message=row.error_message or row.error_code)
    cost = None if row.cost is None else models.CostBreakdown.model_validate_json(row.cost)
    return models.Task(
        id=row.id,
        agent_id=row.agent_id,
        trial_id=row.trial_id,
        status=models.TaskStatus(row.status),
        sandbox_mode=bool(row.sandbox_mode),
        input=models.TaskInput(task=row.task, context=json.loads(row.context)),
        result=None if row.result is None else json.loads(row.result),
        error=error,
        cost_estimate_usd=usd(row.estimate_micros),
        cost=cost,
        attempts=row.attempts,
        deliverable_id=row.deliverable_id,
        created_at=parse_ts(row.created_at),
        started_at=_dt(row.started_at),
        finished_at=_dt(row.finished_at),
    )


def deliverable_model(row: Row[Any]) -> models.Deliverable:
    return models.Deliverable(
        id=row.id,
        trial_id=row.trial_id,
        task_id=row.task_id,
        agent_id=row.agent_id,
        title=row.title,
        content=json.loads(row.content),
        created_at=parse_ts(row.created_at),
    )


def activity_model(row: Row[Any]) -> models.ActivityEntry:
    return models.ActivityEntry(
        id=row.id,
        kind=models.ActivityKind(row.kind),
        message=row.message,
        trial_id=row.trial_id,
        agent_id=row.agent_id,
        task_id=row.task_id,
        at=parse_ts(row.at),
    )


def review_model(row: Row[Any]) -> models.Review:
    return models.Review(
        id=row.id,
        agent_id=row.agent_id,
        rating=row.rating,
        text=row.text,
        author=row.author,
        created_at=parse_ts(row.created_at),
    )
