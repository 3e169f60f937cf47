"""Work orders, events (single and batch), and the projections: progress, WIP, machine state, parts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from jejo.api.deps import DB, Caller, PageQ, paged, require
from jejo.core.errors import NotFound
from jejo.execution import service as ex
from jejo.execution.events import EventRecord
from jejo.execution.projection import WorkOrderProgress
from jejo.execution.tables import Event, MachineState, OperationState, PartState, WorkOrder, WorkOrderState
from jejo.masterdata.tables import Item, WorkCenter

router = APIRouter(tags=["execution"])


def event_out(e: EventRecord | Event) -> dict[str, Any]:
    return {"id": str(e.id), "type": e.type, "occurred_at": e.occurred_at, "recorded_at": e.recorded_at,
            "actor": e.actor, "source": e.source, "idempotency_key": e.idempotency_key,
            "equipment": e.equipment_code, "payload": e.payload}


def work_order_out(session: DB, wo: WorkOrder, detail: bool = False) -> dict[str, Any]:
    state = session.get(WorkOrderState, wo.id)
    out: dict[str, Any] = {
        "code": wo.code, "item": session.get(Item, wo.item_id).code,  # type: ignore[union-attr]
        "quantity": wo.quantity, "due_date": wo.due_date, "priority": wo.priority,
        "sales_order_line": wo.sales_order_line, "status": state.status if state else "planned",
        "good": state.good if state else 0.0, "scrap": state.scrap if state else 0.0,
        "rework": state.rework if state else 0.0, "started_at": state.started_at if state else None,
        "completed_at": state.completed_at if state else None, "created_at": wo.created_at,
    }
    if detail:
        op_states = {o.seq: o for o in session.scalars(select(OperationState).where(
            OperationState.work_order_id == wo.id))}
        wcs = dict(session.execute(select(WorkCenter.id, WorkCenter.code).where(
            WorkCenter.id.in_({o.work_center_id for o in wo.operations}))).all())
        progress = WorkOrderProgress(wo.id, wo.company_id, tuple(o.seq for o in wo.operations))
        for seq, st in op_states.items():
            p = progress.ops[seq]
            p.good, p.scrap = st.good, st.scrap
        wip = progress.wip()
        out["operations"] = [{
            "seq": o.seq, "name": o.name, "work_center": wcs.get(o.work_center_id), "setup_time_s": o.setup_time_s,
            "cycle_time_s": o.cycle_time_s, "planned_quantity": o.planned_quantity,
            "status": op_states[o.seq].status if o.seq in op_states else "pending",
            "good": op_states[o.seq].good if o.seq in op_states else 0.0,
            "scrap": op_states[o.seq].scrap if o.seq in op_states else 0.0,
            "rework": op_states[o.seq].rework if o.seq in op_states else 0.0,
            "scrap_by_reason": op_states[o.seq].scrap_by_reason if o.seq in op_states else {},
            "run_seconds": op_states[o.seq].run_seconds if o.seq in op_states else 0.0,
            "equipment": op_states[o.seq].equipment_code if o.seq in op_states else None,
            "wip": wip.get(o.seq, 0.0),
        } for o in wo.operations]
        items = dict(session.execute(select(Item.id, Item.code).where(
            Item.id.in_({m.item_id for m in wo.materials}))).all()) if wo.materials else {}
        out["materials"] = [{"item": items.get(m.item_id), "quantity": m.quantity} for m in wo.materials]
        out["consumed_lots"] = state.consumed_lots if state else []
        out["produced_lots"] = state.produced_lots if state else []
    return out


class CommandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=500)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[dict[str, Any]] = Field(min_length=1, max_length=10_000)


@router.get("/work-orders")
def list_work_orders(caller: Caller, session: DB, page: PageQ,
                     status: str | None = Query(None), item: str | None = Query(None),
                     due_before: date | None = Query(None)) -> dict[str, Any]:
    stmt = select(WorkOrder).outerjoin(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id).where(
        WorkOrder.company_id == caller.company_id)
    if status:
        stmt = stmt.where(func.coalesce(WorkOrderState.status, "planned") == status)
    if item:
        stmt = stmt.join(Item, Item.id == WorkOrder.item_id).where(Item.code == item)
    if due_before:
        stmt = stmt.where(WorkOrder.due_date < due_before)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(WorkOrder.due_date, WorkOrder.code).offset(page.offset).limit(page.limit))
    return paged([work_order_out(session, wo) for wo in rows], total, page)


@router.post("/work-orders", status_code=201, dependencies=[require("workorders:write")])
def create_work_order(body: ex.WorkOrderIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Create a planned work order; its BOM and routing are exploded into materials and operations."""
    wo = ex.create_work_order(session, caller.company_id, body, actor=caller.name)
    return work_order_out(session, wo, detail=True)


