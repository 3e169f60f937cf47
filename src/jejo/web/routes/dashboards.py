"""성과 대시보드: OEE trend and waterfall, losses and Paretos, SPC, work-order progress and lateness,
machine-data trends and PQCD before/after, for a site / line / work center / machine, a period and a
shift; each view exports to Excel and PDF.

The page computes from the same KPI services as the API and the reports (``jejo.kpi.service``) and hands
the figures to ECharts as JSON; the tables under the charts carry the same numbers for screen readers
and for print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.api.deps import DB
from jejo.core.errors import JejoError, Problem, ValidationError
from jejo.core.timeutil import utcnow
from jejo.kpi import reports, service, sources
from jejo.kpi.timeelements import Period
from jejo.masterdata.tables import Equipment, Line, Shift, WorkCenter
from jejo.telemetry import store
from jejo.telemetry.tables import TsTag
from jejo.web.context import CurrentViewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)

TABS = ("oee", "losses", "spc", "orders", "telemetry", "pqcd")
MAX_DAYS = 92  # a quarter: longer ranges belong to the monthly report
SPC_CHARTS = ("i_mr", "xbar_r", "xbar_s")


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the page is rendered."""
    return message


TAB_LABELS = {
    "oee": N_("OEE"),
    "losses": N_("Losses"),
    "spc": N_("SPC"),
    "orders": N_("Work-order progress"),
    "telemetry": N_("Machine data"),
    "pqcd": N_("PQCD before / after"),
}
LOSS_LABELS = {
    "breakdowns": N_("Breakdowns"),
    "setup_adjustment": N_("Setup and adjustment"),
    "idling_minor_stops": N_("Idling and minor stops"),
    "reduced_speed": N_("Reduced speed"),
    "defects_rework": N_("Defects and rework"),
    "startup_yield": N_("Startup losses"),
    "no_data": N_("No data"),
}


