"""The ``waooaw`` command."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="waooaw",
    help="Contract-first toolchain: generate code from OpenAPI contracts and run the services.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain click help: text such as [tool.waooaw.contracts] prints as written (Rich reads it as
    # markup), and example blocks keep their lines instead of being re-wrapped to the terminal
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Contract-first toolchain: generate code from OpenAPI contracts."""


def _project_config() -> tuple[Path, dict[str, Any]]:
    for folder in (Path.cwd(), *Path.cwd().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            section = data.get("tool", {}).get("waooaw")
            if isinstance(section, dict):
                return folder, section
    raise typer.BadParameter(
        "no [tool.waooaw] section in pyproject.toml here or above; pass a contract file instead"
    )


def _need(what: str, *extras: str) -> None:
    """Exit 2 with an install hint when an extra a command imports is missing."""
    from .extras import MissingExtra, require

    try:
        require(what, *extras)
    except MissingExtra as exc:
        typer.echo(f"waooaw: {exc}", err=True)
        raise typer.Exit(2) from None


def _contract_name(spec: Path) -> str:
    return spec.name.split(".", 1)[0]


@app.command()
def gen(
    spec: Annotated[
        Path | None,
        typer.Argument(
            help="Contract to generate; default: every contract in [tool.waooaw.contracts]."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Package folder to write (with SPEC).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if any generated file is stale.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Regenerate even when up to date.")
    ] = False,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            "-t",
            help="Only these targets (repeatable): models, server, client, typescript, postman."
            " Default: all.",
        ),
    ] = None,
) -> None:
    """Generate models, server stubs, clients, TypeScript types and Postman collections.

    \b
    Examples:
      waooaw gen                                   # every contract in [tool.waooaw.contracts]
      waooaw gen --check                           # CI: exit 1 naming stale files, with a diff
      waooaw gen contracts/plant.openapi.yaml --out build/plant
      waooaw gen api.yaml --out web/src/api --target typescript
      waooaw gen api.yaml --out build/postman --target postman
    """
    from .codegen import pipeline

    chosen = frozenset(target or pipeline.TARGETS)
    unknown = sorted(chosen - set(pipeline.TARGETS))
    if unknown:
        raise typer.BadParameter(
            f"unknown target {unknown[0]!r}; choose from {', '.join(pipeline.TARGETS)}",
            param_hint="--target",
        )

    jobs: list[pipeline.Job]
    if spec is not None:
        if out is None:
            raise typer.BadParameter("--out DIR is required with a contract file")
        jobs = [pipeline.Job(spec, out, _contract_name(spec), chosen)]
    else:
        if out is not None:
            raise typer.BadParameter("--out needs a contract file")
        root, config = _project_config()
        contracts = config.get("contracts") or {}
        base = root / str(config.get("out", "generated"))
        jobs = [
            pipeline.Job(root / str(path), base / name, name, chosen)
            for name, path in sorted(contracts.items())
        ]
        if not jobs:
            raise typer.BadParameter("[tool.waooaw.contracts] lists no contracts")
    raise typer.Exit(_check(jobs) if check else _generate(jobs, force))


def _generate(jobs: list[Any], force: bool) -> int:
    from .codegen import ContractErrors, generate_all

    try:
        results = generate_all(jobs, force=force)
    except ContractErrors as exc:
        typer.echo(exc.render(), err=True)
        return 1
    for job, result in zip(jobs, results, strict=True):
        if result.skipped:
            typer.echo(f"{job.name}: up to date ({job.out})")
            continue
        typer.echo(
            f"{job.name}: {len(result.written)} written, {len(result.unchanged)} unchanged,"
            f" {len(result.removed)} removed ({job.out})"
        )
    return 0


def _check(jobs: list[Any]) -> int:
    from .codegen import ContractErrors, check

    failed = False
    for job in jobs:
        try:
            result = check(job)
        except ContractErrors as exc:
            typer.echo(exc.render(), err=True)
            failed = True
            continue
        for path in result.missing:
            typer.echo(f"missing: {path}")
        for path in result.extra:
            typer.echo(f"extra: {path} (generated file no longer produced)")
        for path, diff in result.stale.items():
            lines = diff.splitlines()
            shown = "\n".join(lines[:40])
            more = f"\n... {len(lines) - 40} more diff lines" if len(lines) > 40 else ""
            typer.echo(f"stale: {path}\n{shown}{more}")
        if result.ok:
            typer.echo(f"{job.name}: up to date")
        else:
            failed = True
    if failed:
        typer.echo(
            "generated code is out of date: run `waooaw gen` and commit the result", err=True
        )
    return 1 if failed else 0


