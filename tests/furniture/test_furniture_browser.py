"""The furniture pages in a real browser: enter an order, plan it (a diagram per sheet), scan at the board."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import Tenant
from tests.web.helpers import nav_click
from tests.web.test_browser import page, server, shot  # noqa: F401  (fixtures)

from jejo.core.runtime import Runtime

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop(runtime: Runtime, app: Any) -> Tenant:
    with TestClient(app) as c:
        return Tenant(runtime, c)


def test_order_plan_and_scan(page: Any, shop: Tenant) -> None:  # noqa: F811
    page.goto("/login")
    page.get_by_label("회사 코드").fill(shop.code)
    page.get_by_label("사용자 ID").fill("admin")
    page.get_by_label("비밀번호").fill(shop.password)
    page.get_by_role("button", name="로그인").click()
    nav_click(page, "가구")
    page.get_by_label("주문 번호").fill("FB1")
    page.locator("input[name=due_date]").fill("2026-12-24")
    page.locator("select[name=kind_0]").select_option("base")
    page.locator("input[name=qty_0]").fill("2")
    page.locator("select[name=kind_1]").select_option("wall")
    page.locator("input[name=width_1]").fill("800")
    page.locator("input[name=qty_1]").fill("1")
    page.get_by_role("button", name="주문 등록").click()
    page.wait_for_url("**/furniture/orders/FB1")
    page.get_by_role("button", name="재단 계획 세우기").click()
    page.wait_for_selector("figure.sheet-diagram svg")
    assert page.locator("figure.sheet-diagram svg").count() >= 3
    assert "수율" in page.locator("#plan-figures").inner_text()
    shot(page, "furniture-plan")
    page.get_by_role("link", name="추적 현황판").first.click()
    page.locator("select[name=station]").select_option("WC-SAW")
    page.locator("input[name=part_id]").fill("FB1-C01-01")
    page.get_by_role("button", name="스캔").click()
    page.wait_for_selector("#scan-flash")
    assert "재단 완료" in page.locator("#scan-flash").inner_text()
    page.locator("input[name=part_id]").fill("FB1-C01-01")
    page.get_by_role("button", name="스캔").click()
    page.wait_for_function("document.querySelector('#scan-flash').innerText.includes('이미')")
    shot(page, "furniture-board")
