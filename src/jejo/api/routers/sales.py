"""Sales: customers, sales orders, make-to-order work orders, ATP, shipments, returns, figures, import."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, File, Query, Response, UploadFile

from jejo.api.deps import DB, Caller, PageQ, paged, require
from jejo.execution.views import work_order_out
from jejo.sales import service as sv
from jejo.sales import transfer
from jejo.sales.schemas import CustomerIn, ReturnIn, SalesOrderIn, ShipmentIn

router = APIRouter(tags=["sales"])
WRITE = [require("workorders:write")]


@router.get("/sales/customers")
def list_customers(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return [sv.customer_out(c) for c in sv.list_customers(session, caller.company_id)]


@router.post("/sales/customers", status_code=201, dependencies=WRITE)
def create_customer(body: CustomerIn, caller: Caller, session: DB) -> dict[str, Any]:
    return sv.customer_out(sv.create_customer(session, caller.company_id, body))


@router.get("/sales/customers/{code}")
def get_customer(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return sv.customer_out(sv.get_customer(session, caller.company_id, code))


@router.get("/sales/orders")
def list_orders(
    caller: Caller,
    session: DB,
    page: PageQ,
    status: str | None = Query(None),
    customer: str | None = Query(None),
) -> dict[str, Any]:
    rows, total = sv.list_orders(
        session, caller.company_id, status=status, customer=customer, offset=page.offset, limit=page.limit
    )
    return paged([sv.order_out(session, o) for o in rows], total, page)


@router.post("/sales/orders", status_code=201, dependencies=WRITE)
def create_order(body: SalesOrderIn, caller: Caller, session: DB) -> dict[str, Any]:
    return sv.order_out(session, sv.create_order(session, caller.company_id, body), detail=True)


@router.get("/sales/orders/{code}")
def get_order(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return sv.order_out(session, sv.get_order(session, caller.company_id, code), detail=True)


@router.post("/sales/orders/{code}/work-orders", status_code=201, dependencies=WRITE)
def make_work_orders(code: str, caller: Caller, session: DB) -> list[dict[str, Any]]:
    """Make-to-order: a work order for every make line that has none yet."""
    return [
        work_order_out(session, wo)
        for wo in sv.create_work_orders(session, caller.company_id, code, caller.name)
    ]


@router.post("/sales/orders/{code}/cancel", dependencies=WRITE)
def cancel_order(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return sv.order_out(session, sv.cancel_order(session, caller.company_id, code))


@router.post("/sales/orders/{code}/shipments", status_code=201, dependencies=WRITE)
def ship(code: str, body: ShipmentIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Ship picked lots (partial deliveries allowed); a lot on quality hold is refused with a 409."""
    return sv.shipment_out(sv.ship(session, caller.company_id, code, body, caller.name))


@router.post("/sales/orders/{code}/returns", status_code=201, dependencies=WRITE)
def receive_return(code: str, body: ReturnIn, caller: Caller, session: DB) -> dict[str, Any]:
    return sv.return_out(sv.receive_return(session, caller.company_id, code, body, caller.name))


@router.get("/sales/shipments/{code}")
def get_shipment(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return sv.shipment_out(sv.get_shipment(session, caller.company_id, code))


@router.get("/sales/atp/{item}")
def atp(item: str, caller: Caller, session: DB) -> dict[str, Any]:
    return sv.available_to_promise(session, caller.company_id, item)


@router.get("/sales/figures")
def figures(
    caller: Caller, session: DB, start: date | None = Query(None), end: date | None = Query(None)
) -> dict[str, Any]:
    """On-time delivery rate, order-to-shipment lead time, return rate and sales for a period (days
    inclusive; the current month in Seoul when left out)."""
    start, end = sv.period(start, end)
    return sv.figures(session, caller.company_id, start, end).as_dict()


@router.post("/sales/import", dependencies=WRITE)
async def import_orders(
    caller: Caller, session: DB, file: UploadFile = File(...), dry_run: bool = False
) -> dict[str, Any]:
    """Sales orders from an .xlsx or .csv file (UTF-8 or CP949): all rows or none, problems by row
    and column."""
    data = await file.read()
    result = transfer.import_orders(
        session, caller.company_id, file.filename or "orders.csv", data, dry_run=dry_run
    )
    return result.as_dict()


@router.get("/sales/export")
def export_orders(
    caller: Caller,
    session: DB,
    fmt: str = Query("csv", pattern="^(csv|xlsx)$"),
    columns: str | None = Query(None),
) -> Response:
    """Order lines for the firm's ERP; ``columns`` maps them: ``field=Header,field=Header`` (order kept)."""
    data, media, name = transfer.export_orders(
        session, caller.company_id, fmt, transfer.parse_mapping(columns)
    )
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/sales/lots/customers")
def customers_of_lots(caller: Caller, session: DB, lots: str = Query("")) -> list[dict[str, Any]]:
    """Which customers received any of these lots (comma-separated): with genealogy, "which customers got
    lots made from raw lot X" or "made on the day machine Y drifted"."""
    wanted = {x.strip() for x in lots.split(",") if x.strip()}
    return sv.customers_of_lots(session, caller.company_id, wanted)


@router.get("/sales/shipments/{code}/delivery-note", response_class=Response)
def delivery_note(
    code: str, caller: Caller, session: DB, format: str = Query("pdf", pattern="^(pdf|html)$")
) -> Response:
    """The delivery note (거래명세서) of a shipment, as PDF (or HTML to print from the browser)."""
    from jejo.core.tenancy import Company
    from jejo.sales.documents import delivery_note_html, delivery_note_pdf

    shipment = sv.get_shipment(session, caller.company_id, code)
    company = session.get(Company, caller.company_id)
    assert company is not None
    supplier = {"name": company.name, "business_number": company.business_number}
    if format == "html":
        return Response(delivery_note_html(shipment, supplier), media_type="text/html; charset=utf-8")
    return Response(
        delivery_note_pdf(shipment, supplier),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{code}.pdf"'},
    )


@router.get("/sales/trace")
def trace(
    caller: Caller, session: DB, equipment: str = Query(""), day: date | None = Query(None)
) -> dict[str, Any]:
    """Which customers received lots made on ``day`` (Seoul) on ``equipment``, e.g. the day it drifted."""
    if not equipment or day is None:
        return {"equipment": equipment, "day": day, "lots": [], "shipments": []}
    return sv.trace_machine_day(session, caller.company_id, equipment, day)
