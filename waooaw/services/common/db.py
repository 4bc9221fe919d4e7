"""Database access shared by the services: engines, SQLite settings, migrations, readiness.

SQLite (the embedded default) runs in WAL mode with foreign keys on; writes
start with ``BEGIN IMMEDIATE`` so that read-then-write transactions (the audit
chain, conditional state changes) serialize instead of failing on upgrade.
Reads use a second engine without that lock. PostgreSQL uses one engine and
row locks where a transaction needs them.

SQLite has one writer at a time. Left to themselves, concurrent writers wait in
SQLite's busy handler, which polls with growing sleeps (up to 100 ms) and serves
no one in order: at 32 concurrent creates some waited seconds. Within a process
the write transactions therefore queue on an ``asyncio.Lock`` (first come, first
served) and only the lock's holder opens one; the busy timeout is left for other
processes (a ``waooaw worker``, migrations). A service whose every write
serializes anyway (Plant: each appends to one audit chain, locked on its head
row) asks for the same queue on PostgreSQL with ``serial_writes=True``, so that
its writers wait in order instead of holding pooled connections blocked on the
row lock.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "async_url",
    "migration_status",
    "run_migrations",
    "sync_url",
    "unique_violation",
]


class DatabaseUnavailable(Exception):
    """The database cannot be reached (answered as 503 with Retry-After)."""


def _normalise(url: str | URL) -> URL:
    parsed = make_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise ValueError(f"unsupported database {parsed.drivername!r}: use sqlite:/// or postgresql://")


def sync_url(url: str | URL) -> URL:
    """The URL for synchronous use (migrations)."""
    return _normalise(url)


def async_url(url: str | URL) -> URL:
    parsed = _normalise(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed


def is_sqlite(url: str | URL) -> bool:
    return _normalise(url).get_backend_name() == "sqlite"


def _sqlite_setup(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def ensure_sqlite_folder(url: str | URL) -> None:
    parsed = _normalise(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


@dataclass(slots=True)
class Database:
    """A writer engine and a reader engine (the same one on PostgreSQL)."""

    url: URL
    writer: AsyncEngine
    reader: AsyncEngine
    #: one write transaction at a time per process, in arrival order (SQLite, and
    #: PostgreSQL when asked for)
    _write_turn: asyncio.Lock | None = field(default=None, repr=False)

    @classmethod
    def connect(
        cls, url: str | URL, *, pool_size: int = 10, serial_writes: bool = False
    ) -> Database:
        target = async_url(url)
        ensure_sqlite_folder(target)
        if target.get_backend_name() == "sqlite":
            writer = create_async_engine(target, pool_size=pool_size, max_overflow=20)
            reader = create_async_engine(target, pool_size=pool_size, max_overflow=20)
            _sqlite_setup(writer, immediate=True)
            _sqlite_setup(reader, immediate=False)
            return cls(target, writer, reader, asyncio.Lock())
        engine = create_async_engine(
            target, pool_size=pool_size, max_overflow=20, pool_pre_ping=True
        )
        return cls(target, engine, engine, asyncio.Lock() if serial_writes else None)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits on success and rolls back on error."""
        try:
            if self._write_turn is None:
                async with self.writer.begin() as conn:
                    yield conn
            else:
                async with self._write_turn, self.writer.begin() as conn:
                    yield conn
        except PoolTimeout as exc:
            raise DatabaseUnavailable(f"no database connection free: {exc}") from exc
        except (OperationalError, DBAPIError) as exc:
            if _is_unavailable(exc):
                raise DatabaseUnavailable(str(exc.orig or exc)) from exc
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self.reader.connect() as conn:
                yield conn
        except PoolTimeout as exc:
            raise DatabaseUnavailable(f"no database connection free: {exc}") from exc
        except (OperationalError, DBAPIError) as exc:
            if _is_unavailable(exc):
                raise DatabaseUnavailable(str(exc.orig or exc)) from exc
            raise

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()


# SQLSTATE classes/codes meaning "the server is not there for us" (PostgreSQL)
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300", "53400")
# what SQLite and drivers say when there is no usable database, before any SQLSTATE exists
_UNAVAILABLE_TEXT = (
    "connection refused",
    "could not connect",
    "connection failed",
    "unable to open database",
    "server closed the connection",
    "connection is closed",
    "disk i/o error",
    "database is locked",
    "timeout expired",
)


def _is_unavailable(exc: DBAPIError) -> bool:
    """A failure to reach the database, as opposed to a statement the database refused."""
    if isinstance(exc, IntegrityError):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    if isinstance(state, str):
        return state.startswith(_UNAVAILABLE_STATES)
    text = str(exc.orig or exc).lower()
    return any(marker in text for marker in _UNAVAILABLE_TEXT)


_PG_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=")
_SQLITE_UNIQUE = "UNIQUE constraint failed: "


def _violated_key(exc: IntegrityError) -> tuple[str, frozenset[str]] | None:
    """The table and columns of the unique key (or primary key) ``exc`` broke, if it is one."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL: unique_violation
        diag = getattr(orig, "diag", None)
        found = _PG_KEY.match(getattr(diag, "message_detail", None) or "")
        table = getattr(diag, "table_name", None)
        if found is None or not table:
            return None
        return table, frozenset(c.strip().strip('"') for c in found["columns"].split(","))
    text = str(orig)
    if text.startswith(_SQLITE_UNIQUE):  # SQLite: "... failed: table.a, table.b"
        qualified = [c.strip() for c in text[len(_SQLITE_UNIQUE) :].split(",")]
        tables = {c.rpartition(".")[0] for c in qualified}
        if len(tables) != 1:
            return None
        return tables.pop(), frozenset(c.rpartition(".")[2] for c in qualified)
    return None


def unique_violation(exc: IntegrityError, table: Table, *columns: str) -> bool:
    """Whether ``exc`` is a duplicate on exactly this unique key of ``table``.

    Read from what the database reports (PostgreSQL's diagnostics, SQLite's message), so
    it does not depend on constraint names, which differ between the two.
    """
    return _violated_key(exc) == (table.name, frozenset(columns))


def _alembic_config(script_location: Path, url: str | URL) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option(
        "sqlalchemy.url", sync_url(url).render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def run_migrations(script_location: Path, url: str | URL) -> None:
    """Bring the database to the newest migration (synchronous; run before serving)."""
    from alembic import command

    ensure_sqlite_folder(url)
    command.upgrade(_alembic_config(script_location, url), "head")


@functools.cache
def _code_head(script_location: Path) -> str | None:
    """The newest migration in the code: read from disk once per process."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(script_location)).get_current_head()


async def migration_status(
    script_location: Path, conn: AsyncConnection, *, version_table: str = "alembic_version"
) -> tuple[str | None, str | None]:
    """(current revision in the database, newest revision in the code).

    ``version_table`` is the table the service's alembic environment records its revision in
    (services that may share one database each keep their own).
    """
    from alembic.runtime.migration import MigrationContext

    def current(sync_conn: Connection) -> str | None:
        context = MigrationContext.configure(sync_conn, opts={"version_table": version_table})
        return context.get_current_revision()

    head = await asyncio.to_thread(_code_head, script_location)
    return await conn.run_sync(current), head
