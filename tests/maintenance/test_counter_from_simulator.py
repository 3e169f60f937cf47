"""A preventive plan on a counter opens its order when the simulated panel saw reaches the count.

The demo factory's simulator runs minute by minute; what its PC-SAW-01 reports for ``total`` goes
through the ingest worker (the path every collector batch takes) into the time-series store, and the
maintenance check after each minute reads it from there. No order before the count; one order at the
first check after it, for the plan and the machine, planned from that moment; none twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import Tenant, build_plant

from jejo.core.runtime import Runtime
from jejo.maintenance import schemas
from jejo.maintenance import service as ms
from jejo.telemetry.bus import Batch
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import Role, Sample, Tag


def test_counter_plan_opens_an_order_when_the_simulated_saw_reaches_the_count(
    runtime: Runtime, tenant: Tenant
) -> None:
    from jejo.demo.factory import CONFIG
    from jejo.sim.config import load_sim_config
    from jejo.sim.plant import Plant

    t = tenant
    build_plant(t)
    interval = 25
    t.ok(
        t.put(
            "/maintenance/plans",
            {
                "code": "PM-SAW-SIM",
                "name": "톱날 점검",
                "equipment": "PC-SAW-01",
                "trigger": "counter",
                "interval": interval,
                "duration_minutes": 30,
                "checklist": ["톱날 마모 확인"],
            },
        )
    )
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=4)
    sim = Plant(load_sim_config(CONFIG).model_copy(update={"start": start}))
    totals: list[Sample] = []
    sim.listeners.append(
        lambda u: (
            totals.append(Sample("PC-SAW-01.total", u[2], float(u[3])))
            if u[:2] == ("PC-SAW-01", "total")
            else None
        )
    )
    tag = Tag(
        tag="PC-SAW-01.total",
        source="sim",
        address="PC-SAW-01/total",
        type="uint32",
        equipment="PC-SAW-01",
        role=Role.TOTAL_COUNT,
    )
    worker = IngestWorker(runtime, {tag.tag: tag}, machine_events=False, rollup_every_s=-1)
    sent = 0
    opened: list[tuple[float, list[dict[str, object]]]] = []
    last_before: float = 0.0
    for minute in range(1, 4 * 60):
        sim.run_until(minute * 60)
        batch, sent = totals[sent:], len(totals)
        if batch:
            worker.write(Batch(t.code, batch))
        at = start + timedelta(minutes=minute)
        reached = totals[-1].value if totals else 0.0
        with runtime.transaction() as s:
            orders = ms.check_plans(s, t.company_id, schemas.CheckIn(at=at), actor="scheduler")
            out = [ms.order_out(o) for o in orders]
        if out:
            opened.append((float(reached or 0), out))
            break
        last_before = float(reached or 0)
    assert opened, f"the saw never reached {interval} parts in 4 simulated hours (last {last_before})"
    count, orders = opened[0]
    assert count >= interval > last_before  # opened at the first check after the count was reached
    assert len(orders) == 1
    with runtime.transaction() as s:
        again = ms.check_plans(s, t.company_id, schemas.CheckIn(at=start + timedelta(hours=4)), actor="x")
        assert again == []  # one open order per plan
    listed = t.ok(t.get("/maintenance/orders"))
    items = listed["items"] if isinstance(listed, dict) else listed
    [order] = [o for o in items if o.get("plan") == "PM-SAW-SIM"]
    assert order["kind"] == "preventive" and order["equipment"] == "PC-SAW-01"
    assert worker.stats.stored == sent
