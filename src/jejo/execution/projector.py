"""Keeps the projection tables in step with the event log, live and by full rebuild."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jejo.execution.events import EventRecord
from jejo.execution.projection import (
    ORDER_FREE,
    LotSighting,
    OrderKey,
    WorkOrderProgress,
    lot_sighting,
    stock_deltas,
)
from jejo.execution.statemachine import WOStatus
from jejo.execution.tables import (
    Event,
    GenealogyLink,
    MachineState,
    OperationState,
    PartState,
    WorkOrderOperation,
    WorkOrderState,
)
from jejo.inventory.tables import Lot, Stock

log = logging.getLogger(__name__)

PROJECTION_TABLES: list[Any] = [
    OperationState,
    WorkOrderState,
    MachineState,
    GenealogyLink,
    PartState,
    Stock,
    Lot,
]


def record_from_row(row: Event) -> EventRecord:
    return EventRecord(
        id=row.id,
        type=row.type,
        occurred_at=row.occurred_at,
        payload=row.payload,
        work_order_id=row.work_order_id,
        equipment_code=row.equipment_code,
        company_id=row.company_id,
        actor=row.actor,
        source=row.source,
        idempotency_key=row.idempotency_key,
        recorded_at=row.recorded_at,
    )


# ---- in-memory projection state ------------------------------------------------------------------


@dataclass
class _MachineView:
    state: str
    since: object
    reason_code: str | None
    work_order_id: int | None
    key: OrderKey


class ProjectionState:
    """Projection state for a set of events held in memory: the unit both live apply and rebuild fold into."""

    def __init__(self, op_seqs: dict[int, tuple[int, ...]], wo_company: dict[int, int]) -> None:
        self.op_seqs = op_seqs
        self.wo_company = wo_company
        self.work_orders: dict[int, WorkOrderProgress] = {}
        self.links: set[tuple[int, str, str, int]] = set()
        self.machines: dict[tuple[int, str], _MachineView] = {}
        self.scans: dict[tuple[int, str], list[tuple[str, str, str, int | None]]] = defaultdict(list)
        self.stock: dict[tuple[int, str, str, str], float] = defaultdict(float)
        self.lots: dict[tuple[int, str], LotSighting] = {}

    def work_order(self, wo_id: int) -> WorkOrderProgress:
        wo = self.work_orders.get(wo_id)
        if wo is None:
            wo = WorkOrderProgress(wo_id, self.wo_company[wo_id], self.op_seqs[wo_id])
            self.work_orders[wo_id] = wo
        return wo

    def apply(self, e: EventRecord) -> None:
        if e.work_order_id is not None and e.type.split(".")[0] in (
            "work_order",
            "operation",
            "quantity",
            "material",
            "lot",
        ):
            for parent, child in self.work_order(e.work_order_id).apply(e):
                self.links.add((e.company_id, parent, child, e.work_order_id))
        if e.type == "machine.state_changed":
            self.apply_machine(e)
        elif e.type == "part.scanned":
            self.scans[(e.company_id, e.payload["part_id"])].append(
                (e.occurred_at.isoformat(), e.payload["station"], str(e.id), e.work_order_id)
            )
        for item, lot, loc, qty in stock_deltas(e):
            self.stock[(e.company_id, item, lot, loc)] += qty
        sighting = lot_sighting(e)
        if sighting is not None:
            key = (e.company_id, sighting.lot)
            seen = self.lots.get(key)
            if seen is None or sighting.key < seen.key:
                self.lots[key] = sighting

    def apply_machine(self, e: EventRecord) -> None:
        key = (e.company_id, e.payload["equipment"])
        seen = self.machines.get(key)
        if seen is None or e.order_key > seen.key:
            self.machines[key] = _MachineView(
                e.payload["state"], e.occurred_at, e.payload.get("reason_code"), e.work_order_id, e.order_key
            )


# ---- rows <-> state ------------------------------------------------------------------------------


def _wo_rows(wo: WorkOrderProgress) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    state = {
        "work_order_id": wo.work_order_id,
        "company_id": wo.company_id,
        "status": wo.status.value,
        "released": wo.released,
        "held": wo.held,
        "good": wo.good,
        "scrap": wo.scrap,
        "rework": wo.rework,
        "started_at": wo.started_at,
        "completed_at": wo.completed_at,
        "last_event_at": wo.last_key[0] if wo.last_key else None,
        "last_event_id": wo.last_key[1] if wo.last_key else None,
        "event_count": wo.event_count,
        "consumed_lots": list(wo.consumed_lots),
        "produced_lots": list(wo.produced_lots),
    }
    ops = [
        {
            "work_order_id": wo.work_order_id,
            "seq": op.seq,
            "company_id": wo.company_id,
            "status": op.status,
            "good": op.good,
            "scrap": op.scrap,
            "rework": op.rework,
            "scrap_by_reason": dict(op.scrap_by_reason),
            "equipment_code": op.equipment_code,
            "started_at": op.started_at,
            "completed_at": op.completed_at,
            "run_seconds": op.run_seconds,
            "running_since": op.running_since,
        }
        for op in wo.ops.values()
    ]
    return state, ops


def _wo_from_rows(state: Any, ops: list[Any], seqs: tuple[int, ...]) -> WorkOrderProgress:
    """Rebuild the in-memory progress from projection rows (ORM objects or Core rows)."""
    wo = WorkOrderProgress(state.work_order_id, state.company_id, seqs)
    wo.released, wo.held = state.released, state.held
    wo.cancelled = state.status == WOStatus.CANCELLED.value
    wo.closed = state.status == WOStatus.CLOSED.value
    wo.started_at, wo.completed_at = state.started_at, state.completed_at
    if state.last_event_at is not None and state.last_event_id is not None:
        wo.last_key = (state.last_event_at, state.last_event_id)
    wo.event_count = state.event_count
    wo.consumed_lots, wo.produced_lots = list(state.consumed_lots), list(state.produced_lots)
    for row in ops:
        op = wo.ops[row.seq]
        op.status, op.good, op.scrap, op.rework = row.status, row.good, row.scrap, row.rework
        op.scrap_by_reason = dict(row.scrap_by_reason or {})
        op.equipment_code, op.started_at, op.completed_at = (
            row.equipment_code,
            row.started_at,
            row.completed_at,
        )
        op.run_seconds, op.running_since = row.run_seconds, row.running_since
    return wo


def _load_op_seqs(session: Session, wo_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    ids = list(wo_ids)
    seqs: dict[int, list[int]] = {i: [] for i in ids}
    for chunk in _chunks(ids, 500):
        rows = session.execute(
            select(WorkOrderOperation.work_order_id, WorkOrderOperation.seq).where(
                WorkOrderOperation.work_order_id.in_(chunk)
            )
        )
        for wo_id, seq in rows:
            seqs[wo_id].append(seq)
    return {k: tuple(sorted(v)) for k, v in seqs.items()}


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---- live apply ----------------------------------------------------------------------------------


def apply_new_events(session: Session, events: list[EventRecord]) -> None:
    """Bring projections up to date with ``events``, which are already in the event log.

    Reads and writes go in bulk (one query per table and batch), then any ORM copies of projection rows
    that the session holds are expired so that later reads in the same transaction see the new state.
    """
    if not events:
        return
    _apply_work_orders(session, [e for e in events if e.work_order_id is not None])
    _apply_machines(session, [e for e in events if e.type == "machine.state_changed"])
    _apply_parts(session, [e for e in events if e.type == "part.scanned"])
    _apply_stock_and_lots(session, events)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, tuple(PROJECTION_TABLES)):
            session.expire(obj)


def _rows(session: Session, table: Any, *where: Any) -> list[Any]:
    return list(session.execute(select(*table.__table__.columns).where(*where)).all())


def _upsert(session: Session, table: Any, new: list[dict[str, Any]], changed: list[dict[str, Any]]) -> None:
    """Write new and changed rows (whole rows) as one ``INSERT … ON CONFLICT (primary key) DO UPDATE``.

    One statement for the batch instead of one UPDATE per row: the driver sends it as multi-row VALUES,
    which matters on PostgreSQL where each statement is a round trip.
    """
    rows = new + changed
    if not rows:
        return
    t = table.__table__
    conn = session.connection()
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(t)
    pk = [c.name for c in t.primary_key.columns]
    update = {c.name: stmt.excluded[c.name] for c in t.columns if c.name not in pk and c.name in rows[0]}
    conn.execute(stmt.on_conflict_do_update(index_elements=pk, set_=update), rows)


def _apply_work_orders(session: Session, events: list[EventRecord]) -> None:
    if not events:
        return
    by_wo: dict[int, list[EventRecord]] = defaultdict(list)
    for e in events:
        assert e.work_order_id is not None
        by_wo[e.work_order_id].append(e)
    wo_ids = list(by_wo)
    seqs = _load_op_seqs(session, wo_ids)
    states = {
        r.work_order_id: r for r in _rows(session, WorkOrderState, WorkOrderState.work_order_id.in_(wo_ids))
    }
    op_rows: dict[int, list[Any]] = defaultdict(list)
    for r in _rows(session, OperationState, OperationState.work_order_id.in_(wo_ids)):
        op_rows[r.work_order_id].append(r)
    new_states: list[dict[str, Any]] = []
    changed_states: list[dict[str, Any]] = []
    new_ops: list[dict[str, Any]] = []
    changed_ops: list[dict[str, Any]] = []
    new_links: set[tuple[int, str, str, int]] = set()
    replayed: list[int] = []
    for wo_id, evs in by_wo.items():
        evs.sort(key=lambda e: e.order_key)
        stored = states.get(wo_id)
        company_id = evs[0].company_id
        wo: WorkOrderProgress | None = None
        if stored is not None:
            wo = _wo_from_rows(stored, op_rows[wo_id], seqs[wo_id])
            last = wo.last_key
            late = [e for e in evs if last is not None and e.order_key < last]
            if any(e.type not in ORDER_FREE for e in late):
                wo = None
        if wo is not None:
            for e in evs:
                new_links.update((company_id, p, c, wo_id) for p, c in wo.apply(e))
        else:  # new, or an order-sensitive event came late: replay this work order from its history
            wo = WorkOrderProgress(wo_id, company_id, seqs[wo_id])
            history = session.execute(
                select(*_EVENT_COLS).where(Event.work_order_id == wo_id).order_by(Event.occurred_at, Event.id)
            )
            for row in history:
                new_links.update((company_id, p, c, wo_id) for p, c in wo.apply(_record(row)))
            replayed.append(wo_id)
        state, ops = _wo_rows(wo)
        (changed_states if stored is not None else new_states).append(state)
        known = {r.seq: r._mapping for r in op_rows[wo_id]}
        for op in ops:
            before = known.get(op["seq"])
            if before is None:
                new_ops.append(op)
            elif any(before[k] != v for k, v in op.items()):  # write only the operations that changed
                changed_ops.append(op)
    if replayed:
        session.execute(delete(GenealogyLink).where(GenealogyLink.work_order_id.in_(replayed)))
    _upsert(session, WorkOrderState, new_states, changed_states)
    _upsert(session, OperationState, new_ops, changed_ops)
    if new_links:
        existing = {
            (r.company_id, r.parent_lot, r.child_lot, r.work_order_id)
            for r in _rows(
                session, GenealogyLink, GenealogyLink.work_order_id.in_({w for *_, w in new_links})
            )
        }
        fresh = new_links - existing
        if fresh:
            session.execute(
                insert(GenealogyLink),
                [
                    {"company_id": c, "parent_lot": p, "child_lot": ch, "work_order_id": w}
                    for c, p, ch, w in fresh
                ],
            )


def _apply_machines(session: Session, events: list[EventRecord]) -> None:
    latest: dict[tuple[int, str], EventRecord] = {}
    for e in events:
        key = (e.company_id, e.payload["equipment"])
        if key not in latest or e.order_key > latest[key].order_key:
            latest[key] = e
    if not latest:
        return
    companies = {c for c, _ in latest}
    stored = {
        (r.company_id, r.equipment_code): r
        for r in _rows(
            session,
            MachineState,
            MachineState.company_id.in_(companies),
            MachineState.equipment_code.in_({code for _, code in latest}),
        )
    }
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for key, e in latest.items():
        row = stored.get(key)
        if row is not None and e.order_key <= (row.since, row.last_event_id):
            continue
        values = {
            "company_id": key[0],
            "equipment_code": key[1],
            "state": e.payload["state"],
            "since": e.occurred_at,
            "reason_code": e.payload.get("reason_code"),
            "work_order_id": e.work_order_id,
            "last_event_id": e.id,
        }
        (changed if row is not None else new).append(values)
    _upsert(session, MachineState, new, changed)


def _apply_parts(session: Session, events: list[EventRecord]) -> None:
    if not events:
        return
    by_part: dict[tuple[int, str], list[EventRecord]] = defaultdict(list)
    for e in events:
        by_part[(e.company_id, e.payload["part_id"])].append(e)
    stored = {
        (r.company_id, r.part_id): r
        for r in _rows(
            session,
            PartState,
            PartState.company_id.in_({c for c, _ in by_part}),
            PartState.part_id.in_({p for _, p in by_part}),
        )
    }
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for key, evs in by_part.items():
        row = stored.get(key)
        scans = [list(s) for s in row.scans] if row is not None else []
        wo_of = {str(e.id): e.work_order_id for e in evs}
        scans += [[e.occurred_at.isoformat(), e.payload["station"], str(e.id)] for e in evs]
        scans.sort(key=lambda s: (s[0], s[2]))
        last = scans[-1]
        last_wo = wo_of.get(last[2], row.work_order_id if row is not None else None)
        values = {
            "company_id": key[0],
            "part_id": key[1],
            "station": last[1],
            "scanned_at": _parse_iso(last[0]),
            "scans": scans,
            "work_order_id": last_wo,
        }
        (changed if row is not None else new).append(values)
    _upsert(session, PartState, new, changed)


def _apply_stock_and_lots(session: Session, events: list[EventRecord]) -> None:
    deltas: dict[tuple[int, str, str, str], float] = defaultdict(float)
    sightings: dict[tuple[int, str], LotSighting] = {}
    for e in events:
        for item, lot, loc, qty in stock_deltas(e):
            deltas[(e.company_id, item, lot, loc)] += qty
        s = lot_sighting(e)
        if s is not None:
            k = (e.company_id, s.lot)
            if k not in sightings or s.key < sightings[k].key:
                sightings[k] = s
    if deltas:
        stored = {
            (r.company_id, r.item_code, r.lot_code, r.location_code): r.quantity
            for r in _rows(
                session,
                Stock,
                Stock.company_id.in_({k[0] for k in deltas}),
                Stock.lot_code.in_({k[2] for k in deltas}),
            )
        }
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for dk, qty in deltas.items():
            values = {"company_id": dk[0], "item_code": dk[1], "lot_code": dk[2], "location_code": dk[3]}
            if dk in stored:
                changed.append(values | {"quantity": stored[dk] + qty})
            else:
                new.append(values | {"quantity": qty})
        _upsert(session, Stock, new, changed)
    if sightings:
        lots = {
            (r.company_id, r.code): r
            for r in _rows(
                session,
                Lot,
                Lot.company_id.in_({c for c, _ in sightings}),
                Lot.code.in_({c for _, c in sightings}),
            )
        }
        new_lots: list[dict[str, Any]] = []
        changed_lots: list[dict[str, Any]] = []
        for (company_id, code), s in sightings.items():
            row = lots.get((company_id, code))
            if row is None:
                new_lots.append(_lot_values(company_id, s))
            elif s.key < (row.created_at, row.first_event_id):
                changed_lots.append(_lot_values(company_id, s))
        _upsert(session, Lot, new_lots, changed_lots)


def _lot_values(company_id: int, s: LotSighting) -> dict[str, Any]:
    return {
        "company_id": company_id,
        "code": s.lot,
        "item_code": s.item,
        "origin": s.origin,
        "serial": s.serial,
        "work_order_id": s.work_order_id,
        "created_at": s.at,
        "first_event_id": s.key[1],
    }


_EVENT_COLS = (
    Event.id,
    Event.type,
    Event.occurred_at,
    Event.payload,
    Event.work_order_id,
    Event.equipment_code,
    Event.company_id,
)


def _record(row: Any) -> EventRecord:
    return EventRecord(
        id=row[0],
        type=row[1],
        occurred_at=row[2],
        payload=row[3],
        work_order_id=row[4],
        equipment_code=row[5],
        company_id=row[6],
    )


# ---- full rebuild --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildStats:
    events: int
    work_orders: int
    seconds: float


def rebuild(session: Session, company_id: int | None = None, batch: int = 20_000) -> RebuildStats:
    """Drop the projections (of one company, or all) and fold them again from the event log."""
    from jejo.execution.tables import WorkOrder

    t0 = time.perf_counter()
    for table in PROJECTION_TABLES:
        stmt = delete(table)
        if company_id is not None:
            stmt = stmt.where(table.company_id == company_id)
        session.execute(stmt)
    wo_q = select(WorkOrder.id, WorkOrder.company_id)
    if company_id is not None:
        wo_q = wo_q.where(WorkOrder.company_id == company_id)
    wo_company = {wid: cid for wid, cid in session.execute(wo_q)}
    seqs = _load_op_seqs(session, wo_company)
    state = ProjectionState(seqs, wo_company)
    count = 0
    for record in _stream_events(session, company_id, batch):
        state.apply(record)
        count += 1
    _write_state(session, state)
    seconds = time.perf_counter() - t0
    log.info("projections rebuilt", extra={"events": count, "seconds": round(seconds, 3)})
    return RebuildStats(count, len(state.work_orders), seconds)


def _stream_events(session: Session, company_id: int | None, batch: int) -> Iterator[EventRecord]:
    """Every event in the order it happened, read straight from the driver for speed.

    A full rebuild reads millions of rows; SQLAlchemy's per-value result processing would cost more than
    the fold itself, so the few conversions needed (UUID, timestamp, JSON) are done here once per row.
    """
    where = "WHERE company_id = :company " if company_id is not None else ""
    sql = text(
        f"SELECT id, type, occurred_at, payload, work_order_id, equipment_code, company_id FROM events "
        f"{where}ORDER BY occurred_at, id"
    )
    params = {"company": company_id} if company_id is not None else {}
    # yield_per on the statement (not the connection, which would keep server-side cursors for the writes)
    result = session.connection().execute(sql.execution_options(yield_per=batch), params)
    sqlite = session.get_bind().dialect.name == "sqlite"
    loads, from_iso, uuid_of = json.loads, datetime.fromisoformat, uuid.UUID
    for rows in result.partitions(batch):
        for id_, type_, at, payload, wo, eq, cid in rows:
            if sqlite:
                id_ = uuid_of(hex=id_)
                at = from_iso(at).replace(tzinfo=UTC)
            if isinstance(payload, str):
                payload = loads(payload)
            yield EventRecord(
                id=id_,
                type=type_,
                occurred_at=at,
                payload=payload,
                work_order_id=wo,
                equipment_code=eq,
                company_id=cid,
            )


def _write_state(session: Session, state: ProjectionState) -> None:
    wo_rows, op_rows = [], []
    for wo in state.work_orders.values():
        s, ops = _wo_rows(wo)
        wo_rows.append(s)
        op_rows.extend(ops)
    _bulk(session, WorkOrderState, wo_rows)
    _bulk(session, OperationState, op_rows)
    _bulk(
        session,
        GenealogyLink,
        [
            {"company_id": c, "parent_lot": p, "child_lot": ch, "work_order_id": w}
            for c, p, ch, w in state.links
        ],
    )
    _bulk(
        session,
        MachineState,
        [
            {
                "company_id": c,
                "equipment_code": code,
                "state": m.state,
                "since": m.since,
                "reason_code": m.reason_code,
                "work_order_id": m.work_order_id,
                "last_event_id": m.key[1],
            }
            for (c, code), m in state.machines.items()
        ],
    )
    part_rows = []
    for (c, part), scans in state.scans.items():
        ordered = sorted(scans, key=lambda s: (s[0], s[2]))
        last = ordered[-1]
        part_rows.append(
            {
                "company_id": c,
                "part_id": part,
                "station": last[1],
                "scans": [list(s[:3]) for s in ordered],
                "scanned_at": _parse_iso(last[0]),
                "work_order_id": last[3],
            }
        )
    _bulk(session, PartState, part_rows)
    _bulk(
        session,
        Stock,
        [
            {"company_id": c, "item_code": i, "lot_code": lot, "location_code": loc, "quantity": q}
            for (c, i, lot, loc), q in state.stock.items()
        ],
    )
    _bulk(session, Lot, [_lot_values(c, s) for (c, _), s in state.lots.items()])
    session.flush()


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _bulk(session: Session, table: type, rows: list[dict[str, Any]], size: int = 5000) -> None:
    for i in range(0, len(rows), size):
        session.execute(insert(table), rows[i : i + size])
