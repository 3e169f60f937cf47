"""KPIs (OEE and ISO 22400, losses, SPC, PQCD) and reports, for the caller's company only.

Periods are [from, to): local dates (the site's zone, Asia/Seoul by default) or ISO date-times. Without
``from``/``to`` a KPI covers the last 7 days; without a scope it covers the whole site.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from jejo.api.deps import DB, Caller
from jejo.kpi import iso22400, reports, service, sources
from jejo.kpi.timeelements import Period

router = APIRouter(tags=["kpi"])

Scope = Literal["equipment", "work_center", "line", "site"]


def _period(session: Session, company_id: int, start: str | None, end: str | None) -> Period:
    tz = sources.site_timezone(session, company_id)
    today = datetime.now(ZoneInfo(tz)).date()
    return sources.parse_period(start or (today - timedelta(days=6)), end or (today + timedelta(days=1)), tz)


@router.get("/kpi/definitions")
def definitions(caller: Caller) -> list[dict[str, Any]]:
    """Every KPI with its formula, ISO 22400 elements and Korean name."""
    return [
        {
            "key": d.key,
            "name": d.name,
            "name_ko": d.name_ko,
            "formula": d.formula,
            "elements": list(d.elements),
            "unit": d.unit,
        }
        for d in iso22400.CATALOGUE
    ]


@router.get("/kpi/oee")
def oee(
    caller: Caller,
    session: DB,
    scope: Scope = Query("site"),
    code: str | None = Query(None, description="Equipment / work center / line / site code"),
    date_from: str | None = Query(None, alias="from"),
    date_to: str | None = Query(None, alias="to"),
    micro_stop_s: float = Query(120.0, ge=0, le=3600),
    rollups: bool = Query(False, description="Read the hourly rollups (dashboards; whole hours)"),
) -> dict[str, Any]:
    """OEE (ISO 22400 and 설비종합효율) and every ISO 22400 KPI, total and per machine."""
    period = _period(session, caller.company_id, date_from, date_to)
    if rollups:
        return service.oee_from_rollups(session, caller.company_id, scope, code, period)
    return service.oee_report(session, caller.company_id, scope, code, period, micro_stop_s)


@router.get("/kpi/losses")
def losses(
    caller: Caller,
    session: DB,
    scope: Scope = Query("site"),
    code: str | None = Query(None),
    date_from: str | None = Query(None, alias="from"),
    date_to: str | None = Query(None, alias="to"),
) -> dict[str, Any]:
    """Six big losses, OEE waterfall, downtime Pareto (reason, machine, shift), scrap Pareto, trends."""
    period = _period(session, caller.company_id, date_from, date_to)
    return service.losses_report(session, caller.company_id, scope, code, period)


@router.get("/kpi/pqcd")
def pqcd(
    caller: Caller,
    session: DB,
    before_from: str | None = Query(None),
    before_to: str | None = Query(None),
    after_from: str | None = Query(None),
    after_to: str | None = Query(None),
) -> dict[str, Any]:
    """PQCD before / after (default: the previous 30 days against the last 30 days)."""
    tz = sources.site_timezone(session, caller.company_id)
    today = datetime.now(ZoneInfo(tz)).date()
    a0, a1 = after_from or (today - timedelta(days=29)), after_to or (today + timedelta(days=1))
    b0, b1 = before_from or (today - timedelta(days=59)), before_to or (today - timedelta(days=29))
    return service.pqcd_report(
        session, caller.company_id, sources.parse_period(b0, b1, tz), sources.parse_period(a0, a1, tz)
    )


@router.get("/kpi/spc/tags/{tag}")
def spc_tag(
    tag: str,
    caller: Caller,
    session: DB,
    chart: Literal["xbar_r", "xbar_s", "i_mr"] = Query("i_mr"),
    date_from: str | None = Query(None, alias="from"),
    date_to: str | None = Query(None, alias="to"),
    subgroup: int = Query(5, ge=2, le=25),
    baseline: int | None = Query(None, ge=2),
    lsl: float | None = Query(None),
    usl: float | None = Query(None),
    rules: Literal["nelson", "western_electric"] = Query("nelson"),
) -> dict[str, Any]:
    """A control chart over one telemetry tag's samples, with rule findings and capability."""
    period = _period(session, caller.company_id, date_from, date_to)
    return service.spc_for_tag(
        session, caller.company_id, tag, period, chart, subgroup, baseline, lsl, usl, rules
    )


class SpcIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chart: Literal["xbar_r", "xbar_s", "i_mr", "p", "np", "c", "u"]
    values: list[float] = Field(min_length=2, max_length=100_000)
    sizes: list[float] | None = None
    subgroup: int = Field(5, ge=2, le=25)
    baseline: int | None = Field(None, ge=2)
    lsl: float | None = None
    usl: float | None = None
    rules: Literal["nelson", "western_electric"] = "nelson"
    subject: str = Field("", max_length=200)


@router.post("/kpi/spc")
def spc(body: SpcIn, caller: Caller) -> dict[str, Any]:
    """A control chart over values you send (measurements, or counts with sizes for p / u charts)."""
    return service.spc_compute(
        body.chart,
        body.values,
        subgroup=body.subgroup,
        sizes=body.sizes,
        baseline=body.baseline,
        lsl=body.lsl,
        usl=body.usl,
        rules=body.rules,
        subject=body.subject,
    )


def _report(session: Session, company_id: int, kind: str, day: str | None, fmt: str) -> Response:
    tz = sources.site_timezone(session, company_id)
    d = day or datetime.now(ZoneInfo(tz)).date().isoformat()
    rep = reports.build(session, company_id, kind, d)
    content, media = reports.render(rep, fmt)
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{rep.filename(fmt)}"'},
    )


Fmt = Literal["xlsx", "pdf"]


@router.get("/reports/daily", response_class=Response)
def report_daily(
    caller: Caller, session: DB, day: str | None = Query(None), format: Fmt = Query("xlsx")
) -> Response:
    """일일 생산 보고서 (.xlsx or .pdf) of one day (default today)."""
    return _report(session, caller.company_id, "daily", day, format)


@router.get("/reports/weekly", response_class=Response)
def report_weekly(
    caller: Caller, session: DB, day: str | None = Query(None), format: Fmt = Query("xlsx")
) -> Response:
    """주간 OEE 보고서 of the week holding ``day``."""
    return _report(session, caller.company_id, "weekly", day, format)


@router.get("/reports/monthly", response_class=Response)
def report_monthly(
    caller: Caller, session: DB, day: str | None = Query(None), format: Fmt = Query("xlsx")
) -> Response:
    """월간 PQCD 보고서 of the month holding ``day`` against the month before."""
    return _report(session, caller.company_id, "monthly", day, format)
