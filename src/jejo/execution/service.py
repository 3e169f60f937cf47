"""Execution services: create work orders (BOM and routing exploded), run their status machine, and
post events (single or batch) with idempotency, validation and live projections."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from jejo.core.db import Lookup, one_of, savepoint
from jejo.core.errors import Conflict, NotFound, Problem, ValidationError
from jejo.core.ids import new_event_ids
from jejo.core.timeutil import as_utc, utcnow
from jejo.execution.eventlog import KeyTaken, insert_events
from jejo.execution.events import FLOOR_EVENTS, GUARDS, PAYLOADS, WORK_ORDER_EVENTS, EventRecord
from jejo.execution.projector import FOLDS, FoldVersion, apply_new_events, record_from_row
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


class PostResult(NamedTuple):
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


def _work_orders_by_code(any_of: Callable[[Any, str], Any]) -> Any:
    wo, state = WorkOrder.__table__.c, WorkOrderState.__table__.c
    return (
        select(wo.code, wo.id, state.last_event_id, state.event_count, state.status)
        .outerjoin(WorkOrderState.__table__, state.work_order_id == wo.id)
        .where(wo.company_id == bindparam("company"), any_of(wo.code, "codes"))
    )


#: A batch's work orders by code, with their projection's version and status (none before the first event).
_WORK_ORDERS_BY_CODE = Lookup(_work_orders_by_code)


class _Refs:
    """Master data looked up once per batch."""

    def __init__(self, session: Session, company_id: int, events: Sequence[NewEvent]) -> None:
        wo_codes = {e.work_order for e in events if e.work_order}
        self.work_orders: dict[str, _WorkOrderRef] = {}
        # status and operations: from the stored projection version (read with the ids, in one query),
        # and the in-memory fold when it is still that version (operations of a work order never
        # change after it is created)
        self.versions: dict[int, tuple[FoldVersion, str]] = {}
        if wo_codes:
            rows = _WORK_ORDERS_BY_CODE(session, company=company_id, codes=list(wo_codes))
            for code, id_, last_id, count, status in rows:
                self.work_orders[code] = _WorkOrderRef(id_, code)
                if status is not None:
                    self.versions[id_] = ((last_id, count), status)
        ids = [wo.id for wo in self.work_orders.values()]
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
        names: dict[str, set[str]] = {kind: set() for kind, _label in _REF_FIELDS.values()}
        for e in events:
            payload = e.payload
            if _REF_KEYS.isdisjoint(payload):
                continue
            for key in _REF_KEYS.intersection(payload):
                v = payload[key]
                if isinstance(v, str):
                    names[_REF_FIELDS[key][0]].add(v)
        self.known: dict[str, set[str]] = {
            kind: set(md.codes_to_ids(session, company_id, table, names[kind]))
            for kind, table in (
                ("item", Item),
                ("location", Location),
                ("equipment", Equipment),
                ("reason_code", ReasonCode),
            )
        }


#: Payload fields that name master data: (kind of record, how a problem names it).
_REF_FIELDS = {
    "item": ("item", "item"),
    "location": ("location", "location"),
    "from_location": ("location", "location"),
    "to_location": ("location", "location"),
    "equipment": ("equipment", "equipment"),
    "reason_code": ("reason_code", "reason code"),
}


_REF_KEYS = frozenset(_REF_FIELDS)


def _prefix(index: int, batch: bool) -> str:
    """How a problem's field names the event: ``events.3.`` in a batch, nothing for a single event."""
    return f"events.{index}." if batch else ""


_validate_event = NewEvent.__pydantic_validator__.validate_python  # model_validate without its Python frame
_CLEANERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


