"""Compare two `waooaw` executables on the same commands, interleaved: before/after figures
for one change, measured in one invocation on the same (possibly busy) machine.

    .venv/bin/python bench/ab.py --before /path/to/other/.venv/bin/waooaw [--runs 7]

``--before`` is typically the main branch's venv (an editable install of the code before
the change); ``--after`` defaults to this project's. Cases, each a whole process timed wall
clock, the two executables alternating (ABBA) within each round:

  gen-plant        waooaw gen contracts/plant.openapi.yaml --out TMP (all targets, cold)
  gen-synthetic    waooaw gen of the 300-operation contract (bench/make_synthetic.py)
  ts-synthetic     the same, --target typescript only
  lint-synthetic   waooaw lint SYNTHETIC --format json
  diff-synthetic   waooaw diff SYNTHETIC CHANGED --format json (bench/governance.py's pair)

Prints medians and after/before ratios (below 1: the change made it faster). Both
executables must accept the same command lines.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from governance import make_contracts  # noqa: E402  (a sibling script, not a package)


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=600, check=False)
    if done.returncode > 1:  # lint/diff answer 1 for findings
        raise RuntimeError(f"{' '.join(argv)}: exit {done.returncode}\n{done.stderr.decode()}")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--before", type=Path, required=True, help="waooaw before the change")
    parser.add_argument("--after", type=Path, default=ROOT / ".venv" / "bin" / "waooaw")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--operations", type=int, default=300)
    args = parser.parse_args(argv)
    exes = {"before": str(args.before.absolute()), "after": str(args.after.absolute())}
    counter = itertools.count()
    results: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="waooaw-ab-") as tmp:
        work = Path(tmp)
        base, changed = make_contracts(work, args.operations)
        plant = str(ROOT / "contracts" / "plant.openapi.yaml")

        def cases(exe: str) -> dict[str, list[str]]:
            n = next(counter)
            return {
                "gen-plant": [exe, "gen", plant, "--out", str(work / f"p{n}" / "plant")],
                "gen-synthetic": [exe, "gen", str(base), "--out", str(work / f"s{n}" / "syn")],
                "ts-synthetic": [
                    *(exe, "gen", str(base), "--out", str(work / f"t{n}" / "syn")),
                    *("--target", "typescript"),
                ],
                "lint-synthetic": [exe, "lint", str(base), "--format", "json"],
                "diff-synthetic": [exe, "diff", str(base), str(changed), "--format", "json"],
            }

        for run in range(args.runs + 1):  # the first round warms caches, unrecorded
            order = ["before", "after"] if run % 2 else ["after", "before"]
            for case in cases(exes["after"]):
                for side in (*order, *reversed(order)):
                    seconds = timed(cases(exes[side])[case])
                    if run:
                        results.setdefault((case, side), []).append(seconds)
    load = os.getloadavg()[0]
    print(
        f"{args.runs} rounds x 2 runs per side, ABBA; load average {load:.1f}, {os.cpu_count()} CPUs"
    )
    print(f"before: {exes['before']}\nafter:  {exes['after']}")
    print(f"{'case':<16}{'before s':>10}{'after s':>10}{'after/before':>14}")
    for case in ("gen-plant", "gen-synthetic", "ts-synthetic", "lint-synthetic", "diff-synthetic"):
        b = statistics.median(results[(case, "before")])
        a = statistics.median(results[(case, "after")])
        print(f"{case:<16}{b:>10.3f}{a:>10.3f}{a / b:>14.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
