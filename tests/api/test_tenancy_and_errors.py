"""Every API route: 401 problem+json without credentials, and no way for company B to read or change
company A's data. The route list is taken from the app itself, so a new router cannot slip past."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.conftest import Tenant, build_plant

# a value of company A for every path parameter
PARAMS = {"code": None, "item": "CAB-600", "command": "release", "part_id": "P-1", "token_id": None}
PARAMS["tag"] = "PC-SAW-01.temp"  # KPIs: SPC over a telemetry tag
PARAMS["sheet"] = 1  # furniture: a cutting plan's sheet
# records company A does not have (center, AI): company B must still get a 404 or a refusal, never data
UUID = "0190f2a1-0000-7000-8000-000000000001"
PARAMS |= {"firm_id": UUID, "diagnosis_id": UUID, "action_id": UUID, "app_id": UUID, "doc_id": UUID}
PARAMS |= {"assignment_id": UUID, "link_id": UUID, "year": 2026, "business_number": "1248100998"}
PARAMS |= {"key": "status", "fmt": "pdf", "firm": UUID, "project": "P-1", "indicator": "defect_rate"}
PARAMS |= {"name": "machine-health", "version": 1}
CODE_BY_PREFIX = {
    "/masterdata/sites": "POCHEON",
    "/masterdata/areas": "A1",
    "/masterdata/lines": "L1",
    "/masterdata/work-centers": "WC-SAW",
    "/masterdata/equipment": "PC-SAW-01",
    "/masterdata/items": "CAB-600",
    "/masterdata/reason-codes": "SCR-CHIP",
    "/masterdata/shifts": "DAY",
    "/masterdata/locations": "WH-RAW",
    "/masterdata/calendar-exceptions": "2026-12-31",
    "/work-orders": "WO-A1",
    "/lots": "RAW-A1",
    "/sales/customers": "CUST-A1",
    "/sales/orders": "SO-A1",
    "/sales/shipments": "SH-A1",
    "/quality/plans": "QP-A1",
    "/quality/inspections": "IQ-A1",
    "/quality/lots": "RAW-A1",
    "/quality/ncrs": "NCR-A1",
    "/purchasing/suppliers": "SUP-A1",
    "/purchasing/orders": "PO-A1",
    "/purchasing/work-orders": "WO-A1",
    "/costing/work-orders": "WO-A1",
    "/maintenance/orders": "MO-A1",
    "/furniture/orders": "FO-A1",
    "/maintenance/reliability": "PC-SAW-01",
    "/center/plans": "BP-A1",
    "/results/projects": "RP-A1",
    "/planning/plans": "PL-A1",
    "/ai/findings": "F-A1",
}
PUBLIC = {("POST", "/api/v1/auth/login")}
#: reference data that is the same for every company (the year's program catalogue)
SHARED = {("GET", "/api/v1/center/programs/{year}")}
#: actions over the caller's own records only, which succeed for company B with nothing of A in them
OWN = {("POST", "/api/v1/center/reminders"), ("POST", "/api/v1/ai/score")}


def api_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every API operation, from the OpenAPI document the app publishes."""
    out = []
    for path, ops in app.openapi()["paths"].items():
        if path.startswith("/api/v1"):
            out.extend((m.upper(), path) for m in ops if m in ("get", "post", "put", "patch", "delete"))
    assert len(out) > 40, "the API lost its routes?"
    return out


def fill(path: str, token_id: int) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "token_id":
            return str(token_id)
        if name == "code":
            for prefix, code in CODE_BY_PREFIX.items():
                if path.startswith("/api/v1" + prefix):
                    return code
            raise AssertionError(f"no test value for {{code}} in {path}")
        if name not in PARAMS:
            raise AssertionError(f"route {path} has a path parameter {name} the tenancy test does not know")
        return str(PARAMS[name])

    return re.sub(r"\{(\w+)\}", value, path)


