"""Execution services: create work orders (BOM and routing exploded), run their status machine, and
post events (single or batch) with idempotency, validation and live projections."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.db import one_of
from jejo.core.errors import Conflict, NotFound, Problem, ValidationError
from jejo.core.ids import new_event_id
from jejo.core.timeutil import as_utc, utcnow
from jejo.execution.eventlog import insert_events
from jejo.execution.events import FLOOR_EVENTS, GUARDS, PAYLOADS, WORK_ORDER_EVENTS, EventRecord
from jejo.execution.projector import FOLDS, apply_new_events, record_from_row, stored_versions
from jejo.execution.statemachine import WOStatus, check_command, check_floor_event, status_after
from jejo.execution.tables import Event, WorkOrder, WorkOrderMaterial, WorkOrderOperation, WorkOrderState
from jejo.inventory.tables import Location
from jejo.masterdata import service as md
from jejo.masterdata.tables import Equipment, Item, ReasonCode

# ---- work orders ---------------------------------------------------------------------------------


class WorkOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")
    item: str
    quantity: float = Field(gt=0)
    due_date: date
    sales_order_line: str | None = None
    priority: int = 0


def next_work_order_code(session: Session, company_id: int, today: date) -> str:
    prefix = f"WO-{today:%Y%m%d}-"
    last = session.scalar(
        select(WorkOrder.code)
        .where(WorkOrder.company_id == company_id, WorkOrder.code.like(prefix + "%"))
        .order_by(WorkOrder.code.desc())
        .limit(1)
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last and last.rsplit("-", 1)[1].isdigit() else 1
    return f"{prefix}{n:04d}"


def create_work_order(session: Session, company_id: int, body: WorkOrderIn, actor: str) -> WorkOrder:
    """Create a planned work order; its routing becomes operations and its BOM material requirements."""
    item = session.scalar(select(Item).where(Item.company_id == company_id, Item.code == body.item))
    if item is None:
        raise ValidationError(
            "work order not created", [Problem(reason=f"item {body.item!r} does not exist", field="item")]
        )
    routing = md.active_routing(session, company_id, item.id)
    if routing is None or not routing.operations:
        raise ValidationError(
            "work order not created",
            [Problem(reason=f"item {item.code} has no routing; define its operations first", field="item")],
        )
    code = body.code or next_work_order_code(session, company_id, utcnow().date())
    if session.scalar(select(WorkOrder.id).where(WorkOrder.company_id == company_id, WorkOrder.code == code)):
        raise Conflict(f"work order {code} already exists", [Problem(reason="already exists", field="code")])
    wo = WorkOrder(
        company_id=company_id,
        code=code,
        item_id=item.id,
        quantity=body.quantity,
        due_date=body.due_date,
        sales_order_line=body.sales_order_line,
        priority=body.priority,
    )
    wo.operations = [
        WorkOrderOperation(
            seq=o.seq,
            name=o.name,
            work_center_id=o.work_center_id,
            setup_time_s=o.setup_time_s,
            cycle_time_s=o.cycle_time_s,
            planned_quantity=body.quantity,
        )
        for o in routing.operations
    ]
    bom = md.active_bom(session, company_id, item.id)
    if bom is not None:
        from jejo.masterdata.bom import BomComponent, component_quantity

        wo.materials = [
            WorkOrderMaterial(
                item_id=ln.component_id,
                quantity=component_quantity(
                    BomComponent(ln.component.code, ln.quantity, ln.scrap_factor),
                    body.quantity,
                    bom.base_quantity,
                ),
            )
            for ln in bom.lines
        ]
    session.add(wo)
    session.flush()
    post_events(
        session,
        company_id,
        [NewEvent(type="work_order.created", work_order=code, idempotency_key=f"wo-created:{code}")],
        actor=actor,
        source="mes",
    )
    return wo


def get_work_order(session: Session, company_id: int, code: str) -> WorkOrder:
    wo = session.scalar(select(WorkOrder).where(WorkOrder.company_id == company_id, WorkOrder.code == code))
    if wo is None:
        raise NotFound(f"work order {code} not found")
    return wo


def work_order_status(session: Session, wo: WorkOrder) -> WOStatus:
    state = session.get(WorkOrderState, wo.id)
    return WOStatus(state.status) if state else WOStatus.PLANNED


COMMANDS = {
    "release": "work_order.released",
    "hold": "work_order.held",
    "resume": "work_order.resumed",
    "cancel": "work_order.cancelled",
    "close": "work_order.closed",
}


def command_work_order(
    session: Session, company_id: int, code: str, command: str, actor: str, reason: str | None = None
) -> WOStatus:
    """Apply a planning command (release, hold, resume, cancel, close) after checking the status machine."""
    if command not in COMMANDS:
        raise ValidationError(
            f"unknown command {command!r}",
            [Problem(reason=f"must be one of {', '.join(COMMANDS)}", field="command")],
        )
    wo = get_work_order(session, company_id, code)
    check_command(code, work_order_status(session, wo), COMMANDS[command])
    post_events(
        session,
        company_id,
        [NewEvent(type=COMMANDS[command], work_order=code, payload={"reason": reason} if reason else {})],
        actor=actor,
        source="mes",
    )
    return work_order_status(session, wo)


# ---- events --------------------------------------------------------------------------------------


class NewEvent(BaseModel):
    """An event as a client sends it."""

    model_config = ConfigDict(extra="forbid")
    type: str
    occurred_at: datetime | None = None
    work_order: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)
    source: str | None = Field(default=None, max_length=128)

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in PAYLOADS:
            raise ValueError(f"unknown event type; known: {', '.join(PAYLOADS)}")
        return v

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("occurred_at needs a time zone (e.g. 2026-11-26T09:00:00+09:00 or ...Z)")
        return v


@dataclass(frozen=True)
class PostResult:
    event: EventRecord
    duplicate: bool


def _fingerprint(
    type_: str, work_order: str | None, payload: dict[str, Any], occurred_at: datetime | None
) -> tuple[Any, ...]:
    """What makes two deliveries the same event (compared when an idempotency key repeats in a batch)."""
    return (type_, work_order, payload, occurred_at)


@dataclass(frozen=True, slots=True)
class _WorkOrderRef:
    id: int
    code: str


class _Refs:
    """Master data looked up once per batch."""

    def __init__(self, session: Session, company_id: int, events: Sequence[NewEvent]) -> None:
        wo_codes = {e.work_order for e in events if e.work_order}
        self.work_orders: dict[str, _WorkOrderRef] = {}
        if wo_codes:
            rows = session.execute(
                select(WorkOrder.code, WorkOrder.id).where(
                    WorkOrder.company_id == company_id, one_of(session, WorkOrder.code, wo_codes)
                )
            )
            self.work_orders = {code: _WorkOrderRef(id_, code) for code, id_ in rows}
        ids = [wo.id for wo in self.work_orders.values()]
        # status and operations: from the stored projection version, and the in-memory fold when it
        # is still that version (operations of a work order never change after it is created)
        self.versions = stored_versions(session, ids) if ids else {}
        self.status: dict[int, WOStatus] = {w: WOStatus(st) for w, (_v, st) in self.versions.items()}
        self.seqs: dict[int, set[int]] = {}
        missing = []
        for wo_id in ids:
            fold = FOLDS.get(wo_id, self.versions[wo_id][0]) if wo_id in self.versions else None
            if fold is None:
                missing.append(wo_id)
            else:
                self.seqs[wo_id] = set(fold[0].op_seqs)
        if missing:
            for wo_id, seq in session.execute(
                select(WorkOrderOperation.work_order_id, WorkOrderOperation.seq).where(
                    one_of(session, WorkOrderOperation.work_order_id, missing)
                )
            ):
                self.seqs.setdefault(wo_id, set()).add(seq)
        names: dict[str, set[str]] = {
            "item": set(),
            "location": set(),
            "equipment": set(),
            "reason_code": set(),
        }
        for e in events:
            p = e.payload
            for key, bucket in (
                ("item", "item"),
                ("location", "location"),
                ("from_location", "location"),
                ("to_location", "location"),
                ("equipment", "equipment"),
                ("reason_code", "reason_code"),
            ):
                v = p.get(key)
                if isinstance(v, str):
                    names[bucket].add(v)
        self.items = set(md.codes_to_ids(session, company_id, Item, names["item"]))
        self.locations = set(md.codes_to_ids(session, company_id, Location, names["location"]))
        self.equipment = set(md.codes_to_ids(session, company_id, Equipment, names["equipment"]))
        self.reasons = set(md.codes_to_ids(session, company_id, ReasonCode, names["reason_code"]))


def _check_refs(refs: _Refs, payload: dict[str, Any], where: str) -> list[Problem]:
    problems = []
    checks = (
        ("item", refs.items, "item"),
        ("location", refs.locations, "location"),
        ("from_location", refs.locations, "location"),
        ("to_location", refs.locations, "location"),
        ("equipment", refs.equipment, "equipment"),
        ("reason_code", refs.reasons, "reason code"),
    )
    for key, known, label in checks:
        v = payload.get(key)
        if v is not None and v not in known:
            problems.append(Problem(reason=f"{label} {v!r} does not exist", field=f"{where}payload.{key}"))
    return problems


def post_events(
    session: Session,
    company_id: int,
    events: Sequence[NewEvent | dict[str, Any]],
    *,
    actor: str,
    source: str,
) -> list[PostResult]:
    """Validate a batch, store the new events, return each event (the original one for a duplicate).

    The batch is all or nothing: if any event is invalid, none is stored and every problem is listed,
    each naming its index and field. A repeated idempotency key is a no-op that returns the original
    event; reusing a key for a different event is a conflict.
    """
    batch = len(events) > 1
    problems: list[Problem] = []
    parsed: list[tuple[int, NewEvent, dict[str, Any]]] = []
    for i, raw in enumerate(events):
        prefix = f"events.{i}." if batch else ""
        try:
            ev = raw if isinstance(raw, NewEvent) else NewEvent.model_validate(raw)
        except PydanticError as exc:
            problems.extend(
                Problem(reason=p.reason, field=prefix + (p.field or "")) for p in md.pydantic_problems(exc)
            )
            continue
        try:
            payload = PAYLOADS[ev.type].model_validate(ev.payload).model_dump(mode="json", exclude_none=True)
        except PydanticError as exc:
            problems.extend(
                Problem(
                    reason=p.reason, field=f"{prefix}payload.{p.field}" if p.field else f"{prefix}payload"
                )
                for p in md.pydantic_problems(exc)
            )
            continue
        parsed.append((i, ev, payload))
    refs = _Refs(session, company_id, [ev for _, ev, _ in parsed])
    for i, ev, payload in parsed:
        prefix = f"events.{i}." if batch else ""
        problems.extend(_check_refs(refs, payload, prefix))
        if ev.type in WORK_ORDER_EVENTS:
            if not ev.work_order:
                problems.append(Problem(reason=f"{ev.type} needs a work_order", field=prefix + "work_order"))
                continue
            wo = refs.work_orders.get(ev.work_order)
            if wo is None:
                problems.append(
                    Problem(
                        reason=f"work order {ev.work_order!r} does not exist", field=prefix + "work_order"
                    )
                )
                continue
            seq = payload.get("seq")
            if seq is not None and seq not in refs.seqs.get(wo.id, set()):
                problems.append(
                    Problem(
                        reason=f"work order {wo.code} has no operation {seq}", field=prefix + "payload.seq"
                    )
                )
    if not problems and GUARDS:
        checked = [(i, ev.type, payload) for i, ev, payload in parsed]
        for guard in GUARDS:
            for p in guard(session, company_id, checked):
                problems.append(p)
    if problems:
        raise ValidationError(f"{len(problems)} problem(s) in the events; nothing was stored", problems)

    # idempotency: keys already stored, and keys repeated inside this batch
    now = utcnow()
    prepared: list[tuple[NewEvent, dict[str, Any], str, datetime, uuid.UUID]] = []
    for _i, ev, payload in parsed:
        eid = new_event_id()
        key = ev.idempotency_key or f"auto:{eid}"
        prepared.append((ev, payload, key, as_utc(ev.occurred_at) if ev.occurred_at else now, eid))
    keys = [p[2] for p in prepared]
    stored: dict[str, Event] = {}
    for i in range(0, len(keys), 500):  # first only the keys (cheap), then whole rows for the repeats
        chunk = keys[i : i + 500]
        seen = list(
            session.scalars(
                select(Event.idempotency_key).where(
                    Event.company_id == company_id, one_of(session, Event.idempotency_key, chunk)
                )
            )
        )
        if seen:
            stored.update(
                {
                    row.idempotency_key: row
                    for row in session.scalars(
                        select(Event).where(Event.company_id == company_id, Event.idempotency_key.in_(seen))
                    )
                }
            )

    results: list[PostResult] = []
    new_rows: list[dict[str, Any]] = []
    new_records: list[EventRecord] = []
    in_batch: dict[str, tuple[EventRecord, tuple[Any, ...]]] = {}
    for ev, payload, key, occurred, eid in prepared:
        fp = _fingerprint(ev.type, ev.work_order, payload, ev.occurred_at)
        if key in stored:
            original = stored[key]
            orig_wo = refs.work_orders.get(ev.work_order or "")
            same = (
                original.type == ev.type
                and original.payload == payload
                and (original.work_order_id == (orig_wo.id if orig_wo else None))
            )
            if not same:
                raise Conflict(
                    f"idempotency key {key!r} was already used for a different event",
                    [Problem(reason="reused with a different event", field="idempotency_key")],
                )
            results.append(PostResult(record_from_row(original), duplicate=True))
            continue
        if key in in_batch:
            rec, first_fp = in_batch[key]
            if first_fp != fp:
                raise Conflict(
                    f"idempotency key {key!r} appears twice in the batch for different events",
                    [Problem(reason="repeated with a different event", field="idempotency_key")],
                )
            results.append(PostResult(rec, duplicate=True))
            continue
        wo = refs.work_orders.get(ev.work_order or "")
        if wo is not None and ev.type in FLOOR_EVENTS:
            check_floor_event(wo.code, refs.status.get(wo.id, WOStatus.PLANNED), ev.type)
        if wo is not None and ev.type in (
            "work_order.released",
            "work_order.held",
            "work_order.resumed",
            "work_order.cancelled",
            "work_order.closed",
        ):
            check_command(wo.code, refs.status.get(wo.id, WOStatus.PLANNED), ev.type)
        if wo is not None:
            refs.status[wo.id] = status_after(refs.status.get(wo.id, WOStatus.PLANNED), ev.type)
        equipment = payload.get("equipment")
        rec = EventRecord(
            id=eid,
            type=ev.type,
            occurred_at=occurred,
            payload=payload,
            work_order_id=wo.id if wo else None,
            equipment_code=equipment,
            company_id=company_id,
            actor=actor,
            source=ev.source or source,
            idempotency_key=key,
            recorded_at=now,
        )
        new_rows.append(
            {
                "id": eid,
                "company_id": company_id,
                "type": ev.type,
                "occurred_at": occurred,
                "recorded_at": now,
                "actor": actor,
                "source": rec.source,
                "idempotency_key": key,
                "work_order_id": rec.work_order_id,
                "equipment_code": equipment,
                "payload": payload,
            }
        )
        new_records.append(rec)
        in_batch[key] = (rec, fp)
        results.append(PostResult(rec, duplicate=False))
    if new_rows:
        insert_events(session, new_rows)
        apply_new_events(session, new_records, versions=refs.versions)
    return results


def list_events(
    session: Session,
    company_id: int,
    *,
    work_order: str | None = None,
    type_: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Event], int]:
    from sqlalchemy import func

    stmt = select(Event).where(Event.company_id == company_id)
    if work_order:
        wo = get_work_order(session, company_id, work_order)
        stmt = stmt.where(Event.work_order_id == wo.id)
    if type_:
        stmt = stmt.where(Event.type == type_)
    if since:
        stmt = stmt.where(Event.occurred_at >= since)
    if until:
        stmt = stmt.where(Event.occurred_at < until)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Event.occurred_at, Event.id).offset(offset).limit(limit)))
    return rows, total
