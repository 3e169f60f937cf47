"""Purchasing: suppliers, MRP shortages and proposals, purchase orders, receipts, the material check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from jejo.api.deps import DB, Caller, require
from jejo.api.problems import problem_response
from jejo.execution import service as ex
from jejo.execution.views import work_order_out
from jejo.purchasing import service as ps
from jejo.purchasing.schemas import PurchaseOrderIn, ReceiptIn, SupplierIn, SupplierItemIn

router = APIRouter(tags=["purchasing"])
WRITE = [require("workorders:write")]


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: bool


@router.get("/purchasing/suppliers")
def list_suppliers(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return [ps.supplier_out(s) for s in ps.list_suppliers(session, caller.company_id)]


@router.post("/purchasing/suppliers", status_code=201, dependencies=WRITE)
def create_supplier(body: SupplierIn, caller: Caller, session: DB) -> dict[str, Any]:
    return ps.supplier_out(ps.create_supplier(session, caller.company_id, body))


@router.get("/purchasing/suppliers/{code}")
def get_supplier(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return ps.supplier_out(ps.get_supplier(session, caller.company_id, code)) | {
        "performance": ps.supplier_performance(session, caller.company_id, code)
    }


@router.put("/purchasing/suppliers/{code}/items", dependencies=WRITE)
def set_supplier_item(code: str, body: SupplierItemIn, caller: Caller, session: DB) -> dict[str, Any]:
    row = ps.set_supplier_item(session, caller.company_id, code, body)
    return {"supplier": code, "item": row.item.code, "price": row.price, "lead_time_days": row.lead_time_days}


@router.get("/purchasing/shortages")
def shortages(caller: Caller, session: DB) -> list[dict[str, Any]]:
    """MRP: what open work orders need beyond stock (not on hold) and open purchase orders."""
    return [ps.shortage_out(s) for s in ps.shortages(session, caller.company_id).values()]


@router.post("/purchasing/proposals", status_code=201, dependencies=WRITE)
def propose(body: ProposeIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Turn the shortages into proposed purchase orders (one per supplier)."""
    made, orphans = ps.propose(session, caller.company_id) if body.confirm else ([], [])
    return {
        "purchase_orders": [ps.order_out(p) for p in made],
        "no_supplier": [ps.shortage_out(s) for s in orphans],
    }


@router.get("/purchasing/orders")
def list_orders(caller: Caller, session: DB, status: str | None = None) -> list[dict[str, Any]]:
    return [ps.order_out(p) for p in ps.list_orders(session, caller.company_id, status)]


@router.post("/purchasing/orders", status_code=201, dependencies=WRITE)
def create_order(body: PurchaseOrderIn, caller: Caller, session: DB) -> dict[str, Any]:
    return ps.order_out(ps.create_order(session, caller.company_id, body))


@router.get("/purchasing/orders/{code}")
def get_order(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return ps.order_out(ps.get_order(session, caller.company_id, code))


@router.post("/purchasing/orders/{code}/place", dependencies=WRITE)
def place(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return ps.order_out(ps.place_order(session, caller.company_id, code))


@router.post("/purchasing/orders/{code}/receipts", status_code=201, dependencies=WRITE)
def receive(code: str, body: ReceiptIn, caller: Caller, session: DB) -> dict[str, Any]:
    """입고: lots in, incoming inspections opened, blocked work orders released when covered."""
    return ps.receive(session, caller.company_id, code, body, caller.name)


@router.get("/purchasing/blocked")
def blocked(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return ps.blocked_work_orders(session, caller.company_id)


@router.post("/purchasing/work-orders/{code}/release", dependencies=WRITE, response_model=None)
def release(code: str, request: Request, caller: Caller, session: DB) -> dict[str, Any] | JSONResponse:
    """Release after the material check: a shortage is a 409 naming the items, and the order is recorded
    as blocked (it is released by the receipt that covers it)."""
    try:
        ps.release_work_order(session, caller.company_id, code, caller.name)
    except ps.MaterialShortage as exc:  # answered, not raised: the block must be committed
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            exc.type_slug,
            request.url.path,
            [p.as_dict() for p in exc.problems],
            **exc.extra,
        )
    return work_order_out(session, ex.get_work_order(session, caller.company_id, code), detail=True)
