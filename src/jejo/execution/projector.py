"""Keeps the projection tables in step with the event log, live and by full rebuild."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, bindparam, delete, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jejo.core.db import Lookup, one_of, sqlite_bind_processor
from jejo.execution.events import EventRecord
from jejo.execution.projection import (
    ORDER_FREE,
    ORDER_SENSITIVE,
    WORK_ORDER_FOLD,
    LotSighting,
    OrderKey,
    WorkOrderProgress,
    lot_sighting,
    stock_deltas,
)
from jejo.execution.statemachine import WOStatus
from jejo.execution.tables import (
    Event,
    GenealogyLink,
    MachineState,
    OperationState,
    PartState,
    WorkOrderOperation,
    WorkOrderState,
)
from jejo.inventory.tables import Lot, Stock

log = logging.getLogger(__name__)

PROJECTION_TABLES: list[Any] = [
    OperationState,
    WorkOrderState,
    MachineState,
    GenealogyLink,
    PartState,
    Stock,
    Lot,
]


def record_from_row(row: Event) -> EventRecord:
    return EventRecord(
        id=row.id,
        type=row.type,
        occurred_at=row.occurred_at,
        payload=row.payload,
        work_order_id=row.work_order_id,
        equipment_code=row.equipment_code,
        company_id=row.company_id,
        actor=row.actor,
        source=row.source,
        idempotency_key=row.idempotency_key,
        recorded_at=row.recorded_at,
    )


# ---- in-memory projection state ------------------------------------------------------------------


@dataclass
class _MachineView:
    state: str
    since: object
    reason_code: str | None
    work_order_id: int | None
    key: OrderKey


class ProjectionState:
    """Projection state for a set of events held in memory: the unit both live apply and rebuild fold into."""

    def __init__(self, op_seqs: dict[int, tuple[int, ...]], wo_company: dict[int, int]) -> None:
        self.op_seqs = op_seqs
        self.wo_company = wo_company
        self.work_orders: dict[int, WorkOrderProgress] = {}
        self.links: set[tuple[int, str, str, int]] = set()
        self.machines: dict[tuple[int, str], _MachineView] = {}
        self.scans: dict[tuple[int, str], list[tuple[str, str, str, int | None]]] = defaultdict(list)
        self.stock: dict[tuple[int, str, str, str], float] = defaultdict(float)
        self.lots: dict[tuple[int, str], LotSighting] = {}

    def work_order(self, wo_id: int) -> WorkOrderProgress:
        wo = self.work_orders.get(wo_id)
        if wo is None:
            wo = WorkOrderProgress(wo_id, self.wo_company[wo_id], self.op_seqs[wo_id])
            self.work_orders[wo_id] = wo
        return wo

    def apply(self, e: EventRecord) -> None:
        if e.work_order_id is not None and e.type in WORK_ORDER_FOLD:
            for parent, child in self.work_order(e.work_order_id).apply(e):
                self.links.add((e.company_id, parent, child, e.work_order_id))
        if e.type == "machine.state_changed":
            self.apply_machine(e)
        elif e.type == "part.scanned":
            self.scans[(e.company_id, e.payload["part_id"])].append(
                (e.occurred_at.isoformat(), e.payload["station"], str(e.id), e.work_order_id)
            )
        for item, lot, loc, qty in stock_deltas(e):
            self.stock[(e.company_id, item, lot, loc)] += qty
        sighting = lot_sighting(e)
        if sighting is not None:
            key = (e.company_id, sighting.lot)
            seen = self.lots.get(key)
            if seen is None or sighting.key < seen.key:
                self.lots[key] = sighting

    def apply_machine(self, e: EventRecord) -> None:
        key = (e.company_id, e.payload["equipment"])
        seen = self.machines.get(key)
        if seen is None or e.order_key > seen.key:
            self.machines[key] = _MachineView(
                e.payload["state"], e.occurred_at, e.payload.get("reason_code"), e.work_order_id, e.order_key
            )


# ---- rows <-> state ------------------------------------------------------------------------------


def _wo_rows(
    wo: WorkOrderProgress, seqs: Iterable[int] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The work order's state row and the rows of its operations (of ``seqs`` only, when given)."""
    state = {
        "work_order_id": wo.work_order_id,
        "company_id": wo.company_id,
        "status": wo.status.value,
        "released": wo.released,
        "held": wo.held,
        "good": wo.good,
        "scrap": wo.scrap,
        "rework": wo.rework,
        "started_at": wo.started_at,
        "completed_at": wo.completed_at,
        "last_event_at": wo.last_key[0] if wo.last_key else None,
        "last_event_id": wo.last_key[1] if wo.last_key else None,
        "event_count": wo.event_count,
        "consumed_lots": list(wo.consumed_lots),
        "produced_lots": list(wo.produced_lots),
    }
    ops = [
        {
            "work_order_id": wo.work_order_id,
            "seq": op.seq,
            "company_id": wo.company_id,
            "status": op.status,
            "good": op.good,
            "scrap": op.scrap,
            "rework": op.rework,
            "scrap_by_reason": dict(op.scrap_by_reason),
            "equipment_code": op.equipment_code,
            "started_at": op.started_at,
            "completed_at": op.completed_at,
            "run_seconds": op.run_seconds,
            "running_since": op.running_since,
        }
        for op in (wo.ops.values() if seqs is None else (wo.ops[q] for q in seqs))
    ]
    return state, ops


