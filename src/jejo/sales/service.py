"""Sales services: customers, orders, make-to-order work orders, available-to-promise, shipments,
returns and the PQCD figures. Every call takes a Session and the caller's company id; inputs are
validated in full (every problem listed) before anything is written."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.core.errors import Conflict, NotFound, Problem, ProblemCollector, ValidationError
from jejo.core.lookup import create_with_code, get_by_code, list_by_code
from jejo.core.timeutil import as_utc, to_local, utcnow
from jejo.execution import service as ex
from jejo.execution.tables import WorkOrder, WorkOrderState
from jejo.inventory.tables import Location, Stock
from jejo.masterdata.tables import Item
from jejo.sales import metrics
from jejo.sales.money import Amount, line_amount, total
from jejo.sales.schemas import CustomerIn, ReturnIn, SalesOrderIn, ShipmentIn
from jejo.sales.tables import (
    Customer,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    Shipment,
    ShipmentLine,
)

EPS = 1e-9


def _next_code(session: Session, table: Any, company_id: int, prefix: str, day: date) -> str:
    stem = f"{prefix}-{day:%Y%m%d}-"
    last = session.scalar(
        select(table.code)
        .where(table.company_id == company_id, table.code.like(stem + "%"))
        .order_by(table.code.desc())
        .limit(1)
    )
    tail = last.rsplit("-", 1)[1] if last else ""
    return f"{stem}{(int(tail) + 1 if tail.isdigit() else 1):04d}"


def local_day(at: datetime) -> date:
    """The plant's calendar day (Asia/Seoul) of a stored UTC time."""
    return to_local(at).date()


# ---- customers -----------------------------------------------------------------------------------


def create_customer(session: Session, company_id: int, body: CustomerIn) -> Customer:
    return create_with_code(session, Customer, company_id, body.model_dump(), "customer")


def get_customer(session: Session, company_id: int, code: str) -> Customer:
    return get_by_code(session, Customer, company_id, code, "customer")


def list_customers(session: Session, company_id: int) -> list[Customer]:
    return list_by_code(session, Customer, company_id)


def customer_out(c: Customer) -> dict[str, Any]:
    return {
        k: getattr(c, k)
        for k in ("code", "name", "business_number", "contact", "phone", "email", "address", "active")
    }


# ---- orders --------------------------------------------------------------------------------------


def order_problems(
    session: Session, company_id: int, body: SalesOrderIn, prefix: str = ""
) -> tuple[list[Problem], Customer | None, dict[str, Item]]:
    """Everything wrong with an order that the schema cannot see (unknown customer, items, lines)."""
    problems: list[Problem] = []
    customer = session.scalar(
        select(Customer).where(Customer.company_id == company_id, Customer.code == body.customer)
    )
    if customer is None:
        problems.append(
            Problem(reason=f"customer {body.customer!r} does not exist", field=prefix + "customer")
        )
    codes = {ln.item for ln in body.lines}
    items = {
        i.code: i
        for i in session.scalars(select(Item).where(Item.company_id == company_id, Item.code.in_(codes)))
    }
    seen: set[int] = set()
    for i, ln in enumerate(body.lines):
        where = f"{prefix}lines.{i}."
        if ln.item not in items:
            problems.append(Problem(reason=f"item {ln.item!r} does not exist", field=where + "item"))
        no = ln.line or i + 1
        if no in seen:
            problems.append(Problem(reason=f"line {no} appears twice", field=where + "line"))
        seen.add(no)
        if ln.promised_date and ln.promised_date < body.order_date:
            problems.append(Problem(reason="promised before the order date", field=where + "promised_date"))
    if body.code and session.scalar(
        select(SalesOrder.id).where(SalesOrder.company_id == company_id, SalesOrder.code == body.code)
    ):
        problems.append(Problem(reason=f"sales order {body.code} already exists", field=prefix + "code"))
    return problems, customer, items


def create_order(session: Session, company_id: int, body: SalesOrderIn) -> SalesOrder:
    problems, customer, items = order_problems(session, company_id, body)
    if problems or customer is None:
        raise ValidationError("sales order not created", problems)
    return _insert_order(session, company_id, body, customer, items)


