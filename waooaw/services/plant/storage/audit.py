"""The append-only, hash-chained, keyed audit trail.

Each entry's ``entry_hash`` is an HMAC-SHA256 (key: ``AUDIT_KEY``) over its
sequence number, its columns, its data, the previous entry's hash and the
previous hash of the same entity. Without the key nobody can recompute a valid
chain; a signed head (entry count + last hash) kept in ``audit_head`` and
appended to every export catches deleting the newest entries.

Appends happen inside the caller's transaction (so a change and its entry
commit or roll back together) and are serialized by the head row: ``BEGIN
IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on PostgreSQL.

Verification classifies the first break it finds:

* ``modified`` - an entry's content no longer matches its hash;
* ``deleted`` - an entry is missing (a gap, or a link to an entry that is gone);
* ``reordered`` - entries sit at each other's places;
* ``truncated`` - the newest entries are gone (the signed head counts more);
* ``forged`` - the hashes are consistent with each other but not with the key
  (the chain was recomputed), or the head's signature is wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ...common.values import canonical_json, now_ts
from .tables import audit_entries, audit_head

__all__ = ["AuditTrail", "Break", "ChainReport", "Head"]

_SEP = "\x1f"
_COLUMNS = (
    "sequence, entity_type, entity_id, event, actor, recorded_at, payload,"
    " previous_hash, entity_previous_hash, entry_hash"
)


@dataclass(frozen=True, slots=True)
class Head:
    entries: int
    last_hash: str | None
    signature: str


@dataclass(frozen=True, slots=True)
class Break:
    sequence: int
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    head: Head
    head_valid: bool
    first_break: Break | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


Row = tuple[int, str, str, str, str, str, str, str | None, str | None, str]


class AuditTrail:
    def __init__(self, key: bytes) -> None:
        self._mac = hmac.new(key, digestmod=hashlib.sha256)

    # -- hashing ------------------------------------------------------------------

    def entry_hash(self, row: Row, sequence: int | None = None) -> str:
        seq, etype, eid, event, actor, at, payload, prev, eprev, _ = row
        mac = self._mac.copy()
        mac.update(
            _SEP.join(
                (
                    str(seq if sequence is None else sequence),
                    etype,
                    eid,
                    event,
                    actor,
                    at,
                    payload,
                    prev or "",
                    eprev or "",
                )
            ).encode()
        )
        return mac.hexdigest()

    def sign_head(self, entries: int, last_hash: str | None) -> str:
        mac = self._mac.copy()
        mac.update(f"head{_SEP}{entries}{_SEP}{last_hash or ''}".encode())
        return mac.hexdigest()

    # -- writing --------------------------------------------------------------------

    async def append(
        self,
        conn: AsyncConnection,
        *,
        entity_type: str,
        entity_id: str,
        event: str,
        actor: str,
        data: dict[str, Any],
        recorded_at: str | None = None,
    ) -> str:
        """Append one entry in ``conn``'s transaction; returns its hash."""
        head = (
            await conn.execute(
                select(audit_head.c.entries, audit_head.c.last_hash)
                .where(audit_head.c.id == 1)
                .with_for_update()
            )
        ).first()
        if head is None:
            await conn.execute(
                insert(audit_head).values(id=1, entries=0, last_hash=None, signature="")
            )
            entries, last_hash = 0, None
        else:
            entries, last_hash = head.entries, head.last_hash
        entity_prev = (
            await conn.execute(
                select(audit_entries.c.entry_hash)
                .where(audit_entries.c.entity_id == entity_id)
                .order_by(audit_entries.c.sequence.desc())
                .limit(1)
            )
        ).scalar()
        sequence = entries + 1
        row: Row = (
            sequence,
            entity_type,
            entity_id,
            event,
            actor,
            recorded_at or now_ts(),
            canonical_json(data),
            last_hash,
            entity_prev,
            "",
        )
        digest = self.entry_hash(row)
        await conn.execute(
            insert(audit_entries).values(
                sequence=sequence,
                entity_type=entity_type,
                entity_id=entity_id,
                event=event,
                actor=actor,
                recorded_at=row[5],
                payload=row[6],
                previous_hash=last_hash,
                entity_previous_hash=entity_prev,
                entry_hash=digest,
            )
        )
        await conn.execute(
            update(audit_head)
            .where(audit_head.c.id == 1)
            .values(entries=sequence, last_hash=digest, signature=self.sign_head(sequence, digest))
        )
        return digest

    # -- reading --------------------------------------------------------------------

    @staticmethod
    def read_head(conn: Connection) -> Head:
        row = conn.execute(
            select(audit_head.c.entries, audit_head.c.last_hash, audit_head.c.signature)
        ).first()
        if row is None:
            return Head(0, None, "")
        return Head(row.entries, row.last_hash, row.signature)

    def head_valid(self, head: Head) -> bool:
        if (
            head.entries == 0
            and head.last_hash is None
            and head.signature in ("", self.sign_head(0, None))
        ):
            return True
        return hmac.compare_digest(head.signature, self.sign_head(head.entries, head.last_hash))

    def verify_chain(self, conn: Connection, *, batch: int = 20_000) -> ChainReport:
        """Walk the whole chain in order; stops at the first break (synchronous)."""
        head = self.read_head(conn)
        head_ok = self.head_valid(head)
        result = conn.exec_driver_sql(f"SELECT {_COLUMNS} FROM audit_entries ORDER BY sequence")
        expected = 1
        prev: str | None = None
        first_break: Break | None = None
        count = 0
        entry_hash = self.entry_hash
        while first_break is None:
            rows = result.fetchmany(batch)
            if not rows:
                break
            for index, row in enumerate(rows):
                r: Row = tuple(row)
                count += 1
                seq = r[0]
                if seq != expected:
                    first_break = Break(
                        expected, "deleted", f"entry {expected} is missing (next is {seq})"
                    )
                    break
                if entry_hash(r) != r[9]:
                    rest: list[Row] = [tuple(x) for x in rows[index + 1 :]]
                    first_break = self._classify_bad_hash(r, rest, result, batch)
                    break
                if r[7] != prev:
                    first_break = Break(
                        seq, "deleted", f"entry {seq} links to a hash that is not entry {seq - 1}'s"
                    )
                    break
                prev = r[9]
                expected += 1
        result.close()
        if first_break is None:
            if not head_ok:
                first_break = Break(
                    head.entries, "forged", "the signed head does not match the audit key"
                )
            elif head.entries > count or head.last_hash != prev:
                first_break = Break(
                    count + 1,
                    "truncated",
                    f"the signed head counts {head.entries} entries but the trail ends at {count}",
                )
            elif head.entries < count:
                first_break = Break(
                    head.entries + 1, "forged", "entries were appended without the audit key"
                )
        return ChainReport(count, head, head_ok, first_break)

    def _classify_bad_hash(self, bad: Row, ahead: list[Row], result: Any, batch: int) -> Break:
        seq = bad[0]
        # look ahead: does the rest of the chain fail too (recomputed without the key),
        # or does another entry verify only at this entry's place (swapped)?
        while len(ahead) < 5000:
            more = result.fetchmany(min(batch, 5000))
            if not more:
                break
            ahead.extend(tuple(r) for r in more)
        for other in ahead:
            if self.entry_hash(other, sequence=seq) == other[9]:
                return Break(
                    seq, "reordered", f"entry {seq} and entry {other[0]} have swapped places"
                )
            if self.entry_hash(bad, sequence=other[0]) == bad[9]:
                return Break(seq, "reordered", f"entry {seq} belongs at position {other[0]}")
        if ahead and all(self.entry_hash(r) != r[9] for r in ahead[:50]):
            linked = all(
                ahead[i][7] == (ahead[i - 1][9] if i else bad[9]) for i in range(len(ahead))
            )
            if linked:
                return Break(
                    seq, "forged", f"entries from {seq} on were rehashed without the audit key"
                )
        return Break(seq, "modified", f"entry {seq}'s content does not match its hash")

    def verify_entity(self, conn: Connection, entity_id: str) -> tuple[int, Break | None]:
        """Check one entity's entries, their links to their neighbours and the head."""
        rows: list[Row] = [
            tuple(r)
            for r in conn.execute(
                select(audit_entries)
                .where(audit_entries.c.entity_id == entity_id)
                .order_by(audit_entries.c.sequence)
            )
        ]
        head = self.read_head(conn)
        if not self.head_valid(head):
            return len(rows), Break(
                head.entries, "forged", "the signed head does not match the audit key"
            )
        entity_prev: str | None = None
        for r in rows:
            seq = r[0]
            if self.entry_hash(r) != r[9]:
                neighbours = [n for n in self._around(conn, seq) if n[0] != seq]
                for other in neighbours:
                    if self.entry_hash(r, sequence=other[0]) == r[9]:
                        return len(rows), Break(
                            seq, "reordered", f"entry {seq} belongs at position {other[0]}"
                        )
                if neighbours and all(self.entry_hash(n) != n[9] for n in neighbours):
                    return len(rows), Break(
                        seq, "forged", f"entries around {seq} were rehashed without the audit key"
                    )
                return len(rows), Break(
                    seq, "modified", f"entry {seq}'s content does not match its hash"
                )
            if r[8] != entity_prev:
                return len(rows), Break(
                    seq, "deleted", f"an earlier entry of {entity_id} before {seq} is missing"
                )
            before = self._at(conn, seq - 1) if seq > 1 else None
            if seq > 1 and (before is None or before[9] != r[7]):
                kind = "deleted" if before is None else "reordered"
                return len(rows), Break(seq, kind, f"entry {seq} does not follow entry {seq - 1}")
            entity_prev = r[9]
        last = conn.exec_driver_sql("SELECT MAX(sequence) FROM audit_entries").scalar() or 0
        if head.entries > last:
            return len(rows), Break(
                last + 1,
                "truncated",
                f"the signed head counts {head.entries} entries but the trail ends at {last}",
            )
        return len(rows), None

    def _at(self, conn: Connection, sequence: int) -> Row | None:
        row = conn.execute(
            select(audit_entries).where(audit_entries.c.sequence == sequence)
        ).first()
        return None if row is None else tuple(row)

    def _around(self, conn: Connection, sequence: int) -> list[Row]:
        rows = conn.execute(
            select(audit_entries).where(
                audit_entries.c.sequence.between(sequence - 50, sequence + 50)
            )
        )
        return [tuple(r) for r in rows]

    # -- export -----------------------------------------------------------------------

    async def export(
        self,
        conn: AsyncConnection,
        *,
        fmt: str,
        since: str | None,
        until: str | None,
        entity_type: str | None,
    ) -> AsyncIterator[bytes]:
        """Stream entries oldest first, then the signed head, in bounded memory."""
        query = select(audit_entries).order_by(audit_entries.c.sequence)
        if since is not None:
            query = query.where(audit_entries.c.recorded_at >= since)
        if until is not None:
            query = query.where(audit_entries.c.recorded_at < until)
        if entity_type is not None:
            query = query.where(audit_entries.c.entity_type == entity_type)
        head = await conn.run_sync(self.read_head)
        if fmt == "csv":
            yield (",".join(CSV_COLUMNS) + "\r\n").encode()
        stream = await conn.stream(query.execution_options(yield_per=5000))
        async for partition in stream.partitions(5000):
            yield b"".join(_line(fmt, tuple(r)) for r in partition)
        yield _head_line(fmt, head, now_ts())