@router.get("/work-orders/{code}")
def get_work_order(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return work_order_out(session, ex.get_work_order(session, caller.company_id, code), detail=True)


@router.post("/work-orders/{code}/{command}", dependencies=[require("workorders:write")])
def command_work_order(code: str, command: str, caller: Caller, session: DB,
                       body: CommandIn | None = None) -> dict[str, Any]:
    """release | hold | resume | cancel | close — an illegal transition is a 409 naming the current status."""
    ex.command_work_order(session, caller.company_id, code, command, caller.name, body.reason if body else None)
    return work_order_out(session, ex.get_work_order(session, caller.company_id, code), detail=True)


@router.get("/work-orders/{code}/events")
def work_order_events(code: str, caller: Caller, session: DB, page: PageQ) -> dict[str, Any]:
    rows, total = ex.list_events(session, caller.company_id, work_order=code, offset=page.offset,
                                 limit=page.limit)
    return paged([event_out(e) for e in rows], total, page)


@router.post("/events", status_code=201, dependencies=[require("events:write")])
def post_event(body: ex.NewEvent, caller: Caller, session: DB, response: Response) -> dict[str, Any]:
    """Record one event. A repeated idempotency key returns the original event with status 200."""
    result = ex.post_events(session, caller.company_id, [body], actor=caller.name, source="api")[0]
    if result.duplicate:
        response.status_code = 200
    return {**event_out(result.event), "duplicate": result.duplicate}


@router.post("/events/batch", status_code=201, dependencies=[require("events:write")])
def post_events(body: BatchIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Record many events at once: all or nothing. Problems name ``events.<index>.<field>``."""
    results = ex.post_events(session, caller.company_id, body.events, actor=caller.name, source="api")
    return {"accepted": sum(not r.duplicate for r in results), "duplicates": sum(r.duplicate for r in results),
            "events": [{"id": str(r.event.id), "idempotency_key": r.event.idempotency_key,
                        "duplicate": r.duplicate} for r in results]}


@router.get("/events")
def list_events(caller: Caller, session: DB, page: PageQ, work_order: str | None = None,
                type: str | None = None, since: datetime | None = None,
                until: datetime | None = None) -> dict[str, Any]:
    rows, total = ex.list_events(session, caller.company_id, work_order=work_order, type_=type, since=since,
                                 until=until, offset=page.offset, limit=page.limit)
    return paged([event_out(e) for e in rows], total, page)


@router.get("/wip")
def wip(caller: Caller, session: DB, work_center: str | None = None) -> list[dict[str, Any]]:
    """Work in process per operation of every active work order."""
    out = []
    stmt = select(WorkOrder).join(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id).where(
        WorkOrder.company_id == caller.company_id, WorkOrderState.status.in_(("released", "in_progress", "on_hold")))
    for wo in session.scalars(stmt.order_by(WorkOrder.code)):
        for op in work_order_out(session, wo, detail=True)["operations"]:
            if work_center and op["work_center"] != work_center:
                continue
            out.append({"work_order": wo.code, "seq": op["seq"], "name": op["name"],
                        "work_center": op["work_center"], "status": op["status"], "wip": op["wip"],
                        "good": op["good"], "scrap": op["scrap"]})
    return out


@router.get("/machines/state")
def machine_states(caller: Caller, session: DB) -> list[dict[str, Any]]:
    rows = session.scalars(select(MachineState).where(MachineState.company_id == caller.company_id)
                           .order_by(MachineState.equipment_code))
    return [{"equipment": m.equipment_code, "state": m.state, "since": m.since, "reason_code": m.reason_code}
            for m in rows]


@router.get("/parts/{part_id}")
def part_state(part_id: str, caller: Caller, session: DB) -> dict[str, Any]:
    row = session.get(PartState, (caller.company_id, part_id))
    if row is None:
        raise NotFound(f"part {part_id} was never scanned")
    return {"part_id": row.part_id, "station": row.station, "scanned_at": row.scanned_at,
            "scans": [{"at": s[0], "station": s[1]} for s in row.scans]}