def _wo_from_rows(state: Any, ops: list[Any], seqs: tuple[int, ...]) -> WorkOrderProgress:
    """Rebuild the in-memory progress from projection rows (ORM objects or Core rows)."""
    wo = WorkOrderProgress(state.work_order_id, state.company_id, seqs)
    wo.released, wo.held = state.released, state.held
    wo.cancelled = state.status == WOStatus.CANCELLED.value
    wo.closed = state.status == WOStatus.CLOSED.value
    wo.started_at, wo.completed_at = state.started_at, state.completed_at
    if state.last_event_at is not None and state.last_event_id is not None:
        wo.last_key = (state.last_event_at, state.last_event_id)
    wo.event_count = state.event_count
    wo.consumed_lots, wo.produced_lots = list(state.consumed_lots), list(state.produced_lots)
    for row in ops:
        op = wo.ops[row.seq]
        op.status, op.good, op.scrap, op.rework = row.status, row.good, row.scrap, row.rework
        op.scrap_by_reason = dict(row.scrap_by_reason or {})
        op.equipment_code, op.started_at, op.completed_at = (
            row.equipment_code,
            row.started_at,
            row.completed_at,
        )
        op.run_seconds, op.running_since = row.run_seconds, row.running_since
    return wo


def _load_op_seqs(session: Session, wo_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    ids = list(wo_ids)
    seqs: dict[int, list[int]] = {i: [] for i in ids}
    for chunk in _chunks(ids, 500):
        rows = session.execute(
            select(WorkOrderOperation.work_order_id, WorkOrderOperation.seq).where(
                one_of(session, WorkOrderOperation.work_order_id, chunk)
            )
        )
        for wo_id, seq in rows:
            seqs[wo_id].append(seq)
    return {k: tuple(sorted(v)) for k, v in seqs.items()}


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---- live apply ----------------------------------------------------------------------------------


def apply_new_events(
    session: Session,
    events: list[EventRecord],
    *,
    versions: dict[int, tuple[FoldVersion, str]] | None = None,
) -> None:
    """Bring projections up to date with ``events``, which are already in the event log.

    Reads and writes go in bulk (one query per table and batch), then any ORM copies of projection rows
    that the session holds are expired so that later reads in the same transaction see the new state.
    ``versions``: the stored versions (:func:`stored_versions`) of every work order the events name,
    when the caller has just read them in this transaction.
    """
    if not events:
        return
    _apply_work_orders(
        session, [e for e in events if e.work_order_id is not None and e.type in WORK_ORDER_FOLD], versions
    )
    _apply_machines(session, [e for e in events if e.type == "machine.state_changed"])
    _apply_parts(session, [e for e in events if e.type == "part.scanned"])
    _apply_stock_and_lots(session, events)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, tuple(PROJECTION_TABLES)):
            session.expire(obj)


