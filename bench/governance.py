"""Benchmark `waooaw lint` and `waooaw diff` on the synthetic ~300-operation contract.

Run with the project's venv:

    .venv/bin/python bench/governance.py [--runs 7] [--operations 300] [--json]

Cases, timed as wall time of whole `waooaw` processes, interleaved round by round so that
machine noise hits each alike:

  floor           python -c "import yaml; yaml.load(contract, CSafeLoader)" in the same venv:
                  the interpreter start plus the cheapest possible parse of the contract, the
                  baseline the other figures are compared with
  lint-synthetic  waooaw lint SYNTHETIC --format json
  diff-synthetic  waooaw diff SYNTHETIC SYNTHETIC_CHANGED --format json, where the changed
                  version removes operations, adds a required property, narrows an enum,
                  changes a type and deprecates an operation with x-sunset (breaking: exit 1)
  lint-plant      waooaw lint contracts/plant.openapi.yaml (for scale)

lint and diff exit 1 when they find errors or breaking changes; that is their answer, not a
failure of the benchmark; exit 2 or more is. Target: median ≤ 2 s for lint and diff on the
synthetic contract. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
TARGET_S = 2.0


def make_contracts(folder: Path, operations: int) -> tuple[Path, Path]:
    base = folder / "synthetic.yaml"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "make_synthetic.py"),
            "--operations",
            str(operations),
            str(base),
        ],
        check=True,
        capture_output=True,
    )
    doc: dict[str, Any] = yaml.safe_load(base.read_text(encoding="utf-8"))
    changed = copy.deepcopy(doc)
    paths = changed["paths"]
    # removed operations (breaking)
    for path in list(paths)[:3]:
        del paths[path]
    # a deprecated operation with a sunset date
    first = next(iter(paths.values()))
    method = next(m for m in first if m in ("get", "post", "put", "delete"))
    first[method]["deprecated"] = True
    first[method]["x-sunset"] = "2027-06-30"
    schemas = changed["components"]["schemas"]
    touched = 0
    for schema in schemas.values():
        props = schema.get("properties") if isinstance(schema, dict) else None
        if not props:
            continue
        prop = next(iter(props.values()))
        if touched == 0:  # a new required request/response property
            props["added_field"] = {"type": "string", "maxLength": 20}
            schema.setdefault("required", []).append("added_field")
        elif touched == 1 and isinstance(prop, dict) and "type" in prop:  # a type change
            prop["type"] = "boolean" if prop.get("type") != "boolean" else "string"
            prop.pop("format", None)
        elif (
            isinstance(prop, dict) and isinstance(prop.get("enum"), list) and len(prop["enum"]) > 1
        ):
            prop["enum"] = prop["enum"][:-1]  # narrowed
        touched += 1
        if touched > 40:
            break
    head = folder / "synthetic-changed.yaml"
    head.write_text(yaml.safe_dump(changed, sort_keys=False), encoding="utf-8")
    return base, head


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--operations", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--waooaw", type=Path, default=VENV_BIN / "waooaw", help="waooaw console script to time"
    )
    args = parser.parse_args(argv)
    waooaw = str(args.waooaw.absolute())
    python = str(VENV_BIN / "python")
    with tempfile.TemporaryDirectory(prefix="waooaw-bench-gov-") as tmp:
        base, head = make_contracts(Path(tmp), args.operations)
        floor_code = (
            "import sys, yaml; yaml.load(open(sys.argv[1], encoding='utf-8'),"
            " Loader=yaml.CSafeLoader)"
        )
        cases = {
            "floor": [python, "-c", floor_code, str(base)],
            "lint-synthetic": [waooaw, "lint", str(base), "--format", "json"],
            "diff-synthetic": [waooaw, "diff", str(base), str(head), "--format", "json"],
            "lint-plant": [waooaw, "lint", "contracts/plant.openapi.yaml"],
        }
        ops = sum(
            1
            for item in yaml.safe_load(base.read_text(encoding="utf-8"))["paths"].values()
            for m in item
            if m in ("get", "post", "put", "patch", "delete")
        )
        times: dict[str, list[float]] = {k: [] for k in cases}
        for command in cases.values():  # warm-up round, untimed
            timed(command)
        for i in range(args.runs):
            print(f"run {i + 1}/{args.runs}", file=sys.stderr)
            for name, command in cases.items():
                times[name].append(timed(command))
    medians = {k: statistics.median(v) for k, v in times.items()}
    floor = medians["floor"]
    verdict = {
        k: ("PASS" if medians[k] <= TARGET_S else "FAIL")
        for k in ("lint-synthetic", "diff-synthetic")
    }
    if args.json:
        print(
            json.dumps(
                {
                    "operations": ops,
                    "runs": args.runs,
                    "median_s": medians,
                    "min_s": {k: min(v) for k, v in times.items()},
                    "max_s": {k: max(v) for k, v in times.items()},
                    "ratio_to_floor": {k: v / floor for k, v in medians.items()},
                    "targets": verdict,
                },
                indent=2,
            )
        )
    else:
        print(f"synthetic contract: {ops} operations; {args.runs} timed runs per case\n")
        print(f"{'case':<16}{'median s':>10}{'min s':>9}{'max s':>9}{'x floor':>9}")
        for name, values in times.items():
            print(
                f"{name:<16}{medians[name]:>10.3f}{min(values):>9.3f}{max(values):>9.3f}"
                f"{medians[name] / floor:>9.1f}"
            )
        print()
        for name, status in verdict.items():
            print(f"  {status}  {name} median ≤ {TARGET_S:.1f} s ({medians[name]:.3f} s)")
    return 0 if all(v == "PASS" for v in verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
