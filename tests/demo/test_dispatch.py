"""The demo's simulated operators: released work orders start on their machines (earliest due first, one
operation per machine), nothing is posted twice, and an operation that has made its quantity completes
and hands on to the next operation of its order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from tests.conftest import unique

from jejo.demo.dispatch import SOURCE, dispatch
from jejo.demo.seed import _master_data
from jejo.execution import service as ex
from jejo.execution.tables import Event, OperationState, WorkOrder
from jejo.masterdata import users

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def _ops(s: Any, cid: int, code: str) -> dict[int, tuple[str, str | None]]:
    rows = s.execute(
        select(OperationState.seq, OperationState.status, OperationState.equipment_code)
        .join(WorkOrder, WorkOrder.id == OperationState.work_order_id)
        .where(WorkOrder.company_id == cid, WorkOrder.code == code)
    )
    return {seq: (status, eq) for seq, status, eq in rows}


def _dispatched(s: Any, cid: int) -> int:
    return s.scalar(
        select(func.count()).select_from(Event).where(Event.company_id == cid, Event.source == SOURCE)
    )


def _report(s: Any, cid: int, wo: str, seq: int, good: float) -> None:
    """A machine counter's report on a running operation."""
    event = {"type": "quantity.reported", "work_order": wo, "payload": {"seq": seq, "good": good}}
    ex.post_events(s, cid, [event], actor="machine", source="test")


def test_operators_start_complete_and_hand_on(session: Any) -> None:
    s = session
    cid = users.create_company(s, unique("DSP"), "디스패치 테스트").id
    _master_data(s, cid)  # the demo plant: work centers, their machines, routings
    today = date(2026, 11, 26)
    for code, item, qty, due, release in (
        ("WO-CAB", "BASE-600", 3, 1, True),
        ("WO-BR-LATE", "BRKT-100", 5, 4, True),
        ("WO-BR-SOON", "BRKT-100", 2, 2, True),
        ("WO-PLANNED", "WALL-800", 4, 0, False),  # not released: nobody may start it
    ):
        ex.create_work_order(
            s,
            cid,
            ex.WorkOrderIn(code=code, item=item, quantity=qty, due_date=today + timedelta(days=due)),
            "t",
        )
        if release:
            ex.command_work_order(s, cid, code, "release", "t")

    # nothing running: each order's first operation starts on its work center's machine, earliest due first
    assert dispatch(s, cid, T0) == 2
    assert _ops(s, cid, "WO-CAB")[10] == ("running", "PC-SAW-01")
    assert _ops(s, cid, "WO-BR-SOON")[10] == ("running", "MC-01")
    assert _ops(s, cid, "WO-BR-LATE")[10][0] == "pending"  # MC-01 is busy
    assert all(status == "pending" for status, _eq in _ops(s, cid, "WO-PLANNED").values())

    # again: nothing new (one operation per machine, nothing finished)
    events = _dispatched(s, cid)
    assert dispatch(s, cid, T0 + timedelta(seconds=5)) == 0
    assert _dispatched(s, cid) == events

    # short of the quantity: the operation keeps running
    _report(s, cid, "WO-CAB", 10, 2)
    assert dispatch(s, cid, T0 + timedelta(minutes=10)) == 0
    assert _ops(s, cid, "WO-CAB")[10][0] == "running"

    # the quantity reached: completed, and the order's next operation starts on its own machine
    _report(s, cid, "WO-CAB", 10, 1)
    assert dispatch(s, cid, T0 + timedelta(minutes=20)) == 2
    ops = _ops(s, cid, "WO-CAB")
    assert ops[10] == ("completed", "PC-SAW-01")
    assert ops[20] == ("running", "EB-01")
    assert ops[30][0] == "pending"
    assert ex.work_order_status(s, ex.get_work_order(s, cid, "WO-CAB")).value == "in_progress"
    keys = set(
        s.scalars(select(Event.idempotency_key).where(Event.company_id == cid, Event.source == SOURCE))
    )
    assert keys == {
        "dispatch:start:WO-CAB:10",
        "dispatch:start:WO-BR-SOON:10",
        "dispatch:complete:WO-CAB:10",
        "dispatch:start:WO-CAB:20",
    }
    assert dispatch(s, cid, T0 + timedelta(minutes=21)) == 0
