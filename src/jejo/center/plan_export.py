"""A business plan as a document: one list of blocks (headings, paragraphs, tables) rendered to HWPX
(python-hwpx, for 한/글), DOCX (python-docx) and PDF (WeasyPrint through :mod:`jejo.core.pdf`)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from html import escape
from typing import Any


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # title | heading | para | table
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = field(default_factory=tuple)  # first row is the header


def _won(v: Any) -> str:
    return f"{int(v):,}" if v not in (None, "") else "-"


def _num(v: Any, unit: str) -> str:
    if v is None or v == "":
        return "-"
    x = float(v)
    if unit in ("KRW", "KRW/EA"):
        return f"{x:,.0f}"
    return f"{x:,.2f}"


def blocks(plan: dict[str, Any]) -> list[Block]:
    """The plan (from :func:`jejo.center.plans.plan_out`) as document blocks."""
    out = [Block("title", plan["title"])]
    f = plan["firm"]
    out.append(
        Block(
            "para",
            f"신청기업: {f['name']} · 소재지: {f['sigungu']} · 업종: KSIC {f['ksic_code']}"
            + (f" · 지원사업: {plan['program']}" if plan["program"] else "")
            + f" · 목표수준: {plan['target_level']}",
        )
    )
    for s in plan["sections"]:
        out.append(Block("heading", s["title"]))
        for para in (s["text"] or "").split("\n"):
            if para.strip():
                out.append(Block("para", para.strip()))
        key = s["key"]
        rows: list[tuple[str, ...]]
        if key == "scope" and plan["scope"]:
            rows = [("공정", "구축 기능", "수집 데이터", "수집 방식")]
            rows += [(r["process"], r["function"], r["data"], r["method"]) for r in plan["scope"]]
            out.append(Block("table", rows=tuple(rows)))
        elif key == "schedule" and plan["schedule"]:
            rows = [("추진 내용", "시작 (월)", "종료 (월)")]
            rows += [(r["task"], f"M{r['start_month']}", f"M{r['end_month']}") for r in plan["schedule"]]
            out.append(Block("table", rows=tuple(rows)))
        elif key == "budget":
            t = plan["budget_totals"]
            rows = [("항목", "구분", "합계 (원)", "정부지원금", "기업 현금", "기업 현물")]
            rows += [
                (
                    r["item"],
                    r["category"],
                    _won(r["total_krw"]),
                    _won(r["government_krw"]),
                    _won(r["cash_krw"]),
                    _won(r["in_kind_krw"]),
                )
                for r in plan["budget"]
            ]
            rows.append(
                (
                    "합계",
                    "",
                    _won(t["total_krw"]),
                    _won(t["government_krw"]),
                    _won(t["cash_krw"]),
                    _won(t["in_kind_krw"]),
                )
            )
            rows.append(
                (
                    "비율",
                    "",
                    "100%",
                    f"{t['government_ratio']:.1%}",
                    f"{t['cash_ratio']:.1%}",
                    f"{t['in_kind_ratio']:.1%}",
                )
            )
            out.append(Block("table", rows=tuple(rows)))
            r = plan["rules"]
            cap = f", 최대 {r['gov_cap_krw']:,}원" if r.get("gov_cap_krw") else ""
            out.append(Block("para", f"정부지원 한도: 총사업비의 {r['gov_ratio_max']:.0%} 이내{cap}."))
        elif key == "kpis" and plan["kpis"]:
            rows = [("지표", "단위", "기준값", "목표값", "측정 방법", "근거")]
            for k in plan["kpis"]:
                ev = k.get("evidence") or {}
                if k.get("source") == "measured":
                    basis = f"jejo 실측 {k.get('period_label', '')}, 기록 {ev.get('count', 0)}건"
                else:
                    basis = "자체 보고"
                rows.append(
                    (
                        k["name"],
                        k["unit"],
                        _num(k["baseline"], k["unit"]),
                        _num(k["target"], k["unit"]),
                        k["method"],
                        basis,
                    )
                )
            out.append(Block("table", rows=tuple(rows)))
    return out


# ---- HWPX -------------------------------------------------------------------------------------------


def to_hwpx(plan: dict[str, Any]) -> bytes:
    """The plan as an HWPX document (한/글 2014+), written with python-hwpx."""
    from hwpx import HwpxDocument

    doc = HwpxDocument.new()
    for b in blocks(plan):
        if b.kind == "title":
            doc.add_heading(b.text, level=1)
        elif b.kind == "heading":
            doc.add_heading(b.text, level=2)
        elif b.kind == "para":
            doc.add_paragraph(b.text)
        else:
            n_rows, n_cols = len(b.rows), len(b.rows[0])
            table = doc.add_table(n_rows, n_cols)
            for i, row in enumerate(b.rows):
                for j, cell in enumerate(row):
                    table.set_cell_text(i, j, cell)
    data: bytes = doc.to_bytes()
    return data


def hwpx_text(data: bytes) -> str:
    """The plain text of an HWPX document (to read an export back)."""
    from hwpx import HwpxDocument

    doc = HwpxDocument.open(io.BytesIO(data))
    text: str = doc.text.plain() if callable(doc.text.plain) else str(doc.text.plain)
    return text


# ---- DOCX -------------------------------------------------------------------------------------------


def to_docx(plan: dict[str, Any]) -> bytes:
    """The plan as a Word document, Korean font set on every style used."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        st = doc.styles[style_name]
        st.font.name = "Noto Sans CJK KR"
        rpr = st.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), "Noto Sans CJK KR")
    doc.styles["Normal"].font.size = Pt(10)
    for b in blocks(plan):
        if b.kind == "title":
            doc.add_heading(b.text, level=0)
        elif b.kind == "heading":
            doc.add_heading(b.text, level=1)
        elif b.kind == "para":
            doc.add_paragraph(b.text)
        else:
            table = doc.add_table(rows=len(b.rows), cols=len(b.rows[0]))
            table.style = doc.styles["Table Grid"]
            for i, row in enumerate(b.rows):
                for j, cell in enumerate(row):
                    table.cell(i, j).text = cell
                    if i == 0:
                        for run in table.cell(i, j).paragraphs[0].runs:
                            run.bold = True
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ---- PDF --------------------------------------------------------------------------------------------

PLAN_CSS = """
h1.title { font-size: 17pt; text-align: center; margin: 2mm 0 5mm; }
p { margin: 1mm 0 2mm; line-height: 1.5; }
td { vertical-align: top; }
"""


def to_html(plan: dict[str, Any]) -> str:
    parts = ['<html lang="ko"><head><meta charset="utf-8"></head><body>']
    for b in blocks(plan):
        if b.kind == "title":
            parts.append(f'<h1 class="title">{escape(b.text)}</h1>')
        elif b.kind == "heading":
            parts.append(f"<h2>{escape(b.text)}</h2>")
        elif b.kind == "para":
            parts.append(f"<p>{escape(b.text)}</p>")
        else:
            head, *body = b.rows
            parts.append("<table><thead><tr>")
            parts += [f"<th>{escape(c)}</th>" for c in head]
            parts.append("</tr></thead><tbody>")
            for row in body:
                parts.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
            parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)


def to_pdf(plan: dict[str, Any]) -> bytes:
    from jejo.core.pdf import render_pdf

    return render_pdf(to_html(plan), css=PLAN_CSS)
