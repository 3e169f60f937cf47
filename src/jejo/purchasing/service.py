"""Purchasing services: suppliers, MRP proposals, purchase orders, receipts, the material check on
work-order release, and supplier performance.

**Blocked work order.** Releasing a work order through :func:`release_work_order` first checks its
materials: what it still needs (its BOM requirements less what it has consumed; a made-in-house component
that is not in stock is exploded into its own components) must be coverable by stock on hand in lots that
are not on hold, after what the work orders already released still need. If not, the order stays planned,
a :class:`MaterialBlock` records the shortages and the call fails with a 409 naming them. Every receipt
re-checks the blocked orders (oldest first) and releases those whose materials are now there.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import Conflict, Problem, ProblemCollector, ValidationError
from jejo.core.lookup import create_with_code, get_by_code, list_by_code
from jejo.core.timeutil import as_utc, to_local, utcnow
from jejo.execution import service as ex
from jejo.execution.statemachine import WOStatus
from jejo.execution.tables import Event, WorkOrder, WorkOrderState
from jejo.inventory.tables import Location, Stock
from jejo.masterdata import service as md
from jejo.masterdata.tables import Item
from jejo.purchasing import mrp
from jejo.purchasing.schemas import PurchaseOrderIn, ReceiptIn, SupplierIn, SupplierItemIn
from jejo.purchasing.tables import (
    MaterialBlock,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    Supplier,
    SupplierItem,
)

EPS = 1e-9
OPEN_WO = ("planned", "released", "in_progress", "on_hold")
RELEASED_WO = ("released", "in_progress", "on_hold")


class MaterialShortage(Conflict):
    """A work order cannot be released for want of material. The block is recorded before this is
    raised: a caller that wants it kept commits its transaction (the API answers 409 and commits)."""

    title = "Material shortage"
    type_slug = "material-shortage"


def _next_code(session: Session, table: Any, company_id: int, prefix: str) -> str:
    stem = f"{prefix}-{utcnow():%Y%m%d}-"
    last = session.scalar(
        select(table.code)
        .where(table.company_id == company_id, table.code.like(stem + "%"))
        .order_by(table.code.desc())
        .limit(1)
    )
    tail = last.rsplit("-", 1)[1] if last else ""
    return f"{stem}{(int(tail) + 1 if tail.isdigit() else 1):04d}"


# ---- suppliers -----------------------------------------------------------------------------------


def create_supplier(session: Session, company_id: int, body: SupplierIn) -> Supplier:
    return create_with_code(session, Supplier, company_id, body.model_dump(), "supplier")


def get_supplier(session: Session, company_id: int, code: str) -> Supplier:
    return get_by_code(session, Supplier, company_id, code, "supplier")


def list_suppliers(session: Session, company_id: int) -> list[Supplier]:
    return list_by_code(session, Supplier, company_id)


def supplier_out(s: Supplier) -> dict[str, Any]:
    return {k: getattr(s, k) for k in ("code", "name", "business_number", "lead_time_days", "contact")}


def set_supplier_item(session: Session, company_id: int, supplier: str, body: SupplierItemIn) -> SupplierItem:
    sup = get_supplier(session, company_id, supplier)
    item = session.scalar(select(Item).where(Item.company_id == company_id, Item.code == body.item))
    if item is None:
        raise ValidationError(
            "supplier item not saved", [Problem(reason=f"item {body.item!r} does not exist", field="item")]
        )
    row = session.scalar(
        select(SupplierItem).where(SupplierItem.supplier_id == sup.id, SupplierItem.item_id == item.id)
    )
    if row is None:
        row = SupplierItem(company_id=company_id, supplier_id=sup.id, item_id=item.id)
        session.add(row)
    row.price, row.lead_time_days, row.priority = body.price, body.lead_time_days, body.priority
    session.flush()
    return row


# ---- requirements --------------------------------------------------------------------------------


def _consumed(session: Session, wo_ids: list[int]) -> dict[tuple[int, str], float]:
    out: dict[tuple[int, str], float] = defaultdict(float)
    if not wo_ids:
        return out
    for wo_id, payload in session.execute(
        select(Event.work_order_id, Event.payload).where(
            Event.type == "material.consumed", Event.work_order_id.in_(wo_ids)
        )
    ):
        out[(wo_id, payload["item"])] += float(payload["quantity"])
    return out


def demands(session: Session, company_id: int, statuses: tuple[str, ...] = OPEN_WO) -> list[mrp.Demand]:
    """What open work orders still need: BOM requirements less what they consumed."""
    rows = session.execute(
        select(WorkOrder, WorkOrderState.status)
        .outerjoin(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .where(WorkOrder.company_id == company_id)
    ).all()
    wos = [wo for wo, status in rows if (status or "planned") in statuses]
    consumed = _consumed(session, [wo.id for wo in wos])
    ids = {m.item_id for wo in wos for m in wo.materials}
    codes = dict(session.execute(select(Item.id, Item.code).where(Item.id.in_(ids))).all()) if ids else {}
    out = []
    for wo in wos:
        for m in wo.materials:
            code = codes[m.item_id]
            left = m.quantity - consumed.get((wo.id, code), 0.0)
            if left > EPS:
                out.append(mrp.Demand(wo.code, code, left, wo.due_date))
    return out


def available(session: Session, company_id: int, *, on_order: bool) -> dict[str, float]:
    """Stock on hand in lots not on hold (plus, with ``on_order``, open purchase-order quantities)."""
    from jejo.quality import service as qs

    rows = session.execute(
        select(Stock.item_code, Stock.lot_code, Stock.quantity).where(
            Stock.company_id == company_id, Stock.quantity > EPS
        )
    ).all()
    held = qs.held_lots(session, company_id, {lot for _, lot, _ in rows})
    out: dict[str, float] = defaultdict(float)
    for item, lot, qty in rows:
        if lot not in held:
            out[item] += qty
    if on_order:
        for code, qty, got in session.execute(
            select(Item.code, PurchaseOrderLine.quantity, PurchaseOrderLine.received_quantity)
            .join(PurchaseOrderLine, PurchaseOrderLine.item_id == Item.id)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .where(PurchaseOrder.company_id == company_id, PurchaseOrder.status.in_(("proposed", "ordered")))
        ):
            out[code] += max(0.0, qty - got)
    return dict(out)


def bought_items(session: Session, company_id: int) -> set[str]:
    """Items that are bought, not made: raw materials and anything a supplier sells us."""
    raw = set(session.scalars(select(Item.code).where(Item.company_id == company_id, Item.kind == "raw")))
    sold = set(
        session.scalars(
            select(Item.code)
            .join(SupplierItem, SupplierItem.item_id == Item.id)
            .where(SupplierItem.company_id == company_id)
        )
    )
    return raw | sold


def shortages(session: Session, company_id: int) -> dict[str, mrp.Shortage]:
    """MRP: open work orders' needs against stock and open purchase orders."""
    return mrp.net(
        demands(session, company_id),
        md.bom_defs(session, company_id),
        available(session, company_id, on_order=True),
        bought_items(session, company_id),
    )


