"""A trail written before migration 0003 (HMAC-SHA256, no algorithm column) still verifies
after the upgrade, and grows with BLAKE2b entries that verify with it."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, text

from waooaw.services.common.db import _alembic_config, run_migrations, sync_url
from waooaw.services.plant import create_app
from waooaw.services.plant.api.context import MIGRATIONS
from waooaw.services.plant.storage.audit import AuditTrail

from .conftest import AUDIT_KEY, BACKENDS, _postgres_database, make_skill, settings_for

pytestmark = pytest.mark.anyio

OLD_ENTRIES = 120
SEP = "\x1f"


@pytest.fixture(params=BACKENDS)
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at revision 0002, shaped as it was before 0003 existed."""
    urls = (
        iter([f"sqlite:///{tmp_path / 'plant.db'}"])
        if request.param == "sqlite"
        else _postgres_database()
    )
    for url in urls:
        command.upgrade(_alembic_config(MIGRATIONS, url), "0002")
        engine = create_engine(sync_url(url))
        with engine.begin() as conn:
            # 0001 creates the tables from today's metadata: take the new column away again
            conn.execute(text("ALTER TABLE audit_entries DROP COLUMN algorithm"))
        engine.dispose()
        yield url


def _message(row: tuple[object, ...]) -> bytes:
    seq, etype, eid, event, actor, at, payload, prev, eprev = row[:9]
    fields = (seq, etype, eid, event, actor, at, payload, prev or "", eprev or "")
    return SEP.join(str(f) for f in fields).encode()


def _write_old_chain(engine: Engine) -> str:
    """What the code before 0003 wrote: HMAC-SHA256 entries and a signed head."""
    key = AUDIT_KEY.encode()
    prev: str | None = None
    with engine.begin() as conn:
        for seq in range(1, OLD_ENTRIES + 1):
            entity = f"00000000-0000-4000-8000-{seq % 7:012d}"
            row = (
                seq,
                "skill",
                entity,
                "created",
                "genesis",
                f"2026-01-01T00:00:{seq % 60:02d}.{seq:06d}Z",
                f'{{"n":{seq},"name":"Skill ü {seq}"}}',
                prev,
                None,
            )
            digest = hmac.new(key, _message(row), hashlib.sha256).hexdigest()
            conn.execute(
                text(
                    "INSERT INTO audit_entries (sequence, entity_type, entity_id, event, actor,"
                    " recorded_at, payload, previous_hash, entity_previous_hash, entry_hash)"
                    " VALUES (:s, :t, :i, :e, :a, :r, :p, :h, NULL, :d)"
                ),
                dict(zip("stiearph", row[:8], strict=True), d=digest),
            )
            prev = digest
        signature = hmac.new(
            key, f"head{SEP}{OLD_ENTRIES}{SEP}{prev}".encode(), hashlib.sha256
        ).hexdigest()
        conn.execute(
            text("UPDATE audit_head SET entries = :n, last_hash = :h, signature = :s"),
            {"n": OLD_ENTRIES, "h": prev, "s": signature},
        )
    assert prev is not None
    return prev


def _verify(engine: Engine) -> tuple[int, tuple[int, str] | None]:
    with engine.connect() as conn:
        report = AuditTrail(AUDIT_KEY.encode()).verify_chain(conn)
    found = report.first_break
    return report.entries, None if found is None else (found.sequence, found.kind)


async def test_an_old_chain_verifies_after_the_upgrade_and_keeps_growing(
    old_database: str,
) -> None:
    engine = create_engine(sync_url(old_database))
    try:
        _write_old_chain(engine)
        run_migrations(MIGRATIONS, old_database)
        with engine.connect() as conn:
            counts = text("SELECT algorithm, COUNT(*) FROM audit_entries GROUP BY algorithm")
            algorithms: dict[int, int] = dict(conn.execute(counts).all())
        assert algorithms == {1: OLD_ENTRIES}
        assert _verify(engine) == (OLD_ENTRIES, None)

        app = create_app(settings_for(old_database))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://plant") as client:
            await make_skill(client)  # created + certified: two new entries
            report = (await client.post("/api/v1/audit/run")).json()
        await app.state.context.db.dispose()
        assert report["chain"]["intact"] is True
        assert report["chain"]["entries"] == OLD_ENTRIES + 2
        assert _verify(engine) == (OLD_ENTRIES + 2, None)

        with engine.connect() as conn:
            new = conn.execute(
                text(
                    "SELECT sequence, entity_type, entity_id, event, actor, recorded_at, payload,"
                    " previous_hash, entity_previous_hash, entry_hash, algorithm"
                    " FROM audit_entries WHERE sequence > :n ORDER BY sequence"
                ),
                {"n": OLD_ENTRIES},
            ).all()
        for row in new:
            expected = hashlib.blake2b(_message(tuple(row)), key=AUDIT_KEY.encode(), digest_size=32)
            assert (row.algorithm, row.entry_hash) == (2, expected.hexdigest())

        with engine.begin() as conn:  # an old entry changed is still caught
            conn.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 3"))
        assert _verify(engine) == (3, (3, "modified"))
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_entries SET actor = 'genesis' WHERE sequence = 3"))
        assert _verify(engine) == (OLD_ENTRIES + 2, None)

        last = OLD_ENTRIES + 2  # so is an entry claiming the other algorithm
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE audit_entries SET algorithm = 1 WHERE sequence = {last}"))
        assert _verify(engine) == (last, (last, "modified"))
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE audit_entries SET algorithm = 7 WHERE sequence = {last}"))
        assert _verify(engine) == (last, (last, "modified"))
    finally:
        engine.dispose()
