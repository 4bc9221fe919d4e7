"""Marketplace tag: agent cards and profiles (Plant's agents with CP's data), reviews."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.generated.cp import models, server
from waooaw.generated.plant import models as plant
from waooaw.runtime.security import Principal
from waooaw.runtime.server import ProblemError

from ...common.errors import conflict, not_found
from ...common.pagination import decode_cursor, encode_cursor
from ...common.values import parse_ts, ts
from ..domain import trials as lifecycle
from ..domain.values import usd
from ..storage import catalogue as store
from ..storage import records
from ..storage.tables import catalogue, reviews, trials
from . import views
from .context import Caller, CpContext

__all__ = ["MarketplaceService"]

RECENT_REVIEWS = 5
ANONYMOUS_AUTHOR = "Verified trial customer"


def _rating(row: Row[Any]) -> float | None:
    if not row.reviews_count:
        return None
    return round(int(row.rating_sum) / int(row.reviews_count), 2)


def _availability(plant_status: str, running: int) -> models.AgentAvailability:
    if plant_status != plant.AgentStatus.ACTIVE.value:
        return models.AgentAvailability.OFFLINE
    if running:
        return models.AgentAvailability.WORKING
    return models.AgentAvailability.AVAILABLE


def _activity(stats: store.AgentActivityStats) -> dict[str, Any]:
    """The card's activity, as plain data (the page is validated once, as a whole)."""
    if stats.running:
        summary = f"Working on {stats.running} task{'s' if stats.running != 1 else ''} now"
    elif stats.completed_24h:
        n = stats.completed_24h
        summary = f"Completed {n} task{'s' if n != 1 else ''} in the last 24 hours"
    elif stats.last_active_at is not None:
        summary = "No tasks in the last 24 hours"
    else:
        summary = "No tasks yet"
    return {
        "summary": summary,
        "tasks_completed_24h": stats.completed_24h,
        "tasks_running": stats.running,
        "last_active_at": None if stats.last_active_at is None else parse_ts(stats.last_active_at),
    }


def _card(
    row: Row[Any], industries: dict[str, tuple[str, str]], stats: store.AgentActivityStats
) -> dict[str, Any]:
    specialties = store.specialties_of(row)
    industry = industries.get(row.industry_id)
    return {
        "id": row.id,
        "name": row.name,
        "industry": None
        if industry is None
        else {"id": row.industry_id, "name": industry[0], "slug": industry[1]},
        "specialty": specialties[0] if specialties else None,
        "specialties": specialties,
        "price_per_month": row.price_per_month,
        "rating": _rating(row),
        "reviews_count": row.reviews_count,
        "trial_signups": row.trial_signups,
        "status": _availability(row.plant_status, stats.running),
        "activity": _activity(stats),
    }


