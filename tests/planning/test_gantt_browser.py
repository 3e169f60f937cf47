"""The demo factory's plan in a real browser: the Gantt draws a bar per operation piece, a breakdown
reported from the page makes a new version whose plan avoids the outage, and a click on a bar chooses
that operation in the pin form. Writes docs/screenshots/planning-gantt.png.

Run with ``uv run pytest -m browser tests/planning``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.browser_support import log_in, page, server

from jejo.core.runtime import Runtime
from jejo.demo.seed import ADMIN, COMPANY, PASSWORD, seed_demo
from jejo.planning import service as ps

pytestmark = pytest.mark.browser
__all__ = ["page", "server"]  # the fixtures
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "planning-gantt.png"


def test_demo_plan_gantt_breakdown_and_pin(runtime: Runtime, page: Any) -> None:
    from playwright.sync_api import expect

    with runtime.transaction() as s:
        cid = seed_demo(s).company_id
        plan = ps.latest_plan(s, cid)
        assert plan is not None
        code, first = plan.code, plan.current_version
        n_ops = len(ps.get_version(plan).operations)

    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/login?next=/planning")
    log_in(page, COMPANY, ADMIN, PASSWORD)
    expect(page.locator("h1")).to_contain_text("생산계획")
    expect(page.locator("#gantt svg")).to_be_visible()
    bars = int(page.locator("#gantt").get_attribute("data-bars") or 0)
    assert bars >= n_ops  # an operation across a night or a break is drawn in pieces
    # the chart opens on the next few days and draws the pieces that reach into them (the plan may run
    # on past the window, by how much depends on the weekday and hour of the run)
    shown = page.evaluate(
        """() => {
          const chart = window.echarts.getInstanceByDom(document.getElementById('gantt'));
          const d = JSON.parse(document.getElementById('gantt-data').textContent);
          const z = chart.getOption().dataZoom[0];
          return d.bars.filter(b => b.e >= z.startValue && b.s <= z.endValue).length;
        }"""
    )
    assert 0 < shown <= bars
    assert page.locator("#gantt svg path, #gantt svg rect").count() > shown

    # MC-01 breaks down: report it from the page with a two-hour repair
    page.locator("#down-form select[name=equipment]").select_option("MC-01")
    page.locator("#down-form input[name=repair_minutes]").fill("120")
    page.get_by_role("button", name="지금 고장: 재계획").click()
    expect(page.locator("#plan-version")).to_contain_text(f"{first + 1} / {first + 1}", timeout=60_000)
    expect(page.locator("#gantt svg")).to_be_visible()
    expect(page.locator("#versions tbody tr").first).to_contain_text("설비 고장")

    with runtime.transaction() as s:
        v = ps.get_version(ps.get_plan(s, cid, code))
        assert v.reason == "breakdown" and ps.check_version(v) == []
        until = datetime.fromisoformat(v.detail["repair_until"])
        down_at = datetime.fromisoformat(v.detail["down_at"])
        for o in v.operations:
            if o.equipment_code == "MC-01" and o.status == "planned":
                assert o.end <= down_at or o.start >= until
        assert down_at <= datetime.now(UTC)

    page.mouse.move(0, 0)
    box = page.locator("#gantt").bounding_box()
    assert box is not None
    page.screenshot(
        path=str(SCREENSHOT),
        clip={"x": 0, "y": 0, "width": 1440, "height": box["y"] + box["height"] + 24},
        full_page=True,
    )

    # a click on a bar chooses that operation in the pin form
    target = page.evaluate(
        """() => {
          const chart = window.echarts.getInstanceByDom(document.getElementById('gantt'));
          const d = JSON.parse(document.getElementById('gantt-data').textContent);
          const at = b => chart.convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [(b.s + b.e) / 2, b.row]);
          // the widest bar not started whose middle is in the zoomed window (the plan may run on past it)
          const wide = d.bars.filter(b => !b.started && chart.containPixel({gridIndex: 0}, at(b)))
            .sort((a, b) => (b.e - b.s) - (a.e - a.s));
          const b = wide[0];
          const [x, y] = at(b);
          return {x: x, y: y, op: b.wo + '/' + b.seq, eq: b.eq};
        }"""
    )
    page.locator("#gantt").scroll_into_view_if_needed()
    box = page.locator("#gantt").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    expect(page.locator("#pin-operation")).to_have_value(target["op"])
    expect(page.locator("#pin-equipment")).to_have_value(target["eq"])
    assert page.locator("#pin-start").input_value()


def test_forecast_page_in_the_browser(runtime: Runtime, app: Any, page: Any, tmp_path: Path) -> None:
    """The demand forecast and load page: weeks over capacity stand out; the form changes the horizon."""
    from zoneinfo import ZoneInfo

    from fastapi.testclient import TestClient
    from playwright.sync_api import expect
    from tests.conftest import Tenant, build_plant
    from tests.planning.test_demand import _orders

    with TestClient(app) as c:
        t = Tenant(runtime, c)
        build_plant(t)
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    _orders(t, runtime, today - timedelta(days=today.weekday()))
    page.context.clear_cookies()
    page.goto("/login?next=/planning/forecast")
    log_in(page, t.code, "admin", t.password)
    expect(page.locator("h1")).to_have_text("수요 예측·부하")
    expect(page.locator("#load tbody tr")).to_have_count(3)  # WC-SAW, WC-EDGE, WC-ASM
    expect(page.locator("#items tbody tr", has_text="CAB-600")).to_contain_text("auto-ets")
    page.get_by_label("예측 주수").fill("4")
    page.get_by_role("button", name="보기").click()
    expect(page.locator("#load thead th")).to_have_count(2 + 4)
    page.screenshot(path=str(tmp_path / "forecast.png"), full_page=True)
