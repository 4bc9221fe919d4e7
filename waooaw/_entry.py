"""Console entry point: answers an up-to-date ``waooaw gen`` before loading the CLI.

Loading typer (and through it pydantic) costs more than the whole no-op check,
so the commonest call in a build, ``waooaw gen`` with nothing changed, is
decided here with the standard library alone. Anything else goes to the CLI.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

__all__ = ["main"]


def _configured_jobs() -> list[tuple[Path, Path, str]] | None:
    for folder in (Path.cwd(), *Path.cwd().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            section = (
                tomllib.loads(candidate.read_text(encoding="utf-8")).get("tool", {}).get("waooaw")
            )
            if not isinstance(section, dict) or not section.get("contracts"):
                return None
            out = folder / str(section.get("out", "generated"))
            return [
                (folder / str(spec), out / name, name)
                for name, spec in sorted(section["contracts"].items())
            ]
    return None


def _fast_noop(argv: list[str]) -> bool:
    if not argv or argv[0] != "gen":
        return False
    spec_arg: str | None = None
    out_arg: str | None = None
    targets: list[str] = []
    rest = iter(argv[1:])
    for arg in rest:
        if arg in ("--out", "-o"):
            out_arg = next(rest, None)
        elif arg in ("--target", "-t"):
            value = next(rest, None)
            if value is None:
                return False
            targets.append(value)
        elif arg.startswith("-") or spec_arg is not None:
            return False  # --check, --force, --help ...: the CLI decides
        else:
            spec_arg = arg
    jobs: list[tuple[Path, Path, str]] | None
    if spec_arg is None and out_arg is None:
        jobs = _configured_jobs()
    elif spec_arg is not None and out_arg is not None:
        spec = Path(spec_arg)
        jobs = [(spec, Path(out_arg), spec.name.split(".", 1)[0])]
    else:
        return False
    if not jobs:
        return False
    from .codegen.pipeline import TARGETS, Job, up_to_date

    if any(t not in TARGETS for t in targets):
        return False
    chosen = frozenset(targets or TARGETS)
    resolved = [Job(spec, out, name, chosen) for spec, out, name in jobs]
    if not all(up_to_date(job) for job in resolved):
        return False
    for job in resolved:
        print(f"{job.name}: up to date ({job.out})")
    return True


#: short-lived commands that build large object graphs (parsed contracts, IR, output)
_BATCH_COMMANDS = frozenset({"gen", "lint", "diff", "postman"})


def _relax_gc(argv: list[str]) -> None:
    """Collect cycles rarely in batch commands: their objects live until exit, and the
    default thresholds rescan them hundreds of times (about a third of a 300-operation
    contract's load time)."""
    if argv and argv[0] in _BATCH_COMMANDS:
        import gc

        gc.set_threshold(100_000, 50, 100)


def main() -> None:
    if _fast_noop(sys.argv[1:]):
        return
    _relax_gc(sys.argv[1:])
    from .cli import main as cli_main

    cli_main()
