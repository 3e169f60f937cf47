"""Sales orders in and out of files: the way firms move orders between their ERP and the MES today.

**Import** (.xlsx, or .csv in UTF-8 or CP949, `,`/`;`/tab): one row per order line; the order's own values
(customer, order date, customer reference) repeat on each of its rows. Headers may be the field names or
the Korean labels (e.g. ``수주번호, 거래처, 수주일, 품목, 수량, 단가, 납기요청일``). Every row is checked
first; any problem (unknown customer or item, a negative quantity, a date that is not a date, rows of one
order that disagree) is reported with its row (as Excel numbers it, header = 1) and column, and then
nothing is imported.

**Export**: the order lines with amounts and delivery progress; ``columns`` chooses and renames the columns
for the receiving ERP (``order=주문번호,item=품목코드,quantity=수량``), in the order given.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import Problem, ValidationError
from jejo.masterdata import service as md
from jejo.masterdata.tables import Item
from jejo.masterdata.transfer.layout import Column, SheetSpec
from jejo.masterdata.transfer.reader import ReadResult, decode, read_table, sniff_delimiter
from jejo.sales import service as sv
from jejo.sales.money import line_amount
from jejo.sales.schemas import CODE, OrderLineIn, SalesOrderIn
from jejo.sales.tables import Customer, SalesOrder

SPEC = SheetSpec(
    name="sales_orders",
    label_ko="수주",
    label_en="Sales orders",
    key=("order",),
    columns=(
        Column("order", "수주번호", str, True, aliases=("주문번호", "order_no", "order no", "so")),
        Column(
            "customer", "거래처", str, True, ref="customers", aliases=("거래처코드", "고객", "customer_code")
        ),
        Column("order_date", "수주일", date, True, aliases=("주문일", "수주일자", "order date")),
        Column("customer_ref", "고객발주번호", str, False, aliases=("발주번호", "po", "customer po")),
        Column("line", "행", int, False, aliases=("순번", "라인", "line_no")),
        Column("item", "품목", str, True, ref="items", aliases=("품목코드", "품번", "item_code")),
        Column("quantity", "수량", float, True, aliases=("주문수량", "qty")),
        Column("unit_price", "단가", int, True, aliases=("공급단가", "price")),
        Column("vat_percent", "부가세율", int, False, aliases=("vat", "세율")),
        Column("requested_date", "납기요청일", date, True, aliases=("납기일", "납기", "due date")),
        Column("promised_date", "납기약속일", date, False, aliases=("약속일", "promised")),
        Column("fulfilment", "생산구분", str, False, choices=("make", "stock")),
        Column("note", "비고", str, False, aliases=("메모",)),
    ),
)


class RowIn(BaseModel):
    """One row of an order file (the order's values and one line)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    order: str = Field(pattern=CODE)
    customer: str
    order_date: date
    customer_ref: str | None = Field(default=None, max_length=64)
    line: int | None = Field(default=None, ge=1)
    item: str
    quantity: float = Field(gt=0)
    unit_price: int = Field(ge=0)
    vat_percent: Literal[0, 10] = 10
    requested_date: date
    promised_date: date | None = None
    fulfilment: Literal["make", "stock"] = "make"
    note: str | None = Field(default=None, max_length=500)


_FRIENDLY = {
    "Input should be greater than 0": "must be more than 0",
    "Input should be greater than or equal to 0": "must not be negative",
    "Field required": "required, but the cell is empty",
}


def _reason(reason: str, column: str) -> str:
    if column.endswith("date") and ("date" in reason.lower() or "datetime" in reason.lower()):
        return "not a date; write it as YYYY-MM-DD (e.g. 2026-12-01)"
    return _FRIENDLY.get(reason, reason)


@dataclass
class ImportResult:
    orders: list[str] = field(default_factory=list)
    lines: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "order_count": len(self.orders),
            "lines": self.lines,
            "dry_run": self.dry_run,
        }


