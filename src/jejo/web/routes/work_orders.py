"""Work orders: the list (filter by status, search) and one work order with its event timeline and the
planning commands (release, hold, resume, cancel, close) as htmx POSTs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jejo.api.deps import DB
from jejo.core.errors import IllegalTransition
from jejo.execution import service as ex
from jejo.execution.statemachine import COMMAND_FROM, WOStatus
from jejo.execution.tables import WorkOrder, WorkOrderState
from jejo.execution.views import event_out, work_order_out
from jejo.masterdata.tables import Item
from jejo.web import labels
from jejo.web.actions import htmx_only
from jejo.web.context import CurrentViewer, Viewer
from jejo.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
TIMELINE_LIMIT = 500


def list_work_orders(
    session: Session, company_id: int, status: str | None, q: str | None, page: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the company's work orders (due date first), each with its item's name."""
    state = func.coalesce(WorkOrderState.status, "planned")
    stmt = (
        select(WorkOrder, Item.name)
        .join(Item, Item.id == WorkOrder.item_id)
        .outerjoin(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .where(WorkOrder.company_id == company_id)
    )
    if status:
        stmt = stmt.where(state == status)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(WorkOrder.code.ilike(like), Item.code.ilike(like), Item.name.ilike(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(WorkOrder.due_date, WorkOrder.code).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return [{**work_order_out(session, wo), "item_name": name} for wo, name in rows], total


@router.get("/work-orders")
def work_order_list(
    request: Request,
    viewer: CurrentViewer,
    session: DB,
    status: str | None = Query(None, max_length=16),
    q: str | None = Query(None, max_length=100),
    page: int = Query(1, ge=1),
) -> HTMLResponse:
    status = status if status in labels.WORK_ORDER_STATUS else None
    q = (q or "").strip() or None
    rows, total = list_work_orders(session, viewer.company_id, status, q, page)
    template = "work_orders/_table.html" if is_htmx(request) else "work_orders/list.html"
    return render(
        request,
        template,
        viewer.tr,
        viewer=viewer,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        status=status or "",
        q=q or "",
        params={k: v for k, v in (("status", status), ("q", q)) if v},
        statuses=list(labels.WORK_ORDER_STATUS),
    )


def allowed_commands(status: str) -> list[str]:
    """The commands the status machine allows now, in the order the buttons show."""
    current = WOStatus(status)
    return [cmd for cmd, event in ex.COMMANDS.items() if current in COMMAND_FROM[event]]


def detail_context(session: Session, viewer: Viewer, code: str) -> dict[str, Any]:
    """Everything the work-order page shows; 404 for another company's (or no) work order."""
    wo = ex.get_work_order(session, viewer.company_id, code)
    data = work_order_out(session, wo, detail=True)
    codes = {data["item"], *(m["item"] for m in data["materials"])}
    names = dict(
        session.execute(
            select(Item.code, Item.name).where(Item.company_id == viewer.company_id, Item.code.in_(codes))
        ).all()
    )
    uoms = dict(
        session.execute(
            select(Item.code, Item.uom).where(Item.company_id == viewer.company_id, Item.code.in_(codes))
        ).all()
    )
    events, total = ex.list_events(session, viewer.company_id, work_order=code, limit=TIMELINE_LIMIT)
    if total > TIMELINE_LIMIT:  # the latest ones matter most
        events, total = ex.list_events(
            session, viewer.company_id, work_order=code, limit=TIMELINE_LIMIT, offset=total - TIMELINE_LIMIT
        )
    timeline = [event_out(e) for e in reversed(events)]  # newest first
    return {
        "wo": data,
        "item_names": names,
        "uoms": uoms,
        "timeline": timeline,
        "event_total": total,
        "commands": allowed_commands(data["status"]) if viewer.can("workorders:write") else [],
    }


@router.get("/work-orders/{code}")
def work_order_page(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    return render(
        request, "work_orders/detail.html", viewer.tr, viewer=viewer, **detail_context(session, viewer, code)
    )


@router.post("/work-orders/{code}/actions/{command}")
def work_order_command(
    request: Request, code: str, command: str, viewer: CurrentViewer, session: DB
) -> HTMLResponse:
    """Apply a command; answer the refreshed page body with a clear message (409 when not allowed now)."""
    tr = viewer.tr
    htmx_only(request)  # first of all: keeps the cookie session safe from CSRF
    ex.get_work_order(session, viewer.company_id, code)  # 404 before 403: don't reveal other companies' codes
    status_code = 200
    if command not in ex.COMMANDS:
        message, ok, status_code = tr.gettext("Unknown action."), False, 422
    elif not viewer.can("workorders:write"):
        message, ok, status_code = tr.gettext("You do not have permission to change work orders."), False, 403
    else:
        try:
            ex.command_work_order(session, viewer.company_id, code, command, viewer.principal.name)
            message, ok = (
                tr.gettext("Done: %(action)s.") % {"action": labels.label(labels.COMMANDS, command, tr)},
                True,
            )
        except IllegalTransition as exc:
            current = str(exc.extra.get("current_status", ""))
            message = tr.gettext(
                "Not allowed: the work order is %(status)s, so “%(action)s” is not possible now."
            ) % {
                "status": labels.label(labels.WORK_ORDER_STATUS, current, tr),
                "action": labels.label(labels.COMMANDS, command, tr),
            }
            ok, status_code = False, 409
    return render(
        request,
        "work_orders/_body.html",
        tr,
        viewer=viewer,
        status_code=status_code,
        flash={"ok": ok, "message": message},
        **detail_context(session, viewer, code),
    )
