"""Maintenance services: plans and their due check, orders (preventive, breakdown, request) with
checklists, spare parts and labour, MTBF/MTTR, and the unavailable time the scheduler must respect."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import Conflict, NotFound, Problem, ProblemCollector, ValidationError
from jejo.core.lookup import get_by_code
from jejo.core.timeutil import as_utc, utcnow
from jejo.execution import service as ex
from jejo.inventory.tables import Stock
from jejo.maintenance import reliability
from jejo.maintenance.schemas import CheckIn, CompleteIn, OrderIn, PlanIn
from jejo.maintenance.tables import MaintenanceOrder, MaintenancePart, MaintenancePlan
from jejo.masterdata.tables import Equipment

OPEN = ("open", "in_progress")


def _next_code(session: Session, company_id: int, at: datetime) -> str:
    stem = f"MO-{at:%Y%m%d}-"
    last = session.scalar(
        select(MaintenanceOrder.code)
        .where(MaintenanceOrder.company_id == company_id, MaintenanceOrder.code.like(stem + "%"))
        .order_by(MaintenanceOrder.code.desc())
        .limit(1)
    )
    tail = last.rsplit("-", 1)[1] if last else ""
    return f"{stem}{(int(tail) + 1 if tail.isdigit() else 1):04d}"


def _equipment(session: Session, company_id: int, code: str, what: str) -> Equipment:
    eq = session.scalar(select(Equipment).where(Equipment.company_id == company_id, Equipment.code == code))
    if eq is None:
        raise ValidationError(
            f"{what} not saved", [Problem(reason=f"equipment {code!r} does not exist", field="equipment")]
        )
    return eq


def default_tag(equipment: str, trigger: str) -> str:
    """The telemetry tag a plan reads when it names none: the machine's part counter or its running hours."""
    return f"{equipment}.total" if trigger == "counter" else f"{equipment}.run_hours"


# ---- plans ---------------------------------------------------------------------------------------


def save_plan(session: Session, company_id: int, body: PlanIn) -> MaintenancePlan:
    eq = _equipment(session, company_id, body.equipment, "maintenance plan")
    plan = session.scalar(
        select(MaintenancePlan).where(
            MaintenancePlan.company_id == company_id, MaintenancePlan.code == body.code
        )
    )
    if plan is None:
        plan = MaintenancePlan(company_id=company_id, code=body.code, last_done_at=utcnow())
        session.add(plan)
    plan.name, plan.equipment_id, plan.trigger, plan.interval = body.name, eq.id, body.trigger, body.interval
    plan.duration_minutes, plan.checklist = body.duration_minutes, list(body.checklist)
    plan.counter_tag = (
        None if body.trigger == "calendar" else body.counter_tag or default_tag(eq.code, body.trigger)
    )
    plan.last_done_value = body.start_value
    session.flush()
    return plan


def list_plans(session: Session, company_id: int) -> list[MaintenancePlan]:
    return list(
        session.scalars(
            select(MaintenancePlan)
            .where(MaintenancePlan.company_id == company_id)
            .order_by(MaintenancePlan.code)
        )
    )


def plan_out(p: MaintenancePlan) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "equipment": p.equipment.code,
        "trigger": p.trigger,
        "interval": p.interval,
        "duration_minutes": p.duration_minutes,
        "checklist": p.checklist,
        "counter_tag": p.counter_tag,
        "last_done_at": p.last_done_at,
        "last_done_value": p.last_done_value,
        "active": p.active,
    }


def check_plans(session: Session, company_id: int, body: CheckIn, actor: str) -> list[MaintenanceOrder]:
    """Open a preventive order for every active plan that is due and has no open order yet.

    Counter and hours plans read their tag from ``body.readings`` or else the telemetry store's last
    value (e.g. the simulator's part counter ``<machine>.total``)."""
    from jejo.telemetry import store

    now = as_utc(body.at)
    plans = [p for p in list_plans(session, company_id) if p.active]
    tags = {p.counter_tag for p in plans if p.counter_tag and p.counter_tag not in body.readings}
    readings = dict(body.readings)
    if tags:
        for code, point in store.last_values(session, company_id, tags).items():
            if isinstance(point.value, int | float):
                readings[code] = float(point.value)
    opened = []
    for p in plans:
        busy = session.scalar(
            select(MaintenanceOrder.id).where(
                MaintenanceOrder.plan_id == p.id, MaintenanceOrder.status.in_(OPEN)
            )
        )
        reading = readings.get(p.counter_tag) if p.counter_tag else None
        if busy or not reliability.due(
            p.trigger, p.interval, p.last_done_at, p.last_done_value, now, reading
        ):
            continue
        what = {  # stored with the order, in the plant's language
            "calendar": f"{p.interval:g}일마다",
            "counter": f"{p.interval:g}개 생산마다",
            "hours": f"가동 {p.interval:g}시간마다",
        }[p.trigger]
        order = _open(
            session,
            company_id,
            p.equipment,
            "preventive",
            f"{p.name} ({what})",
            actor,
            now,
            checklist=p.checklist,
            plan=p,
            planned=(now, now + timedelta(minutes=p.duration_minutes)),
        )
        p.last_done_at = now
        if reading is not None:
            p.last_done_value = reading
        opened.append(order)
    return opened


