"""Reports: daily production (일일 생산 보고서), weekly OEE (주간 설비종합효율 보고서) and monthly PQCD
(월간 PQCD 성과 보고서), as Excel (real formulas, number formats, a chart) and PDF (HTML with inline
SVG charts through ``jejo.core.pdf``). Dates in Asia/Seoul (the site's zone), amounts in KRW.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.tenancy import Company
from jejo.core.timeutil import utcnow
from jejo.kpi import service, sources, svg

KINDS = ("daily", "weekly", "monthly")
LOSS_LABELS = {
    "breakdowns": "고장정지 Breakdowns",
    "setup_adjustment": "작업준비·조정 Setup & adjustment",
    "idling_minor_stops": "공회전·순간정지 Idling & minor stops",
    "reduced_speed": "속도저하 Reduced speed",
    "defects_rework": "불량·재작업 Defects & rework",
    "startup_yield": "초기수율 Startup / yield",
    "no_data": "데이터 없음 No data",
}


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    fmt: str = "text"  # text | int | num1 | hours | pct | krw | pp
    formula: str | None = (
        None  # Excel formula with {row} and column letters, e.g. "=IFERROR(C{row}/B{row},\"\")"
    )
    total: str | None = None  # "sum" or a formula with {row}, {first}, {last}


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    with_total: bool = False
    chart: tuple[str, str] | None = None  # (label column key, value column key) for the Excel chart
    totals: dict[str, Any] = field(default_factory=dict)  # PDF total row values of formula columns


@dataclass
class Report:
    kind: str
    title: str
    company: str
    period: str
    generated: str
    tables: list[Table] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # inline SVG for the PDF
    notes: list[str] = field(default_factory=list)

    def filename(self, ext: str) -> str:
        return f"jejo-{self.kind}-{self.period.replace(' ', '').replace('~', '_')}.{ext}"


def _h(s: float) -> float:
    return s / 3600.0


def _company_name(session: Session, company_id: int) -> str:
    c = session.get(Company, company_id)
    return c.name if c else str(company_id)


def _oee_table(rep: dict[str, Any], title: str) -> Table:
    cols = [
        Column("equipment", "설비 Equipment"),
        Column("pbt", "부하시간 PBT (h)", "hours", total="sum"),
        Column("apt", "가동시간 APT (h)", "hours", total="sum"),
        Column("net", "PRI×PQ (h)", "hours", total="sum"),
        Column("pq", "생산 PQ", "int", total="sum"),
        Column("gq", "양품 GQ", "int", total="sum"),
        Column(
            "a", "시간가동률 A", "pct", '=IF(B{row}>0,C{row}/B{row},"")', '=IF(B{row}>0,C{row}/B{row},"")'
        ),
        Column(
            "e", "성능가동률 E", "pct", '=IF(C{row}>0,D{row}/C{row},"")', '=IF(C{row}>0,D{row}/C{row},"")'
        ),
        Column("q", "양품률 QR", "pct", '=IF(E{row}>0,F{row}/E{row},"")', '=IF(E{row}>0,F{row}/E{row},"")'),
        Column(
            "oee",
            "설비종합효율 OEE",
            "pct",
            '=IFERROR(G{row}*H{row}*I{row},"")',
            '=IFERROR(G{row}*H{row}*I{row},"")',
        ),
    ]
    rows = []
    for e in rep["equipment"]:
        te, c, k = e["time_elements_s"], e["counts"], e["kpi"]["iso"]
        rows.append(
            {
                "equipment": e["equipment"],
                "pbt": _h(te["PBT"]),
                "apt": _h(te["APT"]),
                "net": _h(c["PRI_x_PQ_s"]),
                "pq": c["PQ"],
                "gq": c["GQ"],
                "a": k["availability"],
                "e": k["effectiveness"],
                "q": k["quality_ratio"],
                "oee": k["oee"],
            }
        )
    k = rep["kpi"]["iso"]
    totals = {"a": k["availability"], "e": k["effectiveness"], "q": k["quality_ratio"], "oee": k["oee"]}
    return Table(title, cols, rows, with_total=True, chart=("equipment", "oee"), totals=totals)


def _pareto_table(rows: list[dict[str, Any]], title: str, key_label: str, unit: str) -> Table:
    fmt = "hours" if unit == "h" else "num1"
    cols = [
        Column("key", key_label),
        Column("value", f"합계 Total ({unit})", fmt, total="sum"),
        Column("count", "건수 Count", "int", total="sum"),
        Column("share", "비율 Share", "pct"),
        Column("cumulative", "누적 Cumulative", "pct"),
    ]
    out = [
        {
            "key": r["key"],
            "value": _h(r["value"]) if unit == "h" else r["value"],
            "count": r["count"],
            "share": r["share"],
            "cumulative": r["cumulative"],
        }
        for r in rows
    ]
    return Table(title, cols, out, with_total=bool(out), chart=("key", "value"))


def _oee_chart(rep: dict[str, Any], title: str) -> str:
    eqs = rep["equipment"]
    return svg.bar_chart(
        [e["equipment"] for e in eqs],
        [e["kpi"]["iso"]["oee"] for e in eqs],
        title=title,
        max_value=1.0,
        target=0.85,
    )


def _pareto_chart(rows: list[dict[str, Any]], title: str, hours: bool) -> str:
    return svg.bar_chart(
        [r["key"] for r in rows],
        [_h(r["value"]) if hours else r["value"] for r in rows],
        title=title,
        fmt="{:.1f}",
        cumulative=[r["cumulative"] for r in rows],
        colors=None,
    )


def _local_label(period: sources.Period, tz: str) -> str:
    z = ZoneInfo(tz)
    a = period.start.astimezone(z).date()
    b = (period.end.astimezone(z) - timedelta(seconds=1)).date()
    return a.isoformat() if a == b else f"{a.isoformat()} ~ {b.isoformat()}"


def daily_report(session: Session, company_id: int, day: str | date, now: datetime | None = None) -> Report:
    """일일 생산 보고서: OEE per machine, output per work order, downtime and scrap Paretos of one day."""
    tz = sources.site_timezone(session, company_id)
    period = sources.named_period("day", day, tz)
    rep = service.oee_report(session, company_id, "site", None, period, now=now)
    lo = service.losses_report(session, company_id, "site", None, period, now=now)
    rows = sources.quantity_rows(session, company_id, period)
    by_wo: dict[tuple[str, int], dict[str, Any]] = {}
    for r in rows:
        d = by_wo.setdefault(
            (r.work_order, r.seq),
            {
                "wo": r.work_order,
                "seq": r.seq,
                "equipment": r.equipment,
                "good": 0.0,
                "scrap": 0.0,
                "rework": 0.0,
            },
        )
        d["good"] += r.good
        d["scrap"] += r.scrap
        d["rework"] += r.rework
    prod = Table(
        "작업지시별 생산실적 Output by work order",
        [
            Column("wo", "작업지시 Work order"),
            Column("seq", "공정 Op", "int"),
            Column("equipment", "설비 Equipment"),
            Column("good", "양품 Good", "int", total="sum"),
            Column("scrap", "폐기 Scrap", "int", total="sum"),
            Column("rework", "재작업 Rework", "int", total="sum"),
            Column(
                "rate",
                "불량률 Defect rate",
                "pct",
                '=IF(D{row}+E{row}+F{row}>0,(E{row}+F{row})/(D{row}+E{row}+F{row}),"")',
                '=IF(D{row}+E{row}+F{row}>0,(E{row}+F{row})/(D{row}+E{row}+F{row}),"")',
            ),
        ],
        [
            d
            | {
                "rate": (d["scrap"] + d["rework"]) / t
                if (t := d["good"] + d["scrap"] + d["rework"])
                else None
            }
            for d in sorted(by_wo.values(), key=lambda x: (x["wo"], x["seq"]))
        ],
        with_total=True,
    )
    dt_reason = lo["downtime_pareto"]["reason"]
    report = Report(
        "daily",
        "일일 생산 보고서 (Daily production report)",
        _company_name(session, company_id),
        _local_label(period, tz),
        (now or utcnow()).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M"),
        [
            _oee_table(rep, "설비별 설비종합효율 OEE by machine"),
            prod,
            _pareto_table(dt_reason, "비가동 사유 파레토 Downtime Pareto by reason", "사유 Reason", "h"),
            _pareto_table(
                lo["scrap_pareto"], "불량 유형 파레토 Scrap Pareto by defect", "불량 코드 Defect", "EA"
            ),
        ],
        [
            _oee_chart(rep, "설비별 OEE (목표 85%)"),
            _pareto_chart(dt_reason, "비가동 파레토 (h)", True),
            _pareto_chart(lo["scrap_pareto"], "불량 파레토 (EA)", False),
        ],
    )
    report.notes.append(_oee_note())
    return report


def _oee_note() -> str:
    return (
        "OEE = 시간가동률(APT/PBT) × 성능가동률(PRI·PQ/APT) × 양품률(GQ/PQ) — ISO 22400-2. "
        "Setups count as availability loss in both conventions; "
        "ISO counts micro-stops as ADET (availability), "
        "the Korean/TPM convention as 성능가동률 loss; the OEE itself is the same."
    )


def weekly_report(session: Session, company_id: int, day: str | date, now: datetime | None = None) -> Report:
    """주간 OEE 보고서: OEE per machine per day, the site's six big losses and waterfall, MTBF/MTTR."""
    tz = sources.site_timezone(session, company_id)
    period = sources.named_period("week", day, tz)
    rep = service.oee_report(session, company_id, "site", None, period, now=now)
    lo = service.losses_report(session, company_id, "site", None, period, now=now)
    days = [period.start + timedelta(days=i) for i in range(7)]
    per_day = [
        service.oee_report(
            session, company_id, "site", None, sources.Period(d, d + timedelta(days=1)), now=now
        )
        for d in days
    ]
    z = ZoneInfo(tz)
    labels = [d.astimezone(z).strftime("%m-%d (%a)") for d in days]
    cols = [Column("equipment", "설비 Equipment")] + [Column(f"d{i}", labels[i], "pct") for i in range(7)]
    cols.append(Column("week", "주간 Week", "pct"))
    rows = []
    for e in rep["equipment"]:
        row: dict[str, Any] = {"equipment": e["equipment"], "week": e["kpi"]["iso"]["oee"]}
        for i, pd in enumerate(per_day):
            match = next(x for x in pd["equipment"] if x["equipment"] == e["equipment"])
            row[f"d{i}"] = match["kpi"]["iso"]["oee"]
        rows.append(row)
    losses_tbl = Table(
        "6대 로스 Six big losses (h)",
        [
            Column("key", "로스 Loss"),
            Column("hours", "시간 Hours", "hours", total="sum"),
            Column("share", "부하시간 대비 Share of PBT", "pct"),
        ],
        [
            {
                "key": LOSS_LABELS.get(k, k),
                "hours": _h(v),
                "share": v / rep["time_elements_s"]["PBT"] if rep["time_elements_s"]["PBT"] else None,
            }
            for k, v in lo["six_big_losses_s"].items()
        ],
        with_total=True,
        chart=("key", "hours"),
    )
    trend = Table(
        "일별 MTBF / MTTR (h)",
        [
            Column("label", "일자 Day"),
            Column("failures", "고장 건수 Failures", "int", total="sum"),
            Column("mtbf", "MTBF (h)", "hours"),
            Column("mttr", "MTTR (h)", "hours"),
            Column("oee", "OEE", "pct"),
        ],
        [
            {
                "label": labels[i],
                "failures": t["failures"],
                "mtbf": _h(t["mtbf_s"]) if t["mtbf_s"] else None,
                "mttr": _h(t["mttr_s"]) if t["mttr_s"] else None,
                "oee": t["oee"],
            }
            for i, t in enumerate(lo["trend"])
        ],
        with_total=True,
    )
    wf = [(s["label_ko"], _h(s["seconds"]), s["kind"]) for s in lo["waterfall_s"]]
    report = Report(
        "weekly",
        "주간 설비종합효율 보고서 (Weekly OEE report)",
        _company_name(session, company_id),
        _local_label(period, tz),
        (now or utcnow()).astimezone(z).strftime("%Y-%m-%d %H:%M"),
        [
            Table("설비별·일별 OEE (OEE by machine and day)", cols, rows, chart=("equipment", "week")),
            _oee_table(rep, "주간 설비종합효율 Weekly OEE"),
            losses_tbl,
            trend,
        ],
        [
            _oee_chart(rep, "설비별 주간 OEE (목표 85%)"),
            svg.waterfall_chart(wf, title="OEE 워터폴 (h): 조업시간 → 가치가동시간", width=680),
        ],
    )
    report.notes.append(_oee_note())
    return report


