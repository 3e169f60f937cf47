"""The plant's day end to end through the API: a sales order → a make-to-order work order blocked for
want of panel stock → MRP proposal → receipt releases it → production with labour bookings → final
inspection (one lot fails, is held, reworked, passes) → partial shipments → a return; then the delivery
and sales figures, the cost per unit and "which customers got lots made from this panel lot", each
against values computed by hand (in the comments)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Tenant, build_plant

from jejo.core.timeutil import to_local, utcnow


def setup_sales(t: Tenant) -> None:
    ok = t.ok
    ok(t.post("/masterdata/locations", {"code": "WH-RET", "name": "반품 창고"}), 201)
    ok(
        t.post(
            "/sales/customers",
            {"code": "HANSAM-DL", "name": "한빛 가구 대리점", "business_number": "123-45-67890"},
        ),
        201,
    )
    ok(t.post("/purchasing/suppliers", {"code": "SUP-PB", "name": "동화 판재", "lead_time_days": 3}), 201)
    ok(t.put("/purchasing/suppliers/SUP-PB/items", {"item": "PB-18", "price": 12000}))
    for item, price in (("PB-18", 11000), ("EDGE-1", 300)):
        ok(t.put("/costing/prices", {"item": item, "price": price}))
    for wc, machine, labour in (("WC-SAW", 30000, 24000), ("WC-EDGE", 20000, 18000), ("WC-ASM", 0, 20000)):
        ok(t.put("/costing/rates", {"work_center": wc, "machine_rate": machine, "labour_rate": labour}))
    ok(
        t.put(
            "/quality/plans",
            {
                "code": "QP-CAB-FINAL",
                "item": "CAB-600",
                "stage": "final",
                "level": "II",
                "aql": 6.5,
                "characteristics": [{"name": "폭", "nominal": 600, "lower": 599, "upper": 601, "unit": "mm"}],
            },
        )
    )


def receive(t: Tenant, item: str, lot: str, qty: float, location: str, at: str) -> None:
    payload = {"item": item, "lot": lot, "quantity": qty, "location": location}
    t.ok(t.post("/events", {"type": "inventory.received", "occurred_at": at, "payload": payload}), 201)


def inspect(t: Tenant, lot: str, widths: list[float]) -> dict[str, Any]:
    insp = t.ok(t.post("/quality/inspections", {"lot": lot, "plan": "QP-CAB-FINAL"}), 201)
    ms = [{"characteristic": "폭", "sample_no": i + 1, "value": w} for i, w in enumerate(widths)]
    return t.ok(t.post(f"/quality/inspections/{insp['code']}/results", {"measurements": ms}))


def test_order_to_shipment_and_return(tenant: Tenant) -> None:
    t = tenant
    build_plant(t)
    setup_sales(t)

    # -- the order: line 1 made to order, line 2 from stock -----------------------------------------
    order = t.ok(
        t.post(
            "/sales/orders",
            {
                "code": "SO-1",
                "customer": "HANSAM-DL",
                "order_date": "2026-11-02",
                "customer_ref": "HB-PO-7781",
                "lines": [
                    {
                        "item": "CAB-600",
                        "quantity": 10,
                        "unit_price": 150000,
                        "requested_date": "2026-11-20",
                        "promised_date": "2026-11-18",
                    },
                    {
                        "item": "CAB-600",
                        "quantity": 4,
                        "unit_price": 155557,
                        "requested_date": "2026-11-10",
                        "fulfilment": "stock",
                    },
                ],
            },
        ),
        201,
    )
    # 10 × 150,000 = 1,500,000 (VAT 150,000); 4 × 155,557 = 622,228 (VAT 62,222.8 → 62,222, cut off)
    assert (order["supply"], order["vat"], order["total"]) == (2_122_228, 212_222, 2_334_450)
    assert order["lines"][1]["vat"] == 62_222

    wos = t.ok(t.post("/sales/orders/SO-1/work-orders"), 201)
    assert len(wos) == 1 and wos[0]["quantity"] == 10
    wo = wos[0]["code"]
    assert t.ok(t.post("/sales/orders/SO-1/work-orders"), 201) == []  # one per line, not two
    assert t.ok(t.get("/sales/orders/SO-1"))["lines"][0]["work_orders"][0]["code"] == wo

    # -- material: edge band is there, panel stock is short -----------------------------------------
    receive(t, "EDGE-1", "EDGE-L1", 100, "WH-RAW", "2026-11-03T00:00:00Z")
    receive(t, "PB-18", "PB-L1", 5, "WH-RAW", "2026-11-03T00:00:00Z")
    receive(t, "CAB-600", "FG-OLD", 4, "WH-FG", "2026-11-03T00:00:00Z")
    atp = t.ok(t.get("/sales/atp/CAB-600"))  # 4 in stock + 10 planned − 14 ordered
    assert (atp["on_hand"], atp["planned_production"], atp["committed"], atp["available_to_promise"]) == (
        4,
        10,
        14,
        0,
    )
    # the order needs 20 side panels (none in stock) → 20 × 0.42 × 1.1 = 9.24 m² of PB-18; 5 on hand
    r = t.post(f"/purchasing/work-orders/{wo}/release")
    assert r.status_code == 409, r.text
    assert "blocked for want of material" in r.json()["detail"] and "PB-18 4.24" in r.json()["detail"]
    assert [b["work_order"] for b in t.ok(t.get("/purchasing/blocked"))] == [wo]
    assert t.ok(t.get(f"/work-orders/{wo}"))["status"] == "planned"

    shortages = {s["item"]: s for s in t.ok(t.get("/purchasing/shortages"))}
    assert set(shortages) == {"PB-18"} and shortages["PB-18"]["quantity"] == pytest.approx(4.24)
    proposal = t.ok(t.post("/purchasing/proposals", {"confirm": True}), 201)
    [po] = proposal["purchase_orders"]
    assert po["supplier"] == "SUP-PB" and po["status"] == "proposed"
    assert po["lines"] == [{"line": 1, "item": "PB-18", "quantity": 4.24, "unit_price": 12000, "received": 0}]
    assert t.ok(t.get("/purchasing/shortages")) == []  # covered by what is on order
    t.ok(t.post(f"/purchasing/orders/{po['code']}/place"))
    got = t.ok(
        t.post(
            f"/purchasing/orders/{po['code']}/receipts",
            {
                "received_at": "2026-11-05T01:00:00Z",
                "lines": [{"line": 1, "lot": "PB-L2", "quantity": 4.24, "location": "WH-RAW"}],
            },
        ),
        201,
    )
    assert got["released_work_orders"] == [wo] and got["status"] == "received"
    assert t.ok(t.get(f"/work-orders/{wo}"))["status"] == "released"
    assert t.ok(t.get("/purchasing/blocked")) == []

    # -- production, with time booked ------------------------------------------------------------------
    floor: list[dict[str, Any]] = []
    for seq in (10, 20, 30):
        start = {"seq": seq, "equipment": "PC-SAW-01"} if seq == 10 else {"seq": seq}
        floor.append({"type": "operation.started", "work_order": wo, "payload": start})
        floor.append({"type": "quantity.reported", "work_order": wo, "payload": {"seq": seq, "good": 10}})
        floor.append({"type": "operation.completed", "work_order": wo, "payload": {"seq": seq}})
    for item, lot, qty in (("PB-18", "PB-L1", 5), ("PB-18", "PB-L2", 4.24), ("EDGE-1", "EDGE-L1", 33.6)):
        floor.append(
            {
                "type": "material.consumed",
                "work_order": wo,
                "payload": {"item": item, "lot": lot, "quantity": qty, "location": "WH-RAW"},
            }
        )
    for lot, qty in (("FG-1", 6), ("FG-2", 4)):
        floor.append(
            {
                "type": "lot.produced",
                "work_order": wo,
                "payload": {"item": "CAB-600", "lot": lot, "quantity": qty, "location": "WH-FG"},
            }
        )
    t.ok(t.post("/events/batch", {"events": floor}), 201)
    t.ok(t.post("/costing/clock-in", {"operator": "KIM", "work_center": "WC-SAW"}), 201)
    assert [c["operator"] for c in t.ok(t.get("/costing/clocked-in"))] == ["KIM"]
    for op, seq, labour, machine in (("KIM", 10, 60, 45), ("LEE", 20, 30, 30), ("PARK", 30, 120, 0)):
        t.ok(
            t.post(
                "/costing/bookings",
                {
                    "operator": op,
                    "work_order": wo,
                    "seq": seq,
                    "labour_minutes": labour,
                    "machine_minutes": machine,
                },
            ),
            201,
        )
    t.ok(t.post("/costing/clock-out", {"operator": "KIM"}), 201)
    assert t.ok(t.get("/costing/clocked-in")) == []
    cost = t.ok(t.get(f"/costing/work-orders/{wo}"))
    # material: 5 × 11,000 (standard: PB-L1 came without a PO) + 4.24 × 12,000 (PO price) + 33.6 × 300
    #         = 55,000 + 50,880 + 10,080 = 115,960
    # labour: 1 h × 24,000 + 0.5 h × 18,000 + 2 h × 20,000 = 73,000
    # machine: 0.75 h × 30,000 + 0.5 h × 20,000 = 32,500;  total 221,460 for 10 good → 22,146 a unit
    assert cost["actual"] == {
        "material": 115_960,
        "labour": 73_000,
        "machine": 32_500,
        "total": 221_460,
        "quantity": 10,
        "per_unit": 22_146,
    }
    # standard: 9.24 m² PB-18 (via the side panel's BOM) × 11,000 + 33.6 m × 300 = 101,640 + 10,080
    assert cost["standard"]["material"] == 111_720

    # -- final inspection: FG-1 fails and is held; FG-2 passes -----------------------------------------
    failed = inspect(t, "FG-1", [600.2, 601.5])  # lot 6, level II → A: 2 samples, Ac 0 at AQL 6.5
    assert (failed["code_letter"], failed["sample_size"], failed["accept"]) == ("A", 2, 0)
    assert failed["result"] == "failed" and failed["nonconforming"] == 1
    assert inspect(t, "FG-2", [600.1, 599.8])["result"] == "passed"
    [hold] = t.ok(t.get("/quality/holds"))
    assert hold["lot"] == "FG-1" and hold["inspection"] == failed["code"]

    # shipping the held lot is refused, with a message that says why
    r = t.post(
        "/sales/orders/SO-1/shipments",
        {"lines": [{"line": 1, "lot": "FG-1", "location": "WH-FG", "quantity": 6}]},
    )
    assert r.status_code == 409, r.text
    assert r.json()["detail"].startswith("lot FG-1 is on quality hold (failed final inspection")
    assert "cannot be shipped until it is released" in r.json()["detail"]

    # rework: still held until a re-inspection passes
    ncr = t.ok(t.post(f"/quality/ncrs/{hold['ncr']}/disposition", {"disposition": "rework"}))
    assert ncr["status"] == "closed" and ncr["disposition"] == "rework"
    assert [h["lot"] for h in t.ok(t.get("/quality/holds"))] == ["FG-1"]
    assert inspect(t, "FG-1", [600.0, 600.3])["result"] == "passed"
    assert t.ok(t.get("/quality/holds")) == []
    spc = t.ok(t.get("/quality/spc", params={"item": "CAB-600", "characteristic": "폭"}))
    assert len(spc["points"]) == 6 and spc["limits"]["mean"] == pytest.approx(3601.9 / 6)

    # -- deliveries: stock line on 9 Nov; the made line in two parts, the second late -----------------
    ship = t.ok(
        t.post(
            "/sales/orders/SO-1/shipments",
            {
                "code": "SH-1",
                "shipped_at": "2026-11-09T10:00:00+09:00",
                "lines": [{"line": 2, "lot": "FG-OLD", "location": "WH-FG", "quantity": 4}],
            },
        ),
        201,
    )
    assert (ship["supply"], ship["vat"]) == (622_228, 62_222)
    t.ok(
        t.post(
            "/sales/orders/SO-1/shipments",
            {
                "code": "SH-2",
                "shipped_at": "2026-11-17T10:00:00+09:00",
                "lines": [{"line": 1, "lot": "FG-2", "location": "WH-FG", "quantity": 4}],
            },
        ),
        201,
    )
    r = t.post(
        "/sales/orders/SO-1/shipments",
        {"lines": [{"line": 1, "lot": "FG-1", "location": "WH-FG", "quantity": 7}]},
    )
    assert r.status_code == 422  # more than the line has left (6) and more than the lot holds (6)
    # 23:30 UTC on 18 Nov is 08:30 on 19 Nov in Seoul: a day after the promise
    t.ok(
        t.post(
            "/sales/orders/SO-1/shipments",
            {
                "code": "SH-3",
                "shipped_at": "2026-11-18T23:30:00Z",
                "lines": [{"line": 1, "lot": "FG-1", "location": "WH-FG", "quantity": 6}],
            },
        ),
        201,
    )
    so = t.ok(t.get("/sales/orders/SO-1"))
    assert so["status"] == "closed" and [ln["open"] for ln in so["lines"]] == [0, 0]
    assert t.ok(t.get("/stock", params={"item": "CAB-600"})) == []

    # -- a return ----------------------------------------------------------------------------------------
    r = t.post(
        "/sales/orders/SO-1/returns",
        {"lines": [{"line": 1, "lot": "FG-OLD", "location": "WH-RET", "quantity": 1, "reason": "x"}]},
    )
    assert r.status_code == 422  # FG-OLD went out on line 2, not line 1
    t.ok(
        t.post(
            "/sales/orders/SO-1/returns",
            {
                "code": "RT-1",
                "returned_at": "2026-11-21T09:00:00+09:00",
                "lines": [
                    {"line": 1, "lot": "FG-1", "location": "WH-RET", "quantity": 1, "reason": "도어 긁힘"}
                ],
            },
        ),
        201,
    )
    assert t.ok(t.get("/stock", params={"lot": "FG-1"})) == [
        {"item": "CAB-600", "lot": "FG-1", "location": "WH-RET", "quantity": 1}
    ]

    # -- the figures for November -----------------------------------------------------------------------
    f = t.ok(t.get("/sales/figures", params={"start": "2026-11-01", "end": "2026-11-30"}))
    # line 2 delivered 9 Nov (due 10 Nov, on time, 7 days); line 1 delivered 19 Nov (promised 18 Nov,
    # late, 17 days): on time 1/2, lead time (7 + 17) / 2 = 12 days
    assert (f["lines_delivered"], f["lines_on_time"], f["on_time_delivery_rate"]) == (2, 1, 0.5)
    assert f["lead_time_days"] == 12
    # 14 shipped, 1 returned
    assert (f["shipped_quantity"], f["returned_quantity"]) == (14, 1)
    assert f["return_rate"] == pytest.approx(1 / 14)
    # 622,228 + 600,000 + 900,000 = 2,122,228; VAT 62,222 + 60,000 + 90,000 = 212,222
    assert f["sales"] == {"supply": 2_122_228, "vat": 212_222, "total": 2_334_450}
    assert f["sales_by_month"] == {"2026-11": f["sales"]} and f["sales_by_item"] == {"CAB-600": f["sales"]}
    october = t.ok(t.get("/sales/figures", params={"start": "2026-10-01", "end": "2026-10-31"}))
    assert october["lines_delivered"] == 0 and october["on_time_delivery_rate"] is None

    # -- traceability: who got cabinets made from panel lot PB-L2? -----------------------------------
    down = t.ok(t.get("/lots/PB-L2/genealogy"))
    made = {n["lot"] for n in down["lots"]}
    assert made == {"FG-1", "FG-2"}
    got_it = t.ok(t.get("/sales/lots/customers", params={"lots": ",".join(sorted(made))}))
    assert {(c["customer"], c["lot"]) for c in got_it} == {("HANSAM-DL", "FG-1"), ("HANSAM-DL", "FG-2")}
    # …and who got cabinets made on the day the panel saw ran them (today, in Seoul)
    today = to_local(utcnow()).date().isoformat()
    traced = t.ok(t.get("/sales/trace", params={"equipment": "PC-SAW-01", "day": today}))
    assert traced["lots"] == ["FG-1", "FG-2"]
    assert {s["shipment"] for s in traced["shipments"]} == {"SH-2", "SH-3"}
    kinds = {e["type"] for e in t.ok(t.get("/events", params={"limit": 500}))["items"]}
    assert {
        "lot.shipped",
        "lot.returned",
        "inspection.recorded",
        "lot.held",
        "lot.released",
        "ncr.dispositioned",
        "purchase.received",
        "labour.booked",
        "labour.clocked_in",
    } <= kinds

    # -- documents: the delivery note of SH-3 and the certificate of FG-1 (HTML; PDF in test_documents) -
    note = t.get("/sales/shipments/SH-3/delivery-note", params={"format": "html"})
    assert (
        note.status_code == 200 and "거래명세서" in note.text and "₩990,000" in note.text
    )  # 900,000 + 90,000
    coa = t.get("/quality/lots/FG-1/certificate", params={"format": "html", "customer": "한빛 가구 대리점"})
    assert coa.status_code == 200 and "로트 합격" in coa.text and "한빛 가구 대리점" in coa.text
    assert t.get("/quality/lots/PB-L1/certificate", params={"format": "html"}).status_code == 409

    # -- the pages, in Korean ------------------------------------------------------------------------------
    c = t.client
    r = c.post(
        "/login",
        data={"company": t.code, "username": "admin", "password": t.password},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get("/sales/orders")
    assert (
        page.status_code == 200 and "수주" in page.text and "SO-1" in page.text and "₩2,334,450" in page.text
    )
    page = c.get("/sales/orders/SO-1")
    assert "출하 내역" in page.text and "SH-3" in page.text and wo in page.text and "도어 긁힘" in page.text
    page = c.get("/quality")
    assert "보류 중인 로트가 없습니다." in page.text and failed["code"] in page.text
    page = c.get(f"/quality/inspections/{failed['code']}")
    assert "샘플링 (KS Q ISO 2859-1)" in page.text and "불합격" in page.text
    assert c.get(f"/quality/ncrs/{hold['ncr']}").status_code == 200
    assert "조건에 맞는 보전 작업지시가 없습니다." in c.get("/maintenance/orders").text
    assert c.get("/sales/orders/NOPE").status_code == 404
