"""The delivery note and the certificate as PDF (WeasyPrint with the Korean font stack)."""

from __future__ import annotations

import pytest
from tests.conftest import Tenant, build_plant


@pytest.mark.slow
def test_pdf_documents(tenant: Tenant) -> None:
    t = tenant
    build_plant(t)
    t.ok(t.post("/sales/customers", {"code": "C1", "name": "한빛 가구"}), 201)
    t.ok(
        t.put(
            "/quality/plans",
            {
                "code": "QP",
                "item": "CAB-600",
                "stage": "final",
                "aql": 6.5,
                "characteristics": [{"name": "폭", "lower": 599, "upper": 601}],
            },
        )
    )
    t.ok(
        t.post(
            "/events",
            {
                "type": "inventory.received",
                "payload": {"item": "CAB-600", "lot": "FG-9", "quantity": 5, "location": "WH-FG"},
            },
        ),
        201,
    )
    insp = t.ok(t.post("/quality/inspections", {"lot": "FG-9", "plan": "QP"}), 201)
    ms = [{"characteristic": "폭", "sample_no": i, "value": 600} for i in (1, 2)]
    t.ok(t.post(f"/quality/inspections/{insp['code']}/results", {"measurements": ms}))
    line = {"item": "CAB-600", "quantity": 5, "unit_price": 150000, "requested_date": "2026-12-20"}
    t.ok(
        t.post(
            "/sales/orders", {"code": "SO-9", "customer": "C1", "order_date": "2026-11-20", "lines": [line]}
        ),
        201,
    )
    t.ok(
        t.post(
            "/sales/orders/SO-9/shipments",
            {"code": "SH-9", "lines": [{"line": 1, "lot": "FG-9", "location": "WH-FG", "quantity": 5}]},
        ),
        201,
    )
    for url in ("/sales/shipments/SH-9/delivery-note", "/quality/lots/FG-9/certificate"):
        r = t.get(url)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(b"%PDF")
