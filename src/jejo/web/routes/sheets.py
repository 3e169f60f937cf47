"""Printable work-order sheets (작업지시서): an A4 page per order that travels with the parts.

``/work-orders/<code>/sheet`` is the sheet as HTML (print it from the browser),
``/work-orders/<code>/sheet.pdf`` the same as a PDF (WeasyPrint). The order carries a Code 128 barcode
and a QR code of its code, each operation a Code 128 barcode of ``<order>/<seq>``: the operator
terminal's scanner field opens the order or the operation from either.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.api.deps import DB
from jejo.core.timeutil import utcnow
from jejo.execution import service as ex
from jejo.execution.views import work_order_out
from jejo.masterdata.tables import Item, WorkCenter
from jejo.web.context import CurrentViewer, Viewer
from jejo.web.templating import environment, render

router = APIRouter(include_in_schema=False)


def code128_uri(data: str, height_mm: float = 12.0) -> str:
    """A Code 128 barcode (no text line) as an SVG data URI."""
    import barcode
    from barcode.writer import SVGWriter

    buf = io.BytesIO()
    barcode.get("code128", data, writer=SVGWriter()).write(
        buf, options={"module_height": height_mm, "module_width": 0.3, "quiet_zone": 2.5, "write_text": False}
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def qr_uri(data: str) -> str:
    import segno

    return str(segno.make(data, error="m").svg_data_uri(scale=4, border=2))


def sheet_context(session: Session, viewer: Viewer, code: str) -> dict[str, Any]:
    wo = ex.get_work_order(session, viewer.company_id, code)  # 404 for another company's order
    data = work_order_out(session, wo, detail=True)
    codes = {data["item"], *(m["item"] for m in data["materials"])}
    items = {
        i.code: i
        for i in session.scalars(
            select(Item).where(Item.company_id == viewer.company_id, Item.code.in_(codes))
        )
    }
    wc_names = dict(
        session.execute(
            select(WorkCenter.code, WorkCenter.name).where(WorkCenter.company_id == viewer.company_id)
        ).all()
    )
    return {
        "wo": data,
        "items": items,
        "wc_names": wc_names,
        "barcode": code128_uri(data["code"], 14),
        "qr": qr_uri(data["code"]),
        "op_barcodes": {o["seq"]: code128_uri(f"{data['code']}/{o['seq']}", 8) for o in data["operations"]},
        "printed_at": utcnow(),
        "company_name": viewer.company_name,
        "printed_by": viewer.display_name,
    }


@router.get("/work-orders/{code}/sheet")
def sheet_html(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    return render(request, "sheets/work_order.html", viewer.tr, **sheet_context(session, viewer, code))


def html_to_pdf(html: str) -> bytes:
    """HTML → PDF with WeasyPrint (fonts from the system: Noto Sans CJK KR for Korean)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


@router.get("/work-orders/{code}/sheet.pdf")
def sheet_pdf(request: Request, code: str, viewer: CurrentViewer, session: DB) -> Response:
    ctx = sheet_context(session, viewer, code)
    html = (
        environment()
        .get_template("sheets/work_order.html")
        .render(request=request, tr=viewer.tr, lang=viewer.locale, viewer=None, pdf=True, **ctx)
    )
    pdf = html_to_pdf(html)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="work-order-{ctx["wo"]["code"]}.pdf"'},
    )