@pytest.fixture
def company_a(tenant: Tenant) -> tuple[Tenant, int]:
    t = tenant
    build_plant(t)
    t.ok(
        t.post(
            "/masterdata/shifts",
            {"code": "DAY", "name": "주간", "start": "08:30", "end": "17:30", "break_minutes": 60},
        ),
        201,
    )
    t.ok(t.post("/masterdata/calendar-exceptions", {"day": "2026-12-31", "note": "종무식"}), 201)
    t.ok(
        t.post("/work-orders", {"code": "WO-A1", "item": "CAB-600", "quantity": 5, "due_date": "2026-12-20"}),
        201,
    )
    t.ok(t.post("/work-orders/WO-A1/release"))
    t.ok(
        t.post(
            "/events/batch",
            {
                "events": [
                    {
                        "type": "inventory.received",
                        "payload": {"item": "PB-18", "lot": "RAW-A1", "quantity": 5, "location": "WH-RAW"},
                    },
                    {"type": "operation.started", "work_order": "WO-A1", "payload": {"seq": 10}},
                    {
                        "type": "material.consumed",
                        "work_order": "WO-A1",
                        "payload": {"item": "PB-18", "lot": "RAW-A1", "quantity": 1, "location": "WH-RAW"},
                    },
                    {
                        "type": "part.scanned",
                        "work_order": "WO-A1",
                        "payload": {"part_id": "P-1", "station": "SAW"},
                    },
                    {
                        "type": "machine.state_changed",
                        "payload": {"equipment": "PC-SAW-01", "state": "running"},
                    },
                ]
            },
        ),
        201,
    )
    plant_modules(t)
    order = {"code": "FO-A1", "due_date": "2026-12-20", "cabinets": [{"kind": "wall", "width": 400}]}
    t.ok(t.post("/furniture/orders", order), 201)
    token = t.ok(t.post("/tokens", {"name": "saw collector", "scopes": ["events:write", "read"]}), 201)
    return t, token["id"]


def plant_modules(t: Tenant) -> None:
    """Company A's sales, quality, purchasing, costing and maintenance records (codes named *-A1)."""
    t.ok(t.post("/sales/customers", {"code": "CUST-A1", "name": "테스트 고객"}), 201)
    line = {"item": "CAB-600", "quantity": 2, "unit_price": 150000, "requested_date": "2026-12-20"}
    t.ok(
        t.post(
            "/sales/orders",
            {"code": "SO-A1", "customer": "CUST-A1", "order_date": "2026-11-20", "lines": [line]},
        ),
        201,
    )
    t.ok(
        t.post(
            "/events",
            {
                "type": "inventory.received",
                "payload": {"item": "CAB-600", "lot": "FG-A1", "quantity": 3, "location": "WH-FG"},
            },
        ),
        201,
    )
    t.ok(
        t.post(
            "/sales/orders/SO-A1/shipments",
            {"code": "SH-A1", "lines": [{"line": 1, "lot": "FG-A1", "location": "WH-FG", "quantity": 1}]},
        ),
        201,
    )
    t.ok(t.put("/quality/plans", {"code": "QP-A1", "item": "PB-18", "stage": "incoming", "aql": 1.0}))
    t.ok(
        t.post("/quality/inspections", {"code": "IQ-A1", "lot": "RAW-A1", "plan": "QP-A1", "lot_size": 4}),
        201,
    )
    t.ok(
        t.post("/quality/ncrs", {"code": "NCR-A1", "lot": "RAW-A1", "quantity": 1, "description": "긁힘"}),
        201,
    )
    t.ok(t.post("/purchasing/suppliers", {"code": "SUP-A1", "name": "테스트 판재"}), 201)
    t.ok(
        t.post(
            "/purchasing/orders",
            {
                "code": "PO-A1",
                "supplier": "SUP-A1",
                "due_date": "2026-12-01",
                "lines": [{"item": "PB-18", "quantity": 10}],
            },
        ),
        201,
    )
    t.ok(
        t.post(
            "/maintenance/orders", {"code": "MO-A1", "equipment": "PC-SAW-01", "description": "톱날 교체"}
        ),
        201,
    )


def test_every_route_needs_credentials(client: Any, app: Any) -> None:
    for method, path in api_routes(app):
        if (method, path) in PUBLIC:
            continue
        r = client.request(method, fill(path, 1), json={})
        assert r.status_code == 401, f"{method} {path} answered {r.status_code} without credentials"
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == 401 and r.headers.get("www-authenticate") == "Bearer"


