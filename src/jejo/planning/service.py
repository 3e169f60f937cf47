"""Plant scheduling: the open work orders of a company planned on its machines, stored as plan versions.

A plan is built from the database each time (released and in-progress work orders, their routing
operations still to do, the machines of each work center plus the planning capabilities, the shift
calendar, planned maintenance, machine outages), solved with :func:`jejo.planning.aps.plan` on the
working-time axis of :mod:`jejo.planning.worktime`, checked with :func:`jejo.planning.aps.plan_problems`
and stored as a new :class:`PlanVersion` with its inputs, KPIs and what moved since the previous one.

What stays where it is when a plan is re-planned:

* operations already started stay on their machine (their remaining work first, after any outage);
* operations of the previous version that start within the plan's frozen horizon keep their machine
  and start, unless their machine is out at that time;
* pinned operations keep their machine and start (a pin that cannot be kept is dropped and reported).

A machine going down (a ``machine.state_changed`` event with state ``down``, as :mod:`jejo.telemetry`
writes it from machine data) makes an outage until its expected repair; :func:`sync_events` turns the
new ones into plan versions.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import Conflict, NotFound, Problem, ValidationError
from jejo.core.lookup import get_by_code
from jejo.core.timeutil import as_utc, utcnow
from jejo.execution.tables import Event, MachineState, OperationState, WorkOrder, WorkOrderState
from jejo.masterdata.calendar import ShiftDef
from jejo.masterdata.tables import CalendarException, Equipment, Item, Shift, Site, WorkCenter
from jejo.planning import aps
from jejo.planning.tables import PlanningCapability, PlanOperation, PlanVersion, ProductionPlan
from jejo.planning.worktime import WorkingTime

OPEN_STATUSES = ("released", "in_progress")
REASONS = ("created", "replan", "pin", "unpin", "breakdown")
DEFAULT_REPAIR_MIN = 60
HORIZON_DAYS = 60


@dataclass(frozen=True, slots=True)
class Outage:
    """A wall-clock period a machine cannot work (planned maintenance or a breakdown until its repair)."""

    equipment: str
    start: datetime
    end: datetime
    kind: str  # maintenance | breakdown
    ref: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "equipment": self.equipment,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "kind": self.kind,
            "ref": self.ref,
        }

    @staticmethod
    def from_json(d: dict[str, str]) -> Outage:
        return Outage(
            d["equipment"],
            datetime.fromisoformat(d["start"]),
            datetime.fromisoformat(d["end"]),
            d["kind"],
            d.get("ref", ""),
        )


@dataclass(frozen=True, slots=True)
class Keep:
    """An operation to keep on ``equipment`` from ``start``: ``pin`` (user) or ``frozen`` (horizon)."""

    equipment: str
    start: datetime
    kind: str


@dataclass(slots=True)
class Built:
    """A planning problem built from the database, with what is needed to map the plan back."""

    problem: aps.ApsProblem
    axis: WorkingTime
    meta: dict[str, dict[str, Any]]  # task id -> work order, seq, name, item, started
    due_at: dict[str, datetime]
    outages: list[Outage]
    machines: list[str]
    dropped: list[dict[str, Any]] = field(default_factory=list)  # pins / frozen operations not kept


def task_id(work_order: str, seq: int) -> str:
    return f"{work_order}/{seq}"


# ---- building the problem ----------------------------------------------------------------------


def working_time(
    session: Session, company_id: int, origin: datetime, days: int = HORIZON_DAYS
) -> WorkingTime:
    """The company's working-time axis from ``origin``: its shifts, Korean holidays and own days off."""
    shifts = [
        ShiftDef(
            s.code, s.start, s.end, s.break_minutes, frozenset(int(d) for d in s.weekdays.split(",") if d)
        )
        for s in session.scalars(select(Shift).where(Shift.company_id == company_id).order_by(Shift.code))
    ]
    exceptions = {
        e.day: e.working
        for e in session.scalars(select(CalendarException).where(CalendarException.company_id == company_id))
    }
    return WorkingTime.from_shifts(
        origin, shifts, days=days, tz=site_timezone(session, company_id), exceptions=exceptions
    )


def site_timezone(session: Session, company_id: int) -> str:
    tz = session.scalar(select(Site.timezone).where(Site.company_id == company_id).order_by(Site.id).limit(1))
    return tz or "Asia/Seoul"


