"""Panel-cutting benchmark on the classic 2BP classes, with rectpack as the baseline in the same run.

For each chosen instance: jejo's solver (``jejo.furniture.cutting.solve``) at a time limit, every
placement verified, bins compared with the best-known value (``bks_2bp_R_F_best`` free with rotation,
``bks_2bp_O_F_best`` free oriented, ``bks_3stage_nonexact_R`` / ``_O`` with ``--guillotine``), and
rectpack (best of all its algorithms and sort orders, offline, global best-fit bins) on the same instance.

Example (the data live in ../shared/data/cutting/2bp relative to the repository root)::

    python bench/cutting.py --classes 1,7 --instances 1-10 --time-limit 10 [--guillotine] [--jobs 2]

``--workers N`` gives each solve N threads (the one-sheet-fewer step's walks; default 1).

Prints one line per instance and a summary per class and overall; ``--out FILE`` writes JSON rows.
``--roadef 1-20 --time-limit 180`` runs the ROADEF/EURO 2018 set A instead (waste vs the best known,
every solution file checked against the challenge rules); ``--roadef-baseline`` adds the greedy strip
heuristic (the former solver) at the same limit in the same run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from jejo.furniture.cutting import SolveOptions, solve
from jejo.furniture.cutting.parsers import read_2bp
from jejo.furniture.cutting.verify import check_solution

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JEJO_SHARED_DATA", ROOT.parent / "shared" / "data"))
DATA = SHARED / "cutting" / "2bp"
ROADEF = SHARED / "cutting" / "roadef2018"


def rectpack_bins(inst: Any, rotate: bool, guillotine: bool) -> int:
    """Fewest bins over rectpack's algorithms and sort orders (guillotine algorithms only if asked).

    12 guillotine rules, 4 MaxRects and 3 Skyline rules (the slowest Skyline variants left out) times 4
    sort orders, offline, global best-fit bins."""
    import rectpack

    algos = [
        getattr(rectpack, f"Guillotine{f}{s}")
        for f in ("Bssf", "Baf", "Blsf")
        for s in ("Sas", "Slas", "Minas", "Maxas")
    ]
    if not guillotine:
        algos += [
            rectpack.MaxRectsBssf,
            rectpack.MaxRectsBaf,
            rectpack.MaxRectsBl,
            rectpack.MaxRectsBlsf,
            rectpack.SkylineBl,
            rectpack.SkylineBlWm,
            rectpack.SkylineMwf,
        ]
    sorts = [rectpack.SORT_AREA, rectpack.SORT_PERI, rectpack.SORT_LSIDE, rectpack.SORT_SSIDE]
    best = 1 << 30
    for algo in algos:
        for srt in sorts:
            pk = rectpack.newPacker(
                mode=rectpack.PackingMode.Offline,
                bin_algo=rectpack.PackingBin.Global,
                pack_algo=algo,
                sort_algo=srt,
                rotation=rotate,
            )
            for k, it in enumerate(inst.items):
                pk.add_rect(it.w, it.h, rid=k)
            pk.add_bin(inst.W, inst.H, count=float("inf"))
            pk.pack()
            if len(pk.rect_list()) == len(inst.items):
                best = min(best, len(pk))
    return best


def run_one(args: tuple[int, int, float, bool, bool, int, int]) -> dict[str, Any]:
    cls, ab, limit, guillotine, rotate, seed, workers = args
    inst = read_2bp(DATA / f"Class_{cls:02d}.2bp", ab, rotate=rotate)
    t0 = time.perf_counter()
    options = SolveOptions(guillotine=guillotine, time_limit=limit, seed=seed, workers=workers)
    sol = solve(inst, options)
    secs = time.perf_counter() - t0
    errors = check_solution(inst, sol, rotate=rotate, guillotine=guillotine)
    t1 = time.perf_counter()
    rp = rectpack_bins(inst, rotate, guillotine)
    return {
        "cls": cls,
        "abs": ab,
        "n": len(inst.items),
        "bins": sol.bins,
        "lb": sol.lower_bound,
        "seconds": round(secs, 2),
        "valid": not errors,
        "errors": errors[:3],
        "rectpack": rp,
        "rectpack_seconds": round(time.perf_counter() - t1, 2),
    }


def run_roadef(args: tuple[str, float, int, str]) -> dict[str, Any]:
    """Solve one ROADEF 2018 instance (``method`` beam or strips), write and check the solution file."""
    import tempfile

    from jejo.furniture.cutting.roadef import read_instance, solve_roadef, write_solution
    from jejo.furniture.cutting.roadef_check import check_roadef

    name, limit, seed, method = args
    batch = ROADEF / "instances" / f"{name}_batch.csv"
    inst = read_instance(batch)
    t0 = time.perf_counter()
    lay = solve_roadef(inst, limit, seed, method)
    secs = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}_solution.csv"
        write_solution(inst, lay, out)
        errors, waste = check_roadef(batch, out)
    return {
        "instance": name,
        "waste": waste,
        "plates": len(lay.plates),
        "valid": not errors,
        "errors": errors[:3],
        "seconds": round(secs, 1),
    }


def roadef_main(a: argparse.Namespace) -> None:
    with open(ROADEF / "best_waste.csv") as fh:
        bks = {r["instance"]: int(r["waste_bks_packingsolver_2025"]) for r in csv.DictReader(fh)}
    names = [n if n.startswith("A") else f"A{n}" for n in a.roadef.split(",")]
    methods = ["beam", "strips"] if a.roadef_baseline else ["beam"]
    tot = {m: 0 for m in methods}
    tot_b = 0
    tasks = [(n, a.time_limit, a.seed, m) for n in names for m in methods]
    with ProcessPoolExecutor(max_workers=a.jobs) as ex:
        rows = ex.map(run_roadef, tasks)
        for n in names:
            got = {m: next(rows) for m in methods}
            b = bks[n]
            tot_b += b
            parts = []
            for m, row in got.items():
                tot[m] += row["waste"]
                flag = "" if row["valid"] else f" INVALID {row['errors']}"
                parts.append(
                    f"{m} {row['waste']:>10} ({row['waste'] / b:6.3f} x, {row['plates']:>2} plates,"
                    f" {row['seconds']:5.1f}s){flag}"
                )
            print(f"{n:>4} bks {b:>10} | " + " | ".join(parts), flush=True)
    for m in methods:
        print(
            f"ROADEF 2018 {m}: total waste {tot[m]} vs best-known {tot_b}: {tot[m] / tot_b:.3f} x"
            f" (time limit {a.time_limit}s)"
        )


def parse_range(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--classes", default="1,2,3,4,5,7,8", help="class numbers, e.g. 1,7")
    ap.add_argument(
        "--instances",
        default="1-50",
        help="relative instance numbers 1-50 inside each class (10 per n in 20,40,..,100)",
    )
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--guillotine", action="store_true")
    ap.add_argument("--no-rotate", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1, help="instances solved in parallel")
    ap.add_argument("--workers", type=int, default=1, help="threads per solve (one-sheet-fewer walks)")
    ap.add_argument("--out", type=Path, help="write the per-instance rows as JSON")
    ap.add_argument(
        "--roadef-baseline",
        action="store_true",
        help="ROADEF: also run the greedy strip heuristic (the former solver) at the same limit",
    )
    ap.add_argument("--roadef", help="ROADEF 2018 set A instead: instance names, e.g. A1,A2 (or 1-20)")
    a = ap.parse_args()
    if a.roadef:
        if "-" in a.roadef and not a.roadef.startswith("A"):
            a.roadef = ",".join(str(k) for k in parse_range(a.roadef))
        roadef_main(a)
        return
    if not DATA.exists():
        sys.exit(f"no data at {DATA} (set JEJO_SHARED_DATA)")
    rotate = not a.no_rotate
    col = ("bks_3stage_nonexact_" if a.guillotine else "bks_2bp_") + ("R" if rotate else "O")
    col += "" if a.guillotine else "_F_best"
    with open(DATA / "bks.csv") as fh:
        bks = {(int(r["cls"]), int(r["abs"])): int(r[col]) for r in csv.DictReader(fh)}
    tasks = [
        (c, (c - 1) * 50 + rel, a.time_limit, a.guillotine, rotate, a.seed, a.workers)
        for c in parse_range(a.classes)
        for rel in parse_range(a.instances)
    ]
    rows: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=a.jobs) as ex:
        for row in ex.map(run_one, tasks):
            row["bks"] = bks[(row["cls"], row["abs"])]
            rows.append(row)
            flag = "" if row["valid"] else f" INVALID {row['errors']}"
            print(
                f"Class_{row['cls']:02d}:{row['abs']:<4} n={row['n']:<4} jejo {row['bins']:>3}"
                f"  bks {row['bks']:>3}"
                f"  lb {row['lb']:>3}  rectpack {row['rectpack']:>3}  {row['seconds']:6.2f}s{flag}",
                flush=True,
            )
    print(
        f"\nmode: {'guillotine' if a.guillotine else 'free'}, rotation: {rotate}, best-known column: {col}, "
        f"time limit {a.time_limit}s"
    )
    print("class  inst  jejo  bks   ratio  rectpack  at_bks  rp_misses(jejo/rp)  mean_s  max_s")
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(f"{r['cls']:02d}", []).append(r)
    groups["all"] = rows
    for name, rs in groups.items():
        j = sum(r["bins"] for r in rs)
        b = sum(r["bks"] for r in rs)
        rp = sum(r["rectpack"] for r in rs)
        miss = [r for r in rs if r["rectpack"] > r["bks"]]
        at = sum(r["bins"] <= r["bks"] for r in rs)
        print(
            f"{name:>5} {len(rs):>5} {j:>5} {b:>4} {j / b:7.4f} {rp:>9} {at:>5}/{len(rs):<3}"
            f" {sum(r['bins'] for r in miss):>8}/{sum(r['rectpack'] for r in miss):<8}"
            f" {sum(r['seconds'] for r in rs) / len(rs):7.2f} {max(r['seconds'] for r in rs):6.2f}"
        )
    worse = [r for r in rows if r["bins"] > r["rectpack"]]
    print(
        f"instances with more bins than rectpack: {len(worse)}; invalid: {sum(not r['valid'] for r in rows)}"
    )
    if a.out:
        a.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
