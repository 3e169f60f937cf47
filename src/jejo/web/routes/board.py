"""The line board (andon) for a TV: machine states, the current job, good/scrap and OEE of the shift, alarms.

The page opens an ``EventSource`` on ``/board/stream``; the server looks at the event log once a second per
connection and pushes the re-rendered tiles when something changed (and every 30 s, so the durations move).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.api.deps import DB
from jejo.core.errors import JejoError
from jejo.core.runtime import Runtime
from jejo.core.timeutil import SEOUL, as_utc, utcnow
from jejo.execution.tables import Event, MachineState, OperationState, WorkOrder, WorkOrderOperation
from jejo.masterdata.tables import Equipment, Item, Line, ReasonCode, Shift, WorkCenter
from jejo.web.context import CurrentViewer, Viewer, viewer_for
from jejo.web.templating import environment, render

router = APIRouter(include_in_schema=False)
POLL_S = 1.0
REFRESH_S = 30.0
HEARTBEAT_S = 15.0
#: states that count as planned time lost (availability) vs. outside planned time
NOT_PLANNED = {"planned_stop", "off"}


@dataclass(frozen=True)
class ShiftWindow:
    name: str
    start: datetime  # UTC


def current_shift(session: Session, company_id: int, now: datetime) -> ShiftWindow:
    """The company's shift that holds ``now`` (Seoul time), or the Seoul day so far."""
    local = now.astimezone(SEOUL)
    for s in session.scalars(select(Shift).where(Shift.company_id == company_id).order_by(Shift.start)):
        days = {int(d) for d in s.weekdays.split(",") if d.strip().isdigit()}
        for back in (0, 1):  # a night shift that started yesterday
            day = (local - timedelta(days=back)).date()
            if day.weekday() not in days:
                continue
            start = datetime.combine(day, s.start, SEOUL)
            end = datetime.combine(day, s.end, SEOUL)
            if end <= start:
                end += timedelta(days=1)
            if start <= local < end:
                return ShiftWindow(s.name, as_utc(start))
    midnight = datetime.combine(local.date(), datetime.min.time(), SEOUL)
    return ShiftWindow("", as_utc(midnight))


def _ratio(num: float, den: float) -> float | None:
    return None if den <= 0 else max(0.0, min(1.0, num / den))


def shift_kpis(
    session: Session, company_id: int, line: str | None, start: datetime, now: datetime
) -> dict[str, tuple[float | None, float | None, float | None]]:
    """Availability, effectiveness (performance) and quality ratio of each machine over the shift so far,
    with :mod:`jejo.kpi` (ISO 22400-2); empty when the period is too short or the line is unknown."""
    from jejo.kpi import iso22400
    from jejo.kpi.service import load
    from jejo.kpi.timeelements import Period

    if now - start < timedelta(minutes=1):
        return {}
    try:
        loaded = load(
            session, company_id, "line" if line else "site", line or None, Period(start, now), now=now
        )
    except JejoError:  # e.g. a line without machines: the board falls back to its own simple figures
        return {}
    return {
        u.equipment: (
            iso22400.availability(u.te),
            iso22400.effectiveness(u.te, u.counts),
            iso22400.quality_ratio(u.counts),
        )
        for u in loaded.units
    }


