"""Part labels: one per panel, as HTML for A4 label sheets (→ PDF) and as ZPL for Zebra printers.

A label carries the part id as a QR code (segno) or a Code 128 barcode (python-barcode), the order and
cabinet, the part's name, finished size and thickness, material, the edges to band (drawn on a small
outline: a thick line is a banded edge) and the next station after the saw.

The A4 sheet is 2 × 7 labels of 105 × 42.3 mm (the common 14-up sheet, e.g. Herma 4626 / Avery 3653).
ZPL is for a 4 × 2 inch label at 203 dpi; ``^CI28`` selects UTF-8, and the Korean part name is printed
only when the printer has a Korean font (``korean_font``, e.g. ``E:NANUMGOTHIC.TTF``), else the English
role is printed.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass

from jejo.furniture.cabinets import EDGES
from jejo.furniture.tracking import STATION_EN, STATION_KO

PER_SHEET = 14


@dataclass(frozen=True, slots=True)
class LabelData:
    part_id: str
    order: str
    cabinet: str  # cabinet id, e.g. K1-C03
    cabinet_title: str  # e.g. 하부장 600×720×560
    name: str  # Korean part name
    role: str
    length: float
    width: float
    thickness: float
    material: str
    edges: tuple[str, ...]
    next_station: str | None
    grain: bool = False


def _mm(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def qr_svg(text: str, size_mm: float = 26.0) -> str:
    """An inline SVG QR code (error correction M) sized ``size_mm``."""
    import segno

    buf = io.BytesIO()
    qr = segno.make(text, error="m", micro=False)
    qr.save(buf, kind="svg", scale=1, border=1, xmldecl=False, svgns=True, unit="mm")
    svg = buf.getvalue().decode()
    n = qr.symbol_size(scale=1, border=1)[0]
    svg = svg.replace(
        f'width="{n}mm" height="{n}mm"', f'width="{size_mm}mm" height="{size_mm}mm" viewBox="0 0 {n} {n}"'
    )
    return svg


def code128_svg(text: str, width_mm: float = 60.0, height_mm: float = 10.0) -> str:
    """An inline SVG Code 128 barcode (python-barcode encodes; one rect per bar, quiet zones of 10
    modules) without its text line."""
    import barcode

    modules = "".join(barcode.get_barcode_class("code128")(text).build())
    quiet = 10
    n = len(modules) + 2 * quiet
    bars = []
    i = 0
    while i < len(modules):
        if modules[i] == "1":
            j = i
            while j < len(modules) and modules[j] == "1":
                j += 1
            bars.append(f'<rect x="{quiet + i}" y="0" width="{j - i}" height="1"/>')
            i = j
        else:
            i += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {n} 1" preserveAspectRatio="none" shape-rendering="crispEdges">'
        f'<g fill="#000">{"".join(bars)}</g></svg>'
    )


def edge_svg(edges: Sequence[str], w_mm: float = 16.0, h_mm: float = 9.0) -> str:
    """A part outline: thick lines on the banded edges (L1 bottom, L2 top, W1 left, W2 right)."""
    lines = {
        "L1": (0, h_mm, w_mm, h_mm),
        "L2": (0, 0, w_mm, 0),
        "W1": (0, 0, 0, h_mm),
        "W2": (w_mm, 0, w_mm, h_mm),
    }
    parts = [
        f'<rect x="0" y="0" width="{w_mm}" height="{h_mm}" fill="#fff" stroke="#999" stroke-width="0.3"/>'
    ]
    for e in EDGES:
        if e in edges:
            x1, y1, x2, y2 = lines[e]
            parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#000" stroke-width="1.6"/>')
    pad = 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w_mm + 2 * pad}mm" height="{h_mm + 2 * pad}mm" '
        f'viewBox="{-pad} {-pad} {w_mm + 2 * pad} {h_mm + 2 * pad}">{"".join(parts)}</svg>'
    )


def edge_text(edges: Sequence[str]) -> str:
    return " ".join(e for e in EDGES if e in edges) or "-"


LABEL_CSS = """
@page { size: A4; margin: 0; @bottom-right { content: none; } }
html { font-size: 7.5pt; }
.sheet { width: 210mm; height: 296.1mm; padding-top: 0.45mm; page-break-after: always; }
.sheet:last-child { page-break-after: auto; }
.label { float: left; width: 105mm; height: 42.3mm; box-sizing: border-box; padding: 3mm 4mm;
         overflow: hidden; position: relative; }
.code { float: left; width: 28mm; height: 36mm; }
.code svg { margin: 0; }
.info { margin-left: 30mm; line-height: 1.3; }
.pid { font-size: 12pt; font-weight: bold; letter-spacing: 0.2pt; }
.name { font-size: 9.5pt; font-weight: bold; }
.dims { font-size: 10.5pt; font-weight: bold; }
.edges { display: flex; align-items: center; gap: 1.5mm; }
.edges svg { margin: 0; display: inline-block; }
.next { position: absolute; right: 4mm; bottom: 3mm; border: 0.5pt solid #000; padding: 0.6mm 1.6mm;
        font-weight: bold; font-size: 8.5pt; }
