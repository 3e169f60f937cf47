"""What-if: scenarios on the plant model compared over replications, on the page (with the plant's own
history fitted through jejo's telemetry path) and in a real browser."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.browser_support import browser_page, log_in, server
from tests.conftest import Tenant, build_plant
from tests.twin.whatif_truth import truth
from tests.web.helpers import web_login

from jejo.core.errors import ValidationError
from jejo.core.runtime import Runtime
from jejo.sim.config import RushOrder, ShiftWindow
from jejo.telemetry.bus import Batch
from jejo.telemetry.ingest import IngestWorker
from jejo.twin.calibrate import simulated_samples
from jejo.twin.whatif import Scenario, apply, compare, planned_seconds, shift_pattern
from jejo.web.routes.twin import twin_model

__all__ = ["server"]  # the browser test's fixture
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "twin-whatif.png"


def test_scenarios_move_the_figures_the_way_a_planner_expects() -> None:
    # the panel saw (cutting and setting up for each cabinet type) is the furniture line's bottleneck,
    # with more orders coming than it can take
    cfg = truth(seed=3)
    comp = compare(
        cfg,
        [
            Scenario(name="second panel saw", add_machines={"SAW": 1}),
            Scenario(name="one shift", shifts=shift_pattern("one")),
            Scenario(name="rush", rush_orders=[RushOrder(at_h=10, item="WALL-800", cabinets=12)]),
        ],
        hours=48,
        replications=3,
        seed=40,
    )
    base, eb2, one, rush = comp.scenarios
    assert [s.name for s in comp.scenarios] == ["baseline", "second panel saw", "one shift", "rush"]
    assert comp.seeds == [40, 41, 42]
    line = "line"
    # a second panel saw: more cabinets, shorter lead time, lower OEE per machine (two share the work)
    d = eb2.versus_baseline[line]["throughput"]
    assert d is not None and d.low > 0
    lead = eb2.versus_baseline[line]["lead_time_h"]
    assert lead is not None and lead.high < 0
    assert eb2.runs[0].machines["SAW-2"]["good"] > 0
    # one day shift instead of around the clock: far fewer parts from both lines
    for ln in ("cell", "line"):
        t = one.versus_baseline[ln]["throughput"]
        assert (
            t is not None
            and t.high < 0
            and one.lines[ln]["throughput"].mean < 0.6 * base.lines[ln]["throughput"].mean
        )  # type: ignore[union-attr]
    # the rush order's cabinets are made, and the line's other orders wait longer for it
    rl = rush.lines[line]["rush_lead_time_h"]
    assert rl is not None and rl.mean > 0 and base.lines[line]["rush_lead_time_h"] is None
    assert rush.versus_baseline[line]["lead_time_h"].mean > 0  # type: ignore[union-attr]
    # intervals hold their means; the baseline has no difference to itself
    for sc in comp.scenarios:
        for ln in sc.lines:
            iv = sc.lines[ln]["throughput"]
            assert iv is not None and iv.low <= iv.mean <= iv.high and iv.n == 3
    assert base.versus_baseline[line]["throughput"] is None
    assert comp.as_dict()["scenarios"][1]["versus_baseline"]["line"]["throughput"]["mean"] == d.mean


def test_bad_scenarios_name_the_field() -> None:
    with pytest.raises(ValidationError) as e:
        apply(truth(), Scenario(name="x", add_machines={"NOPE": 1}, cycle_factor={"EB": 0}))
    assert {p.field for p in e.value.problems} == {"add_machines.NOPE", "cycle_factor.EB"}
    with pytest.raises(ValidationError) as e:
        compare(truth(), [], hours=0.5, replications=1)
    assert {p.field for p in e.value.problems} == {"hours", "replications"}
    with pytest.raises(ValidationError) as e:
        shift_pattern("four")
    assert e.value.problems[0].field == "shifts"


def test_planned_time_of_shift_patterns() -> None:
    cfg = truth()
    monday = datetime(2026, 10, 4, 15, 0, tzinfo=UTC)  # Monday 00:00 in Seoul
    assert planned_seconds(cfg, monday, 168) == 168 * 3600
    one = cfg.model_copy(update={"shifts": shift_pattern("one")})
    assert planned_seconds(one, monday, 168) == 5 * 9 * 3600
    night = cfg.model_copy(
        update={"shifts": [ShiftWindow.model_validate({"start": "22:00", "end": "06:00", "days": [0]})]}
    )
    assert planned_seconds(night, monday, 168) == 8 * 3600


def _history_for(runtime: Runtime, t: Tenant, days: float) -> None:
    """``days`` of the demo factory's machine data for the tenant's three machines, up to now, through
    ingest (samples, machine-state events, downtime)."""
    model = twin_model()
    keep = {"PC-SAW-01", "EB-01", "ASM-01"}
    start = (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0)
    samples, tags, _, _ = simulated_samples(model.model_copy(update={"start": start, "seed": 8}), days * 24)
    mine = sorted((s for s in samples if s.tag.split(".")[0] in keep), key=lambda s: s.ts_ms)
    worker = IngestWorker(runtime, {k: v for k, v in tags.items() if v.equipment in keep}, rollup_every_s=-1)
    for i in range(0, len(mine), 5000):
        worker.write(Batch(t.code, mine[i : i + 5000]))
    assert worker.stats.rejected_events == 0 and worker.stats.state_events > 20


def test_the_page_and_the_cli_fit_the_plant_and_compare(
    runtime: Runtime, client: TestClient, tenant: Tenant, database_url: str
) -> None:
    build_plant(tenant)
    _history_for(runtime, tenant, 1.5)
    web_login(client, tenant)
    r = client.get("/twin/whatif")
    assert r.status_code == 200 and "가상 시나리오 트윈" in r.text and 'name="add"' in r.text
    r = client.get(
        "/twin/whatif",
        params={
            "run": 1,
            "add": "EB-01",
            "shifts": "one",
            "rush_item": "BASE-600",
            "rush_cabinets": 6,
            "history_days": 2,
            "horizon_days": 1,
            "replications": 2,
        },
    )
    assert r.status_code == 200, r.text
    html = r.text
    assert 'id="whatif-throughput"' in html and "EB-01 1대 추가" in html and "긴급 주문" in html
    rows = re.findall(r"<tr>\s*<td[^>]*>(가구 라인|CNC 부품 셀)</td><td>([^<]+)</td>", html)
    assert len(rows) == 8 and rows[0] == ("CNC 부품 셀", "현재 공장")
    # the three machines with history are fitted; the rest keep the model's numbers
    fitted = re.findall(r'<td class="code">([A-Z0-9-]+)</td>', html)
    assert set(fitted) == {"PC-SAW-01", "EB-01", "ASM-01"}
    assert "MC-01" in html.split("이력이 없어")[0].rsplit("<p", 1)[-1]
    # bad input: a clear error naming the field, not a crash
    r = client.get("/twin/whatif", params={"run": 1, "shifts": "four"})
    assert r.status_code == 422 and "shifts" in r.text

    # the same from the command line, with the drift check (one JSON object on stdout)
    from typer.testing import CliRunner

    from jejo.cli import app

    env = {"JEJO_DATABASE_URL": database_url, "JEJO_SECRET_KEY": "test-secret-key"}
    args = ["twin", "whatif", "--company", tenant.code, "--days", "2", "--hours", "24", "--replications", "2"]
    r = CliRunner().invoke(
        app, [*args, "--add", "EB-01", "--rush", "BASE-600:4@2", "--drift", "--json"], env=env
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert [sc["name"] for sc in out["comparison"]["scenarios"]] == ["baseline", "add EB-01", "rush order"]
    assert set(out["calibration"]["machines"]) == {"PC-SAW-01", "EB-01", "ASM-01"}
    assert "flagged" in out["drift"] and len(out["drift"]["tests"]) > 0
    r = CliRunner().invoke(app, [*args, "--rush", "BASE-600:many"], env=env)
    assert r.exit_code == 2 and "ITEM:CABINETS" in r.stderr


@pytest.mark.browser
def test_whatif_page_in_a_browser(runtime: Runtime, client: TestClient, server: str) -> None:
    t = Tenant(runtime, client)
    build_plant(t)
    _history_for(runtime, t, 10)
    with browser_page(server, height=900, timeout_ms=120_000) as page:
        from playwright.sync_api import expect

        page.goto("/login?next=/twin/whatif")
        log_in(page, t.code, "admin", t.password)
        expect(page.locator("h1")).to_have_text("가상 시나리오 트윈")
        page.locator('select[name="add"]').select_option("EB-01")
        page.locator('select[name="shifts"]').select_option("two")
        page.locator('select[name="rush_item"]').select_option("WALL-800")
        page.locator('input[name="rush_cabinets"]').fill("10")
        page.locator('input[name="history_days"]').fill("10")
        page.locator('input[name="horizon_days"]').fill("2")
        page.locator('input[name="replications"]').fill("3")
        page.get_by_role("button", name="비교 실행").click()
        expect(page.locator("#whatif-throughput-0 svg")).to_be_visible()
        expect(page.locator("#whatif-throughput-1 svg")).to_be_visible()
        expect(page.locator("#whatif-lead svg")).to_be_visible()
        expect(page.locator("#whatif-table tbody tr")).to_have_count(8)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
