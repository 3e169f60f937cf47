"""Furniture orders: cabinets → panels → cutting plan → labels → part scans → tracking board."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from jejo.api.deps import DB, Caller, require
from jejo.core.errors import Conflict, NotFound
from jejo.furniture import service

router = APIRouter(tags=["furniture"])
WRITE = [require("workorders:write")]
SCAN = [require("events:write")]


def _file(data: bytes | str, media: str, filename: str) -> Response:
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/furniture/orders")
def list_orders(caller: Caller, session: DB) -> list[dict[str, Any]]:
    """Furniture orders, newest first, with their progress."""
    return [service.order_summary(o) for o in service.list_orders(session, caller.company_id)]


@router.post("/furniture/orders", status_code=201, dependencies=WRITE)
def create_order(body: service.OrderIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Enter an order: cabinets from the library (kind, sizes, options, qty) and/or cut-list parts.
    Creates the panels, the cabinets' items, BOMs, routings and one work order per cabinet type."""
    o = service.create_order(session, caller.company_id, body, caller.name)
    return service.order_summary(o)


@router.get("/furniture/orders/{code}")
def get_order(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    o = service.get_order(session, caller.company_id, code)
    return {**service.order_summary(o), "parts_list": [service.part_dict(p) for p in o.parts]}


@router.post("/furniture/orders/{code}/plan", dependencies=WRITE)
def plan(
    code: str, caller: Caller, session: DB, time_limit: float = Query(5.0, ge=0.5, le=120)
) -> dict[str, Any]:
    """Run the cutting optimiser for every material of the order and store the plan."""
    return service.plan_order(session, caller.company_id, code, time_limit=time_limit)


@router.get("/furniture/orders/{code}/plan")
def get_plan(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    o = service.get_order(session, caller.company_id, code)
    if o.plan is None:
        raise Conflict(f"order {code} has no cutting plan yet")
    return o.plan


@router.get("/furniture/orders/{code}/sheets/{sheet}.svg")
def sheet_svg(code: str, sheet: int, caller: Caller, session: DB) -> Response:
    """The cutting diagram of one sheet (1-based)."""
    from jejo.furniture.diagram import sheet_svg as draw

    o = service.get_order(session, caller.company_id, code)
    plan = service.plan_of(o)
    if not 1 <= sheet <= len(plan.sheets):
        raise NotFound(f"order {code} has no sheet {sheet}")
    edges = {p.code: p.edges for p in o.parts}
    return Response(draw(plan.sheets[sheet - 1], index=sheet, edges=edges), media_type="image/svg+xml")


@router.get("/furniture/orders/{code}/plan.pdf")
def plan_pdf(code: str, caller: Caller, session: DB) -> Response:
    from jejo.furniture.diagram import plan_pdf as render

    o = service.get_order(session, caller.company_id, code)
    pdf = render(service.plan_of(o), f"{o.code} 재단 계획", edges={p.code: p.edges for p in o.parts})
    return _file(pdf, "application/pdf", f"{code}-cutting.pdf")


@router.get("/furniture/orders/{code}/saw.csv")
def saw_csv(code: str, caller: Caller, session: DB) -> Response:
    """The saw's cutting list (parts per sheet, then the cut sequence)."""
    o = service.get_order(session, caller.company_id, code)
    return _file(service.saw_csv(o).encode("utf-8"), "text/csv; charset=utf-8", f"{code}-saw.csv")


@router.get("/furniture/orders/{code}/labels.pdf")
def labels_pdf(
    code: str,
    caller: Caller,
    session: DB,
    symbology: Literal["qr", "code128"] = "qr",
    cabinet: str | None = None,
) -> Response:
    """One label per panel on A4 sheets of 2 × 7 labels (105 × 42.3 mm)."""
    from jejo.furniture.labels import labels_pdf as render

    return _file(
        render(service.labels(session, caller.company_id, code, cabinet), symbology),
        "application/pdf",
        f"{code}-labels.pdf",
    )


@router.get("/furniture/orders/{code}/labels.zpl")
def labels_zpl(
    code: str,
    caller: Caller,
    session: DB,
    symbology: Literal["qr", "code128"] = "qr",
    cabinet: str | None = None,
    korean_font: str | None = Query(
        None, description="printer font for Korean names, e.g. E:NANUMGOTHIC.TTF"
    ),
) -> Response:
    """The same labels in ZPL II for a Zebra printer (4 × 2 in, 203 dpi)."""
    from jejo.furniture.labels import labels_zpl as render

    text = render(service.labels(session, caller.company_id, code, cabinet), symbology, korean_font)
    return _file(text.encode("utf-8"), "application/zpl; charset=utf-8", f"{code}-labels.zpl")


@router.get("/furniture/orders/{code}/boring.zip")
def boring_zip(code: str, caller: Caller, session: DB) -> Response:
    """CNC boring: one DXF per bored panel."""
    from jejo.furniture.dxf import parts_zip

    o = service.get_order(session, caller.company_id, code)
    return _file(parts_zip([service.panel(p) for p in o.parts]), "application/zip", f"{code}-boring.zip")


@router.get("/furniture/orders/{code}/board")
def board(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    """Where every part of every cabinet is and what is missing."""
    return service.board(session, caller.company_id, code)


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    part_id: str = Field(min_length=1, max_length=64)
    station: str = Field(min_length=1, max_length=64)


@router.post("/furniture/scans", status_code=201, dependencies=SCAN)
def scan(body: ScanIn, caller: Caller, session: DB) -> Any:
    """A label scanned at a station. 201: counted; 200 with ``outcome: duplicate``: already scanned
    there (not counted again); 409: wrong station or out of order; 404: unknown part."""
    d = service.scan(session, caller.company_id, body.part_id, body.station, actor=caller.name)
    out = {
        "accepted": d.accepted,
        "outcome": d.outcome,
        "message": d.message,
        "message_en": d.message_en,
        "next_station": d.next_station,
    }
    if d.outcome == "unknown_part":
        raise NotFound(d.message_en)
    if d.outcome in ("wrong_station", "out_of_order"):
        raise Conflict(d.message_en + " / " + d.message)
    return out if d.accepted else JSONResponse(out, status_code=200)


@router.get("/furniture/cutlist/template.xlsx")
def cutlist_template(caller: Caller) -> Response:
    from jejo.furniture.cutlist_import import template_xlsx

    return _file(
        template_xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "cutlist-template.xlsx",
    )


@router.post("/furniture/cutlist/preview")
async def cutlist_preview(
    caller: Caller,
    file: Annotated[UploadFile, File(description="template .xlsx/.csv (UTF-8 or CP949) or OpenCutList CSV")],
) -> dict[str, Any]:
    """Read a cut list: its parts (to post as an order's ``parts``) and every problem with row and column."""
    from dataclasses import asdict

    from jejo.furniture.cutlist_import import read_cutlist

    res = read_cutlist(file.filename or "cutlist.csv", await file.read())
    return {
        "format": res.format,
        "parts": [asdict(r) for r in res.rows],
        "problems": [p.as_dict() for p in res.problems],
    }
