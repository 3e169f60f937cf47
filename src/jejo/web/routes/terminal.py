"""The operator terminal: a tablet at a work center shows its queue of operations and posts floor events.

The pages are rendered here; the actions themselves are events that the browser posts to
``POST /api/v1/events`` with the session cookie and a client-made idempotency key, queued in IndexedDB
while the network is away (``static/js/terminal.js``). So a repeated post after a network drop is a no-op.

Instructions and drawings of an operation are files in the data folder:
``<data_dir>/documents/<company code>/<item code>/<seq>/`` (``*.txt`` and ``*.md`` are shown as text,
images inline, PDFs as links).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.api.deps import DB
from jejo.core.errors import NotFound
from jejo.core.timeutil import as_utc
from jejo.execution.tables import (
    MachineState,
    OperationState,
    WorkOrder,
    WorkOrderOperation,
    WorkOrderState,
)
from jejo.masterdata.tables import Equipment, Item, ReasonCode, WorkCenter
from jejo.web.context import CurrentViewer, Viewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)
ACTIVE = ("released", "in_progress", "on_hold")
QUEUE_LIMIT = 50
TEXT_SUFFIXES = {".txt", ".md"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".svg", ".webp", ".gif"}
DOC_SUFFIXES = TEXT_SUFFIXES | IMAGE_SUFFIXES | {".pdf"}


@dataclass(frozen=True)
class Document:
    name: str
    kind: str  # text | image | pdf
    url: str
    text: str = ""


def work_center(session: Session, company_id: int, code: str) -> WorkCenter:
    wc = session.scalar(
        select(WorkCenter).where(WorkCenter.company_id == company_id, WorkCenter.code == code)
    )
    if wc is None:
        raise NotFound(f"work center {code} does not exist")
    return wc


def machines(session: Session, company_id: int, wc_ids: set[int] | None = None) -> list[dict[str, Any]]:
    """Equipment (of the given work centers) with its current state from the projection."""
    stmt = select(Equipment).where(Equipment.company_id == company_id)
    if wc_ids is not None:
        stmt = stmt.where(Equipment.work_center_id.in_(wc_ids))
    eqs = list(session.scalars(stmt.order_by(Equipment.code)))
    states = {
        m.equipment_code: m
        for m in session.scalars(
            select(MachineState).where(
                MachineState.company_id == company_id,
                MachineState.equipment_code.in_([e.code for e in eqs]),
            )
        )
    }
    out = []
    for e in eqs:
        st = states.get(e.code)
        out.append(
            {
                "code": e.code,
                "name": e.name,
                "work_center_id": e.work_center_id,
                "state": st.state if st else "off",
                "since": st.since if st else None,
                "since_iso": as_utc(st.since).isoformat() if st else "",
                "reason_code": st.reason_code if st else None,
            }
        )
    return out


def queue(session: Session, company_id: int, wc_id: int) -> list[dict[str, Any]]:
    """Operations at this work center of active work orders that are not completed, running ones first."""
    rows = session.execute(
        select(WorkOrderOperation, WorkOrder, WorkOrderState.status, Item.code, Item.name, Item.uom)
        .join(WorkOrder, WorkOrder.id == WorkOrderOperation.work_order_id)
        .join(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .join(Item, Item.id == WorkOrder.item_id)
        .where(
            WorkOrder.company_id == company_id,
            WorkOrderOperation.work_center_id == wc_id,
            WorkOrderState.status.in_(ACTIVE),
        )
        .order_by(WorkOrder.priority.desc(), WorkOrder.due_date, WorkOrder.code, WorkOrderOperation.seq)
        .limit(QUEUE_LIMIT * 2)
    ).all()
    if not rows:
        return []
    op_states = {
        (o.work_order_id, o.seq): o
        for o in session.scalars(
            select(OperationState).where(OperationState.work_order_id.in_({wo.id for _, wo, *_ in rows}))
        )
    }
    out = []
    for op, wo, wo_status, item, item_name, uom in rows:
        st = op_states.get((wo.id, op.seq))
        status = st.status if st else "pending"
        if status == "completed":
            continue
        out.append(
            {
                "work_order": wo.code,
                "wo_status": wo_status,
                "seq": op.seq,
                "name": op.name,
                "item": item,
                "item_name": item_name,
                "uom": uom,
                "due_date": wo.due_date,
                "planned": op.planned_quantity,
                "good": st.good if st else 0.0,
                "scrap": st.scrap if st else 0.0,
                "status": status,
                "equipment": st.equipment_code if st else None,
                "setup_time_s": op.setup_time_s,
                "cycle_time_s": op.cycle_time_s,
            }
        )
    order = {"running": 0, "paused": 1, "pending": 2}
    out.sort(key=lambda r: order.get(str(r["status"]), 3))  # stable: keeps priority and due date inside
    return out[:QUEUE_LIMIT]


def documents_dir(request: Request, company_code: str, item: str, seq: int) -> Path:
    root: Path = request.app.state.runtime.settings.data_dir
    return root / "documents" / company_code / item / str(seq)


def _safe(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def documents(request: Request, viewer: Viewer, item: str, seq: int) -> list[Document]:
    """The instructions and drawings attached to an operation (files in the data folder)."""
    folder = documents_dir(request, viewer.company_code, item, seq)
    if not _safe(item) or not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file() or not _safe(path.name) or suffix not in DOC_SUFFIXES:
            continue
        url = f"/terminal/documents/{item}/{seq}/{path.name}"
        if suffix in TEXT_SUFFIXES:
            out.append(
                Document(path.stem, "text", url, path.read_text(encoding="utf-8", errors="replace")[:4000])
            )
        elif suffix in IMAGE_SUFFIXES:
            out.append(Document(path.stem, "image", url))
        else:
            out.append(Document(path.stem, "pdf", url))
    return out


def stored_documents(session: Session, viewer: Viewer, item: str, seq: int) -> list[Document]:
    """The instructions and drawings uploaded for the operation (``jejo.masterdata.documents``)."""
    from jejo.masterdata import documents as stored

    out = []
    for d in stored.list_documents(session, viewer.company_id, "operation", f"{item}/{seq}"):
        kind = (
            "image"
            if d.content_type.startswith("image/")
            else "pdf"
            if d.content_type == "application/pdf"
            else ""
        )
        if kind:  # the tablet shows pictures and PDFs; other files stay on the machine's page
            out.append(Document(d.title, kind, f"/documents/{d.id}"))
    return out


def reasons(session: Session, company_id: int, category: str) -> list[dict[str, Any]]:
    return [
        {"code": r.code, "name": r.name, "planned": r.planned}
        for r in session.scalars(
            select(ReasonCode)
            .where(ReasonCode.company_id == company_id, ReasonCode.category == category)
            .order_by(ReasonCode.planned, ReasonCode.code)
        )
    ]


def terminal_context(
    request: Request, session: Session, viewer: Viewer, wc_code: str, wo: str | None, seq: int | None
) -> dict[str, Any]:
    wc = work_center(session, viewer.company_id, wc_code)
    ops = queue(session, viewer.company_id, wc.id)
    selected = None
    if wo and seq:
        selected = next((o for o in ops if o["work_order"] == wo and o["seq"] == seq), None)
    if selected is None and ops:
        selected = ops[0]
    eqs = machines(session, viewer.company_id, {wc.id})
    if selected is not None and not selected["equipment"] and eqs:
        selected["equipment"] = eqs[0]["code"]
    return {
        "wc": wc,
        "ops": ops,
        "op": selected,
        "machines": eqs,
        "docs": (
            documents(request, viewer, selected["item"], selected["seq"])
            + stored_documents(session, viewer, selected["item"], selected["seq"])
            if selected
            else []
        ),
        "scrap_reasons": reasons(session, viewer.company_id, "scrap"),
        "downtime_reasons": reasons(session, viewer.company_id, "downtime"),
        "nav": "terminal",
    }


@router.get("/terminal")
def pick_work_center(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    wcs = list(
        session.scalars(
            select(WorkCenter).where(WorkCenter.company_id == viewer.company_id).order_by(WorkCenter.code)
        )
    )
    by_wc: dict[int, list[dict[str, Any]]] = {}
    for m in machines(session, viewer.company_id):
        by_wc.setdefault(m["work_center_id"], []).append(m)
    return render(
        request,
        "terminal/pick.html",
        viewer.tr,
        viewer=viewer,
        wcs=[(wc, by_wc.get(wc.id, [])) for wc in wcs],
        nav="terminal",
    )


@router.get("/terminal/{wc_code}")
def terminal(
    request: Request,
    wc_code: str,
    viewer: CurrentViewer,
    session: DB,
    wo: str | None = Query(None, max_length=64),
    seq: int | None = Query(None, ge=1),
) -> HTMLResponse:
    ctx = terminal_context(request, session, viewer, wc_code, wo, seq)
    return render(request, "terminal/terminal.html", viewer.tr, viewer=viewer, **ctx)


@router.get("/terminal/{wc_code}/body")
def terminal_body(
    request: Request,
    wc_code: str,
    viewer: CurrentViewer,
    session: DB,
    wo: str | None = Query(None, max_length=64),
    seq: int | None = Query(None, ge=1),
) -> HTMLResponse:
    """The queue and the operation panel, re-fetched by the page after its queued actions were posted."""
    ctx = terminal_context(request, session, viewer, wc_code, wo, seq)
    return render(request, "terminal/_body.html", viewer.tr, viewer=viewer, **ctx)


@router.get("/terminal/documents/{item}/{seq}/{name}")
def document(request: Request, item: str, seq: int, name: str, viewer: CurrentViewer) -> FileResponse:
    """One attached file of an operation, only from the viewer's company's folder."""
    path = documents_dir(request, viewer.company_code, item, seq) / name
    if not (_safe(item) and _safe(name)) or path.suffix.lower() not in DOC_SUFFIXES or not path.is_file():
        raise NotFound("no such document")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "private, max-age=300"})
