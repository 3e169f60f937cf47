"""Job-shop benchmark: `jejo plan jssp` against best-known values and a plain CP-SAT baseline.

For every instance the script runs the real command line (``jejo plan jssp FILE --time-limit T
--workers W --json``, start-up included), verifies the returned schedule independently, then runs the
baseline — a plain CP-SAT model (interval variables + no-overlap, no hints, no search strategy) — with
the same limit and workers, in the same run. It prints one line per instance and a per-family summary
(mean gap to the best-known upper bound, instances at it / within 1 %, where the baseline misses the
best-known value) and can append its rows to a JSON-lines file so that a run split by family can be
summarised at the end with ``--summarise FILE``.

Examples::

    python bench/jssp.py --families ft,la,orb --time-limit 30 --workers 2 --out bench-jssp.jsonl
    python bench/jssp.py --instances ta01,ta02 --time-limit 30 --out bench-jssp.jsonl
    python bench/jssp.py --families mk --time-limit 30
    python bench/jssp.py --summarise bench-jssp.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ("ft", "la", "abz", "orb", "ta", "mk")


def data_dir() -> Path:
    env = os.environ.get("JEJO_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def family(name: str) -> str:
    match = re.match(r"[a-z]+", name)
    return match.group(0) if match else name


def catalogue(data: Path) -> dict[str, tuple[Path, str, int, int]]:
    """name -> (file, format, best-known upper bound, lower bound)."""
    out: dict[str, tuple[Path, str, int, int]] = {}
    for row in json.loads((data / "jssp" / "bks.json").read_text()):
        out[row["name"]] = (data / "jssp" / "instances" / row["name"], "jssp", row["ub"], row["lb"])
    for row in json.loads((data / "jssp" / "fjsp" / "bks.json").read_text()):
        path = data / "jssp" / "fjsp" / "brandimarte" / f"{row['instance']}.fjs"
        if path.exists():
            out[row["instance"]] = (path, "fjsp", row["ub"], row["lb"])
    return out


def run_jejo(path: Path, fmt: str, limit: float, workers: int, seed: int) -> tuple[dict[str, Any], float]:
    cmd = [
        sys.executable,
        "-m",
        "jejo.cli",
        "plan",
        "jssp",
        str(path),
        "--time-limit",
        f"{limit:g}",
        "--workers",
        str(workers),
        "--seed",
        str(seed),
        "--format",
        fmt,
        "--json",
    ]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit * 3 + 60, check=False)
    wall = time.monotonic() - t0
    if proc.returncode:
        raise RuntimeError(f"jejo failed ({proc.returncode}): {proc.stderr[-500:]}")
    return json.loads(proc.stdout), wall


def bench_one(name: str, entry: tuple[Path, str, int, int], args: argparse.Namespace) -> dict[str, Any]:
    from jejo.planning.cpsat import plain_model
    from jejo.planning.jobshop import Schedule
    from jejo.planning.parsers import read_instance
    from jejo.planning.verify import check_schedule

    path, fmt, ub, lb = entry
    instance = read_instance(path, fmt)
    out, wall = run_jejo(path, fmt, args.time_limit, args.workers, args.seed)
    machines = (
        [[m - 1 for m in row] for row in out["machines"]]
        if fmt == "fjsp"
        else [[op.alternatives[0][0] for op in job.operations] for job in instance.jobs]
    )
    sched = Schedule.from_starts(instance, out["starts"], machines)
    if sched.makespan != out["makespan"]:
        raise AssertionError(
            f"{name}: reported makespan {out['makespan']}, schedule ends at {sched.makespan}"
        )
    check_schedule(instance, sched)
    row: dict[str, Any] = {
        "name": name,
        "family": family(name),
        "bks": ub,
        "lb": lb,
        "jejo": sched.makespan,
        "wall_s": round(wall, 2),
        "gap": 100.0 * (sched.makespan - ub) / ub,
        "limit_s": args.time_limit,
        "workers": args.workers,
        "load1": round(os.getloadavg()[0], 1),  # other work on the machine slows both solvers
    }
    if not args.no_baseline:
        t0 = time.monotonic()
        base = plain_model(instance, args.time_limit, args.workers)
        row["baseline"] = base.makespan if base else None
        row["baseline_s"] = round(time.monotonic() - t0, 2)
        row["baseline_gap"] = 100.0 * (base.makespan - ub) / ub if base else None
    return row


def summarise(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| family | n | mean gap jejo | mean gap plain CP-SAT | jejo at BKS | jejo ≤ 1 % | plain at BKS "
        "| plain misses BKS: jejo better / equal / worse |",
        "|---|---|---|---|---|---|---|---|",
    ]
    fams = sorted({r["family"] for r in rows}, key=lambda f: FAMILIES.index(f) if f in FAMILIES else 99)
    for fam in [*fams, "all"]:
        rs = [r for r in rows if fam in ("all", r["family"])]
        has_base = [r for r in rs if r.get("baseline") is not None]
        base_gap = f"{statistics.mean(r['baseline_gap'] for r in has_base):.2f} %" if has_base else "–"
        missed = [r for r in has_base if r["baseline"] > r["bks"]]
        better = sum(r["jejo"] < r["baseline"] for r in missed)
        equal = sum(r["jejo"] == r["baseline"] for r in missed)
        worse = sum(r["jejo"] > r["baseline"] for r in missed)
        lines.append(
            f"| {fam} | {len(rs)} | {statistics.mean(r['gap'] for r in rs):.2f} % | {base_gap} "
            f"| {sum(r['jejo'] <= r['bks'] for r in rs)} | {sum(r['gap'] <= 1.0 for r in rs)} "
            f"| {sum(r['baseline'] <= r['bks'] for r in has_base) if has_base else '–'} "
            f"| {better} / {equal} / {worse} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--families", default="ft,la,abz,orb,ta", help=f"comma-separated, of {','.join(FAMILIES)}"
    )
    parser.add_argument(
        "--instances", default="", help="comma-separated instance names (overrides --families)"
    )
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain CP-SAT baseline")
    parser.add_argument("--out", type=Path, help="append one JSON line per instance to this file")
    parser.add_argument("--summarise", type=Path, help="only print the summary table of a JSON-lines file")
    args = parser.parse_args()
    if args.summarise:
        rows = [json.loads(line) for line in args.summarise.read_text().splitlines() if line.strip()]
        print(summarise(rows))
        return
    cat = catalogue(data_dir())
    if args.instances:
        names = args.instances.split(",")
    else:
        fams = set(args.families.split(","))
        names = sorted(
            (n for n in cat if family(n) in fams),
            key=lambda n: (FAMILIES.index(family(n)), int(re.sub(r"\D", "", n) or 0)),
        )
    print(
        f"# {len(names)} instances, {args.time_limit:g} s, {args.workers} workers, seed {args.seed}, "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )
    # an installed jejo has its search kernel compiled (scripts/setup.sh does it); make sure here, so
    # that the first instance is not charged the one-off compilation
    warm = [sys.executable, "-c", "from jejo.planning.tabu import warm_up; print(round(warm_up(), 1))"]
    ready = subprocess.run(warm, capture_output=True, text=True, check=True).stdout.strip()
    print(f"# search kernel ready in {ready} s", flush=True)
    rows = []
    for name in names:
        row = bench_one(name, cat[name], args)
        rows.append(row)
        base = f"  plain {row['baseline']} ({row['baseline_gap']:.2f} %)" if row.get("baseline") else ""
        print(
            f"{name}: jejo {row['jejo']} ({row['gap']:.2f} %, {row['wall_s']:.1f} s){base}  BKS {row['bks']}",
            flush=True,
        )
        if args.out:
            with args.out.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
    print(summarise(rows))


if __name__ == "__main__":
    main()
