"""Order files from the firm's ERP: a good workbook imports, a bad CSV (CP949) is refused naming each
row and column, and nothing of it is applied; the export follows a column mapping."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook
from tests.conftest import Tenant, build_plant

HEADER = ["수주번호", "거래처", "수주일", "품목", "수량", "단가", "납기요청일"]


def _setup(t: Tenant) -> None:
    build_plant(t)
    t.ok(t.post("/sales/customers", {"code": "HANSAM-DL", "name": "한빛 가구 대리점"}), 201)


def test_bad_rows_are_named_and_nothing_is_applied(tenant: Tenant) -> None:
    t = tenant
    _setup(t)
    rows = [
        HEADER,
        ["SO-100", "HANSAM-DL", "2026-11-02", "CAB-600", "5", "150,000", "2026-11-20"],
        ["SO-101", "없는거래처", "2026-11-02", "CAB-600", "5", "150000", "2026-11-20"],
        ["SO-102", "HANSAM-DL", "2026-11-02", "CAB-600", "-3", "150000", "2026-11-20"],
        ["SO-103", "HANSAM-DL", "2026-11-02", "CAB-600", "2", "150000", "11/30/2026"],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    data = buf.getvalue().encode("cp949")  # what Korean Excel writes for "CSV (쉼표로 분리)"
    r = t.post("/sales/import", files={"file": ("orders.csv", data, "text/csv")})
    assert r.status_code == 422, r.text
    where = {(e["row"], e["column"]): e["reason"] for e in r.json()["errors"]}
    assert set(where) == {(3, "customer"), (4, "quantity"), (5, "requested_date")}
    assert "does not exist" in where[(3, "customer")]
    assert where[(4, "quantity")] == "must be more than 0"
    assert "YYYY-MM-DD" in where[(5, "requested_date")]
    assert all(e["sheet"] == "orders.csv" for e in r.json()["errors"])
    assert t.ok(t.get("/sales/orders"))["total"] == 0  # the good row 2 was not imported either


def test_workbook_import_and_mapped_export(tenant: Tenant) -> None:
    t = tenant
    _setup(t)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([*HEADER, "납기약속일", "생산구분"])
    ws.append(["SO-200", "HANSAM-DL", "2026-11-02", "CAB-600", 5, 150000, "2026-11-20", "2026-11-18", "make"])
    ws.append(["SO-200", "HANSAM-DL", "2026-11-02", "PANEL-SIDE", 20, 8000, "2026-11-20", None, "stock"])
    ws.append(["SO-201", "HANSAM-DL", "2026. 11. 3.", "CAB-600", 1, 149999, "2026-11-25", None, None])
    buf = io.BytesIO()
    wb.save(buf)
    res = t.ok(t.post("/sales/import", files={"file": ("주문.xlsx", buf.getvalue())}))
    assert res["orders"] == ["SO-200", "SO-201"] and res["lines"] == 3
    so = t.ok(t.get("/sales/orders/SO-200"))
    assert [(ln["line"], ln["item"], ln["fulfilment"]) for ln in so["lines"]] == [
        (1, "CAB-600", "make"),
        (2, "PANEL-SIDE", "stock"),
    ]
    assert t.ok(t.get("/sales/orders/SO-201"))["order_date"] == "2026-11-03"
    # importing the same file again: the orders exist, so nothing happens and each row says why
    r = t.post("/sales/import", files={"file": ("주문.xlsx", buf.getvalue())})
    assert r.status_code == 422 and {e["column"] for e in r.json()["errors"]} == {"order"}

    r = t.get("/sales/export", params={"fmt": "csv", "columns": "order=ORDNO,item=ITEM,quantity,supply=AMT"})
    assert r.status_code == 200
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "ORDNO,ITEM,수량,AMT"
    assert lines[1:] == ["SO-200,CAB-600,5,750000", "SO-200,PANEL-SIDE,20,160000", "SO-201,CAB-600,1,149999"]
    r = t.get("/sales/export", params={"fmt": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None and sheet["A1"].value == "수주번호" and sheet.max_row == 4
    r = t.get("/sales/export", params={"columns": "order,price_of_tea"})
    assert r.status_code == 422 and "price_of_tea" in r.text
