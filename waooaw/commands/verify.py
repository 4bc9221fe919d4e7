"""``waooaw verify``: property-test a service against its contract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import need

__all__ = ["verify"]


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
    need("`waooaw verify`", "verify", *(("services",) if service is not None else ()))

    from dataclasses import replace

    from ..verify import (
        TargetError,
        TargetOptions,
        VerifyOptions,
        open_target,
        render,
        url_target,
    )
    from ..verify import verify as run

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
