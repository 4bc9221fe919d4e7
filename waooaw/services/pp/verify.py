"""The ``pp`` target of ``waooaw verify``: PP in process in front of a real Plant, or a running
PP. ``waooaw.verify.targets`` imports this module when the target is first asked for.

In process, PP runs over a Plant under uvicorn (``TargetOptions.backends["plant"]``, or one
started for the run on a temporary SQLite file), which is seeded first through Plant's API
as Plant's own target seeds it; half the generated ids are those entities'. Every request
carries a bearer token with every PP role, declared to schemathesis as the contract's
``bearerAuth``, so ``ignored_auth`` sends each secured operation again without it and with a
made-up one and requires a 401 both times. Against a running PP (``--url``) the token is
minted from the ``JWT_*`` environment (or given with ``-H 'Authorization: Bearer ...'``),
and Plant is seeded only when its URL is known.

PP's expectations beyond its contract: Plant's 422s for schema-valid input, passed through
(``DECLARED_422``), Plant's workflow links (PP's paths are Plant's), no NUL in strings.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from waooaw.verify import Declared422, Expectations, Served, TargetOptions, target

from ..common.auth import JwtSettings, mint_token
from ..plant.seeded import GENESIS, INDUSTRY_MARKETING, INDUSTRY_SALES
from ..plant.verify import WORKFLOW_LINKS, Seeded, seed_url
from ..verify import (
    bearer_auth,
    environment_token,
    has_authorization,
    plant_behind,
    require_running,
)

__all__ = [
    "DECLARED_422",
    "EXPECTATIONS",
    "PP_CONTRACT",
    "ROLES",
    "known_values",
    "pp",
]

#: the contract PP serves as /openapi.json (bundled by `waooaw gen`)
PP_CONTRACT = Path(str(files("waooaw.generated.pp").joinpath("openapi.json")))
#: the roles of the token the run sends
ROLES = ("genesis", "governor", "viewer")
SUBJECT = "schemathesis"

CONSTITUTIONAL = "https://waooaw.com/errors/constitutional-alignment"
_KEY_REUSE = "an Idempotency-Key reused with another body is a 422 (idempotency-key-reuse)"
_CURSOR = Declared422(
    "cursors are Plant's and opaque: one Plant did not issue is its 422",
    violation_fields=frozenset({"query.cursor"}),
)
#: operationId -> the 422 that schema-valid input may get there
DECLARED_422: dict[str, Declared422] = {
    "createAgent": Declared422(
        "Plant checks L0-01/L0-04/L0-06 on schema-valid bodies; " + _KEY_REUSE,
        problem_types=frozenset({CONSTITUTIONAL, "idempotency-key-reuse"}),
    ),
    "createSkill": Declared422(_KEY_REUSE, problem_types=frozenset({"idempotency-key-reuse"})),
    "createJobRole": Declared422(_KEY_REUSE, problem_types=frozenset({"idempotency-key-reuse"})),
    "certifyJobRole": Declared422(
        "L0-04: Plant certifies a job role only once all its skills are",
        problem_types=frozenset({CONSTITUTIONAL}),
    ),
    "listIndustries": _CURSOR,
    "listSkills": _CURSOR,
    "listJobRoles": _CURSOR,
    "listAgents": _CURSOR,
    "exportAuditReport": Declared422(
        "`until` must not be earlier than `since`", violation_fields=frozenset({"query.until"})
    ),
}

EXPECTATIONS = Expectations(declared_422=DECLARED_422, links=WORKFLOW_LINKS, allow_nul=False)


def known_values(seeded: Seeded) -> dict[str, tuple[str, ...]]:
    """Seeded Plant entities, by the PP parameters that name them."""
    skills = (seeded.skill, seeded.pending_skill)
    roles = (seeded.job_role, seeded.pending_job_role)
    industries = (INDUSTRY_MARKETING, INDUSTRY_SALES)
    return {
        "path.skill_id": skills,
        "path.job_role_id": roles,
        "path.agent_id": (seeded.agent,),
        "query.industry_id": industries,
        "query.job_role_id": roles,
        "body.industry_id": industries,
        "body.job_role_id": roles,
        "body.governance_agent_id": (GENESIS,),
        "body.entity_id": (seeded.skill, seeded.pending_skill, seeded.job_role, seeded.agent),
    }


def _running(options: TargetOptions, url: str) -> Served:
    base_url = require_running("pp", url)
    expectations = EXPECTATIONS
    plant_url = options.backends.get("plant")
    if plant_url is not None:
        expectations = expectations.with_known_values(known_values(seed_url(plant_url)))
    return Served(
        name="pp",
        contract=PP_CONTRACT,
        base_url=base_url,
        auth=None
        if has_authorization(options.headers)
        else bearer_auth(environment_token(SUBJECT, ROLES)),
        expectations=expectations,
    )


@target("pp", description="PP in process over a Plant started for the run (or --url)")
@contextmanager
def pp(options: TargetOptions) -> Iterator[Served]:
    if options.url is not None:
        yield _running(options, options.url)
        return

    from schemathesis.python import asgi

    from . import PPSettings, create_app

    jwt = JwtSettings(secret=f"pp-verify-{secrets.token_hex(24)}", environment="test")
    with plant_behind(options) as plant_url:
        seeded = seed_url(plant_url)
        settings = PPSettings.model_validate(
            {
                "environment": "test",
                "plant_api_url": plant_url,
                "plant_timeout_seconds": 10.0,
                "plant_retry_max_backoff": 0.05,
            }
        )
        app = create_app(settings, jwt=jwt)
        try:
            yield Served(
                name="pp",
                contract=PP_CONTRACT,
                app=app,
                auth=bearer_auth(mint_token(jwt, subject=SUBJECT, roles=ROLES)),
                expectations=EXPECTATIONS.with_known_values(known_values(seeded)),
            )
        finally:
            # runs PP's lifespan shutdown (closing its Plant client) on the loop that used it
            asgi.shutdown_lifespans()
