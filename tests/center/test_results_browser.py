"""The plan editor and the results-sharing day in a real browser (Debian chromium through Playwright),
in Korean; the screenshots and the booklet's pages go to docs/screenshots/center-*.png."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.browser_support import browser_page, log_in, server
from tests.center.results_helpers import business_number, history_span, seed_demo

from jejo.core.runtime import Runtime

pytestmark = pytest.mark.browser
__all__ = ["server"]  # the fixture

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "consult-pass-1"


def _setup(runtime: Runtime, server: str) -> dict[str, Any]:
    """A center with six firms; the demo factory's jejo pushes its results, the others reported theirs."""
    from tests.conftest import unique

    from jejo.center import federation as fed
    from jejo.center import firms, plans, results
    from jejo.center.schemas import FirmIn
    from jejo.masterdata import users

    demo = seed_demo(runtime)
    code = unique("GNC")
    firm_ids: dict[str, Any] = {}
    with runtime.transaction() as s:
        center = users.create_company(s, code, "경기북부스마트제조혁신센터")
        users.create_user(s, center.id, "kim", PASSWORD, ["consultant"], "김컨설턴트")
        for name, sigungu, ksic, plant in (
            ("한빛가구 주식회사", "포천시", "C32", "DEMO"),
            ("나무마루가구", "포천시", "C32", None),
            ("솔숲퍼니처", "포천시", "C32", None),
            ("포천우드", "포천시", "C32", None),
            ("연천목공", "연천군", "C32", None),
            ("양주정밀", "양주시", "C25", None),
        ):
            f = firms.create_firm(
                s,
                center.id,
                FirmIn(
                    business_number=business_number(),
                    name=name,
                    representative="대표",
                    sigungu=sigungu,
                    ksic_code=ksic,
                    employees=20,
                    revenue_krw=3_000_000_000,
                    factory_registered=True,
                    main_products="주방 가구",
                    plant_company=plant,
                ),
            )
            firm_ids[name] = f.id
        _link, token = fed.issue_link(
            s, center.id, firm_ids["한빛가구 주식회사"], runtime.settings.effective_secret_key()
        )
        typed = {  # (uph before/after, defect rate before/after, program, year)
            "나무마루가구": ((10, 12.5), (3.1, 2.2), "SF-LEAD", 2025),
            "솔숲퍼니처": ((8, 9.6), (4.0, 2.9), "SF-LEAD", 2025),
            "포천우드": ((12, 15.0), (2.6, 2.1), "MFG-AI", 2025),
            "연천목공": ((6, 7.0), (5.0, 4.2), "SF-LEAD", 2025),
            "양주정밀": ((30, 36.0), (1.8, 1.1), "MFG-AI", 2025),
        }
        for name, (uph, dr, program, year) in typed.items():
            for key, (b, a) in (("uph", uph), ("defect_rate", dr)):
                fed.enter_result(
                    s,
                    center.id,
                    firm_ids[name],
                    project=f"{program}-{year}",
                    indicator=key,
                    year=year,
                    before=b,
                    after=a,
                    consent="public",
                    program=program,
                )
    start, end = history_span(runtime, demo)
    mid = (start + (end - start) / 2).replace(hour=0, minute=0)
    with runtime.transaction() as s:
        pcode = unique("SF")
        p = results.create_project(
            s,
            demo,
            code=pcode,
            title="2025 선도형 스마트공장",
            program="SF-LEAD",
            year=2025,
            before_from=start,
            before_to=mid,
            after_from=mid,
            after_to=end,
            center_url=server,
            center_token=token,
            case_study=True,
        )
        results.measure_project(s, p)
        results.set_value(s, p, "employment", 22, 25)
        for key, consent in (
            ("uph", "public"),
            ("defect_rate", "public"),
            ("employment", "public"),
            ("lead_time", "center"),
        ):
            results.set_consent(s, p, key, consent)
        results.queue_push(s, p)
    with httpx.Client(timeout=30) as client, runtime.transaction() as s:
        assert results.deliver(s, demo, client)["failed"] == []
    with runtime.transaction() as s:
        plan = plans.draft_plan(
            s,
            center.id,
            firm_ids["한빛가구 주식회사"],
            code="PLAN-2026-01",
            program="2026/SF-LEAD",
            target_level="중간2",
            baseline_from=start,
            baseline_to=end,
            kpi_keys=["uph", "defect_rate", "lead_time"],
            created_by="김컨설턴트",
        )
        plans.update_budget(
            s,
            plan,
            [
                {
                    "item": "MES·POP (실적 자동 집계)",
                    "category": "SW",
                    "total_krw": 120_000_000,
                    "government_krw": 60_000_000,
                    "cash_krw": 48_000_000,
                    "in_kind_krw": 12_000_000,
                },
                {
                    "item": "설비 데이터 수집 (OPC UA 게이트웨이)",
                    "category": "HW",
                    "total_krw": 80_000_000,
                    "government_krw": 40_000_000,
                    "cash_krw": 40_000_000,
                    "in_kind_krw": 0,
                },
            ],
        )
    return {"company": code}


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    with browser_page(server, width=1366, height=900, timeout_ms=15_000) as pg:
        yield pg