def shortage_out(s: mrp.Shortage) -> dict[str, Any]:
    return {
        "item": s.item,
        "quantity": s.quantity,
        "need_date": s.need_date,
        "work_orders": sorted(s.work_orders),
    }


def propose(
    session: Session, company_id: int, today: date | None = None
) -> tuple[list[PurchaseOrder], list[mrp.Shortage]]:
    """Turn MRP shortages into proposed purchase orders, one per supplier (the item's first supplier).
    Returns the proposals and the shortages no supplier sells (to be set up)."""
    today = today or to_local(utcnow()).date()
    found = shortages(session, company_id)
    by_supplier: dict[int, list[tuple[mrp.Shortage, SupplierItem]]] = defaultdict(list)
    orphans = []
    for s in found.values():
        si = session.scalar(
            select(SupplierItem)
            .join(Item, Item.id == SupplierItem.item_id)
            .where(SupplierItem.company_id == company_id, Item.code == s.item)
            .order_by(SupplierItem.priority, SupplierItem.id)
            .limit(1)
        )
        if si is None:
            orphans.append(s)
        else:
            by_supplier[si.supplier_id].append((s, si))
    made = []
    for _supplier_id, wants in sorted(by_supplier.items()):
        sup = wants[0][1].supplier
        lead = max(
            si.lead_time_days if si.lead_time_days is not None else sup.lead_time_days for _, si in wants
        )
        need = min(s.need_date for s, _ in wants)
        po = PurchaseOrder(
            company_id=company_id,
            code=_next_code(session, PurchaseOrder, company_id, "PO"),
            supplier_id=sup.id,
            order_date=today,
            due_date=max(today + timedelta(days=lead), min(need, today + timedelta(days=lead))),
            status="proposed",
        )
        po.lines = [
            PurchaseOrderLine(
                line_no=i + 1, item_id=si.item_id, quantity=_round_up(s.quantity), unit_price=si.price
            )
            for i, (s, si) in enumerate(wants)
        ]
        session.add(po)
        session.flush()
        made.append(po)
    return made, orphans


