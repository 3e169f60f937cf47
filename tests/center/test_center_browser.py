"""The center pages in a real browser (Debian's chromium, Playwright) over a live server: a consultant
registers a firm (a wrong 사업자등록번호 is refused, naming the field), opens the diagnosis pre-filled from
the demo factory's measured data with its radar, checks eligibility, confirms a mentor; the firm user
sees only its own firm. Screenshots land in docs/screenshots/center-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.browser_support import browser_page, log_in, server
from tests.center.center_setup import business_number
from tests.conftest import Tenant, build_plant, unique

from jejo.center.demo import PASSWORD, seed_center
from jejo.center.tables import Firm
from jejo.core.runtime import Runtime
from jejo.core.timeutil import utcnow
from jejo.telemetry.store import TagRegistry, write_samples

pytestmark = pytest.mark.browser
__all__ = ["server"]  # the fixture

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def center(runtime: Runtime, app: Any) -> dict[str, Any]:
    """A plant tenant with some measured data, and a center tenant whose demo firm links to it."""
    with TestClient(app) as c:
        plant = Tenant(runtime, c)
        build_plant(plant)
        now = utcnow()
        plant.ok(
            plant.post(
                "/work-orders", {"code": "WO-1", "item": "CAB-600", "quantity": 5, "due_date": "2026-12-31"}
            ),
            201,
        )
        plant.ok(plant.post("/work-orders/WO-1/release"))
        plant.ok(
            plant.post(
                "/events",
                {
                    "type": "inventory.received",
                    "occurred_at": (now - timedelta(days=1)).isoformat(),
                    "payload": {"item": "PB-18", "lot": "RAW-1", "quantity": 50, "location": "WH-RAW"},
                },
            ),
            201,
        )
        plant.ok(
            plant.put(
                "/maintenance/plans",
                {
                    "code": "PM-1",
                    "name": "톱날",
                    "equipment": "PC-SAW-01",
                    "trigger": "counter",
                    "interval": 1000,
                },
            )
        )
    with runtime.transaction() as s:
        conn = s.connection()
        reg = TagRegistry()
        ids = reg.ids(conn, plant.company_id, ["PC-SAW-01.total", "EB-01.total"])
        write_samples(conn, [(i, int(now.timestamp() * 1000), 10.0, None) for i in ids.values()])
    code = unique("CTR")
    with runtime.transaction() as s:
        cid = seed_center(s, plant.company_id, now.date(), code=code)
        firms = {f.name: str(f.id) for f in s.scalars(select(Firm).where(Firm.company_id == cid))}
    return {"code": code, "firms": firms}


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page(server, width=1366, height=900, timeout_ms=15_000) as pg:
        yield pg


def shot(page: Any, name: str, full: bool = True) -> None:
    page.screenshot(path=str(SHOTS / f"center-{name}.png"), full_page=full)


def login(page: Any, company: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    log_in(page, company, username, PASSWORD)
    page.wait_for_load_state("networkidle")


def test_consultant_walks_the_center_pages(page: Any, center: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    login(page, center["code"], "consultant")
    page.goto("/center/firms")
    expect(page.locator("h1")).to_contain_text("기업 관리")
    expect(page.locator("table.grid tbody tr")).to_have_count(6)
    shot(page, "firms")

    # register a firm: a wrong check digit is refused, naming the field; then the right number goes through
    good = business_number()
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    page.get_by_label("사업자등록번호", exact=True).fill(wrong)
    page.get_by_label("기업명").fill("포천새가구")
    page.locator("input[name=sigungu]").fill("포천시")
    page.get_by_label("업종 (KSIC)").fill("C32")
    page.get_by_role("button", name="등록", exact=True).click()
    expect(page.locator("#firm-problems")).to_contain_text("business_number")
    shot(page, "firm-register-error", full=False)
    page.get_by_label("사업자등록번호", exact=True).fill(good)
    page.get_by_role("button", name="등록", exact=True).click()
    expect(page.locator("h1")).to_contain_text("포천새가구")

    demo = center["firms"]["한빛가구 주식회사 (데모)"]
    page.goto(f"/center/firms/{demo}")
    expect(page.locator("h1")).to_contain_text("한빛가구")
    shot(page, "firm")
    page.get_by_role("button", name="수준 진단 시작").click()
    expect(page.locator("h1")).to_contain_text("수준 진단")
    expect(page.locator(".prefilled").first).to_be_visible()  # pre-filled from the plant's measured data
    expect(page.locator("#radar svg")).to_be_visible()
    # the seeded, completed diagnosis with its radar
    page.goto(f"/center/firms/{demo}")
    page.locator("table.grid a[href^='/center/diagnoses/']").last.click()
    expect(page.locator("#radar svg")).to_be_visible()
    expect(page.locator(".level-badge")).to_contain_text("Level")
    shot(page, "diagnosis")
    page.locator("text=측정 데이터로 자동 입력").first.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -260)")  # below the sticky top bar
    shot(page, "diagnosis-prefill", full=False)

    page.goto(f"/center/firms/{center['firms']['나누리가구']}/eligibility?year=2026")
    expect(page.locator("h2").filter(has_text="자율형공장")).to_be_visible()
    expect(page.locator("td.fail").first).to_be_visible()
    shot(page, "eligibility")
    page.goto("/center/programs")
    expect(page.locator("h2").filter(has_text="레전드 50+")).to_be_visible()
    shot(page, "programs")
    page.goto("/center/applications")
    shot(page, "applications")
    page.locator("a", has_text="정부일반형 스마트공장 구축지원").first.click()
    expect(page.locator(".stepper li.now")).to_have_text("선정")
    expect(page.locator("table.grid tr.best")).to_contain_text("한강MES")  # cheapest quote first
    shot(page, "application")
    page.goto("/center/mentors")
    proposed = page.locator("button", has_text="확정")
    n = proposed.count()
    assert n >= 1
    proposed.first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("button", has_text="확정")).to_have_count(n - 1)
    shot(page, "mentors")
    page.goto("/center/suppliers")
    expect(page.locator("h2").filter(has_text="북부스마트솔루션")).to_be_visible()
    shot(page, "suppliers")


def test_firm_user_sees_only_its_firm(page: Any, center: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    login(page, center["code"], "firm")
    page.goto("/center/firms")
    expect(page.locator("table.grid tbody tr")).to_have_count(1)
    expect(page.locator("table.grid tbody")).to_contain_text("한빛가구")
    r = page.goto(f"/center/firms/{center['firms']['나누리가구']}")
    assert r is not None and r.status == 404
    page.goto("/center/firms")
    shot(page, "firm-user", full=False)
    assert re.search(r"/center/firms", page.url)