@dataclass(frozen=True)
class Filters:
    tab: str
    scope: str
    code: str | None
    first: date
    last: date  # inclusive, as people pick days
    shift: str | None
    tz: str

    @property
    def period(self) -> Period:
        return sources.parse_period(self.first, self.last + timedelta(days=1), self.tz)

    @property
    def target(self) -> str:
        return f"{self.scope}:{self.code}" if self.code else "site:"

    def query(self, **change: Any) -> str:
        from urllib.parse import urlencode

        values: dict[str, Any] = {
            "tab": self.tab,
            "target": self.target,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "shift": self.shift or "",
        }
        values.update(change)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _day(value: str | None, name: str, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(
            "bad date", [Problem(f"{value!r} is not a date (YYYY-MM-DD)", field=name)]
        ) from exc


def parse_filters(
    session: Session,
    company_id: int,
    tab: str | None,
    target: str | None,
    first: str | None,
    last: str | None,
    shift: str | None,
) -> Filters:
    """The page's filters from its query, checked; the defaults are the last seven days of the site."""
    tz = sources.site_timezone(session, company_id)
    today = utcnow().astimezone(ZoneInfo(tz)).date()
    end = _day(last, "to", today)
    start = _day(first, "from", end - timedelta(days=6))
    problems = []
    if tab and tab not in TABS:
        problems.append(Problem(f"tab must be one of {', '.join(TABS)}", field="tab"))
    if start > end:
        problems.append(Problem("the first day is after the last day", field="from"))
    elif (end - start).days + 1 > MAX_DAYS:
        problems.append(Problem(f"at most {MAX_DAYS} days at a time", field="to"))
    scope, _, code = (target or "site:").partition(":")
    if scope not in sources.SCOPES:
        problems.append(Problem(f"scope must be one of {', '.join(sources.SCOPES)}", field="target"))
    if problems:
        raise ValidationError("bad filters", problems)
    return Filters(tab or "oee", scope, code or None, start, end, shift or None, tz)


def _targets(session: Session, company_id: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """The scopes to choose from, grouped: the whole site, lines, work centers, machines."""

    def pairs(model: Any, scope: str) -> list[tuple[str, str]]:
        rows = session.execute(
            select(model.code, model.name).where(model.company_id == company_id).order_by(model.code)
        )
        return [(f"{scope}:{code}", f"{code} · {name}") for code, name in rows]

    return [
        ("line", pairs(Line, "line")),
        ("work_center", pairs(WorkCenter, "work_center")),
        ("equipment", pairs(Equipment, "equipment")),
    ]


def _shifts(session: Session, company_id: int) -> list[tuple[str, str]]:
    return [
        (code, name)
        for code, name in session.execute(
            select(Shift.code, Shift.name).where(Shift.company_id == company_id).order_by(Shift.code)
        )
    ]


def _numeric_tags(session: Session, company_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(TsTag.code, TsTag.unit, TsTag.equipment_code)
        .where(TsTag.company_id == company_id, TsTag.role != "state")
        .order_by(TsTag.code)
    )
    return [(code, " · ".join(x for x in (code, eq, unit) if x)) for code, unit, eq in rows]


def _local(ts: datetime, tz: str) -> str:
    return ts.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")


def _oee_view(session: Session, company_id: int, f: Filters) -> dict[str, Any]:
    rep = service.oee_report(session, company_id, f.scope, f.code, f.period, shift=f.shift)
    lo = service.losses_report(session, company_id, f.scope, f.code, f.period, shift=f.shift)
    z = ZoneInfo(f.tz)
    trend = [
        {
            "day": datetime.fromisoformat(t["label"]).astimezone(z).date().isoformat(),
            "oee": t["oee"],
            "mtbf_h": t["mtbf_s"] / 3600 if t["mtbf_s"] else None,
            "mttr_h": t["mttr_s"] / 3600 if t["mttr_s"] else None,
            "failures": t["failures"],
        }
        for t in lo["trend"]
    ]
    return {"oee": rep, "losses": lo, "trend": trend}


def _spc_view(session: Session, company_id: int, f: Filters, tag: str | None, chart: str) -> dict[str, Any]:
    tags = _numeric_tags(session, company_id)
    chosen = tag or (tags[0][0] if tags else None)
    if chosen is None:
        return {"tags": tags, "tag": None, "chart": chart, "spc": None}
    if chart not in SPC_CHARTS:
        raise ValidationError("bad chart", [Problem("chart must be i_mr, xbar_r or xbar_s", field="chart")])
    out = service.spc_for_tag(session, company_id, chosen, f.period, chart=chart)
    out["charts"] = [out["location"], out["dispersion"]] if "location" in out else [out["chart_data"]]
    return {"tags": tags, "tag": chosen, "chart": chart, "spc": out}


def _telemetry_view(session: Session, company_id: int, f: Filters, tag: str | None) -> dict[str, Any]:
    tags = _numeric_tags(session, company_id)
    chosen = tag or (tags[0][0] if tags else None)
    if chosen is None:
        return {"tags": tags, "tag": None, "series": None}
    p = f.period
    span = p.end - p.start
    if span > timedelta(days=2):
        width, points = "1h", store.rollup_range(session, company_id, chosen, p.start, p.end, "1h")
    else:
        width, points = "1m", store.rollup_range(session, company_id, chosen, p.start, p.end, "1m")
    if points:
        series = {
            "width": width,
            "t": [_local(x.bucket, f.tz) for x in points],
            "mean": [x.mean for x in points],
            "min": [x.min for x in points],
            "max": [x.max for x in points],
        }
    else:  # no rollups yet (e.g. the last minutes): the raw samples
        raw = [
            x
            for x in store.raw_range(session, company_id, chosen, p.start, p.end, 20_000)
            if isinstance(x.value, (int, float))
        ]
        series = {
            "width": "raw",
            "t": [_local(x.ts, f.tz) for x in raw],
            "mean": [x.value for x in raw],
            "min": [],
            "max": [],
        }
    return {"tags": tags, "tag": chosen, "series": series}


def _pqcd_view(
    session: Session, company_id: int, f: Filters, b_from: str | None, b_to: str | None
) -> dict[str, Any]:
    days = (f.last - f.first).days + 1
    b_last = _day(b_to, "before_to", f.first - timedelta(days=1))
    b_first = _day(b_from, "before_from", b_last - timedelta(days=days - 1))
    if b_first > b_last:
        raise ValidationError(
            "bad filters", [Problem("the first day is after the last day", field="before_from")]
        )
    before = sources.parse_period(b_first, b_last + timedelta(days=1), f.tz)
    rep = service.pqcd_report(session, company_id, before, f.period)
    return {"report": rep, "before_from": b_first.isoformat(), "before_to": b_last.isoformat()}


@router.get("/dashboards")
def dashboards(
    request: Request,
    viewer: CurrentViewer,
    session: DB,
    tab: str | None = None,
    target: str | None = None,
    from_: str | None = Query(None, alias="from"),
    to: str | None = None,
    shift: str | None = None,
    tag: str | None = None,
    chart: str = "i_mr",
    before_from: str | None = None,
    before_to: str | None = None,
) -> HTMLResponse:
    cid = viewer.company_id
    context: dict[str, Any] = {
        "targets": _targets(session, cid),
        "shifts": _shifts(session, cid),
        "tabs": [(key, viewer.tr.gettext(label)) for key, label in TAB_LABELS.items()],
        "loss_labels": {k: viewer.tr.gettext(v) for k, v in LOSS_LABELS.items()},
        "error": None,
        "view": None,
    }
    f: Filters | None = None
    try:
        f = parse_filters(session, cid, tab, target, from_, to, shift)
        context["filters"] = f
        if f.tab in ("oee", "losses"):
            context["view"] = _oee_view(session, cid, f)
        elif f.tab == "spc":
            context["view"] = _spc_view(session, cid, f, tag, chart)
        elif f.tab == "orders":
            context["view"] = service.orders_report(session, cid, f.period)
        elif f.tab == "telemetry":
            context["view"] = _telemetry_view(session, cid, f, tag)
        else:
            context["view"] = _pqcd_view(session, cid, f, before_from, before_to)
    except JejoError as exc:
        context["error"] = exc
        context.setdefault("filters", f or parse_filters(session, cid, None, None, None, None, None))
    return render(request, "dashboards/index.html", viewer.tr, viewer=viewer, **context)


@router.get("/dashboards/export.{fmt}")
def export(
    viewer: CurrentViewer,
    session: DB,
    fmt: str,
    target: str | None = None,
    from_: str | None = Query(None, alias="from"),
    to: str | None = None,
    shift: str | None = None,
) -> Response:
    """The dashboard's figures for the chosen scope, period and shift as an Excel workbook or a PDF."""
    f = parse_filters(session, viewer.company_id, None, target, from_, to, shift)
    report = reports.dashboard_report(session, viewer.company_id, f.scope, f.code, f.period, f.shift)
    content, media = reports.render(report, fmt)
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{report.filename(fmt)}"'},
    )
