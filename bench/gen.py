"""Benchmark `waooaw gen` against the anchor generators (datamodel-codegen + fastapi-codegen).

Run from anywhere with the project's venv:

    /work/main/.venv/bin/python bench/gen.py [--runs 7] [--skip-anchor] [--json]

Cases, timed as wall time of subprocesses (waooaw run with cwd = the project root), interleaved
(A, B, C, D, E, A, B, ...) so that machine noise hits every case alike:

  cold-plant       waooaw gen contracts/plant.openapi.yaml --out TMP/plant_gen  (fresh TMP)
  noop-plant       the same command again on an already generated dir (state file kept)
  cold-synthetic   waooaw gen of a 300-operation contract made by bench/make_synthetic.py
  anchor-plant     datamodel-codegen + fastapi-codegen on the Plant contract (sum of both)
  anchor-synthetic the same pair on the synthetic contract

The anchor tools live in their own venv, bench/.anchor (create it with
`bash bench/setup_anchor.sh`), and run in the contract's own dir: fastapi-codegen resolves
relative external $refs against the working directory, not the referring file.

A case whose command fails is reported with the failure text and dropped from later
rounds; the other cases go on. Exit status: 0 when every target that could be measured
passes, 1 when a target fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PLANT = "contracts/plant.openapi.yaml"
WAOOAW = ROOT / ".venv" / "bin" / "waooaw"
ANCHOR_BIN = BENCH / ".anchor" / "bin"
TIMEOUT_S = 600.0
BOX_CHARS = " \t│╭╮╰╯─❱"  # rich's traceback frames, as typer-based CLIs print them
ERROR_LINE = re.compile(r"^([\w.]*(Error|Exception)\b|error:)", re.IGNORECASE)

# Targets.
COLD_PLANT_MAX_S = 0.6
COLD_PLANT_MIN_SPEEDUP = 2.0
NOOP_MAX_S = 0.15
COLD_SYNTHETIC_MAX_S = 3.0


class CaseError(Exception):
    """A case's command failed; the message says how, briefly."""


@dataclass
class Case:
    key: str
    label: str
    # Given a fresh scratch dir, the commands to run one after another, timed as one (sum).
    commands: Callable[[Path], list[Command]]
    # Given the same scratch dir, raise CaseError when the expected output is missing.
    check: Callable[[Path], None] = lambda _scratch: None
    parts: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    part_times: list[list[float]] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.error is None and self.skipped is None

    def stats(self) -> dict[str, float] | None:
        if not self.times:
            return None
        return {
            "median": statistics.median(self.times),
            "min": min(self.times),
            "max": max(self.times),
        }


