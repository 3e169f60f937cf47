"""Printed documents of sales: the delivery note (거래명세서) of a shipment, as HTML and as PDF through
the shared renderer (:func:`jejo.core.pdf.render_pdf`, Korean fonts)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from jejo.core.i18n import format_krw
from jejo.core.timeutil import to_local
from jejo.sales.tables import Shipment

_env = Environment(loader=PackageLoader("jejo.sales", "templates"), autoescape=select_autoescape(["html"]))
_env.filters["krw"] = format_krw
_env.filters["qty"] = lambda v: f"{v:,.3f}".rstrip("0").rstrip(".")


def delivery_note_html(shipment: Shipment, supplier: dict[str, Any]) -> str:
    """The delivery note: who ships to whom, the lots, quantities, prices, supply amount, VAT, total."""
    from jejo.sales.service import shipment_out

    data = shipment_out(shipment)
    return _env.get_template("delivery_note.html").render(
        s=data,
        day=to_local(shipment.shipped_at).strftime("%Y-%m-%d"),
        customer=shipment.order.customer,
        order=shipment.order,
        supplier=supplier,
    )


def delivery_note_pdf(shipment: Shipment, supplier: dict[str, Any]) -> bytes:
    from jejo.core.pdf import render_pdf

    return render_pdf(delivery_note_html(shipment, supplier))
