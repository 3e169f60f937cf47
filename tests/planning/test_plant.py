"""Plant scheduling end to end: a plant built through the API, released work orders, a plan stored as
versions, pins and the frozen horizon, and a re-plan when the simulator breaks a machine (through the
same machine-data path the collector uses). Every stored version is checked with the independent
checker against its stored inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.conftest import Tenant, build_plant

from jejo.core.runtime import Runtime
from jejo.planning import service as ps
from jejo.planning.tables import PlanVersion

ORDERS = {"WO-P1": 16, "WO-P2": 12, "WO-P3": 20, "WO-P4": 8}


def make_plant(t: Tenant, *, start_first: bool = True) -> None:
    """The cabinet plant with a second panel saw, four released orders, the first one's saw started."""
    build_plant(t)
    t.ok(
        t.post("/masterdata/equipment", {"code": "PC-SAW-02", "name": "패널쏘 2", "work_center": "WC-SAW"}),
        201,
    )
    for i, (code, qty) in enumerate(ORDERS.items()):
        due = (datetime.now(UTC) + timedelta(days=1 + i % 2)).date().isoformat()
        t.ok(t.post("/work-orders", {"code": code, "item": "CAB-600", "quantity": qty, "due_date": due}), 201)
        t.ok(t.post(f"/work-orders/{code}/release"))
    if start_first:
        t.ok(
            t.post(
                "/events",
                {
                    "type": "operation.started",
                    "work_order": "WO-P1",
                    "payload": {"seq": 10, "equipment": "PC-SAW-01"},
                },
            ),
            201,
        )


def ops_of(v: PlanVersion) -> dict[tuple[str, int], Any]:
    return {(o.work_order_code, o.seq): o for o in v.operations}


def test_plan_stores_a_checked_version_with_kpis(runtime: Runtime, tenant: Tenant) -> None:
    make_plant(tenant)
    now = datetime.now(UTC)
    with runtime.transaction() as s:
        plan = ps.create_plan(s, tenant.company_id, "planner", time_limit=3.0, now=now)
        v = ps.get_version(plan)
        assert v.version == 1 and v.reason == "created"
        assert ps.check_version(v) == []
        ops = ops_of(v)
        assert len(ops) == 3 * len(ORDERS)  # every operation of every released order
        started = ops[("WO-P1", 10)]
        assert started.status == "started" and started.equipment_code == "PC-SAW-01"
        assert started.work_start == 0  # its remaining work runs from now
        assert {o.equipment_code for o in v.operations} >= {"PC-SAW-01", "EB-01", "ASM-01"}
        for wo in ORDERS:  # routing order kept
            a, b, c = ops[(wo, 10)], ops[(wo, 20)], ops[(wo, 30)]
            assert a.end <= b.start and b.end <= c.start
        k = v.kpis
        assert k["orders"] == 4 and k["operations"] == 12
        assert datetime.fromisoformat(k["makespan_at"]) == max(o.end for o in v.operations)
        assert set(k["utilisation"]) >= {"PC-SAW-01", "PC-SAW-02", "EB-01", "ASM-01"}
        assert all(0 <= u <= 1 for u in k["utilisation"].values())
        assert k["utilisation"]["ASM-01"] > 0
        out = ps.plan_out(plan)
        assert out["current_version"] == 1 and len(out["plan"]["operations"]) == 12
        # a pin where the started operation still runs is refused, and nothing is stored
        from jejo.core.errors import Conflict

        with pytest.raises(Conflict) as err:
            ps.pin_operation(
                s,
                tenant.company_id,
                plan.code,
                "planner",
                work_order="WO-P2",
                seq=10,
                equipment="PC-SAW-01",
                start=now + timedelta(minutes=5),
                now=now,
                time_limit=1.0,
            )
        assert "busy" in str(err.value) and plan.current_version == 1
        with pytest.raises(Conflict):  # a started operation stays where it runs
            ps.pin_operation(s, tenant.company_id, plan.code, "planner", work_order="WO-P1", seq=10, now=now)