def brief(text: str, limit: int = 300) -> str:
    """What went wrong, from a tool's output: its error lines, else its last lines."""
    lines = [ln.strip(BOX_CHARS) for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    errors = [ln for ln in lines if ERROR_LINE.match(ln)]
    tail = " | ".join(errors[-2:] or lines[-3:])
    return tail if len(tail) <= limit else tail[: limit - 3] + "..."


def show(argv: Sequence[str], cwd: Path = ROOT) -> str:
    """A command line for humans: paths inside the project shown relative to cwd."""
    out = []
    for arg in argv:
        path = Path(arg)
        if path.is_absolute() and path.is_relative_to(ROOT) and cwd.is_relative_to(ROOT):
            arg = os.path.relpath(path, cwd)
        out.append(shlex.quote(arg))
    return " ".join(out)


@dataclass(frozen=True)
class Command:
    argv: list[str]
    cwd: Path = ROOT

    def __str__(self) -> str:
        line = show(self.argv, self.cwd)
        if self.cwd == ROOT:
            return line
        where = self.cwd.relative_to(ROOT) if self.cwd.is_relative_to(ROOT) else self.cwd
        return f"(cd {shlex.quote(str(where))} && {line})"


def run_timed(cmd: Command) -> float:
    argv = cmd.argv
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            argv,
            cwd=cmd.cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as exc:
        raise CaseError(f"not found: {exc.filename}") from exc
    except subprocess.TimeoutExpired as exc:
        raise CaseError(f"timed out after {TIMEOUT_S:.0f} s: {cmd}") from exc
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        text = brief(proc.stderr + "\n" + proc.stdout) or "(no output)"
        raise CaseError(f"exit {proc.returncode} from {Path(argv[0]).name}: {text}")
    return elapsed


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """mtime_ns and size of every file under directory."""
    return {
        str(p.relative_to(directory)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def run_case(case: Case, scratch_root: Path, *, record: bool) -> None:
    scratch = Path(tempfile.mkdtemp(prefix=f"{case.key}-", dir=scratch_root))
    try:
        parts = [run_timed(cmd) for cmd in case.commands(scratch)]
        case.check(scratch)
    except CaseError as exc:
        case.error = str(exc)
        return
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if record:
        case.times.append(sum(parts))
        case.part_times.append(parts)


# -- cases --------------------------------------------------------------------------------


def expect_files(*relpaths: str) -> Callable[[Path], None]:
    def check(scratch: Path) -> None:
        missing = [p for p in relpaths if not (scratch / p).is_file()]
        if missing:
            raise CaseError(f"exited 0 but did not write {', '.join(missing)}")

    return check


# The anchor pair writes models and a FastAPI app; waooaw is timed on the same two targets.
TARGETS = ("--target", "models", "--target", "server")


def waooaw_gen(exe: Path, spec: str | Path, out: Path) -> Command:
    return Command([str(exe), "gen", str(spec), "--out", str(out), *TARGETS])


def anchor_pair(spec: Path, scratch: Path) -> list[Command]:
    """datamodel-codegen + fastapi-codegen, run in the contract's own dir.

    fastapi-codegen resolves relative external $refs (`./shared.yaml#/...`) against the
    working directory rather than the referring file, so from the project root it fails
    on the Plant contract with "$ref file not found: <root>/shared.yaml". Running both
    tools next to the contract lets the anchor be measured at all.
    """
    cwd = spec.parent
    return [
        Command(
            [
                str(ANCHOR_BIN / "datamodel-codegen"),
                "--input",
                spec.name,
                "--input-file-type",
                "openapi",
                "--output-model-type",
                "pydantic_v2.BaseModel",
                "--output",
                str(scratch / "models.py"),
            ],
            cwd,
        ),
        Command(
            [
                str(ANCHOR_BIN / "fastapi-codegen"),
                "--input",
                spec.name,
                "--output",
                str(scratch / "app"),
            ],
            cwd,
        ),
    ]


def make_synthetic(out: Path, operations: int, schemas: int) -> str | None:
    """Write the synthetic contract; return an error text on failure."""
    argv = [
        sys.executable,
        str(BENCH / "make_synthetic.py"),
        "--operations",
        str(operations),
        "--schemas",
        str(schemas),
        str(out),
    ]
    try:
        run_timed(Command(argv))
    except CaseError as exc:
        return f"make_synthetic.py failed: {exc}"
    return None


def noop_case(exe: Path, plant: str, work: Path) -> Case:
    """Re-run of `waooaw gen` on a dir generated once, before the timed rounds."""
    primed = work / "noop" / "plant_gen"
    primed.parent.mkdir(parents=True)
    case = Case(
        "noop-plant",
        "waooaw no-op   plant",
        commands=lambda _scratch: [waooaw_gen(exe, plant, primed)],
        parts=["waooaw gen"],
    )
    before: dict[str, tuple[int, int]] = {}
    rewritten: set[str] = set()
    runs_with_writes = 0

    def check(_scratch: Path) -> None:
        """Warn when a no-op run wrote anything (compares mtime and size of every file)."""
        nonlocal before, runs_with_writes
        after = snapshot(primed)
        changed = {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)}
        if changed:
            runs_with_writes += 1
            rewritten.update(changed)
            case.warnings[:] = [
                f"no-op run wrote files in {runs_with_writes} run(s): {', '.join(sorted(rewritten))}"
            ]
        before = after

    case.check = check
    try:
        run_timed(waooaw_gen(exe, plant, primed))
        expect_files("models.py", "server.py", ".waooaw-state.json")(primed)
    except CaseError as exc:
        case.error = f"priming run failed: {exc}"
    else:
        before = snapshot(primed)
    return case


def build_cases(args: argparse.Namespace, work: Path) -> list[Case]:
    synthetic = work / f"synthetic-{args.operations}.openapi.yaml"
    synth_error = make_synthetic(synthetic, args.operations, args.schemas)
    synth_label = f"synthetic ({args.operations} ops)"
    exe: Path = args.waooaw.absolute()
    plant: str = args.plant
    plant_missing = None if (ROOT / plant).is_file() else f"{plant} not found"

    waooaw_missing = None if exe.exists() else f"{show([str(exe)])} not found (pip install -e .)"
    cases = [
        Case(
            "cold-plant",
            "waooaw cold    plant",
            commands=lambda s: [waooaw_gen(exe, plant, s / "plant_gen")],
            check=expect_files("plant_gen/models.py", "plant_gen/server.py"),
            parts=["waooaw gen"],
        ),
        noop_case(exe, plant, work)
        if waooaw_missing is None
        else Case("noop-plant", "waooaw no-op   plant", commands=lambda _s: []),
        Case(
            "cold-synthetic",
            f"waooaw cold    {synth_label}",
            commands=lambda s: [waooaw_gen(exe, synthetic, s / "synthetic_gen")],
            check=expect_files("synthetic_gen/models.py", "synthetic_gen/server.py"),
            parts=["waooaw gen"],
            error=synth_error,
        ),
    ]
    for case in cases:
        case.error = waooaw_missing or case.error
        if case.key != "cold-synthetic":
            case.error = case.error or plant_missing

    anchor_files = expect_files("models.py", "app/main.py")
    anchors = [
        Case(
            "anchor-plant",
            "anchor pair    plant",
            commands=lambda s: anchor_pair(ROOT / plant, s),
            check=anchor_files,
            parts=["datamodel-codegen", "fastapi-codegen"],
        ),
        Case(
            "anchor-synthetic",
            f"anchor pair    {synth_label}",
            commands=lambda s: anchor_pair(synthetic, s),
            check=anchor_files,
            parts=["datamodel-codegen", "fastapi-codegen"],
            error=synth_error,
        ),
    ]
    anchors[0].error = plant_missing
    for case in anchors:
        if args.skip_anchor:
            case.skipped = "--skip-anchor"
        elif not (ANCHOR_BIN / "fastapi-codegen").exists():
            case.skipped = "bench/.anchor missing: run `bash bench/setup_anchor.sh`"
    return cases + anchors


# -- results ------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    value: float | None
    limit: float
    unit: str
    higher_is_better: bool = False
    why_missing: str | None = None
    # True when the value is missing only because the anchor was not measured.
    not_applicable: bool = False

    @property
    def status(self) -> str:
        if self.value is None:
            return "N/A" if self.not_applicable else "FAIL"
        ok = self.value >= self.limit if self.higher_is_better else self.value <= self.limit
        return "PASS" if ok else "FAIL"


def median_of(cases: dict[str, Case], key: str) -> float | None:
    stats = cases[key].stats()
    return None if stats is None or not cases[key].active else stats["median"]


def ratio(cases: dict[str, Case], anchor: str, ours: str) -> float | None:
    a, w = median_of(cases, anchor), median_of(cases, ours)
    return None if a is None or w is None or w == 0 else a / w


def targets(cases: dict[str, Case], operations: int) -> list[Target]:
    def missing(key: str) -> str | None:
        case = cases[key]
        return None if median_of(cases, key) is not None else (case.error or case.skipped)

    cold_missing = missing("cold-plant")
    anchor_missing = missing("anchor-plant")
    speedup_missing = cold_missing or (anchor_missing and f"anchor: {anchor_missing}")
    return [
        Target(
            f"cold plant median <= {COLD_PLANT_MAX_S} s",
            median_of(cases, "cold-plant"),
            COLD_PLANT_MAX_S,
            "s",
            why_missing=cold_missing,
        ),
        Target(
            f"cold plant >= {COLD_PLANT_MIN_SPEEDUP:g}x faster than anchor",
            ratio(cases, "anchor-plant", "cold-plant"),
            COLD_PLANT_MIN_SPEEDUP,
            "x",
            higher_is_better=True,
            why_missing=speedup_missing,
            not_applicable=cold_missing is None and anchor_missing is not None,
        ),
        Target(
            f"no-op plant median <= {NOOP_MAX_S} s",
            median_of(cases, "noop-plant"),
            NOOP_MAX_S,
            "s",
            why_missing=missing("noop-plant"),
        ),
        Target(
            f"cold synthetic {operations}-op median <= {COLD_SYNTHETIC_MAX_S} s",
            median_of(cases, "cold-synthetic"),
            COLD_SYNTHETIC_MAX_S,
            "s",
            why_missing=missing("cold-synthetic"),
        ),
    ]


def example_commands(cases: list[Case], work: Path) -> dict[str, list[str]]:
    """Each case's command lines, with the per-run scratch dir shown as TMP."""
    tmp = work / "TMP"

    def render(cmd: Command) -> str:
        return str(cmd).replace(str(tmp), "TMP").replace(str(work), "$BENCH_TMP")

    return {case.key: [render(cmd) for cmd in case.commands(tmp)] for case in cases}


def as_json(
    cases: list[Case], tgts: list[Target], args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    by_key = {c.key: c for c in cases}
    commands = example_commands(cases, work)
    return {
        "runs": args.runs,
        "warmup": args.warmup,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "cases": {
            c.key: {
                "label": " ".join(c.label.split()),
                "commands": commands[c.key],
                "parts": c.parts,
                "times_s": c.times,
                "part_times_s": c.part_times,
                **(c.stats() or {}),
                "error": c.error,
                "skipped": c.skipped,
                "warnings": c.warnings,
            }
            for c in cases
        },
        "ratios": {
            "anchor_over_waooaw_plant": ratio(by_key, "anchor-plant", "cold-plant"),
            "anchor_over_waooaw_synthetic": ratio(by_key, "anchor-synthetic", "cold-synthetic"),
        },
        "targets": [
            {
                "name": t.name,
                "value": t.value,
                "limit": t.limit,
                "unit": t.unit,
                "status": t.status,
                "why_missing": t.why_missing,
            }
            for t in tgts
        ],
    }


def print_table(
    cases: list[Case], tgts: list[Target], args: argparse.Namespace, work: Path
) -> None:
    by_key = {c.key: c for c in cases}
    width = max(len(c.label) for c in cases) + 2
    print(f"\n{'case':<{width}}{'median s':>10}{'min s':>10}{'max s':>10}{'runs':>6}")
    print("-" * (width + 36))
    for c in cases:
        stats = c.stats()
        if c.skipped:
            print(f"{c.label:<{width}}skipped: {c.skipped}")
        elif c.error:
            print(f"{c.label:<{width}}FAILED: {c.error}")
        elif stats:
            print(
                f"{c.label:<{width}}{stats['median']:>10.3f}{stats['min']:>10.3f}"
                f"{stats['max']:>10.3f}{len(c.times):>6}"
            )
            if len(c.parts) > 1:
                for i, part in enumerate(c.parts):
                    ts = [p[i] for p in c.part_times]
                    print(
                        f"{'  ' + part:<{width}}{statistics.median(ts):>10.3f}"
                        f"{min(ts):>10.3f}{max(ts):>10.3f}"
                    )
        for warning in c.warnings:
            print(f"{'':<{width}}warning: {warning}")

    print()
    for name, anchor, ours in (
        ("plant", "anchor-plant", "cold-plant"),
        (f"synthetic ({args.operations} ops)", "anchor-synthetic", "cold-synthetic"),
    ):
        r = ratio(by_key, anchor, ours)
        print(f"ratio anchor/waooaw {name}: {'n/a' if r is None else f'{r:.1f}x'}")

    print("\ntargets:")
    for t in tgts:
        if t.value is None:
            shown = t.why_missing or "no data"
        else:
            shown = f"{t.value:.3f} s" if t.unit == "s" else f"{t.value:.2f}x"
        print(f"  {t.status:<5} {t.name}  ({shown})")

    print("\ncommands (cwd = project root unless shown; TMP is a fresh temp dir per run):")
    for key, argvs in example_commands(cases, work).items():
        for argv in argvs:
            print(f"  {key:<17} {argv}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark `waooaw gen` against the anchor pair.")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first (1)")
    parser.add_argument("--skip-anchor", action="store_true", help="do not run the anchor pair")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--operations", type=int, default=300, help="synthetic operations (300)")
    parser.add_argument("--schemas", type=int, default=500, help="synthetic schemas (500)")
    parser.add_argument(
        "--waooaw", type=Path, default=WAOOAW, help="waooaw console script (.venv/bin/waooaw)"
    )
    parser.add_argument(
        "--plant", default=PLANT, help=f"Plant contract, relative to the project root ({PLANT})"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be >= 1 and --warmup >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="waooaw-bench-") as tmp:
        work = Path(tmp)
        scratch_root = work / "runs"
        scratch_root.mkdir()
        cases = build_cases(args, work)
        rounds = args.warmup + args.runs
        for i in range(rounds):
            record = i >= args.warmup
            tag = f"run {i - args.warmup + 1}/{args.runs}" if record else f"warm-up {i + 1}"
            print(f"{tag}: {', '.join(c.key for c in cases if c.active)}", file=sys.stderr)
            for case in cases:
                if case.active:
                    run_case(case, scratch_root, record=record)
        tgts = targets({c.key: c for c in cases}, args.operations)
        if args.json:
            print(json.dumps(as_json(cases, tgts, args, work), indent=2))
        else:
            print_table(cases, tgts, args, work)
    return 1 if any(t.status == "FAIL" for t in tgts) else 0


if __name__ == "__main__":
    sys.exit(main())