def test_company_b_cannot_read_or_change_company_a(
    company_a: tuple[Tenant, int], other_tenant: Tenant, app: Any
) -> None:
    a, token_id = company_a
    b = other_tenant
    before = a.ok(a.get("/work-orders/WO-A1"))
    secrets_of_a = ["POCHEON", "WO-A1", "RAW-A1", "CAB-600", "PC-SAW-01", "P-1", "saw collector", "종무식"]
    secrets_of_a += [
        "FO-A1",
        "CUST-A1",
        "SO-A1",
        "SH-A1",
        "QP-A1",
        "IQ-A1",
        "NCR-A1",
        "SUP-A1",
        "PO-A1",
        "MO-A1",
    ]
    checked = 0
    for method, path in api_routes(app):
        if (method, path) in PUBLIC:
            continue
        url = fill(path, token_id)
        r = b.client.request(method, url, headers=b.headers, json={} if method != "GET" else None)
        checked += 1
        if (method == "GET" and "{" not in path) or (method, path) in SHARED | OWN:
            assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"
            leaked = [s for s in secrets_of_a if s in r.text]
            assert not leaked, f"{method} {path} shows company A's {leaked}"
        else:
            # center routes may also refuse a plant user outright (403), or want a federation token (401)
            refused = (404, 409, 422, 403, 401) if "/api/v1/center/" in path else (404, 409, 422)
            assert r.status_code in refused, f"{method} {url} as company B gave {r.status_code}: {r.text}"
            assert r.headers["content-type"].startswith("application/problem+json")
            assert not [s for s in ("테스트",) if s in r.text]
    assert checked > 40
    # writes that name A's data from B's side
    assert (
        b.post(
            "/events", {"type": "operation.started", "work_order": "WO-A1", "payload": {"seq": 10}}
        ).status_code
        == 422
    )
    assert (
        b.put(
            "/masterdata/boms", {"item": "CAB-600", "lines": [{"component": "PB-18", "quantity": 1}]}
        ).status_code
        == 422
    )
    assert b.post("/masterdata/areas", {"code": "X", "name": "x", "site": "POCHEON"}).status_code == 422
    # and A's data is as it was (B's PUT/DELETE/command calls above changed nothing)
    after = a.ok(a.get("/work-orders/WO-A1"))
    assert after == before
    assert a.ok(a.get("/masterdata/sites/POCHEON"))["name"] == "포천 공장"
    assert any(t["id"] == token_id and t["revoked_at"] is None for t in a.ok(a.get("/tokens")))


def test_a_machine_token_is_scoped(company_a: tuple[Tenant, int], client: Any) -> None:
    a, _ = company_a
    created = a.ok(a.post("/tokens", {"name": "edge", "scopes": ["events:write"]}), 201)
    headers = {"Authorization": f"Bearer {created['token']}"}
    r = client.post(
        "/api/v1/events",
        headers=headers,
        json={"type": "machine.state_changed", "payload": {"equipment": "PC-SAW-01", "state": "idle"}},
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/masterdata/items", headers=headers, json={"code": "X", "name": "x", "kind": "raw"}
    )
    assert r.status_code == 403 and "masterdata:write" in r.json()["detail"]
    a.ok(a.delete(f"/tokens/{created['id']}"), 204)
    r = client.get("/api/v1/machines/state", headers=headers)
    assert r.status_code == 401


def test_bad_bodies_name_the_field_and_change_nothing(tenant: Tenant) -> None:
    t = tenant
    build_plant(t)
    r = t.post("/masterdata/items", {"code": "bad code!", "name": "", "kind": "liquid", "colour": "red"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"code", "name", "kind", "colour"} <= fields
    r = t.post("/masterdata/equipment", {"code": "EQ-X", "name": "x", "work_center": "NOPE"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "work_center"
    t.ok(
        t.post("/work-orders", {"code": "WO-B", "item": "CAB-600", "quantity": 2, "due_date": "2026-12-01"}),
        201,
    )
    t.ok(t.post("/work-orders/WO-B/release"))
    before = t.ok(t.get("/work-orders/WO-B"))
    r = t.post(
        "/events/batch",
        {
            "events": [
                {"type": "operation.started", "work_order": "WO-B", "payload": {"seq": 10}},
                {"type": "quantity.reported", "work_order": "WO-B", "payload": {"seq": 10, "scrap": 1}},
                {"type": "quantity.reported", "work_order": "WO-B", "payload": {"seq": 99, "good": 1}},
                {"type": "operation.teleported", "work_order": "WO-B"},
                {
                    "type": "material.consumed",
                    "work_order": "WO-B",
                    "payload": {"item": "PB-18", "lot": "L", "quantity": 1, "location": "NOWHERE"},
                },
                {
                    "type": "operation.started",
                    "occurred_at": "2026-11-26T09:00:00",
                    "work_order": "WO-B",
                    "payload": {"seq": 10},
                },
            ]
        },
    )
    assert r.status_code == 422
    fields = [e["field"] for e in r.json()["errors"]]
    assert "events.1.payload" in fields  # scrap without a reason code
    assert "events.2.payload.seq" in fields
    assert "events.3.type" in fields
    assert "events.4.payload.location" in fields
    assert "events.5.occurred_at" in fields
    assert t.ok(t.get("/work-orders/WO-B")) == before  # the valid first event was not stored either
    r = t.post(
        "/events",
        {
            "type": "quantity.reported",
            "work_order": "WO-B",
            "payload": {"seq": 10, "good": 1},
            "idempotency_key": "once",
        },
    )
    assert r.status_code == 201
    r = t.post(
        "/events",
        {
            "type": "quantity.reported",
            "work_order": "WO-B",
            "payload": {"seq": 10, "good": 5},
            "idempotency_key": "once",
        },
    )
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "idempotency_key"
