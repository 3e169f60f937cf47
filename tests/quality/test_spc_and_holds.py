"""I-MR limits, and holds/dispositions through the API: scrap takes the stock out and releases the hold."""

from __future__ import annotations

import pytest
from tests.conftest import Tenant, build_plant

from jejo.quality.spc import imr


def test_imr_limits() -> None:
    lim = imr([10.0, 12.0, 11.0, 13.0, 30.0])
    assert lim is not None
    assert lim.mean == pytest.approx(15.2)
    assert lim.mr_mean == pytest.approx((2 + 1 + 2 + 17) / 4)
    assert lim.ucl == pytest.approx(15.2 + 2.66 * 5.5)
    assert imr([1.0]) is None


def test_incoming_inspection_failure_scrap_and_manual_hold(tenant: Tenant) -> None:
    t = tenant
    build_plant(t)
    t.ok(t.put("/quality/plans", {"code": "QP-PB", "item": "PB-18", "stage": "incoming", "aql": 2.5}))
    t.ok(
        t.post(
            "/events",
            {
                "type": "inventory.received",
                "payload": {"item": "PB-18", "lot": "PB-X", "quantity": 40, "location": "WH-RAW"},
            },
        ),
        201,
    )
    insp = t.ok(t.post("/quality/inspections", {"lot": "PB-X", "plan": "QP-PB"}), 201)
    # a lot of 40 at level II is D (8), but AQL 2.5 points up to C: 5 pieces, accept 0
    assert (insp["lot_size"], insp["code_letter"], insp["sample_size"], insp["accept"]) == (40, "D", 5, 0)
    r = t.post(f"/quality/inspections/{insp['code']}/results", {"nonconforming": 1})
    done = t.ok(r)
    assert done["result"] == "failed"
    [ncr] = t.ok(t.get("/quality/ncrs", params={"status": "open"}))
    assert ncr["lot"] == "PB-X" and ncr["inspection"] == insp["code"]
    r = t.post(f"/quality/inspections/{insp['code']}/results", {"nonconforming": 0})
    assert r.status_code == 409  # an inspection is decided once
    t.ok(t.post(f"/quality/ncrs/{ncr['code']}/disposition", {"disposition": "return_to_supplier"}))
    assert t.ok(t.get("/stock", params={"lot": "PB-X"})) == []
    assert t.ok(t.get("/quality/holds")) == []
    # a manual hold and release
    t.ok(
        t.post(
            "/events",
            {
                "type": "inventory.received",
                "payload": {"item": "PB-18", "lot": "PB-Y", "quantity": 5, "location": "WH-RAW"},
            },
        ),
        201,
    )
    t.ok(t.post("/quality/lots/PB-Y/hold", {"reason": "습기 의심"}))
    assert t.post("/quality/lots/PB-Y/release", {"reason": ""}).status_code == 422
    t.ok(t.post("/quality/lots/PB-Y/release", {"reason": "함수율 8% 확인"}))
    assert t.post("/quality/lots/PB-Y/release", {"reason": "again"}).status_code == 409
    assert t.get("/quality/lots/NOPE/hold").status_code == 405
    assert t.post("/quality/lots/NOPE/hold", {"reason": "x"}).status_code == 404
