"""KPI benchmark: OEE for many machines over a month of 1-second state data and 1M production events,
beside a plain SQL aggregate of the same data, and the month-long dashboard query for one line from
the hourly rollups.

    uv run python bench/kpi.py [--machines 100] [--days 30] [--events 1000000]
                               [--raw-machines 10] [--raw-days 3] [--line 10] [--out FILE.json]

Steps (each timed; peak resident memory after each step):
1. 1-second states: a synthetic state series per machine (running / idle / micro-stop / down / setup,
   semi-Markov durations), expanded to one sample per second and run-length encoded back to intervals
   (what the machine-state derivation stores as events).
2. OEE with ``jejo.kpi.timeelements`` / ``iso22400`` for every machine over the month (two shifts,
   Korean holidays honoured) — beside the same planned-time overlap as one SQL query (SQLite, in memory).
3. The 1-second samples themselves in SQL (COUNT per state inside the shifts) for a subset of machines
   and days (--raw-machines × --raw-days), beside the Python path on the same subset.
4. 1M ``quantity.reported``-shaped events (JSON payload, as in the ``events`` table): counts per machine
   in Python vs ``SUM(json_extract(...))`` in SQL.
5. Hourly rollups (``jejo.kpi.rollup``) into a table, and the dashboard query: one line (--line machines)
   over the whole month, read from the rollup table and turned into OEE (median of 20 runs).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

import numpy as np

from jejo.kpi import iso22400
from jejo.kpi.iso22400 import ProductionCounts
from jejo.kpi.rollup import hourly_elements
from jejo.kpi.sources import QuantityRow, counts_by_equipment
from jejo.kpi.timeelements import (
    Period,
    PlannedWindow,
    RawElements,
    ReasonInfo,
    StateInterval,
    TimeElements,
    finish,
    time_elements,
)
from jejo.masterdata.calendar import ShiftDef, shift_instances

STATES = ["off", "idle", "running", "down", "setup"]  # codes 0..4
EPOCH = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(hours=9)  # local midnight, Asia/Seoul


def rss() -> float:
    """Peak resident memory of the process so far, MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed(fn: Callable[[], Any]) -> tuple[Any, float, None]:
    """(result, seconds, None)."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, None


def machine_seconds(rng: np.random.Generator, seconds: int) -> np.ndarray:
    """One machine's state, one sample per second (int8 codes), from semi-Markov run lengths."""
    means = {2: 1500, 1: 420, 3: 1200, 4: 1200}
    runs: list[int] = []
    codes: list[int] = []
    total = 0
    state = 2
    while total < seconds:
        if state == 1 and rng.random() < 0.5:
            d = int(rng.integers(10, 100))  # micro-stop
        else:
            d = max(1, int(rng.exponential(means[state])))
        runs.append(d)
        codes.append(state)
        total += d
        r = rng.random()
        state = 2 if state != 2 else (1 if r < 0.8 else 3 if r < 0.9 else 4)
    return np.repeat(np.array(codes, dtype=np.int8), runs)[:seconds]