def monthly_report(session: Session, company_id: int, day: str | date, now: datetime | None = None) -> Report:
    """월간 PQCD 보고서: the month against the month before (개선 전 → 개선 후), with improvement rates."""
    tz = sources.site_timezone(session, company_id)
    after = sources.named_period("month", day, tz)
    prev_day = (after.start.astimezone(ZoneInfo(tz)) - timedelta(days=1)).date()
    before = sources.named_period("month", prev_day, tz)
    res = service.pqcd_report(session, company_id, before, after)
    fmt_of = {
        "%": "num1",
        "KRW": "krw",
        "KRW/EA": "krw",
        "EA/h": "num1",
        "h": "num1",
        "ppm": "int",
        "1": "num1",
    }
    rows = [
        {
            "group": i["group"],
            "name": f"{i['name_ko']} ({i['name']})",
            "unit": i["unit"],
            "before": i["before"],
            "after": i["after"],
            "imp": i["improvement_pct"] / 100 if i["improvement_pct"] is not None else None,
            "pp": i["change_pp"],
            "status": "측정 ✓" if i["status"] == "ok" else "데이터 없음 (no data)",
            "evidence": f"{i['evidence_count'][0]} / {i['evidence_count'][1]}",
            "_fmt": fmt_of.get(i["unit"], "num1"),
            "_up": i["key"] in ("uph", "on_time_delivery", "sales", "inventory_turns"),
        }
        for i in res["indicators"]
    ]
    tbl = Table(
        "PQCD 성과지표 (개선 전 → 개선 후)",
        [
            Column("group", "구분"),
            Column("name", "지표 Indicator"),
            Column("unit", "단위 Unit"),
            Column("before", "개선 전 Before", "row"),
            Column("after", "개선 후 After", "row"),
            Column("imp", "개선율 Improvement", "pct"),
            Column("pp", "증감 %p", "pp"),
            Column("status", "상태 Status"),
            Column("evidence", "근거 이벤트 Evidence (before/after)"),
        ],
        rows,
    )
    z = ZoneInfo(tz)
    report = Report(
        "monthly",
        "월간 PQCD 성과 보고서 (Monthly PQCD report)",
        _company_name(session, company_id),
        _local_label(after, tz),
        (now or utcnow()).astimezone(z).strftime("%Y-%m-%d %H:%M"),
        [tbl],
        [
            svg.bar_chart(
                [r["name"].split(" (")[0] for r in rows],
                [r["imp"] for r in rows],
                title=f"개선율 ({_local_label(before, tz)} → {_local_label(after, tz)})",
                fmt="{:.0%}",
                max_value=max([abs(r["imp"]) for r in rows if r["imp"] is not None] + [0.1]) * 1.2,
            )
        ],
    )
    report.notes.append(
        "향상률 = (개선 후 − 개선 전) / 개선 전 × 100; 감소율·단축률 = (개선 전 − 개선 후) / 개선 전 × 100; "
        "불량률·납기준수율은 %p 증감도 표시. 개선 전 = " + _local_label(before, tz) + "."
    )
    report.notes.append(
        "원가·매출·재고는 원가/영업 모듈의 데이터가 있을 때만 계산됩니다 (없으면 '데이터 없음')."
    )
    return report


