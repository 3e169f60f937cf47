"""Suppliers: the registry with solutions and past builds in the region (linked to the center's firms),
and an application's quotes compared side by side with the government share the program allows."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.center.center_setup import business_number, firm_body, problem_fields
from tests.conftest import Tenant

from jejo.center import applications
from jejo.center.access import get_firm
from jejo.center.schemas import ApplicationIn
from jejo.core.runtime import Runtime


def test_registry_and_quotes_side_by_side(tenant: Tenant, runtime: Runtime) -> None:
    t = tenant
    past = t.ok(t.post("/center/firms", firm_body(name="나누리가구", sigungu="포천시")), 201)
    s1, s2 = business_number(), business_number()
    t.ok(
        t.put(
            "/center/suppliers",
            {
                "business_number": s1,
                "name": "북부솔루션",
                "sigungu": "의정부시",
                "capability_level": 3,
                "pool_registered": True,
            },
        )
    )
    t.ok(
        t.put(
            "/center/suppliers",
            {"business_number": s2, "name": "저가MES", "sigungu": "수원시", "capability_level": 1},
        )
    )
    bad = t.put("/center/suppliers", {"business_number": "111-11-11111", "name": "x"})
    assert bad.status_code == 422 and problem_fields(bad) == {"business_number"}
    sup = t.ok(t.post(f"/center/suppliers/{s1}/solutions", {"name": "FurniMES", "category": "MES"}), 201)
    sup = t.ok(
        t.post(
            f"/center/suppliers/{s1}/builds",
            {
                "firm_name": "나누리가구",
                "firm_business_number": past["business_number"],
                "year": 2024,
                "program": "가구 스마트제조공정시스템",
                "level_achieved": "중간1",
            },
        ),
        201,
    )
    assert sup["builds"][0]["firm_id"] == past["id"] and sup["builds"][0]["sigungu"] == "포천시"
    assert sup["region_builds"] == 1 and sup["solutions"][0]["name"] == "FurniMES"

    f = t.ok(t.post("/center/firms", firm_body()), 201)
    with runtime.transaction() as s:
        app = applications.create_application(
            s,
            get_firm(s, t.company_id, f["id"]),
            ApplicationIn(program="SF-LEAD", year=2026),
            "kim",
            datetime(2025, 12, 10, tzinfo=UTC),
        )
        app_id = str(app.id)
    t.ok(
        t.post(
            f"/center/applications/{app_id}/quotes",
            {
                "supplier_business_number": s1,
                "amount_krw": 480_000_000,
                "duration_months": 9,
                "solutions": ["FurniMES"],
            },
        ),
        201,
    )
    rows = t.ok(
        t.post(
            f"/center/applications/{app_id}/quotes",
            {"supplier_business_number": s2, "amount_krw": 300_000_000, "duration_months": 11},
        ),
        201,
    )
    assert [r["supplier"] for r in rows] == ["저가MES", "북부솔루션"]  # cheapest first
    cheap, north = rows
    assert cheap["government_krw"] == 150_000_000 and cheap["company_krw"] == 150_000_000  # 50 %
    assert north["government_krw"] == 200_000_000  # capped at 2억 per round
    assert [n["text"] for n in cheap["notes"]] == ["duration 11 months exceeds 9"]
    assert north["region_builds"] == 1 and north["region_levels"] == ["중간1"] and cheap["region_builds"] == 0
    r = t.post(
        f"/center/applications/{app_id}/quotes",
        {"supplier_business_number": business_number(), "amount_krw": 1},
    )
    assert r.status_code == 422 and problem_fields(r) == {"supplier_business_number"}
