"""The results-sharing day (성과공유회): aggregates, case pages, a booklet (PDF) and a workbook (Excel).

Only shared values count. The booklet and the workbook are public documents: they use the values firms
agreed to publish (``public``), never name a firm in an aggregate, and leave out a group of fewer than
:data:`MIN_GROUP` firms (a median of one or two firms would expose them). A firm appears by name only on
its own case page, and only when it agreed to a case study. The center's own screen may also count the
values shared with the center (``center``).
"""

from __future__ import annotations

import io
import statistics
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.center.indicators import BY_KEY, RESULT_INDICATORS, change
from jejo.center.results_tables import SharedResult
from jejo.center.tables import Firm

MIN_GROUP = 3
DIMENSIONS = ("program", "sigungu", "industry", "year")
DIMENSION_KO = {"program": "지원사업별", "sigungu": "시·군별", "industry": "업종별", "year": "연도별"}
_KSIC = Path(__file__).resolve().parent / "data" / "ksic_c.yaml"


def _divisions() -> dict[str, str]:
    try:
        data = yaml.safe_load(_KSIC.read_text(encoding="utf-8")) or {}
    except OSError:
        return {}
    return {str(k): str(v) for k, v in (data.get("divisions") or {}).items()}


def industry_of(ksic_code: str) -> str:
    """The KSIC division (중분류) of a code such as ``C32``, ``32`` or ``32021``: e.g. ``32 가구 제조업``."""
    digits = "".join(ch for ch in ksic_code if ch.isdigit())[:2]
    name = _divisions().get(digits, "")
    return f"{digits} {name}".strip() if digits else "-"


@dataclass(frozen=True, slots=True)
class Row:
    firm_id: uuid.UUID
    firm: str
    sigungu: str
    industry: str
    program: str
    year: int
    project: str
    indicator: str
    before: float | None
    after: float | None
    improvement_pct: float | None
    change_pp: float | None
    source: str
    consent: str
    case_study: bool


def rows(session: Session, company_id: int, consents: Iterable[str] = ("public",)) -> list[Row]:
    """Shared results with both periods and the given consents, joined to their firms."""
    wanted = tuple(consents)
    q = (
        select(SharedResult, Firm)
        .join(Firm, Firm.id == SharedResult.firm_id)
        .where(SharedResult.company_id == company_id, SharedResult.consent.in_(wanted))
        .order_by(Firm.name, SharedResult.project, SharedResult.indicator)
    )
    out = []
    for r, f in session.execute(q).all():
        c = change(r.indicator, r.before, r.after)
        out.append(
            Row(
                f.id,
                f.name,
                f.sigungu,
                industry_of(f.ksic_code),
                r.program or "-",
                r.year,
                r.project,
                r.indicator,
                r.before,
                r.after,
                c.improvement_pct,
                c.change_pp,
                r.source,
                r.consent,
                r.case_study,
            )
        )
    return out


def _quantiles(xs: list[float]) -> tuple[float, float, float]:
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], statistics.median(xs), q[2]


