"""Contract commands: ``gen``, ``lint``, ``diff`` and ``postman``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .common import contract_name, project_config

__all__ = ["diff", "gen", "lint", "postman"]


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
    from ..codegen import pipeline

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
        jobs = [pipeline.Job(spec, out, contract_name(spec), chosen)]
    else:
        if out is not None:
            raise typer.BadParameter("--out needs a contract file")
        root, config = project_config()
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
    from ..codegen import ContractErrors, generate_all

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
    from ..codegen import ContractErrors, check

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
    from ..governance import lint as linter

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
        root, config_section = project_config()
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
    from ..codegen import ContractErrors
    from ..governance import diff as differ

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
    from ..codegen import ContractErrors, pipeline
    from ..codegen.build import build_api
    from ..codegen.loader import load_contract
    from ..codegen.targets.postman import files_for

    if not spec.is_file():
        raise typer.BadParameter(f"{spec}: no such contract file", param_hint="SPEC")
    name = contract_name(spec)
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