def snapshot(
    session: Session, company_id: int, line: str | None, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the board shows, for one line (or the whole plant)."""
    now = now or utcnow()
    shift = current_shift(session, company_id, now)
    stmt = (
        select(Equipment, WorkCenter, Line)
        .join(WorkCenter, WorkCenter.id == Equipment.work_center_id)
        .join(Line, Line.id == WorkCenter.line_id)
        .where(Equipment.company_id == company_id)
    )
    if line:
        stmt = stmt.where(Line.code == line)
    rows = session.execute(stmt.order_by(Line.code, WorkCenter.code, Equipment.code)).all()
    codes = [e.code for e, _, _ in rows]
    states = {
        m.equipment_code: m
        for m in session.scalars(
            select(MachineState).where(
                MachineState.company_id == company_id, MachineState.equipment_code.in_(codes)
            )
        )
    }
    reason_names = dict(
        session.execute(
            select(ReasonCode.code, ReasonCode.name).where(ReasonCode.company_id == company_id)
        ).all()
    )
    # the job on each machine: the running operation that names it
    jobs: dict[str, dict[str, Any]] = {}
    for op, wo_code, item_name, op_name in session.execute(
        select(OperationState, WorkOrder.code, Item.name, WorkOrderOperation.name)
        .join(WorkOrder, WorkOrder.id == OperationState.work_order_id)
        .join(Item, Item.id == WorkOrder.item_id)
        .join(
            WorkOrderOperation,
            (WorkOrderOperation.work_order_id == OperationState.work_order_id)
            & (WorkOrderOperation.seq == OperationState.seq),
        )
        .where(
            OperationState.company_id == company_id,
            OperationState.status == "running",
            OperationState.equipment_code.in_(codes),
        )
    ):
        jobs[op.equipment_code or ""] = {
            "work_order": wo_code,
            "seq": op.seq,
            "name": op_name,
            "item_name": item_name,
        }
    # the shift's events of these machines: states (with the one in force at the shift start) and counts
    events = list(
        session.execute(
            select(
                Event.type, Event.occurred_at, Event.equipment_code, Event.payload, Event.work_order_id
            ).where(
                Event.company_id == company_id,
                Event.equipment_code.in_(codes),
                Event.occurred_at >= shift.start,
                Event.type.in_(("machine.state_changed", "quantity.reported")),
            )
        )
    )
    cycle = {
        (wo_id, seq): ct
        for wo_id, seq, ct in session.execute(
            select(
                WorkOrderOperation.work_order_id, WorkOrderOperation.seq, WorkOrderOperation.cycle_time_s
            ).where(
                WorkOrderOperation.work_order_id.in_({e.work_order_id for e in events if e.work_order_id})
            )
        )
    }
    before: dict[str, str] = {}
    for code in codes:
        last = session.execute(
            select(Event.payload)
            .where(
                Event.company_id == company_id,
                Event.equipment_code == code,
                Event.type == "machine.state_changed",
                Event.occurred_at < shift.start,
            )
            .order_by(Event.occurred_at.desc())
            .limit(1)
        ).scalar()
        if last:
            before[code] = str(last["state"])
    iso = shift_kpis(session, company_id, line, shift.start, now)
    machines = []
    alarms = []
    for eq, wc, ln in rows:
        st = states.get(eq.code)
        mine = sorted((e for e in events if e.equipment_code == eq.code), key=lambda e: as_utc(e.occurred_at))
        good = sum(float(e.payload.get("good", 0)) for e in mine if e.type == "quantity.reported")
        scrap = sum(float(e.payload.get("scrap", 0)) for e in mine if e.type == "quantity.reported")
        ideal = sum(
            cycle.get((e.work_order_id, e.payload.get("seq")), 0.0)
            * (float(e.payload.get("good", 0)) + float(e.payload.get("scrap", 0)))
            for e in mine
            if e.type == "quantity.reported"
        )
        run = planned = 0.0
        state, t = before.get(eq.code, "off"), shift.start
        for e in [*(e for e in mine if e.type == "machine.state_changed"), None]:
            t_next = now if e is None else max(as_utc(e.occurred_at), shift.start)
            span = max(0.0, (min(t_next, now) - t).total_seconds())
            if state not in NOT_PLANNED:
                planned += span
            if state == "running":
                run += span
            if e is not None:
                state, t = str(e.payload["state"]), t_next
        a, p, q = _ratio(run, planned), _ratio(ideal, run), _ratio(good, good + scrap)
        if (
            eq.code in iso
        ):  # ISO 22400 from jejo.kpi: planned time from the shift calendar, reasons, micro-stops
            a, p, q = iso[eq.code]
        oee = a * p * q if a is not None and p is not None and q is not None else None
        state_now = st.state if st else "off"
        since = as_utc(st.since) if st else None
        reason = st.reason_code if st else None
        m = {
            "code": eq.code,
            "name": eq.name,
            "work_center": wc.name,
            "line": ln.name,
            "state": state_now,
            "since": since,
            "minutes": int((now - since).total_seconds() // 60) if since else None,
            "reason_code": reason,
            "reason_name": reason_names.get(reason or "", ""),
            "job": jobs.get(eq.code),
            "good": good,
            "scrap": scrap,
            "availability": a,
            "performance": p,
            "quality": q,
            "oee": oee,
        }
        machines.append(m)
        if state_now == "down":
            alarms.append(m)
    return {"shift": shift, "machines": machines, "alarms": alarms, "now": now}


def lines(session: Session, company_id: int) -> list[tuple[str, str]]:
    return [
        (ln.code, ln.name)
        for ln in session.scalars(select(Line).where(Line.company_id == company_id).order_by(Line.code))
    ]


@router.get("/board")
def board(
    request: Request,
    viewer: CurrentViewer,
    session: DB,
    line: str | None = Query(None, max_length=64),
    kiosk: bool = Query(False),
) -> HTMLResponse:
    return render(
        request,
        "board/board.html",
        viewer.tr,
        viewer=None if kiosk else viewer,
        board_viewer=viewer,
        line=line or "",
        lines=lines(session, viewer.company_id),
        kiosk=kiosk,
        nav="board",
        **snapshot(session, viewer.company_id, line),
    )


def _tiles_html(runtime: Runtime, viewer: Viewer, line: str | None) -> tuple[int, str]:
    with runtime.transaction() as session:
        last = session.scalar(select(func.max(Event.seq)).where(Event.company_id == viewer.company_id)) or 0
        data = snapshot(session, viewer.company_id, line)
    html = environment().get_template("board/_tiles.html").render(tr=viewer.tr, lang=viewer.locale, **data)
    return int(last), html


def _last_event(runtime: Runtime, company_id: int) -> int:
    with runtime.transaction() as session:
        return int(session.scalar(select(func.max(Event.seq)).where(Event.company_id == company_id)) or 0)


@router.get("/board/stream")
async def board_stream(
    request: Request, line: str | None = Query(None, max_length=64), once: bool = Query(False)
) -> StreamingResponse:
    """Server-sent events: ``data: {"html": …}`` with the tiles whenever the plant's event log moved."""
    runtime: Runtime = request.app.state.runtime

    def who() -> Viewer:
        with runtime.transaction() as session:
            return viewer_for(request, session)

    viewer = await run_in_threadpool(who)

    async def stream() -> AsyncIterator[str]:
        seen, html = await run_in_threadpool(_tiles_html, runtime, viewer, line)
        yield "retry: 3000\n"
        yield f"data: {json.dumps({'html': html, 'seq': seen})}\n\n"
        if once:
            return
        loop = asyncio.get_running_loop()
        sent_at = beat_at = loop.time()
        while not await request.is_disconnected():
            await asyncio.sleep(POLL_S)
            now = loop.time()
            last = await run_in_threadpool(_last_event, runtime, viewer.company_id)
            if last != seen or now - sent_at >= REFRESH_S:
                seen, fresh = await run_in_threadpool(_tiles_html, runtime, viewer, line)
                if fresh != html or now - sent_at >= REFRESH_S:
                    html, sent_at = fresh, now
                    yield f"data: {json.dumps({'html': html, 'seq': seen})}\n\n"
                    beat_at = now
            if now - beat_at >= HEARTBEAT_S:
                yield ": keep-alive\n\n"
                beat_at = now

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
