"""Event-log throughput and projection rebuild time, on SQLite and PostgreSQL.

For each database: N events posted in batches through the service layer (validation, idempotency,
live projections), beside a raw insert of the same rows in the same run (the driver's executemany on
SQLite, COPY on PostgreSQL), once in the same transactions as the service's batches and once in a single
transaction, repeated ``--rounds`` times (medians reported); then the projections rebuilt from an event
log of M events.

    uv run python bench/events.py --events 100000 --rebuild-events 1000000 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from jejo.core.ids import new_event_id
from jejo.core.runtime import Runtime
from jejo.core.settings import Settings
from jejo.core.timeutil import as_utc
from jejo.execution import service as ex
from jejo.execution.eventlog import insert_events
from jejo.execution.events import EventRecord
from jejo.execution.projector import rebuild
from jejo.execution.tables import Event
from jejo.masterdata import schemas, users
from jejo.masterdata import service as md

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)  # after the orders are released


def make_plant(rt: Runtime, code: str, n_orders: int) -> int:
    with rt.transaction() as s:
        cid = users.create_company(s, code, code).id
        md.upsert_many(s, cid, "sites", [{"code": "S", "name": "s"}])
        md.upsert_many(s, cid, "areas", [{"code": "A", "name": "a", "site": "S"}])
        md.upsert_many(s, cid, "lines", [{"code": "L", "name": "l", "area": "A"}])
        md.upsert_many(
            s, cid, "work_centers", [{"code": f"W{i}", "name": "w", "line": "L"} for i in range(4)]
        )
        md.upsert_many(
            s, cid, "equipment", [{"code": f"M{i}", "name": "m", "work_center": f"W{i}"} for i in range(4)]
        )
        md.upsert_many(s, cid, "items", [{"code": "FG", "name": "fg", "kind": "finished"}])
        md.upsert_many(s, cid, "reason_codes", [{"code": "SC", "name": "sc", "category": "scrap"}])
        md.save_routing(
            s,
            cid,
            schemas.RoutingIn(
                item="FG",
                operations=[
                    schemas.RoutingOperationIn(
                        seq=10 * (i + 1), name="op", work_center=f"W{i}", cycle_time_s=30
                    )
                    for i in range(4)
                ],
            ),
        )
        for i in range(n_orders):
            ex.create_work_order(
                s,
                cid,
                ex.WorkOrderIn(code=f"WO{i}", item="FG", quantity=1000, due_date=T0.date()),
                actor="bench",
            )
            ex.command_work_order(s, cid, f"WO{i}", "release", "bench")
    return cid


def workload(n: int, n_orders: int, seed: int = 1) -> list[dict[str, Any]]:
    """A plant's event mix: mostly counts and machine states, some starts/stops and scans; ~2 % late."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        at = T0 + timedelta(seconds=i * 3 - (rnd.randint(60, 3600) if rnd.random() < 0.02 else 0))
        wo = f"WO{rnd.randrange(n_orders)}"
        seq = 10 * rnd.randint(1, 4)
        r = rnd.random()
        if r < 0.5:
            ev: dict[str, Any] = {
                "type": "quantity.reported",
                "work_order": wo,
                "payload": {"seq": seq, "good": 1},
            }
        elif r < 0.8:
            ev = {
                "type": "machine.state_changed",
                "payload": {
                    "equipment": f"M{rnd.randrange(4)}",
                    "state": rnd.choice(["running", "idle", "down"]),
                },
            }
        elif r < 0.9:
            ev = {
                "type": rnd.choice(["operation.started", "operation.paused", "operation.resumed"]),
                "work_order": wo,
                "payload": {"seq": seq},
            }
        else:
            ev = {
                "type": "part.scanned",
                "work_order": wo,
                "payload": {"part_id": f"P{rnd.randrange(5000)}", "station": f"ST{rnd.randrange(5)}"},
            }
        out.append(ev | {"occurred_at": at.isoformat(), "idempotency_key": f"k{i}"})
    return out


def raw_rows(
    cid: int, events: list[dict[str, Any]], tag: str, wo_ids: dict[str, int] | None = None
) -> list[EventRecord]:
    """Rows for the rebuild's log, straight from the workload (a raw load, not the timed baseline)."""
    now = datetime.now(UTC)
    return [
        EventRecord(
            id=new_event_id(),
            company_id=cid,
            type=e["type"],
            occurred_at=datetime.fromisoformat(e["occurred_at"]),
            recorded_at=now,
            actor="bench",
            source="raw",
            idempotency_key=f"{tag}{i}",
            work_order_id=(wo_ids or {}).get(e.get("work_order", "")),
            equipment_code=e["payload"].get("equipment"),
            payload=e["payload"],
        )
        for i, e in enumerate(events)
    ]


def work_order_ids(rt: Runtime, cid: int) -> dict[str, int]:
    with rt.engine.connect() as c:
        return dict(
            c.execute(text("SELECT code, id FROM work_orders WHERE company_id = :c"), {"c": cid}).all()
        )