class MarketplaceService:
    def __init__(self, ctx: CpContext) -> None:
        self.ctx = ctx

    async def list_marketplace_agents(
        self,
        *,
        cursor: str | None,
        industry: str | None,
        limit: int,
        max_price: int | None,
        min_price: int | None,
        min_rating: float | None,
        q: str | None,
        sort: models.MarketplaceSort,
        specialty: list[str] | None,
        x_correlation_id: str | None,
    ) -> server.ListMarketplaceAgentsResult:
        if min_price is not None and max_price is not None and min_price > max_price:
            raise ProblemError(
                422,
                "min_price must not be above max_price",
                violations=[
                    {
                        "rule": "validation",
                        "field": "query.max_price",
                        "message": f"max_price {max_price} is below min_price {min_price}",
                    }
                ],
            )
        await self.ctx.catalogue.ensure_fresh()
        at = self.ctx.clock()
        async with self.ctx.db.read() as conn:
            industry_id: str | None = None
            if industry is not None:
                by_slug = {
                    slug: i for i, (_, slug) in (await self.ctx.catalogue.industries()).items()
                }
                industry_id = by_slug.get(industry)
                if industry_id is None:  # no such industry: nothing matches
                    empty = models.MarketplaceAgentList(items=[], next_cursor=None)
                    return server.ListMarketplaceAgents200Response(body=empty)
            filters = store.Filters(
                industry_id=industry_id,
                min_rating=min_rating,
                min_price=min_price,
                max_price=max_price,
                specialties=tuple(specialty or ()),
                q=q,
            )
            scope = filters.fingerprint(sort.value)
            after = decode_cursor(cursor, scope=scope, types=store.sort_key_types(sort.value))
            rows, last = await store.marketplace_page(
                conn, filters, sort=sort.value, after=after, limit=limit
            )
            cards = await self._cards(conn, rows, at)
        body = models.MarketplaceAgentList.model_validate(
            {
                "items": cards,
                "next_cursor": None if last is None else encode_cursor(last, scope=scope),
            }
        )
        return server.ListMarketplaceAgents200Response(body=body)

    async def _cards(
        self, conn: AsyncConnection, rows: Sequence[Row[Any]], at: datetime
    ) -> list[dict[str, Any]]:
        industries = await self.ctx.catalogue.industries()
        stats = await store.activity_of(conn, [r.id for r in rows], at=at)
        return [_card(r, industries, stats[r.id]) for r in rows]

    async def get_marketplace_agent(
        self, *, agent_id: UUID, x_correlation_id: str | None
    ) -> server.GetMarketplaceAgentResult:
        agent = await self.ctx.plant.agent(agent_id)
        if agent is None:
            raise not_found("agent", agent_id)
        await self.ctx.catalogue.remember(agent)
        skills, role = await asyncio.gather(
            asyncio.gather(*(self.ctx.plant.skill(s) for s in agent.skills)),
            self.ctx.plant.job_role(agent.job_role_id),
        )
        at = self.ctx.clock()
        target = str(agent_id)
        async with self.ctx.db.read() as conn:
            row = (await conn.execute(select(catalogue).where(catalogue.c.id == target))).one()
            card = (await self._cards(conn, [row], at))[0]
            distribution: dict[int, int] = dict(
                (
                    await conn.execute(
                        select(reviews.c.rating, func.count())
                        .where(reviews.c.agent_id == target)
                        .group_by(reviews.c.rating)
                    )
                ).all()
            )
            recent = await records.recent_reviews(conn, agent_id=target, limit=RECENT_REVIEWS)
            outcomes = await self._trial_outcomes(conn, target, at)
        converted = outcomes.get(lifecycle.CONVERTED, 0)
        ended = (
            converted + outcomes.get(lifecycle.COMPLETED, 0) + outcomes.get(lifecycle.CANCELLED, 0)
        )
        detail = {
            **card,
            "description": agent.description,
            "job_role": None
            if role is None
            else {"id": role.id, "name": role.name, "seniority": role.seniority.value},
            "skills": [
                {
                    "id": s.id,
                    "name": s.name,
                    "category": s.category.value,
                    "description": s.description,
                }
                for s in skills
                if s is not None
            ],
            "rating_distribution": [
                {"stars": stars, "count": int(distribution.get(stars, 0))}
                for stars in range(5, 0, -1)
            ],
            "recent_reviews": [views.review_model(r) for r in recent],
            "trials_converted": converted,
            "retention_rate": None if ended == 0 else round(converted / ended, 4),
            "trial_days": lifecycle.TRIAL_DAYS,
            "trial_budget_usd": usd(self.ctx.settings.trial_budget_micros),
            "sandbox_url": agent.trial_mode_sandbox_url,
        }
        return server.GetMarketplaceAgent200Response(
            body=models.MarketplaceAgentDetail.model_validate(detail)
        )

    @staticmethod
    async def _trial_outcomes(conn: AsyncConnection, agent_id: str, at: datetime) -> dict[str, int]:
        """Trials of the agent by effective status (an expired active trial counts as ended)."""
        counts: dict[str, int] = {}
        expired = func.sum(case((records.trial_expired(at), 1), else_=0))
        for status, count, past in await conn.execute(
            select(trials.c.status, func.count(), expired)
            .where(trials.c.agent_id == agent_id)
            .group_by(trials.c.status)
        ):
            counts[status] = counts.get(status, 0) + int(count) - int(past or 0)
            counts[lifecycle.COMPLETED] = counts.get(lifecycle.COMPLETED, 0) + int(past or 0)
        return counts

    async def list_agent_reviews(
        self, *, agent_id: UUID, cursor: str | None, limit: int, x_correlation_id: str | None
    ) -> server.ListAgentReviewsResult:
        target = str(agent_id)
        async with self.ctx.db.read() as conn:
            known = (
                await conn.execute(select(catalogue.c.id).where(catalogue.c.id == target))
            ).first()
        if known is None and await self.ctx.plant.agent(agent_id) is None:
            raise not_found("agent", agent_id)
        scope = f"reviews:{target}"
        after = decode_cursor(cursor, scope=scope, types=(int,))
        async with self.ctx.db.read() as conn:
            rows, last = await records.page_desc(
                conn,
                select(reviews).where(reviews.c.agent_id == target),
                reviews.c.seq,
                before=None if after is None else after[0],
                limit=limit,
            )
        body = models.ReviewList(
            items=[views.review_model(r) for r in rows],
            next_cursor=None if last is None else encode_cursor([last], scope=scope),
        )
        return server.ListAgentReviews200Response(body=body)

    async def create_agent_review(
        self,
        *,
        agent_id: UUID,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.ReviewCreate,
    ) -> server.CreateAgentReviewResult:
        caller = Caller.of(principal)
        target = str(agent_id)
        at = self.ctx.clock()
        review_id = str(uuid.uuid4())
        try:
            async with self.ctx.db.write() as conn:
                await records.ensure_customer(
                    conn, customer_id=caller.customer_id, display_name=caller.display_name, at=at
                )
                trial = (
                    await conn.execute(
                        select(trials.c.id).where(
                            trials.c.customer_id == caller.customer_id,
                            trials.c.agent_id == target,
                        )
                    )
                ).first()
                if trial is None:
                    raise ProblemError(
                        403,
                        f"only customers who have had a trial of agent {agent_id} may review it",
                    )
                await conn.execute(
                    insert(reviews).values(
                        id=review_id,
                        agent_id=target,
                        customer_id=caller.customer_id,
                        rating=body.rating,
                        text=body.text,
                        author=caller.display_name or ANONYMOUS_AUTHOR,
                        created_at=ts(at),
                    )
                )
                # the aggregates change with the review, in the same transaction
                await conn.execute(
                    update(catalogue)
                    .where(catalogue.c.id == target)
                    .values(
                        rating_sum=catalogue.c.rating_sum + body.rating,
                        reviews_count=catalogue.c.reviews_count + 1,
                        rating_milli=(catalogue.c.rating_sum + body.rating)
                        * 1000
                        // (catalogue.c.reviews_count + 1),
                    )
                )
                await records.add_activity(
                    conn,
                    customer_id=caller.customer_id,
                    trial_id=trial.id,
                    agent_id=target,
                    kind="review_posted",
                    message=f"Review posted: {body.rating} star{'s' if body.rating != 1 else ''}",
                    at=at,
                )
                row = (await conn.execute(select(reviews).where(reviews.c.id == review_id))).one()
        except IntegrityError as exc:
            if "uq_cp_reviews_customer_agent" in str(exc.orig) or "cp_reviews.customer_id" in str(
                exc.orig
            ):
                raise conflict(f"you have already reviewed agent {agent_id}") from None
            raise
        return server.CreateAgentReview201Response(body=views.review_model(row))
