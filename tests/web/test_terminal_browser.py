"""The operator terminal and the line board in Debian's chromium (Playwright), against a uvicorn server.

The operator completes an operation with scrap while the network is cut (the browser's offline mode) and
while one answer is lost on the way back; the event log then holds every action exactly once. The line
board changes a tile when a machine stops, without a reload. axe-core checks the pages.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.browser_support import browser_context as open_browser_context
from tests.browser_support import log_in, server, watched_page
from tests.web.helpers import PASSWORD, Plant, make_plant
from tests.web.test_browser import SHOTS

from jejo.core.runtime import Runtime
from jejo.execution.tables import Event, OperationState, WorkOrder

pytestmark = pytest.mark.browser
__all__ = ["server"]  # the fixture

AXE = "/static/vendor/axe.min.js"


@pytest.fixture(scope="module")
def plant(runtime: Runtime, app: Any) -> Plant:
    with TestClient(app) as c:
        return make_plant(runtime, c, {"WO-TB-0": "release", "WO-TB-1": "release"})


@pytest.fixture(scope="module")
def browser_context(server: str) -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with open_browser_context(server) as context:
        yield context


@pytest.fixture(scope="module")
def page(browser_context: Any, plant: Plant) -> Iterator[Any]:
    with watched_page(browser_context) as pg:
        pg.goto("/login?next=/terminal")
        log_in(pg, plant.a.code, "op1", PASSWORD)
        pg.wait_for_url(re.compile(r"/terminal$"))
        yield pg


def axe_serious(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page (WCAG 2.1 A/AA rules)."""
    page.add_script_tag(url=AXE)
    result = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
              values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']}))
            .violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).slice(0, 3)})`)"""
    )
    return list(result)


def wait_until(check: Any, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def floor_events(runtime: Runtime, company_id: int, wo: str) -> list[Event]:
    with runtime.transaction() as s:
        wo_id = s.scalar(select(WorkOrder.id).where(WorkOrder.company_id == company_id, WorkOrder.code == wo))
        return list(s.scalars(select(Event).where(Event.work_order_id == wo_id).order_by(Event.seq)))


def test_complete_with_scrap_through_a_network_cut(
    page: Any, browser_context: Any, plant: Plant, runtime: Runtime
) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="작업자 단말기")).to_be_visible()
    assert axe_serious(page) == []
    page.get_by_role("link", name=re.compile("재단")).first.click()
    expect(page.locator("#op-panel")).to_be_visible()
    page.locator('a.queue-item[data-wo="WO-TB-1"]').click()  # the htmx-free body swap
    panel = page.locator('#op-panel[data-wo="WO-TB-1"]')
    expect(panel).to_have_attribute("data-status", "pending")
    assert axe_serious(page) == []
    page.screenshot(path=str(SHOTS / "10-terminal.png"), full_page=True)

    page.get_by_role("button", name="시작").click()
    wait_until(
        lambda: len(floor_events(runtime, plant.a.company_id, "WO-TB-1")) == 3
    )  # created, released, started
    expect(page.locator("#terminal")).to_have_attribute("data-pending", "0")
    expect(page.locator('#op-panel[data-wo="WO-TB-1"]')).to_have_attribute("data-status", "running")

    # the network goes away: the operator keeps working, the tablet keeps the actions
    browser_context.set_offline(True)
    page.locator('button[data-action="qty-set"][data-qty="5"]').click()
    page.get_by_role("button", name="양품 보고").click()
    expect(page.locator("#count-good")).to_have_text("5")
    page.locator('button[data-action="scrap"][data-reason="SCR-CHIP"]').click()
    expect(page.locator("#count-scrap")).to_have_text("1")
    page.get_by_role("button", name="완료").click()
    expect(page.locator("#net")).to_have_class(re.compile("net-offline"))
    expect(page.locator("#net-pending")).to_have_text("전송 대기 3건")
    page.screenshot(path=str(SHOTS / "11-terminal-offline.png"), full_page=True)
    assert [e.type for e in floor_events(runtime, plant.a.company_id, "WO-TB-1")][-1] == "operation.started"

    # back online, but the first answer is lost on the way back: the server has the event, the tablet
    # does not know it and posts it again with the same idempotency key (a no-op)
    lost: list[str] = []

    def lose_first_answer(route: Any) -> None:
        if not lost:
            response = route.fetch()
            lost.append(f"{response.status}")
            route.abort()
        else:
            route.continue_()

    page.route("**/api/v1/events", lose_first_answer)
    browser_context.set_offline(False)
    expect(page.locator("#terminal")).to_have_attribute("data-pending", "0", timeout=20_000)
    assert lost == ["201"]
    page.unroute("**/api/v1/events")
    expect(page.locator("#net")).to_have_class(re.compile("net-online"))
    expect(page.locator('a.queue-item[data-wo="WO-TB-1"]')).to_have_count(0)  # completed: off the queue

    events = floor_events(runtime, plant.a.company_id, "WO-TB-1")
    assert Counter(e.type for e in events) == {
        "work_order.created": 1,
        "work_order.released": 1,
        "operation.started": 1,
        "quantity.reported": 2,
        "operation.completed": 1,
    }
    reports = sorted(
        (e.payload.get("good", 0), e.payload.get("scrap", 0)) for e in events if e.type == "quantity.reported"
    )
    assert reports == [(0, 1), (5, 0)]
    assert len({e.idempotency_key for e in events}) == len(events)
    assert all(e.actor == "op1" for e in events if e.type.startswith(("operation", "quantity")))
    with runtime.transaction() as s:
        wo_id = s.scalar(
            select(WorkOrder.id).where(
                WorkOrder.code == "WO-TB-1", WorkOrder.company_id == plant.a.company_id
            )
        )
        op = s.get(OperationState, (wo_id, 10))
        assert op is not None and op.status == "completed" and (op.good, op.scrap) == (5, 1)
        assert op.scrap_by_reason == {"SCR-CHIP": 1}


def test_terminal_in_vietnamese_on_a_phone(page: Any) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/terminal/WC-SAW?lang=vi")
    expect(page.get_by_role("button", name="Báo hàng đạt")).to_be_visible()
    assert axe_serious(page) == []
    page.screenshot(path=str(SHOTS / "12-terminal-vi-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/terminal/WC-SAW?lang=ko")


def test_line_board_updates_without_reload(page: Any, plant: Plant) -> None:
    from playwright.sync_api import expect

    page.goto("/")  # the dashboard
    expect(page.locator("h1")).to_have_text("대시보드")
    assert axe_serious(page) == []

    page.goto("/board")
    board = page.locator("#board")
    expect(board).to_have_attribute("data-updates", re.compile(r"[1-9]"))  # the stream is connected
    tile = page.locator('li.mtile[data-equipment="PC-SAW-01"]')
    expect(tile).to_have_attribute("data-state", "running")
    assert axe_serious(page) == []
    page.evaluate("window.__sameDocument = true")
    plant.a.ok(
        plant.a.post(
            "/events",
            {"type": "machine.state_changed", "payload": {"equipment": "PC-SAW-01", "state": "down"}},
        ),
        201,
    )
    expect(tile).to_have_attribute("data-state", "down", timeout=10_000)
    expect(page.locator(".alarms")).to_contain_text("PC-SAW-01")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    page.screenshot(path=str(SHOTS / "13-board-down.png"), full_page=True)

    # the operator at the saw gives the reason; the board shows it
    page.goto("/terminal/WC-SAW")
    expect(page.locator(".stop-alert")).to_be_visible()
    page.locator('.stop-alert button[data-reason="DT-BREAK"]').click()
    expect(page.locator("#term-msg")).to_have_text("정지 사유를 기록했습니다.")
    expect(page.locator("#terminal")).to_have_attribute("data-pending", "0")
    page.goto("/board")
    expect(page.locator('li.mtile[data-equipment="PC-SAW-01"] .mtile-reason')).to_have_text("고장")
