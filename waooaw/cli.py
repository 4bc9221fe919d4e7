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


SERVICES = ("plant",)


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="Service to run: plant, or all.")],
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="Port (with 'all', the first of consecutive ports).")
    ] = 8000,
    migrate: Annotated[
        bool, typer.Option(help="Apply database migrations before starting.")
    ] = True,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run a service under uvicorn (applying its migrations first)."""
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


def main() -> None:
    app(prog_name="waooaw")


if __name__ == "__main__":  # pragma: no cover
    main()