@app.command()
def lint(
    specs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Contracts to lint; default: every contract in [tool.waooaw.contracts]."
        ),
    ] = None,
    output: Annotated[
        str, typer.Option("--format", "-f", help="text, json, or github (workflow annotations).")
    ] = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    list_rules: Annotated[
        bool, typer.Option("--list-rules", help="Print every rule with its severity and rationale.")
    ] = False,
) -> None:
    """Check contracts against the house rules (configurable in pyproject.toml, tool.waooaw.lint).

    \b
    Examples:
      waooaw lint                                  # the project's contracts
      waooaw lint contracts/plant.openapi.yaml --strict
      waooaw lint --format github                  # annotations in a GitHub Actions log
      waooaw lint --list-rules
    Exit status: 1 on errors (or warnings with --strict), 0 otherwise.
    """
    from .governance import lint as linter

    if list_rules:
        for r in linter.rules():
            typer.echo(f"{r.id:<32} {r.severity:<8} {r.rationale}")
        raise typer.Exit(0)
    if output not in linter.FORMATS:
        raise typer.BadParameter(
            f"choose one of {', '.join(linter.FORMATS)}", param_hint="--format"
        )
    root: Path | None
    try:
        root, config_section = _project_config()
    except typer.BadParameter:
        root, config_section = None, {}
    paths = list(specs or [])
    if not paths:
        if root is None:
            raise typer.BadParameter("no contracts given and no [tool.waooaw.contracts] configured")
        paths = [root / str(p) for _, p in sorted((config_section.get("contracts") or {}).items())]
    try:
        config = linter.load_config(root / "pyproject.toml" if root else None)
    except linter.LintConfigError as exc:
        typer.echo(f"pyproject.toml [tool.waooaw.lint]: {exc}", err=True)
        raise typer.Exit(2) from None
    report = linter.lint_files(paths, config=config)
    typer.echo(linter.render(report, output))  # type: ignore[arg-type]
    raise typer.Exit(linter.exit_code(report, strict))


@app.command()
def diff(
    base: Annotated[str, typer.Argument(help="The old contract: a file, or git:REF:path.")],
    head: Annotated[str, typer.Argument(help="The new contract: a file, or git:REF:path.")],
    output: Annotated[
        str, typer.Option("--format", "-f", help="text, json, or markdown (for a PR comment).")
    ] = "text",
) -> None:
    """List every change between two versions of a contract, breaking ones first.

    \b
    Examples:
      waooaw diff git:HEAD~1:contracts/plant.openapi.yaml contracts/plant.openapi.yaml
      waooaw diff old.yaml new.yaml --format markdown > comment.md
    Exit status: 1 on a breaking change unless info.version's major was bumped.
    """
    from .codegen import ContractErrors
    from .governance import diff as differ

    if output not in ("text", "json", "markdown"):
        raise typer.BadParameter("choose text, json or markdown", param_hint="--format")
    try:
        old, new = differ.load_sides(base, head)
    except differ.SpecError as exc:
        typer.echo(f"waooaw diff: {exc}", err=True)
        raise typer.Exit(2) from None
    except ContractErrors as exc:
        typer.echo(exc.render(), err=True)
        raise typer.Exit(2) from None
    report = differ.diff_contracts(old, new)
    typer.echo(differ.render(report, output))
    raise typer.Exit(report.exit_code())


