"""Small helpers for the import/export tests: build workbooks, snapshot a company's master data."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from jejo.core.runtime import Runtime
from jejo.masterdata.tables import Bom, BomLine, Routing, RoutingOperation
from jejo.masterdata.transfer.apply import collect


def xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook with the given sheets (rows as lists; ``[]`` is an empty row)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row, start=1):
                ws.cell(row=i, column=j, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def snapshot(runtime: Runtime, company_id: int) -> dict[str, Any]:
    """Every master-data row of a company (as exported), plus raw row counts of the line tables."""
    with runtime.transaction() as s:
        data: dict[str, Any] = dict(collect(s, company_id))
        data["_bom_lines"] = s.scalar(
            select(func.count()).select_from(BomLine).join(Bom).where(Bom.company_id == company_id)
        )
        data["_routing_operations"] = s.scalar(
            select(func.count())
            .select_from(RoutingOperation)
            .join(Routing)
            .where(Routing.company_id == company_id)
        )
    return data


def new_company(runtime: Runtime) -> int:
    """A company of its own (no users: quicker than a logged-in tenant where no API call is needed)."""
    from tests.conftest import unique

    from jejo.masterdata.users import create_company

    with runtime.transaction() as s:
        return create_company(s, unique("CO"), "테스트").id


def counts(snap: dict[str, Any]) -> dict[str, int]:
    return {k: (len(v) if isinstance(v, list) else v) for k, v in snap.items()}
