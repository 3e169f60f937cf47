"""Demand forecast → machine load: what the coming weeks will ask of each work center.

The firm's own sales order lines (by requested date, cancelled orders left out) make a weekly demand
history per item (weeks start on Monday, site time). Each item with enough history is forecast with
:class:`jejo.ai.forecast.Forecaster` — ``croston`` where most weeks have no demand (intermittent), else
``auto-ets`` — with an 80 % interval. The forecast quantities times the item's routing (cycle time per
unit, one setup per item and week where there is demand) give the hours each work center must work; its
machines times the company's working time (shifts, holidays, days off: the scheduler's own calendar) give
the hours it has. A week above 100 % is where the scheduler will run late unless work moves or overtime is
planned — the rough-cut check before orders arrive.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.ai.forecast import Forecaster
from jejo.core.errors import JejoError, Problem, ValidationError
from jejo.core.timeutil import as_utc, utcnow
from jejo.masterdata.service import active_routing
from jejo.masterdata.tables import Equipment, Item, WorkCenter
from jejo.planning.service import site_timezone, working_time
from jejo.sales.tables import SalesOrder, SalesOrderLine

MIN_HISTORY_WEEKS = 8  # fewer weeks with a first order than this: no forecast for the item
INTERMITTENT_SHARE = 0.5  # more weeks without demand than this: Croston's method


@dataclass
class ItemForecast:
    item: str
    name: str
    method: str | None  # None: not forecast (see note)
    history: list[float]
    mean: list[float] = field(default_factory=list)
    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)
    note: str = ""


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly_demand(
    session: Session, company_id: int, first_week: date, weeks: int
) -> dict[str, tuple[int, str, np.ndarray]]:
    """Item code → (item id, name, quantity requested per week) for ``weeks`` weeks from Monday
    ``first_week``."""
    end = first_week + timedelta(weeks=weeks)
    rows = session.execute(
        select(
            Item.code, Item.id, Item.name, SalesOrderLine.requested_date, func.sum(SalesOrderLine.quantity)
        )
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .join(Item, Item.id == SalesOrderLine.item_id)
        .where(
            SalesOrder.company_id == company_id,
            SalesOrder.status != "cancelled",
            SalesOrderLine.requested_date >= first_week,
            SalesOrderLine.requested_date < end,
        )
        .group_by(Item.code, Item.id, Item.name, SalesOrderLine.requested_date)
    ).all()
    out: dict[str, tuple[int, str, np.ndarray]] = {}
    for code, item_id, name, day, qty in rows:
        _, _, series = out.setdefault(code, (item_id, name, np.zeros(weeks)))
        series[(_monday(day) - first_week).days // 7] += float(qty)
    return out


def _forecast(code: str, name: str, history: np.ndarray, horizon: int) -> ItemForecast:
    nonzero = np.flatnonzero(history > 0)
    out = ItemForecast(code, name, None, [round(float(x), 3) for x in history])
    if nonzero.size == 0 or len(history) - nonzero[0] < MIN_HISTORY_WEEKS:
        out.note = f"주문 이력 {MIN_HISTORY_WEEKS}주 미만 — 예측하지 않음"
        return out
    series = history[nonzero[0] :]  # from the item's first order on
    method = "croston" if float(np.mean(series == 0)) > INTERMITTENT_SHARE else "auto-ets"
    try:
        band = Forecaster(method=method).fit(series).predict_interval(horizon, level=80)
    except (JejoError, ValueError, np.linalg.LinAlgError) as exc:  # a degenerate series: the baseline
        out.note = f"{method} 실패 ({exc}) — 최근 평균 사용"
        method = "recent-mean"
        level = float(np.mean(series[-MIN_HISTORY_WEEKS:]))
        band = {"mean": np.full(horizon, level), "lo": np.full(horizon, level), "hi": np.full(horizon, level)}
    out.method = method
    for key in ("mean", "lo", "hi"):
        getattr(out, key).extend(round(max(0.0, float(v)), 3) for v in band[key])
    return out


def forecast_load(
    session: Session,
    company_id: int,
    *,
    history_weeks: int = 26,
    horizon_weeks: int = 8,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Weekly demand forecast per item and the load it puts on each work center; see the module text."""
    problems = []
    if not 8 <= history_weeks <= 260:
        problems.append(Problem(field="history_weeks", reason="between 8 and 260"))
    if not 1 <= horizon_weeks <= 26:
        problems.append(Problem(field="horizon_weeks", reason="between 1 and 26"))
    if problems:
        raise ValidationError("forecast not possible", problems)
    tz = ZoneInfo(site_timezone(session, company_id))
    now = as_utc(now or utcnow())
    this_week = _monday(now.astimezone(tz).date())
    first = this_week - timedelta(weeks=history_weeks)
    demand = weekly_demand(session, company_id, first, history_weeks)
    items = [
        _forecast(code, name, series, horizon_weeks) for code, (_, name, series) in sorted(demand.items())
    ]
    weeks = [this_week + timedelta(weeks=k) for k in range(1, horizon_weeks + 1)]  # from next Monday

    # capacity: working minutes per week (the scheduler's calendar) × machines of each work center
    start = datetime.combine(weeks[0], time(), tz)
    axis = working_time(session, company_id, as_utc(start), days=7 * horizon_weeks + 1)
    minutes = [
        axis.to_work(as_utc(datetime.combine(w + timedelta(days=7), time(), tz)))
        - axis.to_work(as_utc(datetime.combine(w, time(), tz)))
        for w in weeks
    ]
    centers = {
        wc.id: (wc.code, wc.name, n)
        for wc, n in session.execute(
            select(WorkCenter, func.count(Equipment.id))
            .outerjoin(Equipment, Equipment.work_center_id == WorkCenter.id)
            .where(WorkCenter.company_id == company_id)
            .group_by(WorkCenter.id)
        ).all()
    }
    need = {wc: np.zeros(horizon_weeks) for wc in centers}
    need_hi = {wc: np.zeros(horizon_weeks) for wc in centers}
    for f in items:
        if f.method is None:
            continue
        routing = active_routing(session, company_id, demand[f.item][0])
        if routing is None:
            f.note = (f.note + " " if f.note else "") + "공정(라우팅) 없음 — 부하에 넣지 않음"
            continue
        mean, hi = np.asarray(f.mean), np.asarray(f.hi)
        for op in routing.operations:
            setup = np.where(mean > 0.5, op.setup_time_s, 0.0)
            need[op.work_center_id] += (mean * op.cycle_time_s + setup) / 3600
            need_hi[op.work_center_id] += (hi * op.cycle_time_s + setup) / 3600
    load = []
    for wc_id, (code, name, machines) in sorted(centers.items(), key=lambda kv: kv[1][0]):
        have = [machines * m / 60 for m in minutes]
        load.append(
            {
                "work_center": code,
                "name": name,
                "machines": machines,
                "hours": [round(float(x), 2) for x in need[wc_id]],
                "hours_hi": [round(float(x), 2) for x in need_hi[wc_id]],
                "capacity_hours": [round(h, 2) for h in have],
                "utilisation": [
                    round(float(x) / h, 4) if h > 0 else None for x, h in zip(need[wc_id], have, strict=True)
                ],
            }
        )
    return {
        "weeks": [w.isoformat() for w in weeks],
        "history_from": first.isoformat(),
        "items": [asdict(f) for f in items],
        "load": load,
    }
