"""Maintenance: plans and the due check, orders (breakdown, request, preventive), completion, MTBF/MTTR,
and planned unavailability for the scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query

from jejo.api.deps import DB, Caller, require
from jejo.core.timeutil import utcnow
from jejo.maintenance import service as ms
from jejo.maintenance.schemas import CheckIn, CompleteIn, OrderIn, PlanIn

router = APIRouter(tags=["maintenance"])
WRITE = [require("workorders:write")]


@router.get("/maintenance/plans")
def list_plans(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return [ms.plan_out(p) for p in ms.list_plans(session, caller.company_id)]


@router.put("/maintenance/plans", dependencies=[require("masterdata:write")])
def save_plan(body: PlanIn, caller: Caller, session: DB) -> dict[str, Any]:
    return ms.plan_out(ms.save_plan(session, caller.company_id, body))


@router.post("/maintenance/plans/check", dependencies=WRITE)
def check_plans(body: CheckIn, caller: Caller, session: DB) -> list[dict[str, Any]]:
    """Open preventive orders for the plans that are due (counter/hours tags from machine data)."""
    return [ms.order_out(o) for o in ms.check_plans(session, caller.company_id, body, caller.name)]


@router.get("/maintenance/orders")
def list_orders(
    caller: Caller, session: DB, status: str | None = None, equipment: str | None = None
) -> list[dict[str, Any]]:
    return [ms.order_out(o) for o in ms.list_orders(session, caller.company_id, status, equipment)]


@router.post("/maintenance/orders", status_code=201, dependencies=WRITE)
def open_order(body: OrderIn, caller: Caller, session: DB) -> dict[str, Any]:
    return ms.order_out(ms.open_order(session, caller.company_id, body, caller.name))


@router.get("/maintenance/orders/{code}")
def get_order(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return ms.order_out(ms.get_order(session, caller.company_id, code))


@router.post("/maintenance/orders/{code}/start", dependencies=WRITE)
def start(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return ms.order_out(ms.start_order(session, caller.company_id, code))


@router.post("/maintenance/orders/{code}/complete", dependencies=WRITE)
def complete(code: str, body: CompleteIn, caller: Caller, session: DB) -> dict[str, Any]:
    return ms.order_out(ms.complete_order(session, caller.company_id, code, body, caller.name))


@router.get("/maintenance/reliability/{code}")
def reliability(
    code: str, caller: Caller, session: DB, start: datetime = Query(...), end: datetime = Query(...)
) -> dict[str, Any]:
    """MTBF and MTTR of a machine (hours) from its breakdown orders."""
    return ms.reliability_of(session, caller.company_id, code, start, end)


@router.get("/maintenance/unavailable")
def unavailable(
    caller: Caller, session: DB, start: datetime | None = Query(None), end: datetime | None = Query(None)
) -> list[dict[str, Any]]:
    """Planned maintenance overlapping [start, end) (default: the next 7 days)."""
    start = start or utcnow()
    return ms.unavailable(session, caller.company_id, start, end or start + timedelta(days=7))
