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
from jejo.execution.tables import MachineState, PartState, WorkOrder, WorkOrderState
from jejo.execution.views import event_out, work_order_out
from jejo.masterdata.tables import Item

router = APIRouter(tags=["execution"])


class CommandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=500)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[dict[str, Any]] = Field(min_length=1, max_length=10_000)


@router.get("/work-orders")
def list_work_orders(
    caller: Caller,
    session: DB,
    page: PageQ,
    status: str | None = Query(None),
    item: str | None = Query(None),
    due_before: date | None = Query(None),
) -> dict[str, Any]:
    stmt = (
        select(WorkOrder)
        .outerjoin(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .where(WorkOrder.company_id == caller.company_id)
    )
    if status:
        stmt = stmt.where(func.coalesce(WorkOrderState.status, "planned") == status)
    if item:
        stmt = stmt.join(Item, Item.id == WorkOrder.item_id).where(Item.code == item)
    if due_before:
        stmt = stmt.where(WorkOrder.due_date < due_before)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(WorkOrder.due_date, WorkOrder.code).offset(page.offset).limit(page.limit)
    )
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
def command_work_order(
    code: str, command: str, caller: Caller, session: DB, body: CommandIn | None = None
) -> dict[str, Any]:
    """release | hold | resume | cancel | close — an illegal transition is a 409 naming the current status."""
    ex.command_work_order(
        session, caller.company_id, code, command, caller.name, body.reason if body else None
    )
    return work_order_out(session, ex.get_work_order(session, caller.company_id, code), detail=True)


@router.get("/work-orders/{code}/events")
def work_order_events(code: str, caller: Caller, session: DB, page: PageQ) -> dict[str, Any]:
    rows, total = ex.list_events(
        session, caller.company_id, work_order=code, offset=page.offset, limit=page.limit
    )
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
    return {
        "accepted": sum(not r.duplicate for r in results),
        "duplicates": sum(r.duplicate for r in results),
        "events": [
            {"id": str(r.event.id), "idempotency_key": r.event.idempotency_key, "duplicate": r.duplicate}
            for r in results
        ],
    }


@router.get("/events")
def list_events(
    caller: Caller,
    session: DB,
    page: PageQ,
    work_order: str | None = None,
    type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    rows, total = ex.list_events(
        session,
        caller.company_id,
        work_order=work_order,
        type_=type,
        since=since,
        until=until,
        offset=page.offset,
        limit=page.limit,
    )
    return paged([event_out(e) for e in rows], total, page)


@router.get("/wip")
def wip(caller: Caller, session: DB, work_center: str | None = None) -> list[dict[str, Any]]:
    """Work in process per operation of every active work order."""
    out = []
    stmt = (
        select(WorkOrder)
        .join(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .where(
            WorkOrder.company_id == caller.company_id,
            WorkOrderState.status.in_(("released", "in_progress", "on_hold")),
        )
    )
    for wo in session.scalars(stmt.order_by(WorkOrder.code)):
        for op in work_order_out(session, wo, detail=True)["operations"]:
            if work_center and op["work_center"] != work_center:
                continue
            out.append(
                {
                    "work_order": wo.code,
                    "seq": op["seq"],
                    "name": op["name"],
                    "work_center": op["work_center"],
                    "status": op["status"],
                    "wip": op["wip"],
                    "good": op["good"],
                    "scrap": op["scrap"],
                }
            )
    return out


@router.get("/machines/state")
def machine_states(caller: Caller, session: DB) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(MachineState)
        .where(MachineState.company_id == caller.company_id)
        .order_by(MachineState.equipment_code)
    )
    return [
        {"equipment": m.equipment_code, "state": m.state, "since": m.since, "reason_code": m.reason_code}
        for m in rows
    ]


@router.get("/parts/{part_id}")
def part_state(part_id: str, caller: Caller, session: DB) -> dict[str, Any]:
    row = session.get(PartState, (caller.company_id, part_id))
    if row is None:
        raise NotFound(f"part {part_id} was never scanned")
    return {
        "part_id": row.part_id,
        "station": row.station,
        "scanned_at": row.scanned_at,
        "scans": [{"at": s[0], "station": s[1]} for s in row.scans],
    }
