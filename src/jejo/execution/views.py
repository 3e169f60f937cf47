"""Plain views of work orders and events (dicts of JSON-able values), shared by the API and the web pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.execution.events import EventRecord
from jejo.execution.projection import WorkOrderProgress
from jejo.execution.tables import Event, OperationState, WorkOrder, WorkOrderState
from jejo.masterdata.tables import Item, WorkCenter


def event_out(e: EventRecord | Event) -> dict[str, Any]:
    return {
        "id": str(e.id),
        "type": e.type,
        "occurred_at": e.occurred_at,
        "recorded_at": e.recorded_at,
        "actor": e.actor,
        "source": e.source,
        "idempotency_key": e.idempotency_key,
        "equipment": e.equipment_code,
        "payload": e.payload,
    }


def work_order_out(session: Session, wo: WorkOrder, detail: bool = False) -> dict[str, Any]:
    state = session.get(WorkOrderState, wo.id)
    out: dict[str, Any] = {
        "code": wo.code,
        "item": session.get(Item, wo.item_id).code,  # type: ignore[union-attr]
        "quantity": wo.quantity,
        "due_date": wo.due_date,
        "priority": wo.priority,
        "sales_order_line": wo.sales_order_line,
        "status": state.status if state else "planned",
        "good": state.good if state else 0.0,
        "scrap": state.scrap if state else 0.0,
        "rework": state.rework if state else 0.0,
        "started_at": state.started_at if state else None,
        "completed_at": state.completed_at if state else None,
        "created_at": wo.created_at,
    }
    if detail:
        op_states = {
            o.seq: o
            for o in session.scalars(select(OperationState).where(OperationState.work_order_id == wo.id))
        }
        wcs = dict(
            session.execute(
                select(WorkCenter.id, WorkCenter.code).where(
                    WorkCenter.id.in_({o.work_center_id for o in wo.operations})
                )
            ).all()
        )
        progress = WorkOrderProgress(wo.id, wo.company_id, tuple(o.seq for o in wo.operations))
        for seq, st in op_states.items():
            p = progress.ops[seq]
            p.good, p.scrap = st.good, st.scrap
        wip = progress.wip()
        out["operations"] = [
            {
                "seq": o.seq,
                "name": o.name,
                "work_center": wcs.get(o.work_center_id),
                "setup_time_s": o.setup_time_s,
                "cycle_time_s": o.cycle_time_s,
                "planned_quantity": o.planned_quantity,
                "status": op_states[o.seq].status if o.seq in op_states else "pending",
                "good": op_states[o.seq].good if o.seq in op_states else 0.0,
                "scrap": op_states[o.seq].scrap if o.seq in op_states else 0.0,
                "rework": op_states[o.seq].rework if o.seq in op_states else 0.0,
                "scrap_by_reason": op_states[o.seq].scrap_by_reason if o.seq in op_states else {},
                "run_seconds": op_states[o.seq].run_seconds if o.seq in op_states else 0.0,
                "equipment": op_states[o.seq].equipment_code if o.seq in op_states else None,
                "wip": wip.get(o.seq, 0.0),
            }
            for o in wo.operations
        ]
        items = (
            dict(
                session.execute(
                    select(Item.id, Item.code).where(Item.id.in_({m.item_id for m in wo.materials}))
                ).all()
            )
            if wo.materials
            else {}
        )
        out["materials"] = [{"item": items.get(m.item_id), "quantity": m.quantity} for m in wo.materials]
        out["consumed_lots"] = state.consumed_lots if state else []
        out["produced_lots"] = state.produced_lots if state else []
    return out
