"""발주·입고 and 원가 on the pages: a work order held for panel stock shows as a shortage; the page
proposes the purchase order, orders it, and records the receipt line by line, which releases the work
order; the cost page lists standard against actual per unit."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import Tenant, build_plant
from tests.web.helpers import web_login

HX = {"HX-Request": "true"}


def test_shortage_proposal_order_and_receipt_from_the_pages(app: Any, tenant: Tenant) -> None:
    t = tenant
    build_plant(t)
    t.ok(t.post("/purchasing/suppliers", {"code": "SUP-PB", "name": "동화 판재", "lead_time_days": 3}), 201)
    t.ok(t.put("/purchasing/suppliers/SUP-PB/items", {"item": "PB-18", "price": 12000}))
    t.ok(
        t.post(
            "/work-orders", {"code": "WO-PUR", "item": "CAB-600", "quantity": 10, "due_date": "2026-12-20"}
        ),
        201,
    )
    edge = {"item": "EDGE-1", "lot": "EDGE-L1", "quantity": 100, "location": "WH-RAW"}
    t.ok(t.post("/events", {"type": "inventory.received", "payload": edge}), 201)  # edge band is there
    assert t.post("/purchasing/work-orders/WO-PUR/release").status_code == 409  # no panel stock at all
    web = TestClient(app)
    web_login(web, t)
    page = web.get("/purchasing")
    assert (
        page.status_code == 200
        and "자재 부족" in page.text
        and "PB-18" in page.text
        and "WO-PUR" in page.text
    )
    assert web.post("/purchasing/actions/propose").status_code == 403  # not from the page
    r = web.post("/purchasing/actions/propose", headers=HX)
    assert r.status_code == 200 and "발주 제안 1건" in r.text
    [po] = t.ok(t.get("/purchasing/orders"))
    assert po["status"] == "proposed" and po["lines"][0]["item"] == "PB-18"
    code, need = po["code"], po["lines"][0]["quantity"]
    r = web.post(f"/purchasing/orders/{code}/actions/place", headers=HX)
    assert r.status_code == 200 and "공급업체에 발주했습니다" in r.text
    bad = web.post(
        f"/purchasing/orders/{code}/actions/receive",
        data={"lot-1": "", "qty-1": "abc", "loc-1": "WH-RAW"},
        headers=HX,
    )
    assert bad.status_code == 422 and "lines.0" in bad.text
    assert t.ok(t.get(f"/purchasing/orders/{code}"))["lines"][0]["received"] == 0
    r = web.post(
        f"/purchasing/orders/{code}/actions/receive",
        data={"lot-1": "PB-PAGE-1", "qty-1": str(need).replace(".", ","), "loc-1": "WH-RAW"},
        headers=HX,
    )
    assert r.status_code == 200 and "입고를 기록했습니다" in r.text and "WO-PUR" in r.text
    assert t.ok(t.get("/work-orders/WO-PUR"))["status"] == "released"
    assert t.ok(t.get("/purchasing/blocked")) == []
    costs = web.get("/costing")
    assert costs.status_code == 200 and "원가" in costs.text
    detail = web.get("/costing/work-orders/WO-PUR")
    assert detail.status_code == 200 and "단위당" in detail.text
