"""설비 이력: a machine's page (its record, current state, MTBF/MTTR, maintenance history and plans,
documents with upload), and the maintenance team's actions on an order (start, complete with the
checklist and labour time).

Actions are htmx posts: the ``HX-Request`` header, which a cross-site form cannot send, keeps the
cookie session safe from CSRF, as on the work-order page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError as PydanticError
from sqlalchemy import select

from jejo.api.deps import DB
from jejo.core.errors import Conflict, JejoError, NotFound
from jejo.core.timeutil import utcnow
from jejo.execution.tables import MachineState
from jejo.maintenance import schemas as mschemas
from jejo.maintenance import service as ms
from jejo.masterdata import documents as docs
from jejo.masterdata.tables import Equipment, WorkCenter
from jejo.web.actions import action_failure, answer_action, page_action
from jejo.web.context import CurrentViewer, Viewer
from jejo.web.routes.plant import _labels
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)
RELIABILITY_DAYS = 90
_REFUSAL = "you may not change maintenance records"


def _equipment(session: DB, company_id: int, code: str) -> Equipment:
    eq = session.scalar(select(Equipment).where(Equipment.company_id == company_id, Equipment.code == code))
    if eq is None:
        raise NotFound(f"equipment {code} not found")
    return eq


def _documents_context(session: DB, viewer: Viewer, code: str) -> dict[str, Any]:
    return {
        "documents": docs.list_documents(session, viewer.company_id, "equipment", code),
        "kinds": docs.KINDS,
        "suffixes": ",".join(sorted(docs.SUFFIXES)),
        "max_mb": docs.MAX_BYTES // (1024 * 1024),
    }


@router.get("/maintenance/equipment/{code}")
def equipment_page(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    eq = _equipment(session, viewer.company_id, code)
    wc = session.get(WorkCenter, eq.work_center_id)
    state = session.get(MachineState, (viewer.company_id, eq.code))
    now = utcnow()
    rel = ms.reliability_of(session, viewer.company_id, code, now - timedelta(days=RELIABILITY_DAYS), now)
    orders = [ms.order_out(o) for o in ms.list_orders(session, viewer.company_id, equipment=code)]
    plans = [ms.plan_out(p) for p in ms.list_plans(session, viewer.company_id) if p.equipment.code == code]
    return render(
        request,
        "plant/equipment.html",
        viewer.tr,
        viewer=viewer,
        eq=eq,
        wc=wc,
        state=state,
        rel=rel,
        days=RELIABILITY_DAYS,
        orders=orders,
        plans=plans,
        L=_labels(viewer),
        **_documents_context(session, viewer, code),
    )


@router.post("/maintenance/equipment/{code}/documents")
async def upload_document(
    request: Request, code: str, viewer: CurrentViewer, session: DB, file: UploadFile
) -> HTMLResponse:
    """Attach a file to the machine; answer the documents section with the result."""
    _equipment(session, viewer.company_id, code)
    page_action(request, viewer, "workorders:write", _REFUSAL)
    form = await request.form()
    content = await file.read(docs.MAX_BYTES + 1)
    flash: dict[str, Any]
    status = 200
    try:
        doc = docs.add_document(
            session,
            request.app.state.runtime.settings.data_dir,
            viewer.company_id,
            viewer.company_code,
            owner_kind="equipment",
            owner_code=code,
            filename=file.filename or "",
            content=content,
            title=str(form.get("title") or "") or None,
            kind=str(form.get("kind") or "other"),
            actor=viewer.principal.name,
        )
        flash = {"ok": True, "message": viewer.tr.gettext("Stored: %(title)s.") % {"title": doc.title}}
    except JejoError as exc:
        status = exc.status
        flash = {"ok": False, "message": exc.detail, "problems": exc.problems}
    return answer_action(
        request,
        viewer,
        "plant/_documents.html",
        flash,
        status,
        code=code,
        **_documents_context(session, viewer, code),
    )


@router.get("/documents/{doc_id}")
def document_content(request: Request, doc_id: int, viewer: CurrentViewer, session: DB) -> Response:
    """A stored document, shown in the browser where it can be (PDF, images, text), else downloaded."""
    doc = docs.get_document(session, viewer.company_id, doc_id)
    content = docs.read_document(request.app.state.runtime.settings.data_dir, viewer.company_code, doc)
    inline = doc.content_type.startswith(("application/pdf", "image/", "text/")) and doc.content_type != (
        "image/svg+xml"
    )
    from urllib.parse import quote

    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type=doc.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(doc.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=300",
        },
    )


def _order_body(
    request: Request, viewer: Viewer, session: DB, code: str, flash: dict[str, Any] | None, status: int
) -> HTMLResponse:
    o = ms.get_order(session, viewer.company_id, code)
    return answer_action(
        request, viewer, "plant/_maintenance_body.html", flash, status, o=ms.order_out(o), L=_labels(viewer)
    )


@router.post("/maintenance/orders/{code}/actions/start")
def start_order(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    ms.get_order(session, viewer.company_id, code)  # 404 before 403
    page_action(request, viewer, "workorders:write", _REFUSAL)
    try:
        ms.start_order(session, viewer.company_id, code)
        return _order_body(
            request, viewer, session, code, {"ok": True, "message": viewer.tr.gettext("Work started.")}, 200
        )
    except Conflict as exc:
        return _order_body(request, viewer, session, code, {"ok": False, "message": exc.detail}, 409)


@router.post("/maintenance/orders/{code}/actions/complete")
async def complete_order(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    ms.get_order(session, viewer.company_id, code)
    page_action(request, viewer, "workorders:write", _REFUSAL)
    form = await request.form()
    try:
        body = mschemas.CompleteIn.model_validate(
            {
                "labour_minutes": form.get("labour_minutes") or 0,
                "checked": [int(str(v)) for v in form.getlist("checked")],
            }
        )
        ms.complete_order(session, viewer.company_id, code, body, viewer.principal.name)
        flash = {"ok": True, "message": viewer.tr.gettext("The maintenance order is done.")}
        status = 200
    except (JejoError, PydanticError) as exc:  # e.g. a labour time that is not a number
        flash, status = action_failure(exc, viewer)
    except ValueError:  # a checklist index that is not a number
        flash, status = {"ok": False, "message": viewer.tr.gettext("Check the form.")}, 422
    return _order_body(request, viewer, session, code, flash, status)
