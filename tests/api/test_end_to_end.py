"""The MES core through the API: master data → work order → events → quantities, WIP, state, genealogy."""

from __future__ import annotations

from tests.conftest import Tenant, build_plant


def test_work_order_lifecycle_with_duplicate_and_out_of_order_events(tenant: Tenant) -> None:
    t = tenant
    build_plant(t)
    wo = t.ok(
        t.post("/work-orders", {"code": "WO-1", "item": "CAB-600", "quantity": 10, "due_date": "2026-12-15"}),
        201,
    )
    assert wo["status"] == "planned"
    assert [o["seq"] for o in wo["operations"]] == [10, 20, 30]
    mats = {m["item"]: m["quantity"] for m in wo["materials"]}
    assert mats["PANEL-SIDE"] == 20
    assert abs(mats["EDGE-1"] - 10 * 3.2 * 1.05) < 1e-9

    # the floor cannot report on a planned order
    r = t.post("/events", {"type": "operation.started", "work_order": "WO-1", "payload": {"seq": 10}})
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert "planned" in r.json()["detail"]

    t.ok(t.post("/work-orders/WO-1/release"))
    t.ok(
        t.post(
            "/events",
            {
                "type": "inventory.received",
                "occurred_at": "2026-11-26T00:00:00Z",
                "payload": {"item": "PB-18", "lot": "RAW-77", "quantity": 50, "location": "WH-RAW"},
            },
        ),
        201,
    )
    events = [
        {
            "type": "operation.started",
            "occurred_at": "2026-11-26T01:00:00Z",
            "work_order": "WO-1",
            "payload": {"seq": 10, "equipment": "PC-SAW-01"},
            "idempotency_key": "saw-start",
        },
        {
            "type": "material.consumed",
            "occurred_at": "2026-11-26T01:01:00Z",
            "work_order": "WO-1",
            "payload": {"item": "PB-18", "lot": "RAW-77", "quantity": 9.24, "location": "WH-RAW", "seq": 10},
        },
        {
            "type": "quantity.reported",
            "occurred_at": "2026-11-26T01:30:00Z",
            "work_order": "WO-1",
            "payload": {"seq": 10, "good": 10, "scrap": 1, "reason_code": "SCR-CHIP"},
            "idempotency_key": "saw-qty",
        },
        {
            "type": "operation.completed",
            "occurred_at": "2026-11-26T01:40:00Z",
            "work_order": "WO-1",
            "payload": {"seq": 10},
        },
        {
            "type": "operation.started",
            "occurred_at": "2026-11-26T02:00:00Z",
            "work_order": "WO-1",
            "payload": {"seq": 20},
        },
        {
            "type": "quantity.reported",
            "occurred_at": "2026-11-26T02:30:00Z",
            "work_order": "WO-1",
            "payload": {"seq": 20, "good": 10},
        },
    ]
    batch = t.ok(t.post("/events/batch", {"events": events}), 201)
    assert batch["accepted"] == 6

    # the same quantity report delivered twice is a no-op returning the original
    again = t.post("/events", events[2])
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == batch["events"][2]["id"]

    # op 20 completes; its start was reported late (an out-of-order event lands in its place)
    t.ok(
        t.post(
            "/events",
            {
                "type": "operation.completed",
                "occurred_at": "2026-11-26T02:50:00Z",
                "work_order": "WO-1",
                "payload": {"seq": 20},
            },
        ),
        201,
    )
    state = t.ok(t.get("/work-orders/WO-1"))
    ops = {o["seq"]: o for o in state["operations"]}
    assert state["status"] == "in_progress"
    assert ops[10]["good"] == 10 and ops[10]["scrap"] == 1 and ops[10]["scrap_by_reason"] == {"SCR-CHIP": 1}
    assert ops[20]["status"] == "completed" and ops[20]["run_seconds"] == 50 * 60
    assert ops[30]["wip"] == 10 and ops[20]["wip"] == 0

    # the assembly start arrives after its completion (out of order) and the quantity report in between
    t.ok(
        t.post(
            "/events",
            {
                "type": "operation.completed",
                "occurred_at": "2026-11-26T04:00:00Z",
                "work_order": "WO-1",
                "payload": {"seq": 30},
            },
        ),
        201,
    )
    t.ok(
        t.post(
            "/events/batch",
            {
                "events": [
                    {
                        "type": "quantity.reported",
                        "occurred_at": "2026-11-26T03:50:00Z",
                        "work_order": "WO-1",
                        "payload": {"seq": 30, "good": 9, "scrap": 1, "reason_code": "SCR-CHIP"},
                    },
                    {
                        "type": "operation.started",
                        "occurred_at": "2026-11-26T03:00:00Z",
                        "work_order": "WO-1",
                        "payload": {"seq": 30, "equipment": "ASM-01"},
                    },
                    {
                        "type": "lot.produced",
                        "occurred_at": "2026-11-26T04:00:00Z",
                        "work_order": "WO-1",
                        "payload": {
                            "item": "CAB-600",
                            "lot": "FG-2611-01",
                            "quantity": 9,
                            "location": "WH-FG",
                        },
                    },
                ]
            },
        ),
        201,
    )
    state = t.ok(t.get("/work-orders/WO-1"))
    ops = {o["seq"]: o for o in state["operations"]}
    assert state["status"] == "completed"
    assert state["good"] == 9 and state["scrap"] == 2
    assert ops[30]["run_seconds"] == 3600 and ops[30]["equipment"] == "ASM-01"
    assert state["started_at"].startswith("2026-11-26T01:00:00")
    assert state["completed_at"].startswith("2026-11-26T04:00:00")
    assert sum(o["wip"] for o in state["operations"]) == 0

    # machine state: the latest report wins, whatever order they arrive in
    t.ok(
        t.post(
            "/events/batch",
            {
                "events": [
                    {
                        "type": "machine.state_changed",
                        "occurred_at": "2026-11-26T05:00:00Z",
                        "payload": {"equipment": "PC-SAW-01", "state": "down", "reason_code": "DT-BREAK"},
                    },
                    {
                        "type": "machine.state_changed",
                        "occurred_at": "2026-11-26T04:00:00Z",
                        "payload": {"equipment": "PC-SAW-01", "state": "running"},
                    },
                ]
            },
        ),
        201,
    )
    machines = {m["equipment"]: m for m in t.ok(t.get("/machines/state"))}
    assert machines["PC-SAW-01"]["state"] == "down" and machines["PC-SAW-01"]["reason_code"] == "DT-BREAK"

    # stock and genealogy both ways
    stock = {(s["item"], s["lot"]): s["quantity"] for s in t.ok(t.get("/stock"))}
    assert abs(stock[("PB-18", "RAW-77")] - (50 - 9.24)) < 1e-9
    assert stock[("CAB-600", "FG-2611-01")] == 9
    down = t.ok(t.get("/lots/RAW-77/genealogy", params={"direction": "down"}))
    assert [n["lot"] for n in down["lots"]] == ["FG-2611-01"] and down["lots"][0]["work_order"] == "WO-1"
    up = t.ok(t.get("/lots/FG-2611-01/genealogy", params={"direction": "up"}))
    assert [n["lot"] for n in up["lots"]] == ["RAW-77"]

    # close; after that the floor can no longer report on it
    t.ok(t.post("/work-orders/WO-1/close"))
    r = t.post(
        "/events", {"type": "quantity.reported", "work_order": "WO-1", "payload": {"seq": 30, "good": 1}}
    )
    assert r.status_code == 409
    timeline = t.ok(t.get("/work-orders/WO-1/events", params={"limit": 1000}))
    assert timeline["total"] == 14
    types = [e["type"] for e in timeline["items"]]
    assert types.count("work_order.created") == 1 and types.count("quantity.reported") == 3
    stamps = [e["occurred_at"] for e in timeline["items"]]
    assert stamps == sorted(stamps), "the timeline is in the order things happened"
    assert types.index("operation.started") < types.index("material.consumed")


def test_illegal_transition_names_the_current_status(tenant: Tenant) -> None:
    t = tenant
    build_plant(t)
    t.ok(
        t.post("/work-orders", {"code": "WO-9", "item": "CAB-600", "quantity": 1, "due_date": "2026-12-01"}),
        201,
    )
    r = t.post("/work-orders/WO-9/close")
    assert r.status_code == 409
    body = r.json()
    assert body["current_status"] == "planned" and "close" in body["detail"]
    t.ok(t.post("/work-orders/WO-9/cancel", {"reason": "고객 취소"}))
    assert t.post("/work-orders/WO-9/release").status_code == 409