#: Payloads already cleaned, by type and content: the floor repeats itself (a count of one on operation
#: 20, machine M-3 running), and validating a payload again costs ten times the lookup. Only payloads of
#: plain scalars are kept (their cleaned form is then scalars too, so a copy shares nothing mutable); the
#: value types are part of the key, as ``1``, ``1.0`` and ``True`` are equal keys but may validate apart.
_CLEANED: dict[tuple[Any, ...], dict[str, Any]] = {}
_CLEANED_MAX = 8192
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _clean_payload(type_: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload validated against its type's schema, as stored (JSON types, no empty fields)."""
    types = tuple(map(type, payload.values()))
    if _SCALARS.issuperset(types):
        key = (type_, tuple(payload.items()), types)
        cached = _CLEANED.get(key)
        if cached is None:
            cached = _clean(type_, payload)
            if len(_CLEANED) >= _CLEANED_MAX:
                _CLEANED.clear()
            _CLEANED[key] = cached
        return dict(cached)
    return _clean(type_, payload)


def _clean(type_: str, payload: dict[str, Any]) -> dict[str, Any]:
    clean = _CLEANERS.get(type_)
    if clean is None:
        model = PAYLOADS[type_]
        validate, dump = model.__pydantic_validator__.validate_python, model.__pydantic_serializer__.to_python

        def clean(p: dict[str, Any]) -> dict[str, Any]:
            return dump(validate(p), mode="json", exclude_none=True)

        _CLEANERS[type_] = clean
    return clean(payload)


def _check_refs(refs: _Refs, payload: dict[str, Any], where: str) -> list[Problem]:
    problems = []
    for key, v in payload.items():
        ref = _REF_FIELDS.get(key)
        if ref is not None and v is not None and v not in refs.known[ref[0]]:
            problems.append(Problem(reason=f"{ref[1]} {v!r} does not exist", field=f"{where}payload.{key}"))
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
    validate_event = _validate_event
    for i, raw in enumerate(events):
        try:
            ev = raw if isinstance(raw, NewEvent) else validate_event(raw)
        except PydanticError as exc:
            prefix = _prefix(i, batch)
            problems.extend(
                Problem(reason=p.reason, field=prefix + (p.field or "")) for p in md.pydantic_problems(exc)
            )
            continue
        try:
            payload = _clean_payload(ev.type, ev.payload)
        except PydanticError as exc:
            prefix = _prefix(i, batch)
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
        if not _REF_KEYS.isdisjoint(payload):
            problems.extend(_check_refs(refs, payload, _prefix(i, batch)))
        if ev.type in WORK_ORDER_EVENTS:
            if not ev.work_order:
                problems.append(
                    Problem(reason=f"{ev.type} needs a work_order", field=_prefix(i, batch) + "work_order")
                )
                continue
            wo = refs.work_orders.get(ev.work_order)
            if wo is None:
                problems.append(
                    Problem(
                        reason=f"work order {ev.work_order!r} does not exist",
                        field=_prefix(i, batch) + "work_order",
                    )
                )
                continue
            seq = payload.get("seq")
            if seq is not None and seq not in refs.seqs.get(wo.id, ()):
                problems.append(
                    Problem(
                        reason=f"work order {wo.code} has no operation {seq}",
                        field=_prefix(i, batch) + "payload.seq",
                    )
                )
    if not problems and GUARDS:
        checked = [(i, ev.type, payload) for i, ev, payload in parsed]
        for guard in GUARDS:
            for p in guard(session, company_id, checked):
                problems.append(p)
    if problems:
        raise ValidationError(f"{len(problems)} problem(s) in the events; nothing was stored", problems)

    # Idempotency. Most batches repeat no key that is already stored, so the new events are appended
    # first, in a savepoint, and the stored keys are looked up only when the log refuses a key.
    now = utcnow()
    ids = new_event_ids(len(parsed))
    keys = [ev.idempotency_key or f"auto:{eid}" for (_i, ev, _p), eid in zip(parsed, ids, strict=True)]
    status_before = dict(refs.status)
    results, new_records = _sort_out(parsed, ids, keys, {}, refs, company_id, actor, source, now)
    try:
        with savepoint(session):
            insert_events(session, new_records)
    except KeyTaken:
        refs.status = status_before
        stored = _stored_events(session, company_id, keys)
        results, new_records = _sort_out(parsed, ids, keys, stored, refs, company_id, actor, source, now)
        try:
            insert_events(session, new_records)
        except KeyTaken as exc:  # e.g. the same key posted at this moment by another client
            raise Conflict(
                "the event log refused the batch; nothing was stored, send it again",
                [Problem(reason=str(exc)[:300], field="idempotency_key")],
            ) from exc
    if new_records:
        apply_new_events(session, new_records, versions=refs.versions)
    return results


def _stored_events(session: Session, company_id: int, keys: list[str]) -> dict[str, Event]:
    """The stored events that have one of ``keys``: first only the keys (cheap), then whole rows."""
    stored: dict[str, Event] = {}
    for i in range(0, len(keys), 500):
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
    return stored


_new_tuple = tuple.__new__


def _sort_out(
    parsed: list[tuple[int, NewEvent, dict[str, Any]]],
    ids: list[uuid.UUID],
    keys: list[str],
    stored: dict[str, Event],
    refs: _Refs,
    company_id: int,
    actor: str,
    source: str,
    now: datetime,
) -> tuple[list[PostResult], list[EventRecord]]:
    """Each event's result (the original for a repeated key) and the records of the new ones, with
    work-order status rules checked in event order."""
    results: list[PostResult] = []
    new_records: list[EventRecord] = []
    in_batch: dict[str, tuple[EventRecord, NewEvent]] = {}
    work_orders, status = refs.work_orders, refs.status
    for (_i, ev, payload), eid, key in zip(parsed, ids, keys, strict=True):
        if key in stored or key in in_batch:
            results.append(_repeat(ev, payload, key, stored, in_batch, refs))
            continue
        wo = work_orders.get(ev.work_order) if ev.work_order else None
        if wo is not None:
            current = status.get(wo.id, WOStatus.PLANNED)
            if ev.type in FLOOR_EVENTS:
                check_floor_event(wo.code, current, ev.type)
            elif ev.type in _COMMANDS:
                check_command(wo.code, current, ev.type)
            status[wo.id] = status_after(current, ev.type)
        # every field given, in order: the tuple is made directly, without the named tuple's
        # argument-checking constructor (a tenth of this loop's time at a thousand events a batch)
        rec = _new_tuple(
            EventRecord,
            (
                eid,
                ev.type,
                as_utc(ev.occurred_at) if ev.occurred_at else now,
                payload,
                wo.id if wo else None,
                payload.get("equipment"),
                company_id,
                actor,
                ev.source or source,
                key,
                now,
            ),
        )
        new_records.append(rec)
        in_batch[key] = (rec, ev)
        results.append(_new_tuple(PostResult, (rec, False)))
    return results, new_records


#: Work-order commands that arrive as events (a planner's, not the floor's).
_COMMANDS = frozenset(
    {
        "work_order.released",
        "work_order.held",
        "work_order.resumed",
        "work_order.cancelled",
        "work_order.closed",
    }
)


def _repeat(
    ev: NewEvent,
    payload: dict[str, Any],
    key: str,
    stored: dict[str, Event],
    in_batch: dict[str, tuple[EventRecord, NewEvent]],
    refs: _Refs,
) -> PostResult:
    """A key seen before: the original event when it is the same event, else a conflict."""
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
        return PostResult(record_from_row(original), duplicate=True)
    rec, first = in_batch[key]
    first_fp = _fingerprint(first.type, first.work_order, rec.payload, first.occurred_at)
    if first_fp != _fingerprint(ev.type, ev.work_order, payload, ev.occurred_at):
        raise Conflict(
            f"idempotency key {key!r} appears twice in the batch for different events",
            [Problem(reason="repeated with a different event", field="idempotency_key")],
        )
    return PostResult(rec, duplicate=True)


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
