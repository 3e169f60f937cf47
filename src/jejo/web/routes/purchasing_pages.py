"""발주·입고 and 원가 on the pages: material shortages (MRP) with the purchase proposals they make,
purchase orders (place, receive lots line by line), the work orders held for material, and the
standard vs actual cost of work orders. Actions are htmx posts (``HX-Request`` guards them against
cross-site requests) for users with the ``workorders:write`` scope.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError as PydanticError
from sqlalchemy import select

from jejo.api.deps import DB
from jejo.core.errors import JejoError
from jejo.costing import service as cs
from jejo.execution.tables import WorkOrder, WorkOrderState
from jejo.inventory.tables import Location
from jejo.purchasing import schemas as pschemas
from jejo.purchasing import service as ps
from jejo.web.actions import action_failure, answer_action, page_action
from jejo.web.context import CurrentViewer, Viewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)
_REFUSAL = "you may not change purchase orders"
COST_ROWS = 30


def _overview(session: DB, viewer: Viewer) -> dict[str, Any]:
    cid = viewer.company_id
    return {
        "shortages": [ps.shortage_out(s) for s in ps.shortages(session, cid).values()],
        "orders": [ps.order_out(o) for o in ps.list_orders(session, cid)],
        "blocked": ps.blocked_work_orders(session, cid),
    }


@router.get("/purchasing")
def purchasing(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    return render(request, "plant/purchasing.html", viewer.tr, viewer=viewer, **_overview(session, viewer))


@router.post("/purchasing/actions/propose")
def propose(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    """Turn the shortages into proposed purchase orders (one per supplier)."""
    page_action(request, viewer, "workorders:write", _REFUSAL)
    orders, uncovered = ps.propose(session, viewer.company_id)
    message = viewer.tr.gettext("%(n)d purchase order(s) proposed.") % {"n": len(orders)}
    if uncovered:
        items = ", ".join(s.item for s in uncovered)
        message += " " + viewer.tr.gettext("No supplier for: %(items)s.") % {"items": items}
    flash = {"ok": not uncovered, "message": message}
    return render(
        request,
        "plant/_purchasing_body.html",
        viewer.tr,
        viewer=viewer,
        flash=flash,
        **_overview(session, viewer),
    )


def _order_context(session: DB, viewer: Viewer, code: str) -> dict[str, Any]:
    po = ps.get_order(session, viewer.company_id, code)
    locations = list(
        session.scalars(
            select(Location.code).where(Location.company_id == viewer.company_id).order_by(Location.code)
        )
    )
    return {"po": ps.order_out(po), "locations": locations}


def _order_body(
    request: Request, viewer: Viewer, session: DB, code: str, flash: dict[str, Any], status: int
) -> HTMLResponse:
    """The purchase order's page body, as an action on it answers."""
    return answer_action(
        request,
        viewer,
        "plant/_purchase_order_body.html",
        flash,
        status,
        **_order_context(session, viewer, code),
    )


@router.get("/purchasing/orders/{code}")
def purchase_order(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    return render(
        request,
        "plant/purchase_order.html",
        viewer.tr,
        viewer=viewer,
        **_order_context(session, viewer, code),
    )


@router.post("/purchasing/orders/{code}/actions/place")
def place(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    ps.get_order(session, viewer.company_id, code)  # 404 before 403
    page_action(request, viewer, "workorders:write", _REFUSAL)
    status = 200
    try:
        ps.place_order(session, viewer.company_id, code)
        flash: dict[str, Any] = {"ok": True, "message": viewer.tr.gettext("Ordered from the supplier.")}
    except JejoError as exc:
        flash, status = action_failure(exc, viewer)
    return _order_body(request, viewer, session, code, flash, status)


@router.post("/purchasing/orders/{code}/actions/receive")
async def receive(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    """The form carries ``lot-<line>``, ``qty-<line>`` and ``loc-<line>`` for each line received."""
    po = ps.get_order(session, viewer.company_id, code)
    page_action(request, viewer, "workorders:write", _REFUSAL)
    form = await request.form()
    lines = []
    for ln in po.lines:
        qty = str(form.get(f"qty-{ln.line_no}") or "").strip()
        if not qty:
            continue
        lines.append(
            {
                "line": ln.line_no,
                "lot": str(form.get(f"lot-{ln.line_no}") or "").strip(),
                "quantity": qty.replace(",", "."),
                "location": str(form.get(f"loc-{ln.line_no}") or ""),
            }
        )
    status = 200
    try:
        body = pschemas.ReceiptIn.model_validate({"lines": lines})
        out = ps.receive(session, viewer.company_id, code, body, viewer.principal.name)
        message = viewer.tr.gettext("Received.")
        if out.get("released_work_orders"):
            message += " " + viewer.tr.gettext("Released: %(orders)s.") % {
                "orders": ", ".join(out["released_work_orders"])
            }
        flash: dict[str, Any] = {"ok": True, "message": message}
    except (JejoError, PydanticError) as exc:
        flash, status = action_failure(exc, viewer)
    return _order_body(request, viewer, session, code, flash, status)


@router.get("/costing")
def costing(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    """Standard vs actual cost per unit of the latest work orders that have started."""
    codes = list(
        session.scalars(
            select(WorkOrder.code)
            .join(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
            .where(WorkOrder.company_id == viewer.company_id, WorkOrderState.started_at.is_not(None))
            .order_by(WorkOrderState.started_at.desc())
            .limit(COST_ROWS)
        )
    )
    rows = [cs.work_order_cost(session, viewer.company_id, c) for c in codes]
    return render(request, "plant/costing.html", viewer.tr, viewer=viewer, rows=rows)


@router.get("/costing/work-orders/{code}")
def work_order_cost(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    cost = cs.work_order_cost(session, viewer.company_id, code)
    return render(request, "plant/costing_detail.html", viewer.tr, viewer=viewer, c=cost)