def test_pin_frozen_horizon_and_versions(runtime: Runtime, tenant: Tenant) -> None:
    make_plant(tenant, start_first=False)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with runtime.transaction() as s:
        plan = ps.create_plan(s, tenant.company_id, "planner", time_limit=2.0, frozen_minutes=0, now=now)
        code = plan.code
        v1 = ps.get_version(plan)
        target = ops_of(v1)[("WO-P4", 10)]
        other = "PC-SAW-02" if target.equipment_code == "PC-SAW-01" else "PC-SAW-01"
        at = now + timedelta(hours=30)
        v2 = ps.pin_operation(
            s,
            tenant.company_id,
            code,
            "planner",
            work_order="WO-P4",
            seq=10,
            equipment=other,
            start=at,
            now=now,
            time_limit=2.0,
        )
        assert v2.version == 2 and v2.reason == "pin"
        pinned = ops_of(v2)[("WO-P4", 10)]
        assert (pinned.equipment_code, pinned.start, pinned.pinned) == (other, at, True)
        assert ps.check_version(v2) == []
        assert any(m["work_order"] == "WO-P4" and m["seq"] == 10 for m in v2.moved)
        # the pin survives a plain re-plan; the WO-P4 chain follows it
        v3 = ps.replan(s, tenant.company_id, code, "planner", now=now + timedelta(minutes=5), time_limit=2.0)
        assert ops_of(v3)[("WO-P4", 10)].start == at and ops_of(v3)[("WO-P4", 20)].start >= pinned.end
        # a machine that cannot run it is refused, naming the field
        from jejo.core.errors import ValidationError

        with pytest.raises(ValidationError) as err:
            ps.pin_operation(
                s, tenant.company_id, code, "planner", work_order="WO-P4", seq=10, equipment="EB-01"
            )
        assert err.value.problems[0].field == "equipment"
        v4 = ps.pin_operation(
            s,
            tenant.company_id,
            code,
            "planner",
            work_order="WO-P4",
            seq=10,
            pinned=False,
            now=now,
            time_limit=2.0,
        )
        assert not ops_of(v4)[("WO-P4", 10)].pinned and v4.reason == "unpin"
        # frozen horizon: with 10 hours frozen, what starts in them (with its predecessors) stays where it was
        plan.frozen_minutes = 600
        v5 = ps.replan(s, tenant.company_id, code, "planner", now=now, time_limit=2.0)
        before, after = ops_of(v4), ops_of(v5)
        window = [k for k, o in before.items() if now <= o.start < now + timedelta(minutes=600)]
        assert [k for k in window if k[1] == 10]
        for key in window:
            if key[1] == 10:  # a first operation in the horizon is always kept
                assert after[key].frozen
        frozen = [k for k, o in after.items() if o.frozen]
        assert frozen
        for key in frozen:
            assert key in window
            assert (after[key].equipment_code, after[key].start) == (
                before[key].equipment_code,
                before[key].start,
            )
        assert [v.version for v in plan.versions] == [1, 2, 3, 4, 5]
        assert all(ps.check_version(v) == [] for v in plan.versions)


