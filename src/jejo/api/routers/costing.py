"""Costing: standard prices and rates, clock-in/out and labour bookings, cost of a work order."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from jejo.api.deps import DB, Caller, require
from jejo.costing import service as cs
from jejo.costing.schemas import BookingIn, ClockIn, PriceIn, RateIn

router = APIRouter(tags=["costing"])


@router.put("/costing/prices", dependencies=[require("masterdata:write")])
def set_price(body: PriceIn, caller: Caller, session: DB) -> dict[str, Any]:
    cs.set_price(session, caller.company_id, body)
    return body.model_dump()


@router.get("/costing/prices")
def prices(caller: Caller, session: DB) -> dict[str, float]:
    return cs.prices(session, caller.company_id)


@router.put("/costing/rates", dependencies=[require("masterdata:write")])
def set_rate(body: RateIn, caller: Caller, session: DB) -> dict[str, Any]:
    cs.set_rate(session, caller.company_id, body)
    return body.model_dump()


@router.get("/costing/rates")
def rates(caller: Caller, session: DB) -> dict[str, dict[str, int]]:
    return {
        k: {"machine_rate": r.machine, "labour_rate": r.labour}
        for k, r in cs.rates(session, caller.company_id).items()
    }


@router.post("/costing/clock-in", status_code=201, dependencies=[require("events:write")])
def clock_in(body: ClockIn, caller: Caller, session: DB) -> dict[str, Any]:
    return cs.clock(session, caller.company_id, body, "in", caller.name)


@router.post("/costing/clock-out", status_code=201, dependencies=[require("events:write")])
def clock_out(body: ClockIn, caller: Caller, session: DB) -> dict[str, Any]:
    return cs.clock(session, caller.company_id, body, "out", caller.name)


@router.get("/costing/clocked-in")
def clocked_in(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return cs.clocked_in(session, caller.company_id)


@router.post("/costing/bookings", status_code=201, dependencies=[require("events:write")])
def book(body: BookingIn, caller: Caller, session: DB) -> dict[str, Any]:
    b = cs.book(session, caller.company_id, body, caller.name)
    return body.model_dump(mode="json") | {"event_id": str(b.event_id)}


@router.get("/costing/work-orders/{code}")
def work_order_cost(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    """Standard vs actual cost of a work order, in total and per good unit (KRW)."""
    return cs.work_order_cost(session, caller.company_id, code)