def read_orders(filename: str, data: bytes) -> ReadResult:
    """The rows of an order file (no database)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            out = ReadResult()
            out.problems.append(
                Problem(sheet=filename, reason=f"not a readable workbook ({exc.__class__.__name__})")
            )
            return out
        ws = wb.worksheets[0]
        result = read_table(SPEC, ws.title, ws.iter_rows(values_only=True))
        wb.close()
        return result
    try:
        text, _ = decode(data)
    except UnicodeDecodeError:
        out = ReadResult()
        out.problems.append(Problem(sheet=filename, reason="the file is neither UTF-8 nor CP949/EUC-KR text"))
        return out
    rows = list(
        csv.reader(io.StringIO(text.replace("\x00", ""), newline=""), delimiter=sniff_delimiter(text))
    )
    return read_table(SPEC, filename, rows)


def import_orders(
    session: Session, company_id: int, filename: str, data: bytes, *, dry_run: bool = False
) -> ImportResult:
    """Import an order file: all of it, or (with any problem) none of it."""
    read = read_orders(filename, data)
    problems = list(read.problems)
    parsed: list[tuple[str, int, RowIn]] = []
    for sheet in read.sheets:
        if not sheet.readable:
            continue
        for rownum, raw in sheet.rows:
            try:
                parsed.append((sheet.source, rownum, RowIn.model_validate(raw)))
            except PydanticError as exc:
                for p in md.pydantic_problems(exc):
                    col = (p.field or "").split(".")[0]
                    problems.append(
                        Problem(sheet=sheet.source, row=rownum, column=col, reason=_reason(p.reason, col))
                    )
    customers = set(
        session.scalars(
            select(Customer.code).where(
                Customer.company_id == company_id, Customer.code.in_({r.customer for *_, r in parsed})
            )
        )
    )
    items = {
        i.code: i
        for i in session.scalars(
            select(Item).where(Item.company_id == company_id, Item.code.in_({r.item for *_, r in parsed}))
        )
    }
    existing = set(
        session.scalars(
            select(SalesOrder.code).where(
                SalesOrder.company_id == company_id, SalesOrder.code.in_({r.order for *_, r in parsed})
            )
        )
    )
    groups: dict[str, list[tuple[str, int, RowIn]]] = {}
    for src, n, r in parsed:
        groups.setdefault(r.order, []).append((src, n, r))
        if r.customer not in customers:
            problems.append(
                Problem(sheet=src, row=n, column="customer", reason=f"customer {r.customer!r} does not exist")
            )
        if r.item not in items:
            problems.append(
                Problem(sheet=src, row=n, column="item", reason=f"item {r.item!r} does not exist")
            )
        if r.order in existing:
            problems.append(
                Problem(sheet=src, row=n, column="order", reason=f"sales order {r.order} already exists")
            )
        if r.promised_date and r.promised_date < r.order_date:
            problems.append(
                Problem(sheet=src, row=n, column="promised_date", reason="promised before the order date")
            )
    orders: list[SalesOrderIn] = []
    for code, rows in groups.items():
        _, n0, first = rows[0]
        seen: dict[int, int] = {}
        for i, (src, n, r) in enumerate(rows):
            for col in ("customer", "order_date", "customer_ref"):
                if getattr(r, col) != getattr(first, col):
                    problems.append(
                        Problem(
                            sheet=src,
                            row=n,
                            column=col,
                            reason=f"differs from row {n0} of the same order {code}",
                        )
                    )
            no = r.line or i + 1
            if no in seen:
                problems.append(
                    Problem(sheet=src, row=n, column="line", reason=f"line {no} is also on row {seen[no]}")
                )
            seen[no] = n
        orders.append(
            SalesOrderIn(
                code=code,
                customer=first.customer,
                order_date=first.order_date,
                customer_ref=first.customer_ref,
                note=first.note,
                lines=[
                    OrderLineIn(
                        line=r.line or i + 1,
                        item=r.item,
                        quantity=r.quantity,
                        unit_price=r.unit_price,
                        vat_percent=r.vat_percent,
                        requested_date=r.requested_date,
                        promised_date=r.promised_date,
                        fulfilment=r.fulfilment,
                    )
                    for i, (_, _, r) in enumerate(rows)
                ],
            )
        )
    if not parsed and not problems:
        problems.append(Problem(sheet=filename, reason="the file has no order rows"))
    if problems:
        raise ValidationError(f"{len(problems)} problem(s) in {filename}; nothing was imported", problems)
    result = ImportResult(dry_run=dry_run)
    for body in orders:
        result.orders.append(body.code or "")
        result.lines += len(body.lines)
        if not dry_run:
            sv.create_order(session, company_id, body)
    return result


# ---- export --------------------------------------------------------------------------------------

EXPORT_FIELDS: dict[str, str] = {
    "order": "수주번호",
    "customer": "거래처",
    "order_date": "수주일",
    "customer_ref": "고객발주번호",
    "line": "행",
    "item": "품목",
    "quantity": "수량",
    "unit_price": "단가",
    "vat_percent": "부가세율",
    "supply": "공급가액",
    "vat": "세액",
    "requested_date": "납기요청일",
    "promised_date": "납기약속일",
    "shipped": "출하수량",
    "status": "상태",
}


def parse_mapping(text: str | None) -> list[tuple[str, str]]:
    """``field=Header,field=Header`` (or bare ``field`` for its Korean label) → [(field, header)]."""
    if not text:
        return list(EXPORT_FIELDS.items())
    out = []
    problems = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, header = part.partition("=")
        name = name.strip()
        if name not in EXPORT_FIELDS:
            problems.append(
                Problem(reason=f"unknown field {name!r}; known: {', '.join(EXPORT_FIELDS)}", field="columns")
            )
            continue
        out.append((name, header.strip() or EXPORT_FIELDS[name]))
    if problems:
        raise ValidationError("bad column mapping", problems)
    return out


def export_rows(session: Session, company_id: int) -> list[dict[str, Any]]:
    rows = []
    for order in session.scalars(
        select(SalesOrder).where(SalesOrder.company_id == company_id).order_by(SalesOrder.code)
    ):
        shipped = sv.shipped_by_line(session, order)
        for ln in order.lines:
            a = line_amount(ln.quantity, ln.unit_price, ln.vat_percent)
            rows.append(
                {
                    "order": order.code,
                    "customer": order.customer.code,
                    "order_date": order.order_date,
                    "customer_ref": order.customer_ref,
                    "line": ln.line_no,
                    "item": ln.item.code,
                    "quantity": ln.quantity,
                    "unit_price": ln.unit_price,
                    "vat_percent": ln.vat_percent,
                    "supply": a.supply,
                    "vat": a.vat,
                    "requested_date": ln.requested_date,
                    "promised_date": ln.promised_date,
                    "shipped": shipped.get(ln.id, 0.0),
                    "status": order.status,
                }
            )
    return rows


def _cell(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, date):
        return v.isoformat()
    return "" if v is None else v


def export_orders(
    session: Session, company_id: int, fmt: str, mapping: list[tuple[str, str]], encoding: str = "utf-8-sig"
) -> tuple[bytes, str, str]:
    """(file bytes, media type, file name) of the order lines under ``mapping``."""
    rows = export_rows(session, company_id)
    header = [h for _, h in mapping]
    table = [[_cell(r[f]) for f, _ in mapping] for r in rows]
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "수주"
        ws.append(header)
        for t in table:
            ws.append(t)
        buf = io.BytesIO()
        wb.save(buf)
        return (
            buf.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "sales-orders.xlsx",
        )
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(table)
    return (
        out.getvalue().encode(encoding),
        f"text/csv; charset={encoding.replace('-sig', '')}",
        "sales-orders.csv",
    )
