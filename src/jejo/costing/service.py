"""Costing services: standard prices and rates, clock-in/out and labour bookings (events), and the cost
of a work order (see :mod:`jejo.costing.calc` for the definitions)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import Problem, ProblemCollector, ValidationError
from jejo.core.timeutil import as_utc, utcnow
from jejo.costing import calc
from jejo.costing.schemas import BookingIn, ClockIn, PriceIn, RateIn
from jejo.costing.tables import LabourBooking, StandardPrice, WorkCenterRate
from jejo.execution import service as ex
from jejo.execution.tables import Event, WorkOrderState
from jejo.masterdata import service as md
from jejo.masterdata.bom import explode
from jejo.masterdata.tables import Item, WorkCenter


def set_price(session: Session, company_id: int, body: PriceIn) -> StandardPrice:
    item = session.scalar(select(Item).where(Item.company_id == company_id, Item.code == body.item))
    if item is None:
        raise ValidationError(
            "price not saved", [Problem(reason=f"item {body.item!r} does not exist", field="item")]
        )
    row = session.scalar(
        select(StandardPrice).where(StandardPrice.company_id == company_id, StandardPrice.item_id == item.id)
    )
    if row is None:
        row = StandardPrice(company_id=company_id, item_id=item.id, price=body.price)
        session.add(row)
    row.price = body.price
    session.flush()
    return row


def set_rate(session: Session, company_id: int, body: RateIn) -> WorkCenterRate:
    wc = session.scalar(
        select(WorkCenter).where(WorkCenter.company_id == company_id, WorkCenter.code == body.work_center)
    )
    if wc is None:
        raise ValidationError(
            "rate not saved",
            [Problem(reason=f"work center {body.work_center!r} does not exist", field="work_center")],
        )
    row = session.scalar(
        select(WorkCenterRate).where(
            WorkCenterRate.company_id == company_id, WorkCenterRate.work_center_id == wc.id
        )
    )
    if row is None:
        row = WorkCenterRate(company_id=company_id, work_center_id=wc.id)
        session.add(row)
    row.machine_rate, row.labour_rate = body.machine_rate, body.labour_rate
    session.flush()
    return row


def prices(session: Session, company_id: int) -> dict[str, float]:
    """Standard price of every item that has one; a made item without one gets its BOM's material roll-up."""
    direct = {
        code: float(p)
        for code, p in session.execute(
            select(Item.code, StandardPrice.price)
            .join(StandardPrice, StandardPrice.item_id == Item.id)
            .where(StandardPrice.company_id == company_id)
        )
    }
    boms = md.bom_defs(session, company_id)
    out = dict(direct)
    for item in boms:
        if item not in out:
            leaves = explode(boms, item, 1.0)
            out[item] = sum(q * direct.get(c, 0.0) for c, q in leaves.items() if c not in boms)
    return out


def rates(session: Session, company_id: int) -> dict[str, calc.Rates]:
    return {
        code: calc.Rates(m, lab)
        for code, m, lab in session.execute(
            select(WorkCenter.code, WorkCenterRate.machine_rate, WorkCenterRate.labour_rate)
            .join(WorkCenterRate, WorkCenterRate.work_center_id == WorkCenter.id)
            .where(WorkCenterRate.company_id == company_id)
        )
    }


# ---- time ----------------------------------------------------------------------------------------


def clock(session: Session, company_id: int, body: ClockIn, direction: str, actor: str) -> dict[str, Any]:
    """An operator clocks in or out at the terminal (``labour.clocked_in`` / ``labour.clocked_out``)."""
    at = as_utc(body.at) if body.at else utcnow()
    payload = {"operator": body.operator, "work_center": body.work_center}
    if body.work_center is not None and not session.scalar(
        select(WorkCenter.id).where(WorkCenter.company_id == company_id, WorkCenter.code == body.work_center)
    ):
        raise ValidationError(
            "not clocked",
            [Problem(reason=f"work center {body.work_center!r} does not exist", field="work_center")],
        )
    [r] = ex.post_events(
        session,
        company_id,
        [
            {
                "type": f"labour.clocked_{direction}",
                "occurred_at": at.isoformat(),
                "payload": {k: v for k, v in payload.items() if v is not None},
            }
        ],
        actor=actor,
        source="terminal",
    )
    return {"operator": body.operator, "direction": direction, "at": r.event.occurred_at}


