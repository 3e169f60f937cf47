"""Small inline-SVG charts for PDF reports (no browser, no JavaScript): bars, Pareto, waterfall."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

FONT = 'font-family="Noto Sans CJK KR, sans-serif"'
BLUE, RED, GREY, GREEN = "#2f6db5", "#c2410c", "#8a94a6", "#1a7f37"


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str = "",
    width: int = 640,
    height: int = 220,
    fmt: str = "{:.1%}",
    max_value: float | None = None,
    target: float | None = None,
    cumulative: Sequence[float] | None = None,
    colors: Sequence[str] | None = None,
) -> str:
    """A vertical bar chart; ``cumulative`` (0..1) draws a Pareto line; ``target`` a dashed line."""
    left, right, top, bottom = 44, 12, 24 if title else 10, 44
    pw, ph = width - left - right, height - top - bottom
    vals = [v or 0.0 for v in values]
    vmax = max_value or (max(vals) * 1.1 if vals and max(vals) > 0 else 1.0)
    vmin = min(0.0, min(vals) * 1.1) if vals else 0.0
    if max_value is not None and vmin < 0:
        vmin = -max_value
    span = (vmax - vmin) or 1.0

    def y_of(v: float) -> float:
        return top + ph * (vmax - max(vmin, min(v, vmax))) / span

    n = max(1, len(vals))
    slot = pw / n
    bw = slot * 0.64
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" {FONT} font-size="10">'
    ]
    if title:
        parts.append(f'<text x="{left}" y="14" font-size="11" font-weight="bold">{escape(title)}</text>')
    for i in range(5):
        gv = vmin + span * i / 4
        y = y_of(gv)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#e3e7ee"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#555">'
            f"{escape(fmt.format(gv))}</text>"
        )
    zero = y_of(0.0)
    for i, (lab, v) in enumerate(zip(labels, vals, strict=False)):
        x = left + i * slot + (slot - bw) / 2
        y0, y1 = sorted((y_of(v), zero))
        color = colors[i] if colors else (BLUE if v >= 0 else RED)
        parts.append(
            f'<rect x="{x:.1f}" y="{y0:.1f}" width="{bw:.1f}" height="{y1 - y0:.1f}" fill="{color}"/>'
        )
        if values[i] is not None:
            ty = y0 - 3 if v >= 0 else y1 + 10
            parts.append(
                f'<text x="{x + bw / 2:.1f}" y="{ty:.1f}" text-anchor="middle">{escape(fmt.format(v))}</text>'
            )
        short = lab if len(lab) <= 14 else lab[:13] + "…"
        parts.append(
            f'<text x="{x + bw / 2:.1f}" y="{top + ph + 14:.1f}" text-anchor="middle">{escape(short)}</text>'
        )
    if cumulative:
        pts = " ".join(
            f"{left + i * slot + slot / 2:.1f},{top + ph - ph * c:.1f}" for i, c in enumerate(cumulative)
        )
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{RED}" stroke-width="1.6"/>')
        for i, c in enumerate(cumulative):
            parts.append(
                f'<circle cx="{left + i * slot + slot / 2:.1f}" cy="{top + ph - ph * c:.1f}" '
                f'r="2.2" fill="{RED}"/>'
            )
    if target is not None and vmax:
        y = y_of(target)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" '
            f'stroke="{GREEN}" stroke-dasharray="4 3"/>'
        )
    parts.append(f'<line x1="{left}" y1="{zero:.1f}" x2="{left + pw}" y2="{zero:.1f}" stroke="#333"/>')
    parts.append("</svg>")
    return "".join(parts)


def waterfall_chart(
    steps: Sequence[tuple[str, float, str]], *, title: str = "", width: int = 640, height: int = 240
) -> str:
    """An OEE waterfall: (label, hours, kind total|loss) steps; totals stand on the axis, losses float."""
    labels = [s[0] for s in steps]
    vmax = max((s[1] for s in steps), default=1.0) * 1.05 or 1.0
    left, right, top, bottom = 44, 12, 24 if title else 10, 44
    pw, ph = width - left - right, height - top - bottom
    slot = pw / max(1, len(steps))
    bw = slot * 0.7
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" {FONT} font-size="9">'
    ]
    if title:
        parts.append(f'<text x="{left}" y="14" font-size="11" font-weight="bold">{escape(title)}</text>')
    level = 0.0
    for i, (_lab, v, kind) in enumerate(steps):
        x = left + i * slot + (slot - bw) / 2
        if kind == "total":
            lo, hi, color = 0.0, v, BLUE
            level = v
        else:
            lo, hi, color = max(0.0, level - v), level, RED
            level = lo
        y0, y1 = top + ph - ph * hi / vmax, top + ph - ph * lo / vmax
        parts.append(
            f'<rect x="{x:.1f}" y="{y0:.1f}" width="{bw:.1f}" '
            f'height="{max(0.5, y1 - y0):.1f}" fill="{color}"/>'
        )
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{y0 - 3:.1f}" text-anchor="middle">{v:.1f}</text>')
        parts.append(
            f'<text x="{x + bw / 2:.1f}" y="{top + ph + 12 + (i % 2) * 11:.1f}" text-anchor="middle">'
            f"{escape(labels[i])}</text>"
        )
    parts.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#333"/>')
    parts.append(f'<text x="4" y="{top + 8}" fill="#555">h</text></svg>')
    return "".join(parts)