def test_breakdown_from_the_simulator_replans_around_the_outage(runtime: Runtime, tenant: Tenant) -> None:
    from jejo.demo.factory import CONFIG
    from jejo.sim.config import load_sim_config
    from jejo.sim.plant import Plant
    from jejo.telemetry.machine import process_machine_samples
    from jejo.telemetry.model import Role, Sample, Tag

    make_plant(tenant)
    now = datetime.now(UTC).replace(microsecond=0)
    with runtime.transaction() as s:
        plan = ps.create_plan(s, tenant.company_id, "planner", time_limit=2.0, now=now)
        code = plan.code
        v1 = ps.get_version(plan)
    assert ps.check_version(v1) == [] and any(o.equipment_code == "PC-SAW-01" for o in v1.operations)

    # the simulated factory, started 15 minutes ago; its panel saw breaks down after 10 minutes
    cfg = load_sim_config(CONFIG).model_copy(update={"start": now - timedelta(minutes=15)})
    sim = Plant(cfg)
    states: list[tuple[int, str]] = []
    sim.listeners.append(lambda u: states.append((u[2], u[3])) if u[:2] == ("PC-SAW-01", "state") else None)
    sim.run_until(600)
    worker = sim.machines["PC-SAW-01"].worker
    assert worker is not None
    worker.interrupt("BREAKDOWN")
    sim.run_until(660)
    assert states[-1][1] == "down"
    down_at = datetime.fromtimestamp(states[-1][0] / 1000, UTC)

    # what the collector hands to ingest: state samples of the machine's state tag
    tag = Tag(
        tag="PC-SAW-01.state",
        source="sim",
        address="PC-SAW-01/state",
        type="string",
        equipment="PC-SAW-01",
        role=Role.STATE,
    )
    with runtime.transaction() as s:
        stats = process_machine_samples(
            s, tenant.company_id, [Sample(tag.tag, ts, v) for ts, v in states], {tag.tag: tag}
        )
        assert stats.state_events >= 2 and not stats.problems
        plan = ps.get_plan(s, tenant.company_id, code)
        assert [b[1] for b in ps.new_breakdowns(s, tenant.company_id, plan)] == ["PC-SAW-01"]
        versions = ps.sync_events(
            s, tenant.company_id, code, "planner", now=now + timedelta(minutes=1), time_limit=2.0
        )
        assert len(versions) == 1
        v2 = versions[0]
        assert v2.reason == "breakdown" and v2.detail["equipment"] == "PC-SAW-01"
        assert datetime.fromisoformat(v2.detail["down_at"]) == down_at
        until = datetime.fromisoformat(v2.detail["repair_until"])
        assert until == down_at + timedelta(minutes=ps.DEFAULT_REPAIR_MIN)  # no repair history yet
        assert ps.check_version(v2) == []
        for o in v2.operations:  # nothing runs on the saw while it is out
            if o.equipment_code == "PC-SAW-01":
                assert o.end <= down_at or o.start >= until or o.start == o.end, (o.work_order_code, o.seq)
        started = ops_of(v2)[("WO-P1", 10)]  # the started operation stays on its machine, after the repair
        assert started.equipment_code == "PC-SAW-01" and started.start >= until
        saw_ops = [o for o in v2.operations if o.seq == 10 and o.status == "planned"]
        assert any(o.equipment_code == "PC-SAW-02" for o in saw_ops)  # others go to the alternative saw
        assert v2.moved
        # read once: nothing new the second time
        assert ps.sync_events(s, tenant.company_id, code, "planner", time_limit=2.0) == []
        # the outage is carried into the next re-plan while the machine is still down
        v3 = ps.replan(s, tenant.company_id, code, "planner", now=now + timedelta(minutes=2), time_limit=2.0)
        assert any(o["equipment"] == "PC-SAW-01" and o["kind"] == "breakdown" for o in v3.inputs["outages"])
        assert ps.check_version(v3) == []


def test_nothing_to_plan_and_unknown_plan(runtime: Runtime, tenant: Tenant) -> None:
    from jejo.core.errors import NotFound, ValidationError

    build_plant(tenant)
    with runtime.transaction() as s:
        with pytest.raises(ValidationError) as err:
            ps.create_plan(s, tenant.company_id, "planner", time_limit=1.0)
        assert err.value.problems[0].field == "work_orders"
        with pytest.raises(NotFound):
            ps.get_plan(s, tenant.company_id, "PLAN-NONE")
        with pytest.raises(ValidationError) as err:
            ps.create_plan(s, tenant.company_id, "planner", time_limit=0)
        assert err.value.problems[0].field == "time_limit"


