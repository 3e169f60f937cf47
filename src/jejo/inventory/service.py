"""Inventory queries: stock on hand, lots, and genealogy both ways (which finished lots used raw lot X;
which raw lots went into finished lot Y). Movements themselves are events (see jejo.execution.events)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.core.errors import NotFound
from jejo.execution.tables import GenealogyLink, WorkOrder
from jejo.inventory.tables import Lot, Stock


def stock_on_hand(
    session: Session,
    company_id: int,
    *,
    item: str | None = None,
    location: str | None = None,
    lot: str | None = None,
    include_zero: bool = False,
) -> list[Stock]:
    stmt = select(Stock).where(Stock.company_id == company_id)
    if item:
        stmt = stmt.where(Stock.item_code == item)
    if location:
        stmt = stmt.where(Stock.location_code == location)
    if lot:
        stmt = stmt.where(Stock.lot_code == lot)
    if not include_zero:
        stmt = stmt.where(func.abs(Stock.quantity) > 1e-9)
    return list(session.scalars(stmt.order_by(Stock.item_code, Stock.lot_code, Stock.location_code)))


def get_lot(session: Session, company_id: int, code: str) -> Lot:
    lot = session.get(Lot, (company_id, code))
    if lot is None:
        raise NotFound(f"lot {code} not found")
    return lot


@dataclass(frozen=True)
class GenealogyNode:
    lot: str
    item: str | None
    depth: int
    via_work_order: str | None


def genealogy(
    session: Session, company_id: int, lot: str, direction: str = "down", max_depth: int = 20
) -> list[GenealogyNode]:
    """Lots reachable from ``lot``: ``down`` = what was made from it (where-used); ``up`` = what went into it.

    Breadth-first over the genealogy projection, so multi-level paths (raw → semi → finished) are followed.
    """
    get_lot(session, company_id, lot)
    if direction not in ("up", "down"):
        raise ValueError("direction must be 'up' or 'down'")
    here, there = (
        (GenealogyLink.parent_lot, GenealogyLink.child_lot)
        if direction == "down"
        else (GenealogyLink.child_lot, GenealogyLink.parent_lot)
    )
    seen = {lot}
    frontier = [lot]
    out: list[GenealogyNode] = []
    depth = 0
    while frontier and depth < max_depth:
        depth += 1
        rows = session.execute(
            select(there, GenealogyLink.work_order_id).where(
                GenealogyLink.company_id == company_id, here.in_(frontier)
            )
        ).all()
        frontier = []
        wo_codes = (
            dict(
                session.execute(
                    select(WorkOrder.id, WorkOrder.code).where(WorkOrder.id.in_({r[1] for r in rows}))
                ).all()
            )
            if rows
            else {}
        )
        for code, wo_id in sorted(rows):
            if code in seen:
                continue
            seen.add(code)
            frontier.append(code)
            lot_row = session.get(Lot, (company_id, code))
            out.append(
                GenealogyNode(code, lot_row.item_code if lot_row else None, depth, wo_codes.get(wo_id))
            )
    return out
