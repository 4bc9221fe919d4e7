"""The ``cp`` target of ``waooaw verify``: CP in process in front of a real Plant, or a running
CP. ``waooaw.verify.targets`` imports this module when the target is first asked for.

In process, CP runs on a migrated database (``TargetOptions.database_url``, or a temporary
SQLite file) with its worker, over a Plant under uvicorn (``TargetOptions.backends["plant"]``,
or one started for the run), seeded with ``PLANT_AGENTS`` agents through Plant's API. Before
the run, customer ``alice`` gets trials (active and cancelled), a completed task with its
deliverable and a review, and ``bob`` a trial; half the generated ids are theirs.

Authorization for real: a Web Fuzzing Commons document names ``alice`` and ``bob`` as peers.
Requests carry alice's token; ``object_level_authorization`` replays her successful reads of
her own objects as bob and fails if bob gets them (CP answers 404), and ``ignored_auth``
sends each secured operation without credentials and with broken ones (CP answers 401).
Against a running CP (``--url``) both tokens are minted from the ``JWT_*`` environment, and
nothing is seeded.

CP's expectations beyond its contract: the 422s of ``DECLARED_422`` (foreign cursors,
``min_price`` above ``max_price``, a reused Idempotency-Key), no NUL in strings, and one
false positive of schemathesis dropped from runs (``KNOWN_FAILURES``: an inferred link that
sends a null ``task_id`` as the path segment ``None``).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import schemathesis

from waooaw.generated.plant.client import PlantAPIError, PlantClient
from waooaw.verify import (
    Declared422,
    Expectations,
    KnownFailure,
    Served,
    TargetError,
    TargetOptions,
    target,
)

from ..common.auth import JwtSettings, mint_token
from ..plant.seeding import seed_catalogue
from ..verify import environment_token, plant_behind, require_running
from .config import CpSettings

__all__ = [
    "ALICE",
    "BOB",
    "CP_CONTRACT",
    "DECLARED_422",
    "EXPECTATIONS",
    "KNOWN_FAILURES",
    "PLANT_AGENTS",
    "Seeded",
    "cp",
    "seed",
]

#: the contract CP serves as /openapi.json (bundled by `waooaw gen`)
CP_CONTRACT = Path(str(files("waooaw.generated.cp").joinpath("openapi.json")))
ALICE = "alice"
BOB = "bob"
#: agents seeded in Plant: alice's trial, her cancelled one, and one she has no trial of
PLANT_AGENTS = 4
#: the CP settings of a run, over the database and Plant: quick sandbox tasks and polls
RUN_SETTINGS: dict[str, Any] = {
    "environment": "test",
    "sandbox_seconds": 0.05,
    "worker_poll_seconds": 0.02,
    "sse_poll_seconds": 0.02,
    "trial_budget_usd": "100000",
}
#: how long seeding waits for the seeded task to complete
TASK_TIMEOUT_S = 10.0

_KEY_REUSE = Declared422(
    "an Idempotency-Key reused with another body is a 422 (idempotency-key-reuse)",
    problem_types=frozenset({"idempotency-key-reuse"}),
)
_CURSOR = Declared422(
    "cursors are opaque and continue only their own query: another is a 422",
    violation_fields=frozenset({"query.cursor"}),
)
#: operationId -> the 422 that schema-valid input may get there
DECLARED_422: dict[str, Declared422] = {
    "listMarketplaceAgents": Declared422(
        "a foreign cursor, or min_price above max_price",
        violation_fields=frozenset({"query.cursor", "query.max_price"}),
    ),
    "listAgentReviews": _CURSOR,
    "listTrials": _CURSOR,
    "listTrialDeliverables": _CURSOR,
    "listTrialActivity": _CURSOR,
    "listTasks": _CURSOR,
    "createTrial": _KEY_REUSE,
    "executeAgentTask": _KEY_REUSE,
}


def _null_task_id(case: schemathesis.Case[Any], response: schemathesis.Response) -> bool:
    return (case.path_parameters or {}).get("task_id") in (None, "None")


_NULL_LINK = (
    "schemathesis' dependency inference links an activity entry's `task_id` (null on entries"
    " that are not about a task) to the task operations and sends the null as the path"
    " segment 'None', which is not a UUID: CP's 422 is right, the case is not schema-valid"
)
#: failures of the tool, not of CP, dropped from runs (and counted in the report)
KNOWN_FAILURES: dict[str, KnownFailure] = {
    f"inferred-null-task-id {label}": KnownFailure(
        _NULL_LINK, label, frozenset({"ST202"}), _null_task_id
    )
    for label in ("GET /api/v1/tasks/{task_id}", "GET /api/v1/tasks/{task_id}/events")
}

EXPECTATIONS = Expectations(
    declared_422=DECLARED_422, known_failures=KNOWN_FAILURES, allow_nul=False
)


@dataclass(frozen=True, slots=True)
class Seeded:
    """CP objects made before a run, so that generated ids can name real ones."""

    agents: list[str]  # every agent seeded in Plant for this run
    fresh_agent: str  # no trial of alice's: createTrial can succeed on it
    trial: str  # alice's, active, with a completed task
    cancelled_trial: str  # alice's
    task: str  # alice's, completed
    bobs_trial: str

    def known_values(self) -> dict[str, tuple[str, ...]]:
        trials = (self.trial, self.cancelled_trial, self.bobs_trial)
        return {
            "path.agent_id": tuple(self.agents),
            "path.trial_id": trials,
            "path.task_id": (self.task,),
            "query.trial_id": trials,
            "query.industry": ("marketing", "sales", "education"),
            "body.agent_id": (self.fresh_agent,),
        }


def seed(app: Any, agents: list[str], token: Callable[[str], str]) -> Seeded:
    """Alice's and bob's objects, made through ``app`` (its lifespan runs, worker and all) on
    an event loop of its own."""

    async def run() -> Seeded:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://cp") as http:

                async def call(method: str, path: str, who: str, **kw: Any) -> dict[str, Any]:
                    headers = {"Authorization": f"Bearer {token(who)}"}
                    response = await http.request(method, path, headers=headers, **kw)
                    if response.status_code >= 300:
                        raise TargetError(
                            f"seeding CP: {method} {path} answered {response.status_code}:"
                            f" {response.text}"
                        )
                    body: dict[str, Any] = response.json()
                    return body

                trial = await call("POST", "/api/v1/trials", ALICE, json={"agent_id": agents[0]})
                task = await call(
                    "POST",
                    f"/api/v1/agents/{agents[0]}/execute",
                    ALICE,
                    json={"task": "Seeded task", "context": {"seed": True}},
                )
                loop = asyncio.get_running_loop()
                deadline = loop.time() + TASK_TIMEOUT_S
                done = await call("GET", f"/api/v1/tasks/{task['task_id']}", ALICE)
                while done["status"] != "completed" and loop.time() < deadline:
                    await asyncio.sleep(0.02)
                    done = await call("GET", f"/api/v1/tasks/{task['task_id']}", ALICE)
                if done["status"] != "completed":
                    raise TargetError(f"seeding CP: the seeded task is {done['status']}")
                await call(
                    "POST",
                    f"/api/v1/marketplace/agents/{agents[0]}/reviews",
                    ALICE,
                    json={"rating": 5, "text": "Seeded review."},
                )
                other = await call("POST", "/api/v1/trials", ALICE, json={"agent_id": agents[1]})
                await call("POST", f"/api/v1/trials/{other['id']}/cancel", ALICE)
                bobs = await call("POST", "/api/v1/trials", BOB, json={"agent_id": agents[0]})
        return Seeded(
            agents=agents,
            fresh_agent=agents[2],
            trial=trial["id"],
            cancelled_trial=other["id"],
            task=task["task_id"],
            bobs_trial=bobs["id"],
        )

    return asyncio.run(run())


def wfc_auth(folder: Path, token: Callable[[str], str]) -> dict[str, Any]:
    """schemathesis' ``auth`` section: alice, with bob as her peer, from a Web Fuzzing
    Commons document written to ``folder``."""
    path = folder / "wfc-auth.json"
    document = {
        "auth": [
            {
                "name": name,
                "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token(name)}"}],
            }
            for name in (ALICE, BOB)
        ]
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return {"wfc": {"path": str(path), "user": ALICE, "peers": [ALICE, BOB]}}


def _plant_agents(plant_url: str) -> list[str]:
    try:
        with PlantClient(plant_url, timeout=30) as client:
            catalogue = seed_catalogue(client, agents=PLANT_AGENTS)
    except PlantAPIError as exc:
        raise TargetError(f"seeding Plant at {plant_url}: {exc}") from None
    return [str(agent.id) for agent in catalogue.agents]


@target("cp", description="CP in process over a Plant started for the run (or --url)")
@contextmanager
def cp(options: TargetOptions, *, background: bool = True) -> Iterator[Served]:
    """``background=False``: no worker, sweeper or catalogue refresh in the app under test
    (a test that restores the database under it drives those itself)."""
    with tempfile.TemporaryDirectory(prefix="waooaw-verify-cp-") as scratch:
        folder = Path(scratch)
        if options.url is not None:

            def minted(subject: str) -> str:
                return environment_token(subject, ("customer",))

            yield Served(
                name="cp",
                contract=CP_CONTRACT,
                base_url=require_running("cp", options.url),
                auth=wfc_auth(folder, minted),
                expectations=EXPECTATIONS,
            )
            return

        from schemathesis.python import asgi

        from ..common.db import run_migrations
        from . import create_app
        from .api.context import MIGRATIONS

        jwt = JwtSettings(secret=f"cp-verify-{secrets.token_hex(24)}", environment="test")

        def token(subject: str) -> str:
            return mint_token(jwt, subject=subject, roles=("customer",))

        database_url = options.database_url or f"sqlite:///{folder / 'cp.db'}"
        run_migrations(MIGRATIONS, database_url)
        with plant_behind(options) as plant_url:
            agents = _plant_agents(plant_url)
            settings = CpSettings.of(
                **RUN_SETTINGS, database_url=database_url, plant_api_url=plant_url
            )
            seeded = seed(create_app(settings, jwt=jwt), agents, token)
            if not background:
                settings = CpSettings.of(
                    **RUN_SETTINGS,
                    database_url=database_url,
                    plant_api_url=plant_url,
                    worker_enabled=False,
                )
            app = create_app(settings, jwt=jwt, background=background)
            try:
                yield Served(
                    name="cp",
                    contract=CP_CONTRACT,
                    app=app,
                    auth=wfc_auth(folder, token),
                    expectations=EXPECTATIONS.with_known_values(seeded.known_values()),
                )
            finally:
                asgi.shutdown_lifespans()