def planned_outages(session: Session, company_id: int, start: datetime, end: datetime) -> list[Outage]:
    """Planned maintenance windows overlapping [start, end)."""
    from jejo.maintenance import service as ms

    return [
        Outage(u["equipment"], as_utc(u["start"]), as_utc(u["end"]), "maintenance", u["order"])
        for u in ms.unavailable(session, company_id, start, end)
    ]


def expected_repair_minutes(session: Session, company_id: int, equipment: str, at: datetime) -> int:
    """How long a breakdown of ``equipment`` is expected to last.

    An open breakdown order with a planned end says so; otherwise the median of the machine's closed
    ``down`` periods of the last 90 days (from machine data); otherwise an hour."""
    from jejo.maintenance.tables import MaintenanceOrder
    from jejo.telemetry.tables import Downtime

    planned_end = session.scalar(
        select(MaintenanceOrder.planned_end)
        .join(Equipment, Equipment.id == MaintenanceOrder.equipment_id)
        .where(
            MaintenanceOrder.company_id == company_id,
            Equipment.code == equipment,
            MaintenanceOrder.kind == "breakdown",
            MaintenanceOrder.status.in_(("open", "in_progress")),
            MaintenanceOrder.planned_end.is_not(None),
        )
        .order_by(MaintenanceOrder.opened_at.desc())
        .limit(1)
    )
    if planned_end is not None and as_utc(planned_end) > at:
        return max(1, math.ceil((as_utc(planned_end) - at) / timedelta(minutes=1)))
    spans = [
        (as_utc(e) - as_utc(s)) / timedelta(minutes=1)
        for s, e in session.execute(
            select(Downtime.started_at, Downtime.ended_at).where(
                Downtime.company_id == company_id,
                Downtime.equipment_code == equipment,
                Downtime.state == "down",
                Downtime.ended_at.is_not(None),
                Downtime.started_at >= at - timedelta(days=90),
            )
        )
        if e is not None
    ]
    if spans:
        return max(1, math.ceil(statistics.median(spans)))
    return DEFAULT_REPAIR_MIN