def aggregate(data: list[Row], dimension: str, min_group: int = MIN_GROUP) -> list[dict[str, Any]]:
    """Per group of ``dimension`` and indicator: firms, median improvement (%), quartiles, min–max, and
    for rates the median %p. A group of fewer than ``min_group`` firms is marked suppressed, no figures."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in data:
        if r.improvement_pct is None:
            continue
        groups.setdefault((str(getattr(r, dimension)), r.indicator), []).append(r)
    order = {i.key: n for n, i in enumerate(RESULT_INDICATORS)}
    out = []
    for (group, key), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], order[kv[0][1]])):
        firms = {r.firm_id for r in rs}
        ind = BY_KEY[key]
        item: dict[str, Any] = {
            "dimension": dimension,
            "group": group,
            "indicator": key,
            "name": ind.name_ko,
            "is_rate": ind.is_rate,
            "firms": len(firms),
            "suppressed": len(firms) < min_group,
        }
        if not item["suppressed"]:
            imp = [r.improvement_pct for r in rs if r.improvement_pct is not None]
            q1, med, q3 = _quantiles(imp)
            item |= {
                "median_pct": med,
                "q1_pct": q1,
                "q3_pct": q3,
                "min_pct": min(imp),
                "max_pct": max(imp),
                "improved": sum(1 for r in rs if (r.improvement_pct or 0) > 0),
            }
            if ind.is_rate:
                item["median_pp"] = statistics.median([r.change_pp for r in rs if r.change_pp is not None])
        out.append(item)
    return out


def overall(data: list[Row], min_group: int = MIN_GROUP) -> list[dict[str, Any]]:
    """Each indicator over all firms (the figures the ministry reports), same suppression rule."""
    tagged = [Row(**{**_asdict(r), "program": "전체"}) for r in data]
    return aggregate(tagged, "program", min_group)


def _asdict(r: Row) -> dict[str, Any]:
    return {f: getattr(r, f) for f in Row.__slots__}


def cases(data: list[Row]) -> list[dict[str, Any]]:
    """Case pages: firms that agreed to a named case study, with their published indicators."""
    per: dict[tuple[uuid.UUID, str], list[Row]] = {}
    for r in data:
        if r.case_study and r.consent == "public":
            per.setdefault((r.firm_id, r.project), []).append(r)
    out = []
    for (_fid, project), rs in sorted(per.items(), key=lambda kv: (kv[1][0].firm, kv[0][1])):
        first = rs[0]
        order = {i.key: n for n, i in enumerate(RESULT_INDICATORS)}
        rs = sorted(rs, key=lambda r: order[r.indicator])
        out.append(
            {
                "firm": first.firm,
                "sigungu": first.sigungu,
                "industry": first.industry,
                "program": first.program,
                "year": first.year,
                "project": project,
                "indicators": [
                    {
                        "indicator": r.indicator,
                        "name": BY_KEY[r.indicator].name_ko,
                        "unit": BY_KEY[r.indicator].unit,
                        "before": r.before,
                        "after": r.after,
                        "improvement_pct": r.improvement_pct,
                        "change_pp": r.change_pp,
                        "source": r.source,
                    }
                    for r in rs
                ],
            }
        )
    return out


def summary(session: Session, company_id: int, consents: Iterable[str] = ("public",)) -> dict[str, Any]:
    data = rows(session, company_id, consents)
    return {
        "firms": len({r.firm_id for r in data}),
        "values": len(data),
        "overall": overall(data),
        "by": {d: aggregate(data, d) for d in DIMENSIONS},
        "cases": cases(data),
        "min_group": MIN_GROUP,
    }


# ---- charts (inline SVG, for the booklet) -----------------------------------------------------------


def range_chart(items: list[dict[str, Any]], title: str, width: int = 640) -> str:
    """Horizontal bars: the median improvement with the interquartile range (whisker) per indicator."""
    shown = [i for i in items if not i["suppressed"]]
    row_h, left, right, top = 26, 150, 60, 28
    height = top + row_h * max(1, len(shown)) + 24
    lo = min([0.0, *[i["q1_pct"] for i in shown]])
    hi = max([10.0, *[i["q3_pct"] for i in shown]])
    span = (hi - lo) or 1.0
    pw = width - left - right

    def x(v: float) -> float:
        return left + pw * (v - lo) / span

    font = 'font-family="Noto Sans CJK KR, sans-serif"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" {font} font-size="10">'
    ]
    parts.append(f'<text x="4" y="16" font-size="11" font-weight="bold">{escape(title)}</text>')
    parts.append(
        f'<line x1="{x(0):.1f}" y1="{top - 4}" x2="{x(0):.1f}" y2="{height - 20}" stroke="#8a94a6"/>'
    )
    for n, i in enumerate(shown):
        y = top + n * row_h
        label = f"{i['name']} ({i['group']})" if i["group"] != "전체" else i["name"]
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>')
        x0, x1 = sorted((x(0), x(i["median_pct"])))
        color = "#2f6db5" if i["median_pct"] >= 0 else "#c2410c"
        parts.append(f'<rect x="{x0:.1f}" y="{y + 4}" width="{x1 - x0:.1f}" height="14" fill="{color}"/>')
        parts.append(
            f'<line x1="{x(i["q1_pct"]):.1f}" y1="{y + 11}" x2="{x(i["q3_pct"]):.1f}" y2="{y + 11}" '
            'stroke="#1b1f24" stroke-width="1.2"/>'
        )
        parts.append(
            f'<text x="{x(max(i["median_pct"], i["q3_pct"])) + 4:.1f}" y="{y + 15}">'
            f"{i['median_pct']:+.1f}%</text>"
        )
    parts.append(f'<text x="{left}" y="{height - 6}" fill="#555">{lo:.0f}%</text>')
    parts.append(f'<text x="{left + pw}" y="{height - 6}" text-anchor="end" fill="#555">{hi:.0f}%</text>')
    parts.append("</svg>")
    return "".join(parts)


# ---- booklet (PDF) ----------------------------------------------------------------------------------

BOOKLET_CSS = """
.cover { page-break-after: always; text-align: center; padding-top: 70mm; }
.cover h1 { font-size: 24pt; margin-bottom: 6mm; }
.cover .sub { font-size: 13pt; color: #333; }
.cover .org { margin-top: 60mm; font-size: 12pt; }
.case { page-break-before: always; }
.note { color: #555; font-size: 8.5pt; }
.figs { display: flex; gap: 4mm; margin: 3mm 0; }
.fig { border: 0.6pt solid #b8c0cc; padding: 3mm; flex: 1; text-align: center; }
.fig b { display: block; font-size: 16pt; color: #2f6db5; }
"""


def _pct(v: float | None, signed: bool = True) -> str:
    if v is None:
        return "-"
    return f"{v:+.1f}%" if signed else f"{v:.1f}%"


def _val(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit.startswith("KRW"):
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def _agg_table(items: list[dict[str, Any]], group_title: str) -> str:
    head = (
        f"<tr><th>{escape(group_title)}</th><th>지표</th><th class='num'>기업 수</th>"
        "<th class='num'>개선율 중앙값</th><th class='num'>사분위 범위</th><th class='num'>최소 ~ 최대</th>"
        "<th class='num'>%p 중앙값</th></tr>"
    )
    body = []
    for i in items:
        if i["suppressed"]:
            body.append(
                f"<tr><td>{escape(i['group'])}</td><td>{escape(i['name'])}</td>"
                f"<td class='num'>{MIN_GROUP}개 미만</td>"
                "<td class='num muted' colspan='4'>기업 보호를 위해 공개하지 않음</td></tr>"
            )
            continue
        pp = f"{i['median_pp']:+.2f}%p" if i.get("median_pp") is not None else "-"
        body.append(
            f"<tr><td>{escape(i['group'])}</td><td>{escape(i['name'])}</td><td class='num'>{i['firms']}</td>"
            f"<td class='num'>{_pct(i['median_pct'])}</td>"
            f"<td class='num'>{_pct(i['q1_pct'])} ~ {_pct(i['q3_pct'])}</td>"
            f"<td class='num'>{_pct(i['min_pct'])} ~ {_pct(i['max_pct'])}</td><td class='num'>{pp}</td></tr>"
        )
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def booklet_html(s: dict[str, Any], *, center_name: str, year: int, day: date | None = None) -> str:
    parts = ['<html lang="ko"><head><meta charset="utf-8"></head><body>']
    parts.append(
        "<section class='cover'>"
        f"<h1>{year} 스마트제조혁신 성과공유회</h1>"
        "<div class='sub'>지원사업 성과 자료집 — 도입기업이 측정한 전·후 성과</div>"
        f"<div class='org'>{escape(center_name)}{(' · ' + day.isoformat()) if day else ''}</div>"
        "</section>"
    )
    parts.append("<h1>성과 요약</h1>")
    parts.append(
        f"<p class='meta'>공개 동의한 {s['firms']}개 기업, {s['values']}개 지표. "
        "개선율: 높을수록 좋은 지표는 "
        "(개선후−개선전)÷개선전×100, 낮을수록 좋은 지표는 (개선전−개선후)÷개선전×100. 비율 지표는 %p 변화도 "
        f"함께 표시. {MIN_GROUP}개 기업 미만인 집단은 공개하지 않는다.</p>"
    )
    figs = [i for i in s["overall"] if not i["suppressed"]][:4]
    if figs:
        parts.append("<div class='figs'>")
        for i in figs:
            parts.append(
                f"<div class='fig'><b>{_pct(i['median_pct'])}</b>{escape(i['name'])} 개선 "
                f"(중앙값, {i['firms']}개사)</div>"
            )
        parts.append("</div>")
    parts.append(range_chart(s["overall"], "지표별 개선율 중앙값과 사분위 범위 (전체)"))
    parts.append(_agg_table(s["overall"], "구분"))
    for d in DIMENSIONS:
        parts.append(f"<h2>{DIMENSION_KO[d]} 성과</h2>")
        items = s["by"][d]
        if not items:
            parts.append("<p class='muted'>자료 없음</p>")
            continue
        shown = [i for i in items if not i["suppressed"]]
        if shown:
            parts.append(range_chart(shown, f"{DIMENSION_KO[d]} 개선율 중앙값"))
        parts.append(_agg_table(items, DIMENSION_KO[d].removesuffix("별")))
    for c in s["cases"]:
        parts.append("<section class='case'>")
        parts.append(f"<h1>우수사례 — {escape(c['firm'])}</h1>")
        parts.append(
            f"<p class='meta'>{escape(c['sigungu'])} · {escape(c['industry'])} · {escape(c['program'])} "
            f"({c['year']}) · 과제 {escape(c['project'])}</p>"
        )
        parts.append(
            "<table><thead><tr><th>지표</th><th class='num'>개선 전</th><th class='num'>개선 후</th>"
            "<th class='num'>개선율</th><th class='num'>%p</th><th>자료</th></tr></thead><tbody>"
        )
        for i in c["indicators"]:
            pp = f"{i['change_pp']:+.2f}%p" if i["change_pp"] is not None else "-"
            src = "jejo 실측" if i["source"] == "measured" else "자체 보고"
            parts.append(
                f"<tr><td>{escape(i['name'])} ({escape(i['unit'])})</td>"
                f"<td class='num'>{_val(i['before'], i['unit'])}</td>"
                f"<td class='num'>{_val(i['after'], i['unit'])}</td>"
                f"<td class='num'>{_pct(i['improvement_pct'])}</td>"
                f"<td class='num'>{pp}</td><td>{src}</td></tr>"
            )
        parts.append("</tbody></table>")
        parts.append("<p class='note'>기업이 사례 공개에 동의한 지표만 싣는다.</p></section>")
    parts.append("</body></html>")
    return "".join(parts)


def booklet_pdf(s: dict[str, Any], *, center_name: str, year: int, day: date | None = None) -> bytes:
    from jejo.core.pdf import render_pdf

    return render_pdf(booklet_html(s, center_name=center_name, year=year, day=day), css=BOOKLET_CSS)


# ---- workbook (Excel) -------------------------------------------------------------------------------


def workbook(s: dict[str, Any], data: list[Row]) -> bytes:
    """Summary, one sheet per dimension, the case firms, and the anonymised values (firm A, B, …)."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EEF2F7")

    def header(ws: Any, names: list[str]) -> None:
        ws.append(names)
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill

    def agg_sheet(ws: Any, items: list[dict[str, Any]]) -> None:
        header(
            ws,
            [
                "구분",
                "지표",
                "기업 수",
                "개선율 중앙값(%)",
                "1사분위(%)",
                "3사분위(%)",
                "최소(%)",
                "최대(%)",
                "%p 중앙값",
            ],
        )
        for i in items:
            if i["suppressed"]:
                ws.append([i["group"], i["name"], f"{MIN_GROUP}개 미만", "비공개"])
                continue
            ws.append(
                [
                    i["group"],
                    i["name"],
                    i["firms"],
                    round(i["median_pct"], 2),
                    round(i["q1_pct"], 2),
                    round(i["q3_pct"], 2),
                    round(i["min_pct"], 2),
                    round(i["max_pct"], 2),
                    round(i["median_pp"], 2) if i.get("median_pp") is not None else None,
                ]
            )
        ws.column_dimensions["A"].width = 24
        ws.column_dimensions["B"].width = 18

    ws = wb.active
    ws.title = "요약"
    agg_sheet(ws, s["overall"])
    n = ws.max_row
    if n > 1:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "지표별 개선율 중앙값 (%)"
        chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=n))
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, "K2")
    for d in DIMENSIONS:
        agg_sheet(wb.create_sheet(DIMENSION_KO[d]), s["by"][d])
    wc = wb.create_sheet("우수사례")
    header(
        wc,
        [
            "기업",
            "시·군",
            "업종",
            "지원사업",
            "연도",
            "지표",
            "개선 전",
            "개선 후",
            "개선율(%)",
            "%p",
            "자료",
        ],
    )
    for c in s["cases"]:
        for i in c["indicators"]:
            wc.append(
                [
                    c["firm"],
                    c["sigungu"],
                    c["industry"],
                    c["program"],
                    c["year"],
                    i["name"],
                    i["before"],
                    i["after"],
                    round(i["improvement_pct"], 2) if i["improvement_pct"] is not None else None,
                    round(i["change_pp"], 2) if i["change_pp"] is not None else None,
                    "jejo 실측" if i["source"] == "measured" else "자체 보고",
                ]
            )
    wd = wb.create_sheet("익명 자료")
    header(
        wd,
        ["기업 (익명)", "지원사업", "연도", "업종", "지표", "개선 전", "개선 후", "개선율(%)", "%p", "자료"],
    )
    alias: dict[uuid.UUID, str] = {}
    for r in sorted(data, key=lambda r: (str(r.firm_id), r.indicator)):
        if r.improvement_pct is None:
            continue
        name = alias.setdefault(r.firm_id, f"기업 {_letters(len(alias))}")
        wd.append(
            [
                name,
                r.program,
                r.year,
                r.industry,
                BY_KEY[r.indicator].name_ko,
                r.before,
                r.after,
                round(r.improvement_pct, 2),
                round(r.change_pp, 2) if r.change_pp is not None else None,
                "jejo 실측" if r.source == "measured" else "자체 보고",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _letters(n: int) -> str:
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s