def _rows(session: Session, table: Any, *where: Any) -> list[Any]:
    return list(session.execute(select(*table.__table__.columns).where(*where)).all())


def _upsert(session: Session, table: Any, new: list[dict[str, Any]], changed: list[dict[str, Any]]) -> None:
    """Write new and changed rows (whole rows) as one ``INSERT … ON CONFLICT (primary key) DO UPDATE``.

    One statement for the batch instead of one UPDATE per row; on PostgreSQL the rows travel as one
    array per column (``unnest``), so the server runs one statement, not one per row.
    """
    rows = new + changed
    if not rows:
        return
    t = table.__table__
    conn = session.connection()
    pk = [c.name for c in t.primary_key.columns]
    if conn.dialect.name == "postgresql":
        _upsert_from_arrays(session, t, pk, rows)
        return
    names = list(rows[0])
    if _driver_ready(t, names):
        sets = ", ".join(f"{n} = excluded.{n}" for n in names if n not in pk)
        _sqlite_executemany(
            session,
            t,
            f"INSERT INTO {t.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT ({', '.join(pk)}) DO " + (f"UPDATE SET {sets}" if sets else "NOTHING"),
            names,
            rows,
        )
        return
    stmt = sqlite_insert(t)
    update = {c.name: stmt.excluded[c.name] for c in t.columns if c.name not in pk and c.name in rows[0]}
    conn.execute(stmt.on_conflict_do_update(index_elements=pk, set_=update), rows)


def _update_changed(session: Session, table: Any, pairs: list[tuple[Any, dict[str, Any]]]) -> None:
    """Write only the columns that changed: ``pairs`` are (row before, whole row after).

    Rows are grouped by the set of columns that changed and each group is one ``UPDATE``: a work
    order's counters change with almost every event, its lot lists and times seldom, so most rows carry
    three or four values instead of every column. PostgreSQL gets the group as one statement over
    arrays, SQLite as one driver ``executemany``.
    """
    t = table.__table__
    pk = [c.name for c in t.primary_key.columns]
    keys = frozenset(pk)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for before, after in pairs:
        cols = tuple([k for k, v in after.items() if before[k] != v and k not in keys])
        if cols:
            groups[cols].append(after)
    conn = session.connection()
    for cols, rows in groups.items():
        if conn.dialect.name == "postgresql":
            _update_from_arrays(session, t, pk, cols, rows)
        elif conn.dialect.name == "sqlite":
            sets = ", ".join(f"{c} = ?" for c in cols)
            where = " AND ".join(f"{k} = ?" for k in pk)
            _sqlite_executemany(session, t, f"UPDATE {t.name} SET {sets} WHERE {where}", [*cols, *pk], rows)
        else:
            where_pk = [t.c[k] == bindparam(f"pk_{k}") for k in pk]
            conn.execute(
                update(t).where(*where_pk).values({k: bindparam(k) for k in cols}),
                [{f"pk_{k}": r[k] for k in pk} | {k: r[k] for k in cols} for r in rows],
            )


def _driver_ready(t: Any, names: list[str]) -> bool:
    """Whether rows with just ``names`` can skip SQLAlchemy: no column left out has a Python default."""
    given = set(names)
    return all(c.name in given or c.default is None for c in t.columns)


def _sqlite_executemany(
    session: Session, t: Any, sql: str, names: list[str], rows: list[dict[str, Any]]
) -> None:
    """SQLite: run ``sql`` for every row through the driver, with each value converted by its column
    type's own bind processor (the conversion SQLAlchemy would make), but without SQLAlchemy's
    per-statement compile and per-row parameter handling, which cost more than the write itself."""
    conn = session.connection()
    dialect = conn.dialect
    procs = [sqlite_bind_processor(t.c[n].type, dialect) for n in names]
    plain = [n for n, p in zip(names, procs, strict=True) if p is None]
    if len(plain) == len(names):
        params = [tuple(r[n] for n in names) for r in rows]
    else:
        pairs = list(zip(names, procs, strict=True))
        params = [tuple(r[n] if p is None else p(r[n]) for n, p in pairs) for r in rows]
    conn.connection.driver_connection.executemany(sql, params)  # type: ignore[union-attr]