# ---- orders --------------------------------------------------------------------------------------


def _open(
    session: Session,
    company_id: int,
    eq: Equipment,
    kind: str,
    description: str,
    actor: str,
    now: datetime,
    *,
    checklist: list[str],
    plan: MaintenancePlan | None = None,
    failed_at: datetime | None = None,
    planned: tuple[datetime, datetime] | None = None,
    code: str | None = None,
) -> MaintenanceOrder:
    code = code or _next_code(session, company_id, now)
    if session.scalar(
        select(MaintenanceOrder.id).where(
            MaintenanceOrder.company_id == company_id, MaintenanceOrder.code == code
        )
    ):
        raise Conflict(
            f"maintenance order {code} already exists", [Problem(reason="already exists", field="code")]
        )
    order = MaintenanceOrder(
        company_id=company_id,
        code=code,
        equipment_id=eq.id,
        kind=kind,
        plan_id=plan.id if plan else None,
        description=description,
        checklist=[{"text": t, "done": False} for t in checklist],
        opened_at=now,
        failed_at=failed_at,
        planned_start=planned[0] if planned else None,
        planned_end=planned[1] if planned else None,
    )
    session.add(order)
    session.flush()
    payload = {"order": code, "equipment": eq.code, "kind": kind, "plan": plan.code if plan else None}
    ex.post_events(
        session,
        company_id,
        [
            {
                "type": "maintenance.opened",
                "occurred_at": now.isoformat(),
                "idempotency_key": f"maintenance:{code}:opened",
                "payload": {k: v for k, v in payload.items() if v is not None},
            }
        ],
        actor=actor,
        source="maintenance",
    )
    return order


def open_order(session: Session, company_id: int, body: OrderIn, actor: str) -> MaintenanceOrder:
    """A breakdown (from a downtime or an operator's call) or a request; also what playbooks call."""
    eq = _equipment(session, company_id, body.equipment, "maintenance order")
    now = as_utc(body.reported_at) if body.reported_at else utcnow()
    failed = as_utc(body.failed_at) if body.failed_at else (now if body.kind == "breakdown" else None)
    if failed is not None and failed > now:
        raise ValidationError(
            "maintenance order not opened",
            [Problem(reason="the machine cannot fail after the breakdown was reported", field="failed_at")],
        )
    return _open(
        session,
        company_id,
        eq,
        body.kind,
        body.description,
        actor,
        now,
        checklist=body.checklist,
        failed_at=failed,
        code=body.code,
    )


def get_order(session: Session, company_id: int, code: str) -> MaintenanceOrder:
    return get_by_code(session, MaintenanceOrder, company_id, code, "maintenance order")


def list_orders(
    session: Session, company_id: int, status: str | None = None, equipment: str | None = None
) -> list[MaintenanceOrder]:
    stmt = select(MaintenanceOrder).where(MaintenanceOrder.company_id == company_id)
    if status:
        stmt = stmt.where(MaintenanceOrder.status == status)
    if equipment:
        stmt = stmt.join(Equipment, Equipment.id == MaintenanceOrder.equipment_id).where(
            Equipment.code == equipment
        )
    return list(session.scalars(stmt.order_by(MaintenanceOrder.opened_at.desc(), MaintenanceOrder.id.desc())))


def order_out(o: MaintenanceOrder) -> dict[str, Any]:
    return {
        "code": o.code,
        "equipment": o.equipment.code,
        "kind": o.kind,
        "plan": o.plan.code if o.plan else None,
        "description": o.description,
        "status": o.status,
        "checklist": o.checklist,
        "opened_at": o.opened_at,
        "failed_at": o.failed_at,
        "planned_start": o.planned_start,
        "planned_end": o.planned_end,
        "completed_at": o.completed_at,
        "labour_minutes": o.labour_minutes,
        "parts": [
            {"item": p.item_code, "lot": p.lot_code, "location": p.location_code, "quantity": p.quantity}
            for p in o.parts
        ],
    }


def start_order(session: Session, company_id: int, code: str) -> MaintenanceOrder:
    o = get_order(session, company_id, code)
    if o.status != "open":
        raise Conflict(f"maintenance order {code} is {o.status}; only an open order can be started")
    o.status = "in_progress"
    return o