def dashboard_report(
    session: Session,
    company_id: int,
    scope: str,
    code: str | None,
    period: sources.Period,
    shift: str | None = None,
    now: datetime | None = None,
) -> Report:
    """성과 대시보드 내보내기: what the dashboard shows for a scope, period and shift, as a report."""
    tz = sources.site_timezone(session, company_id)
    rep = service.oee_report(session, company_id, scope, code, period, now=now, shift=shift)
    lo = service.losses_report(session, company_id, scope, code, period, now=now, shift=shift)
    orders = service.orders_report(session, company_id, period, now=now)
    z = ZoneInfo(tz)
    trend = Table(
        "일별 OEE · MTBF / MTTR (Daily OEE, MTBF / MTTR)",
        [
            Column("label", "일자 Day"),
            Column("oee", "OEE", "pct"),
            Column("failures", "고장 건수 Failures", "int", total="sum"),
            Column("mtbf", "MTBF (h)", "hours"),
            Column("mttr", "MTTR (h)", "hours"),
        ],
        [
            {
                "label": datetime.fromisoformat(t["label"]).astimezone(z).strftime("%m-%d (%a)"),
                "oee": t["oee"],
                "failures": t["failures"],
                "mtbf": _h(t["mtbf_s"]) if t["mtbf_s"] else None,
                "mttr": _h(t["mttr_s"]) if t["mttr_s"] else None,
            }
            for t in lo["trend"]
        ],
        with_total=True,
    )
    order_table = Table(
        "작업지시 진척·납기 (Work-order progress and lateness)",
        [
            Column("work_order", "작업지시 Work order"),
            Column("item", "품목 Item"),
            Column("quantity", "지시수량 Quantity", "num1"),
            Column("good", "양품 Good", "num1"),
            Column("progress", "진척률 Progress", "pct"),
            Column("due_date", "납기 Due"),
            Column("days_late", "지연일 Days late", "int"),
        ],
        orders["orders"],
    )
    wf = [(s["label_ko"], _h(s["seconds"]), s["kind"]) for s in lo["waterfall_s"]]
    what = "전체 Site" if not code else f"{scope} {code}"
    report = Report(
        "dashboard",
        f"성과 대시보드 (Performance dashboard) · {what}" + (f" · {shift}" if shift else ""),
        _company_name(session, company_id),
        _local_label(period, tz),
        (now or utcnow()).astimezone(z).strftime("%Y-%m-%d %H:%M"),
        [
            _oee_table(rep, "설비종합효율 OEE"),
            trend,
            _pareto_table(
                lo["downtime_pareto"]["reason"], "비가동 파레토 Downtime by reason (h)", "사유 Reason", "h"
            ),
            _pareto_table(lo["scrap_pareto"], "불량 파레토 Scrap by reason", "사유 Reason", "ea"),
            order_table,
        ],
        [
            _oee_chart(rep, "설비별 OEE (목표 85%)"),
            svg.waterfall_chart(wf, title="OEE 워터폴 (h)", width=680),
            _pareto_chart(lo["downtime_pareto"]["reason"], "비가동 파레토 (h)", hours=True),
        ],
    )
    report.notes.append(_oee_note())
    return report


