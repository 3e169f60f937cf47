"""Shared fixtures. The database is SQLite by default; set JEJO_TEST_DATABASE_URL to run the same suite
on PostgreSQL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test run gets its own schema
(PostgreSQL) or file (SQLite); each test works in companies of its own, so tests never see each other."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jejo.core.db import make_engine
from jejo.core.runtime import Runtime
from jejo.core.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("JEJO_SHARED_DATA", REPO.parent / "shared" / "data"))
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}{next(_counter)}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("JEJO_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'jejo-test.db'}"
        return
    schema = f"jejo_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def runtime(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    settings = Settings(
        database_url=database_url, data_dir=tmp_path_factory.mktemp("data"), secret_key="test-secret-key"
    )
    rt = Runtime(settings)
    rt.upgrade()
    yield rt
    rt.engine.dispose()


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Any]:
    with runtime.transaction() as s:
        yield s


@pytest.fixture(scope="session")
def app(runtime: Runtime) -> Any:
    from jejo.api.app import create_app

    return create_app(runtime)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


class Tenant:
    """A company with an admin user, and a client logged in as that admin."""

    def __init__(self, runtime: Runtime, client: TestClient) -> None:
        from jejo.masterdata import users

        self.code = unique("CO")
        self.password = "s3cret-pass"
        with runtime.transaction() as s:
            company = users.create_company(s, self.code, f"테스트 {self.code}")
            self.company_id = company.id
            users.create_user(s, company.id, "admin", self.password, ["admin"], "관리자")
        r = client.post(
            "/api/v1/auth/login", json={"company": self.code, "username": "admin", "password": self.password}
        )
        assert r.status_code == 200, r.text
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        self.client = client

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get("/api/v1" + path, headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post("/api/v1" + path, json=json, headers=self.headers, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put("/api/v1" + path, json=json, headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete("/api/v1" + path, headers=self.headers, **kw)

    def ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        return response.json() if response.content else None


@pytest.fixture
def tenant(runtime: Runtime, client: TestClient) -> Tenant:
    return Tenant(runtime, client)


@pytest.fixture
def other_tenant(runtime: Runtime, client: TestClient) -> Tenant:
    return Tenant(runtime, client)


def build_plant(t: Tenant) -> None:
    """A small cabinet plant: site, area, line, three work centers and machines, items, BOM, routing."""
    ok = t.ok
    ok(t.post("/masterdata/sites", {"code": "POCHEON", "name": "포천 공장"}), 201)
    ok(t.post("/masterdata/areas", {"code": "A1", "name": "가공동", "site": "POCHEON"}), 201)
    ok(t.post("/masterdata/lines", {"code": "L1", "name": "캐비닛 라인", "area": "A1"}), 201)
    for wc, name, eq in (
        ("WC-SAW", "재단", "PC-SAW-01"),
        ("WC-EDGE", "엣지", "EB-01"),
        ("WC-ASM", "조립", "ASM-01"),
    ):
        ok(t.post("/masterdata/work-centers", {"code": wc, "name": name, "line": "L1"}), 201)
        ok(t.post("/masterdata/equipment", {"code": eq, "name": name + " 설비", "work_center": wc}), 201)
    for code, name, kind, uom in (
        ("PB-18", "PB 18mm 판재", "raw", "m2"),
        ("EDGE-1", "엣지밴드", "raw", "m"),
        ("PANEL-SIDE", "측판", "semi", "EA"),
        ("CAB-600", "하부장 600", "finished", "EA"),
    ):
        ok(t.post("/masterdata/items", {"code": code, "name": name, "kind": kind, "uom": uom}), 201)
    ok(
        t.put(
            "/masterdata/boms",
            {
                "item": "CAB-600",
                "lines": [
                    {"component": "PANEL-SIDE", "quantity": 2},
                    {"component": "EDGE-1", "quantity": 3.2, "scrap_factor": 0.05},
                ],
            },
        )
    )
    ok(
        t.put(
            "/masterdata/boms",
            {"item": "PANEL-SIDE", "lines": [{"component": "PB-18", "quantity": 0.42, "scrap_factor": 0.1}]},
        )
    )
    ok(
        t.put(
            "/masterdata/routings",
            {
                "item": "CAB-600",
                "operations": [
                    {
                        "seq": 10,
                        "name": "재단",
                        "work_center": "WC-SAW",
                        "setup_time_s": 600,
                        "cycle_time_s": 90,
                    },
                    {"seq": 20, "name": "엣지", "work_center": "WC-EDGE", "cycle_time_s": 60},
                    {"seq": 30, "name": "조립", "work_center": "WC-ASM", "cycle_time_s": 300},
                ],
            },
        )
    )
    ok(t.post("/masterdata/locations", {"code": "WH-RAW", "name": "원자재 창고"}), 201)
    ok(t.post("/masterdata/locations", {"code": "WH-FG", "name": "완제품 창고"}), 201)
    ok(
        t.post(
            "/masterdata/reason-codes",
            {"code": "SCR-CHIP", "name": "모서리 깨짐", "category": "scrap", "oee_loss": "quality"},
        ),
        201,
    )
    ok(t.post("/masterdata/reason-codes", {"code": "DT-BREAK", "name": "고장", "category": "downtime"}), 201)
