"""Demand forecast → work-center load (jejo.planning.demand) from the firm's own sales orders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from tests.conftest import Tenant, build_plant
from tests.web.helpers import web_login

from jejo.core.errors import ValidationError
from jejo.core.runtime import Runtime
from jejo.planning.demand import forecast_load
from jejo.sales import service as sales
from jejo.sales.schemas import CustomerIn, OrderLineIn, SalesOrderIn

NOW = datetime(2026, 6, 3, 3, 0, tzinfo=UTC)  # a Wednesday, noon in Seoul
THIS_MONDAY = date(2026, 6, 1)


def _orders(t: Tenant, runtime: Runtime, this_monday: date = THIS_MONDAY) -> None:
    rng = np.random.default_rng(3)
    with runtime.transaction() as s:
        sales.create_customer(s, t.company_id, CustomerIn(code="C-HANSOL", name="한솔가구"))
        for w in range(26, 0, -1):  # 26 weeks before this one
            monday = this_monday - timedelta(weeks=w)
            lines = [
                OrderLineIn(
                    item="CAB-600",
                    quantity=float(rng.integers(35, 46)),
                    unit_price=180_000,
                    requested_date=monday + timedelta(days=2),
                )
            ]
            if w % 5 == 0:  # side panels sold now and then
                lines.append(
                    OrderLineIn(
                        item="PANEL-SIDE",
                        quantity=20,
                        unit_price=12_000,
                        requested_date=monday + timedelta(days=4),
                    )
                )
            if w <= 3:  # a new product, three weeks of history
                lines.append(OrderLineIn(item="EDGE-1", quantity=100, unit_price=500, requested_date=monday))
            sales.create_order(
                s,
                t.company_id,
                SalesOrderIn(customer="C-HANSOL", order_date=monday - timedelta(days=7), lines=lines),
            )


def test_forecast_puts_weekly_demand_on_the_work_centers(tenant: Tenant, runtime: Runtime) -> None:
    t = tenant
    build_plant(t)
    _orders(t, runtime)
    with runtime.transaction() as s:
        out = forecast_load(s, t.company_id, horizon_weeks=4, now=NOW)
    assert out["weeks"] == ["2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29"]
    assert out["history_from"] == "2025-12-01"
    items = {f["item"]: f for f in out["items"]}
    cab = items["CAB-600"]
    assert cab["method"] == "auto-ets" and len(cab["history"]) == 26 and sum(cab["history"]) > 26 * 35
    assert all(35 <= m <= 46 for m in cab["mean"]) and all(
        lo <= m <= hi for lo, m, hi in zip(cab["lo"], cab["mean"], cab["hi"], strict=True)
    )
    side = items["PANEL-SIDE"]
    assert side["method"] == "croston" and "라우팅" in side["note"]  # intermittent; no routing of its own
    assert items["EDGE-1"]["method"] is None and "8주 미만" in items["EDGE-1"]["note"]

    load = {row["work_center"]: row for row in out["load"]}
    saw, asm = load["WC-SAW"], load["WC-ASM"]
    # CAB-600: 90 s a unit on the saw and one 10-minute setup a week; 300 s a unit at assembly
    for k, mean in enumerate(cab["mean"]):
        assert saw["hours"][k] == pytest.approx((mean * 90 + 600) / 3600, abs=0.01)
        assert asm["hours"][k] == pytest.approx(mean * 300 / 3600, abs=0.01)
        assert saw["hours_hi"][k] >= saw["hours"][k]
    assert saw["machines"] == 1 and all(h > 0 for h in saw["capacity_hours"])
    assert saw["utilisation"][0] == pytest.approx(saw["hours"][0] / saw["capacity_hours"][0], abs=1e-3)


def test_forecast_bad_input_names_the_field(tenant: Tenant, runtime: Runtime) -> None:
    with runtime.transaction() as s, pytest.raises(ValidationError) as err:
        forecast_load(s, tenant.company_id, history_weeks=4, horizon_weeks=40)
    assert {p.field for p in err.value.problems} == {"history_weeks", "horizon_weeks"}
    with runtime.transaction() as s:
        empty = forecast_load(s, tenant.company_id, now=NOW)  # no sales yet: nothing to put on anyone
    assert empty["items"] == [] and all(sum(r["hours"]) == 0 for r in empty["load"])


def test_forecast_page_shows_load_and_items(tenant: Tenant, runtime: Runtime, client: TestClient) -> None:
    from zoneinfo import ZoneInfo

    t = tenant
    build_plant(t)
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()  # the page forecasts from now
    _orders(t, runtime, today - timedelta(days=today.weekday()))
    web_login(client, t)
    r = client.get("/planning/forecast?weeks=4")
    assert r.status_code == 200
    html = r.text
    assert "수요 예측·부하" in html and 'id="load"' in html and "WC-SAW" in html and "CAB-600" in html
    assert html.count("~</th>") == 2 * 4  # four weeks in both tables
    assert "8주 미만" in html
    assert client.get("/planning/forecast?weeks=99").status_code == 422
    gantt = client.get("/planning")
    assert 'href="/planning/forecast"' in gantt.text
