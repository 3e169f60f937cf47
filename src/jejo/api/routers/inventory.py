"""Stock on hand, lots and genealogy."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from jejo.api.deps import DB, Caller
from jejo.inventory import service as inv

router = APIRouter(tags=["inventory"])


@router.get("/stock")
def stock(
    caller: Caller, session: DB, item: str | None = None, location: str | None = None, lot: str | None = None
) -> list[dict[str, Any]]:
    return [
        {"item": s.item_code, "lot": s.lot_code, "location": s.location_code, "quantity": s.quantity}
        for s in inv.stock_on_hand(session, caller.company_id, item=item, location=location, lot=lot)
    ]


@router.get("/lots/{code}")
def lot(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    row = inv.get_lot(session, caller.company_id, code)
    return {
        "lot": row.code,
        "item": row.item_code,
        "origin": row.origin,
        "serial": row.serial,
        "created_at": row.created_at,
        "stock": [
            {"location": s.location_code, "quantity": s.quantity}
            for s in inv.stock_on_hand(session, caller.company_id, lot=code)
        ],
    }


@router.get("/lots/{code}/genealogy")
def genealogy(
    code: str,
    caller: Caller,
    session: DB,
    direction: Literal["up", "down"] = Query("down", description="down: where-used; up: made from"),
) -> dict[str, Any]:
    nodes = inv.genealogy(session, caller.company_id, code, direction)
    return {
        "lot": code,
        "direction": direction,
        "lots": [
            {"lot": n.lot, "item": n.item, "depth": n.depth, "work_order": n.via_work_order} for n in nodes
        ],
    }