def _round_up(q: float) -> float:
    """Order quantities are rounded up to 3 decimals (no 0.30000000000000004 on a purchase order)."""
    return math.ceil(q * 1000 - 1e-6) / 1000


# ---- purchase orders -----------------------------------------------------------------------------


def create_order(session: Session, company_id: int, body: PurchaseOrderIn) -> PurchaseOrder:
    pc = ProblemCollector()
    sup = session.scalar(
        select(Supplier).where(Supplier.company_id == company_id, Supplier.code == body.supplier)
    )
    if sup is None:
        pc.add(f"supplier {body.supplier!r} does not exist", field="supplier")
    items = {
        i.code: i
        for i in session.scalars(
            select(Item).where(Item.company_id == company_id, Item.code.in_({ln.item for ln in body.lines}))
        )
    }
    for i, ln in enumerate(body.lines):
        if ln.item not in items:
            pc.add(f"item {ln.item!r} does not exist", field=f"lines.{i}.item")
    if body.code and session.scalar(
        select(PurchaseOrder.id).where(
            PurchaseOrder.company_id == company_id, PurchaseOrder.code == body.code
        )
    ):
        pc.add(f"purchase order {body.code} already exists", field="code")
    pc.raise_if_any("purchase order not created")
    assert sup is not None
    po = PurchaseOrder(
        company_id=company_id,
        code=body.code or _next_code(session, PurchaseOrder, company_id, "PO"),
        supplier_id=sup.id,
        order_date=body.order_date or to_local(utcnow()).date(),
        due_date=body.due_date,
        status="ordered",
    )
    po.lines = [
        PurchaseOrderLine(
            line_no=i + 1, item_id=items[ln.item].id, quantity=ln.quantity, unit_price=ln.unit_price or 0
        )
        for i, ln in enumerate(body.lines)
    ]
    session.add(po)
    session.flush()
    return po


def get_order(session: Session, company_id: int, code: str) -> PurchaseOrder:
    return get_by_code(session, PurchaseOrder, company_id, code, "purchase order")


def list_orders(session: Session, company_id: int, status: str | None = None) -> list[PurchaseOrder]:
    stmt = select(PurchaseOrder).where(PurchaseOrder.company_id == company_id)
    if status:
        stmt = stmt.where(PurchaseOrder.status == status)
    return list(session.scalars(stmt.order_by(PurchaseOrder.order_date.desc(), PurchaseOrder.code.desc())))


def order_out(po: PurchaseOrder) -> dict[str, Any]:
    return {
        "code": po.code,
        "supplier": po.supplier.code,
        "order_date": po.order_date,
        "due_date": po.due_date,
        "status": po.status,
        "lines": [
            {
                "line": ln.line_no,
                "item": ln.item.code,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "received": ln.received_quantity,
            }
            for ln in po.lines
        ],
    }


def place_order(session: Session, company_id: int, code: str) -> PurchaseOrder:
    """Send a proposal to the supplier: proposed → ordered."""
    po = get_order(session, company_id, code)
    if po.status != "proposed":
        raise Conflict(f"purchase order {code} is {po.status}; only a proposed order can be placed")
    po.status = "ordered"
    return po


