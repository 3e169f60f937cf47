"""The digital-twin data page in a real browser (chromium through Playwright): the machines with their
AAS downloads, and a dataset exported with the firm's consent. Writes docs/screenshots/twin-data.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.browser_support import log_in, page, server
from tests.twin.conftest import EQ, make_plant

from jejo.core.runtime import Runtime

pytestmark = pytest.mark.browser
__all__ = ["page", "server"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "twin-data.png"


def test_data_page_exports_a_dataset(page: Any, runtime: Runtime, tenant: Any) -> None:
    from playwright.sync_api import expect

    t = tenant
    make_plant(runtime, t)
    page.goto("/twin")
    log_in(page, t.code, "admin", t.password)
    expect(page.locator("h1")).to_have_text("디지털 트윈 / 데이터")
    expect(page.locator("#machines")).to_contain_text(EQ)
    with page.expect_download() as dl:
        page.locator(f'a[href="/api/v1/twin/aas.aasx?equipment={EQ}"]').click()
    assert dl.value.suggested_filename == f"{EQ}.aasx"

    page.get_by_label("설비 또는 공정").select_option(f"equipment:{EQ}")
    page.get_by_label("시작일").fill("2026-11-20")
    page.get_by_label("종료일").fill("2026-11-20")
    page.get_by_role("button", name="데이터셋 내보내기").click()
    expect(page.locator(".flash-ok")).to_have_count(0)  # no consent given: nothing is exported
    page.get_by_label("동의자").fill("김대표")
    page.get_by_label("이용 목적").fill("KAMP 불량 예측 과제")
    page.get_by_role("button", name="데이터셋 내보내기").click()
    expect(page.locator(".flash-ok")).to_contain_text("120행")
    expect(page.locator("#dataset-exports")).to_contain_text("KAMP 불량 예측 과제")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