def _insert_order(
    session: Session, company_id: int, body: SalesOrderIn, customer: Customer, items: dict[str, Item]
) -> SalesOrder:
    code = body.code or _next_code(session, SalesOrder, company_id, "SO", utcnow().date())
    order = SalesOrder(
        company_id=company_id,
        code=code,
        customer_id=customer.id,
        order_date=body.order_date,
        customer_ref=body.customer_ref,
        note=body.note,
    )
    order.lines = [
        SalesOrderLine(
            line_no=ln.line or i + 1,
            item_id=items[ln.item].id,
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            vat_percent=ln.vat_percent,
            requested_date=ln.requested_date,
            promised_date=ln.promised_date,
            fulfilment=ln.fulfilment,
        )
        for i, ln in enumerate(body.lines)
    ]
    session.add(order)
    session.flush()
    return order


def get_order(session: Session, company_id: int, code: str) -> SalesOrder:
    return get_by_code(session, SalesOrder, company_id, code, "sales order")


def list_orders(
    session: Session,
    company_id: int,
    *,
    status: str | None = None,
    customer: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[SalesOrder], int]:
    stmt = select(SalesOrder).where(SalesOrder.company_id == company_id)
    if status:
        stmt = stmt.where(SalesOrder.status == status)
    if customer:
        stmt = stmt.join(Customer, Customer.id == SalesOrder.customer_id).where(Customer.code == customer)
    n = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(SalesOrder.order_date.desc(), SalesOrder.code.desc()).offset(offset).limit(limit)
    )
    return list(rows), n


def line_ref(order: SalesOrder, line: SalesOrderLine) -> str:
    """How a work order names the order line it is made for: ``<order>/<line>``."""
    return f"{order.code}/{line.line_no}"


def due_date(line: SalesOrderLine) -> date:
    return line.promised_date or line.requested_date


def shipped_by_line(session: Session, order: SalesOrder) -> dict[int, float]:
    rows = session.execute(
        select(ShipmentLine.order_line_id, func.sum(ShipmentLine.quantity))
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(Shipment.order_id == order.id)
        .group_by(ShipmentLine.order_line_id)
    ).all()
    return {int(k): float(v) for k, v in rows}


def returned_by_line(session: Session, order: SalesOrder) -> dict[int, float]:
    rows = session.execute(
        select(SalesReturnLine.order_line_id, func.sum(SalesReturnLine.quantity))
        .join(SalesReturn, SalesReturn.id == SalesReturnLine.return_id)
        .where(SalesReturn.order_id == order.id)
        .group_by(SalesReturnLine.order_line_id)
    ).all()
    return {int(k): float(v) for k, v in rows}


def order_out(session: Session, order: SalesOrder, detail: bool = False) -> dict[str, Any]:
    shipped = shipped_by_line(session, order)
    returned = returned_by_line(session, order)
    amounts = [line_amount(ln.quantity, ln.unit_price, ln.vat_percent) for ln in order.lines]
    t = total(amounts)
    out: dict[str, Any] = {
        "code": order.code,
        "customer": order.customer.code,
        "customer_name": order.customer.name,
        "order_date": order.order_date,
        "customer_ref": order.customer_ref,
        "status": order.status,
        "note": order.note,
        "supply": t.supply,
        "vat": t.vat,
        "total": t.total,
    }
    if not detail:
        return out
    wos = _work_orders_by_line(session, order)
    out["lines"] = [
        {
            "line": ln.line_no,
            "item": ln.item.code,
            "item_name": ln.item.name,
            "uom": ln.item.uom,
            "quantity": ln.quantity,
            "unit_price": ln.unit_price,
            "vat_percent": ln.vat_percent,
            "supply": a.supply,
            "vat": a.vat,
            "requested_date": ln.requested_date,
            "promised_date": ln.promised_date,
            "fulfilment": ln.fulfilment,
            "shipped": shipped.get(ln.id, 0.0),
            "returned": returned.get(ln.id, 0.0),
            "open": max(0.0, ln.quantity - shipped.get(ln.id, 0.0)),
            "work_orders": wos.get(line_ref(order, ln), []),
        }
        for ln, a in zip(order.lines, amounts, strict=True)
    ]
    out["shipments"] = [shipment_out(s) for s in shipments_of(session, order)]
    out["returns"] = [return_out(r) for r in returns_of(session, order)]
    return out


