"""Keeps the projection tables in step with the event log, live and by full rebuild."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jejo.execution.events import EventRecord
from jejo.execution.projection import LotSighting, OrderKey, WorkOrderProgress, lot_sighting, stock_deltas
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

PROJECTION_TABLES = [OperationState, WorkOrderState, MachineState, GenealogyLink, PartState, Stock, Lot]


def record_from_row(row: Event) -> EventRecord:
    return EventRecord(
        id=row.id, type=row.type, occurred_at=row.occurred_at, payload=row.payload,
        work_order_id=row.work_order_id, equipment_code=row.equipment_code, company_id=row.company_id,
        actor=row.actor, source=row.source, idempotency_key=row.idempotency_key, recorded_at=row.recorded_at,
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
            "work_order", "operation", "quantity", "material", "lot"
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


def _wo_rows(wo: WorkOrderProgress) -> tuple[dict[str, object], list[dict[str, object]]]:
    state = {
        "work_order_id": wo.work_order_id, "company_id": wo.company_id, "status": wo.status.value,
        "released": wo.released, "held": wo.held,
        "good": wo.good, "scrap": wo.scrap, "rework": wo.rework, "started_at": wo.started_at,
        "completed_at": wo.completed_at, "last_event_at": wo.last_key[0] if wo.last_key else None,
        "last_event_id": wo.last_key[1] if wo.last_key else None, "event_count": wo.event_count,
        "consumed_lots": list(wo.consumed_lots), "produced_lots": list(wo.produced_lots),
    }
    ops = [
        {
            "work_order_id": wo.work_order_id, "seq": op.seq, "company_id": wo.company_id, "status": op.status,
            "good": op.good, "scrap": op.scrap, "rework": op.rework, "scrap_by_reason": dict(op.scrap_by_reason),
            "equipment_code": op.equipment_code, "started_at": op.started_at, "completed_at": op.completed_at,
            "run_seconds": op.run_seconds, "running_since": op.running_since,
        }
        for op in wo.ops.values()
    ]
    return state, ops


def _wo_from_rows(state: WorkOrderState, ops: list[OperationState], seqs: tuple[int, ...]) -> WorkOrderProgress:
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
        op.equipment_code, op.started_at, op.completed_at = row.equipment_code, row.started_at, row.completed_at
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
    """Bring projections up to date with ``events``, which are already in the event log."""
    if not events:
        return
    _apply_work_orders(session, [e for e in events if e.work_order_id is not None])
    _apply_machines(session, [e for e in events if e.type == "machine.state_changed"])
    _apply_parts(session, [e for e in events if e.type == "part.scanned"])
    _apply_stock_and_lots(session, events)


def _apply_work_orders(session: Session, events: list[EventRecord]) -> None:
    if not events:
        return
    by_wo: dict[int, list[EventRecord]] = defaultdict(list)
    for e in events:
        assert e.work_order_id is not None
        by_wo[e.work_order_id].append(e)
    wo_ids = list(by_wo)
    seqs = _load_op_seqs(session, wo_ids)
    states = {s.work_order_id: s for s in session.scalars(select(WorkOrderState).where(
        WorkOrderState.work_order_id.in_(wo_ids)))}
    op_rows: dict[int, list[OperationState]] = defaultdict(list)
    for row in session.scalars(select(OperationState).where(OperationState.work_order_id.in_(wo_ids))):
        op_rows[row.work_order_id].append(row)
    for wo_id, evs in by_wo.items():
        evs.sort(key=lambda e: e.order_key)
        stored = states.get(wo_id)
        company_id = evs[0].company_id
        if stored is not None:
            wo = _wo_from_rows(stored, op_rows[wo_id], seqs[wo_id])
            in_order = wo.last_key is None or evs[0].order_key > wo.last_key
        else:
            in_order = False
        if in_order:
            links = [link for e in evs for link in wo.apply(e)]
        else:  # new or out of order: replay this work order from its whole history
            wo = WorkOrderProgress(wo_id, company_id, seqs[wo_id])
            history = session.scalars(
                select(Event).where(Event.work_order_id == wo_id).order_by(Event.occurred_at, Event.id)
            )
            links = [link for row in history for link in wo.apply(record_from_row(row))]
            session.execute(delete(GenealogyLink).where(GenealogyLink.work_order_id == wo_id))
        state, ops = _wo_rows(wo)
        if stored is None:
            session.add(WorkOrderState(**state))
            session.add_all(OperationState(**op) for op in ops)
        else:
            for k, v in state.items():
                setattr(stored, k, v)
            existing = {r.seq: r for r in op_rows[wo_id]}
            for op in ops:
                row = existing.get(int(op["seq"]))  # type: ignore[call-overload]
                if row is None:
                    session.add(OperationState(**op))
                else:
                    for k, v in op.items():
                        setattr(row, k, v)
        for parent, child in links:
            if session.get(GenealogyLink, (company_id, parent, child, wo_id)) is None:
                session.add(GenealogyLink(company_id=company_id, parent_lot=parent, child_lot=child,
                                          work_order_id=wo_id))
    session.flush()


def _apply_machines(session: Session, events: list[EventRecord]) -> None:
    for e in sorted(events, key=lambda e: e.order_key):
        code = e.payload["equipment"]
        row = session.get(MachineState, (e.company_id, code))
        if row is not None and e.order_key <= (row.since, row.last_event_id):
            continue
        values = {"state": e.payload["state"], "since": e.occurred_at, "reason_code": e.payload.get("reason_code"),
                  "work_order_id": e.work_order_id, "last_event_id": e.id}
        if row is None:
            session.add(MachineState(company_id=e.company_id, equipment_code=code, **values))
            session.flush()
        else:
            for k, v in values.items():
                setattr(row, k, v)


def _apply_parts(session: Session, events: list[EventRecord]) -> None:
    for e in events:
        key = (e.company_id, e.payload["part_id"])
        row = session.get(PartState, key)
        scan = [e.occurred_at.isoformat(), e.payload["station"], str(e.id)]
        if row is None:
            row = PartState(company_id=e.company_id, part_id=key[1], station=scan[1], scanned_at=e.occurred_at,
                            scans=[scan], work_order_id=e.work_order_id)
            session.add(row)
            session.flush()
            continue
        scans = sorted([*row.scans, scan], key=lambda s: (s[0], s[2]))
        row.scans = scans
        last = scans[-1]
        row.station = last[1]
        if last[2] == scan[2]:
            row.scanned_at = e.occurred_at
            row.work_order_id = e.work_order_id


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
    for (company_id, item, lot, loc), qty in deltas.items():
        row = session.get(Stock, (company_id, item, lot, loc))
        if row is None:
            session.add(Stock(company_id=company_id, item_code=item, lot_code=lot, location_code=loc, quantity=qty))
        else:
            row.quantity += qty
    for (company_id, code), s in sightings.items():
        lot_row = session.get(Lot, (company_id, code))
        if lot_row is None:
            session.add(_lot_row(company_id, s))
        elif s.key < (lot_row.created_at, lot_row.first_event_id):
            session.delete(lot_row)
            session.flush()
            session.add(_lot_row(company_id, s))
    session.flush()


def _lot_row(company_id: int, s: LotSighting) -> Lot:
    return Lot(company_id=company_id, code=s.lot, item_code=s.item, origin=s.origin, serial=s.serial,
               work_order_id=s.work_order_id, created_at=s.at, first_event_id=s.key[1])


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
    cols = (Event.id, Event.type, Event.occurred_at, Event.payload, Event.work_order_id, Event.equipment_code,
            Event.company_id)
    q = select(*cols).order_by(Event.occurred_at, Event.id)
    if company_id is not None:
        q = q.where(Event.company_id == company_id)
    count = 0
    for row in session.execute(q.execution_options(yield_per=batch)):
        state.apply(EventRecord(id=row[0], type=row[1], occurred_at=row[2], payload=row[3], work_order_id=row[4],
                                equipment_code=row[5], company_id=row[6]))
        count += 1
    _write_state(session, state)
    seconds = time.perf_counter() - t0
    log.info("projections rebuilt", extra={"events": count, "seconds": round(seconds, 3)})
    return RebuildStats(count, len(state.work_orders), seconds)


def _write_state(session: Session, state: ProjectionState) -> None:
    wo_rows, op_rows = [], []
    for wo in state.work_orders.values():
        s, ops = _wo_rows(wo)
        wo_rows.append(s)
        op_rows.extend(ops)
    _bulk(session, WorkOrderState, wo_rows)
    _bulk(session, OperationState, op_rows)
    _bulk(session, GenealogyLink, [
        {"company_id": c, "parent_lot": p, "child_lot": ch, "work_order_id": w} for c, p, ch, w in state.links
    ])
    _bulk(session, MachineState, [
        {"company_id": c, "equipment_code": code, "state": m.state, "since": m.since, "reason_code": m.reason_code,
         "work_order_id": m.work_order_id, "last_event_id": m.key[1]}
        for (c, code), m in state.machines.items()
    ])
    part_rows = []
    for (c, part), scans in state.scans.items():
        ordered = sorted(scans, key=lambda s: (s[0], s[2]))
        last = ordered[-1]
        part_rows.append({
            "company_id": c, "part_id": part, "station": last[1], "scans": [list(s[:3]) for s in ordered],
            "scanned_at": _parse_iso(last[0]), "work_order_id": last[3],
        })
    _bulk(session, PartState, part_rows)
    _bulk(session, Stock, [
        {"company_id": c, "item_code": i, "lot_code": lot, "location_code": loc, "quantity": q}
        for (c, i, lot, loc), q in state.stock.items()
    ])
    _bulk(session, Lot, [
        {"company_id": c, "code": s.lot, "item_code": s.item, "origin": s.origin, "serial": s.serial,
         "work_order_id": s.work_order_id, "created_at": s.at, "first_event_id": s.key[1]}
        for (c, _), s in state.lots.items()
    ])
    session.flush()


def _parse_iso(value: str) -> object:
    from datetime import datetime

    return datetime.fromisoformat(value)


def _bulk(session: Session, table: type, rows: list[dict[str, object]], size: int = 5000) -> None:
    from sqlalchemy import insert

    for i in range(0, len(rows), size):
        session.execute(insert(table), rows[i : i + size])
