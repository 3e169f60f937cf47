"""One PDF path for the whole project: HTML (with inline SVG charts) → PDF with WeasyPrint.

Korean text needs a CJK font; jejo uses the system's Noto CJK fonts (Debian ``fonts-noto-cjk``),
never a downloaded one. Reports, labels and documents from every package render through here.
"""

from __future__ import annotations

from typing import Any

KOREAN_FONT_STACK = '"Noto Sans CJK KR", "Noto Sans KR", "Noto Serif CJK KR", "NanumGothic", sans-serif'

BASE_CSS = f"""
@page {{ size: A4; margin: 14mm 12mm 16mm 12mm;
  @bottom-right {{ content: counter(page) " / " counter(pages); font-size: 8pt; color: #666;
                   font-family: {KOREAN_FONT_STACK}; }} }}
@page landscape {{ size: A4 landscape; }}
html {{ font-family: {KOREAN_FONT_STACK}; font-size: 9.5pt; color: #1b1f24; }}
h1 {{ font-size: 15pt; margin: 0 0 2mm; }}
h2 {{ font-size: 11.5pt; margin: 5mm 0 2mm; border-bottom: 0.6pt solid #8a94a6; padding-bottom: 1mm; }}
.meta {{ color: #555; font-size: 8.5pt; margin-bottom: 3mm; }}
table {{ border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; }}
th, td {{ border: 0.4pt solid #b8c0cc; padding: 1.2mm 1.6mm; }}
th {{ background: #eef2f7; font-weight: bold; text-align: left; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.muted {{ color: #777; }}
.good {{ color: #1a7f37; }} .bad {{ color: #b42318; }}
svg {{ display: block; margin: 1mm 0 3mm; }}
"""


def render_pdf(html: str, *, css: str = "", base_url: str | None = None) -> bytes:
    """Render an HTML document to PDF bytes with the shared stylesheet (Korean font stack) plus ``css``."""
    from weasyprint import CSS, HTML  # heavy: import on use

    sheets = [CSS(string=BASE_CSS)]
    if css:
        sheets.append(CSS(string=css))
    out: Any = HTML(string=html, base_url=base_url).write_pdf(stylesheets=sheets)
    return bytes(out)
