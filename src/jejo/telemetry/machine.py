"""Machine data → execution: state tags become ``machine.state_changed`` events and downtime records,
counter tags become ``quantity.reported`` events on the operation running on that machine.

Every event carries an idempotency key made of the machine and the source timestamp, and a cursor per
machine remembers how far it has got, so a batch delivered twice adds nothing.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.db import savepoint
from jejo.core.errors import JejoError, NotFound
from jejo.core.timeutil import utcnow
from jejo.execution.events import MachineStateKind
from jejo.execution.tables import OperationState, WorkOrder
from jejo.telemetry.model import Role, Sample, Tag
from jejo.telemetry.rollup import ms_to_dt
from jejo.telemetry.state import counter_delta, derive_state, transitions
from jejo.telemetry.tables import Downtime, MachineCursor

log = logging.getLogger(__name__)

COUNTER_ROLES = (Role.GOOD_COUNT, Role.SCRAP_COUNT, Role.TOTAL_COUNT)


@dataclass
class MachineStats:
    state_events: int = 0
    quantity_events: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)


def _active_operation(session: Session, company_id: int, equipment: str) -> tuple[str, int] | None:
    row = session.execute(
        select(WorkOrder.code, OperationState.seq)
        .join(WorkOrder, WorkOrder.id == OperationState.work_order_id)
        .where(
            OperationState.company_id == company_id,
            OperationState.equipment_code == equipment,
            OperationState.status == "running",
        )
        .order_by(OperationState.started_at.desc())
        .limit(1)
    ).first()
    return (row[0], int(row[1])) if row else None


def _downtime(session: Session, company_id: int, equipment: str, ts_ms: int, state: MachineStateKind) -> None:
    at = ms_to_dt(ts_ms)
    open_ = session.scalars(
        select(Downtime).where(
            Downtime.company_id == company_id,
            Downtime.equipment_code == equipment,
            Downtime.ended_at.is_(None),
            Downtime.started_at < at,
        )
    ).all()
    for d in open_:
        d.ended_at = at
    if state not in (MachineStateKind.RUNNING, MachineStateKind.IDLE):
        exists = session.scalar(
            select(Downtime.id).where(
                Downtime.company_id == company_id,
                Downtime.equipment_code == equipment,
                Downtime.started_at == at,
            )
        )
        if exists is None:
            session.add(
                Downtime(company_id=company_id, equipment_code=equipment, state=state.value, started_at=at)
            )


def is_event_tag(t: Tag) -> bool:
    """Do this tag's samples become machine events? (State and counter tags of a machine.)"""
    return bool(t.equipment) and (t.role is Role.STATE or t.role in COUNTER_ROLES)


def event_tags(tags: dict[str, Tag]) -> set[str]:
    return {code for code, t in tags.items() if is_event_tag(t)}


