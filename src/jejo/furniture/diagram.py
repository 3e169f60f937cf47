"""Cutting diagrams: one SVG per sheet of a cutting plan (parts with their numbers and sizes, banded
edges drawn thick, kept offcuts shaded), and a PDF of all sheets to print at the saw."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from jejo.furniture.cutting.job import CutPlan, SheetPlan

SCALE = 10  # the plan's internal unit (0.1 mm)


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def sheet_svg(
    sheet: SheetPlan,
    *,
    index: int = 1,
    width_px: float = 900.0,
    edges: Mapping[str, Sequence[str]] | None = None,
    labels: Mapping[str, str] | None = None,
    min_offcut: tuple[float, float] = (300.0, 200.0),
) -> str:
    """The SVG of one sheet, drawn in mm (y down from the sheet's far edge, like looking at the saw
    table). ``labels`` maps a part id to the short text drawn on it (default: the id)."""
    edges = edges or {}
    labels = labels or {}
    L, W = sheet.length, sheet.width
    margin = 40.0
    vb_w, vb_h = L + 2 * margin, W + 2 * margin + 60
    height_px = width_px * vb_h / vb_w
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px:.0f}" height="{height_px:.0f}" '
        f'viewBox="{-margin} {-margin - 60} {vb_w} {vb_h}" font-family="Noto Sans CJK KR, sans-serif">',
        f'<text x="0" y="-30" font-size="44" font-weight="bold">#{index} {html.escape(sheet.material)} · '
        f"{_f(L)} × {_f(W)} · 부품 {len(sheet.parts)}개 · 수율 {sheet.yield_:.1%}"
        f"{' · 잔재' if sheet.remnant else ''}</text>",
        f'<rect x="0" y="0" width="{L}" height="{W}" fill="#d9d4cc" stroke="#333" stroke-width="3"/>',
    ]
    lo, hi = sorted(min_offcut)
    for pc in sheet.offcuts:
        a, b = sorted((pc.w / SCALE, pc.h / SCALE))
        if a >= lo and b >= hi:
            out.append(
                f'<rect x="{pc.x / SCALE}" y="{W - (pc.y + pc.h) / SCALE}" width="{pc.w / SCALE}" '
                f'height="{pc.h / SCALE}" fill="#cfe8d2" stroke="#5a8f60" stroke-width="2" '
                f'stroke-dasharray="12 8"/>'
            )
            out.append(
                f'<text x="{(pc.x + pc.w / 2) / SCALE}" y="{W - (pc.y + pc.h / 2) / SCALE}" font-size="30" '
                f'text-anchor="middle" fill="#2f5f35">잔재 {_f(pc.w / SCALE)}×{_f(pc.h / SCALE)}</text>'
            )
    for p in sheet.parts:
        x, y = p.x, W - p.y - p.width
        out.append(
            f'<rect x="{x}" y="{y}" width="{p.length}" height="{p.width}" fill="#fffdf7" stroke="#222" '
            f'stroke-width="2"/>'
        )
        # banded edges: L1/L2 are the part's long (length) edges; a rotated part turns them upright
        pe = edges.get(p.part, ())
        segs = {
            "L1": (x, y + p.width, x + p.length, y + p.width),
            "L2": (x, y, x + p.length, y),
            "W1": (x, y, x, y + p.width),
            "W2": (x + p.length, y, x + p.length, y + p.width),
        }
        if p.rotated:
            segs = {"W1": segs["L1"], "W2": segs["L2"], "L1": segs["W1"], "L2": segs["W2"]}
        for e in pe:
            if e in segs:
                x1, y1, x2, y2 = segs[e]
                out.append(
                    f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#c2410c" stroke-width="10" '
                    f'stroke-linecap="butt" opacity="0.85"/>'
                )
        text = html.escape(labels.get(p.part, p.part))
        size = max(14.0, min(48.0, p.width / 3.2, p.length / (0.62 * max(6, len(text)))))
        cx, cy = x + p.length / 2, y + p.width / 2
        dims = f"{_f(p.length)} × {_f(p.width)}"
        out.append(
            f'<text x="{cx}" y="{cy - size * 0.15}" font-size="{size:.1f}" font-weight="bold" '
            f'text-anchor="middle">{text}</text>'
        )
        out.append(
            f'<text x="{cx}" y="{cy + size * 1.0}" font-size="{size * 0.8:.1f}" text-anchor="middle" '
            f'fill="#444">{dims}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def plan_svgs(plan: CutPlan, **kw: object) -> list[str]:
    return [sheet_svg(s, index=i + 1, **kw) for i, s in enumerate(plan.sheets)]  # type: ignore[arg-type]


DIAGRAM_CSS = """
@page { size: A4 landscape; margin: 10mm; }
.page { page-break-after: always; }
.page:last-child { page-break-after: auto; }
.page svg { width: 100%; height: auto; max-height: 165mm; }
"""


def plan_html(plan: CutPlan, title: str, svgs: Sequence[str]) -> str:
    rep = plan.report()
    head = (
        f"<h1>{html.escape(title)}</h1><div class='meta'>원판 {rep['sheets']}장 · "
        f"수율 {plan.yield_:.1%} · 절단 {rep['cut_count']}회 · "
        f"절단 길이 {plan.cut_length_mm / 1000:.1f} m · 톱날 {_f(plan.kerf)} mm</div>"
    )
    pages = []
    for i, svg in enumerate(svgs):
        pages.append(f"<div class='page'>{head if i == 0 else ''}{svg}</div>")
    return (
        "<!doctype html><html lang='ko'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        f"<body>{''.join(pages)}</body></html>"
    )


def plan_pdf(plan: CutPlan, title: str, **kw: object) -> bytes:
    from jejo.core.pdf import render_pdf

    return render_pdf(plan_html(plan, title, plan_svgs(plan, **kw)), css=DIAGRAM_CSS)
