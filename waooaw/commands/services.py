"""Service commands: ``token``, ``mock``, ``serve`` and ``worker``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import need

__all__ = ["DEFAULT_PORTS", "SERVICES", "mock", "serve", "token", "worker"]

SERVICES = ("plant", "pp", "cp", "gateway", "executor")
#: Where each service listens by default; `serve all` keeps their distances from the first.
DEFAULT_PORTS = {"plant": 8000, "pp": 8001, "cp": 8002, "gateway": 8003, "executor": 8004}


def token(
    role: Annotated[
        list[str],
        typer.Option(
            "--role", "-r", help="Role to grant (repeatable): genesis, governor, viewer, customer."
        ),
    ],
    sub: Annotated[str, typer.Option("--sub", "-s", help="Subject: who the token speaks for.")],
    ttl: Annotated[
        int | None, typer.Option(help="Lifetime in seconds; default JWT_TTL_SECONDS (3600).")
    ] = None,
) -> None:
    """Mint a development bearer token the PP and CP services accept.

    It is signed with the JWT_* settings of this environment (JWT_SECRET, JWT_ALGORITHMS,
    JWT_PRIVATE_KEY for RS256, JWT_AUDIENCE, JWT_ISSUER), so run it with the same environment
    as the services.

    \b
    Examples:
      waooaw token --role genesis --sub alice
      waooaw token -r governor -r viewer -s bob --ttl 600
      curl -H "Authorization: Bearer $(waooaw token -r viewer -s carol)" http://127.0.0.1:8001/...
    """
    need("`waooaw token`", "services")
    from pydantic import ValidationError

    from ..services.common.auth import ROLES, JwtSettings, mint_token

    unknown = sorted(set(role) - set(ROLES))
    if unknown:
        raise typer.BadParameter(
            f"unknown role {unknown[0]!r}; choose from {', '.join(ROLES)}", param_hint="--role"
        )
    if not sub.strip():
        raise typer.BadParameter("the subject may not be empty", param_hint="--sub")
    try:
        settings = JwtSettings()
        typer.echo(mint_token(settings, subject=sub, roles=role, ttl_seconds=ttl))
    except ValidationError as exc:
        for err in exc.errors():
            typer.echo(f"invalid JWT settings: {err['msg']}", err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        typer.echo(f"cannot mint a token: {exc}", err=True)
        raise typer.Exit(2) from None


def mock(
    spec: Annotated[Path, typer.Argument(help="The contract to serve.")],
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 4010,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    seed: Annotated[
        int, typer.Option(help="Seed of the generated data; the same seed gives the same data.")
    ] = 0,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="Browser origin allowed to call the mock (repeatable);"
            " default: any port of localhost / 127.0.0.1.",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve a contract before its service exists, from its generated stubs.

    Valid requests get the documented success response: the contract's
    example, else data generated from the schema. Invalid ones get a
    problem+json error. The contract is served at /openapi.json.

    \b
    Examples:
      waooaw mock contracts/plant.openapi.yaml    # on http://127.0.0.1:4010
      waooaw mock contracts/plant.openapi.yaml --port 8080 --seed 7
      waooaw mock api.yaml --cors-origin http://localhost:5173
    Exit status: 1 when the contract is invalid or an operation cannot be mocked.
    """
    need("`waooaw mock`", "mock")
    import uvicorn

    from ..codegen import ContractErrors
    from ..mock import MockSetupError, create_mock_app
    from ..services.runner import configure_logging

    configure_logging(log_level)
    try:
        mock_app = create_mock_app(spec, seed=seed, cors_origins=cors_origin)
    except (ContractErrors, MockSetupError) as exc:
        typer.echo(exc.render(), err=True)
        raise typer.Exit(1) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--cors-origin") from None
    info = mock_app.state.mock
    address = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    typer.echo(
        f"Mocking {info.title} {info.version} ({info.operations} operations)"
        f" at {address}{info.base_path}"
    )
    typer.echo(f"Contract: {address}/openapi.json  Docs: {address}/docs")
    uvicorn.run(
        mock_app, host=host, port=port, log_config=None, log_level=log_level, access_log=False
    )