def stored_copy(rt: Runtime, cid: int, raw_cid: int, tag: str) -> list[EventRecord]:
    """The rows the service stored for plant ``cid``, as the raw side appends them into ``raw_cid`` (a
    plant with the same work-order codes): the same types, times, cleaned payloads, work orders and
    equipment, only new ids and idempotency keys. So both sides write the same rows, foreign-key checks
    and index entries included."""
    to_raw = {work_order_ids(rt, cid)[code]: wid for code, wid in work_order_ids(rt, raw_cid).items()}
    now = datetime.now(UTC)
    with rt.transaction() as s:
        rows = s.execute(
            select(Event.type, Event.occurred_at, Event.work_order_id, Event.equipment_code, Event.payload)
            .where(Event.company_id == cid, Event.source == "bench")
            .order_by(Event.seq)
        ).all()
    return [
        EventRecord(
            id=new_event_id(),
            company_id=raw_cid,
            type=type_,
            occurred_at=as_utc(at),
            recorded_at=now,
            actor="bench",
            source="raw",
            idempotency_key=f"{tag}{i}",
            work_order_id=to_raw[wo] if wo is not None else None,
            equipment_code=equipment,
            payload=payload,
        )
        for i, (type_, at, wo, equipment, payload) in enumerate(rows)
    ]


def raw_insert(rt: Runtime, rows: list[EventRecord], batch: int = 5000) -> float:
    """The baseline: the same rows appended by the driver alone (COPY on PostgreSQL, executemany on
    SQLite), through the function the service itself appends with, one transaction per ``batch`` rows,
    so only what the service adds on top (validation, idempotency, live projections) separates the two
    figures."""
    t = time.perf_counter()
    for i in range(0, len(rows), batch):
        with rt.transaction() as s:
            insert_events(s, rows[i : i + batch])
    return time.perf_counter() - t


def one_round(rt: Runtime, n: int, batch: int, n_orders: int) -> tuple[float, float, float]:
    """Seconds for the service, the raw append in the same transactions and in one transaction: the same
    ``n`` events, each side into a plant of its own."""
    tag = uuid.uuid4().hex[:6]
    cid = make_plant(rt, f"B{tag}", n_orders)
    events = workload(n, n_orders)
    # the bench holds its clients' input (n dicts) in this process, which a server would not: keep the
    # collector from scanning it over and over while either side is timed
    gc.collect()
    gc.freeze()
    t = time.perf_counter()
    for i in range(0, n, batch):
        with rt.transaction() as s:
            ex.post_events(s, cid, events[i : i + batch], actor="bench", source="bench")
    service_s = time.perf_counter() - t
    raw_cid = make_plant(rt, f"R{tag}", n_orders)
    raw_s = raw_insert(rt, stored_copy(rt, cid, raw_cid, "r"), batch)
    one_s = raw_insert(rt, stored_copy(rt, cid, raw_cid, "o"), n)
    gc.unfreeze()
    return service_s, raw_s, one_s


def bench_db(
    url: str, label: str, n: int, batch: int, n_orders: int, rebuild_n: int, rounds: int = 3
) -> dict[str, Any]:
    """``rounds`` rounds of service then raw; the figures are each side's median (a single raw run moves
    by ±15 % on a shared VM, which would move the ratio as much)."""
    rt = Runtime(Settings(database_url=url, data_dir=Path(tempfile.mkdtemp())))
    rt.upgrade()
    tag = uuid.uuid4().hex[:6]
    runs = [one_round(rt, n, batch, n_orders) for _ in range(rounds)]
    service_s, raw_s, one_s = (statistics.median(r[k] for r in runs) for k in range(3))
    out: dict[str, Any] = {
        "database": label,
        "events": n,
        "batch": batch,
        "rounds": rounds,
        "service_events_per_s": round(n / service_s),
        "raw_events_per_s": round(n / raw_s),
        "service_vs_raw": round(raw_s / service_s, 3),
        "raw_one_transaction_events_per_s": round(n / one_s),
        "service_vs_raw_one_transaction": round(one_s / service_s, 3),
        "per_round_service_vs_raw": [round(r[1] / r[0], 3) for r in runs],
    }
    if rebuild_n:
        big_cid = make_plant(rt, f"G{tag}", n_orders)
        big = workload(rebuild_n, n_orders, seed=2)
        rows = raw_rows(big_cid, big, "g", work_order_ids(rt, big_cid))
        load_s = raw_insert(rt, rows)
        with rt.transaction() as s:
            stats = rebuild(s, big_cid)
        out |= {
            "rebuild_events": stats.events,
            "rebuild_s": round(stats.seconds, 2),
            "rebuild_events_per_s": round(stats.events / stats.seconds),
            "load_s": round(load_s, 1),
        }
    rt.engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--orders", type=int, default=200)
    ap.add_argument("--rebuild-events", type=int, default=1_000_000)
    ap.add_argument("--postgres", default=None, help="PostgreSQL URL; omitted: SQLite only")
    ap.add_argument("--sqlite-only", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of service then raw; medians reported")
    args = ap.parse_args()
    print(
        f"# {platform.machine()} · {platform.python_implementation()} {platform.python_version()}",
        file=sys.stderr,
    )
    targets = [(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}", "sqlite")]
    if args.postgres and not args.sqlite_only:
        targets.append((args.postgres, "postgresql"))
    for url, label in targets:
        print(
            json.dumps(
                bench_db(url, label, args.events, args.batch, args.orders, args.rebuild_events, args.rounds)
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
