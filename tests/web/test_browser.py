"""The pages in a real browser: Debian's chromium driven by Playwright against a uvicorn server.

Run with ``uv run pytest -m browser tests/web``. Screenshots land in ``out/web/`` (git-ignored).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.browser_support import log_in, page, server
from tests.web.helpers import Plant, make_plant, nav_click

from jejo.core.runtime import Runtime

pytestmark = pytest.mark.browser
__all__ = ["page", "server"]  # the fixtures, shared with other packages' browser tests

SHOTS = Path(__file__).resolve().parents[2] / "out" / "web"


@pytest.fixture(scope="module")
def plant(runtime: Runtime, app: Any) -> Plant:
    with TestClient(app) as c:
        return make_plant(runtime, c, {"WO-BR-0": "release", "WO-BR-1": "", "WO-BR-2": ""})


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_log_in_search_open_release_and_switch_language(page: Any, plant: Plant) -> None:
    from playwright.sync_api import expect

    page.goto("/work-orders/WO-BR-1")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    shot(page, "01-login")
    log_in(page, plant.a.code, "admin", plant.a.password)
    expect(page.locator("h1 .code")).to_have_text("WO-BR-1")  # back where the login started

    page.get_by_role("link", name="대시보드").click()
    expect(page.locator("h1")).to_have_text("대시보드")
    expect(page.locator("#wo-chart svg")).to_be_visible()  # ECharts drew the chart from the vendored copy
    shot(page, "02-dashboard")

    page.get_by_role("link", name="기준정보").click()
    expect(page.locator("#md-table tbody tr")).to_have_count(4)
    page.get_by_placeholder("코드나 이름으로 검색").fill("엣지")
    expect(page.locator("#md-table tbody tr")).to_have_count(1)  # htmx live filter
    expect(page.locator("#md-table tbody tr td").first).to_have_text("EDGE-1")
    expect(page).to_have_url(re.compile(r"/masterdata/items\?q="))
    shot(page, "03-items-search")
    for kind in ("equipment", "routings"):
        page.get_by_role("link", name={"equipment": "설비", "routings": "라우팅(공정 순서)"}[kind]).click()
        expect(page.locator("#md-table tbody tr").first).to_be_visible()
        shot(page, f"03-{kind}")

    nav_click(page, "작업지시")
    page.get_by_role("link", name="WO-BR-1").click()
    expect(page.locator("#wo-status")).to_have_text("계획")
    shot(page, "04-work-order")
    page.locator('button[data-command="release"]').click()
    expect(page.locator("#wo-flash")).to_contain_text("처리했습니다")
    expect(page.locator("#wo-status")).to_have_text("지시됨")
    expect(page.locator("#timeline li").first).to_contain_text("작업지시 발행")
    shot(page, "05-released")
    page.set_viewport_size({"width": 800, "height": 1280})  # the same tablet held upright
    shot(page, "05b-released-portrait")
    page.set_viewport_size({"width": 1280, "height": 800})

    # someone else releases WO-BR-2 while this page still offers the button: the 409 is shown clearly
    page.goto("/work-orders/WO-BR-2")
    plant.a.ok(plant.a.post("/work-orders/WO-BR-2/release"))
    page.locator('button[data-command="release"]').click()
    expect(page.locator("#wo-flash")).to_contain_text("처리할 수 없습니다")
    expect(page.locator("#wo-status")).to_have_text("지시됨")
    shot(page, "06-conflict")

    page.goto("/work-orders/WO-BR-0")  # one the floor has started
    expect(page.locator("#timeline li").first).to_contain_text("실적 보고")
    shot(page, "06b-in-progress")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator("#wo-status")).to_have_text("In progress")
    shot(page, "07-english")
    nav_click(page, "Work orders")
    expect(page.get_by_role("heading", name="Work orders")).to_be_visible()  # the choice is remembered
    shot(page, "08-work-orders-en")
    page.goto("/work-orders/NO-SUCH-ORDER")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()  # the menu stays
    shot(page, "09-not-found")
