"""The demo's simulated shop-floor operators: they start and complete operations so that released work
orders run on the simulated machines.

Machine counters become ``quantity.reported`` only for an operation running on that machine, so without
someone starting operations the live demo would count nothing. :func:`dispatch` does what an operator
at each machine would: completes the running operation once its good quantity has reached what it must
make (the order's quantity on the first operation, what the operation before made good on later ones),
then, on every free machine, starts the next operation that may start there (its work order released or
in progress and not on hold, the earlier operations of that order completed), earliest due date first,
then by code. Machines come from the master data (a work center's equipment), events go through the
execution service like anyone else's, each with an idempotency key per operation.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.db import one_of
from jejo.execution.service import NewEvent, post_events
from jejo.execution.statemachine import WOStatus
from jejo.execution.tables import OperationState, WorkOrder, WorkOrderOperation, WorkOrderState
from jejo.masterdata.tables import Equipment

ACTOR = "operator"
SOURCE = "demo-dispatch"
#: Operation statuses that keep a machine busy.
BUSY = ("running", "paused")
#: Work-order statuses in which operations are started and completed.
OPEN = (WOStatus.RELEASED.value, WOStatus.IN_PROGRESS.value)


def dispatch(session: Session, company_id: int, now: datetime) -> int:
    """Complete finished operations and start the next ones on free machines; the number of events posted."""
    orders = session.execute(
        select(WorkOrder.id, WorkOrder.code)
        .join(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
        .where(WorkOrder.company_id == company_id, WorkOrderState.status.in_(OPEN))
        .order_by(WorkOrder.due_date, WorkOrder.code)
    ).all()
    if not orders:
        return 0
    ids = [wo_id for wo_id, _code in orders]
    ops: dict[int, list[WorkOrderOperation]] = defaultdict(list)
    for op in session.scalars(
        select(WorkOrderOperation)
        .where(one_of(session, WorkOrderOperation.work_order_id, ids))
        .order_by(WorkOrderOperation.work_order_id, WorkOrderOperation.seq)
    ):
        ops[op.work_order_id].append(op)
    states = {
        (st.work_order_id, st.seq): st
        for st in session.scalars(
            select(OperationState).where(one_of(session, OperationState.work_order_id, ids))
        )
    }
    machines: dict[int, list[str]] = defaultdict(list)  # work center → its equipment, by code
    for wc_id, code in session.execute(
        select(Equipment.work_center_id, Equipment.code)
        .where(Equipment.company_id == company_id)
        .order_by(Equipment.code)
    ):
        machines[wc_id].append(code)
    busy = set(
        session.scalars(
            select(OperationState.equipment_code).where(
                OperationState.company_id == company_id,
                OperationState.status.in_(BUSY),
                OperationState.equipment_code.is_not(None),
            )
        )
    )

    events: list[NewEvent] = []
    waiting: list[tuple[str, WorkOrderOperation]] = []  # each order's first operation not started yet
    for wo_id, code in orders:
        previous_good: float | None = None  # what the operation before handed on
        for op in ops[wo_id]:
            st = states.get((wo_id, op.seq))
            status = st.status if st is not None else "pending"
            if st is not None and status == "running":
                must_make = op.planned_quantity if previous_good is None else previous_good
                if st.good < must_make:
                    break
                events.append(_event("operation.completed", "complete", code, op.seq, now))
                busy.discard(st.equipment_code)
                status = "completed"
            if st is not None and status == "completed":
                previous_good = min(op.planned_quantity, st.good)
                continue
            if status == "pending":
                waiting.append((code, op))
            break  # only the first operation not completed may run
    for code, op in waiting:
        free = [m for m in machines.get(op.work_center_id, []) if m not in busy]
        if free:
            events.append(_event("operation.started", "start", code, op.seq, now, equipment=free[0]))
            busy.add(free[0])
    if not events:
        return 0
    results = post_events(session, company_id, events, actor=ACTOR, source=SOURCE)
    return sum(not r.duplicate for r in results)


def _event(
    type_: str, verb: str, wo: str, seq: int, now: datetime, *, equipment: str | None = None
) -> NewEvent:
    payload: dict[str, object] = {"seq": seq}
    if equipment is not None:
        payload["equipment"] = equipment
    return NewEvent(
        type=type_,
        occurred_at=now,
        work_order=wo,
        payload=payload,
        idempotency_key=f"dispatch:{verb}:{wo}:{seq}",
    )
