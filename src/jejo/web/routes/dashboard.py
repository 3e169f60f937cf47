"""The landing page: work orders by status and the machines' current states."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from jejo.api.deps import DB
from jejo.execution.tables import MachineState, WorkOrder, WorkOrderState
from jejo.web import labels
from jejo.web.context import CurrentViewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    status = func.coalesce(WorkOrderState.status, "planned")
    counts = dict(
        session.execute(
            select(status, func.count())
            .select_from(WorkOrder)
            .outerjoin(WorkOrderState, WorkOrderState.work_order_id == WorkOrder.id)
            .where(WorkOrder.company_id == viewer.company_id)
            .group_by(status)
        ).all()
    )
    by_status = [(key, counts.get(key, 0)) for key in labels.WORK_ORDER_STATUS]
    machines = list(
        session.scalars(
            select(MachineState)
            .where(MachineState.company_id == viewer.company_id)
            .order_by(MachineState.equipment_code)
        )
    )
    chart = {
        "labels": [labels.label(labels.WORK_ORDER_STATUS, k, viewer.tr) for k, _ in by_status],
        "values": [n for _, n in by_status],
        "keys": [k for k, _ in by_status],
    }
    return render(
        request,
        "dashboard.html",
        viewer.tr,
        viewer=viewer,
        by_status=by_status,
        total=sum(counts.values()),
        machines=machines,
        chart=chart,
    )