def _work_orders_by_line(session: Session, order: SalesOrder) -> dict[str, list[dict[str, Any]]]:
    refs = [line_ref(order, ln) for ln in order.lines]
    out: dict[str, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(WorkOrder.code, WorkOrder.sales_order_line, WorkOrder.quantity, WorkOrderState.status)
        .outerjoin(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .where(WorkOrder.company_id == order.company_id, WorkOrder.sales_order_line.in_(refs))
        .order_by(WorkOrder.code)
    ).all()
    for code, ref, qty, status in rows:
        out.setdefault(ref or "", []).append({"code": code, "quantity": qty, "status": status or "planned"})
    return out


def create_work_orders(session: Session, company_id: int, code: str, actor: str) -> list[WorkOrder]:
    """Make-to-order: one work order for each make line that has none yet, due on the line's due date,
    for the quantity still open. Lines from stock get none."""
    order = get_order(session, company_id, code)
    if order.status != "open":
        raise Conflict(f"sales order {code} is {order.status}; work orders are made only for open orders")
    existing = _work_orders_by_line(session, order)
    shipped = shipped_by_line(session, order)
    made = []
    for ln in order.lines:
        open_qty = ln.quantity - shipped.get(ln.id, 0.0)
        if ln.fulfilment != "make" or line_ref(order, ln) in existing or open_qty <= EPS:
            continue
        made.append(
            ex.create_work_order(
                session,
                company_id,
                ex.WorkOrderIn(
                    item=ln.item.code,
                    quantity=open_qty,
                    due_date=due_date(ln),
                    sales_order_line=line_ref(order, ln),
                ),
                actor=actor,
            )
        )
    return made


def cancel_order(session: Session, company_id: int, code: str) -> SalesOrder:
    order = get_order(session, company_id, code)
    if order.status != "open" or shipped_by_line(session, order):
        raise Conflict(f"sales order {code} cannot be cancelled: it is {order.status} or partly shipped")
    order.status = "cancelled"
    return order


# ---- available to promise ------------------------------------------------------------------------


def available_to_promise(session: Session, company_id: int, item_code: str) -> dict[str, Any]:
    """ATP of an item: stock on hand (less held lots) plus what open work orders will still make,
    less what open order lines still need (make-to-order lines count against their own work orders)."""
    from jejo.quality import service as qs

    item = session.scalar(select(Item).where(Item.company_id == company_id, Item.code == item_code))
    if item is None:
        raise NotFound(f"item {item_code} not found")
    stock = session.execute(
        select(Stock.lot_code, Stock.quantity).where(
            Stock.company_id == company_id, Stock.item_code == item_code, Stock.quantity > EPS
        )
    ).all()
    held = qs.held_lots(session, company_id, {lot for lot, _ in stock})
    on_hand = sum(q for _, q in stock)
    on_hold = sum(q for lot, q in stock if lot in held)
    planned = 0.0
    for qty, good, status in session.execute(
        select(WorkOrder.quantity, WorkOrderState.good, WorkOrderState.status)
        .outerjoin(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .where(WorkOrder.company_id == company_id, WorkOrder.item_id == item.id)
    ):
        if (status or "planned") in ("planned", "released", "in_progress", "on_hold"):
            planned += max(0.0, qty - (good or 0.0))
    committed = 0.0
    for order in session.scalars(
        select(SalesOrder).where(SalesOrder.company_id == company_id, SalesOrder.status == "open")
    ):
        shipped = shipped_by_line(session, order)
        for ln in order.lines:
            if ln.item_id == item.id:
                committed += max(0.0, ln.quantity - shipped.get(ln.id, 0.0))
    atp = on_hand - on_hold + planned - committed
    return {
        "item": item_code,
        "on_hand": on_hand,
        "on_hold": on_hold,
        "planned_production": planned,
        "committed": committed,
        "available_to_promise": atp,
    }


# ---- shipments -----------------------------------------------------------------------------------


def shipments_of(session: Session, order: SalesOrder) -> list[Shipment]:
    return list(
        session.scalars(select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.shipped_at))
    )


def returns_of(session: Session, order: SalesOrder) -> list[SalesReturn]:
    return list(
        session.scalars(
            select(SalesReturn).where(SalesReturn.order_id == order.id).order_by(SalesReturn.returned_at)
        )
    )


def get_shipment(session: Session, company_id: int, code: str) -> Shipment:
    return get_by_code(session, Shipment, company_id, code, "shipment")


def shipment_out(s: Shipment) -> dict[str, Any]:
    amounts = [
        line_amount(sl.quantity, sl.order_line.unit_price, sl.order_line.vat_percent) for sl in s.lines
    ]
    t = total(amounts)
    return {
        "code": s.code,
        "sales_order": s.order.code,
        "customer": s.order.customer.code,
        "shipped_at": s.shipped_at,
        "note": s.note,
        "supply": t.supply,
        "vat": t.vat,
        "total": t.total,
        "lines": [
            {
                "line": sl.order_line.line_no,
                "item": sl.order_line.item.code,
                "item_name": sl.order_line.item.name,
                "lot": sl.lot_code,
                "location": sl.location_code,
                "quantity": sl.quantity,
                "unit_price": sl.order_line.unit_price,
                "supply": a.supply,
                "vat": a.vat,
            }
            for sl, a in zip(s.lines, amounts, strict=True)
        ],
    }


def ship(session: Session, company_id: int, order_code: str, body: ShipmentIn, actor: str) -> Shipment:
    """Ship picked lots against an order's lines (partial deliveries are fine; more than ordered is not).

    Each pick must name a lot of the line's item with enough stock at the location, and the lot must not
    be on quality hold. Stock leaves with ``inventory.issued``; ``lot.shipped`` records the customer.
    """
    from jejo.quality import service as qs

    order = get_order(session, company_id, order_code)
    if order.status != "open":
        raise Conflict(f"sales order {order_code} is {order.status}; only open orders can be shipped")
    lines = {ln.line_no: ln for ln in order.lines}
    shipped = shipped_by_line(session, order)
    pc = ProblemCollector()
    picked: dict[int, float] = {}
    drawn: dict[tuple[str, str], float] = {}
    held = qs.held_lots(session, company_id, {p.lot for p in body.lines})
    for i, p in enumerate(body.lines):
        ln = lines.get(p.line)
        if ln is None:
            pc.add(f"order {order_code} has no line {p.line}", field=f"lines.{i}.line")
            continue
        if p.lot in held:
            h = held[p.lot]
            pc.add(
                f"lot {p.lot} is on quality hold ({h.reason}) and cannot be shipped until it is released",
                field=f"lines.{i}.lot",
            )
        stock = session.get(Stock, (company_id, ln.item.code, p.lot, p.location))
        drawn[(p.lot, p.location)] = drawn.get((p.lot, p.location), 0.0) + p.quantity
        if stock is None:
            pc.add(f"no stock of {ln.item.code} lot {p.lot} at {p.location}", field=f"lines.{i}.lot")
        elif stock.quantity + EPS < drawn[(p.lot, p.location)]:
            pc.add(
                f"only {stock.quantity:g} of lot {p.lot} at {p.location}; "
                f"cannot ship {drawn[(p.lot, p.location)]:g}",
                field=f"lines.{i}.quantity",
            )
        picked[p.line] = picked.get(p.line, 0.0) + p.quantity
        open_qty = ln.quantity - shipped.get(ln.id, 0.0)
        if picked[p.line] > open_qty + EPS:
            pc.add(f"line {p.line} has only {open_qty:g} left to ship", field=f"lines.{i}.quantity")
    if body.code and session.scalar(
        select(Shipment.id).where(Shipment.company_id == company_id, Shipment.code == body.code)
    ):
        pc.add(f"shipment {body.code} already exists", field="code")
    if pc.problems:
        held_only = all("quality hold" in p.reason for p in pc.problems)
        if held_only:
            raise Conflict(pc.problems[0].reason, pc.problems)
        pc.raise_if_any("shipment not made")
    at = as_utc(body.shipped_at) if body.shipped_at else utcnow()
    code = body.code or _next_code(session, Shipment, company_id, "SH", local_day(at))
    shipment = Shipment(company_id=company_id, code=code, order_id=order.id, shipped_at=at, note=body.note)
    events: list[dict[str, Any]] = []
    for p in body.lines:
        ln = lines[p.line]
        shipment.lines.append(
            ShipmentLine(order_line_id=ln.id, lot_code=p.lot, location_code=p.location, quantity=p.quantity)
        )
        move = {"item": ln.item.code, "lot": p.lot, "quantity": p.quantity, "location": p.location}
        stamp = at.isoformat()
        events.append({"type": "inventory.issued", "occurred_at": stamp, "payload": move})
        events.append(
            {
                "type": "lot.shipped",
                "occurred_at": stamp,
                "payload": move
                | {
                    "customer": order.customer.code,
                    "sales_order": order.code,
                    "shipment": code,
                    "line": p.line,
                },
            }
        )
    session.add(shipment)
    session.flush()
    for i, e in enumerate(events):
        e["idempotency_key"] = f"shipment:{code}:{i}"
    ex.post_events(session, company_id, events, actor=actor, source="sales")
    shipped = shipped_by_line(session, order)
    if all(shipped.get(ln.id, 0.0) >= ln.quantity - EPS for ln in order.lines):
        order.status = "closed"
    session.refresh(shipment)
    return shipment


# ---- returns -------------------------------------------------------------------------------------


def return_out(r: SalesReturn) -> dict[str, Any]:
    return {
        "code": r.code,
        "sales_order": r.order.code,
        "returned_at": r.returned_at,
        "lines": [
            {
                "line": rl.order_line.line_no,
                "item": rl.order_line.item.code,
                "lot": rl.lot_code,
                "location": rl.location_code,
                "quantity": rl.quantity,
                "reason": rl.reason,
            }
            for rl in r.lines
        ],
    }


def receive_return(
    session: Session, company_id: int, order_code: str, body: ReturnIn, actor: str
) -> SalesReturn:
    """A customer sends lots back: only lots shipped on that line, up to what was shipped less returned."""
    order = get_order(session, company_id, order_code)
    lines = {ln.line_no: ln for ln in order.lines}
    shipped_lots: dict[tuple[int, str], float] = {}
    for s in shipments_of(session, order):
        for sl in s.lines:
            key = (sl.order_line_id, sl.lot_code)
            shipped_lots[key] = shipped_lots.get(key, 0.0) + sl.quantity
    for r in returns_of(session, order):
        for rl in r.lines:
            key = (rl.order_line_id, rl.lot_code)
            shipped_lots[key] = shipped_lots.get(key, 0.0) - rl.quantity
    locations = set(session.scalars(select(Location.code).where(Location.company_id == company_id)))
    pc = ProblemCollector()
    taking: dict[tuple[int, str], float] = {}
    for i, p in enumerate(body.lines):
        ln = lines.get(p.line)
        if ln is None:
            pc.add(f"order {order_code} has no line {p.line}", field=f"lines.{i}.line")
            continue
        if p.location not in locations:
            pc.add(f"location {p.location!r} does not exist", field=f"lines.{i}.location")
        key = (ln.id, p.lot)
        taking[key] = taking.get(key, 0.0) + p.quantity
        if taking[key] > shipped_lots.get(key, 0.0) + EPS:
            pc.add(
                f"only {shipped_lots.get(key, 0.0):g} of lot {p.lot} were shipped on line {p.line} "
                "and not returned",
                field=f"lines.{i}.quantity",
            )
    pc.raise_if_any("return not recorded")
    at = as_utc(body.returned_at) if body.returned_at else utcnow()
    code = body.code or _next_code(session, SalesReturn, company_id, "RT", local_day(at))
    ret = SalesReturn(company_id=company_id, code=code, order_id=order.id, returned_at=at)
    events: list[dict[str, Any]] = []
    for i, p in enumerate(body.lines):
        ln = lines[p.line]
        ret.lines.append(
            SalesReturnLine(
                order_line_id=ln.id,
                lot_code=p.lot,
                location_code=p.location,
                quantity=p.quantity,
                reason=p.reason,
            )
        )
        move = {"item": ln.item.code, "lot": p.lot, "quantity": p.quantity, "location": p.location}
        events.append(
            {
                "type": "inventory.received",
                "occurred_at": at.isoformat(),
                "payload": move,
                "idempotency_key": f"return:{code}:{i}:in",
            }
        )
        events.append(
            {
                "type": "lot.returned",
                "occurred_at": at.isoformat(),
                "idempotency_key": f"return:{code}:{i}",
                "payload": move
                | {
                    "customer": order.customer.code,
                    "sales_order": order.code,
                    "sales_return": code,
                    "line": p.line,
                    "reason": p.reason,
                },
            }
        )
    session.add(ret)
    session.flush()
    ex.post_events(session, company_id, events, actor=actor, source="sales")
    session.refresh(ret)
    return ret


# ---- figures -------------------------------------------------------------------------------------


def line_records(session: Session, company_id: int) -> list[metrics.LineRecord]:
    """Every order line with its shipments and returns by plant day (for :func:`metrics.figures`)."""
    ships: dict[int, list[tuple[date, float]]] = {}
    for line_id, at, qty in session.execute(
        select(ShipmentLine.order_line_id, Shipment.shipped_at, ShipmentLine.quantity)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(Shipment.company_id == company_id)
    ):
        ships.setdefault(line_id, []).append((local_day(at), qty))
    rets: dict[int, list[tuple[date, float]]] = {}
    for line_id, at, qty in session.execute(
        select(SalesReturnLine.order_line_id, SalesReturn.returned_at, SalesReturnLine.quantity)
        .join(SalesReturn, SalesReturn.id == SalesReturnLine.return_id)
        .where(SalesReturn.company_id == company_id)
    ):
        rets.setdefault(line_id, []).append((local_day(at), qty))
    out = []
    for order in session.scalars(
        select(SalesOrder).where(SalesOrder.company_id == company_id, SalesOrder.status != "cancelled")
    ):
        for ln in order.lines:
            out.append(
                metrics.LineRecord(
                    order=order.code,
                    line_no=ln.line_no,
                    item=ln.item.code,
                    quantity=ln.quantity,
                    unit_price=ln.unit_price,
                    vat_percent=ln.vat_percent,
                    order_date=order.order_date,
                    due_date=due_date(ln),
                    shipments=tuple(ships.get(ln.id, [])),
                    returns=tuple(rets.get(ln.id, [])),
                )
            )
    return out


def period(start: date | None, end: date | None) -> tuple[date, date]:
    """A period of days; the current month (Asia/Seoul) for what is left out."""
    today = to_local(utcnow()).date()
    first = start or today.replace(day=1)
    if end is None:
        nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        end = nxt - timedelta(days=1)
    return first, end


def figures(session: Session, company_id: int, start: date, end: date) -> metrics.DeliveryFigures:
    if end < start:
        raise ValidationError("empty period", [Problem(reason="end is before start", field="end")])
    return metrics.figures(line_records(session, company_id), start, end)


def customers_of_lots(session: Session, company_id: int, lots: set[str]) -> list[dict[str, Any]]:
    """Which customers received any of ``lots`` (for "which customers got lots made on day X")."""
    if not lots:
        return []
    rows = session.execute(
        select(
            Customer.code,
            Customer.name,
            SalesOrder.code,
            Shipment.code,
            ShipmentLine.lot_code,
            ShipmentLine.quantity,
            Shipment.shipped_at,
        )
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .join(SalesOrder, SalesOrder.id == Shipment.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(Shipment.company_id == company_id, ShipmentLine.lot_code.in_(lots))
        .order_by(Shipment.shipped_at)
    ).all()
    return [
        {
            "customer": c,
            "customer_name": n,
            "sales_order": o,
            "shipment": s,
            "lot": lot,
            "quantity": q,
            "shipped_at": at,
        }
        for c, n, o, s, lot, q, at in rows
    ]


def amount_dict(a: Amount) -> dict[str, int]:
    return {"supply": a.supply, "vat": a.vat, "total": a.total}


def lots_made_on(session: Session, company_id: int, equipment: str, day: date) -> set[str]:
    """Lots produced by work orders that ran on ``equipment`` during the plant day ``day`` (Asia/Seoul),
    and every lot made from them further down the genealogy."""
    from zoneinfo import ZoneInfo

    from jejo.execution.tables import Event
    from jejo.inventory.service import genealogy

    start = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo("Asia/Seoul"))
    end = start + timedelta(days=1)
    wo_ids = set(
        session.scalars(
            select(Event.work_order_id).where(
                Event.company_id == company_id,
                Event.equipment_code == equipment,
                Event.occurred_at >= as_utc(start),
                Event.occurred_at < as_utc(end),
                Event.work_order_id.is_not(None),
            )
        )
    )
    lots: set[str] = set()
    for state in session.scalars(select(WorkOrderState).where(WorkOrderState.work_order_id.in_(wo_ids))):
        lots.update(state.produced_lots or [])
    for lot in sorted(lots):
        lots.update(n.lot for n in genealogy(session, company_id, lot, "down"))
    return lots


def trace_machine_day(session: Session, company_id: int, equipment: str, day: date) -> dict[str, Any]:
    """Which customers received lots made on ``day`` on ``equipment`` (e.g. the day it drifted)."""
    lots = lots_made_on(session, company_id, equipment, day)
    return {
        "equipment": equipment,
        "day": day.isoformat(),
        "lots": sorted(lots),
        "shipments": customers_of_lots(session, company_id, lots),
    }
