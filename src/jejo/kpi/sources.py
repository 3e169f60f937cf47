"""Loaders: read the event log, its projections, master data and telemetry into the plain dataclasses
the KPI maths takes. Everything is scoped to one company; unknown codes and bad periods are errors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from jejo.core.errors import NotFound, Problem, ValidationError
from jejo.core.timeutil import as_utc, utcnow
from jejo.execution.tables import Event, OperationState, WorkOrder, WorkOrderOperation, WorkOrderState
from jejo.kpi.iso22400 import OrderTimes, PersonnelTimes, ProductionCounts
from jejo.kpi.losses import ScrapRecord
from jejo.kpi.timeelements import Period, PlannedWindow, ReasonInfo, StateInterval, intervals_from_changes
from jejo.masterdata.calendar import ShiftDef, shift_instances
from jejo.masterdata.tables import (
    Area,
    CalendarException,
    Equipment,
    Line,
    ReasonCode,
    Shift,
    Site,
    WorkCenter,
)

SCOPES = ("equipment", "work_center", "line", "site")
DEFAULT_TZ = "Asia/Seoul"


@dataclass(frozen=True, slots=True)
class EquipmentInfo:
    code: str
    name: str
    work_center: str
    line: str
    ideal_cycle_time_s: float | None


# ---- periods ---------------------------------------------------------------------------------


def _parse_day(value: str | date, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value[:10]) if len(value) == 10 else datetime.fromisoformat(value).date()
    except ValueError as exc:
        raise ValidationError(
            "bad period", [Problem(f"{value!r} is not a date (YYYY-MM-DD)", field=name)]
        ) from exc


def _bound(value: str | date | datetime, name: str, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value) if value.tzinfo else value.replace(tzinfo=tz).astimezone(UTC)
    if isinstance(value, str) and len(value) > 10:
        try:
            dt = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError(
                "bad period", [Problem(f"{value!r} is not a date or time", field=name)]
            ) from exc
        return as_utc(dt) if dt.tzinfo else dt.replace(tzinfo=tz).astimezone(UTC)
    return datetime.combine(_parse_day(value, name), time(0), tz).astimezone(UTC)


def parse_period(start: str | date | datetime, end: str | date | datetime, tz: str = DEFAULT_TZ) -> Period:
    """[start, end): dates are local midnights in ``tz`` (so --from 2026-11-16 --to 2026-11-23 is the
    week Monday to Sunday); date-times without a zone are local too."""
    zone = ZoneInfo(tz)
    return Period(_bound(start, "from", zone), _bound(end, "to", zone))


def named_period(kind: str, day: str | date, tz: str = DEFAULT_TZ) -> Period:
    """The ``day``, ISO ``week`` (Monday first) or calendar ``month`` holding ``day`` (local time)."""
    d = _parse_day(day, "day")
    if kind == "day":
        return parse_period(d, d + timedelta(days=1), tz)
    if kind == "week":
        monday = d - timedelta(days=d.weekday())
        return parse_period(monday, monday + timedelta(days=7), tz)
    if kind == "month":
        first = d.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return parse_period(first, nxt, tz)
    raise ValidationError(
        "bad period", [Problem("period must be day, week, month or custom", field="period")]
    )


# ---- master data -----------------------------------------------------------------------------


def site_timezone(session: Session, company_id: int) -> str:
    tz = session.scalar(select(Site.timezone).where(Site.company_id == company_id).order_by(Site.id).limit(1))
    return tz or DEFAULT_TZ


def resolve_equipment(session: Session, company_id: int, scope: str, code: str | None) -> list[EquipmentInfo]:
    """The machines of an equipment / work center / line / site (site without a code: the company)."""
    if scope not in SCOPES:
        raise ValidationError(
            "bad scope", [Problem(f"scope must be one of {', '.join(SCOPES)}", field="scope")]
        )
    q = (
        select(Equipment.code, Equipment.name, WorkCenter.code, Line.code, Equipment.ideal_cycle_time_s)
        .join(WorkCenter, WorkCenter.id == Equipment.work_center_id)
        .join(Line, Line.id == WorkCenter.line_id)
        .join(Area, Area.id == Line.area_id)
        .join(Site, Site.id == Area.site_id)
        .where(Equipment.company_id == company_id)
    )
    if code:
        col = {
            "equipment": Equipment.code,
            "work_center": WorkCenter.code,
            "line": Line.code,
            "site": Site.code,
        }
        q = q.where(col[scope] == code)
    elif scope != "site":
        raise ValidationError("no code", [Problem(f"name the {scope}", field="code")])
    rows = [EquipmentInfo(*r) for r in session.execute(q.order_by(Equipment.code))]
    if code and not rows:
        what = scope.replace("_", " ")
        raise NotFound(
            f"{what} {code} not found" + ("" if scope == "equipment" else " (or it has no equipment)")
        )
    return rows


def reasons(session: Session, company_id: int) -> dict[str, ReasonInfo]:
    rows = session.execute(
        select(ReasonCode.code, ReasonCode.planned, ReasonCode.oee_loss).where(
            ReasonCode.company_id == company_id
        )
    )
    return {c: ReasonInfo(c, bool(p), loss or "availability") for c, p, loss in rows}


def planned_windows(
    session: Session, company_id: int, period: Period, tz: str | None = None
) -> list[PlannedWindow]:
    """Shift instances (Korean public holidays and the company's exceptions honoured) that overlap the
    period. A company without shifts is taken to work around the clock (one window, no breaks)."""
    zone = tz or site_timezone(session, company_id)
    shifts = [
        ShiftDef(
            s.code, s.start, s.end, s.break_minutes, frozenset(int(x) for x in s.weekdays.split(",") if x)
        )
        for s in session.scalars(select(Shift).where(Shift.company_id == company_id))
    ]
    if not shifts:
        return [PlannedWindow(period.start, period.end, 0.0, "24h")]
    exc = {
        e.day: e.working
        for e in session.scalars(select(CalendarException).where(CalendarException.company_id == company_id))
    }
    local = ZoneInfo(zone)
    first = period.start.astimezone(local).date() - timedelta(days=1)
    last = period.end.astimezone(local).date()
    return [
        PlannedWindow(i.start, i.end, 60.0 * i.break_minutes, i.shift)
        for i in shift_instances(shifts, first, last, zone, exc)
        if i.end > period.start and i.start < period.end
    ]


# ---- machine states --------------------------------------------------------------------------


def state_intervals(
    session: Session, company_id: int, equipment: Sequence[str], period: Period, now: datetime | None = None
) -> dict[str, list[StateInterval]]:
    """Each machine's state intervals over the period, from ``machine.state_changed`` events (the
    state it was in when the period began included). The last state lasts until the period's end, or
    until now if that is earlier."""
    until = min(period.end, now or utcnow())
    changes: dict[str, list[tuple[datetime, str, str | None]]] = defaultdict(list)
    base = and_(Event.company_id == company_id, Event.type == "machine.state_changed")
    if not equipment:
        return {}
    last_before = (
        select(Event.equipment_code, func.max(Event.occurred_at).label("at"))
        .where(base, Event.equipment_code.in_(equipment), Event.occurred_at < period.start)
        .group_by(Event.equipment_code)
        .subquery()
    )
    prior = session.execute(
        select(Event.equipment_code, Event.occurred_at, Event.payload)
        .join(
            last_before,
            and_(Event.equipment_code == last_before.c.equipment_code, Event.occurred_at == last_before.c.at),
        )
        .where(base)
    )
    inside = session.execute(
        select(Event.equipment_code, Event.occurred_at, Event.payload)
        .where(
            base,
            Event.equipment_code.in_(equipment),
            Event.occurred_at >= period.start,
            Event.occurred_at < until,
        )
        .order_by(Event.occurred_at, Event.id)
    )
    for eq, at, payload in [*prior, *inside]:
        if eq is None:
            continue
        at = max(as_utc(at), period.start)
        changes[eq].append((at, str(payload.get("state")), payload.get("reason_code")))
    return {eq: intervals_from_changes(changes.get(eq, []), until) for eq in equipment}


# ---- production ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuantityRow:
    event_id: str
    at: datetime
    equipment: str
    work_order: str
    seq: int
    good: float
    scrap: float
    rework: float
    reason_code: str | None
    cycle_time_s: float
    setup_time_s: float
    last_operation: bool


def quantity_rows(
    session: Session, company_id: int, period: Period, equipment: Sequence[str] | None = None
) -> list[QuantityRow]:
    """Every ``quantity.reported`` in the period with its machine (from the event or the operation
    that ran it), the operation's planned cycle and setup time, and whether it is the order's last
    operation (finished output)."""
    rows = session.execute(
        select(Event.id, Event.occurred_at, Event.payload, Event.equipment_code, WorkOrder.code, WorkOrder.id)
        .join(WorkOrder, WorkOrder.id == Event.work_order_id)
        .where(
            Event.company_id == company_id,
            Event.type == "quantity.reported",
            Event.occurred_at >= period.start,
            Event.occurred_at < period.end,
        )
        .order_by(Event.occurred_at)
    ).all()
    if not rows:
        return []
    wo_ids = {r[5] for r in rows}
    ops = {
        (o.work_order_id, o.seq): o
        for o in session.scalars(
            select(WorkOrderOperation).where(WorkOrderOperation.work_order_id.in_(wo_ids))
        )
    }
    last_seq: dict[int, int] = {}
    for (wid, seq), _o in ops.items():
        last_seq[wid] = max(last_seq.get(wid, 0), seq)
    op_eq = {
        (s.work_order_id, s.seq): s.equipment_code
        for s in session.scalars(select(OperationState).where(OperationState.work_order_id.in_(wo_ids)))
    }
    ideal = dict(
        session.execute(
            select(Equipment.code, Equipment.ideal_cycle_time_s).where(
                Equipment.company_id == company_id, Equipment.ideal_cycle_time_s.is_not(None)
            )
        ).all()
    )
    wanted = set(equipment) if equipment is not None else None
    out: list[QuantityRow] = []
    for eid, at, p, ev_eq, wo_code, wid in rows:
        seq = int(p.get("seq", 0))
        eq = p.get("equipment") or ev_eq or op_eq.get((wid, seq)) or ""
        if wanted is not None and eq not in wanted:
            continue
        op = ops.get((wid, seq))
        ct = float(ideal.get(eq) or (op.cycle_time_s if op else 0.0))
        out.append(
            QuantityRow(
                str(eid),
                as_utc(at),
                eq,
                wo_code,
                seq,
                float(p.get("good", 0)),
                float(p.get("scrap", 0)),
                float(p.get("rework", 0)),
                p.get("reason_code"),
                ct,
                float(op.setup_time_s if op else 0.0),
                last_seq.get(wid) == seq,
            )
        )
    return out


def counts_by_equipment(rows: Iterable[QuantityRow]) -> dict[str, ProductionCounts]:
    """ISO 22400 quantities per machine: PQ, GQ, SQ, RQ and Σ PRI × PQ (planned setup once per
    operation)."""
    acc: dict[str, list[float]] = {}
    seen_ops: set[tuple[str, int]] = set()
    for r in rows:
        a = acc.get(r.equipment)
        if a is None:
            a = acc[r.equipment] = [0.0, 0.0, 0.0, 0.0, 0.0]
        a[0] += r.good
        a[1] += r.scrap
        a[2] += r.rework
        a[3] += r.cycle_time_s * (r.good + r.scrap + r.rework)
        if (r.work_order, r.seq) not in seen_ops:
            seen_ops.add((r.work_order, r.seq))
            a[4] += r.setup_time_s
    return {
        eq: ProductionCounts(good=g, scrap=s, rework=w, planned_run_s=p, planned_setup_s=st)
        for eq, (g, s, w, p, st) in acc.items()
    }


def scrap_records(rows: Iterable[QuantityRow]) -> list[ScrapRecord]:
    out: list[ScrapRecord] = []
    for r in rows:
        if r.scrap:
            out.append(ScrapRecord(r.equipment, r.at, r.scrap, r.reason_code, "scrap"))
        if r.rework:
            out.append(ScrapRecord(r.equipment, r.at, r.rework, r.reason_code, "rework"))
    return out


# ---- orders ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderRow:
    work_order: str
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime
    due_date: date
    quantity: float
    good: float

    @property
    def issued_at(self) -> datetime:
        """When the order was issued (생산지시일): its creation, or its first start if that is earlier
        (orders keyed in after the fact)."""
        if self.started_at is not None and self.started_at < self.created_at:
            return self.started_at
        return self.created_at


def completed_orders(session: Session, company_id: int, period: Period) -> list[OrderRow]:
    """Work orders whose last operation completed in the period (from the work-order projection)."""
    rows = session.execute(
        select(
            WorkOrder.code,
            WorkOrder.created_at,
            WorkOrderState.started_at,
            WorkOrderState.completed_at,
            WorkOrder.due_date,
            WorkOrder.quantity,
            WorkOrderState.good,
        )
        .join(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .where(
            WorkOrder.company_id == company_id,
            WorkOrderState.completed_at.is_not(None),
            WorkOrderState.completed_at >= period.start,
            WorkOrderState.completed_at < period.end,
        )
        .order_by(WorkOrder.code)
    ).all()
    return [
        OrderRow(c, as_utc(cr), as_utc(st) if st else None, as_utc(co), due, float(q), float(g or 0))
        for c, cr, st, co, due, q, g in rows
        if co is not None
    ]


def order_times(session: Session, company_id: int, equipment: Sequence[str], period: Period) -> OrderTimes:
    """AOET of the orders completed in the period that ran on these machines, with Σ AUBT (operation
    start to completion on these machines), Σ APT (running time of those operations) and their PQ."""
    orders = {o.work_order: o for o in completed_orders(session, company_id, period)}
    if not orders or not equipment:
        return OrderTimes()
    ops = session.execute(
        select(
            WorkOrder.code,
            OperationState.started_at,
            OperationState.completed_at,
            OperationState.run_seconds,
            OperationState.good,
            OperationState.scrap,
            OperationState.rework,
        )
        .join(WorkOrder, WorkOrder.id == OperationState.work_order_id)
        .where(
            OperationState.company_id == company_id,
            OperationState.equipment_code.in_(equipment),
            WorkOrder.code.in_(list(orders)),
        )
    ).all()
    aoet = aubt = apt = pq = 0.0
    used: set[str] = set()
    for code, st, co, run, g, s, r in ops:
        if st is None or co is None:
            continue
        used.add(code)
        aubt += (as_utc(co) - as_utc(st)).total_seconds()
        apt += float(run or 0)
        pq += float(g or 0) + float(s or 0) + float(r or 0)
    for code in used:
        o = orders[code]
        if o.started_at:
            aoet += (o.completed_at - o.started_at).total_seconds()
    return OrderTimes(aoet, aubt, apt, pq)


# ---- plant modules (cost, sales, inventory): optional providers ------------------------------


class CostProvider(Protocol):
    """Manufacturing cost of a period (standard costs × output + labour bookings), KRW; None = no data."""

    def manufacturing_cost(self, session: Session, company_id: int, period: Period) -> float | None: ...


class SalesProvider(Protocol):
    """Sales (KRW) and inventory figures of a period; None where there are none."""

    def sales(self, session: Session, company_id: int, period: Period) -> float | None: ...

    def inventory(self, session: Session, company_id: int, period: Period) -> tuple[float, float] | None:
        """(cost of goods sold, average inventory value), KRW."""
        ...


_COST: list[CostProvider] = []
_SALES: list[SalesProvider] = []


def register_cost_provider(p: CostProvider) -> None:
    """Called by the costing module when it is installed."""
    _COST.append(p)


def register_sales_provider(p: SalesProvider) -> None:
    """Called by the sales / inventory modules when they are installed."""
    _SALES.append(p)


def manufacturing_cost(session: Session, company_id: int, period: Period) -> float | None:
    for p in _COST:
        v = p.manufacturing_cost(session, company_id, period)
        if v is not None:
            return v
    return None


def sales_and_inventory(session: Session, company_id: int, period: Period) -> tuple[float | None, Any]:
    for p in _SALES:
        s, inv = p.sales(session, company_id, period), p.inventory(session, company_id, period)
        if s is not None or inv is not None:
            return s, inv
    return None, None


class CostingModuleProvider:
    """Manufacturing cost from ``jejo.costing``: Σ actual cost (materials at lot / standard prices +
    labour and machine bookings at work-center rates) of the work orders completed in the period.
    No data when the costing module is absent or has no prices and rates yet."""

    def manufacturing_cost(self, session: Session, company_id: int, period: Period) -> float | None:
        try:
            from jejo.costing import service as costing
        except ModuleNotFoundError:
            return None
        if not costing.prices(session, company_id) and not costing.rates(session, company_id):
            return None
        orders = completed_orders(session, company_id, period)
        if not orders:
            return None
        total = float(
            sum(costing.work_order_cost(session, company_id, o.work_order)["actual"]["total"] for o in orders)
        )
        return total if total > 0 else None  # no prices or bookings for these orders: no data, not 0 won


register_cost_provider(CostingModuleProvider())


class SalesModuleProvider:
    """Sales (KRW, supply value without VAT) of the shipments in the period, from ``jejo.sales``; the
    period's days are Seoul days, as the sales figures count them. Inventory turns need an inventory
    valuation, which no module provides yet: ``inventory`` answers no data."""

    def sales(self, session: Session, company_id: int, period: Period) -> float | None:
        try:
            from jejo.sales import service as sales
        except ModuleNotFoundError:
            return None
        from datetime import timedelta

        from jejo.core.timeutil import SEOUL

        first = period.start.astimezone(SEOUL).date()
        last = (period.end - timedelta(microseconds=1)).astimezone(SEOUL).date()
        figures = sales.figures(session, company_id, first, last)
        return float(figures.sales.supply) if figures.lines_delivered or figures.shipped_quantity else None

    def inventory(self, session: Session, company_id: int, period: Period) -> tuple[float, float] | None:
        return None


register_sales_provider(SalesModuleProvider())


def personnel_times(
    session: Session, company_id: int, equipment: list[str], period: Period
) -> PersonnelTimes | None:
    """APWT and APAT (ISO 22400) of the operators who booked time on these machines' work centers.

    APWT: labour minutes booked (``jejo.costing``) in the period to those work centers. APAT: the same
    operators' attendance from their clock-in/out events, clipped to the period (a shift still open counts
    up to the period's end or now). No data without bookings or without clock events.
    """
    try:
        from jejo.costing.tables import LabourBooking
    except ModuleNotFoundError:
        return None
    wcs = set(
        session.scalars(
            select(Equipment.work_center_id).where(
                Equipment.company_id == company_id, Equipment.code.in_(equipment)
            )
        )
    )
    if not wcs:
        return None
    rows = session.execute(
        select(LabourBooking.operator, LabourBooking.labour_minutes).where(
            LabourBooking.company_id == company_id,
            LabourBooking.work_center_id.in_(wcs),
            LabourBooking.booked_at >= period.start,
            LabourBooking.booked_at < period.end,
        )
    ).all()
    if not rows:
        return None
    apwt = 60.0 * sum(minutes for _, minutes in rows)
    operators = {op for op, _ in rows}
    clocks = session.execute(
        select(Event.type, Event.occurred_at, Event.payload)
        .where(
            Event.company_id == company_id,
            Event.type.in_(("labour.clocked_in", "labour.clocked_out")),
            Event.occurred_at < period.end,
        )
        .order_by(Event.occurred_at, Event.id)
    ).all()
    end = min(period.end, utcnow())
    since: dict[str, Any] = {}
    apat = 0.0
    for type_, at, payload in clocks:
        op = payload.get("operator")
        if op not in operators:
            continue
        if type_ == "labour.clocked_in":
            since.setdefault(op, at)
        elif op in since:
            start = max(since.pop(op), period.start)
            apat += max(0.0, (min(at, end) - start).total_seconds())
    for start in since.values():
        apat += max(0.0, (end - max(start, period.start)).total_seconds())
    return PersonnelTimes(apwt, apat) if apat > 0 else None
