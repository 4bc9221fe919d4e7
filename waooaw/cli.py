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
            help="Only these targets (repeatable): models, server, client, typescript. Default: all.",
        ),
    ] = None,
) -> None:
    """Generate models, server stubs, clients and TypeScript types from OpenAPI contracts.

    \b
    Examples:
      waooaw gen                                   # every contract in [tool.waooaw.contracts]
      waooaw gen --check                           # CI: exit 1 naming stale files, with a diff
      waooaw gen contracts/plant.openapi.yaml --out build/plant
      waooaw gen api.yaml --out web/src/api --target typescript
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
    """Check contracts against the house rules (configurable in [tool.waooaw.lint]).

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


SERVICES = ("plant", "cp")


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
def serve(
    service: Annotated[str, typer.Argument(help="Service to run: plant, cp, or all.")],
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            help="Port; default plant 8000, cp 8002. With 'all', Plant's port (the others keep"
            " their distance from it)."
        ),
    ] = None,
    migrate: Annotated[
        bool, typer.Option(help="Apply database migrations before starting.")
    ] = True,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run a service under uvicorn (applying its migrations first).

    \b
    Examples:
      waooaw serve plant                           # http://127.0.0.1:8000
      waooaw serve cp                              # http://127.0.0.1:8002, with a task worker
      CP_WORKER_ENABLED=false waooaw serve cp      # API only; run `waooaw worker cp` apart
      waooaw serve all --host 0.0.0.0
    """
    from .services.runner import run_services

    names = list(SERVICES) if service == "all" else [service]
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise typer.BadParameter(
            f"unknown service {unknown[0]!r}; choose from {', '.join(SERVICES)} or all"
        )
    raise typer.Exit(
        run_services(names, host=host, port=port, migrate=migrate, log_level=log_level)
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
