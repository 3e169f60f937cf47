"""Planning pages (생산계획): the plan's Gantt chart by machine, its KPIs and versions, and the planner's
actions as htmx POSTs (plan, re-plan, pin/unpin an operation, a machine breakdown). They call
:mod:`jejo.planning.service` directly; another company's plan is a 404 like a missing one."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jejo.api.deps import DB
from jejo.core.errors import JejoError
from jejo.core.i18n import format_time
from jejo.planning import service as ps
from jejo.planning.tables import ProductionPlan
from jejo.planning.worktime import WorkingTime
from jejo.web.actions import page_action
from jejo.web.context import CurrentViewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)
SEOUL = ZoneInfo("Asia/Seoul")
PAGE_TIME_LIMIT = 5.0


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the page is rendered."""
    return message


REASON_LABELS = {
    "created": N_("First plan"),
    "replan": N_("Re-plan"),
    "pin": N_("Operation pinned"),
    "unpin": N_("Pin removed"),
    "breakdown": N_("Machine breakdown"),
}
assert set(REASON_LABELS) == set(ps.REASONS)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def chart_data(plan: ProductionPlan, version: int | None, viewer: CurrentViewer) -> dict[str, Any]:
    """What the Gantt draws: rows per machine, bars per operation (working pieces), due dates, outages."""
    v = ps.get_version(plan, version)
    machines: list[str] = list(v.inputs.get("machines") or sorted({o.equipment_code for o in v.operations}))
    row = {m: i for i, m in enumerate(machines)}
    orders = sorted({o.work_order_code for o in v.operations})
    colour = {wo: i for i, wo in enumerate(orders)}
    axis = WorkingTime.from_json(v.inputs["axis"])
    due_at = {k: datetime.fromisoformat(x) for k, x in v.inputs.get("due_at", {}).items()}
    last: dict[str, Any] = {}
    tr = viewer.tr
    bars = []
    for o in v.operations:
        if o.work_order_code not in last or o.end > last[o.work_order_code].end:
            last[o.work_order_code] = o
        pieces = axis.segments(o.work_start, o.work_end)
        state = tr.gettext("In progress") if o.status == "started" else ""
        if o.pinned:
            state = tr.gettext("Pinned")
        elif o.frozen:
            state = tr.gettext("Frozen")
        for a, b in pieces:
            bars.append(
                {
                    "row": row[o.equipment_code],
                    "s": _ms(a),
                    "e": _ms(b),
                    "wo": o.work_order_code,
                    "seq": o.seq,
                    "c": colour[o.work_order_code],
                    "name": o.name,
                    "eq": o.equipment_code,
                    "from": format_time(o.start, viewer.locale),
                    "to": format_time(o.end, viewer.locale),
                    "due": format_time(due_at[o.work_order_code], viewer.locale)
                    if o.work_order_code in due_at
                    else "",
                    "state": state,
                    "pinned": o.pinned,
                    "started": o.status == "started",
                }
            )
    dues = [
        {
            "row": row[op.equipment_code],
            "t": _ms(due_at[wo]),
            "wo": wo,
            "c": colour[wo],
            "late": op.end > due_at[wo],
            "label": format_time(due_at[wo], viewer.locale),
        }
        for wo, op in sorted(last.items())
        if wo in due_at
    ]
    outages = [
        {
            "row": row[o["equipment"]],
            "s": _ms(datetime.fromisoformat(o["start"])),
            "e": _ms(datetime.fromisoformat(o["end"])),
            "kind": o["kind"],
            "label": f"{o['equipment']} · "
            + (tr.gettext("Breakdown") if o["kind"] == "breakdown" else tr.gettext("Planned maintenance"))
            + f" {format_time(datetime.fromisoformat(o['start']), viewer.locale)}"
            + f" – {format_time(datetime.fromisoformat(o['end']), viewer.locale)}",
        }
        for o in v.inputs.get("outages", [])
        if o["equipment"] in row
    ]
    return {
        "machines": machines,
        "orders": orders,
        "bars": bars,
        "dues": dues,
        "outages": outages,
        "origin": _ms(v.origin),
        "labels": {
            "due": tr.gettext("Due"),
            "late": tr.gettext("Late"),
            "machine": tr.gettext("Machine"),
            "start": tr.gettext("Start"),
            "end": tr.gettext("End"),
            "now": tr.gettext("Plan start"),
        },
    }


def _context(
    session: DB, viewer: CurrentViewer, plan: ProductionPlan | None, version: int | None
) -> dict[str, Any]:
    if plan is None or not plan.current_version:
        return {"plan": None, "plans": [ps.plan_out(p) for p in ps.list_plans(session, viewer.company_id)]}
    v = ps.get_version(plan, version)
    tr = viewer.tr
    ops = [
        {
            "work_order": o.work_order_code,
            "seq": o.seq,
            "name": o.name,
            "equipment": o.equipment_code,
            "pinned": o.pinned,
            "local_start": o.start.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M"),
        }
        for o in sorted(v.operations, key=lambda o: (o.work_order_code, o.seq))
        if o.status != "started"
    ]
    out = _version_view(ps.version_out(v))
    out["moved"] = [
        {
            **m,
            "from_at": datetime.fromisoformat(m["from_start"]),
            "to_at": datetime.fromisoformat(m["to_start"]),
        }
        for m in out["moved"]
    ]
    return {
        "plan": plan,
        "v": out,
        "is_current": v.version == plan.current_version,
        "chart": chart_data(plan, v.version, viewer),
        "versions": [_version_view(ps.version_out(x)) for x in reversed(plan.versions)],
        "reasons": {k: tr.gettext(x) for k, x in REASON_LABELS.items()},
        "ops": ops,
        "machines": list(v.inputs.get("machines", [])),
        "pending": ps.new_breakdowns(session, viewer.company_id, plan),
        "plans": [],
    }


