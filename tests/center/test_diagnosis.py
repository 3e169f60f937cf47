"""Level self-diagnosis: the versioned item bank (4 areas, 10 domains, 1,000 points, sources marked),
scores and the level from configured cut-offs, gaps and the next program, and answers pre-filled from
what jejo measures in the firm's own plant tenant, with the evidence linked."""

from __future__ import annotations

from datetime import timedelta

from tests.center.center_setup import firm_body, problem_fields
from tests.conftest import Tenant, build_plant

from jejo.center import diagnosis
from jejo.core.runtime import Runtime
from jejo.core.timeutil import utcnow
from jejo.telemetry.store import TagRegistry, write_samples


def test_item_bank_structure_and_levels() -> None:
    bank = diagnosis.load_bank()
    assert bank.version in diagnosis.bank_versions()
    assert [a["code"] for a in bank.areas] == ["strategy", "process", "system", "performance"]
    assert sum(a["points"] for a in bank.areas) == 1000 and len(bank.domains) == 10
    assert sum(i.points for i in bank.items) == 1000
    assert all(i.source == "jejo" and len(i.anchors) == 5 for i in bank.items)  # official items not public
    assert {i.area for i in bank.items if i.prefill} == {"system", "performance"}
    # the level comes from the configured cut-offs
    cut = {int(lv["level"]): float(lv["min"]) for lv in bank.levels}
    for level, low in cut.items():
        assert int(bank.level_for(low)["level"]) == level
        if level > 1:
            assert int(bank.level_for(low - 0.1)["level"]) == level - 1
    all3 = diagnosis.score(bank, {i.code: 3 for i in bank.items})
    assert all3["total"] == 600.0
    assert all3["areas"]["process"] == {"score": 240.0, "points": 400.0}
    assert diagnosis.score(bank, {i.code: 5 for i in bank.items})["total"] == 1000.0
    # N/A items are left out and their domain rescaled over the items answered
    some = {i.code: 4 for i in bank.items}
    first = next(i for i in bank.items if i.domain == "D02")
    some[first.code] = None
    s = diagnosis.score(bank, some)
    assert s["domains"]["D02"]["score"] == 48.0 and s["total"] == 800.0


def _plant_with_data(runtime: Runtime, plant: Tenant) -> None:
    build_plant(plant)
    now = utcnow()
    plant.ok(
        plant.post(
            "/work-orders", {"code": "WO-1", "item": "CAB-600", "quantity": 5, "due_date": "2026-12-31"}
        ),
        201,
    )
    plant.ok(plant.post("/work-orders/WO-1/release"))
    plant.ok(
        plant.post(
            "/events",
            {
                "type": "inventory.received",
                "occurred_at": (now - timedelta(days=1)).isoformat(),
                "payload": {"item": "PB-18", "lot": "RAW-1", "quantity": 50, "location": "WH-RAW"},
            },
        ),
        201,
    )
    with runtime.transaction() as s:  # the collector's writes for the saw (1 of 3 machines)
        conn = s.connection()
        ids = TagRegistry().ids(conn, plant.company_id, ["PC-SAW-01.total"])
        write_samples(conn, [(ids["PC-SAW-01.total"], int(now.timestamp() * 1000), 10.0, None)])
    plant.ok(
        plant.put(
            "/maintenance/plans",
            {
                "code": "PM-1",
                "name": "톱날",
                "equipment": "PC-SAW-01",
                "trigger": "counter",
                "interval": 1000,
            },
        )
    )


def test_diagnosis_prefilled_from_measured_data(
    tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    center, plant = tenant, other_tenant
    _plant_with_data(runtime, plant)
    f = center.ok(center.post("/center/firms", firm_body(plant_company=plant.code)), 201)
    d = center.ok(center.post(f"/center/firms/{f['id']}/diagnoses", {"respondent": "consultant"}), 201)
    pre = {a["item"]: a for a in d["answers"]}
    assert pre["Y01"]["rating"] == 4 and pre["Y01"]["prefilled"] and not pre["Y01"]["confirmed"]
    assert pre["Y06"]["rating"] == 2  # 1 of 3 machines sends data
    assert {"label": "machines with data collected automatically", "value": "1 / 3", "href": "/board"} in pre[
        "Y06"
    ]["evidence"]
    assert pre["Y05"]["rating"] == 4  # a counter-driven preventive plan
    assert "K01" not in pre  # no OEE hours yet: left to the person
    assert all(a["item"][0] in "YK" for a in d["answers"])  # only system/automation and performance

    # a firm without a plant tenant gets no pre-fill
    g = center.ok(center.post("/center/firms", firm_body()), 201)
    assert center.ok(center.post(f"/center/firms/{g['id']}/diagnoses", {}), 201)["answers"] == []

    # unknown item → error naming the row; missing items block completion
    bad = center.put(
        f"/center/diagnoses/{d['id']}/answers",
        {"answers": [{"item": "S01", "rating": 3}, {"item": "X99", "rating": 2}]},
    )
    assert bad.status_code == 422 and problem_fields(bad) == {"item"} and bad.json()["errors"][0]["row"] == 2
    early = center.post(f"/center/diagnoses/{d['id']}/complete")
    assert early.status_code == 422 and "items.S01" in problem_fields(early)

    bank = diagnosis.load_bank()
    answers = [{"item": i.code, "rating": 3} for i in bank.items if i.code not in pre]
    answers.append({"item": "P01", "rating": None, "note": "설계는 고객사 도면 사용"})
    center.ok(center.put(f"/center/diagnoses/{d['id']}/answers", {"answers": answers}))
    done = center.ok(center.post(f"/center/diagnoses/{d['id']}/complete"))
    assert done["status"] == "completed" and all(a["confirmed"] for a in done["answers"])
    expected = diagnosis.score(bank, {a["item"]: a["rating"] for a in done["answers"]})
    assert done["total"] == expected["total"]
    assert done["level"] == int(bank.level_for(expected["total"])["level"])
    assert done["gaps"][0]["missing"] >= done["gaps"][-1]["missing"]

    view = center.ok(center.get(f"/center/diagnoses/{d['id']}"))
    assert len(view["radar"]["indicators"]) == 10 and len(view["radar"]["values"]) == 10
    assert view["recommended"] and all("rules" in r for r in view["recommended"])
    firm = center.ok(center.get(f"/center/firms/{f['id']}"))
    assert firm["capability_level"] == done["level"] and firm["capabilities"][-1]["method"] == "self"
    # a completed diagnosis is fixed
    assert (
        center.put(
            f"/center/diagnoses/{d['id']}/answers", {"answers": [{"item": "S01", "rating": 5}]}
        ).status_code
        == 409
    )