def test_plan_editor_and_results_day_in_korean(runtime: Runtime, server: str, page: Any) -> None:
    from playwright.sync_api import expect

    ctx = _setup(runtime, server)
    DOCS.mkdir(parents=True, exist_ok=True)
    page.goto("/center/plans/PLAN-2026-01")
    log_in(page, ctx["company"], "kim", PASSWORD)
    expect(page.locator("h1 .code")).to_have_text("PLAN-2026-01")
    kpis = page.locator("#sec-kpis")
    expect(kpis).to_contain_text("시간당 생산량")
    expect(kpis.locator(".badge").first).to_have_text("jejo 실측")

    # edit the budget in place: shares that do not add up are refused with the row named
    page.locator("#sec-budget").get_by_role("button", name="편집").click()
    page.locator("input[name=item_2]").fill("제조DX 컨설팅")
    page.locator("select[name=category_2]").select_option("컨설팅")
    page.locator("input[name=total_krw_2]").fill("20000000")
    page.locator("input[name=government_krw_2]").fill("10000000")
    page.locator("input[name=cash_krw_2]").fill("5000000")
    page.locator("#sec-budget").get_by_role("button", name="저장").click()
    expect(page.locator("#sec-budget .flash-error")).to_contain_text("budget.total_krw #3")
    page.add_style_tag(content=".topbar { position: static !important; }")  # not over the cropped card
    page.locator("#sec-budget").screenshot(path=str(DOCS / "center-plan-budget-error.png"))
    page.locator("input[name=in_kind_krw_2]").fill("5000000")
    page.locator("#sec-budget").get_by_role("button", name="저장").click()
    expect(page.locator("#sec-budget")).to_contain_text("제조DX 컨설팅")
    expect(page.locator("#sec-budget")).to_contain_text("₩220,000,000")
    expect(page.locator("#sec-budget .flash-error")).to_have_count(0)

    # edit a text section
    page.locator("#sec-goals").get_by_role("button", name="편집").click()
    page.locator("#sec-goals textarea").fill(
        "목표수준 중간2: 재단·엣지·보링 공정의 실적과 설비 가동을 실시간으로 집계하고, "
        "불량 원인을 공정별로 추적한다."
    )
    page.locator("#sec-goals").get_by_role("button", name="저장").click()
    expect(page.locator("#sec-goals .text")).to_contain_text("실시간으로 집계")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / "center-plan-editor.png"), full_page=True)

    page.goto("/center/results")
    expect(page.locator("h1")).to_have_text("성과공유회")
    expect(page.locator("#chart-overall svg")).to_be_visible()
    expect(page.locator("body")).to_contain_text("한빛가구 주식회사")  # its case study
    expect(page.locator("body")).to_contain_text("기업 보호를 위해 표시하지 않음")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / "center-results-day.png"), full_page=True)

    r = page.request.get("/api/v1/center/results-day/booklet.pdf?year=2025")
    assert r.status == 200
    pdf = DOCS.parent.parent / "out" / "center" / "booklet-docs.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(r.body())
    for old in DOCS.glob("center-booklet-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "4", str(pdf), str(DOCS / "center-booklet")],
        check=True,
        timeout=120,
    )
    assert len(list(DOCS.glob("center-booklet-*.png"))) >= 3