def _version_view(out: dict[str, Any]) -> dict[str, Any]:
    return {**out, "done_at": datetime.fromisoformat(out["kpis"]["makespan_at"])}


@router.get("/planning")
def planning_home(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    plan = ps.latest_plan(session, viewer.company_id)
    return render(
        request, "planning/gantt.html", viewer.tr, viewer=viewer, **_context(session, viewer, plan, None)
    )


@router.get("/planning/forecast")
def forecast_page(
    request: Request,
    viewer: CurrentViewer,
    session: DB,
    weeks: int = Query(8, ge=1, le=26),
    history: int = Query(26, ge=8, le=260),
) -> HTMLResponse:
    """Demand forecast per item from the firm's sales orders and the load it puts on each work center."""
    from jejo.planning.demand import forecast_load

    out = forecast_load(session, viewer.company_id, history_weeks=history, horizon_weeks=weeks)
    return render(
        request, "planning/forecast.html", viewer.tr, viewer=viewer, f=out, weeks=weeks, history=history
    )


@router.get("/planning/{code}")
def planning_page(
    request: Request, code: str, viewer: CurrentViewer, session: DB, version: int | None = Query(None, ge=1)
) -> HTMLResponse:
    plan = ps.get_plan(session, viewer.company_id, code)
    return render(
        request, "planning/gantt.html", viewer.tr, viewer=viewer, **_context(session, viewer, plan, version)
    )


def _answer(request: Request, viewer: CurrentViewer, action: Any) -> Response:
    """Run a planning action; on success reload the plan's page, else show why on the page."""
    try:
        plan_code = action()
    except JejoError as exc:
        problems = [f"{p.field or ''} {p.reason}".strip() for p in exc.problems] or [exc.detail]
        return render(
            request,
            "planning/_problems.html",
            viewer.tr,
            viewer=viewer,
            detail=exc.detail,
            problems=problems,
            status_code=exc.status if exc.status in (403, 404, 409, 422) else 422,
        )
    return Response(status_code=204, headers={"HX-Redirect": f"/planning/{plan_code}"})


@router.post("/planning")
def create_action(request: Request, viewer: CurrentViewer, session: DB) -> Response:
    page_action(request, viewer, "workorders:write")
    return _answer(
        request,
        viewer,
        lambda: (
            ps.create_plan(session, viewer.company_id, viewer.principal.name, time_limit=PAGE_TIME_LIMIT).code
        ),
    )


@router.post("/planning/{code}/replan")
def replan_action(request: Request, code: str, viewer: CurrentViewer, session: DB) -> Response:
    page_action(request, viewer, "workorders:write")
    ps.get_plan(session, viewer.company_id, code)

    def run() -> str:
        if ps.new_breakdowns(session, viewer.company_id, ps.get_plan(session, viewer.company_id, code)):
            ps.sync_events(
                session, viewer.company_id, code, viewer.principal.name, time_limit=PAGE_TIME_LIMIT
            )
        else:
            ps.replan(session, viewer.company_id, code, viewer.principal.name, time_limit=PAGE_TIME_LIMIT)
        return code

    return _answer(request, viewer, run)


def _local(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=SEOUL)


@router.post("/planning/{code}/pin")
async def pin_action(request: Request, code: str, viewer: CurrentViewer, session: DB) -> Response:
    """The pin form: an operation (``WO/seq``), a machine, a start (Seoul time); or unpin it."""
    page_action(request, viewer, "workorders:write")
    ps.get_plan(session, viewer.company_id, code)
    form = await request.form()
    op = str(form.get("operation") or "")
    wo, _, seq = op.rpartition("/")

    def run() -> str:
        from jejo.core.errors import Problem, ValidationError

        if not wo or not seq.isdigit():
            raise ValidationError(
                "no operation chosen", [Problem(reason="choose an operation", field="operation")]
            )
        try:
            start = _local(str(form.get("start") or ""))
        except ValueError as exc:
            raise ValidationError(
                "bad start", [Problem(reason="not a date and time", field="start")]
            ) from exc
        ps.pin_operation(
            session,
            viewer.company_id,
            code,
            viewer.principal.name,
            work_order=wo,
            seq=int(seq),
            equipment=str(form.get("equipment") or "") or None,
            start=start,
            pinned=form.get("unpin") is None,
            time_limit=PAGE_TIME_LIMIT,
        )
        return code

    return _answer(request, viewer, run)


@router.post("/planning/{code}/machine-down")
async def down_action(request: Request, code: str, viewer: CurrentViewer, session: DB) -> Response:
    """A machine reported down from the page (e.g. by phone from the floor), until its expected repair."""
    page_action(request, viewer, "workorders:write")
    ps.get_plan(session, viewer.company_id, code)
    form = await request.form()

    def run() -> str:
        from jejo.core.errors import Problem, ValidationError

        raw = str(form.get("repair_minutes") or "").strip()
        if raw and not raw.isdigit():
            raise ValidationError(
                "bad repair time", [Problem(reason="whole minutes", field="repair_minutes")]
            )
        ps.machine_down(
            session,
            viewer.company_id,
            code,
            viewer.principal.name,
            equipment=str(form.get("equipment") or ""),
            repair_minutes=int(raw) if raw else None,
            time_limit=PAGE_TIME_LIMIT,
        )
        return code

    return _answer(request, viewer, run)
