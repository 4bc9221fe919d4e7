"""The append-only, hash-chained, keyed audit trail.

Each entry's ``entry_hash`` is a keyed hash (key: ``AUDIT_KEY``) over its
sequence number, its columns, its data, the previous entry's hash and the
previous hash of the same entity. Without the key nobody can recompute a valid
chain; a signed head (entry count + last hash) kept in ``audit_head`` and
appended to every export catches deleting the newest entries.

The entry's ``algorithm`` column says which keyed hash made it: ``1`` HMAC-SHA256
(entries written before migration 0003), ``2`` keyed BLAKE2b-256 (every entry
since: the same security from a single pass, about twice as fast to verify). A
chain may hold both; each entry is checked with its own.

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
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ...common.values import canonical_json, now_ts
from .tables import audit_entries, audit_head

__all__ = [
    "BLAKE2B",
    "CURRENT_ALGORITHM",
    "HMAC_SHA256",
    "AuditTrail",
    "Break",
    "ChainReport",
    "Head",
]

_SEP = "\x1f"
_COLUMNS = (
    "sequence, entity_type, entity_id, event, actor, recorded_at, payload,"
    " previous_hash, entity_previous_hash, entry_hash"
)
#: values of ``audit_entries.algorithm``
HMAC_SHA256 = 1
BLAKE2B = 2
CURRENT_ALGORITHM = BLAKE2B


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
#: a row and the algorithm its hash was made with
Entry = tuple[Row, int]


class AuditTrail:
    def __init__(self, key: bytes) -> None:
        self._mac = hmac.new(key, digestmod=hashlib.sha256)
        self._blake = hashlib.blake2b(key=key, digest_size=32)
        self._hashers: dict[int, Callable[[bytes], str]] = {
            HMAC_SHA256: self._hmac_hex,
            BLAKE2B: self._blake_hex,
        }
        #: the result of the last verify_chain (shown by /metrics)
        self.last_report: ChainReport | None = None

    # -- hashing ------------------------------------------------------------------

    def _hmac_hex(self, message: bytes) -> str:
        mac = self._mac.copy()
        mac.update(message)
        return mac.hexdigest()

    def _blake_hex(self, message: bytes) -> str:
        mac = self._blake.copy()
        mac.update(message)
        return mac.hexdigest()

    def entry_hash(
        self, row: Row, sequence: int | None = None, *, algorithm: int = CURRENT_ALGORITHM
    ) -> str:
        seq, etype, eid, event, actor, at, payload, prev, eprev, _ = row
        message = _SEP.join(
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
        )
        return self._hasher(algorithm)(message.encode())

    def _hasher(self, algorithm: int) -> Callable[[bytes], str]:
        try:
            return self._hashers[algorithm]
        except KeyError:
            # an unknown algorithm is a modified entry: no key makes its hash match
            return lambda message: ""

    def _matches(self, entry: Entry, sequence: int | None = None) -> bool:
        row, algorithm = entry
        return self.entry_hash(row, sequence, algorithm=algorithm) == row[9]

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
                algorithm=CURRENT_ALGORITHM,
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

    def verify_chain(self, conn: Connection, *, batch: int = 50_000) -> ChainReport:
        """Walk the whole chain in order; stops at the first break (synchronous).

        The happy path reads batches through the driver's cursor, each row's hashed message
        joined by the database, and checks order, links and hashes; at the first anomaly
        the chain is read again from there, column by column, to name the break.
        """
        head = self.read_head(conn)
        head_ok = self.head_valid(head)
        count, prev, anomaly = self._scan(conn, batch)
        first_break: Break | None = None
        if anomaly:
            more, prev, first_break = self._classify_from(conn, count + 1, prev, batch)
            count += more
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
        self.last_report = ChainReport(count, head, head_ok, first_break)
        return self.last_report

    def _scan(self, conn: Connection, batch: int) -> tuple[int, str | None, bool]:
        """(entries in order, hash of the last of them, whether an anomaly follows them)."""
        sqlite = conn.dialect.name == "sqlite"
        sep = "char(31)" if sqlite else "chr(31)"
        message = f" || {sep} || ".join(
            (
                "CAST(sequence AS TEXT)",
                "entity_type",
                "entity_id",
                "event",
                "actor",
                "recorded_at",
                "payload",
                "COALESCE(previous_hash, '')",
                "COALESCE(entity_previous_hash, '')",
            )
        )
        # the message as UTF-8 bytes, ready to hash
        message = f"CAST({message} AS BLOB)" if sqlite else f"convert_to({message}, 'UTF8')"
        query = (
            f"SELECT sequence, {message}, previous_hash, entry_hash, algorithm"
            " FROM audit_entries WHERE sequence > {after} ORDER BY sequence LIMIT {batch}"
        )
        blake, mac = self._blake.copy, self._mac.copy
        cursor = conn.connection.cursor()
        expected, prev = 1, None
        try:
            while True:
                cursor.execute(query.format(after=int(expected - 1), batch=int(batch)))
                rows = cursor.fetchall()
                for seq, message, linked, digest, algorithm in rows:
                    if seq != expected or linked != prev:
                        return expected - 1, prev, True
                    if algorithm == BLAKE2B:
                        b = blake()
                        b.update(message)
                        ok = b.hexdigest() == digest
                    elif algorithm == HMAC_SHA256:
                        m = mac()
                        m.update(message)
                        ok = m.hexdigest() == digest
                    else:
                        ok = False
                    if not ok:
                        return expected - 1, prev, True
                    prev = digest
                    expected += 1
                if len(rows) < batch:
                    return expected - 1, prev, False
        finally:
            cursor.close()

    def _classify_from(
        self, conn: Connection, start: int, prev: str | None, batch: int
    ) -> tuple[int, str | None, Break | None]:
        """Read the chain from ``start`` on, column by column, up to its first break."""
        result = conn.exec_driver_sql(
            f"SELECT {_COLUMNS}, algorithm FROM audit_entries"
            f" WHERE sequence >= {int(start)} ORDER BY sequence"
        )
        expected = start
        count = 0
        first_break: Break | None = None
        while first_break is None:
            rows = result.fetchmany(batch)
            if not rows:
                break
            for index, row in enumerate(rows):
                entry = _entry(row)
                r = entry[0]
                count += 1
                seq = r[0]
                if seq != expected:
                    first_break = Break(
                        expected, "deleted", f"entry {expected} is missing (next is {seq})"
                    )
                    break
                if not self._matches(entry):
                    rest = [_entry(x) for x in rows[index + 1 :]]
                    first_break = self._classify_bad_hash(entry, rest, result, batch)
                    break
                if r[7] != prev:
                    first_break = Break(
                        seq, "deleted", f"entry {seq} links to a hash that is not entry {seq - 1}'s"
                    )
                    break
                prev = r[9]
                expected += 1
        result.close()
        return count, prev, first_break

    def _classify_bad_hash(self, bad: Entry, ahead: list[Entry], result: Any, batch: int) -> Break:
        seq = bad[0][0]
        # look ahead: does the rest of the chain fail too (recomputed without the key),
        # or does another entry verify only at this entry's place (swapped)?
        while len(ahead) < 5000:
            more = result.fetchmany(min(batch, 5000))
            if not more:
                break
            ahead.extend(_entry(r) for r in more)
        for other in ahead:
            if self._matches(other, sequence=seq):
                return Break(
                    seq, "reordered", f"entry {seq} and entry {other[0][0]} have swapped places"
                )
            if self._matches(bad, sequence=other[0][0]):
                return Break(seq, "reordered", f"entry {seq} belongs at position {other[0][0]}")
        if ahead and not any(self._matches(e) for e in ahead[:50]):
            rows = [e[0] for e in ahead]
            linked = all(
                rows[i][7] == (rows[i - 1][9] if i else bad[0][9]) for i in range(len(rows))
            )
            if linked:
                return Break(
                    seq, "forged", f"entries from {seq} on were rehashed without the audit key"
                )
        return Break(seq, "modified", f"entry {seq}'s content does not match its hash")

    def verify_entity(self, conn: Connection, entity_id: str) -> tuple[int, Break | None]:
        """Check one entity's entries, their links to their neighbours and the head."""
        entries = [
            _entry(r)
            for r in conn.execute(
                select(*_ENTRY_COLUMNS)
                .where(audit_entries.c.entity_id == entity_id)
                .order_by(audit_entries.c.sequence)
            )
        ]
        head = self.read_head(conn)
        if not self.head_valid(head):
            return len(entries), Break(
                head.entries, "forged", "the signed head does not match the audit key"
            )
        entity_prev: str | None = None
        for entry in entries:
            r = entry[0]
            seq = r[0]
            if not self._matches(entry):
                neighbours = [n for n in self._around(conn, seq) if n[0][0] != seq]
                for other in neighbours:
                    if self._matches(entry, sequence=other[0][0]):
                        return len(entries), Break(
                            seq, "reordered", f"entry {seq} belongs at position {other[0][0]}"
                        )
                if neighbours and not any(self._matches(n) for n in neighbours):
                    return len(entries), Break(
                        seq, "forged", f"entries around {seq} were rehashed without the audit key"
                    )
                return len(entries), Break(
                    seq, "modified", f"entry {seq}'s content does not match its hash"
                )
            if r[8] != entity_prev:
                return len(entries), Break(
                    seq, "deleted", f"an earlier entry of {entity_id} before {seq} is missing"
                )
            before = self._at(conn, seq - 1) if seq > 1 else None
            if seq > 1 and (before is None or before[0][9] != r[7]):
                kind = "deleted" if before is None else "reordered"
                return len(entries), Break(
                    seq, kind, f"entry {seq} does not follow entry {seq - 1}"
                )
            entity_prev = r[9]
        last = conn.exec_driver_sql("SELECT MAX(sequence) FROM audit_entries").scalar() or 0
        if head.entries > last:
            return len(entries), Break(
                last + 1,
                "truncated",
                f"the signed head counts {head.entries} entries but the trail ends at {last}",
            )
        return len(entries), None

    def _at(self, conn: Connection, sequence: int) -> Entry | None:
        row = conn.execute(
            select(*_ENTRY_COLUMNS).where(audit_entries.c.sequence == sequence)
        ).first()
        return None if row is None else _entry(row)

    def _around(self, conn: Connection, sequence: int) -> list[Entry]:
        rows = conn.execute(
            select(*_ENTRY_COLUMNS).where(
                audit_entries.c.sequence.between(sequence - 50, sequence + 50)
            )
        )
        return [_entry(r) for r in rows]

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
        query = select(*_ENTRY_COLUMNS[:-1]).order_by(audit_entries.c.sequence)
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


_ENTRY_COLUMNS = (
    audit_entries.c.sequence,
    audit_entries.c.entity_type,
    audit_entries.c.entity_id,
    audit_entries.c.event,
    audit_entries.c.actor,
    audit_entries.c.recorded_at,
    audit_entries.c.payload,
    audit_entries.c.previous_hash,
    audit_entries.c.entity_previous_hash,
    audit_entries.c.entry_hash,
    audit_entries.c.algorithm,
)


def _entry(row: Any) -> Entry:
    """A row of ``_ENTRY_COLUMNS`` (or ``_COLUMNS, algorithm``) as (Row, algorithm)."""
    values = tuple(row)
    return values[:10], values[10]


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
