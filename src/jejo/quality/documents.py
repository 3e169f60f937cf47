"""The certificate of analysis (시험성적서) of a lot for a customer: the latest passed inspection of the
lot, its sampling plan and the measured values per characteristic, as HTML and PDF."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import Conflict
from jejo.core.timeutil import to_local, utcnow
from jejo.inventory.service import get_lot
from jejo.masterdata.tables import Item
from jejo.quality.tables import Inspection

_env = Environment(loader=PackageLoader("jejo.quality", "templates"), autoescape=select_autoescape(["html"]))
STAGES = {"incoming": "수입검사", "in_process": "공정검사", "final": "출하검사"}


def certificate_html(
    session: Session, company_id: int, lot: str, company: str, customer: str | None = None
) -> str:
    lot_row = get_lot(session, company_id, lot)
    insp = session.scalar(
        select(Inspection)
        .where(Inspection.company_id == company_id, Inspection.lot_code == lot, Inspection.result == "passed")
        .order_by(Inspection.inspected_at.desc())
        .limit(1)
    )
    if insp is None or insp.inspected_at is None:
        raise Conflict(f"lot {lot} has no passed inspection; a certificate needs one")
    item = session.scalar(select(Item).where(Item.company_id == company_id, Item.code == lot_row.item_code))
    rows: list[dict[str, Any]] = []
    for c in insp.plan.characteristics if insp.plan else []:
        vals = [m.value for m in insp.measurements if m.characteristic == c.name and m.value is not None]
        oks = [m.ok for m in insp.measurements if m.characteristic == c.name]
        rows.append(
            {
                "name": c.name,
                "unit": c.unit,
                "nominal": c.nominal,
                "lower": c.lower,
                "upper": c.upper,
                "n": len(oks),
                "min": min(vals) if vals else "",
                "max": max(vals) if vals else "",
                "mean": round(sum(vals) / len(vals), 4) if vals else "",
                "ok": all(oks),
            }
        )
    return _env.get_template("certificate.html").render(
        lot=lot,
        item=item,
        inspection=insp,
        stage=STAGES.get(insp.stage, insp.stage),
        rows=rows,
        inspected=to_local(insp.inspected_at).strftime("%Y-%m-%d %H:%M"),
        issued=to_local(utcnow()).strftime("%Y-%m-%d"),
        company=company,
        customer=customer,
    )


def certificate_pdf(
    session: Session, company_id: int, lot: str, company: str, customer: str | None = None
) -> bytes:
    from jejo.core.pdf import render_pdf

    return render_pdf(certificate_html(session, company_id, lot, company, customer))
