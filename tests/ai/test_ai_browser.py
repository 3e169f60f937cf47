"""The AI pages in a real browser (Debian's chromium driven by Playwright against a uvicorn server),
over the closed loop's data: the findings inbox with acknowledge / dismiss, a finding's chart of the
signal and the anomaly score, the model registry with rollback, the playbook's maintenance order; the
playbook editor and approving a waiting action with its button.

Run with ``uv run pytest -m browser tests/ai``; the findings screenshot is kept as
``docs/screenshots/ai-findings.png``, the editor's (desk and tablet width) in the test's temporary folder.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.ai.test_closed_loop import run_closed_loop
from tests.browser_support import log_in, page, server
from tests.conftest import Tenant, build_plant

from jejo.ai import findings as fd
from jejo.ai import registry
from jejo.core.runtime import Runtime
from jejo.playbooks import service as pbs

pytestmark = pytest.mark.browser
__all__ = ["page", "server"]  # the fixtures

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def loop_tenant(runtime: Runtime, app: Any) -> Tenant:
    with TestClient(app) as c:
        t = Tenant(runtime, c)
        loop = run_closed_loop(runtime, t)
        assert loop.found_at is not None
        with runtime.transaction() as s:  # a second, unrelated finding to dismiss on the page
            fd.raise_finding(
                s,
                t.company_id,
                kind="anomaly",
                equipment="EB-01",
                window_start=datetime.now(UTC) - timedelta(hours=3),
                window_end=datetime.now(UTC) - timedelta(hours=2, minutes=30),
                score=1.12,
                summary="EB-01: 평소보다 높은 신호 — 온도 최대 39.2 (평소 37.1, +3.9σ)",
            )
            row = registry.get_model(s, t.company_id, "health-MC-01")
            # a retrained candidate next to the active version
            model = registry.load(row, runtime.settings.ensure_data_dir())
            registry.register(
                s,
                t.company_id,
                runtime.settings.ensure_data_dir(),
                name=row.name,
                model=model,
                features=row.features,
                data_ref=row.data_ref,
                metrics={**row.metrics, "holdout_alarm_rate": 0.0},
                created_by="정보전",
                equipment=row.equipment_code,
                scope=row.scope,
                data_start=row.data_start,
                data_end=row.data_end,
            )
        return t


def test_findings_inbox_chart_registry_and_playbook(page: Any, loop_tenant: Tenant) -> None:
    from playwright.sync_api import expect

    t = loop_tenant
    page.goto("/login")
    log_in(page, t.code, "admin", t.password)
    menu = page.locator("nav.mainnav details", has=page.locator("a[href='/ai']"))
    if menu.count():  # the link sits in a drop-down group of the main menu
        menu.locator("summary").click()
    page.get_by_role("link", name="제조AI").click()
    expect(page.locator("h1")).to_have_text("발견 사항")
    rows = page.locator("#findings tbody tr")
    expect(rows).to_have_count(2)
    mc01 = rows.filter(has_text="MC-01")
    expect(mc01).to_contain_text("진동")
    # dismiss the other machine's finding, in place (htmx)
    eb01 = rows.filter(has_text="EB-01")
    eb01.get_by_role("button", name="오탐 처리").click()
    expect(eb01.locator(".badge")).to_have_text("오탐")
    expect(eb01.get_by_role("button", name="확인")).to_have_count(0)
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SHOTS / "ai-findings.png"), full_page=True)

    mc01.get_by_role("link", name="MC-01").click()
    expect(page.locator("#finding-chart svg")).to_be_visible()  # ECharts drew signal + score
    expect(page.locator("section", has_text="주요 기여 신호").locator("tbody tr").first).to_contain_text(
        "vibration"
    )
    page.get_by_role("button", name="확인", exact=True).click()
    expect(page.locator(".wo-title .badge")).to_have_text("확인됨")
    order = page.locator("section", has_text="조치 내역").get_by_role("link")
    expect(order).to_contain_text("보전 작업지시 MO-")
    page.screenshot(path=str(DOCS_SHOTS / "ai-finding-detail.png"), full_page=True)
    order.click()
    expect(page.locator("h1 .code")).to_contain_text("MO-")
    expect(page.locator("body")).to_contain_text("베어링 점검")

    page.goto("/ai/models")
    table = page.locator("#models tbody tr")
    expect(table).to_have_count(2)
    expect(table.nth(0)).to_contain_text("후보")
    expect(table.nth(1)).to_contain_text("운영 중")
    table.nth(0).get_by_role("button", name="운영 전환").click()
    expect(page.locator("#models tbody tr").nth(0)).to_contain_text("운영 중")
    page.locator("#models tbody tr").nth(0).get_by_role("button", name="되돌리기").click()
    expect(page.locator("#models tbody tr").nth(1)).to_contain_text("운영 중")
    expect(page.locator("#models tbody tr").nth(0)).to_contain_text("퇴역")

    page.goto("/ai/playbooks")
    expect(page.locator("#playbooks")).to_contain_text("PB-SPINDLE-VIB")
    expect(page.locator("#actions tbody tr")).to_have_count(1)
    expect(page.locator("#actions")).to_contain_text("보전 작업지시 MO-")


def test_playbook_editor_and_approving_an_action(
    page: Any, runtime: Runtime, app: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    with TestClient(app) as c:
        t = Tenant(runtime, c)
        build_plant(t)
    page.context.clear_cookies()  # the other test's user is logged out
    page.goto("/login")
    log_in(page, t.code, "admin", t.password)
    page.goto("/ai/playbooks")
    page.get_by_role("link", name="새 플레이북").click()
    expect(page.locator("h1")).to_have_text("새 플레이북")
    expect(page.get_by_label("이벤트 유형")).to_be_hidden()  # a finding's playbook: no event type
    page.get_by_label("코드").fill("PB-BROWSER")
    page.get_by_label("이름").fill("엣지 설비 진동 → 보전 (보전 담당 승인)")
    page.get_by_label("발견 사항 종류").select_option("anomaly")
    page.get_by_label("설비", exact=True).fill("EB-*")
    page.get_by_label("최소 점수").fill("1.5")
    page.get_by_label("계획 기한(시간)").fill("0")  # refused: the form comes back with the problem
    page.get_by_label("설명").fill("베어링 점검")
    page.get_by_label("점검표").fill("진동 측정\n윤활 확인")
    page.get_by_label("승인자").select_option("maintenance")
    page.get_by_label("조치 종류").select_option("notify")  # the notice's fields, not the order's
    expect(page.get_by_label("메시지")).to_be_visible()
    expect(page.get_by_label("점검표")).to_be_hidden()
    page.get_by_label("조치 종류").select_option("maintenance_order")
    page.get_by_role("button", name="저장").click()
    expect(page.locator("#err-f-params-plan_within_hours")).to_have_text("0보다 큰 숫자를 입력하세요.")
    expect(page.get_by_label("이름")).to_have_value("엣지 설비 진동 → 보전 (보전 담당 승인)")
    page.screenshot(path=str(tmp_path / "playbook-editor-error.png"), full_page=True)
    page.get_by_label("계획 기한(시간)").fill("4")
    page.get_by_role("button", name="저장").click()
    expect(page.locator(".flash-ok")).to_contain_text("PB-BROWSER")
    row = page.locator("#playbooks tbody tr", has_text="PB-BROWSER")
    expect(row).to_contain_text("보전 담당")
    row.get_by_role("link", name="편집").click()
    expect(page.get_by_label("코드")).to_have_value("PB-BROWSER")
    expect(page.get_by_label("점검표")).to_have_value("진동 측정\n윤활 확인")
    page.screenshot(path=str(tmp_path / "playbook-editor.png"), full_page=True)

    # an anomaly on EB-01: the playbook's order waits for approval; the admin approves it on the page
    with runtime.transaction() as s:
        now = datetime.now(UTC)
        f, _ = fd.raise_finding(
            s,
            t.company_id,
            kind="anomaly",
            equipment="EB-01",
            window_start=now,
            window_end=now,
            score=2.0,
        )
        assert [a.status for a in pbs.run_for_findings(s, t.company_id, [f])] == ["pending"]
    page.goto("/ai/playbooks")
    action = page.locator("#actions tbody tr", has_text="PB-BROWSER")
    expect(action.locator(".badge")).to_have_text("승인 대기")
    expect(action).to_contain_text("승인 필요: 보전 담당")
    page.screenshot(path=str(tmp_path / "playbook-pending.png"), full_page=True)
    action.get_by_role("button", name="승인").click()
    expect(page.locator("#actions-table .flash-ok")).to_contain_text("승인했습니다")
    action = page.locator("#actions tbody tr", has_text="PB-BROWSER")
    expect(action.locator(".badge")).to_have_text("완료")
    expect(action).to_contain_text("보전 작업지시 MO-")
    expect(action).to_contain_text("승인자 admin")
    expect(action.get_by_role("button", name="되돌리기")).to_be_visible()
    page.screenshot(path=str(tmp_path / "playbook-actions.png"), full_page=True)
    page.set_viewport_size({"width": 800, "height": 1280})  # a tablet held upright
    try:
        page.goto("/ai/playbooks/PB-BROWSER/edit")
        expect(page.get_by_label("설비", exact=True)).to_have_value("EB-*")
        page.screenshot(path=str(tmp_path / "playbook-editor-tablet.png"), full_page=True)
        page.goto("/ai/playbooks")
        page.screenshot(path=str(tmp_path / "playbooks-tablet.png"), full_page=True)
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})
