"""Alembic environment for the gateway (synchronous; run by `waooaw serve gateway` before start).

The gateway records its revision in ``gateway_alembic_version`` so that it can share a
database with other services.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from waooaw.services.gateway.storage.tables import VERSION_TABLE, metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None

engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
