"""The sales, quality and maintenance pages in a real browser (chromium through Playwright).

Run with ``uv run pytest -m browser tests/sales``; screenshots land in ``out/web/`` (git-ignored)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Tenant, build_plant
from tests.web.test_browser import page, server, shot

pytestmark = pytest.mark.browser
__all__ = ["page", "server"]  # the fixtures, shared with the web pages' browser test


def test_sales_quality_and_maintenance_pages(page: Any, tenant: Tenant) -> None:
    from playwright.sync_api import expect

    t = tenant
    build_plant(t)
    t.ok(t.post("/sales/customers", {"code": "HANSAM-DL", "name": "한빛 가구 대리점"}), 201)
    line = {"item": "CAB-600", "quantity": 3, "unit_price": 150000, "requested_date": "2026-12-20"}
    t.ok(
        t.post(
            "/sales/orders",
            {"code": "SO-BR", "customer": "HANSAM-DL", "order_date": "2026-11-20", "lines": [line]},
        ),
        201,
    )
    t.ok(
        t.post(
            "/events",
            {
                "type": "inventory.received",
                "payload": {"item": "CAB-600", "lot": "FG-BR", "quantity": 3, "location": "WH-FG"},
            },
        ),
        201,
    )
    t.ok(
        t.post(
            "/sales/orders/SO-BR/shipments",
            {"code": "SH-BR", "lines": [{"line": 1, "lot": "FG-BR", "location": "WH-FG", "quantity": 2}]},
        ),
        201,
    )
    t.ok(
        t.post(
            "/maintenance/orders",
            {
                "code": "MO-BR",
                "equipment": "PC-SAW-01",
                "description": "톱날 소음",
                "checklist": ["톱날 점검"],
            },
        ),
        201,
    )

    page.goto("/sales/orders")
    page.get_by_label("회사 코드").fill(t.code)
    page.get_by_label("사용자 ID").fill("admin")
    page.get_by_label("비밀번호").fill(t.password)
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("h1")).to_have_text("수주")
    page.get_by_role("link", name="SO-BR").click()
    expect(page.locator("h1 .code")).to_have_text("SO-BR")
    expect(page.get_by_text("SH-BR")).to_be_visible()
    expect(page.get_by_text("₩495,000").first).to_be_visible()  # 3 × 150,000 + 10 % VAT
    shot(page, "plant-01-sales-order")
    page.get_by_role("link", name="품질", exact=True).click()
    expect(page.get_by_text("보류 중인 로트가 없습니다.")).to_be_visible()
    page.get_by_role("link", name="설비보전", exact=True).click()
    page.get_by_role("link", name="MO-BR").click()
    expect(page.get_by_text("톱날 점검")).to_be_visible()
    shot(page, "plant-02-maintenance-order")
