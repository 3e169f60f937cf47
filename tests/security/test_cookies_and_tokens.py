"""Session cookies carry HttpOnly and SameSite, and Secure over TLS or when configured; machine tokens
are scoped, expire and can be revoked; a write with the cookie needs the page's own header (CSRF)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.conftest import Tenant

from jejo.api.app import create_app
from jejo.core.runtime import Runtime
from jejo.core.settings import Settings


def _cookie_flags(set_cookie: list[str], name: str) -> str:
    line = next(h for h in set_cookie if h.startswith(name + "="))
    return line.lower()


def test_session_cookie_flags_on_http_and_https(app: object, tenant: Tenant) -> None:
    form = {"company": tenant.code, "username": "admin", "password": tenant.password}
    with TestClient(app, follow_redirects=False) as c:  # type: ignore[arg-type]
        r = c.post("/login", data=form)
        assert r.status_code == 303
        flags = _cookie_flags(r.headers.get_list("set-cookie"), "jejo_session")
        assert "httponly" in flags and "samesite=lax" in flags and "secure" not in flags
    with TestClient(app, base_url="https://jejo.example", follow_redirects=False) as c:  # type: ignore[arg-type]
        r = c.post("/login", data=form)
        flags = _cookie_flags(r.headers.get_list("set-cookie"), "jejo_session")
        assert "httponly" in flags and "samesite=lax" in flags and "; secure" in flags


def test_secure_cookies_setting_behind_a_tls_proxy(
    runtime: Runtime, tenant: Tenant, tmp_path: object
) -> None:
    settings = Settings(
        database_url=runtime.settings.effective_database_url,
        data_dir=runtime.settings.data_dir,
        secret_key="test-secret-key",
        secure_cookies=True,
    )
    rt = Runtime(settings)
    try:
        with TestClient(create_app(rt), follow_redirects=False) as c:
            r = c.post(
                "/login", data={"company": tenant.code, "username": "admin", "password": tenant.password}
            )
            assert r.status_code == 303
            for name in ("jejo_session", "jejo_company"):
                flags = _cookie_flags(r.headers.get_list("set-cookie"), name)
                assert "; secure" in flags and "httponly" in flags
    finally:
        rt.engine.dispose()


def test_cookie_write_without_the_page_header_is_refused(app: object, tenant: Tenant) -> None:
    with TestClient(app, follow_redirects=False) as c:  # type: ignore[arg-type]
        c.post("/login", data={"company": tenant.code, "username": "admin", "password": tenant.password})
        r = c.post("/api/v1/masterdata/items", json={"code": "X1", "name": "x", "kind": "raw"})
        assert r.status_code == 403 and "X-Requested-With" in r.json()["detail"]
        r = c.post(
            "/api/v1/masterdata/items",
            json={"code": "X1", "name": "x", "kind": "raw"},
            headers={"X-Requested-With": "fetch"},
        )
        assert r.status_code == 201, r.text


def _token(tenant: Tenant, scopes: list[str], expires_at: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"name": "press-7", "scopes": scopes}
    if expires_at:
        body["expires_at"] = expires_at
    return tenant.ok(tenant.post("/tokens", body), 201)  # type: ignore[no-any-return]


def test_machine_token_scope_expiry_and_revocation(client: TestClient, tenant: Tenant) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    tok = _token(tenant, ["events:write"], soon)
    h = {"Authorization": f"Bearer {tok['token']}"}
    assert client.get("/api/v1/auth/me", headers=h).json()["scopes"] == ["events:write"]
    # its scope does not reach master data
    r = client.post("/api/v1/masterdata/items", json={"code": "I1", "name": "i", "kind": "raw"}, headers=h)
    assert r.status_code == 403 and "masterdata:write" in r.json()["detail"]
    listed = tenant.ok(tenant.get("/tokens"))
    mine = next(t for t in listed if t["id"] == tok["id"])
    assert mine["expires_at"] is not None and "token" not in mine and mine["prefix"] == str(tok["token"])[:12]
    # revoked: refused at once
    tenant.ok(tenant.delete(f"/tokens/{tok['id']}"), 204)
    r = client.get("/api/v1/auth/me", headers=h)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_expired_token_is_refused(client: TestClient, tenant: Tenant, runtime: Runtime) -> None:
    from jejo.masterdata import users

    with runtime.transaction() as s:
        _t, secret = users.create_token(
            s, tenant.company_id, "old-collector", ["read"], datetime.now(UTC) - timedelta(seconds=1)
        )
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_token_expiry_must_name_its_time_zone(tenant: Tenant) -> None:
    r = tenant.post("/tokens", {"name": "x", "scopes": ["read"], "expires_at": "2030-01-01T00:00:00"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "expires_at"


def test_token_of_another_company_cannot_be_revoked(tenant: Tenant, other_tenant: Tenant) -> None:
    tok = _token(tenant, ["read"])
    r = other_tenant.delete(f"/tokens/{tok['id']}")
    assert r.status_code == 404


def test_security_headers_on_pages_and_api(app: object) -> None:
    with TestClient(app, follow_redirects=False) as c:  # type: ignore[arg-type]
        for path in ("/login", "/api/v1/auth/me", "/healthz"):
            h = c.get(path).headers
            assert h["x-content-type-options"] == "nosniff", path
            assert h["x-frame-options"] == "SAMEORIGIN" and h["referrer-policy"] == "same-origin"
            assert "strict-transport-security" not in h
    with TestClient(app, base_url="https://jejo.example") as c:  # type: ignore[arg-type]
        assert c.get("/login").headers["strict-transport-security"].startswith("max-age=")
