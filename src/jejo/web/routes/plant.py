"""Pages of the plant's daily modules: sales orders with their shipments (수주·출하), quality (inspections,
NCRs, holds) and maintenance orders (설비보전). They call the domain services directly; another
company's record is a 404 like a missing one."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from jejo.api.deps import DB
from jejo.maintenance import service as ms
from jejo.quality import service as qs
from jejo.sales import service as sv
from jejo.web.context import CurrentViewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the page is rendered."""
    return message


LABELS: dict[str, str] = {
    # sales order status
    "open": N_("Open"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
    # fulfilment
    "make": N_("Make to order"),
    "stock": N_("From stock"),
    # inspection stage and result
    "incoming": N_("Incoming"),
    "in_process": N_("In process"),
    "final": N_("Final"),
    "passed": N_("Passed"),
    "failed": N_("Failed"),
    # dispositions
    "scrap": N_("Scrap"),
    "rework": N_("Rework"),
    "use_as_is": N_("Use as is"),
    "return_to_supplier": N_("Return to supplier"),
    # maintenance
    "preventive": N_("Preventive"),
    "breakdown": N_("Breakdown"),
    "request": N_("Request"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
}


def _labels(viewer: CurrentViewer) -> dict[str, str]:
    return {k: viewer.tr.gettext(v) for k, v in LABELS.items()}


@router.get("/sales/orders")
def sales_orders(
    request: Request,
    viewer: CurrentViewer,
    session: DB,
    status: str | None = Query(None, max_length=16),
    page: int = Query(1, ge=1),
) -> HTMLResponse:
    status = status if status in ("open", "closed", "cancelled") else None
    rows, total = sv.list_orders(
        session, viewer.company_id, status=status, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return render(
        request,
        "plant/sales_list.html",
        viewer.tr,
        viewer=viewer,
        rows=[sv.order_out(session, o) for o in rows],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        status=status or "",
        params={"status": status} if status else {},
        L=_labels(viewer),
    )


@router.get("/sales/orders/{code}")
def sales_order(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    order = sv.get_order(session, viewer.company_id, code)
    return render(
        request,
        "plant/sales_detail.html",
        viewer.tr,
        viewer=viewer,
        so=sv.order_out(session, order, detail=True),
        L=_labels(viewer),
    )


@router.get("/quality")
def quality(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    return render(
        request,
        "plant/quality.html",
        viewer.tr,
        viewer=viewer,
        holds=[qs.hold_out(h) for h in qs.list_holds(session, viewer.company_id)],
        ncrs=[qs.ncr_out(n) for n in qs.list_ncrs(session, viewer.company_id, "open")],
        inspections=[qs.inspection_out(i) for i in qs.list_inspections(session, viewer.company_id, limit=50)],
        L=_labels(viewer),
    )


@router.get("/quality/inspections/{code}")
def inspection(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    insp = qs.get_inspection(session, viewer.company_id, code)
    return render(
        request,
        "plant/inspection.html",
        viewer.tr,
        viewer=viewer,
        i=qs.inspection_out(insp, detail=True),
        plan=qs.plan_out(insp.plan) if insp.plan else None,
        ncrs=[qs.ncr_out(n) for n in qs.list_ncrs(session, viewer.company_id) if n.inspection_id == insp.id],
        L=_labels(viewer),
    )


@router.get("/quality/ncrs/{code}")
def ncr(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    n = qs.get_ncr(session, viewer.company_id, code)
    return render(
        request,
        "plant/ncr.html",
        viewer.tr,
        viewer=viewer,
        n=qs.ncr_out(n),
        hold=qs.held_lots(session, viewer.company_id, {n.lot_code}).get(n.lot_code),
        L=_labels(viewer),
    )


@router.get("/maintenance/orders")
def maintenance_orders(
    request: Request, viewer: CurrentViewer, session: DB, status: str | None = Query(None, max_length=16)
) -> HTMLResponse:
    status = status if status in ("open", "in_progress", "done") else None
    return render(
        request,
        "plant/maintenance_list.html",
        viewer.tr,
        viewer=viewer,
        rows=[ms.order_out(o) for o in ms.list_orders(session, viewer.company_id, status)],
        status=status or "",
        L=_labels(viewer),
    )


@router.get("/maintenance/orders/{code}")
def maintenance_order(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    o = ms.get_order(session, viewer.company_id, code)
    return render(
        request,
        "plant/maintenance_detail.html",
        viewer.tr,
        viewer=viewer,
        o=ms.order_out(o),
        L=_labels(viewer),
    )
