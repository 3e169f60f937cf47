"""Furniture pages: order entry (cabinets from the library, or a cut-list file), the cutting plan with a
diagram per sheet, label printing and the tracking board with a scan box. They call
:mod:`jejo.furniture.service` directly; another company's order is a 404 like a missing one."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jejo.api.deps import DB
from jejo.core.errors import JejoError
from jejo.furniture import service, tracking
from jejo.furniture.cabinets import KIND_KO, KINDS
from jejo.web.actions import htmx_only, page_action, require_scope
from jejo.web.context import CurrentViewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)
ENTRY_ROWS = 8


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the page is rendered."""
    return message


KIND_LABELS = {
    "base": N_("Base cabinet"),
    "wall": N_("Wall cabinet"),
    "tall": N_("Tall cabinet"),
    "drawer": N_("Drawer unit"),
    "shelf": N_("Shelf unit"),
}
STATION_LABELS = {
    tracking.SAW: N_("Saw"),
    tracking.EDGE: N_("Edge bander"),
    tracking.BORE: N_("CNC boring"),
    tracking.ASM: N_("Assembly"),
    tracking.PACK: N_("Packing"),
}
assert set(KIND_LABELS) == set(KINDS) == set(KIND_KO)


def _ctx(viewer: CurrentViewer) -> dict[str, Any]:
    tr = viewer.tr
    return {
        "kinds": {k: tr.gettext(v) for k, v in KIND_LABELS.items()},
        "stations": {k: tr.gettext(v) for k, v in STATION_LABELS.items()},
    }


@router.get("/furniture")
def orders_page(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    rows = [service.order_summary(o) for o in service.list_orders(session, viewer.company_id)]
    return render(
        request,
        "furniture/orders.html",
        viewer.tr,
        viewer=viewer,
        rows=rows,
        entry_rows=ENTRY_ROWS,
        **_ctx(viewer),
    )


def _num(v: Any) -> float | None:
    s = str(v or "").strip()
    return float(s) if s else None


@router.post("/furniture/orders")
async def create_order(request: Request, viewer: CurrentViewer, session: DB) -> Response:
    """The entry form (htmx): cabinets from the rows, loose parts from an uploaded cut list."""
    page_action(request, viewer, "workorders:write")
    tr = viewer.tr
    form = await request.form()
    problems: list[str] = []
    cabinets: list[dict[str, Any]] = []
    for i in range(ENTRY_ROWS):
        kind = str(form.get(f"kind_{i}") or "")
        qty = str(form.get(f"qty_{i}") or "").strip()
        if not kind or not qty or qty == "0":
            continue
        try:
            cab: dict[str, Any] = {"kind": kind, "qty": int(qty)}
            for key in ("width", "height", "depth"):
                v = _num(form.get(f"{key}_{i}"))
                if v is not None:
                    cab[key] = v
        except ValueError:
            problems.append(tr.gettext("Row %(row)d: numbers only.") % {"row": i + 1})
            continue
        cabinets.append(cab)
    parts: list[dict[str, Any]] = []
    upload = form.get("cutlist")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        from dataclasses import asdict

        from jejo.furniture.cutlist_import import read_cutlist

        res = read_cutlist(upload.filename, await upload.read())
        for p in res.problems:
            where = ", ".join(
                str(x) for x in (p.sheet, p.row and f"{p.row}행", p.column and f"{p.column}열") if x
            )
            problems.append(f"{where}: {p.reason}")
        parts = [{k: v for k, v in asdict(r).items() if k not in ("row", "note")} for r in res.rows]
        for part in parts:
            part["edges"] = list(part["edges"])
    if not problems:
        body = {
            "customer": str(form.get("customer") or ""),
            "due_date": str(form.get("due_date") or "") or date.today().isoformat(),
            "cabinets": cabinets,
            "parts": parts,
        }
        if str(form.get("code") or "").strip():
            body["code"] = str(form.get("code")).strip()
        try:
            o = service.create_order(session, viewer.company_id, body, viewer.principal.name)
        except JejoError as exc:
            problems = [f"{p.field or ''} {p.reason}".strip() for p in exc.problems] or [str(exc)]
        else:
            return Response(status_code=204, headers={"HX-Redirect": f"/furniture/orders/{o.code}"})
    html = render(request, "furniture/_problems.html", tr, viewer=viewer, problems=problems, status_code=422)
    return html


def _order_ctx(session: DB, viewer: CurrentViewer, code: str) -> dict[str, Any]:
    o = service.get_order(session, viewer.company_id, code)
    svgs: list[str] = []
    if o.plan:
        from jejo.furniture.diagram import sheet_svg

        plan = service.plan_of(o)
        edges = {p.code: p.edges for p in o.parts}
        short = {p.code: p.code[len(o.code) + 1 :] for p in o.parts}
        svgs = [
            sheet_svg(s, index=i + 1, edges=edges, labels=short, width_px=860)
            for i, s in enumerate(plan.sheets)
        ]
    cabinets: dict[str, dict[str, Any]] = {}
    for p in o.parts:
        c = cabinets.setdefault(p.cabinet, {"id": p.cabinet, "title": p.cabinet_title, "parts": 0})
        c["parts"] += 1
    return {
        "order": service.order_summary(o),
        "plan": o.plan,
        "svgs": svgs,
        "cabinets": list(cabinets.values()),
        **_ctx(viewer),
    }


@router.get("/furniture/orders/{code}")
def order_page(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    return render(
        request, "furniture/order.html", viewer.tr, viewer=viewer, **_order_ctx(session, viewer, code)
    )


@router.post("/furniture/orders/{code}/plan")
def plan_action(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    htmx_only(request)
    service.get_order(session, viewer.company_id, code)
    require_scope(viewer, "workorders:write")
    service.plan_order(session, viewer.company_id, code, time_limit=5.0)
    return render(
        request, "furniture/_plan.html", viewer.tr, viewer=viewer, **_order_ctx(session, viewer, code)
    )


@router.get("/furniture/orders/{code}/board")
def board_page(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    b = service.board(session, viewer.company_id, code)
    return render(
        request, "furniture/board.html", viewer.tr, viewer=viewer, board=b, flash=None, **_ctx(viewer)
    )


@router.post("/furniture/orders/{code}/scan")
async def scan_action(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    """The scan box: a part id (what the scanner types) at a station; answers the board and a message."""
    htmx_only(request)
    service.get_order(session, viewer.company_id, code)
    form = await request.form()
    part_id = str(form.get("part_id") or "").strip()
    station = str(form.get("station") or "")
    status = 200
    if not viewer.principal.can("events:write"):
        flash = {"ok": False, "message": viewer.tr.gettext("You may not record scans.")}
        status = 403
    else:
        d = service.scan(
            session, viewer.company_id, part_id, station, actor=viewer.principal.name, source="web"
        )
        msg = d.message if viewer.tr.locale == "ko" else d.message_en
        flash = {"ok": d.accepted, "message": msg, "outcome": d.outcome}
        status = 200 if d.accepted or d.outcome == "duplicate" else 409
    b = service.board(session, viewer.company_id, code)
    return render(
        request,
        "furniture/_board.html",
        viewer.tr,
        viewer=viewer,
        board=b,
        flash=flash,
        status_code=status,
        **_ctx(viewer),
    )