def clocked_in(session: Session, company_id: int) -> list[dict[str, Any]]:
    """Operators whose last clock event is an ``in``."""
    last: dict[str, tuple[str, Any]] = {}
    for t, payload, at in session.execute(
        select(Event.type, Event.payload, Event.occurred_at)
        .where(Event.company_id == company_id, Event.type.in_(("labour.clocked_in", "labour.clocked_out")))
        .order_by(Event.occurred_at, Event.id)
    ):
        last[payload["operator"]] = (t, at)
    return [{"operator": op, "since": at} for op, (t, at) in sorted(last.items()) if t == "labour.clocked_in"]


def book(session: Session, company_id: int, body: BookingIn, actor: str) -> LabourBooking:
    """Book an operator's time (and the machine's) to a work-order operation (``labour.booked``)."""
    wo = ex.get_work_order(session, company_id, body.work_order)
    op = next((o for o in wo.operations if o.seq == body.seq), None)
    pc = ProblemCollector()
    if op is None:
        pc.add(f"work order {wo.code} has no operation {body.seq}", field="seq")
    pc.raise_if_any("time not booked")
    assert op is not None
    wc = session.get(WorkCenter, op.work_center_id)
    assert wc is not None
    at = as_utc(body.at) if body.at else utcnow()
    [r] = ex.post_events(
        session,
        company_id,
        [
            {
                "type": "labour.booked",
                "occurred_at": at.isoformat(),
                "payload": {
                    "operator": body.operator,
                    "work_order": wo.code,
                    "seq": body.seq,
                    "work_center": wc.code,
                    "labour_minutes": body.labour_minutes,
                    "machine_minutes": body.machine_minutes,
                },
            }
        ],
        actor=actor,
        source="terminal",
    )
    row = LabourBooking(
        company_id=company_id,
        event_id=r.event.id,
        work_order_id=wo.id,
        seq=body.seq,
        work_center_id=wc.id,
        operator=body.operator,
        labour_minutes=body.labour_minutes,
        machine_minutes=body.machine_minutes,
        booked_at=at,
    )
    session.add(row)
    session.flush()
    return row


# ---- cost of a work order ------------------------------------------------------------------------


def lot_prices(session: Session, company_id: int, lots: set[str]) -> dict[str, float]:
    """The purchase price of lots that came in on a purchase order."""
    from jejo.purchasing.tables import PurchaseOrderLine, PurchaseReceipt

    if not lots:
        return {}
    return {
        lot: float(price)
        for lot, price in session.execute(
            select(PurchaseReceipt.lot_code, PurchaseOrderLine.unit_price)
            .join(PurchaseOrderLine, PurchaseOrderLine.id == PurchaseReceipt.order_line_id)
            .where(PurchaseReceipt.company_id == company_id, PurchaseReceipt.lot_code.in_(lots))
        )
    }


def work_order_cost(session: Session, company_id: int, code: str) -> dict[str, Any]:
    """Standard and actual cost of a work order, in total and per unit, and the variance."""
    wo = ex.get_work_order(session, company_id, code)
    p = prices(session, company_id)
    r = rates(session, company_id)
    wcs = dict(
        session.execute(
            select(WorkCenter.id, WorkCenter.code).where(WorkCenter.company_id == company_id)
        ).all()
    )
    items = dict(session.execute(select(Item.id, Item.code).where(Item.company_id == company_id)).all())
    materials: dict[str, float] = defaultdict(float)
    for m in wo.materials:
        materials[items[m.item_id]] += m.quantity
    ops = [calc.OperationStd(wcs[o.work_center_id], o.setup_time_s, o.cycle_time_s) for o in wo.operations]
    std = calc.standard_cost(wo.quantity, dict(materials), p, ops, r)
    consumed = [
        (e["item"], e["lot"], float(e["quantity"]))
        for (e,) in session.execute(
            select(Event.payload).where(Event.work_order_id == wo.id, Event.type == "material.consumed")
        )
    ]
    bookings = [
        calc.Booking(wcs[b.work_center_id], b.labour_minutes, b.machine_minutes)
        for b in session.scalars(select(LabourBooking).where(LabourBooking.work_order_id == wo.id))
    ]
    state = session.get(WorkOrderState, wo.id)
    good = state.good if state else 0.0
    act = calc.actual_cost(
        good, consumed, lot_prices(session, company_id, {lot for _, lot, _ in consumed}), p, bookings, r
    )
    return {
        "work_order": wo.code,
        "standard": std.as_dict(),
        "actual": act.as_dict(),
        "variance": act.total - std.total,
        "variance_per_unit": (act.per_unit - std.per_unit)
        if act.per_unit is not None and std.per_unit is not None
        else None,
        "labour_minutes": sum(b.labour_minutes for b in bookings),
    }
