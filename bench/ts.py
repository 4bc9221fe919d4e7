"""TypeScript generation: `waooaw gen --target typescript` vs `openapi-typescript`, same contract.

    .venv/bin/python bench/ts.py [--runs 7]

Both are timed as whole commands (process start to exit), interleaved, on the Plant
contract and on the synthetic 300-operation contract (bench/make_synthetic.py);
openapi-typescript (typescript/node_modules, `npm ci` there) reads the bundled
contract waooaw serves, so both see the same document. Target: waooaw ≥ 3x faster.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WAOOAW = ROOT / ".venv" / "bin" / "waooaw"
OPENAPI_TS = ROOT / "typescript" / "node_modules" / ".bin" / "openapi-typescript"
TARGET_SPEEDUP = 3.0


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not OPENAPI_TS.exists():
        print("openapi-typescript is missing: run `npm ci` in typescript/", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="waooaw-bench-ts-") as tmp:
        scratch = Path(tmp)
        synthetic = scratch / "synthetic.openapi.yaml"
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "make_synthetic.py"), str(synthetic)], check=True
        )
        contracts = {"plant": ROOT / "contracts" / "plant.openapi.yaml", "synthetic-300": synthetic}
        bundled: dict[str, Path] = {}
        for name, spec in contracts.items():
            out = scratch / f"bundle-{name}"
            subprocess.run(
                [str(WAOOAW), "gen", str(spec), "--out", str(out)],
                check=True,
                capture_output=True,
            )
            bundled[name] = out / "openapi.json"
        results: dict[tuple[str, str], list[float]] = {}
        for run in range(args.runs):
            for name, spec in contracts.items():
                out = scratch / f"w-{name}-{run}"
                results.setdefault((name, "waooaw"), []).append(
                    timed([str(WAOOAW), "gen", str(spec), "--out", str(out), "-t", "typescript"])
                )
                results.setdefault((name, "openapi-typescript"), []).append(
                    timed(
                        [
                            str(OPENAPI_TS),
                            str(bundled[name]),
                            "-o",
                            str(scratch / f"o-{name}-{run}.ts"),
                        ]
                    )
                )
    failed = False
    print(f"{'contract':<15}{'tool':<20}{'median s':>10}{'min':>8}{'max':>8}")
    for name in contracts:
        for tool in ("waooaw", "openapi-typescript"):
            values = results[(name, tool)]
            print(
                f"{name:<15}{tool:<20}{statistics.median(values):>10.3f}{min(values):>8.3f}{max(values):>8.3f}"
            )
        ratio = statistics.median(results[(name, "openapi-typescript")]) / statistics.median(
            results[(name, "waooaw")]
        )
        verdict = "PASS" if ratio >= TARGET_SPEEDUP else "FAIL"
        failed |= verdict == "FAIL"
        print(
            f"{name:<15}{'speed-up':<20}{ratio:>9.1f}x  target >= {TARGET_SPEEDUP:.0f}x  {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