def receive(session: Session, company_id: int, code: str, body: ReceiptIn, actor: str) -> dict[str, Any]:
    """입고: receive lots against an order's lines. Each lot's stock arrives with ``inventory.received``;
    an incoming inspection is opened for items that have an incoming plan; then blocked work orders whose
    materials are now there are released. Returns the receipts, the inspections and the released orders."""
    from jejo.quality import service as qs
    from jejo.quality.schemas import InspectionIn
    from jejo.quality.tables import InspectionPlan

    po = get_order(session, company_id, code)
    if po.status not in ("ordered", "proposed"):
        raise Conflict(f"purchase order {code} is {po.status}; nothing more can be received")
    lines = {ln.line_no: ln for ln in po.lines}
    locations = set(session.scalars(select(Location.code).where(Location.company_id == company_id)))
    pc = ProblemCollector()
    for i, r in enumerate(body.lines):
        if r.line not in lines:
            pc.add(f"order {code} has no line {r.line}", field=f"lines.{i}.line")
        if r.location not in locations:
            pc.add(f"location {r.location!r} does not exist", field=f"lines.{i}.location")
    pc.raise_if_any("receipt not recorded")
    at = as_utc(body.received_at) if body.received_at else utcnow()
    events: list[dict[str, Any]] = []
    receipts = []
    for i, r in enumerate(body.lines):
        ln = lines[r.line]
        move = {"item": ln.item.code, "lot": r.lot, "quantity": r.quantity, "location": r.location}
        key = f"receipt:{po.code}:{r.line}:{r.lot}:{at.isoformat()}:{i}"
        events.append(
            {
                "type": "inventory.received",
                "occurred_at": at.isoformat(),
                "payload": move,
                "idempotency_key": key + ":in",
            }
        )
        events.append(
            {
                "type": "purchase.received",
                "occurred_at": at.isoformat(),
                "idempotency_key": key,
                "payload": move | {"purchase_order": po.code, "supplier": po.supplier.code, "line": r.line},
            }
        )
        ln.received_quantity += r.quantity
        receipts.append(
            PurchaseReceipt(
                company_id=company_id,
                order_line_id=ln.id,
                lot_code=r.lot,
                location_code=r.location,
                quantity=r.quantity,
                received_at=at,
            )
        )
    ex.post_events(session, company_id, events, actor=actor, source="purchasing")
    session.add_all(receipts)
    if po.status == "proposed":
        po.status = "ordered"
    if all(ln.received_quantity >= ln.quantity - EPS for ln in po.lines):
        po.status = "received"
    session.flush()
    inspections = []
    for r in body.lines:
        ln = lines[r.line]
        plan = session.scalar(
            select(InspectionPlan).where(
                InspectionPlan.company_id == company_id,
                InspectionPlan.item_id == ln.item_id,
                InspectionPlan.stage == "incoming",
            )
        )
        if plan is not None:
            inspections.append(
                qs.open_inspection(
                    session,
                    company_id,
                    InspectionIn(lot=r.lot, plan=plan.code, lot_size=max(2, math.ceil(r.quantity - EPS))),
                ).code
            )
    released = release_unblocked(session, company_id, actor)
    return {
        "purchase_order": po.code,
        "status": po.status,
        "lots": [r.lot for r in body.lines],
        "inspections": inspections,
        "released_work_orders": released,
    }


# ---- material check on release -------------------------------------------------------------------


def material_shortages(session: Session, company_id: int, wo: WorkOrder) -> dict[str, float]:
    """What ``wo`` would lack if released now (see the module docstring)."""
    mine = [d for d in demands(session, company_id, OPEN_WO) if d.work_order == wo.code]
    others = [d for d in demands(session, company_id, RELEASED_WO) if d.work_order != wo.code]
    others.sort(key=lambda d: (d.need_date, d.work_order, d.item))
    found = mrp.net(
        [*others, *mine],
        md.bom_defs(session, company_id),
        available(session, company_id, on_order=False),
        bought_items(session, company_id),
        keep_order=True,
    )
    return {s.item: _round_up(s.quantity) for s in found.values() if wo.code in s.work_orders}


