"""The planning API and pages: create, read, versions, re-plan, pin, machine down, sync with the event
log; tenant isolation and roles; the Gantt page's data and its htmx actions."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import Tenant
from tests.planning.test_plant import ORDERS, make_plant
from tests.web.helpers import PASSWORD, add_user, web_login

from jejo.core.runtime import Runtime
from jejo.planning import service as ps

HX = {"HX-Request": "true"}


def gantt_data(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="gantt-data">(.*?)</script>', html, re.S)
    assert m, "no Gantt data on the page"
    data: dict[str, Any] = json.loads(m.group(1))
    return data


def test_api_plan_versions_pin_down_and_sync(runtime: Runtime, tenant: Tenant, other_tenant: Tenant) -> None:
    t = tenant
    make_plant(t)
    bad = t.post("/planning/plans", {"time_limit": 0})
    assert bad.status_code == 422
    plan = t.ok(t.post("/planning/plans", {"code": "PLAN-A", "time_limit": 2}), 201)
    assert plan["code"] == "PLAN-A" and plan["current_version"] == 1
    ops = plan["plan"]["operations"]
    assert len(ops) == 3 * len(ORDERS)
    assert plan["plan"]["kpis"]["orders"] == len(ORDERS)
    assert t.post("/planning/plans", {"code": "PLAN-A", "time_limit": 1}).status_code == 409

    target = next(o for o in ops if o["work_order"] == "WO-P3" and o["seq"] == 10)
    pinned = t.ok(
        t.post(
            "/planning/plans/PLAN-A/pin",
            {"work_order": "WO-P3", "seq": 10, "equipment": target["equipment"], "time_limit": 2},
        ),
        201,
    )
    assert pinned["version"] == 2 and pinned["reason"] == "pin"
    assert any(o["pinned"] for o in pinned["operations"] if (o["work_order"], o["seq"]) == ("WO-P3", 10))
    wrong = t.post("/planning/plans/PLAN-A/pin", {"work_order": "WO-P3", "seq": 10, "equipment": "ASM-01"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "equipment"

    down = t.ok(
        t.post(
            "/planning/plans/PLAN-A/machine-down",
            {"equipment": "EB-01", "repair_minutes": 90, "time_limit": 2},
        ),
        201,
    )
    assert down["reason"] == "breakdown" and down["detail"]["repair_minutes"] == 90
    assert any(o["equipment"] == "EB-01" for o in down["outages"])
    assert t.post("/planning/plans/PLAN-A/machine-down", {"equipment": "NOPE"}).status_code == 422

    # a machine-state event from the floor (what the collector writes), then sync
    t.ok(
        t.post(
            "/events", {"type": "machine.state_changed", "payload": {"equipment": "ASM-01", "state": "down"}}
        ),
        201,
    )
    synced = t.ok(t.post("/planning/plans/PLAN-A/sync", {"time_limit": 2}))
    assert [v["detail"]["equipment"] for v in synced] == ["ASM-01"]
    assert t.ok(t.post("/planning/plans/PLAN-A/sync", {"time_limit": 2})) == []

    versions = t.ok(t.get("/planning/plans/PLAN-A/versions"))
    assert [v["version"] for v in versions] == [4, 3, 2, 1]
    assert [v["reason"] for v in versions] == ["breakdown", "breakdown", "pin", "created"]
    first = t.ok(t.get("/planning/plans/PLAN-A", params={"version": 1}))
    assert first["plan"]["version"] == 1
    assert [p["code"] for p in t.ok(t.get("/planning/plans"))] == ["PLAN-A"]
    with runtime.transaction() as s:
        for v in ps.get_plan(s, t.company_id, "PLAN-A").versions:
            assert ps.check_version(v) == []

    cap = t.ok(t.put("/planning/capabilities", {"equipment": "EB-01", "work_center": "WC-ASM", "speed": 0.5}))
    assert cap == {"equipment": "EB-01", "work_center": "WC-ASM", "speed": 0.5}

    # another company sees nothing
    assert other_tenant.get("/planning/plans/PLAN-A").status_code == 404
    assert other_tenant.get("/planning/plans").json() == []


def test_operators_read_but_do_not_plan(runtime: Runtime, tenant: Tenant, client: TestClient) -> None:
    make_plant(tenant, start_first=False)
    tenant.ok(tenant.post("/planning/plans", {"code": "PLAN-R", "time_limit": 1}), 201)
    add_user(runtime, tenant, "op1", ["operator"])
    web_login(client, tenant, "op1", PASSWORD)
    r = client.get("/planning/PLAN-R")
    assert r.status_code == 200 and "설비별 간트 차트" in r.text
    assert 'id="pin-form"' not in r.text
    r = client.post("/planning/PLAN-R/replan", headers=HX)
    assert r.status_code == 403
    r = client.post("/api/v1/planning/plans/PLAN-R/replan", json={}, headers={"X-Requested-With": "x"})
    assert r.status_code == 403


def test_gantt_page_and_its_actions(
    runtime: Runtime, tenant: Tenant, other_tenant: Tenant, client: TestClient
) -> None:
    make_plant(tenant)
    web_login(client, tenant)
    r = client.get("/planning")
    assert r.status_code == 200 and "아직 계획이 없습니다" in r.text
    r = client.post("/planning", headers=HX)
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/planning/PLAN-")
    code = r.headers["HX-Redirect"].rsplit("/", 1)[1]
    page = client.get("/planning")
    assert page.status_code == 200
    assert "생산계획" in page.text and code in page.text and 'aria-current="page">생산계획' in page.text
    data = gantt_data(page.text)
    assert data["machines"][:2] == ["PC-SAW-01", "PC-SAW-02"]
    assert {b["wo"] for b in data["bars"]} == set(ORDERS)
    assert {(b["wo"], b["seq"]) for b in data["bars"]} == {(w, s) for w in ORDERS for s in (10, 20, 30)}
    assert len(data["dues"]) == len(ORDERS)
    assert all(b["s"] <= b["e"] for b in data["bars"])

    # pin from the form (Seoul time), then a breakdown from the form, then a bad pin
    r = client.post(
        f"/planning/{code}/pin",
        data={"operation": "WO-P2/10", "equipment": "PC-SAW-02", "start": "2031-03-04T09:30"},
        headers=HX,
    )
    assert r.status_code == 204, r.text
    with runtime.transaction() as s:
        v = ps.get_version(ps.get_plan(s, tenant.company_id, code))
        op = next(o for o in v.operations if (o.work_order_code, o.seq) == ("WO-P2", 10))
        assert op.pinned and op.equipment_code == "PC-SAW-02"
        assert op.start.isoformat() == "2031-03-04T00:30:00+00:00"  # 09:30 in Seoul
    r = client.post(
        f"/planning/{code}/machine-down", data={"equipment": "PC-SAW-01", "repair_minutes": "45"}, headers=HX
    )
    assert r.status_code == 204, r.text
    page = client.get(f"/planning/{code}")
    data = gantt_data(page.text)
    assert [o["row"] for o in data["outages"]] == [0]
    assert "설비 고장" in page.text and 'id="moved"' in page.text
    r = client.post(
        f"/planning/{code}/pin", data={"operation": "WO-P2/10", "equipment": "ASM-01"}, headers=HX
    )
    assert r.status_code == 422 and "계획이 바뀌지 않았습니다" in r.text
    r = client.post(f"/planning/{code}/pin", data={"operation": "WO-P2/10"})  # not from the page
    assert r.status_code == 403
    old = client.get(f"/planning/{code}", params={"version": 1})
    assert old.status_code == 200 and 'id="pin-form"' not in old.text  # only the current version is edited
    web_login(client, other_tenant)
    assert client.get(f"/planning/{code}").status_code == 404
