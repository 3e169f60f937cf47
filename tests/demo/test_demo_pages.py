"""`jejo demo` promises that no page is empty on first open: seed a fresh database, log in as DEMO/admin
through the login form, walk every page of the navigation and the first detail link of each list, and
read the API lists of the plant modules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jejo.api.app import create_app
from jejo.core.i18n import translator
from jejo.core.runtime import Runtime
from jejo.core.settings import Settings
from jejo.demo.seed import ADMIN, COMPANY, PASSWORD, seed_demo

# the plant pages' own menu (under "Sales · quality · maintenance")
SUBNAV = ["/quality", "/maintenance/orders"]
# pages whose data the demo seed does not create yet: they must answer, they may show their empty state
# (collectors report their health while they run, and the AI scorer raises findings from live machine data:
# `jejo demo` starts both; the seed alone has neither; the twin page's dataset log fills as people export)
NOT_SEEDED: set[str] = {"/machine-data/status", "/ai", "/twin"}
# a list page → how its detail links start
DETAILS = {
    "/work-orders": "/work-orders/",
    "/sales/orders": "/sales/orders/",
    "/quality": "/quality/inspections/",
    "/maintenance/orders": "/maintenance/orders/",
    "/terminal": "/terminal/",
}
# secondary sections of a detail page that may be empty for a real record (e.g. a request without a
# checklist); the page's main content may not
MAY_BE_EMPTY = ["No checklist.", "No spare parts used."]
EMPTY = re.compile(r'class="empty"[^>]*>\s*([^<]*?)\s*<')


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp: Path = tmp_path_factory.mktemp("demo")
    rt = Runtime(
        Settings(
            database_url=f"sqlite:///{tmp / 'demo.db'}", data_dir=tmp / "data", secret_key="demo-test-key"
        )
    )
    rt.upgrade()
    with rt.transaction() as s:
        result = seed_demo(s)
    assert result.created and result.work_orders > 0
    with TestClient(create_app(rt)) as c:
        r = c.post(
            "/login",
            data={"company": COMPANY, "username": ADMIN, "password": PASSWORD},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        yield c
    rt.engine.dispose()


def _page(client: TestClient, path: str) -> str:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:500]}"
    return r.text


def _empties(html: str) -> list[str]:
    return EMPTY.findall(html)


def _nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S)
    assert nav is not None, "no main navigation on the dashboard"
    return re.findall(r'href="([^"]+)"', nav.group(0))


def test_every_navigation_page_has_data(client: TestClient) -> None:
    links = _nav_links(_page(client, "/"))
    assert len(links) >= 6 and "/sales/orders" in links
    for path in links + SUBNAV:
        html = _page(client, path)
        if path in NOT_SEEDED:
            continue
        assert not _empties(html), f"{path} shows its empty state: {_empties(html)}"
        prefix = DETAILS.get(path)
        if prefix:
            assert re.search(f'href="{re.escape(prefix)}[^"]+"', html), f"{path} lists no records"


def test_first_detail_of_each_list_has_data(client: TestClient) -> None:
    allowed = {translator("ko").gettext(m) for m in MAY_BE_EMPTY} | set(MAY_BE_EMPTY)
    for path, prefix in DETAILS.items():
        html = _page(client, path)
        found = re.search(f'href="({re.escape(prefix)}[^"#?]+)"', html)
        assert found, f"{path} has no detail link"
        detail = found.group(1)
        page = _page(client, detail)
        assert detail.rsplit("/", 1)[1] in page, f"{detail} does not show its record"
        left = [e for e in _empties(page) if e not in allowed]
        assert not left, f"{detail} shows an empty state: {left}"


def test_quality_page_shows_the_hold_and_its_report(client: TestClient) -> None:
    html = _page(client, "/quality")
    ncr = re.search(r'href="(/quality/ncrs/[^"]+)"', html)
    assert ncr, "no open nonconformance report on the quality page"
    assert not _empties(_page(client, ncr.group(1)))


def _items(body: Any) -> list[Any]:
    return body["items"] if isinstance(body, dict) and "items" in body else body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sales/customers",
        "/api/v1/sales/orders",
        "/api/v1/quality/plans",
        "/api/v1/quality/inspections",
        "/api/v1/quality/holds",
        "/api/v1/quality/ncrs",
        "/api/v1/maintenance/plans",
        "/api/v1/maintenance/orders",
        "/api/v1/purchasing/orders",
    ],
)
def test_api_lists_are_not_empty(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text
    assert _items(r.json()), f"{path} is empty"


def test_demo_figures(client: TestClient) -> None:
    oee = client.get("/api/v1/kpi/oee", params={"scope": "site"})
    assert oee.status_code == 200, oee.text
    assert oee.json()["time_elements_s"]["APT"] > 0
    today = date.today()
    period = {"start": str(today - timedelta(days=31)), "end": str(today + timedelta(days=1))}
    figures = client.get("/api/v1/sales/figures", params=period).json()
    assert figures["shipped_quantity"] > 0 and figures["returned_quantity"] > 0
    orders = _items(client.get("/api/v1/purchasing/orders").json())
    assert {o["status"] for o in orders} >= {"received", "proposed"}
    so = _items(client.get("/api/v1/sales/orders").json())
    builder = next(o for o in so if o["status"] == "open")
    detail = client.get(f"/api/v1/sales/orders/{builder['code']}").json()
    assert detail["shipments"] and any(ln.get("work_orders") for ln in detail["lines"])
    wo = next(w for ln in detail["lines"] for w in ln["work_orders"])
    cost = client.get(f"/api/v1/costing/work-orders/{wo['code']}")
    assert cost.status_code == 200, cost.text
    assert cost.json()["standard"]["per_unit"] > 0