def cancel_order(session: Session, company_id: int, code: str) -> MaintenanceOrder:
    """Withdraw an order nobody has started (e.g. a playbook's action reverted): its planned window is
    freed for the scheduler."""
    o = get_order(session, company_id, code)
    if o.status != "open":
        raise Conflict(f"maintenance order {code} is {o.status}; only an open order can be cancelled")
    o.status = "cancelled"
    return o


def complete_order(
    session: Session, company_id: int, code: str, body: CompleteIn, actor: str
) -> MaintenanceOrder:
    """Finish an order: every checklist item ticked, spare parts issued from stock, labour recorded."""
    o = get_order(session, company_id, code)
    if o.status not in OPEN:
        raise Conflict(f"maintenance order {code} is {o.status}")
    pc = ProblemCollector()
    for i in body.checked:
        if not 0 <= i < len(o.checklist):
            pc.add(f"the checklist has {len(o.checklist)} items", field="checked")
    left = [c["text"] for i, c in enumerate(o.checklist) if i not in body.checked and not c.get("done")]
    for i, part in enumerate(body.parts):
        stock = session.get(Stock, (company_id, part.item, part.lot, part.location))
        if stock is None or stock.quantity + 1e-9 < part.quantity:
            have = stock.quantity if stock else 0
            pc.add(
                f"only {have:g} of {part.item} lot {part.lot} at {part.location}", field=f"parts.{i}.quantity"
            )
    pc.raise_if_any("maintenance order not completed")
    if left:
        raise Conflict(f"maintenance order {code}: checklist items not done: {'; '.join(left)}")
    now = as_utc(body.completed_at) if body.completed_at else utcnow()
    events: list[dict[str, Any]] = []
    for i, part in enumerate(body.parts):
        events.append(
            {
                "type": "inventory.issued",
                "occurred_at": now.isoformat(),
                "idempotency_key": f"maintenance:{code}:part:{i}",
                "payload": {
                    "item": part.item,
                    "lot": part.lot,
                    "quantity": part.quantity,
                    "location": part.location,
                },
            }
        )
        o.parts.append(
            MaintenancePart(
                item_code=part.item, lot_code=part.lot, location_code=part.location, quantity=part.quantity
            )
        )
    downtime = (now - o.failed_at).total_seconds() / 60 if o.failed_at else 0.0
    events.append(
        {
            "type": "maintenance.completed",
            "occurred_at": now.isoformat(),
            "idempotency_key": f"maintenance:{code}:completed",
            "payload": {
                "order": code,
                "equipment": o.equipment.code,
                "kind": o.kind,
                "downtime_minutes": max(0.0, downtime),
                "labour_minutes": body.labour_minutes,
            },
        }
    )
    ex.post_events(session, company_id, events, actor=actor, source="maintenance")
    o.checklist = [{"text": c["text"], "done": True} for c in o.checklist]
    o.status, o.completed_at, o.labour_minutes = "done", now, body.labour_minutes
    if o.plan is not None:
        o.plan.last_done_at = max(o.plan.last_done_at or now, now)
    session.flush()
    return o


def reliability_of(
    session: Session, company_id: int, equipment: str, start: datetime, end: datetime
) -> dict[str, Any]:
    eq = session.scalar(
        select(Equipment).where(Equipment.company_id == company_id, Equipment.code == equipment)
    )
    if eq is None:
        raise NotFound(f"equipment {equipment} not found")
    repairs = [
        reliability.Repair(o.failed_at, o.completed_at)
        for o in session.scalars(
            select(MaintenanceOrder).where(
                MaintenanceOrder.equipment_id == eq.id,
                MaintenanceOrder.kind == "breakdown",
                MaintenanceOrder.failed_at.is_not(None),
            )
        )
        if o.failed_at is not None
    ]
    return {
        "equipment": equipment,
        "start": start,
        "end": end,
        **reliability.mttr_mtbf(repairs, as_utc(start), as_utc(end)),
    }


def unavailable(session: Session, company_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Planned maintenance that overlaps [start, end): machine time the scheduler must leave free."""
    rows = session.execute(
        select(
            Equipment.code,
            MaintenanceOrder.code,
            MaintenanceOrder.planned_start,
            MaintenanceOrder.planned_end,
        )
        .join(Equipment, Equipment.id == MaintenanceOrder.equipment_id)
        .where(
            MaintenanceOrder.company_id == company_id,
            MaintenanceOrder.status.in_(OPEN),
            MaintenanceOrder.planned_start.is_not(None),
            MaintenanceOrder.planned_start < as_utc(end),
            MaintenanceOrder.planned_end > as_utc(start),
        )
        .order_by(MaintenanceOrder.planned_start)
    ).all()
    return [{"equipment": e, "order": c, "start": s, "end": f} for e, c, s, f in rows]
