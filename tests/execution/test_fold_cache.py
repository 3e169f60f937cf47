"""The in-memory work-order folds never stand in for a stored state they were not folded to.

A batch that is rolled back after its projections were applied, and a fold left stale by a writer
the cache did not see (another process), must both be detected: live projections stay equal to a
rebuild from the log.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from tests.execution.test_rebuild_property import T0, make_plant, snapshot

from jejo.core.runtime import Runtime
from jejo.execution import service as ex
from jejo.execution.projector import FOLDS, rebuild
from jejo.execution.tables import WorkOrder


def qty(i: int, wo: str = "WO0", good: int = 1, minutes: int | None = None) -> dict[str, Any]:
    at = T0 + timedelta(minutes=minutes if minutes is not None else i)
    return {
        "type": "quantity.reported",
        "work_order": wo,
        "occurred_at": at.isoformat(),
        "idempotency_key": f"q{i}",
        "payload": {"seq": 1, "good": good},
    }


def start(i: int, wo: str = "WO0") -> dict[str, Any]:
    return {
        "type": "operation.started",
        "work_order": wo,
        "occurred_at": (T0 + timedelta(minutes=i)).isoformat(),
        "idempotency_key": f"s{i}",
        "payload": {"seq": 1},
    }


def assert_live_equals_rebuild(rt: Runtime, company_id: int) -> None:
    live = snapshot(rt, company_id)
    with rt.transaction() as s:
        rebuild(s, company_id)
    assert snapshot(rt, company_id) == live


def test_a_rolled_back_batch_leaves_no_trace_in_the_folds(runtime: Runtime) -> None:
    cid, _ = make_plant(runtime, 1)
    with runtime.transaction() as s:
        ex.post_events(s, cid, [start(0), qty(1)], actor="t", source="t")
    with pytest.raises(RuntimeError), runtime.transaction() as s:
        ex.post_events(s, cid, [qty(2, good=5), qty(3, good=5)], actor="t", source="t")
        raise RuntimeError("the caller fails after the events were applied")
    with runtime.transaction() as s:  # the cached fold holds the rolled-back counts: it must not be used
        ex.post_events(s, cid, [qty(4)], actor="t", source="t")
    assert_live_equals_rebuild(runtime, cid)
    with runtime.transaction() as s:
        wo = s.query(WorkOrder).filter_by(company_id=cid, code="WO0").one()
        assert wo.state is not None and wo.state.event_count == 2 + 2 + 1  # created, released, 3 posted


def test_a_stale_fold_from_another_writer_is_read_back(runtime: Runtime) -> None:
    cid, _ = make_plant(runtime, 1)
    with runtime.transaction() as s:
        ex.post_events(s, cid, [start(0), qty(1)], actor="t", source="t")
        wo_id = s.query(WorkOrder.id).filter_by(company_id=cid, code="WO0").scalar()
    stale = copy.deepcopy(FOLDS._folds[wo_id])
    with runtime.transaction() as s:  # e.g. another API process: this process's fold is now behind
        ex.post_events(s, cid, [qty(2, good=3), qty(3, good=3)], actor="t", source="t")
    FOLDS.put(stale[0])
    with runtime.transaction() as s:
        ex.post_events(s, cid, [qty(4)], actor="t", source="t")
    assert_live_equals_rebuild(runtime, cid)


def test_late_order_sensitive_event_on_a_cached_fold_replays(runtime: Runtime) -> None:
    cid, _ = make_plant(runtime, 2)
    with runtime.transaction() as s:
        ex.post_events(s, cid, [start(10), qty(11), start(12, "WO1")], actor="t", source="t")
    with runtime.transaction() as s:  # a start that happened before everything else arrives late
        ex.post_events(s, cid, [start(1), qty(13, "WO1")], actor="t", source="t")
    assert_live_equals_rebuild(runtime, cid)
