"""The performance dashboard in Debian's chromium: every view draws its charts from the demo factory's
week, the filters and tabs work by mouse and keyboard, and axe-core finds no serious violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from tests.browser_support import browser_page, log_in, server
from tests.web.test_browser import SHOTS
from tests.web.test_terminal_browser import axe_serious

from jejo.core.runtime import Runtime
from jejo.core.tenancy import Company
from jejo.demo.seed import ADMIN, COMPANY, PASSWORD, seed_demo

pytestmark = pytest.mark.browser
__all__ = ["server"]  # the fixture


@pytest.fixture(scope="module")
def demo(runtime: Runtime) -> int:
    with runtime.transaction() as s:
        seed_demo(s, days=5)
        cid = s.scalar(select(Company.id).where(Company.code == COMPANY))
    assert cid is not None
    return int(cid)


@pytest.fixture(scope="module")
def page(server: str, demo: int) -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page(server, timeout_ms=15_000) as pg:
        pg.goto("/login?next=/dashboards")
        log_in(pg, COMPANY, ADMIN, PASSWORD)
        pg.wait_for_url(re.compile(r"/dashboards$"))
        yield pg


def drawn(page: Any) -> int:
    """How many chart boxes ECharts has drawn into (an SVG each)."""
    page.wait_for_function(
        "document.querySelectorAll('[data-chart]').length === 0 || "
        "document.querySelectorAll('[data-chart][data-drawn] svg').length > 0"
    )
    return int(page.evaluate("document.querySelectorAll('[data-chart][data-drawn] svg').length"))


def test_each_view_draws_its_charts_and_passes_axe(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="성과 대시보드")).to_be_visible()
    assert drawn(page) >= 4  # OEE by day, waterfall, by machine, MTBF/MTTR
    page.screenshot(path=str(SHOTS / "dashboard-oee.png"), full_page=True)
    assert axe_serious(page) == []
    for tab, name in (("로스 분석", "losses"), ("작업지시 진척", "orders"), ("PQCD 개선 전·후", "pqcd")):
        page.get_by_role("navigation", name="대시보드 보기").get_by_role("link", name=tab).click()
        page.wait_for_load_state()
        assert drawn(page) >= 1, name
        assert axe_serious(page) == [], name
        page.screenshot(path=str(SHOTS / f"dashboard-{name}.png"), full_page=True)


def test_filters_by_keyboard_narrow_to_one_machine(page: Any) -> None:
    page.goto("/dashboards?tab=oee")
    scope = page.get_by_label("범위")
    scope.focus()
    option = page.locator("select[name=target] optgroup[label='설비'] option").first
    scope.select_option(option.get_attribute("value"))
    page.keyboard.press("Tab")
    page.get_by_role("button", name="적용").press("Enter")
    page.wait_for_url(re.compile(r"target=equipment"))
    assert drawn(page) >= 4
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 1