def rle(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run-length encode per-second samples: (start second, end second, code)."""
    change = np.flatnonzero(np.diff(samples)) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(samples)]))
    return starts, ends, samples[starts]


def to_intervals(starts: np.ndarray, ends: np.ndarray, codes: np.ndarray) -> list[StateInterval]:
    base = EPOCH
    return [
        StateInterval(base + timedelta(seconds=int(s)), base + timedelta(seconds=int(e)), STATES[int(c)])
        for s, e, c in zip(starts, ends, codes, strict=True)
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--machines", type=int, default=100)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--raw-machines", type=int, default=10)
    ap.add_argument("--raw-days", type=int, default=3)
    ap.add_argument("--line", type=int, default=10)
    ap.add_argument("--out")
    a = ap.parse_args()
    rng = np.random.default_rng(20261126)
    seconds = a.days * 86400
    period = Period(EPOCH, EPOCH + timedelta(days=a.days))
    shifts = [ShiftDef("DAY", dtime(8), dtime(20), 60), ShiftDef("NIGHT", dtime(20), dtime(8), 60)]
    first = date(2026, 11, 1)
    inst = shift_instances(shifts, first - timedelta(days=1), first + timedelta(days=a.days))
    windows = [PlannedWindow(i.start, i.end, 60.0 * i.break_minutes, i.shift) for i in inst]
    reasons: dict[str, ReasonInfo] = {}
    res: dict[str, Any] = {
        "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
        "machines": a.machines,
        "days": a.days,
        "samples": a.machines * seconds,
    }

    # 1 + 2: per-second states -> intervals -> time elements, machine by machine
    t_rle = t_iv = t_te = 0.0
    all_iv: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    te_py: dict[int, TimeElements] = {}
    intervals_py: dict[int, list[StateInterval]] = {}
    n_iv = 0
    for m in range(a.machines):
        samples = machine_seconds(rng, seconds)
        t0 = time.perf_counter()
        s, e, c = rle(samples)
        t1 = time.perf_counter()
        ivs = to_intervals(s, e, c)
        t2 = time.perf_counter()
        te_py[m] = time_elements(ivs, windows, period, reasons)
        t3 = time.perf_counter()
        t_rle, t_iv, t_te = t_rle + t1 - t0, t_iv + t2 - t1, t_te + t3 - t2
        all_iv[m] = (s, e, c)
        intervals_py[m] = ivs
        n_iv += len(s)
        del samples
    res["intervals"] = n_iv
    res["python"] = {
        "rle_s": round(t_rle, 3),
        "build_intervals_s": round(t_iv, 3),
        "time_elements_s": round(t_te, 3),
        "rss_mib_after": rss(),
    }
    total_te = TimeElements()
    for te in te_py.values():
        total_te = total_te + te
    res["site_availability"] = round(iso22400.availability(total_te) or 0.0, 4)

    # 2b: the same overlap in SQL (intervals x windows)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE iv (eq INTEGER, s INTEGER, e INTEGER, state INTEGER)")
    db.execute("CREATE TABLE win (s INTEGER, e INTEGER)")
    ep = EPOCH.timestamp()
    db.executemany(
        "INSERT INTO win VALUES (?, ?)",
        [(int(w.start.timestamp() - ep), int(w.end.timestamp() - ep)) for w in windows],
    )
    for m, (s, e, c) in all_iv.items():
        db.executemany(
            "INSERT INTO iv VALUES (?, ?, ?, ?)",
            zip([m] * len(s), s.tolist(), e.tolist(), c.tolist(), strict=True),
        )
    db.execute("CREATE INDEX ix_iv ON iv (eq, s)")
    sql = (
        "SELECT iv.eq, iv.state, SUM(MIN(iv.e, win.e) - MAX(iv.s, win.s)) FROM iv JOIN win "
        "ON iv.s < win.e AND iv.e > win.s GROUP BY iv.eq, iv.state"
    )
    rows, t_sql, _ = timed(lambda: db.execute(sql).fetchall())
    in_win = {(eq, st): v for eq, st, v in rows}
    totals = {
        (eq, st): v for eq, st, v in db.execute("SELECT eq, state, SUM(e - s) FROM iv GROUP BY eq, state")
    }
    pot_windows = sum(
        max(0.0, (min(w.end, period.end) - max(w.start, period.start)).total_seconds()) for w in windows
    )
    res["sql_intervals"] = {"query_s": round(t_sql, 3)}
    # all running time counts as APT (outside the shifts as overtime, which is added to POT)
    res["apt_equal_python_sql"] = all(abs(totals.get((m, 2), 0) - te_py[m].apt) < 1e-6 for m in te_py)
    res["overtime_equal_python_sql"] = all(
        abs(sum(totals.get((m, k), 0) - in_win.get((m, k), 0) for k in (2, 4)) - te_py[m].overtime) < 1e-6
        and abs(te_py[m].pot - te_py[m].overtime - pot_windows) < 1e-6
        for m in te_py
    )

    # 3: raw 1-second samples in SQL on a subset, beside Python on the same subset
    rm, rd = min(a.raw_machines, a.machines), min(a.raw_days, a.days)
    raw_secs = rd * 86400
    db.execute("CREATE TABLE samples (eq INTEGER, ts INTEGER, state INTEGER)")
    sub_rng = np.random.default_rng(7)
    raw = {m: machine_seconds(sub_rng, raw_secs) for m in range(rm)}
    for m, arr in raw.items():
        db.executemany(
            "INSERT INTO samples VALUES (?, ?, ?)",
            zip([m] * raw_secs, range(raw_secs), arr.tolist(), strict=True),
        )
    sql_raw = (
        "SELECT s.eq, s.state, COUNT(*) FROM samples s JOIN win ON s.ts >= win.s AND s.ts < win.e "
        "GROUP BY s.eq, s.state"
    )
    _, t_raw_sql, _ = timed(lambda: db.execute(sql_raw).fetchall())
    sub_period = Period(EPOCH, EPOCH + timedelta(days=rd))

    def py_raw() -> dict[int, TimeElements]:
        return {
            m: time_elements(to_intervals(*rle(arr)), windows, sub_period, reasons) for m, arr in raw.items()
        }

    _, t_raw_py, _ = timed(py_raw)
    res["raw_subset"] = {
        "machines": rm,
        "days": rd,
        "samples": rm * raw_secs,
        "sql_count_s": round(t_raw_sql, 3),
        "python_rle_te_s": round(t_raw_py, 3),
        "rss_mib_after": rss(),
    }

    # 4: 1M quantity events, JSON payloads
    n = a.events
    eqs = rng.integers(0, a.machines, n)
    ts = np.sort(rng.integers(0, seconds, n))
    good = rng.integers(1, 5, n)
    scrap = (rng.random(n) < 0.03).astype(int)
    db.execute(
        "CREATE TABLE events (company_id INTEGER, type TEXT, occurred_at TEXT, equipment_code TEXT, "
        "payload TEXT)"
    )
    db.executemany(
        "INSERT INTO events VALUES (1, 'quantity.reported', ?, ?, ?)",
        (
            (
                (EPOCH + timedelta(seconds=int(t))).isoformat(),
                f"M{int(q):03d}",
                json.dumps({"seq": 10, "good": int(g), "scrap": int(sc)}),
            )
            for t, q, g, sc in zip(ts, eqs, good, scrap, strict=True)
        ),
    )
    db.execute("CREATE INDEX ix_ev ON events (company_id, occurred_at)")
    q_sql = (
        "SELECT equipment_code, SUM(json_extract(payload, '$.good')), SUM(json_extract(payload, '$.scrap')) "
        "FROM events WHERE company_id = 1 AND type = 'quantity.reported' GROUP BY equipment_code"
    )
    sql_counts, t_ev_sql, _ = timed(lambda: db.execute(q_sql).fetchall())

    def py_counts() -> dict[str, ProductionCounts]:
        """What sources.quantity_rows + counts_by_equipment do: load, parse the JSON, add up per machine."""
        rows_ = [
            QuantityRow(
                str(i), EPOCH, eq, "WO", 10, float(p["good"]), float(p["scrap"]), 0.0, None, 60.0, 0.0, True
            )
            for i, (eq, p) in enumerate(
                (eq, json.loads(payload))
                for eq, payload in db.execute(
                    "SELECT equipment_code, payload FROM events "
                    "WHERE company_id = 1 AND type = 'quantity.reported'"
                )
            )
        ]
        return counts_by_equipment(rows_)

    rss_before = rss()
    counts, t_ev_py, _ = timed(py_counts)
    res["events"] = {
        "n": n,
        "sql_sum_json_s": round(t_ev_sql, 3),
        "python_load_and_count_s": round(t_ev_py, 3),
        "rss_mib_before_after": [rss_before, rss()],
        "equal": all(counts[eq].good == g for eq, g, _ in sql_counts),
    }

    # 5: hourly rollups (same columns as jejo's kpi_hourly table) and the line dashboard query
    cols = ("windows", "breaks", "overtime", "apt", "aust", "adet", "micro", "adot", "pdot")

    def build_rollups() -> int:
        db.execute(
            f"CREATE TABLE kpi_hourly (eq INTEGER, hour INTEGER, {', '.join(c + ' REAL' for c in cols)}, "
            "failures INTEGER, good REAL, scrap REAL, planned_run REAL, PRIMARY KEY (eq, hour)) WITHOUT ROWID"
        )
        rows_out = 0
        for m, ivs in intervals_py.items():
            c = counts.get(f"M{m:03d}", ProductionCounts())
            hours = hourly_elements(str(m), ivs, windows, period, reasons)
            per_hour = len(hours)
            db.executemany(
                f"INSERT INTO kpi_hourly VALUES ({', '.join('?' * (len(cols) + 6))})",
                [
                    (
                        m,
                        int(h.timestamp()),
                        *(getattr(r, k) for k in cols),
                        r.failures,
                        c.good / per_hour,
                        c.scrap / per_hour,
                        c.planned_run_s / per_hour,
                    )
                    for h, r in hours
                ],
            )
            rows_out += per_hour
        return rows_out

    n_roll, t_roll, _ = timed(build_rollups)
    line = list(range(min(a.line, a.machines)))
    q_line = (
        f"SELECT eq, {', '.join(f'SUM({c})' for c in cols)}, SUM(failures), SUM(good), SUM(scrap), "
        f"SUM(planned_run) FROM kpi_hourly WHERE eq IN ({','.join('?' * len(line))}) "
        "AND hour >= ? AND hour < ? GROUP BY eq"
    )

    def dashboard() -> tuple[float | None, TimeElements]:
        """What service.oee_from_rollups does: per machine sum the hours, settle, add the machines up."""
        te, c = TimeElements(), ProductionCounts()
        for r in db.execute(q_line, [*line, int(period.start.timestamp()), int(period.end.timestamp())]):
            te = te + finish(RawElements(*r[1:10], int(r[10])))
            c = c + ProductionCounts(good=r[11], scrap=r[12], planned_run_s=r[13])
        return iso22400.oee(te, c), te

    times = []
    for _ in range(20):
        (_, line_te), dt, _ = timed(dashboard)
        times.append(dt)
    direct_te = TimeElements()
    for m in line:
        direct_te = direct_te + te_py[m]
    res["rollup"] = {
        "rows": n_roll,
        "build_s": round(t_roll, 3),
        "line_machines": len(line),
        "dashboard_month_ms_median": round(1000 * statistics.median(times), 2),
        "dashboard_month_ms_max": round(1000 * max(times), 2),
        "line_equal_rollup_vs_direct": all(
            abs(getattr(line_te, f) - getattr(direct_te, f)) < 1e-3
            for f in ("pot", "pdot", "apt", "adet", "adot")
        ),
    }
    res["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    text = json.dumps(res, indent=2)
    print(text)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
