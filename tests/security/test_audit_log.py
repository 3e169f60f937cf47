"""The audit log records who changed master data, users and tokens, what changed (old → new), never a
secret; a change and its entry commit or roll back together; each company sees only its own log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import Tenant

from jejo.core.errors import ValidationError
from jejo.core.runtime import Runtime
from jejo.masterdata import users
from jejo.security import audit
from jejo.security.tables import AuditEntry


def _entries(tenant: Tenant, **params: str) -> list[dict[str, object]]:
    return tenant.ok(tenant.get("/audit", params=params))["items"]  # type: ignore[no-any-return]


def test_master_data_changes_are_logged_with_actor_and_diff(tenant: Tenant) -> None:
    tenant.ok(tenant.post("/masterdata/items", {"code": "PB-18", "name": "PB 18", "kind": "raw"}), 201)
    tenant.ok(tenant.put("/masterdata/items/PB-18", {"code": "PB-18", "name": "PB 18mm", "kind": "raw"}))
    tenant.ok(tenant.delete("/masterdata/items/PB-18"), 204)
    rows = _entries(tenant, entity="items")
    assert [r["action"] for r in rows] == ["delete", "update", "insert"]  # newest first
    assert {r["actor"] for r in rows} == {"admin"} and {r["label"] for r in rows} == {"PB-18"}
    update = rows[1]["changes"]
    assert update == {"name": {"old": "PB 18", "new": "PB 18mm"}}
    assert rows[2]["changes"]["kind"] == "raw"  # type: ignore[index]


def test_user_and_token_changes_never_copy_secrets(tenant: Tenant, runtime: Runtime) -> None:
    tenant.ok(
        tenant.post("/users", {"username": "park", "password": "Park-password-9", "roles": ["operator"]}), 201
    )
    tok = tenant.ok(tenant.post("/tokens", {"name": "press-1", "scopes": ["events:write"]}), 201)
    tenant.ok(tenant.delete(f"/tokens/{tok['id']}"), 204)
    user_rows = _entries(tenant, entity="users")
    created = next(r for r in user_rows if r["label"] == "park")
    assert created["changes"]["password_hash"] == "***"  # type: ignore[index]
    assert created["changes"]["roles"] == ["operator"]  # type: ignore[index]
    token_rows = _entries(tenant, entity="api_tokens")
    assert [r["action"] for r in token_rows] == ["update", "insert"]
    assert "revoked_at" in token_rows[0]["changes"]  # type: ignore[operator]
    with runtime.transaction() as s:
        stored = " ".join(str(e.changes) for e in s.scalars(select(AuditEntry)))
    assert "Park-password-9" not in stored and str(tok["token"]) not in stored
    assert "$argon2" not in stored


def test_role_change_is_logged(runtime: Runtime, tenant: Tenant) -> None:
    with audit.acting_as("cli:ops"), runtime.transaction() as s:
        user = users.create_user(s, tenant.company_id, "choi", "Choi-password-1", ["operator"])
        s.flush()
        user.roles = ["operator", "supervisor"]
    rows = _entries(tenant, entity="users")
    change = next(r for r in rows if r["label"] == "choi" and r["action"] == "update")
    assert change["actor"] == "cli:ops"
    assert change["changes"] == {"roles": {"old": ["operator"], "new": ["operator", "supervisor"]}}


def test_a_rolled_back_change_leaves_no_entry(runtime: Runtime, tenant: Tenant) -> None:
    before = len(_entries(tenant))
    try:
        with runtime.transaction() as s:
            users.create_user(s, tenant.company_id, "ghost", "Ghost-password-1", ["operator"])
            s.flush()
            raise ValidationError("abandon")
    except ValidationError:
        pass
    assert len(_entries(tenant)) == before


def test_child_rows_are_logged_under_their_company(tenant: Tenant) -> None:
    from tests.conftest import build_plant

    build_plant(tenant)
    lines = _entries(tenant, entity="bom_lines")
    assert lines and all(r["action"] == "insert" for r in lines)
    ops = _entries(tenant, entity="routing_operations")
    assert len(ops) == 3


def test_each_company_sees_only_its_own_log_and_only_admins(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    tenant.ok(tenant.post("/masterdata/items", {"code": "ONLY-A", "name": "a", "kind": "raw"}), 201)
    assert not [r for r in _entries(other_tenant) if r["label"] == "ONLY-A"]
    with runtime.transaction() as s:
        users.create_user(s, tenant.company_id, "viewer1", "Viewer-password-1", ["manager"])
    r = client.post(
        "/api/v1/auth/login",
        json={"company": tenant.code, "username": "viewer1", "password": "Viewer-password-1"},
    )
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/audit", headers=h).status_code == 403


def test_admin_page_shows_the_log(client: TestClient, tenant: Tenant) -> None:
    tenant.ok(
        tenant.post("/masterdata/items", {"code": "SHOWN-1", "name": "보이는 품목", "kind": "raw"}), 201
    )
    with TestClient(client.app, follow_redirects=False) as c:
        c.post("/login", data={"company": tenant.code, "username": "admin", "password": tenant.password})
        r = c.get("/admin/audit")
        assert r.status_code == 200
        assert "감사 로그" in r.text and "SHOWN-1" in r.text and "추가" in r.text
        assert "password_hash" in c.get("/admin/audit", params={"entity": "users"}).text
        assert "***" in c.get("/admin/audit", params={"entity": "users"}).text
        home = c.get("/")
        assert 'href="/admin/audit"' in home.text