def serve(
    service: Annotated[
        str, typer.Argument(help="Service to run: plant, pp, cp, gateway, executor, or all.")
    ],
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            help="Port; default the service's own (plant 8000, pp 8001, cp 8002, gateway 8003,"
            " executor 8004). With 'all',"
            " Plant's port (the others keep their distance from it)."
        ),
    ] = None,
    migrate: Annotated[
        bool, typer.Option(help="Apply database migrations before starting.")
    ] = True,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            max=64,
            help="Worker processes per service (uvicorn's process manager); 1 runs every"
            " named service in this process.",
        ),
    ] = 1,
    log_format: Annotated[
        str,
        typer.Option(
            help="text, or json: one object per line (each request with correlation id,"
            " trace id, operationId, status, duration)."
        ),
    ] = "text",
) -> None:
    """Run a service under uvicorn (applying its migrations first).

    Each service serves /metrics (Prometheus) and, when OTEL_EXPORTER_OTLP_ENDPOINT is
    set, sends OpenTelemetry traces there.

    \b
    Examples:
      waooaw serve plant                           # http://127.0.0.1:8000
      waooaw serve pp                              # http://127.0.0.1:8001
      waooaw serve cp                              # http://127.0.0.1:8002, with a task worker
      waooaw serve gateway                         # http://127.0.0.1:8003, in front of Plant
      EXECUTOR_MODE=production waooaw serve executor --port 8005
      CP_WORKER_ENABLED=false waooaw serve cp      # API only; run `waooaw worker cp` apart
      waooaw serve all --port 9000                 # plant 9000, pp 9001, cp 9002, gateway 9003
      WAOOAW_VIA_GATEWAY=false waooaw serve all     # PP and CP straight to Plant
      waooaw serve all --port 9000                 # plant 9000, pp 9001, cp 9002
      waooaw serve plant --workers 2               # two processes sharing port 8000
      waooaw serve all --log-format json           # one JSON object per log line
    """
    need("`waooaw serve`", "services")
    from ..services.runner import run_services

    names = list(SERVICES) if service == "all" else [service]
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise typer.BadParameter(
            f"unknown service {unknown[0]!r}; choose from {', '.join(SERVICES)} or all"
        )
    if log_format not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--log-format")
    if port is None:
        port = DEFAULT_PORTS[names[0]]
    raise typer.Exit(
        run_services(
            names,
            host=host,
            port=port,
            migrate=migrate,
            log_level=log_level,
            log_format=log_format,
            workers=workers,
        )
    )


def worker(
    service: Annotated[str, typer.Argument(help="Service whose queued tasks to run: cp.")],
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=256, help="Tasks run at once; default CP_WORKER_CONCURRENCY (16)."),
    ] = None,
    drain: Annotated[
        bool, typer.Option("--drain", help="Exit once the queue is empty (batch runs, benchmarks).")
    ] = False,
    migrate: Annotated[
        bool, typer.Option(help="Apply database migrations before starting.")
    ] = True,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run a task worker: claim queued tasks from the service's database and execute them.

    Any number of workers (and the one inside `waooaw serve cp`) can share a database; each
    task runs once (leases; FOR UPDATE SKIP LOCKED on PostgreSQL). A worker that dies leaves
    its tasks to the others once their lease (CP_WORKER_LEASE_SECONDS) runs out. It reads the
    same settings as the service (CP_DATABASE_URL or DATABASE_URL, CP_*); stop it with
    SIGINT or SIGTERM, which lets running tasks finish.

    \b
    Examples:
      waooaw worker cp
      waooaw worker cp --concurrency 16
      CP_DATABASE_URL=postgresql://cp:secret@db/cp waooaw worker cp
      waooaw worker cp --drain                     # run what is queued, then exit
    """
    need("`waooaw worker`", "services")
    from ..services.runner import WORKERS, run_worker

    if service not in WORKERS:
        raise typer.BadParameter(f"unknown worker {service!r}; choose from {', '.join(WORKERS)}")
    raise typer.Exit(
        run_worker(
            service, concurrency=concurrency, drain=drain, migrate=migrate, log_level=log_level
        )
    )