.muted { color: #444; }
.code128 .code { float: none; position: absolute; left: 4mm; bottom: 3mm; width: 58mm; height: 9mm; }
.code128 .info { margin-left: 0; }
"""


def _label_html(lb: LabelData, code: str) -> str:
    e = html.escape
    barcode_svg = qr_svg(lb.part_id) if code == "qr" else code128_svg(lb.part_id, 58.0, 9.0)
    nxt = lb.next_station
    nxt_txt = f"다음: {STATION_KO.get(nxt, nxt)} ({nxt})" if nxt else "완료"
    grain = " · 결 ↕" if lb.grain else ""
    return (
        f'<div class="label {"code128" if code != "qr" else ""}">'
        f'<div class="code">{barcode_svg}</div>'
        f'<div class="info">'
        f'<div class="pid">{e(lb.part_id)}</div>'
        f'<div class="name">{e(lb.name)}</div>'
        f'<div class="muted">{e(lb.order)} · {e(lb.cabinet)} {e(lb.cabinet_title)}</div>'
        f'<div class="dims">{_mm(lb.length)} × {_mm(lb.width)} × {_mm(lb.thickness)}</div>'
        f'<div class="edges"><span>{e(lb.material)}{grain}</span>{edge_svg(lb.edges, 12.0, 6.0)}'
        f"<span>엣지 {e(edge_text(lb.edges))}</span></div>"
        f"</div>"
        f'<div class="next">{e(nxt_txt)}</div>'
        f"</div>"
    )


def labels_html(labels: Sequence[LabelData], code: str = "qr", title: str = "부품 라벨") -> str:
    """An HTML document of A4 sheets, 14 labels each."""
    sheets = []
    for i in range(0, max(1, len(labels)), PER_SHEET):
        chunk = labels[i : i + PER_SHEET]
        sheets.append('<div class="sheet">' + "".join(_label_html(lb, code) for lb in chunk) + "</div>")
    return (
        f'<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"</head><body>{''.join(sheets)}</body></html>"
    )


def labels_pdf(labels: Sequence[LabelData], code: str = "qr") -> bytes:
    from jejo.core.pdf import render_pdf

    return render_pdf(labels_html(labels, code), css=LABEL_CSS)


def _zpl_text(s: str) -> str:
    """Field data: ``^``, ``~`` and ``\\`` would be commands or escapes in ZPL; replace them."""
    return s.replace("^", " ").replace("~", " ").replace("\\", "/")


def zpl_label(lb: LabelData, code: str = "qr", korean_font: str | None = None) -> str:
    """One label in ZPL II (4 × 2 in at 203 dpi)."""
    t = _zpl_text
    out = ["^XA", "^CI28", "^PW812", "^LL406", "^LH0,0"]
    if code == "qr":
        out.append(f"^FO20,20^BQN,2,6^FDMA,{t(lb.part_id)}^FS")
        x = 250
    else:
        out.append(f"^FO20,20^BY2^BCN,70,N,N,N^FD{t(lb.part_id)}^FS")
        x = 20
    y = 20 if code == "qr" else 110
    out.append(f"^FO{x},{y}^A0N,44,40^FD{t(lb.part_id)}^FS")
    y += 52
    if korean_font:
        out.append(f"^FO{x},{y}^A@N,34,34,{korean_font}^FD{t(lb.name)}^FS")
    else:
        out.append(f"^FO{x},{y}^A0N,30,28^FD{t(lb.role)}^FS")
    y += 40
    out.append(f"^FO{x},{y}^A0N,26,24^FD{t(lb.order)} / {t(lb.cabinet)}^FS")
    y += 34
    out.append(f"^FO{x},{y}^A0N,40,36^FD{_mm(lb.length)} x {_mm(lb.width)} x {_mm(lb.thickness)}^FS")
    y += 48
    out.append(f"^FO{x},{y}^A0N,26,24^FD{t(lb.material)}{' GRAIN' if lb.grain else ''}^FS")
    y += 34
    out.append(f"^FO{x},{y}^A0N,26,24^FDEDGE {t(edge_text(lb.edges))}^FS")
    nxt = lb.next_station
    nxt_txt = f"NEXT {nxt} {STATION_EN.get(nxt, '')}".strip() if nxt else "DONE"
    out.append(f"^FO20,340^GB772,50,2^FS^FO34,352^A0N,30,28^FD{t(nxt_txt)}^FS")
    out.append("^PQ1^XZ")
    return "\n".join(out) + "\n"


def labels_zpl(labels: Sequence[LabelData], code: str = "qr", korean_font: str | None = None) -> str:
    return "".join(zpl_label(lb, code, korean_font) for lb in labels)
