"""The performance dashboard over the demo factory's measured week: each view renders the figures the
KPI services compute, filters narrow them, bad filters say which field is wrong, and the exports open
(Excel with openpyxl, the PDF with pdftoppm)."""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jejo.core.runtime import Runtime
from jejo.core.tenancy import Company
from jejo.demo.seed import ADMIN, COMPANY, PASSWORD, seed_demo
from jejo.kpi import service, sources
from jejo.telemetry import store

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture(scope="module")
def demo(runtime: Runtime) -> int:
    with runtime.transaction() as s:
        seed_demo(s, days=5)
        cid = s.scalar(select(Company.id).where(Company.code == COMPANY))
    assert cid is not None
    return int(cid)


@pytest.fixture()
def web(app: Any, demo: int) -> TestClient:
    client = TestClient(app)
    r = client.post(
        "/login", data={"company": COMPANY, "username": ADMIN, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return client


def page_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="dash-data">(.*?)</script>', html, re.S)
    assert found, "the page carries its chart data"
    return dict(json.loads(found.group(1)))


def week() -> tuple[str, str]:
    today = datetime.now(SEOUL).date()
    return (today - timedelta(days=6)).isoformat(), today.isoformat()


def test_oee_view_shows_what_the_kpi_service_computes(web: TestClient, runtime: Runtime, demo: int) -> None:
    first, last = week()
    r = web.get(f"/dashboards?tab=oee&from={first}&to={last}")
    assert r.status_code == 200, r.text
    assert "성과 대시보드" in r.text and "일별 설비종합효율" in r.text
    data = page_data(r.text)
    with runtime.transaction() as s:
        period = sources.parse_period(first, (datetime.fromisoformat(last) + timedelta(days=1)).date())
        rep = service.oee_report(s, demo, "site", None, period)
    assert data["machines"] == [e["equipment"] for e in rep["equipment"]]
    assert data["machine_oee"] == [e["kpi"]["iso"]["oee"] for e in rep["equipment"]]
    assert len(data["trend"]) == 7 and any(t["oee"] for t in data["trend"])
    oee = rep["kpi"]["iso"]["oee"]
    assert oee is not None and 0 < oee < 1
    assert f"{oee * 100:.1f}%" in r.text  # the key figure tile


def test_a_machine_and_a_shift_narrow_the_figures(web: TestClient, runtime: Runtime, demo: int) -> None:
    first, last = week()
    site = page_data(web.get(f"/dashboards?tab=losses&from={first}&to={last}").text)
    with runtime.transaction() as s:
        machine = service.oee_report(s, demo, "site", None, sources.parse_period(first, last))["equipment"][0]
        shifts = [w.shift for w in sources.planned_windows(s, demo, sources.parse_period(first, last))]
    target = f"equipment:{machine['equipment']}"
    one = page_data(web.get(f"/dashboards?tab=oee&target={target}&from={first}&to={last}").text)
    assert one["machines"] == [machine["equipment"]]
    shift = sorted(set(shifts))[0]
    by_shift = page_data(web.get(f"/dashboards?tab=losses&from={first}&to={last}&shift={shift}").text)
    assert {r["key"] for r in by_shift["pareto"]["shift"]} <= {shift}
    # the shift's own downtime, whatever the reason, is the site's downtime in that shift (a running
    # stop grows between the two requests, hence the minute of slack)
    in_shift = next(r["value"] for r in site["pareto"]["shift"] if r["key"] == shift)
    narrowed = sum(r["value"] for r in by_shift["pareto"]["reason"])
    assert abs(narrowed - in_shift) < 60


def test_bad_filters_name_the_field(web: TestClient) -> None:
    r = web.get("/dashboards?from=2026-13-01")
    assert r.status_code == 200 and 'role="alert"' in r.text and "<code>from</code>" in r.text
    r = web.get("/dashboards?from=2026-11-20&to=2026-11-10")
    assert "<code>from</code>" in r.text
    r = web.get("/dashboards?target=equipment:NO-SUCH-MACHINE")
    assert 'role="alert"' in r.text and "NO-SUCH-MACHINE" in r.text
    r = web.get("/dashboards?shift=NIGHT-X")
    assert "<code>shift</code>" in r.text


def test_orders_view_counts_progress_and_lateness(web: TestClient, runtime: Runtime, demo: int) -> None:
    first, last = week()
    r = web.get(f"/dashboards?tab=orders&from={first}&to={last}")
    data = page_data(r.text)
    # the page's "to" day is inclusive: the period ends at the next local midnight
    end = (datetime.fromisoformat(last) + timedelta(days=1)).date()
    with runtime.transaction() as s:
        rep = service.orders_report(s, demo, sources.parse_period(first, end))
    assert [o["work_order"] for o in data["orders"]] == [o["work_order"] for o in rep["orders"]]
    assert rep["orders"], "the demo has open and completed orders"
    today = datetime.now(SEOUL).date()
    for o in rep["orders"]:
        if o["status"] in ("released", "in_progress", "on_hold"):
            assert o["late"] == (datetime.fromisoformat(o["due_date"]).date() < today)
        if o["progress"] is not None:
            assert math.isclose(o["progress"], min(o["good"] / o["quantity"], 1.0))


def test_telemetry_and_spc_views_read_the_machine_data(web: TestClient, runtime: Runtime, demo: int) -> None:
    # three hours inside one calendar day in Seoul (yesterday's morning), whatever the time of day now
    day = datetime.now(SEOUL).date() - timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 9, tzinfo=SEOUL).astimezone(UTC)
    with runtime.engine.begin() as conn:
        tid = store.TagRegistry().ids(conn, demo, ["DASH-TEMP"])["DASH-TEMP"]
        rows = [
            (tid, int((start + timedelta(seconds=10 * i)).timestamp() * 1000), 40 + math.sin(i / 30), None)
            for i in range(1000)
        ]
        store.write_samples(conn, rows)
        store.refresh_rollups(conn, start, start + timedelta(hours=3))
    today = day.isoformat()
    r = web.get(f"/dashboards?tab=telemetry&tag=DASH-TEMP&from={today}&to={today}")
    data = page_data(r.text)
    assert data["series"]["width"] == "1m"
    assert 160 <= len(data["series"]["t"]) <= 170  # 1,000 samples every 10 s: about 167 minutes
    assert min(data["series"]["min"]) >= 39 and max(data["series"]["max"]) <= 41
    r = web.get(f"/dashboards?tab=spc&tag=DASH-TEMP&from={today}&to={today}&chart=i_mr")
    data = page_data(r.text)
    assert [c["kind"] for c in data["spc"]["charts"]] == ["i", "mr"] or len(data["spc"]["charts"]) == 2
    assert len(data["spc"]["charts"][0]["points"]) == 1000


def test_pqcd_view_compares_two_periods(web: TestClient) -> None:
    today = datetime.now(SEOUL).date()
    after = (today - timedelta(days=2)).isoformat(), today.isoformat()
    before = (today - timedelta(days=5)).isoformat(), (today - timedelta(days=3)).isoformat()
    r = web.get(
        f"/dashboards?tab=pqcd&from={after[0]}&to={after[1]}&before_from={before[0]}&before_to={before[1]}"
    )
    data = page_data(r.text)
    keys = {i["key"] for i in data["indicators"]}
    assert {"uph", "defect_rate"} <= keys
    assert f"{before[0]} ~ {before[1]}" in r.text


def test_exports_open_as_workbook_and_pdf(web: TestClient, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    first, last = week()
    r = web.get(f"/dashboards/export.xlsx?from={first}&to={last}")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    text = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "설비종합효율" in text and "작업지시" in text
    r = web.get(f"/dashboards/export.pdf?from={first}&to={last}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        (tmp_path / "d.pdf").write_bytes(r.content)
        pages = [str(tmp_path / "d.pdf"), str(tmp_path / "p")]
        subprocess.run(["pdftoppm", "-png", "-r", "40", *pages], check=True)
        assert list(tmp_path.glob("p*.png"))
    r = web.get("/dashboards/export.docx")
    assert r.status_code == 422