def release_work_order(session: Session, company_id: int, code: str, actor: str) -> WOStatus:
    """Release a work order after the material check; a shortage blocks it (409, the shortages listed)."""
    wo = ex.get_work_order(session, company_id, code)
    status = ex.work_order_status(session, wo)
    if status != WOStatus.PLANNED:
        return ex.command_work_order(session, company_id, code, "release", actor)  # the usual 409
    short = material_shortages(session, company_id, wo)
    block = active_block(session, wo)
    if short:
        if block is None:
            session.add(MaterialBlock(company_id=company_id, work_order_id=wo.id, shortages=short))
        else:
            block.shortages = short
        session.flush()
        raise MaterialShortage(
            f"work order {code} is blocked for want of material: "
            + ", ".join(f"{item} {qty:g}" for item, qty in sorted(short.items())),
            [
                Problem(reason=f"short by {qty:g}", field=f"materials.{item}")
                for item, qty in sorted(short.items())
            ],
            shortages=short,
        )
    if block is not None:
        block.cleared_at = utcnow()
    return ex.command_work_order(session, company_id, code, "release", actor)


def active_block(session: Session, wo: WorkOrder) -> MaterialBlock | None:
    return session.scalar(
        select(MaterialBlock).where(MaterialBlock.work_order_id == wo.id, MaterialBlock.cleared_at.is_(None))
    )


def blocked_work_orders(session: Session, company_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(WorkOrder.code, MaterialBlock.shortages, MaterialBlock.blocked_at)
        .join(MaterialBlock, MaterialBlock.work_order_id == WorkOrder.id)
        .where(MaterialBlock.company_id == company_id, MaterialBlock.cleared_at.is_(None))
        .order_by(MaterialBlock.blocked_at)
    ).all()
    return [{"work_order": c, "shortages": s, "blocked_at": at} for c, s, at in rows]


def release_unblocked(session: Session, company_id: int, actor: str) -> list[str]:
    """Release the blocked work orders (oldest block first) whose materials are now available."""
    released = []
    blocks = session.scalars(
        select(MaterialBlock)
        .where(MaterialBlock.company_id == company_id, MaterialBlock.cleared_at.is_(None))
        .order_by(MaterialBlock.blocked_at, MaterialBlock.id)
    ).all()
    for block in blocks:
        wo = session.get(WorkOrder, block.work_order_id)
        assert wo is not None
        if ex.work_order_status(session, wo) != WOStatus.PLANNED:
            block.cleared_at = utcnow()
            continue
        short = material_shortages(session, company_id, wo)
        if short:
            block.shortages = short
            continue
        block.cleared_at = utcnow()
        ex.command_work_order(session, company_id, wo.code, "release", actor, reason="material arrived")
        released.append(wo.code)
    session.flush()
    return released


# ---- supplier performance ------------------------------------------------------------------------


def supplier_performance(session: Session, company_id: int, supplier: str) -> dict[str, Any]:
    """Lead time (order day → receipt day, mean over receipts) and on-time rate (receipts on or before
    the order's due date ÷ receipts), by plant day."""
    sup = get_supplier(session, company_id, supplier)
    rows = session.execute(
        select(PurchaseOrder.order_date, PurchaseOrder.due_date, PurchaseReceipt.received_at)
        .join(PurchaseOrderLine, PurchaseOrderLine.order_id == PurchaseOrder.id)
        .join(PurchaseReceipt, PurchaseReceipt.order_line_id == PurchaseOrderLine.id)
        .where(PurchaseOrder.company_id == company_id, PurchaseOrder.supplier_id == sup.id)
    ).all()
    days = [(to_local(at).date(), od, due) for od, due, at in rows]
    n = len(days)
    return {
        "supplier": sup.code,
        "receipts": n,
        "lead_time_days": sum((d - od).days for d, od, _ in days) / n if n else None,
        "on_time_rate": sum(d <= due for d, _, due in days) / n if n else None,
        "quoted_lead_time_days": sup.lead_time_days,
    }


def receipt_time(at: datetime) -> date:
    return to_local(at).date()