CSV_COLUMNS = (
    "record",
    "sequence",
    "timestamp",
    "entity_type",
    "entity_id",
    "event",
    "actor",
    "data",
    "entry_hash",
    "previous_hash",
    "entity_previous_hash",
    "signature",
)


def _csv_field(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _line(fmt: str, r: Row) -> bytes:
    seq, etype, eid, event, actor, at, payload, prev, eprev, digest = r
    if fmt == "csv":
        fields = (
            "entry",
            str(seq),
            at,
            etype,
            eid,
            event,
            actor,
            payload,
            digest,
            prev or "",
            eprev or "",
            "",
        )
        return (",".join(_csv_field(f) for f in fields) + "\r\n").encode()
    obj = {
        "record": "entry",
        "sequence": seq,
        "timestamp": at,
        "entity_type": etype,
        "entity_id": eid,
        "event": event,
        "actor": actor,
        "data": json.loads(payload),
        "entry_hash": digest,
        "previous_hash": prev,
        "entity_previous_hash": eprev,
    }
    return (json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def _head_line(fmt: str, head: Head, at: str) -> bytes:
    if fmt == "csv":
        fields = (
            "head",
            str(head.entries),
            at,
            "",
            "",
            "",
            "",
            "",
            head.last_hash or "",
            "",
            "",
            head.signature,
        )
        return (",".join(fields) + "\r\n").encode()
    obj = {
        "record": "head",
        "entries": head.entries,
        "timestamp": at,
        "last_hash": head.last_hash,
        "signature": head.signature,
    }
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()
