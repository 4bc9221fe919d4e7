"""The ``gateway`` target: the gateway's admin API in process on a fresh database.

Before a run, a route with two versions (``blue`` at 100, ``green`` at 0) and a budget are
created, and half the generated route ids, matches and versions are theirs, so get, switch,
rollback and weights reach real routes as well as the 404 paths. Requests carry a token
with the ``governor`` and ``viewer`` roles (minted with a key made for the run).

Expectations beyond the contract: a cursor the gateway did not issue is a 422
(``query.cursor``); weights that would leave a route with no traffic are a 422
(``body.weights``).
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from .checks import Declared422
from .expectations import Expectations
from .targets import Served, TargetError, TargetOptions, target

__all__ = ["GATEWAY_CONTRACT", "gateway"]

GATEWAY_CONTRACT = Path(str(files("waooaw.generated.gateway").joinpath("openapi.json")))
_CURSOR = Declared422(
    "cursors are opaque: one this service did not issue is a 422",
    violation_fields=frozenset({"query.cursor"}),
)
EXPECTATIONS = Expectations(
    declared_422={
        "listRoutes": _CURSOR,
        "listBudgets": _CURSOR,
        "listDecisions": _CURSOR,
        "setRouteWeights": Declared422(
            "at least one version must keep a weight above 0",
            violation_fields=frozenset({"body.weights"}),
        ),
    }
)


@target("gateway", description="the gateway's admin API in process on a temporary SQLite database")
@contextmanager
def gateway(options: TargetOptions) -> Iterator[Served]:
    if options.url is not None:
        raise TargetError("the gateway target runs in process only (no --url)")

    from schemathesis.python import asgi

    from waooaw.services.common.auth import JwtSettings, mint_token
    from waooaw.services.common.db import Database, run_migrations
    from waooaw.services.gateway import GatewaySettings, create_app
    from waooaw.services.gateway.api.admin import MIGRATIONS
    from waooaw.services.gateway.storage import budgets, routes

    with tempfile.TemporaryDirectory(prefix="waooaw-verify-") as folder:
        database_url = options.database_url or f"sqlite:///{Path(folder) / 'gateway.db'}"
        run_migrations(MIGRATIONS, database_url)
        jwt = JwtSettings(secret=secrets.token_hex(32), environment="test")

        async def seed() -> list[str]:
            db = Database.connect(database_url)
            try:
                async with db.write() as conn:
                    made = [
                        await routes.create_route(
                            conn,
                            match="/api/v1/",
                            pool="default",
                            version=version,
                            upstream_url="http://127.0.0.1:8000",
                            weight=weight,
                            enabled=True,
                        )
                        for version, weight in (("blue", 100), ("green", 0))
                    ]
                    await budgets.set_cap(conn, scope="trial", subject_id="seeded", cap=1000)
                return [r.id for r in made]
            finally:
                await db.dispose()

        ids = asyncio.run(seed())
        settings = GatewaySettings.model_validate(
            {
                "environment": "test",
                "database_url": database_url,
                "audit_key": secrets.token_hex(16),
                "plant_url": None,
            }
        )
        app = create_app(settings, jwt=jwt)
        token = mint_token(jwt, subject="verify", roles=["governor", "viewer"])
        try:
            yield Served(
                name="gateway",
                contract=GATEWAY_CONTRACT,
                app=app,
                headers={"Authorization": f"Bearer {token}", **options.headers},
                expectations=EXPECTATIONS.with_known_values(
                    {
                        "path.route_id": tuple(ids),
                        "body.match": ("/api/v1/",),
                        "body.version": ("blue", "green"),
                        "path.subject_id": ("seeded",),
                    }
                ),
                repro_base_url="http://127.0.0.1:8003",
            )
        finally:
            asgi.shutdown_lifespans()
