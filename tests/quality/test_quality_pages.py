"""Quality on the pages: an inspector types the measurements into the inspection page's grid; a value
out of the limits fails the lot, which is held with an NCR; the NCR page records the disposition."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import Tenant, build_plant
from tests.web.helpers import web_login

HX = {"HX-Request": "true"}


def receive(t: Tenant, lot: str, quantity: int) -> None:
    t.ok(
        t.post(
            "/events",
            {
                "type": "inventory.received",
                "payload": {"item": "PB-18", "lot": lot, "quantity": quantity, "location": "WH-RAW"},
            },
        ),
        201,
    )


def test_measurements_from_the_page_fail_a_lot_and_the_ncr_is_dispositioned(app: Any, tenant: Tenant) -> None:
    t = tenant
    build_plant(t)
    t.ok(
        t.put(
            "/quality/plans",
            {
                "code": "QP-PB-T",
                "item": "PB-18",
                "stage": "incoming",
                "aql": 2.5,
                "characteristics": [
                    {"name": "두께", "nominal": 18.0, "lower": 17.7, "upper": 18.3, "unit": "mm"}
                ],
            },
        )
    )
    receive(t, "PB-PAGE", 40)
    insp = t.ok(t.post("/quality/inspections", {"lot": "PB-PAGE", "plan": "QP-PB-T"}), 201)
    n = insp["sample_size"]
    web = TestClient(app)
    web_login(web, t)
    page = web.get(f"/quality/inspections/{insp['code']}")
    assert page.status_code == 200 and "검사 결과 입력" in page.text and f'name="m|두께|{n}"' in page.text
    # a typo names the cell and stores nothing
    bad = web.post(
        f"/quality/inspections/{insp['code']}/actions/results", data={"m|두께|1": "18,0x"}, headers=HX
    )
    assert bad.status_code == 422 and "두께 #1" in bad.text
    assert t.ok(t.get(f"/quality/inspections/{insp['code']}"))["result"] == "open"
    values = {f"m|두께|{i}": "18.02" for i in range(1, n + 1)} | {"m|두께|2": "18,45"}  # a decimal comma too
    r = web.post(f"/quality/inspections/{insp['code']}/actions/results", data=values, headers=HX)
    assert r.status_code == 200 and "불합격" in r.text
    done = t.ok(t.get(f"/quality/inspections/{insp['code']}"))
    assert done["result"] == "failed" and done["nonconforming"] == 1
    [ncr] = [x for x in t.ok(t.get("/quality/ncrs", params={"status": "open"})) if x["lot"] == "PB-PAGE"]
    assert [h["lot"] for h in t.ok(t.get("/quality/holds"))] == ["PB-PAGE"]
    r = web.post(f"/quality/ncrs/{ncr['code']}/actions/disposition", data={}, headers=HX)
    assert r.status_code == 422 and "disposition" in r.text
    r = web.post(
        f"/quality/ncrs/{ncr['code']}/actions/disposition", data={"disposition": "rework"}, headers=HX
    )
    assert r.status_code == 200 and "처리 결정을 기록했습니다" in r.text
    assert t.ok(t.get("/quality/ncrs", params={"status": "open"})) == []
    assert (
        web.post(
            f"/quality/ncrs/{ncr['code']}/actions/disposition", data={"disposition": "scrap"}
        ).status_code
        == 403
    )


def test_a_count_of_nonconforming_items_passes_a_lot(app: Any, tenant: Tenant) -> None:
    t = tenant
    build_plant(t)
    t.ok(t.put("/quality/plans", {"code": "QP-PB-C", "item": "PB-18", "stage": "incoming", "aql": 2.5}))
    receive(t, "PB-COUNT", 40)
    insp = t.ok(t.post("/quality/inspections", {"lot": "PB-COUNT", "plan": "QP-PB-C"}), 201)
    web = TestClient(app)
    web_login(web, t)
    r = web.post(
        f"/quality/inspections/{insp['code']}/actions/results", data={"nonconforming": "0"}, headers=HX
    )
    assert r.status_code == 200 and "합격" in r.text
    assert t.ok(t.get(f"/quality/inspections/{insp['code']}"))["result"] == "passed"


def test_a_lot_on_hold_cannot_be_consumed(tenant: Tenant) -> None:
    t = tenant
    build_plant(t)
    receive(t, "PB-HOLD", 10)
    t.ok(
        t.post(
            "/work-orders", {"code": "WO-HOLD", "item": "CAB-600", "quantity": 5, "due_date": "2026-12-01"}
        ),
        201,
    )
    t.ok(t.post("/work-orders/WO-HOLD/release"))
    t.ok(t.post("/quality/lots/PB-HOLD/hold", {"reason": "함수율 초과 의심"}))
    consume = {
        "type": "material.consumed",
        "work_order": "WO-HOLD",
        "payload": {"item": "PB-18", "lot": "PB-HOLD", "quantity": 2, "location": "WH-RAW"},
    }
    r = t.post("/events", consume)
    assert r.status_code == 422
    [problem] = r.json()["errors"]
    assert (
        problem["field"] == "payload.lot" and "PB-HOLD" in problem["reason"] and "함수율" in problem["reason"]
    )
    assert t.ok(t.get("/stock", params={"lot": "PB-HOLD"}))[0]["quantity"] == 10  # nothing consumed
    t.ok(t.post("/quality/lots/PB-HOLD/release", {"reason": "재측정 8%"}))
    t.ok(t.post("/events", consume), 201)