def _headers(values: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            raise typer.BadParameter(
                f"{value!r} is not 'Name: value' (e.g. 'Authorization: Bearer TOKEN')",
                param_hint="--header",
            )
        headers[name.strip()] = text.strip()
    return headers


@app.command()
def verify(
    target: Annotated[
        str | None,
        typer.Argument(help="A service name (as --service) or a base URL (as --url)."),
    ] = None,
    service: Annotated[
        str | None,
        typer.Option(
            "--service", "-s", help="Service to verify: in process, or at --url when given."
        ),
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", "-u", help="Base URL of a running service.")
    ] = None,
    contract: Annotated[
        Path | None,
        typer.Option(
            "--contract",
            "-c",
            help="Contract file; default: the service's, or GET /openapi.json from --url.",
        ),
    ] = None,
    examples: Annotated[
        int, typer.Option("--examples", "-n", min=1, help="Generated cases per operation.")
    ] = 20,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed the generation (default: random, reported).")
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option("--header", "-H", help="'Name: value' sent on every request (repeatable)."),
    ] = None,
    stateful: Annotated[
        bool, typer.Option("--stateful/--no-stateful", help="Run the stateful phase (links).")
    ] = True,
    operation_id: Annotated[
        list[str] | None,
        typer.Option("--operation-id", help="Only these operations (repeatable)."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, max=64, help="Operations tested at once.")
    ] = 1,
    output: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Property-test a service against its contract: schemathesis, every check, RFC 7807.

    \b
    Runs the examples, coverage, fuzzing and stateful (contract links) phases
    with every schemathesis check plus the project's RFC 7807 check: each
    4xx/5xx is problem+json whose `status` is the HTTP status and whose
    `correlation_id` is the X-Correlation-ID header. Failures are listed by
    operation and check, each with a curl command that reproduces it.

    \b
    Examples:
      waooaw verify --service plant            # in process, temporary SQLite
      waooaw verify --service plant --url http://127.0.0.1:8000
      waooaw verify --service pp               # or cp: over a Plant it starts
      waooaw verify --url http://127.0.0.1:8000 \\
          --contract contracts/plant.openapi.yaml
      waooaw verify plant --examples 100 --seed 42 --format json
      waooaw verify --url https://staging.example.com \\
          --header 'Authorization: Bearer TOKEN'
    Exit status: 1 when a check fails, 0 when none does, 2 when the target
    cannot be run (the message says why).
    """
    if output not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")
    if target is not None:
        if service is not None or url is not None:
            raise typer.BadParameter("give TARGET or --service/--url, not both")
        if target.startswith(("http://", "https://")):
            url = target
        else:
            service = target
    if service is None and url is None:
        raise typer.BadParameter("name a service (--service plant) or a running one (--url URL)")
    headers = _headers(header or [])
    _need("`waooaw verify`", "verify", *(("services",) if service is not None else ()))

    from dataclasses import replace

    from .verify import (
        TargetError,
        TargetOptions,
        VerifyOptions,
        open_target,
        render,
        url_target,
    )
    from .verify import verify as run

    options = VerifyOptions(examples=examples, seed=seed, stateful=stateful, workers=workers)
    try:
        opened = (
            open_target(service, TargetOptions(url=url, headers=headers))
            if service is not None
            else url_target(str(url), contract, headers)
        )
        with opened as served:
            if contract is not None:
                served = replace(served, contract=contract)
            options = replace(options, headers={**served.headers, **headers})
            report = run(served, options, operation_ids=operation_id)
    except TargetError as exc:
        typer.echo(f"waooaw verify: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(render(report, output))  # type: ignore[arg-type]
    raise typer.Exit(report.exit_code)


@app.command()
def postman(
    spec: Annotated[Path, typer.Argument(help="The contract (OpenAPI YAML or JSON).")],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Collection file to write; the environments go beside it."
        ),
    ],
) -> None:
    """Write a Postman Collection v2.1 for a contract, with Local, Demo and Prod environments.

    \b
    Examples:
      waooaw postman contracts/plant.openapi.yaml -o build/plant.postman_collection.json
      newman run build/plant.postman_collection.json -e build/plant.local.postman_environment.json
    The collection has a folder per tag and a request per operation, chained through the
    contract's links, with tests. Beside it go <stem>.local.postman_environment.json,
    <stem>.demo.postman_environment.json and <stem>.prod.postman_environment.json
    (base_url, auth_token), <stem> being the file name less .postman_collection.json.
    """
    from .codegen import ContractErrors, pipeline
    from .codegen.build import build_api
    from .codegen.loader import load_contract
    from .codegen.targets.postman import files_for

    if not spec.is_file():
        raise typer.BadParameter(f"{spec}: no such contract file", param_hint="SPEC")
    name = _contract_name(spec)
    try:
        source = pipeline.Job(spec, output.parent, name).source
        api = build_api(load_contract(spec), name=name, source=source)
    except ContractErrors as exc:
        typer.echo(exc.render(), err=True)
        raise typer.Exit(1) from None
    for path, text in files_for(api, output).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {path}")


SERVICES = ("plant", "pp", "cp")
#: Where each service listens by default; `serve all` keeps their distances from the first.
DEFAULT_PORTS = {"plant": 8000, "pp": 8001, "cp": 8002}


@app.command()
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
    _need("`waooaw token`", "services")
    from pydantic import ValidationError

    from .services.common.auth import ROLES, JwtSettings, mint_token

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


@app.command()
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
    _need("`waooaw mock`", "mock")
    import uvicorn

    from .codegen import ContractErrors
    from .mock import MockSetupError, create_mock_app
    from .services.runner import configure_logging

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


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="Service to run: plant, pp, cp, or all.")],
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            help="Port; default the service's own (plant 8000, pp 8001, cp 8002). With 'all',"
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
      CP_WORKER_ENABLED=false waooaw serve cp      # API only; run `waooaw worker cp` apart
      waooaw serve all --port 9000                 # plant 9000, pp 9001, cp 9002
      waooaw serve plant --workers 2               # two processes sharing port 8000
      waooaw serve all --log-format json           # one JSON object per log line
    """
    _need("`waooaw serve`", "services")
    from .services.runner import run_services

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


@app.command()
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
    _need("`waooaw worker`", "services")
    from .services.runner import WORKERS, run_worker

    if service not in WORKERS:
        raise typer.BadParameter(f"unknown worker {service!r}; choose from {', '.join(WORKERS)}")
    raise typer.Exit(
        run_worker(
            service, concurrency=concurrency, drain=drain, migrate=migrate, log_level=log_level
        )
    )


def main() -> None:
    app(prog_name="waooaw")


if __name__ == "__main__":  # pragma: no cover
    main()
