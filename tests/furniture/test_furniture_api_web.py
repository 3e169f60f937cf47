"""The furniture API and pages: order entry, plan, downloads, scans (wrong station, duplicate), board."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import Tenant
from tests.web.helpers import web_login

from jejo.furniture import tracking

ORDER = {
    "code": "FW1",
    "customer": "테스트 주방",
    "due_date": "2026-12-20",
    "cabinets": [{"kind": "base", "width": 600}, {"kind": "wall", "width": 400, "qty": 2}],
    "parts": [{"name": "걸레받이", "material": "MEL-OAK18", "length": 2000, "width": 100, "edges": ["L1"]}],
}


def test_api_order_plan_outputs_and_scans(tenant: Tenant) -> None:
    t = tenant
    made = t.ok(t.post("/furniture/orders", ORDER), 201)
    assert made["cabinets"] == 4 and made["work_orders"] == []  # no furniture line in this company
    detail = t.ok(t.get("/furniture/orders/FW1"))
    parts = {p["id"]: p for p in detail["parts_list"]}
    assert parts["FW1-X001"]["route"] == [tracking.SAW, tracking.EDGE, tracking.ASM, tracking.PACK]
    assert t.post("/furniture/orders", ORDER).status_code == 409
    bad = t.post("/furniture/orders", {**ORDER, "code": "FW2", "cabinets": [{"kind": "sofa"}]})
    assert bad.status_code == 422 and "cabinets.0.kind" in bad.text

    rep = t.ok(t.post("/furniture/orders/FW1/plan?time_limit=1"))
    assert {p["part"] for s in rep["per_sheet"] for p in s["parts"]} == set(parts)
    svg = t.get("/furniture/orders/FW1/sheets/1.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg") and "FW1-" in svg.text
    assert t.get("/furniture/orders/FW1/sheets/99.svg").status_code == 404
    saw = t.get("/furniture/orders/FW1/saw.csv").content.decode("utf-8-sig")
    assert saw.startswith("sheet_no,stock,material,part_id") and "FW1-C01-01" in saw
    zpl = t.get("/furniture/orders/FW1/labels.zpl").text
    assert zpl.count("^XA") == len(parts)
    z = zipfile.ZipFile(io.BytesIO(t.get("/furniture/orders/FW1/boring.zip").content))
    assert "FW1-C01-01.dxf" in z.namelist() and "FW1-X001.dxf" not in z.namelist()

    def scan(part: str, station: str) -> Any:
        return t.post("/furniture/scans", {"part_id": part, "station": station})

    assert scan("FW1-X001", tracking.SAW).status_code == 201
    dup = scan("FW1-X001", tracking.SAW)
    assert dup.status_code == 200 and dup.json()["outcome"] == "duplicate"
    wrong = scan("FW1-X001", tracking.BORE)
    assert wrong.status_code == 409 and "does not go to CNC boring" in wrong.json()["detail"]
    assert scan("NOPE", tracking.SAW).status_code == 404
    board = t.ok(t.get("/furniture/orders/FW1/board"))
    assert board["per_station"][tracking.SAW] == 1 and not board["complete"]
    events = t.ok(t.get("/events?type=part.scanned"))
    items = events["items"] if isinstance(events, dict) else events
    assert [e["payload"]["part_id"] for e in items] == ["FW1-X001"]  # the duplicate was not counted


def test_pages(tenant: Tenant, client: TestClient) -> None:
    t = tenant
    t.ok(t.post("/furniture/orders", {**ORDER, "code": "FW3", "parts": []}), 201)
    web_login(client, t)
    r = client.get("/furniture")
    assert r.status_code == 200 and "가구 주문" in r.text and "FW3" in r.text
    hx = {"HX-Request": "true"}
    form = {"due_date": "2026-12-24", "customer": "웹 고객", "kind_0": "wall", "qty_0": "2", "width_0": "500"}
    r = client.post("/furniture/orders", data=form, headers=hx)
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/furniture/orders/FO")
    r = client.post(
        "/furniture/orders",
        data={"due_date": "2026-12-24", "kind_0": "wall", "qty_0": "1", "width_0": "5000"},
        headers=hx,
    )
    assert r.status_code == 422 and "width" in r.text
    page = client.get("/furniture/orders/FW3")
    assert page.status_code == 200 and "아직 재단 계획이 없습니다" in page.text
    assert client.post("/furniture/orders/FW3/plan").status_code == 403  # not from the page
    planned = client.post("/furniture/orders/FW3/plan", headers=hx)
    assert planned.status_code == 200 and planned.text.count("<svg") >= 2 and "수율" in planned.text
    board = client.get("/furniture/orders/FW3/board")
    assert board.status_code == 200 and "추적 현황판" in board.text
    ok = client.post(
        "/furniture/orders/FW3/scan", data={"part_id": "FW3-C01-01", "station": "WC-SAW"}, headers=hx
    )
    assert ok.status_code == 200 and "재단 완료" in ok.text
    again = client.post(
        "/furniture/orders/FW3/scan", data={"part_id": "FW3-C01-01", "station": "WC-SAW"}, headers=hx
    )
    assert again.status_code == 200 and "이미" in again.text
    wrong = client.post(
        "/furniture/orders/FW3/scan", data={"part_id": "FW3-C01-01", "station": "WC-PACK"}, headers=hx
    )
    assert wrong.status_code == 409 and "먼저" in wrong.text
    assert client.get("/furniture/orders/NOPE").status_code == 404


def test_same_cabinets_in_a_second_order_reuse_their_item(tenant: Tenant) -> None:
    t = tenant
    first = t.ok(t.post("/furniture/orders", {**ORDER, "code": "FR1", "parts": []}), 201)
    second = t.ok(t.post("/furniture/orders", {**ORDER, "code": "FR2", "parts": []}), 201)
    assert first["parts"] == second["parts"]
    items = t.ok(t.get("/masterdata/items?q=CAB-WALL"))
    rows = items["items"] if isinstance(items, dict) else items
    assert len([i for i in rows if i["code"].startswith("CAB-WALL-400x720x320")]) == 1
