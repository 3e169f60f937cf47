"""Helpers for the center tests: center logins with their roles, valid 사업자등록번호 and firm bodies."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import Tenant, unique

from jejo.core.runtime import Runtime

_W = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_serial = [100]


def business_number(prefix9: str | None = None) -> str:
    """A 사업자등록번호 with its check digit (the published rule), formatted 123-45-67890."""
    if prefix9 is None:
        _serial[0] += 1
        prefix9 = f"1{_serial[0] % 100:02d}81{_serial[0] % 10000:04d}"
    d = [int(c) for c in prefix9]
    total = sum(x * w for x, w in zip(d, _W, strict=True)) + (d[8] * 5) // 10
    check = (10 - total % 10) % 10
    s = prefix9 + str(check)
    return f"{s[:3]}-{s[3:5]}-{s[5:]}"


def firm_body(**over: Any) -> dict[str, Any]:
    body = {
        "business_number": business_number(),
        "name": unique("가구"),
        "representative": "김대표",
        "sigungu": "포천시",
        "ksic_code": "C32029",
        "employees": 28,
        "revenue_krw": 4_100_000_000,
        "factory_registered": True,
        "legend50": False,
        "main_products": "주방가구, 붙박이장",
    }
    body.update(over)
    return body


class Login:
    """A client logged in as one user of a tenant (same API shape as Tenant)."""

    def __init__(self, client: TestClient, company: str, username: str, password: str) -> None:
        r = client.post(
            "/api/v1/auth/login", json={"company": company, "username": username, "password": password}
        )
        assert r.status_code == 200, r.text
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        self.client = client
        self.username = username

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get("/api/v1" + path, headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post("/api/v1" + path, json=json, headers=self.headers, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put("/api/v1" + path, json=json, headers=self.headers, **kw)

    def ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        return response.json() if response.content else None


def add_user(
    runtime: Runtime, t: Tenant, username: str, roles: list[str], display: str | None = None
) -> None:
    from jejo.masterdata import users

    with runtime.transaction() as s:
        users.create_user(s, t.company_id, username, t.password, roles, display or username)


def login(runtime: Runtime, t: Tenant, username: str, roles: list[str], display: str | None = None) -> Login:
    add_user(runtime, t, username, roles, display)
    return Login(t.client, t.code, username, t.password)


def problem_fields(response: Any) -> set[str]:
    body = response.json()
    return {p.get("field") for p in body.get("errors", [])}