BUILDERS: dict[str, Callable[..., Report]] = {
    "daily": daily_report,
    "weekly": weekly_report,
    "monthly": monthly_report,
}


def build(
    session: Session, company_id: int, kind: str, day: str | date, now: datetime | None = None
) -> Report:
    from jejo.core.errors import Problem, ValidationError

    if kind not in BUILDERS:
        raise ValidationError(
            "unknown report", [Problem("report must be daily, weekly or monthly", field="kind")]
        )
    return BUILDERS[kind](session, company_id, day, now=now)


# ---- Excel -----------------------------------------------------------------------------------

_XL_FMT = {
    "int": "#,##0",
    "num1": "#,##0.0",
    "hours": "#,##0.0",
    "pct": "0.0%",
    "krw": '"₩"#,##0',
    "pp": '+0.0"%p";-0.0"%p"',
    "text": "@",
}


def to_xlsx(report: Report) -> bytes:
    """The report as an .xlsx workbook: one sheet per table, ratios and totals as Excel formulas."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    head_fill = PatternFill("solid", fgColor="DCE6F2")
    thin = Side(style="thin", color="B8C0CC")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = "Noto Sans CJK KR"
    for ti, t in enumerate(report.tables):
        ws = wb.create_sheet(f"{ti + 1}. {t.title.split(' ')[0]}"[:31])
        ws["A1"] = report.title
        ws["A1"].font = Font(name=font, bold=True, size=14)
        ws["A2"] = f"{report.company} · {report.period} (Asia/Seoul) · 작성 {report.generated}"
        ws["A2"].font = Font(name=font, size=9, color="555555")
        ws["A3"] = t.title
        ws["A3"].font = Font(name=font, bold=True, size=11)
        hr = 5
        for ci, col in enumerate(t.columns, 1):
            c = ws.cell(hr, ci, col.label)
            c.font, c.fill, c.border = Font(name=font, bold=True), head_fill, border
            c.alignment = Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[get_column_letter(ci)].width = max(12, min(34, len(col.label) * 1.3))
        first = hr + 1
        last = hr + len(t.rows)
        total_row = last + 1
        for ri, row in enumerate(t.rows):
            r = first + ri
            for ci, col in enumerate(t.columns, 1):
                fmt = row.get("_fmt", "num1") if col.fmt == "row" else col.fmt
                if col.formula:
                    value: Any = col.formula.format(row=r, first=first, last=last, pbt=total_row)
                else:
                    value = row.get(col.key)
                cell = ws.cell(r, ci, value)
                cell.number_format = _XL_FMT.get(fmt, "General")
                cell.font, cell.border = Font(name=font), border
        if t.with_total and t.rows:
            ws.cell(total_row, 1, "합계 Total").font = Font(name=font, bold=True)
            for ci, col in enumerate(t.columns, 1):
                if ci == 1 or not col.total:
                    continue
                letter = get_column_letter(ci)
                f = (
                    f"=SUM({letter}{first}:{letter}{last})"
                    if col.total == "sum"
                    else col.total.format(row=total_row)
                )
                cell = ws.cell(total_row, ci, f)
                cell.number_format = _XL_FMT.get(col.fmt, "General")
                cell.font, cell.border = Font(name=font, bold=True), border
        ws.freeze_panes = ws.cell(first, 2)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        if t.chart and t.rows:
            keys = [c.key for c in t.columns]
            lab, val = keys.index(t.chart[0]) + 1, keys.index(t.chart[1]) + 1
            ch = BarChart()
            ch.title = t.title
            ch.height, ch.width = 7.5, 16
            ch.add_data(Reference(ws, min_col=val, min_row=hr, max_row=last), titles_from_data=True)
            ch.set_categories(Reference(ws, min_col=lab, min_row=first, max_row=last))
            ws.add_chart(ch, f"{get_column_letter(len(t.columns) + 2)}{hr}")
    ws = wb.create_sheet("Notes")
    for i, n in enumerate(report.notes, 1):
        ws.cell(i, 1, n).font = Font(name=font)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- PDF -------------------------------------------------------------------------------------


def _fmt(v: Any, fmt: str) -> str:
    if v is None:
        return '<span class="muted">–</span>'
    if isinstance(v, str):
        return escape(v)
    if fmt == "pct":
        return f"{v:.1%}"
    if fmt == "int":
        return f"{v:,.0f}"
    if fmt == "krw":
        return f"₩{v:,.0f}"
    if fmt == "pp":
        return f"{v:+.1f}%p"
    return f"{v:,.1f}"


def _table_html(t: Table) -> str:
    head = "".join(
        f'<th class="{"num" if c.fmt not in ("text",) else ""}">{escape(c.label)}</th>' for c in t.columns
    )
    body = []
    for row in t.rows:
        cells = []
        for c in t.columns:
            fmt = row.get("_fmt", "num1") if c.fmt == "row" else c.fmt
            cls = "num" if fmt != "text" else ""
            cells.append(f'<td class="{cls}">{_fmt(row.get(c.key), fmt)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    if t.with_total and t.rows:
        cells = ["<td><b>합계 Total</b></td>"]
        for c in t.columns[1:]:
            if c.total == "sum":
                cells.append(
                    f'<td class="num"><b>{_fmt(sum(r.get(c.key) or 0 for r in t.rows), c.fmt)}</b></td>'
                )
            elif c.key in t.totals:
                cells.append(f'<td class="num"><b>{_fmt(t.totals[c.key], c.fmt)}</b></td>')
            else:
                cells.append("<td></td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not t.rows:
        body.append(f'<tr><td colspan="{len(t.columns)}" class="muted">데이터 없음 (no data)</td></tr>')
    rows = "".join(body)
    return f"<h2>{escape(t.title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def to_html(report: Report) -> str:
    charts = "".join(report.charts)
    tables = "".join(_table_html(t) for t in report.tables)
    notes = "".join(f'<p class="meta">{escape(n)}</p>' for n in report.notes)
    return (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
        f"<title>{escape(report.title)}</title></head>"
        f"<body><h1>{escape(report.title)}</h1>"
        f'<div class="meta">{escape(report.company)} · 기간 {escape(report.period)} (Asia/Seoul) · '
        f"작성 {escape(report.generated)} · jejo</div>{charts}{tables}{notes}</body></html>"
    )


def to_pdf(report: Report) -> bytes:
    from jejo.core.pdf import render_pdf

    return render_pdf(to_html(report), css="table { font-size: 8.5pt; }")


def render(report: Report, fmt: str) -> tuple[bytes, str]:
    """(content, media type) of a report in ``xlsx`` or ``pdf``."""
    from jejo.core.errors import Problem, ValidationError

    if fmt == "xlsx":
        return to_xlsx(report), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if fmt == "pdf":
        return to_pdf(report), "application/pdf"
    raise ValidationError("unknown format", [Problem("format must be xlsx or pdf", field="format")])


def company_of_code(session: Session, code: str) -> int:
    """The id of the company with this code (for the CLI)."""
    from jejo.core.errors import NotFound

    cid = session.scalar(select(Company.id).where(Company.code == code))
    if cid is None:
        raise NotFound(f"company {code} not found")
    return int(cid)