def _due_at(day: date, tz: str) -> datetime:
    """A due date means the end of that day, local time."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def build_problem(
    session: Session,
    company_id: int,
    now: datetime,
    *,
    outages: list[Outage] | None = None,
    keep: dict[str, Keep] | None = None,
) -> Built:
    """The APS problem of the company's open work orders at ``now``."""
    now = as_utc(now)
    axis = working_time(session, company_id, now)
    tz = site_timezone(session, company_id)
    keep = dict(keep or {})
    outages = list(outages or [])
    rows = session.execute(
        select(WorkOrder, Item.code)
        .join(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .join(Item, Item.id == WorkOrder.item_id)
        .where(WorkOrder.company_id == company_id, WorkOrderState.status.in_(OPEN_STATUSES))
        .order_by(WorkOrder.due_date, WorkOrder.code)
    ).all()
    op_state = {
        (s.work_order_id, s.seq): s
        for s in session.scalars(
            select(OperationState).where(
                OperationState.company_id == company_id,
                OperationState.work_order_id.in_([wo.id for wo, _ in rows] or [-1]),
            )
        )
    }
    equipment = list(
        session.scalars(select(Equipment).where(Equipment.company_id == company_id).order_by(Equipment.code))
    )
    by_wc: dict[int, list[tuple[str, float]]] = {}
    for eq in equipment:
        by_wc.setdefault(eq.work_center_id, []).append((eq.code, 1.0))
    for cap in session.scalars(select(PlanningCapability).where(PlanningCapability.company_id == company_id)):
        options = by_wc.setdefault(cap.work_center_id, [])
        options[:] = [o for o in options if o[0] != cap.equipment.code] + [(cap.equipment.code, cap.speed)]
    wc_order = {
        wc.id: i
        for i, wc in enumerate(
            session.scalars(
                select(WorkCenter).where(WorkCenter.company_id == company_id).order_by(WorkCenter.id)
            )
        )
    }

    problems: list[Problem] = []
    orders: list[aps.Order] = []
    meta: dict[str, dict[str, Any]] = {}
    due_at: dict[str, datetime] = {}
    started: list[tuple[str, str, int]] = []  # (task, machine, duration) already running
    used: set[str] = set()
    machine_rank: dict[str, tuple[int, str]] = {}
    for wo, item in rows:
        tasks: list[aps.Task] = []
        for op in wo.operations:
            st = op_state.get((wo.id, op.seq))
            if st is not None and st.status == "completed":
                continue
            tid = task_id(wo.code, op.seq)
            options = by_wc.get(op.work_center_id, [])
            if not options:
                problems.append(
                    Problem(
                        reason="no machine in its work center can run it",
                        field=f"work_orders.{wo.code}.operations.{op.seq}",
                    )
                )
                continue
            is_started = st is not None and st.status in ("running", "paused")
            qty = op.planned_quantity
            if is_started and st is not None:
                qty = max(0.0, qty - st.good - st.scrap)
            work = math.ceil(op.cycle_time_s * qty / 60 - 1e-9)
            setup = 0 if is_started else math.ceil(op.setup_time_s / 60 - 1e-9)
            names = tuple(code for code, _ in options)
            speeds = tuple((code, v) for code, v in options if v != 1.0)
            if is_started and st is not None:
                on = st.equipment_code if st.equipment_code in {e.code for e in equipment} else names[0]
                names, speeds = (on,), tuple((c, v) for c, v in speeds if c == on)
            task = aps.Task(tid, work, names, item, setup, speeds)
            tasks.append(task)
            used.update(names)
            for code in names:
                machine_rank.setdefault(code, (wc_order.get(op.work_center_id, 0), code))
            meta[tid] = {
                "work_order": wo.code,
                "work_order_id": wo.id,
                "seq": op.seq,
                "name": op.name,
                "item": item,
                "started": is_started,
            }
            if is_started:
                started.append((tid, names[0], 0))
        if tasks:
            due = _due_at(wo.due_date, tz)
            due_at[wo.code] = due
            orders.append(
                aps.Order(wo.code, tuple(tasks), due=axis.to_work(due), weight=1 + max(0, wo.priority))
            )
    if problems:
        raise ValidationError("the open work orders cannot be planned", problems)

    # outages: planned maintenance over the horizon, plus those given (breakdowns)
    horizon_end = axis.to_wall(10**6) if not axis.windows else axis.windows[-1][1]
    outages = [o for o in outages if o.end > now] + [
        o for o in planned_outages(session, company_id, now, horizon_end) if o not in outages
    ]
    down: dict[str, list[tuple[int, int]]] = {}
    for o in outages:
        a, b = max(0, axis.to_work(o.start)), axis.to_work(o.end, ceil=True)
        if b > a:
            down.setdefault(o.equipment, []).append((a, b))
    for code in down:
        down[code] = _merge(down[code])

    task_of = {t.id: t for o in orders for t in o.tasks}
    speed_of = {r: 1.0 for r in used}
    resources_pre = {r: aps.Resource(r, 1.0, tuple(down.get(r, []))) for r in used | set(down)}
    probe = aps.ApsProblem(tuple(resources_pre.values()), tuple(orders))

    # started operations first (their remaining work from now, after any outage), then kept ones
    busy: dict[str, list[tuple[int, int]]] = {}
    frozen: list[aps.Frozen] = []
    dropped: list[dict[str, Any]] = []
    for tid, machine, _ in started:
        d = probe.duration(task_of[tid], resources_pre[machine])
        s = _first_free(0, d, busy.get(machine, []) + down.get(machine, []))
        busy.setdefault(machine, []).append((s, s + d))
        frozen.append(aps.Frozen(tid, machine, s))
    ends: dict[str, int] = {
        f.task: f.start + probe.duration(task_of[f.task], resources_pre[f.resource]) for f in frozen
    }
    order_of = {t.id: o for o in orders for t in o.tasks}
    for tid, k in sorted(keep.items(), key=lambda kv: (kv[1].kind != "pin", kv[1].start)):
        if tid not in task_of or tid in ends:
            continue
        t = task_of[tid]
        why = None
        s = axis.to_work(as_utc(k.start))
        if k.equipment not in t.resources:
            why = "machine cannot run it"
        elif s < 0:
            why = "start is in the past"
        else:
            d = probe.duration(t, resources_pre[k.equipment])
            if any(a < s + d and s < b for a, b in busy.get(k.equipment, []) + down.get(k.equipment, [])) or (
                d == 0 and any(a <= s < b for a, b in down.get(k.equipment, []))
            ):
                why = "machine is busy or out"
            else:
                chain = order_of[tid].tasks
                idx = next(i for i, x in enumerate(chain) if x.id == tid)
                if idx and (chain[idx - 1].id not in ends or ends[chain[idx - 1].id] > s):
                    why = "its previous operation is not kept before it"
        if why:
            dropped.append({"task": tid, "kind": k.kind, "reason": why})
            continue
        d = probe.duration(t, resources_pre[k.equipment])
        busy.setdefault(k.equipment, []).append((s, s + d))
        frozen.append(aps.Frozen(tid, k.equipment, s))
        ends[tid] = s + d
        meta[tid][k.kind] = True
    resources = tuple(
        aps.Resource(r, speed_of.get(r, 1.0), tuple(down.get(r, [])))
        for r in sorted(used | set(down), key=lambda c: machine_rank.get(c, (10**6, c)))
    )
    problem = aps.ApsProblem(resources, tuple(orders), frozen=tuple(frozen))
    machines = [r.id for r in resources]
    return Built(problem, axis, meta, due_at, outages, machines, dropped)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _first_free(at: int, duration: int, taken: list[tuple[int, int]]) -> int:
    s = at
    moved = True
    while moved:
        moved = False
        for a, b in taken:
            if s < b and a < s + max(duration, 1):
                s, moved = b, True
    return s


# ---- solving and storing -------------------------------------------------------------------------


def solve(built: Built, time_limit: float, workers: int = 2) -> aps.ApsPlan:
    """Plan the problem and check the result; a plan that breaks a rule is never returned."""
    result = aps.plan(built.problem, time_limit=time_limit, workers=workers)
    faults = aps.plan_problems(built.problem, result)
    if faults:
        raise Conflict(
            "no feasible plan keeps every started and pinned operation",
            [Problem(reason=f, field="plan") for f in faults[:10]],
        )
    return result


def _kpis(built: Built, result: aps.ApsPlan, ops: list[PlanOperation]) -> dict[str, Any]:
    axis = built.axis
    last_end: dict[str, datetime] = {}
    for op in ops:
        if op.work_order_code not in last_end or op.end > last_end[op.work_order_code]:
            last_end[op.work_order_code] = op.end
    orders: list[dict[str, Any]] = []
    for wo, end in sorted(last_end.items()):
        due = built.due_at[wo]
        late_h = max(0.0, (end - due) / timedelta(hours=1))
        orders.append(
            {
                "work_order": wo,
                "due_at": due.isoformat(),
                "end_at": end.isoformat(),
                "late_hours": round(late_h, 2),
            }
        )
    makespan_at = max((op.end for op in ops), default=axis.origin)
    util: dict[str, float] = {}
    span = max(1, result.makespan)
    for r in built.problem.resources:
        busy = sum(a.end - a.start for a in result.assignments if a.resource == r.id)
        out = sum(max(0, min(b, span) - a) for a, b in r.downtime if a < span)
        util[r.id] = round(busy / max(1, span - out), 4)
    return {
        "orders": len(orders),
        "operations": len(ops),
        "makespan_at": makespan_at.isoformat(),
        "makespan_hours": round((makespan_at - axis.origin) / timedelta(hours=1), 2),
        "makespan_work_min": result.makespan,
        "weighted_tardiness_min": result.weighted_tardiness,
        "setup_min": result.setup_time,
        "tardiness_hours": round(sum(o["late_hours"] for o in orders), 2),
        "late_orders": [o["work_order"] for o in orders if o["late_hours"] > 0],
        "utilisation": util,
        "order_ends": orders,
    }


def _store(
    session: Session,
    plan: ProductionPlan,
    built: Built,
    result: aps.ApsPlan,
    *,
    actor: str,
    reason: str,
    detail: dict[str, Any],
    previous: PlanVersion | None,
) -> PlanVersion:
    version = PlanVersion(
        plan_id=plan.id,
        version=plan.current_version + 1,
        created_by=actor,
        reason=reason,
        detail={**detail, "dropped": built.dropped} if built.dropped else detail,
        origin=built.axis.origin,
        inputs={
            "problem": aps.problem_to_json(built.problem),
            "axis": built.axis.to_json(),
            "outages": [o.to_json() for o in built.outages],
            "due_at": {k: v.isoformat() for k, v in built.due_at.items()},
            "machines": built.machines,
        },
        optimal=result.optimal,
    )
    frozen_kind = {f.task for f in built.problem.frozen}
    ops = []
    for a in result.assignments:
        m = built.meta[a.task]
        ops.append(
            PlanOperation(
                work_order_id=m["work_order_id"],
                work_order_code=m["work_order"],
                seq=m["seq"],
                name=m["name"],
                equipment_code=a.resource,
                start=built.axis.to_wall(a.start),
                end=built.axis.to_wall(a.end, end=True),
                work_start=a.start,
                work_end=a.end,
                status="started" if m["started"] else "planned",
                pinned=bool(m.get("pin")),
                frozen=a.task in frozen_kind and not m.get("pin"),
            )
        )
    version.operations = ops
    version.kpis = _kpis(built, result, ops)
    if previous is not None:
        before = {(o.work_order_code, o.seq): o for o in previous.operations}
        moved = []
        for o in ops:
            p = before.get((o.work_order_code, o.seq))
            if p is None:
                continue
            shift = round((o.start - p.start) / timedelta(minutes=1))
            if p.equipment_code != o.equipment_code or shift:
                moved.append(
                    {
                        "work_order": o.work_order_code,
                        "seq": o.seq,
                        "from_equipment": p.equipment_code,
                        "to_equipment": o.equipment_code,
                        "from_start": p.start.isoformat(),
                        "to_start": o.start.isoformat(),
                        "shift_minutes": shift,
                    }
                )
        version.moved = moved
    plan.versions.append(version)
    plan.current_version = version.version
    session.flush()
    return version


def _next_code(session: Session, company_id: int, now: datetime) -> str:
    stem = f"PLAN-{now:%Y%m%d}-"
    last = session.scalar(
        select(ProductionPlan.code)
        .where(ProductionPlan.company_id == company_id, ProductionPlan.code.like(stem + "%"))
        .order_by(ProductionPlan.code.desc())
        .limit(1)
    )
    tail = last.rsplit("-", 1)[1] if last else ""
    return f"{stem}{(int(tail) + 1 if tail.isdigit() else 1):03d}"


def create_plan(
    session: Session,
    company_id: int,
    actor: str,
    *,
    code: str | None = None,
    name: str | None = None,
    time_limit: float = 5.0,
    frozen_minutes: int = 120,
    now: datetime | None = None,
) -> ProductionPlan:
    """Plan the open work orders now, as version 1 of a new plan."""
    now = as_utc(now or utcnow())
    problems = []
    if not 0 < time_limit <= 600:
        problems.append(Problem(reason="between 0 and 600 seconds", field="time_limit"))
    if not 0 <= frozen_minutes <= 7 * 24 * 60:
        problems.append(Problem(reason="between 0 and 10080 minutes", field="frozen_minutes"))
    if problems:
        raise ValidationError("plan not created", problems)
    code = code or _next_code(session, company_id, now)
    if session.scalar(
        select(ProductionPlan.id).where(ProductionPlan.company_id == company_id, ProductionPlan.code == code)
    ):
        raise Conflict(f"plan {code} already exists", [Problem(reason="already exists", field="code")])
    last_seq = session.scalar(
        select(Event.seq).where(Event.company_id == company_id).order_by(Event.seq.desc()).limit(1)
    )
    built = build_problem(session, company_id, now, outages=_current_breakdowns(session, company_id, now))
    if not built.problem.orders:
        raise ValidationError(
            "nothing to plan",
            [Problem(reason="no released or in-progress work order has work left", field="work_orders")],
        )
    plan = ProductionPlan(
        company_id=company_id,
        code=code,
        name=name or code,
        created_by=actor,
        time_limit_s=time_limit,
        frozen_minutes=frozen_minutes,
        last_event_seq=last_seq or 0,
    )
    session.add(plan)
    session.flush()
    _store(
        session,
        plan,
        built,
        solve(built, time_limit),
        actor=actor,
        reason="created",
        detail={},
        previous=None,
    )
    return plan


def _current_breakdowns(session: Session, company_id: int, now: datetime) -> list[Outage]:
    """Machines that are down now, until their expected repair."""
    out = []
    for ms in session.scalars(
        select(MachineState).where(MachineState.company_id == company_id, MachineState.state == "down")
    ):
        since = as_utc(ms.since)
        end = since + timedelta(
            minutes=expected_repair_minutes(session, company_id, ms.equipment_code, since)
        )
        out.append(
            Outage(
                ms.equipment_code, since, max(end, now + timedelta(minutes=1)), "breakdown", "machine-state"
            )
        )
    return out


def get_plan(session: Session, company_id: int, code: str) -> ProductionPlan:
    return get_by_code(session, ProductionPlan, company_id, code, "plan")


def latest_plan(session: Session, company_id: int) -> ProductionPlan | None:
    return session.scalar(
        select(ProductionPlan)
        .where(ProductionPlan.company_id == company_id)
        .order_by(ProductionPlan.created_at.desc(), ProductionPlan.id.desc())
        .limit(1)
    )


def machine_busy(
    session: Session, company_id: int, equipment: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """What already takes the machine's time in [start, end): the operations placed on it by the current
    version of the newest plan, and planned maintenance — the busy intervals a new stop is planned around."""
    start, end = as_utc(start), as_utc(end)
    busy = [
        (o.start, o.end) for o in planned_outages(session, company_id, start, end) if o.equipment == equipment
    ]
    plan = latest_plan(session, company_id)
    if plan is not None and plan.current_version:
        busy += [
            (as_utc(op.start), as_utc(op.end))
            for op in get_version(plan).operations
            if op.equipment_code == equipment and as_utc(op.end) > start and as_utc(op.start) < end
        ]
    return sorted(busy)


def list_plans(session: Session, company_id: int) -> list[ProductionPlan]:
    return list(
        session.scalars(
            select(ProductionPlan)
            .where(ProductionPlan.company_id == company_id)
            .order_by(ProductionPlan.id.desc())
        )
    )


def get_version(plan: ProductionPlan, version: int | None = None) -> PlanVersion:
    wanted = version or plan.current_version
    for v in plan.versions:
        if v.version == wanted:
            return v
    raise NotFound(f"plan {plan.code} has no version {wanted}")


def replan(
    session: Session,
    company_id: int,
    code: str,
    actor: str,
    *,
    reason: str = "replan",
    detail: dict[str, Any] | None = None,
    outages: list[Outage] | None = None,
    pins: dict[str, Keep | None] | None = None,
    now: datetime | None = None,
    time_limit: float | None = None,
    must_keep: str | None = None,
) -> PlanVersion:
    """A new version of the plan from the current state of the floor.

    Started operations stay; the previous version's pinned operations and those starting within the
    frozen horizon keep their machine and start where they can (``pins`` adds or, with ``None``,
    removes pins); ongoing outages of the previous version are carried over while their machine is down."""
    now = as_utc(now or utcnow())
    plan = get_plan(session, company_id, code)
    previous = get_version(plan) if plan.current_version else None
    keep: dict[str, Keep] = {}
    carried: list[Outage] = []
    if previous is not None:
        frozen_until = now + timedelta(minutes=plan.frozen_minutes)
        for op in previous.operations:
            tid = task_id(op.work_order_code, op.seq)
            if op.pinned:
                keep[tid] = Keep(op.equipment_code, op.start, "pin")
            elif now <= op.start < frozen_until:
                keep[tid] = Keep(op.equipment_code, op.start, "frozen")
        states = {
            m.equipment_code: m
            for m in session.scalars(select(MachineState).where(MachineState.company_id == company_id))
        }
        for raw in previous.inputs.get("outages", []):
            o = Outage.from_json(raw)
            st = states.get(o.equipment)
            back_up = (
                o.kind == "breakdown" and st is not None and st.state != "down" and as_utc(st.since) > o.start
            )
            if o.kind == "breakdown" and o.end > now and not back_up:
                carried.append(o)
    for tid, k in (pins or {}).items():
        if k is None:
            keep.pop(tid, None)
        else:
            keep[tid] = k
    given = list(outages or [])
    known = {(o.equipment, o.start) for o in given}
    merged = given + [o for o in carried if (o.equipment, o.start) not in known]
    for o in _current_breakdowns(session, company_id, now):
        if not any(x.equipment == o.equipment for x in merged):
            merged.append(o)
    built = build_problem(session, company_id, now, outages=merged, keep=keep)
    for d in built.dropped:
        if d["task"] == must_keep:
            raise Conflict(
                f"{must_keep} cannot be pinned there: {d['reason']}",
                [Problem(reason=d["reason"], field="start")],
            )
    if not built.problem.orders:
        raise ValidationError(
            "nothing to plan",
            [Problem(reason="no released or in-progress work order has work left", field="work_orders")],
        )
    result = solve(built, time_limit or plan.time_limit_s)
    return _store(
        session, plan, built, result, actor=actor, reason=reason, detail=detail or {}, previous=previous
    )


def pin_operation(
    session: Session,
    company_id: int,
    code: str,
    actor: str,
    *,
    work_order: str,
    seq: int,
    equipment: str | None = None,
    start: datetime | None = None,
    pinned: bool = True,
    now: datetime | None = None,
    time_limit: float | None = None,
) -> PlanVersion:
    """Pin an operation on a machine at a start (default: where it is now) and re-plan; or unpin it."""
    plan = get_plan(session, company_id, code)
    current = get_version(plan)
    op = next((o for o in current.operations if o.work_order_code == work_order and o.seq == seq), None)
    if op is None:
        raise ValidationError(
            "operation not in the plan",
            [
                Problem(
                    reason=f"{work_order} operation {seq} is not in version {current.version}", field="seq"
                )
            ],
        )
    tid = task_id(work_order, seq)
    if not pinned:
        return replan(
            session,
            company_id,
            code,
            actor,
            reason="unpin",
            detail={"task": tid},
            pins={tid: None},
            now=now,
            time_limit=time_limit,
        )
    if op.status == "started":
        raise Conflict(
            f"{work_order} operation {seq} has started; it stays where it runs",
            [Problem(reason="already started", field="seq")],
        )
    eq = equipment or op.equipment_code
    problem = aps.problem_from_json(current.inputs["problem"])
    task = next(t for o in problem.orders for t in o.tasks if t.id == tid)
    if eq not in task.resources:
        raise ValidationError(
            "pin not possible",
            [Problem(reason=f"{eq} cannot run {work_order} operation {seq}", field="equipment")],
        )
    at = as_utc(start) if start is not None else op.start
    if at < as_utc(now or utcnow()):
        raise ValidationError("pin not possible", [Problem(reason="the start is in the past", field="start")])
    return replan(
        session,
        company_id,
        code,
        actor,
        reason="pin",
        detail={"task": tid, "equipment": eq, "start": at.isoformat()},
        pins={tid: Keep(eq, at, "pin")},
        now=now,
        time_limit=time_limit,
        must_keep=tid,
    )


def machine_down(
    session: Session,
    company_id: int,
    code: str,
    actor: str,
    *,
    equipment: str,
    at: datetime | None = None,
    repair_minutes: int | None = None,
    now: datetime | None = None,
    time_limit: float | None = None,
) -> PlanVersion:
    """Re-plan around a machine that went down at ``at`` until its expected repair."""
    now = as_utc(now or utcnow())
    at = as_utc(at or now)
    if (
        session.scalar(
            select(Equipment.id).where(Equipment.company_id == company_id, Equipment.code == equipment)
        )
        is None
    ):
        raise ValidationError(
            "re-plan not possible",
            [Problem(reason=f"equipment {equipment!r} does not exist", field="equipment")],
        )
    if repair_minutes is not None and not 0 < repair_minutes <= 7 * 24 * 60:
        raise ValidationError(
            "re-plan not possible", [Problem(reason="between 1 and 10080 minutes", field="repair_minutes")]
        )
    minutes = repair_minutes or expected_repair_minutes(session, company_id, equipment, at)
    until = max(at + timedelta(minutes=minutes), now + timedelta(minutes=1))
    outage = Outage(equipment, at, until, "breakdown", "reported")
    return replan(
        session,
        company_id,
        code,
        actor,
        reason="breakdown",
        detail={
            "equipment": equipment,
            "down_at": at.isoformat(),
            "repair_until": until.isoformat(),
            "repair_minutes": minutes,
        },
        outages=[outage],
        now=now,
        time_limit=time_limit,
    )


def new_breakdowns(
    session: Session, company_id: int, plan: ProductionPlan
) -> list[tuple[int, str, datetime]]:
    """Machines that went down since the plan last read the event log: ``(event seq, machine, at)``,
    the latest event per machine, only where the machine is still down."""
    rows = session.execute(
        select(Event.seq, Event.equipment_code, Event.occurred_at, Event.payload)
        .where(
            Event.company_id == company_id,
            Event.type == "machine.state_changed",
            Event.seq > plan.last_event_seq,
        )
        .order_by(Event.seq)
    ).all()
    latest: dict[str, tuple[int, str, datetime]] = {}
    for seq, eq, at, payload in rows:
        code = eq or payload.get("equipment")
        if payload.get("state") == "down":
            latest[code] = (seq, code, as_utc(at))
        else:
            latest.pop(code, None)
    return sorted(latest.values())


def sync_events(
    session: Session,
    company_id: int,
    code: str,
    actor: str,
    *,
    now: datetime | None = None,
    time_limit: float | None = None,
) -> list[PlanVersion]:
    """Re-plan for every machine that went down since the last look at the event log (one version
    each), and remember how far the log was read."""
    plan = get_plan(session, company_id, code)
    versions = []
    for _seq, equipment, at in new_breakdowns(session, company_id, plan):
        versions.append(
            machine_down(
                session, company_id, code, actor, equipment=equipment, at=at, now=now, time_limit=time_limit
            )
        )
    last = session.scalar(
        select(Event.seq).where(Event.company_id == company_id).order_by(Event.seq.desc()).limit(1)
    )
    plan.last_event_seq = max(plan.last_event_seq, last or 0)
    session.flush()
    return versions


# ---- reading -----------------------------------------------------------------------------------


def check_version(version: PlanVersion) -> list[str]:
    """Check a stored version against its stored inputs with the independent checker."""
    problem = aps.problem_from_json(version.inputs["problem"])
    order_of = {t.id: o.id for o in problem.orders for t in o.tasks}
    assignments = [
        aps.Assignment(
            task_id(op.work_order_code, op.seq),
            op.work_order_code,
            op.equipment_code,
            op.work_start,
            op.work_end,
        )
        for op in version.operations
    ]
    faults = [f"{a.task} not in the inputs" for a in assignments if a.task not in order_of]
    k = version.kpis
    result = aps.ApsPlan(assignments, k["weighted_tardiness_min"], k["makespan_work_min"], k["setup_min"])
    return faults + aps.plan_problems(problem, result)


def version_out(v: PlanVersion, *, operations: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": v.version,
        "created_at": v.created_at,
        "created_by": v.created_by,
        "reason": v.reason,
        "detail": v.detail,
        "origin": v.origin,
        "optimal": v.optimal,
        "kpis": v.kpis,
        "moved": v.moved,
        "outages": v.inputs.get("outages", []),
    }
    if operations:
        out["operations"] = [
            {
                "work_order": o.work_order_code,
                "seq": o.seq,
                "name": o.name,
                "equipment": o.equipment_code,
                "start": o.start,
                "end": o.end,
                "status": o.status,
                "pinned": o.pinned,
                "frozen": o.frozen,
            }
            for o in sorted(v.operations, key=lambda o: (o.start, o.equipment_code))
        ]
    return out


def plan_out(plan: ProductionPlan, version: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": plan.code,
        "name": plan.name,
        "created_at": plan.created_at,
        "created_by": plan.created_by,
        "time_limit_s": plan.time_limit_s,
        "frozen_minutes": plan.frozen_minutes,
        "current_version": plan.current_version,
        "versions": len(plan.versions),
    }
    if plan.current_version:
        out["plan"] = version_out(get_version(plan, version), operations=True)
    return out


def add_capability(
    session: Session, company_id: int, equipment: str, work_center: str, speed: float = 1.0
) -> PlanningCapability:
    """Let a machine also run another work center's operations (at ``speed`` times the standard rate)."""
    if not 0 < speed <= 10:
        raise ValidationError("capability not saved", [Problem(reason="between 0 and 10", field="speed")])
    eq = get_by_code(session, Equipment, company_id, equipment, "equipment")
    wc = get_by_code(session, WorkCenter, company_id, work_center, "work center")
    cap = session.scalar(
        select(PlanningCapability).where(
            PlanningCapability.equipment_id == eq.id, PlanningCapability.work_center_id == wc.id
        )
    )
    if cap is None:
        cap = PlanningCapability(company_id=company_id, equipment_id=eq.id, work_center_id=wc.id)
        session.add(cap)
    cap.speed = speed
    session.flush()
    return cap