def test_maintenance_from_a_finding_goes_into_a_gap_of_the_plan(runtime: Runtime, tenant: Tenant) -> None:
    """A drifting machine's maintenance order is planned into the first gap of its planned operations
    (not across the operation running now), and the next re-plan keeps that window free."""
    from jejo.ai import findings as fd
    from jejo.core.timeutil import as_utc
    from jejo.maintenance import service as ms
    from jejo.playbooks import service as pbs

    make_plant(tenant)
    cid = tenant.company_id
    now = datetime.now(UTC).replace(microsecond=0)
    half = timedelta(minutes=30)
    with runtime.transaction() as s:
        plan = ps.create_plan(s, cid, "planner", time_limit=2.0, now=now)
        saw = [
            (as_utc(o.start), as_utc(o.end))
            for o in ps.get_version(plan).operations
            if o.equipment_code == "PC-SAW-01" and o.end > o.start
        ]
        assert saw and min(a for a, _ in saw) <= now + timedelta(minutes=1)  # WO-P1 runs on it now
        pbs.save_playbook(
            s,
            cid,
            pbs.parse_playbook(
                {
                    "code": "PB-SAW",
                    "name": "톱 진동 → 보전",
                    "trigger": {"kind": "anomaly", "equipment": "PC-*"},
                    "action": "maintenance_order",
                    "params": {"description": "베어링 점검", "plan_within_hours": 48, "duration_minutes": 30},
                }
            ),
            "admin",
        )
        finding, _ = fd.raise_finding(
            s, cid, kind="anomaly", equipment="PC-SAW-01", window_start=now, window_end=now, score=2.0
        )
        acts = pbs.run_for_findings(s, cid, [finding], now=now)
        assert [a.status for a in acts] == ["done"] and "생산계획의 빈 시간" in (acts[0].detail or "")
        order = ms.get_order(s, cid, acts[0].target or "")
        assert order.planned_start is not None and order.planned_end is not None
        start, end = as_utc(order.planned_start), as_utc(order.planned_end)
        assert end - start == half and now <= start <= now + timedelta(hours=48)
        assert all(not (start < b and a < end) for a, b in saw)  # in a gap of the saw's operations
        before = start - timedelta(minutes=1)  # and the first one: a minute earlier would not fit
        assert start == now or any(before < b and a < before + half for a, b in saw)
        assert start >= min(b for a, b in saw if a <= now + timedelta(minutes=1))  # after the running one

        v2 = ps.replan(s, cid, plan.code, "planner", now=now + timedelta(minutes=1), time_limit=2.0)
        assert ps.check_version(v2) == []
        for o in v2.operations:
            if o.equipment_code == "PC-SAW-01" and o.end > o.start:
                assert not (start < as_utc(o.end) and as_utc(o.start) < end), (o.work_order_code, o.seq)


def test_a_finding_replans_around_its_machine_and_the_replan_can_be_reverted(
    runtime: Runtime, tenant: Tenant
) -> None:
    from jejo.ai import findings as fd
    from jejo.core.timeutil import as_utc
    from jejo.playbooks import service as pbs

    make_plant(tenant, start_first=False)
    cid = tenant.company_id
    now = datetime.now(UTC).replace(microsecond=0)
    out = timedelta(minutes=180)
    with runtime.transaction() as s:
        pbs.save_playbook(
            s,
            cid,
            pbs.parse_playbook(
                {
                    "code": "PB-REPLAN",
                    "name": "톱 이상 → 재계획",
                    "trigger": {"kind": "anomaly", "equipment": "PC-SAW-01"},
                    "action": "replan",
                    "params": {"out_minutes": 180},
                    "cooldown_minutes": 0,
                }
            ),
            "admin",
        )
        f0, _ = fd.raise_finding(
            s, cid, kind="anomaly", equipment="PC-SAW-01", window_start=now, window_end=now, score=2.0
        )
        failed = pbs.run_for_findings(s, cid, [f0], now=now)  # nothing to re-plan yet: recorded as failed
        assert [a.status for a in failed] == ["failed"] and "no production plan" in failed[0].detail
        plan = ps.create_plan(s, cid, "planner", time_limit=2.0, now=now)
        v1 = ps.get_version(plan)
        assert any(o.equipment_code == "PC-SAW-01" and as_utc(o.start) < now + out for o in v1.operations)
        f, _ = fd.raise_finding(
            s,
            cid,
            kind="anomaly",
            equipment="PC-SAW-01",
            window_start=now - timedelta(hours=5),
            window_end=now - timedelta(hours=5),
            score=2.0,
        )
        acts = pbs.run_for_findings(s, cid, [f], now=now)
        assert [a.status for a in acts] == ["done"], acts[0].detail
        assert acts[0].target == plan.code and "180분 비움" in acts[0].detail
        v2 = ps.get_version(plan)
        assert v2.version == 2 and v2.reason == "replan" and ps.check_version(v2) == []
        assert any(o["equipment"] == "PC-SAW-01" and o["kind"] == "maintenance" for o in v2.inputs["outages"])
        for o in v2.operations:  # the saw is left free for three hours
            if o.equipment_code == "PC-SAW-01" and o.end > o.start:
                assert as_utc(o.start) >= now + out or as_utc(o.end) <= now, (o.work_order_code, o.seq)

        reverted = pbs.revert_action(s, cid, acts[0].id, "planner", "진동 센서 오류였음")
        assert reverted.status == "reverted" and "v3" in reverted.detail
        v3 = ps.get_version(plan)
        assert v3.version == 3 and not any(o["kind"] == "maintenance" for o in v3.inputs["outages"])