def _pg_arrays(
    conn: Any, t: Any, names: list[str], rows: list[dict[str, Any]]
) -> tuple[list[str], dict[str, list[Any]]]:
    """``unnest`` arguments for PostgreSQL: one typed array parameter per column (JSON goes as text)."""
    parts: list[str] = []
    params: dict[str, list[Any]] = {}
    for i, name in enumerate(names):
        column = t.c[name]
        values = [r[name] for r in rows]
        if isinstance(column.type, JSON):
            params[f"a{i}"] = [None if v is None else json.dumps(v) for v in values]
            parts.append(f"%(a{i})s::text[]")
        else:
            params[f"a{i}"] = values
            parts.append(f"%(a{i})s::{column.type.compile(dialect=conn.dialect)}[]")
    return parts, params


def _pg_value(t: Any, name: str, source: str) -> str:
    return f"{source}.{name}::json" if isinstance(t.c[name].type, JSON) else f"{source}.{name}"


def _update_from_arrays(
    session: Session, t: Any, pk: list[str], cols: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    """PostgreSQL: one ``UPDATE … FROM unnest(arrays)`` for the whole group instead of a row at a time."""
    conn = session.connection()
    names = [*pk, *cols]
    parts, params = _pg_arrays(conn, t, names, rows)
    sets = ", ".join(f"{n} = {_pg_value(t, n, 'u')}" for n in cols)
    where = " AND ".join(f"t.{k} = u.{k}" for k in pk)
    source = f"unnest({', '.join(parts)}) AS u({', '.join(names)})"
    conn.exec_driver_sql(f"UPDATE {t.name} AS t SET {sets} FROM {source} WHERE {where}", params)


def _upsert_from_arrays(session: Session, t: Any, pk: list[str], rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: ``INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE``, one statement."""
    conn = session.connection()
    names = list(rows[0])
    parts, params = _pg_arrays(conn, t, names, rows)
    select_list = ", ".join(_pg_value(t, n, "u") for n in names)
    sets = ", ".join(f"{n} = excluded.{n}" for n in names if n not in pk)
    conn.exec_driver_sql(
        f"INSERT INTO {t.name} ({', '.join(names)}) SELECT {select_list} "
        f"FROM unnest({', '.join(parts)}) AS u({', '.join(names)}) "
        f"ON CONFLICT ({', '.join(pk)}) DO " + (f"UPDATE SET {sets}" if sets else "NOTHING"),
        params,
    )


#: A work order's projection rows: its state row and one row per operation.
WorkOrderRows = tuple[dict[str, Any], dict[int, dict[str, Any]]]
#: What identifies a work order's projected state: its last event (in event order) and its event count.
FoldVersion = tuple[uuid.UUID | None, int]


class FoldCache:
    """Work-order folds kept in memory between batches, so a batch does not read them back every time.

    An entry is used only while the stored projection still has the version the entry was folded to
    (its last event id and event count): another process that applied events to the work order, a
    rolled-back transaction, or a rebuild changes the stored version, and the fold is then read back
    from the projection rows as before. Event ids are UUIDv7, so two versions never collide, even
    across databases in one process. Each entry keeps the rows last written for it, which tell the
    next batch which columns changed. Bounded: the least recently used work orders are dropped.
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._folds: OrderedDict[int, tuple[WorkOrderProgress, WorkOrderRows]] = OrderedDict()

    @staticmethod
    def version(wo: WorkOrderProgress) -> FoldVersion:
        return (wo.last_key[1] if wo.last_key else None, wo.event_count)

    def get(self, wo_id: int, stored: FoldVersion) -> tuple[WorkOrderProgress, WorkOrderRows] | None:
        entry = self._folds.get(wo_id)
        if entry is None or self.version(entry[0]) != stored:
            return None
        self._folds.move_to_end(wo_id)
        return entry

    def put(self, wo: WorkOrderProgress, rows: WorkOrderRows | None = None) -> None:
        if rows is None:
            state, ops = _wo_rows(wo)
            rows = (state, {op["seq"]: op for op in ops})
        self._folds[wo.work_order_id] = (wo, rows)
        self._folds.move_to_end(wo.work_order_id)
        while len(self._folds) > self.size:
            self._folds.popitem(last=False)

    def clear(self) -> None:
        self._folds.clear()


FOLDS = FoldCache()


def stored_versions(session: Session, wo_ids: Iterable[int]) -> dict[int, tuple[FoldVersion, str]]:
    """The stored projection version and status of each work order that has a projection row."""
    out: dict[int, tuple[FoldVersion, str]] = {}
    for chunk in _chunks(list(wo_ids), 500):
        rows = session.execute(
            select(
                WorkOrderState.work_order_id,
                WorkOrderState.last_event_id,
                WorkOrderState.event_count,
                WorkOrderState.status,
            ).where(one_of(session, WorkOrderState.work_order_id, chunk))
        )
        for wo_id, last_id, count, status in rows:
            out[wo_id] = ((last_id, count), status)
    return out


#: Event types that change an operation's own row (the one their ``seq`` names).
_OP_EVENTS = ("operation.", "quantity.")


def _order_key(e: EventRecord) -> OrderKey:
    return (e.occurred_at, e.id)


def _apply_work_orders(
    session: Session,
    events: list[EventRecord],
    versions: dict[int, tuple[FoldVersion, str]] | None = None,
) -> None:
    if not events:
        return
    by_wo: dict[int, list[EventRecord]] = defaultdict(list)
    for e in events:
        assert e.work_order_id is not None
        by_wo[e.work_order_id].append(e)
    wo_ids = list(by_wo)
    if versions is None:  # else the caller read them for every one of these work orders
        versions = stored_versions(session, wo_ids)
    cached = {w: FOLDS.get(w, versions[w][0]) for w in wo_ids if w in versions}
    misses = [w for w in wo_ids if cached.get(w) is None]
    seqs = _load_op_seqs(session, misses) if misses else {}
    stored_ids = [w for w in misses if w in versions]
    states: dict[int, Any] = {}
    if stored_ids:
        where = one_of(session, WorkOrderState.work_order_id, stored_ids)
        states = {r.work_order_id: r for r in _rows(session, WorkOrderState, where)}
    op_rows: dict[int, list[Any]] = defaultdict(list)
    if stored_ids:
        for r in _rows(session, OperationState, one_of(session, OperationState.work_order_id, stored_ids)):
            op_rows[r.work_order_id].append(r)
    new_states: list[dict[str, Any]] = []
    changed_states: list[tuple[Any, dict[str, Any]]] = []
    new_ops: list[dict[str, Any]] = []
    changed_ops: list[tuple[Any, dict[str, Any]]] = []
    new_links: set[tuple[int, str, str, int]] = set()
    replayed: list[int] = []
    for wo_id, evs in by_wo.items():
        evs.sort(key=_order_key)
        company_id = evs[0].company_id
        entry = cached.get(wo_id)
        before_state: Any
        wo: WorkOrderProgress | None
        if entry is not None:
            wo, (before_state, known) = entry
            op_seqs = wo.op_seqs
        else:
            op_seqs = seqs[wo_id]
            known = {r.seq: r._mapping for r in op_rows[wo_id]}
            wo, before_state = None, None
            if wo_id in versions:
                before_state = states[wo_id]._mapping
                wo = _wo_from_rows(states[wo_id], op_rows[wo_id], op_seqs)
        touched: Iterable[int] | None = None  # operations whose rows may change; None: all
        late = (
            wo is not None
            and wo.last_key is not None
            and any(e.type not in ORDER_FREE and e.order_key < wo.last_key for e in evs)
        )
        if wo is not None:
            if entry is not None and not late:  # only operation and quantity events change an op's row
                named = {int(e.payload["seq"]) for e in evs if e.type.startswith(_OP_EVENTS)}
                touched = sorted(named & set(op_seqs))
            for e in evs:
                links = wo.apply(e)
                if links:
                    new_links.update((company_id, p, c, wo_id) for p, c in links)
            if late:  # an order-sensitive event came late: fold those events again, in order
                ordered = session.execute(
                    select(*_EVENT_COLS)
                    .where(Event.work_order_id == wo_id, Event.type.in_(ORDER_SENSITIVE))
                    .order_by(Event.occurred_at, Event.id)
                )
                wo.refold_ordered(_record(row) for row in ordered)
        else:  # new: fold this work order from its history
            wo = WorkOrderProgress(wo_id, company_id, op_seqs)
            history = session.execute(
                select(*_EVENT_COLS).where(Event.work_order_id == wo_id).order_by(Event.occurred_at, Event.id)
            )
            for row in history:
                new_links.update((company_id, p, c, wo_id) for p, c in wo.apply(_record(row)))
            replayed.append(wo_id)
        state, ops = _wo_rows(wo, touched)
        rows = dict(known) if entry is None else known  # a cached entry's rows are updated in place
        if before_state is None:
            new_states.append(state)
        else:
            changed_states.append((before_state, state))
        for op in ops:
            before = known.get(op["seq"])
            if before is None:
                new_ops.append(op)
            else:
                changed_ops.append((before, op))
        FOLDS.put(wo, (state, rows))
        for op in ops:
            rows[op["seq"]] = op
    if replayed:
        session.execute(delete(GenealogyLink).where(GenealogyLink.work_order_id.in_(replayed)))
    _upsert(session, WorkOrderState, new_states, [])
    _update_changed(session, WorkOrderState, changed_states)
    _upsert(session, OperationState, new_ops, [])
    _update_changed(session, OperationState, changed_ops)
    if new_links:
        existing = {
            (r.company_id, r.parent_lot, r.child_lot, r.work_order_id)
            for r in _rows(
                session, GenealogyLink, GenealogyLink.work_order_id.in_({w for *_, w in new_links})
            )
        }
        fresh = new_links - existing
        if fresh:
            session.execute(
                insert(GenealogyLink),
                [
                    {"company_id": c, "parent_lot": p, "child_lot": ch, "work_order_id": w}
                    for c, p, ch, w in fresh
                ],
            )


def _rows_where_any(table: Any, **lists: str) -> Lookup:
    """Whole rows of ``table`` whose columns are each one of a list (``column=parameter name``)."""
    t = table.__table__
    return Lookup(lambda any_of: select(*t.c).where(*(any_of(t.c[col], name) for col, name in lists.items())))


_MACHINE_ROWS = _rows_where_any(MachineState, company_id="companies", equipment_code="codes")
_PART_ROWS = _rows_where_any(PartState, company_id="companies", part_id="parts")


def _apply_machines(session: Session, events: list[EventRecord]) -> None:
    latest: dict[tuple[int, str], EventRecord] = {}
    for e in events:
        key = (e.company_id, e.payload["equipment"])
        if key not in latest or e.order_key > latest[key].order_key:
            latest[key] = e
    if not latest:
        return
    stored = {
        (r.company_id, r.equipment_code): r
        for r in _MACHINE_ROWS(
            session, companies=list({c for c, _ in latest}), codes=list({code for _, code in latest})
        )
    }
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for key, e in latest.items():
        row = stored.get(key)
        if row is not None and e.order_key <= (row.since, row.last_event_id):
            continue
        values = {
            "company_id": key[0],
            "equipment_code": key[1],
            "state": e.payload["state"],
            "since": e.occurred_at,
            "reason_code": e.payload.get("reason_code"),
            "work_order_id": e.work_order_id,
            "last_event_id": e.id,
        }
        (changed if row is not None else new).append(values)
    _upsert(session, MachineState, new, changed)


def _apply_parts(session: Session, events: list[EventRecord]) -> None:
    if not events:
        return
    by_part: dict[tuple[int, str], list[EventRecord]] = defaultdict(list)
    for e in events:
        by_part[(e.company_id, e.payload["part_id"])].append(e)
    stored = {
        (r.company_id, r.part_id): r
        for r in _PART_ROWS(
            session, companies=list({c for c, _ in by_part}), parts=list({p for _, p in by_part})
        )
    }
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for key, evs in by_part.items():
        row = stored.get(key)
        scans = [list(s) for s in row.scans] if row is not None else []
        wo_of = {str(e.id): e.work_order_id for e in evs}
        scans += [[e.occurred_at.isoformat(), e.payload["station"], str(e.id)] for e in evs]
        scans.sort(key=lambda s: (s[0], s[2]))
        last = scans[-1]
        last_wo = wo_of.get(last[2], row.work_order_id if row is not None else None)
        values = {
            "company_id": key[0],
            "part_id": key[1],
            "station": last[1],
            "scanned_at": _parse_iso(last[0]),
            "scans": scans,
            "work_order_id": last_wo,
        }
        (changed if row is not None else new).append(values)
    _upsert(session, PartState, new, changed)


def _apply_stock_and_lots(session: Session, events: list[EventRecord]) -> None:
    deltas: dict[tuple[int, str, str, str], float] = defaultdict(float)
    sightings: dict[tuple[int, str], LotSighting] = {}
    for e in events:
        for item, lot, loc, qty in stock_deltas(e):
            deltas[(e.company_id, item, lot, loc)] += qty
        s = lot_sighting(e)
        if s is not None:
            k = (e.company_id, s.lot)
            if k not in sightings or s.key < sightings[k].key:
                sightings[k] = s
    if deltas:
        stored = {
            (r.company_id, r.item_code, r.lot_code, r.location_code): r.quantity
            for r in _rows(
                session,
                Stock,
                Stock.company_id.in_({k[0] for k in deltas}),
                Stock.lot_code.in_({k[2] for k in deltas}),
            )
        }
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for dk, qty in deltas.items():
            values = {"company_id": dk[0], "item_code": dk[1], "lot_code": dk[2], "location_code": dk[3]}
            if dk in stored:
                changed.append(values | {"quantity": stored[dk] + qty})
            else:
                new.append(values | {"quantity": qty})
        _upsert(session, Stock, new, changed)
    if sightings:
        lots = {
            (r.company_id, r.code): r
            for r in _rows(
                session,
                Lot,
                Lot.company_id.in_({c for c, _ in sightings}),
                Lot.code.in_({c for _, c in sightings}),
            )
        }
        new_lots: list[dict[str, Any]] = []
        changed_lots: list[dict[str, Any]] = []
        for (company_id, code), s in sightings.items():
            row = lots.get((company_id, code))
            if row is None:
                new_lots.append(_lot_values(company_id, s))
            elif s.key < (row.created_at, row.first_event_id):
                changed_lots.append(_lot_values(company_id, s))
        _upsert(session, Lot, new_lots, changed_lots)


def _lot_values(company_id: int, s: LotSighting) -> dict[str, Any]:
    return {
        "company_id": company_id,
        "code": s.lot,
        "item_code": s.item,
        "origin": s.origin,
        "serial": s.serial,
        "work_order_id": s.work_order_id,
        "created_at": s.at,
        "first_event_id": s.key[1],
    }


_EVENT_COLS = (
    Event.id,
    Event.type,
    Event.occurred_at,
    Event.payload,
    Event.work_order_id,
    Event.equipment_code,
    Event.company_id,
)


def _record(row: Any) -> EventRecord:
    return EventRecord(
        id=row[0],
        type=row[1],
        occurred_at=row[2],
        payload=row[3],
        work_order_id=row[4],
        equipment_code=row[5],
        company_id=row[6],
    )


# ---- full rebuild --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildStats:
    events: int
    work_orders: int
    seconds: float


def rebuild(session: Session, company_id: int | None = None, batch: int = 20_000) -> RebuildStats:
    """Drop the projections (of one company, or all) and fold them again from the event log."""
    from jejo.execution.tables import WorkOrder

    t0 = time.perf_counter()
    FOLDS.clear()
    for table in PROJECTION_TABLES:
        stmt = delete(table)
        if company_id is not None:
            stmt = stmt.where(table.company_id == company_id)
        session.execute(stmt)
    wo_q = select(WorkOrder.id, WorkOrder.company_id)
    if company_id is not None:
        wo_q = wo_q.where(WorkOrder.company_id == company_id)
    wo_company = {wid: cid for wid, cid in session.execute(wo_q)}
    seqs = _load_op_seqs(session, wo_company)
    state = ProjectionState(seqs, wo_company)
    count = 0
    for record in _stream_events(session, company_id, batch):
        state.apply(record)
        count += 1
    _write_state(session, state)
    seconds = time.perf_counter() - t0
    log.info("projections rebuilt", extra={"events": count, "seconds": round(seconds, 3)})
    return RebuildStats(count, len(state.work_orders), seconds)


def _stream_events(session: Session, company_id: int | None, batch: int) -> Iterator[EventRecord]:
    """Every event in the order it happened, read straight from the driver for speed.

    A full rebuild reads millions of rows; SQLAlchemy's per-value result processing would cost more than
    the fold itself, so the few conversions needed (UUID, timestamp, JSON) are done here once per row.
    """
    where = "WHERE company_id = :company " if company_id is not None else ""
    sql = text(
        f"SELECT id, type, occurred_at, payload, work_order_id, equipment_code, company_id FROM events "
        f"{where}ORDER BY occurred_at, id"
    )
    params = {"company": company_id} if company_id is not None else {}
    # yield_per on the statement (not the connection, which would keep server-side cursors for the writes)
    result = session.connection().execute(sql.execution_options(yield_per=batch), params)
    sqlite = session.get_bind().dialect.name == "sqlite"
    loads, from_iso, uuid_of = json.loads, datetime.fromisoformat, uuid.UUID
    for rows in result.partitions(batch):
        for id_, type_, at, payload, wo, eq, cid in rows:
            if sqlite:
                id_ = uuid_of(hex=id_)
                at = from_iso(at).replace(tzinfo=UTC)
            if isinstance(payload, str):
                payload = loads(payload)
            yield EventRecord(
                id=id_,
                type=type_,
                occurred_at=at,
                payload=payload,
                work_order_id=wo,
                equipment_code=eq,
                company_id=cid,
            )


def _write_state(session: Session, state: ProjectionState) -> None:
    wo_rows, op_rows = [], []
    for wo in state.work_orders.values():
        s, ops = _wo_rows(wo)
        wo_rows.append(s)
        op_rows.extend(ops)
    _bulk(session, WorkOrderState, wo_rows)
    _bulk(session, OperationState, op_rows)
    _bulk(
        session,
        GenealogyLink,
        [
            {"company_id": c, "parent_lot": p, "child_lot": ch, "work_order_id": w}
            for c, p, ch, w in state.links
        ],
    )
    _bulk(
        session,
        MachineState,
        [
            {
                "company_id": c,
                "equipment_code": code,
                "state": m.state,
                "since": m.since,
                "reason_code": m.reason_code,
                "work_order_id": m.work_order_id,
                "last_event_id": m.key[1],
            }
            for (c, code), m in state.machines.items()
        ],
    )
    part_rows = []
    for (c, part), scans in state.scans.items():
        ordered = sorted(scans, key=lambda s: (s[0], s[2]))
        last = ordered[-1]
        part_rows.append(
            {
                "company_id": c,
                "part_id": part,
                "station": last[1],
                "scans": [list(s[:3]) for s in ordered],
                "scanned_at": _parse_iso(last[0]),
                "work_order_id": last[3],
            }
        )
    _bulk(session, PartState, part_rows)
    _bulk(
        session,
        Stock,
        [
            {"company_id": c, "item_code": i, "lot_code": lot, "location_code": loc, "quantity": q}
            for (c, i, lot, loc), q in state.stock.items()
        ],
    )
    _bulk(session, Lot, [_lot_values(c, s) for (c, _), s in state.lots.items()])
    session.flush()


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _bulk(session: Session, table: type, rows: list[dict[str, Any]], size: int = 5000) -> None:
    for i in range(0, len(rows), size):
        session.execute(insert(table), rows[i : i + size])
