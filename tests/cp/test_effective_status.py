"""The effective trial status in SQL says what ``lifecycle.effective_status`` says.

Trials in every stored status, expiring before, at and after the moment asked about, are
written to CP's real database; every SQL use of the rule (filtering by each status, the
expired set the sweeper records) must pick exactly the trials the Python rule names.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, insert, select

from waooaw.services.common.db import sync_url
from waooaw.services.common.values import ts
from waooaw.services.cp.domain import trials as lifecycle
from waooaw.services.cp.storage import records
from waooaw.services.cp.storage.tables import customers, trials

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OFFSETS = (timedelta(days=-1), timedelta(microseconds=-1), timedelta(0), timedelta(seconds=1))


def test_sql_rule_matches_the_python_rule(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    expected: dict[str, str] = {}
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(customers).values(
                    id="c", display_name=None, created_at=ts(AT), last_seen_at=ts(AT)
                )
            )
            for stored in lifecycle.STATUSES:
                for offset in OFFSETS:
                    trial_id = str(uuid.uuid4())
                    expires = AT + offset
                    conn.execute(
                        insert(trials).values(
                            id=trial_id,
                            customer_id="c",
                            agent_id=str(uuid.uuid4()),
                            agent_name="Agent",
                            status=stored,
                            trial_mode=True,
                            sandbox_url=None,
                            started_at=ts(expires - lifecycle.TRIAL_LENGTH),
                            expires_at=ts(expires),
                            ended_at=None,
                            budget_limit_micros=1,
                            spent_micros=0,
                            reserved_micros=0,
                            deliverables_count=0,
                            tasks_count=0,
                        )
                    )
                    expected[trial_id] = lifecycle.effective_status(stored, expires, AT)
            for status in lifecycle.STATUSES:
                chosen = set(
                    conn.execute(
                        select(trials.c.id).where(records.trial_status_is(status, AT))
                    ).scalars()
                )
                assert chosen == {t for t, s in expected.items() if s == status}, status
            expired = set(
                conn.execute(select(trials.c.id).where(records.trial_expired(AT))).scalars()
            )
            stored_status = {
                r.id: r.status for r in conn.execute(select(trials.c.id, trials.c.status))
            }
            assert expired == {
                t
                for t, s in expected.items()
                if s == lifecycle.COMPLETED and stored_status[t] == lifecycle.ACTIVE
            }
            assert expired  # the fixture has expired active trials to find
            assert conn.execute(select(func.count()).select_from(trials)).scalar_one() == 16
    finally:
        engine.dispose()


@pytest.mark.parametrize("status", ["unknown"])
def test_other_statuses_compare_as_stored(status: str) -> None:
    rendered = str(records.trial_status_is(status, AT).compile())
    assert "expires_at" not in rendered