def process_machine_samples(
    session: Session,
    company_id: int,
    samples: list[Sample],
    tags: dict[str, Tag],
    *,
    scrap_reason: str = "SC-DIM",
) -> MachineStats:
    """Turn the state and counter samples of a batch into events and downtime records."""
    from jejo.execution.service import NewEvent, post_events

    stats = MachineStats()
    per_eq: dict[str, list[tuple[Tag, Sample]]] = defaultdict(list)
    for s in samples:
        t = tags.get(s.tag)
        if t is not None and is_event_tag(t):
            per_eq[t.equipment].append((t, s))  # type: ignore[index]
    for equipment, items in per_eq.items():
        cursor = session.scalar(
            select(MachineCursor).where(
                MachineCursor.company_id == company_id, MachineCursor.equipment_code == equipment
            )
        )
        if cursor is None:
            cursor = MachineCursor(
                company_id=company_id, equipment_code=equipment, state=None, state_ts_ms=0, counters="{}"
            )
            session.add(cursor)
        events: list[NewEvent] = []
        readings = [
            (s.ts_ms, st)
            for t, s in items
            if t.role is Role.STATE and (st := derive_state(s.value, t.state_map)) is not None
        ]
        current = MachineStateKind(cursor.state) if cursor.state else None
        changes = transitions(equipment, current, cursor.state_ts_ms, readings)
        for tr in changes:
            events.append(
                NewEvent(
                    type="machine.state_changed",
                    occurred_at=ms_to_dt(tr.ts_ms),
                    payload={"equipment": equipment, "state": tr.state.value},
                    idempotency_key=f"ms:{equipment}:{tr.ts_ms}",
                )
            )
        counters: dict[str, Any] = json.loads(cursor.counters or "{}")
        deltas: dict[int, dict[str, float]] = defaultdict(dict)
        for t, s in sorted((x for x in items if x[0].role in COUNTER_ROLES), key=lambda x: x[1].ts_ms):
            if not isinstance(s.value, (int, float)):
                continue
            prev = counters.get(t.role.value)
            if prev is not None and s.ts_ms <= prev[0]:
                continue
            delta = counter_delta(prev[1] if prev else None, float(s.value))
            counters[t.role.value] = [s.ts_ms, float(s.value)]
            if delta > 0:
                deltas[s.ts_ms][t.role.value] = deltas[s.ts_ms].get(t.role.value, 0.0) + delta
        op = _active_operation(session, company_id, equipment) if deltas else None
        for ts_ms, d in sorted(deltas.items()):
            good = d.get(Role.GOOD_COUNT.value, 0.0)
            scrap = d.get(Role.SCRAP_COUNT.value, 0.0)
            if not good and not scrap and Role.TOTAL_COUNT.value in d:
                good = d[Role.TOTAL_COUNT.value]
            if op is None or (good <= 0 and scrap <= 0):
                continue
            payload: dict[str, Any] = {"seq": op[1], "good": good, "scrap": scrap, "equipment": equipment}
            if scrap:
                payload["reason_code"] = scrap_reason
            events.append(
                NewEvent(
                    type="quantity.reported",
                    occurred_at=ms_to_dt(ts_ms),
                    work_order=op[0],
                    payload=payload,
                    idempotency_key=f"qty:{equipment}:{ts_ms}",
                )
            )
        state_events = [e for e in events if e.type == "machine.state_changed"]
        qty_events = [e for e in events if e.type == "quantity.reported"]
        for group in (state_events, qty_events):  # one bad group never holds back the other
            if not group:
                continue
            try:
                with savepoint(session):
                    post_events(session, company_id, group, actor=f"machine:{equipment}", source="telemetry")
                    if group is state_events:
                        for tr in changes:
                            _downtime(session, company_id, equipment, tr.ts_ms, tr.state)
            except JejoError as exc:
                stats.rejected += len(group)
                stats.problems.append(f"{equipment}: {exc}")
                log.warning("machine events of %s rejected: %s", equipment, exc)
            else:
                if group is state_events:
                    stats.state_events += len(group)
                else:
                    stats.quantity_events += len(group)
        if changes:
            cursor.state = changes[-1].state.value
        if readings:
            cursor.state_ts_ms = max(cursor.state_ts_ms, max(ts for ts, _ in readings))
        cursor.counters = json.dumps(counters)
    return stats


def attach_downtime_reason(
    session: Session, company_id: int, downtime_id: int, reason_code: str, actor: str
) -> Downtime:
    """An operator names why a machine stood still (the reason must be a known reason code)."""
    from jejo.core.errors import Problem, ValidationError
    from jejo.masterdata import service as md
    from jejo.masterdata.tables import ReasonCode

    d = session.get(Downtime, downtime_id)
    if d is None or d.company_id != company_id:
        raise NotFound(f"downtime {downtime_id} not found")
    if not md.codes_to_ids(session, company_id, ReasonCode, {reason_code}):
        raise ValidationError(
            "reason not attached",
            [Problem(reason=f"reason code {reason_code!r} does not exist", field="reason_code")],
        )
    d.reason_code, d.reason_by, d.reason_at = reason_code, actor, utcnow()
    return d


def downtimes(
    session: Session, company_id: int, equipment: str | None = None, limit: int = 200
) -> list[Downtime]:
    q = select(Downtime).where(Downtime.company_id == company_id)
    if equipment:
        q = q.where(Downtime.equipment_code == equipment)
    return list(session.scalars(q.order_by(Downtime.started_at.desc()).limit(limit)))
