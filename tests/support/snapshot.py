"""Every table of a database as it is now, to put back before each stateful scenario.

Hypothesis replays its choices and expects the same outcome: a rule that is available only
after a 201 must not meet a 409 because an earlier scenario took the name. Rows are swapped
in one transaction, so a service running over the database (in process or in another
process) sees either state, never half of one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, create_engine, delete, insert, select

from waooaw.services.common.db import sync_url

__all__ = ["Snapshot"]


class Snapshot:
    def __init__(self, database_url: str, metadata: MetaData) -> None:
        self.tables = metadata.sorted_tables
        self.engine = create_engine(sync_url(database_url))
        with self.engine.connect() as conn:
            self.rows: dict[str, list[dict[str, Any]]] = {
                table.name: [dict(row._mapping) for row in conn.execute(select(table))]
                for table in self.tables
            }

    def restore(self) -> None:
        with self.engine.begin() as conn:
            for table in reversed(self.tables):
                conn.execute(delete(table))
            for table in self.tables:
                if self.rows[table.name]:
                    conn.execute(insert(table), self.rows[table.name])

    def close(self) -> None:
        self.engine.dispose()
