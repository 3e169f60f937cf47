"""KPI services: load with ``sources``, compute with the pure modules, answer plain dicts.

The API, the CLI and the reports all call these functions, so every surface shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from jejo.core.errors import Problem, ValidationError
from jejo.kpi import iso22400, losses, pqcd, sources, spc
from jejo.kpi.findings import spc_findings
from jejo.kpi.iso22400 import KpiInputs, ProductionCounts
from jejo.kpi.timeelements import (
    DEFAULT_MICRO_STOP_S,
    RUNNING,
    Period,
    PlannedWindow,
    ReasonInfo,
    StateInterval,
    TimeElements,
    classify,
    time_elements,
)

MAX_PERIOD = timedelta(days=400)


def _check_period(period: Period) -> None:
    if period.end - period.start > MAX_PERIOD:
        raise ValidationError(
            "period too long", [Problem("a KPI period may span at most 400 days", field="to")]
        )


@dataclass(frozen=True, slots=True)
class UnitResult:
    equipment: str
    te: TimeElements
    counts: ProductionCounts
    intervals: tuple[StateInterval, ...]


@dataclass(frozen=True, slots=True)
class Loaded:
    scope: str
    code: str | None
    period: Period
    tz: str
    units: list[UnitResult]
    windows: list[PlannedWindow]
    reasons: dict[str, ReasonInfo]
    rows: list[sources.QuantityRow]
    micro_stop_s: float

    @property
    def te(self) -> TimeElements:
        total = TimeElements()
        for u in self.units:
            total = total + u.te
        return total

    @property
    def counts(self) -> ProductionCounts:
        total = ProductionCounts()
        for u in self.units:
            total = total + u.counts
        return total


def load(
    session: Session,
    company_id: int,
    scope: str,
    code: str | None,
    period: Period,
    micro_stop_s: float = DEFAULT_MICRO_STOP_S,
    now: datetime | None = None,
    shift: str | None = None,
) -> Loaded:
    """Load one scope's machines, states, planned time and counts for a period.

    ``shift``: only that shift's planned windows, with the machines' states and the counts cut to them
    (so what ran in the other shifts is neither counted nor taken for overtime).
    """
    _check_period(period)
    eqs = sources.resolve_equipment(session, company_id, scope, code)
    codes = [e.code for e in eqs]
    tz = sources.site_timezone(session, company_id)
    windows = sources.planned_windows(session, company_id, period, tz)
    reasons = sources.reasons(session, company_id)
    intervals = sources.state_intervals(session, company_id, codes, period, now)
    rows = sources.quantity_rows(session, company_id, period, codes)
    if shift:
        known = {w.shift for w in windows}
        windows = [w for w in windows if w.shift == shift]
        if not windows:
            problem = Problem(
                f"no shift {shift!r} in this period (shifts: {', '.join(sorted(known))})", field="shift"
            )
            raise ValidationError("unknown shift", [problem])
        intervals = {c: clip_to_windows(ivs, windows) for c, ivs in intervals.items()}
        rows = [r for r in rows if any(w.start <= r.at < w.end for w in windows)]
    counts = sources.counts_by_equipment(rows)
    units = [
        UnitResult(
            c,
            time_elements(intervals.get(c, []), windows, period, reasons, micro_stop_s),
            counts.get(c, ProductionCounts()),
            tuple(intervals.get(c, [])),
        )
        for c in codes
    ]
    return Loaded(scope, code, period, tz, units, windows, reasons, rows, micro_stop_s)


def clip_to_windows(
    intervals: Sequence[StateInterval], windows: Sequence[PlannedWindow]
) -> list[StateInterval]:
    """The parts of state intervals that fall inside the given planned windows."""
    out = []
    for iv in intervals:
        for w in windows:
            start, end = max(iv.start, w.start), min(iv.end, w.end)
            if end > start:
                out.append(StateInterval(start, end, iv.state, iv.reason_code))
    return out


def _te_dict(te: TimeElements) -> dict[str, Any]:
    return {
        "POT": te.pot,
        "PDOT": te.pdot,
        "PBT": te.pbt,
        "APT": te.apt,
        "AUST": te.aust,
        "ADET": te.adet,
        "ADOT": te.adot,
        "AUPT": te.aupt,
        "AUBT": te.aubt,
        "no_data": te.nodata,
        "micro_stops": te.micro_stop,
        "overtime": te.overtime,
        "failures": te.failures,
    }


def _counts_dict(c: ProductionCounts) -> dict[str, Any]:
    return {"PQ": c.pq, "GQ": c.gq, "SQ": c.scrap, "RQ": c.rework, "PRI_x_PQ_s": c.planned_run_s}


def _kpis(
    te: TimeElements,
    c: ProductionCounts,
    orders: iso22400.OrderTimes | None = None,
    personnel: iso22400.PersonnelTimes | None = None,
) -> dict[str, Any]:
    k = iso22400.all_kpis(KpiInputs(te, c, orders or iso22400.OrderTimes(), personnel))
    kr = iso22400.korean_oee(te, c)
    return {"iso": k, "korean": asdict(kr)}


def oee_report(
    session: Session,
    company_id: int,
    scope: str,
    code: str | None,
    period: Period,
    micro_stop_s: float = DEFAULT_MICRO_STOP_S,
    now: datetime | None = None,
    shift: str | None = None,
) -> dict[str, Any]:
    """OEE and every ISO 22400 KPI for the scope (total) and for each of its machines."""
    ld = load(session, company_id, scope, code, period, micro_stop_s, now, shift)
    codes = [u.equipment for u in ld.units]
    orders = sources.order_times(session, company_id, codes, period)
    return {
        "scope": scope,
        "code": code,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "timezone": ld.tz,
        "calendar": sorted({w.shift for w in ld.windows}),
        "time_elements_s": _te_dict(ld.te),
        "counts": _counts_dict(ld.counts),
        "kpi": _kpis(ld.te, ld.counts, orders, sources.personnel_times(session, company_id, codes, period)),
        "equipment": [
            {
                "equipment": u.equipment,
                "time_elements_s": _te_dict(u.te),
                "counts": _counts_dict(u.counts),
                "kpi": _kpis(u.te, u.counts),
            }
            for u in ld.units
        ],
        "definitions": [asdict(d) for d in iso22400.CATALOGUE],
    }


def stops(ld: Loaded) -> list[losses.Stop]:
    """Every non-running stretch in planned time, cut to the planned windows (with the shift)."""
    out: list[losses.Stop] = []
    for u in ld.units:
        for iv in u.intervals:
            if iv.state == RUNNING:
                continue
            kind = classify(
                iv.state, iv.reason_code, (iv.end - iv.start).total_seconds(), ld.reasons, ld.micro_stop_s
            )
            if kind == "pdot":
                continue
            for w in ld.windows:
                s, e = max(iv.start, w.start, ld.period.start), min(iv.end, w.end, ld.period.end)
                if e > s:
                    out.append(
                        losses.Stop(
                            u.equipment, s, (e - s).total_seconds(), iv.state, iv.reason_code, w.shift
                        )
                    )
    return out


def losses_report(
    session: Session,
    company_id: int,
    scope: str,
    code: str | None,
    period: Period,
    micro_stop_s: float = DEFAULT_MICRO_STOP_S,
    now: datetime | None = None,
    shift: str | None = None,
) -> dict[str, Any]:
    """Six big losses, the OEE waterfall, downtime and scrap Paretos, and daily MTBF/MTTR trends."""
    ld = load(session, company_id, scope, code, period, micro_stop_s, now, shift)
    te, c = ld.te, ld.counts
    st = stops(ld)
    trend = []
    day = ld.period.start
    while day < ld.period.end:
        nxt = min(day + timedelta(days=1), ld.period.end)
        p = Period(day, nxt)
        bte = TimeElements()
        for u in ld.units:
            bte = bte + time_elements(u.intervals, ld.windows, p, ld.reasons, micro_stop_s)
        bc = sources.counts_by_equipment(r for r in ld.rows if day <= r.at < nxt)
        bcs = ProductionCounts()
        for v in bc.values():
            bcs = bcs + v
        trend.append((day.isoformat(), bte, bcs))
        day = nxt

    def rows(r: list[losses.ParetoRow]) -> list[dict[str, Any]]:
        return [asdict(x) for x in r]

    return {
        "scope": scope,
        "code": code,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "six_big_losses_s": losses.six_big_losses(te, c),
        "waterfall_s": [asdict(s) for s in losses.waterfall(te, c)],
        "downtime_pareto": {
            by: rows(losses.downtime_pareto(st, by)) for by in ("reason", "equipment", "shift")
        },
        "scrap_pareto": rows(losses.scrap_pareto(sources.scrap_records(ld.rows), "scrap")),
        "rework_pareto": rows(losses.scrap_pareto(sources.scrap_records(ld.rows), "rework")),
        "trend": [asdict(t) for t in losses.reliability_trend(trend)],
    }


def orders_report(
    session: Session, company_id: int, period: Period, now: datetime | None = None
) -> dict[str, Any]:
    """Work-order progress and lateness: every order open now, and those completed in the period.

    Progress is the good quantity of the last operation against the order quantity; an open order is
    late when its due date (in the site's time zone) has passed, a completed one when it finished after
    the due date. Days late are whole calendar days in the site's zone.
    """
    from zoneinfo import ZoneInfo

    from sqlalchemy import or_, select

    from jejo.core.timeutil import as_utc, utcnow
    from jejo.execution.tables import WorkOrder, WorkOrderState
    from jejo.masterdata.tables import Item

    _check_period(period)
    tz = ZoneInfo(sources.site_timezone(session, company_id))
    today = as_utc(now or utcnow()).astimezone(tz).date()
    open_states = ("released", "in_progress", "on_hold")
    rows = session.execute(
        select(
            WorkOrder.code,
            Item.code,
            WorkOrder.quantity,
            WorkOrder.due_date,
            WorkOrderState.status,
            WorkOrderState.good,
            WorkOrderState.scrap,
            WorkOrderState.completed_at,
        )
        .join(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .join(Item, Item.id == WorkOrder.item_id)
        .where(
            WorkOrder.company_id == company_id,
            or_(
                WorkOrderState.status.in_(open_states),
                (WorkOrderState.completed_at >= period.start) & (WorkOrderState.completed_at < period.end),
            ),
        )
        .order_by(WorkOrder.due_date, WorkOrder.code)
    ).all()
    orders = []
    for code, item, qty, due, status, good, scrap, completed in rows:
        done_day = as_utc(completed).astimezone(tz).date() if completed is not None else None
        finish = done_day if done_day is not None and status not in open_states else today
        days_late = max((finish - due).days, 0)
        orders.append(
            {
                "work_order": code,
                "item": item,
                "quantity": float(qty),
                "good": float(good or 0),
                "scrap": float(scrap or 0),
                "progress": min(float(good or 0) / float(qty), 1.0) if qty else None,
                "status": status,
                "due_date": due.isoformat(),
                "completed_on": done_day.isoformat() if done_day else None,
                "days_late": days_late,
                "late": days_late > 0,
            }
        )
    done = [o for o in orders if o["completed_on"] and o["status"] not in open_states]
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "today": today.isoformat(),
        "open": sum(1 for o in orders if o["status"] in open_states),
        "open_late": sum(1 for o in orders if o["status"] in open_states and o["late"]),
        "completed": len(done),
        "completed_on_time": sum(1 for o in done if not o["late"]),
        "on_time_rate": (sum(1 for o in done if not o["late"]) / len(done)) if done else None,
        "orders": orders,
    }


# ---- SPC -------------------------------------------------------------------------------------

CHARTS = ("xbar_r", "xbar_s", "i_mr", "p", "np", "c", "u")


def spc_compute(
    chart: str,
    values: Sequence[float],
    *,
    subgroup: int = 5,
    sizes: Sequence[float] | None = None,
    baseline: int | None = None,
    lsl: float | None = None,
    usl: float | None = None,
    rules: str = "nelson",
    subject: str = "",
    times: list[datetime] | None = None,
    equipment: str | None = None,
) -> dict[str, Any]:
    """A control chart over values (grouped into subgroups of ``subgroup`` for X̄ charts; counts with
    ``sizes`` for attribute charts), its run-rule violations as findings, and capability if specs are
    given."""
    if chart not in CHARTS:
        raise ValidationError(
            "unknown chart", [Problem(f"chart must be one of {', '.join(CHARTS)}", field="chart")]
        )
    vals = [float(v) for v in values]
    result: dict[str, Any] = {"chart": chart, "rules": rules}
    obj: spc.Chart | spc.ChartPair
    sigma_within: float | None = None
    if chart in ("xbar_r", "xbar_s"):
        k = len(vals) // subgroup
        if k < 2:
            raise ValidationError(
                "too few values", [Problem(f"need at least {2 * subgroup} values", field="data")]
            )
        groups = [vals[i * subgroup : (i + 1) * subgroup] for i in range(k)]
        obj = (spc.xbar_r if chart == "xbar_r" else spc.xbar_s)(groups, baseline, rules)
        sigma_within = obj.sigma_within
        if times:
            times = [times[i * subgroup + subgroup - 1] for i in range(k)]
    elif chart == "i_mr":
        obj = spc.i_mr(vals, baseline, rules)
        sigma_within = obj.sigma_within
    elif chart in ("p", "u"):
        if sizes is None:
            raise ValidationError(
                "sizes needed", [Problem("p and u charts need a size per sample", field="sizes")]
            )
        obj = (spc.p_chart if chart == "p" else spc.u_chart)(vals, list(sizes), baseline, rules)
    elif chart == "np":
        obj = spc.np_chart(vals, subgroup, baseline, rules)
    else:
        obj = spc.c_chart(vals, baseline, rules)
    if isinstance(obj, spc.ChartPair):
        result["location"] = _chart_dict(obj.location)
        result["dispersion"] = _chart_dict(obj.dispersion)
        result["sigma_within"] = obj.sigma_within
        result["constants"] = obj.extras
    else:
        result["chart_data"] = _chart_dict(obj)
    if (lsl is not None or usl is not None) and chart in ("xbar_r", "xbar_s", "i_mr"):
        result["capability"] = asdict(spc.capability(vals, lsl, usl, sigma_within))
    result["findings"] = [f.as_dict() for f in spc_findings(obj, subject or chart, times, equipment)]
    return result


def _chart_dict(c: spc.Chart) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "center": c.center,
        "ucl": list(c.ucl),
        "lcl": list(c.lcl),
        "points": list(c.points),
        "baseline": c.baseline,
        "violations": [asdict(v) for v in c.violations],
    }


def spc_for_tag(
    session: Session,
    company_id: int,
    tag: str,
    period: Period,
    chart: str = "i_mr",
    subgroup: int = 5,
    baseline: int | None = None,
    lsl: float | None = None,
    usl: float | None = None,
    rules: str = "nelson",
) -> dict[str, Any]:
    """SPC over the samples of one telemetry tag in the period (variables charts)."""
    from jejo.core.errors import NotFound
    from jejo.telemetry import store

    _check_period(period)
    if chart not in ("xbar_r", "xbar_s", "i_mr"):
        raise ValidationError("bad chart", [Problem("a tag takes xbar_r, xbar_s or i_mr", field="chart")])
    if store.tag_id(session, company_id, tag) is None:
        raise NotFound(f"tag {tag} not found")
    pts = [
        p
        for p in store.raw_range(session, company_id, tag, period.start, period.end, 100_000)
        if isinstance(p.value, (int, float))
    ]
    out = spc_compute(
        chart,
        [float(p.value) for p in pts if isinstance(p.value, (int, float))],
        subgroup=subgroup,
        baseline=baseline,
        lsl=lsl,
        usl=usl,
        rules=rules,
        subject=tag,
        times=[p.ts for p in pts],
    )
    out["tag"] = tag
    return out


# ---- PQCD ------------------------------------------------------------------------------------


def pqcd_data(session: Session, company_id: int, label: str, period: Period) -> pqcd.PqcdData:
    """One period's PQCD inputs from the event log (and the plant modules where installed)."""
    _check_period(period)
    rows = sources.quantity_rows(session, company_id, period)
    windows = sources.planned_windows(session, company_id, period)
    te_hours = 0.0
    for w in windows:
        s, e = max(w.start, period.start), min(w.end, period.end)
        if e > s:
            span = (w.end - w.start).total_seconds()
            te_hours += ((e - s).total_seconds() - w.break_s * (e - s).total_seconds() / span) / 3600
    good_out = sum(r.good for r in rows if r.last_operation)
    produced = sum(r.good + r.scrap + r.rework for r in rows)
    defects = sum(r.scrap + r.rework for r in rows)
    orders = sources.completed_orders(session, company_id, period)
    lead = [(o.completed_at - o.issued_at).total_seconds() / 3600 for o in orders]
    tz = sources.site_timezone(session, company_id)
    from zoneinfo import ZoneInfo

    on_time = [o for o in orders if o.completed_at.astimezone(ZoneInfo(tz)).date() <= o.due_date]
    cost = sources.manufacturing_cost(session, company_id, period)
    sales, inv = sources.sales_and_inventory(session, company_id, period)
    qty_ev = [r.event_id for r in rows]
    return pqcd.PqcdData(
        label=label,
        good_output=good_out if rows else None,
        work_hours=te_hours or None,
        produced=produced if rows else None,
        defects=defects if rows else None,
        manufacturing_cost_krw=cost,
        lead_times_h=lead or None,
        orders_due=len(orders) if orders else None,
        orders_on_time=len(on_time) if orders else None,
        sales_krw=sales,
        cost_of_goods_sold_krw=inv[0] if inv else None,
        average_inventory_krw=inv[1] if inv else None,
        evidence={
            "uph": [r.event_id for r in rows if r.last_operation],
            "defect_rate": qty_ev,
            "defect_ppm": qty_ev,
            "lead_time": [o.work_order for o in orders],
            "on_time_delivery": [o.work_order for o in orders],
        },
    )


def pqcd_report(session: Session, company_id: int, before: Period, after: Period) -> dict[str, Any]:
    """PQCD before / after with the programs' improvement rates; each value names its evidence."""
    b = pqcd_data(session, company_id, "before", before)
    a = pqcd_data(session, company_id, "after", after)
    imps = pqcd.compare(b, a)
    return {
        "before": {"from": before.start.isoformat(), "to": before.end.isoformat()},
        "after": {"from": after.start.isoformat(), "to": after.end.isoformat()},
        "indicators": [
            asdict(i)
            | {
                "evidence_before": list(i.evidence_before[:50]),
                "evidence_after": list(i.evidence_after[:50]),
                "evidence_count": [len(i.evidence_before), len(i.evidence_after)],
            }
            for i in imps
        ],
    }


# ---- hourly rollups --------------------------------------------------------------------------

_ROLL_COLS = (
    "windows_s",
    "breaks_s",
    "overtime_s",
    "apt_s",
    "aust_s",
    "adet_s",
    "micro_s",
    "adot_s",
    "pdot_s",
)


def _hour_floor(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def refresh_rollups(
    session: Session,
    company_id: int,
    period: Period,
    scope: str = "site",
    code: str | None = None,
    now: datetime | None = None,
) -> int:
    """Rebuild the hourly rollup rows of a scope over the whole hours that cover the period."""
    from sqlalchemy import delete, insert

    from jejo.kpi.rollup import hourly_elements
    from jejo.kpi.tables import KpiHourly

    start = _hour_floor(period.start)
    end = _hour_floor(period.end) + (
        timedelta(hours=1) if period.end != _hour_floor(period.end) else timedelta(0)
    )
    span = Period(start, end)
    ld = load(session, company_id, scope, code, span, now=now)
    codes = [u.equipment for u in ld.units]
    session.execute(
        delete(KpiHourly).where(
            KpiHourly.company_id == company_id,
            KpiHourly.equipment_code.in_(codes),
            KpiHourly.hour >= start,
            KpiHourly.hour < end,
        )
    )
    counts: dict[tuple[str, datetime], list[sources.QuantityRow]] = {}
    for r in ld.rows:
        counts.setdefault((r.equipment, _hour_floor(r.at)), []).append(r)
    rows: list[dict[str, Any]] = []
    for u in ld.units:
        for hour, raw in hourly_elements(
            u.equipment, u.intervals, ld.windows, span, ld.reasons, ld.micro_stop_s
        ):
            c = sources.counts_by_equipment(counts.get((u.equipment, hour), [])).get(
                u.equipment, ProductionCounts()
            )
            rows.append(
                {
                    "company_id": company_id,
                    "equipment_code": u.equipment,
                    "hour": hour,
                    "windows_s": raw.windows,
                    "breaks_s": raw.breaks,
                    "overtime_s": raw.overtime,
                    "apt_s": raw.apt,
                    "aust_s": raw.aust,
                    "adet_s": raw.adet,
                    "micro_s": raw.micro,
                    "adot_s": raw.adot,
                    "pdot_s": raw.pdot,
                    "failures": raw.failures,
                    "good": c.good,
                    "scrap": c.scrap,
                    "rework": c.rework,
                    "planned_run_s": c.planned_run_s,
                    "planned_setup_s": c.planned_setup_s,
                }
            )
    if rows:
        session.execute(insert(KpiHourly), rows)
    return len(rows)


def oee_from_rollups(
    session: Session, company_id: int, scope: str, code: str | None, period: Period
) -> dict[str, Any]:
    """OEE and the time-based KPIs of a scope from the hourly rollups (whole hours of the period):
    the dashboard path. Each machine's hours are summed and settled, then the machines added up."""
    from sqlalchemy import func, select

    from jejo.kpi.tables import KpiHourly
    from jejo.kpi.timeelements import RawElements, finish

    _check_period(period)
    codes = [e.code for e in sources.resolve_equipment(session, company_id, scope, code)]
    cols = [getattr(KpiHourly, c) for c in _ROLL_COLS]
    extra = [
        KpiHourly.failures,
        KpiHourly.good,
        KpiHourly.scrap,
        KpiHourly.rework,
        KpiHourly.planned_run_s,
        KpiHourly.planned_setup_s,
    ]
    q = (
        select(KpiHourly.equipment_code, func.count(), *[func.sum(c) for c in cols + extra])
        .where(
            KpiHourly.company_id == company_id,
            KpiHourly.equipment_code.in_(codes),
            KpiHourly.hour >= period.start,
            KpiHourly.hour < period.end,
        )
        .group_by(KpiHourly.equipment_code)
    )
    te, c = TimeElements(), ProductionCounts()
    hours = 0
    per: list[dict[str, Any]] = []
    for row in session.execute(q):
        eq, n, *v = row
        f = [float(x or 0) for x in v[:9]]
        raw = RawElements(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], int(v[9] or 0))
        mte = finish(raw)
        mc = ProductionCounts(
            good=v[10] or 0,
            scrap=v[11] or 0,
            rework=v[12] or 0,
            planned_run_s=v[13] or 0,
            planned_setup_s=v[14] or 0,
        )
        te, c, hours = te + mte, c + mc, max(hours, int(n))
        per.append(
            {"equipment": eq, "oee": iso22400.oee(mte, mc), "availability": iso22400.availability(mte)}
        )
    return {
        "scope": scope,
        "code": code,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "source": "kpi_hourly",
        "hours": hours,
        "time_elements_s": _te_dict(te),
        "counts": _counts_dict(c),
        "kpi": _kpis(te, c),
        "equipment": per,
    }
