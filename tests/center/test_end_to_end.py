"""What a consultant does, end to end over the API: register a firm whose factory runs jejo, run the
level diagnosis (pre-filled from the plant's measured data), check eligibility for the 2026 programs with
reasons, apply, get a mentor proposed by the optimiser and confirm it, record the build guidance visits
and pass the mid-term check that needs them."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.center.center_setup import firm_body, login
from tests.center.test_applications import attach
from tests.center.test_diagnosis import _plant_with_data
from tests.conftest import Tenant

from jejo.center import applications, catalogue, diagnosis
from jejo.center.access import get_firm
from jejo.center.schemas import ApplicationIn
from jejo.core.runtime import Runtime


def test_consultant_end_to_end(tenant: Tenant, other_tenant: Tenant, runtime: Runtime) -> None:
    center, plant = tenant, other_tenant
    _plant_with_data(runtime, plant)
    kim = login(runtime, center, "kim", ["consultant"], "김컨설턴트")

    # 1. register the firm, with a prior build at 기초
    f = kim.ok(
        kim.post("/center/firms", firm_body(name="한빛가구", plant_company=plant.code, employees=26)), 201
    )
    kim.ok(
        kim.post(
            f"/center/firms/{f['id']}/builds",
            {"site": "포천 공장", "year": 2022, "level_target": "기초", "level_achieved": "기초"},
        ),
        201,
    )

    # 2. the diagnosis: measured answers come pre-filled, the consultant answers the rest
    d = kim.ok(kim.post(f"/center/firms/{f['id']}/diagnoses", {"respondent": "consultant"}), 201)
    pre = {a["item"] for a in d["answers"] if a["prefilled"]}
    assert {"Y01", "Y05", "Y06"} <= pre
    bank = diagnosis.load_bank()
    kim.ok(
        kim.put(
            f"/center/diagnoses/{d['id']}/answers",
            {"answers": [{"item": i.code, "rating": 3} for i in bank.items if i.code not in pre]},
        )
    )
    done = kim.ok(kim.post(f"/center/diagnoses/{d['id']}/complete"))
    view = kim.ok(kim.get(f"/center/diagnoses/{d['id']}"))
    assert view["level"] == done["level"] and view["recommended"]

    # 3. eligibility for every 2026 program, each rule with its reason (checked inside the 1st round)
    checks = {
        e["program"]: e
        for e in kim.ok(kim.get(f"/center/firms/{f['id']}/eligibility/2026?at=2025-12-20T01:00:00Z"))
    }
    assert set(checks) == {p.code for p in catalogue.load_catalogue(2026)}
    assert checks["SF-LEAD"]["eligible"] and checks["MFG-AI"]["eligible"]
    auto = {r["rule"]: r for r in checks["AUTONOMOUS"]["rules"]}
    assert not checks["AUTONOMOUS"]["eligible"] and "기초" in auto["prior_build"]["reason"]
    assert all(r["reason"] for e in checks.values() for r in e["rules"])

    # 4. the application (drafted in the window), submitted and selected
    with runtime.transaction() as s:
        app = applications.create_application(
            s,
            get_firm(s, center.company_id, f["id"]),
            ApplicationIn(program="SF-LEAD", year=2026, target_level="중간1"),
            "kim",
            datetime(2025, 12, 18, tzinfo=UTC),
        )
        app_id = str(app.id)
    for kind in catalogue.get_program(2026, "SF-LEAD").documents["draft"]:
        attach(center, app_id, kind)
    kim.ok(
        kim.post(
            f"/center/applications/{app_id}/transition", {"to": "submitted", "at": "2025-12-19T01:00:00Z"}
        )
    )
    kim.ok(kim.post(f"/center/applications/{app_id}/transition", {"to": "selected"}))
    kim.ok(kim.post(f"/center/applications/{app_id}/transition", {"to": "agreement"}))
    for kind in catalogue.get_program(2026, "SF-LEAD").documents["agreement"]:
        attach(center, app_id, kind)
    kim.ok(kim.post(f"/center/applications/{app_id}/transition", {"to": "build"}))

    # 5. a mentor from the optimiser, confirmed; four build guidance visits by the mentor
    mentor = login(runtime, center, "park", ["mentor"], "박멘토")
    kim.ok(
        kim.put(
            "/center/mentors",
            {
                "code": "M-PARK",
                "name": "박멘토",
                "expertise": ["MES"],
                "industries": ["32"],
                "sigungu": "포천시",
                "username": "park",
            },
        )
    )
    kim.ok(
        kim.put(
            "/center/mentors",
            {
                "code": "M-FAR",
                "name": "원거리",
                "expertise": ["ERP"],
                "industries": ["10"],
                "sigungu": "수원시",
            },
        )
    )
    props = kim.ok(
        kim.post(
            "/center/mentors/propose",
            {
                "requests": [
                    {"firm_id": f["id"], "stage": "build", "needs": ["MES"], "application_id": app_id}
                ]
            },
        )
    )
    assert props[0]["mentor"] == "M-PARK"
    kim.ok(kim.post(f"/center/assignments/{props[0]['id']}/confirm"))
    for n in range(1, 5):
        mentor.ok(
            mentor.post(
                f"/center/assignments/{props[0]['id']}/visits",
                {
                    "visited_at": f"2026-0{4 + n}-02T01:00:00Z",
                    "summary": f"구축지도 {n}/4",
                    "confirmed_by_firm": True,
                },
            ),
            201,
        )
    a = kim.ok(kim.post(f"/center/applications/{app_id}/transition", {"to": "mid_check"}))
    assert a["status"] == "mid_check" and a["build_visits"] == 4
