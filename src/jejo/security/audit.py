"""The audit log: who changed what (OWASP ASVS V7.2). A flush hook on the session factory writes one
``audit_log`` row per inserted, updated or deleted record of an audited table, in the same transaction as
the change itself, so a change and its audit entry are committed or rolled back together.

The actor is the caller of the request that owns the session (:func:`set_session_actor`, set when the
caller is authenticated) or whoever a command runs as (:func:`acting_as`); changes made without one are
logged as ``system``. Secrets (password and token hashes) are never copied into the log."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from jejo.core.timeutil import utcnow
from jejo.security.tables import AuditEntry

#: tables whose changes are logged: master data, locations, companies, users and API tokens
AUDITED: frozenset[str] = frozenset(
    {
        "companies",
        "users",
        "api_tokens",
        "sites",
        "areas",
        "lines",
        "work_centers",
        "equipment",
        "items",
        "boms",
        "bom_lines",
        "routings",
        "routing_operations",
        "reason_codes",
        "shifts",
        "calendar_exceptions",
        "locations",
    }
)
#: columns never copied into the log (only the fact that they changed)
SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})
#: child tables without a company column: the parent that carries it
_PARENTS = {"bom_lines": ("boms", "bom_id"), "routing_operations": ("routings", "routing_id")}

_actor: contextvars.ContextVar[str | None] = contextvars.ContextVar("jejo_audit_actor", default=None)


def set_actor(name: str | None) -> contextvars.Token[str | None]:
    """Name who makes the changes of the current request or command (a user name or ``token:<name>``)."""
    return _actor.set(name)


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    token = _actor.set(name)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor(session: Session | None = None) -> str:
    if session is not None and session.info.get("actor"):
        return str(session.info["actor"])
    return _actor.get() or "system"


def set_session_actor(session: Session, name: str) -> None:
    """Name who makes the changes of this session (a request's caller: user name or ``token:<name>``)."""
    session.info["actor"] = name


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _columns(obj: Any) -> list[str]:
    return [c.key for c in inspect(type(obj)).column_attrs]


def _snapshot(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    for key in _columns(obj):
        if key in ("id", "company_id") or state.dict.get(key) is None:
            continue  # the entry names both; empty values say nothing
        if key in SECRET_COLUMNS:
            out[key] = "***"
            continue
        value = state.dict.get(key)
        out[key] = _plain(value)
    return out


def _diff(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    for key in _columns(obj):
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        if key in SECRET_COLUMNS:
            out[key] = {"old": "***", "new": "***"}
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        out[key] = {"old": _plain(old), "new": _plain(new)}
    return out


def _company_of(session: Session, obj: Any, table: str, action: str) -> int | None:
    if table == "companies":
        return None if action == "delete" else getattr(obj, "id", None)
    cid = getattr(obj, "company_id", None)
    if cid is not None or table not in _PARENTS:
        return cid
    parent_table, fk = _PARENTS[table]
    parent_id = getattr(obj, fk, None)
    if parent_id is None:
        return None
    parent = AuditEntry.metadata.tables[parent_table]
    row = session.connection().execute(select(parent.c.company_id).where(parent.c.id == parent_id)).first()
    return None if row is None else int(row[0])


def _label(obj: Any) -> str | None:
    for key in ("code", "username", "name"):
        value = getattr(obj, key, None)
        if isinstance(value, str):
            return value[:200]
    return None


def _after_flush(session: Session, _context: Any) -> None:
    rows: list[dict[str, Any]] = []
    actor = current_actor(session)[:200]
    now = utcnow()
    for action, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table not in AUDITED:
                continue
            if action == "update":
                if not session.is_modified(obj, include_collections=False):
                    continue
                changes = _diff(obj)
                if not changes:
                    continue
            else:
                changes = _snapshot(obj)
            rows.append(
                {
                    "company_id": _company_of(session, obj, table, action),
                    "at": now,
                    "actor": actor,
                    "action": action,
                    "entity": table,
                    "entity_id": None if getattr(obj, "id", None) is None else str(obj.id),
                    "label": _label(obj),
                    "changes": changes,
                }
            )
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def install(factory: sessionmaker[Session]) -> None:
    """Log the changes made through every session of ``factory``."""
    if not event.contains(factory, "after_flush", _after_flush):
        event.listen(factory, "after_flush", _after_flush)


def list_entries(
    session: Session,
    company_id: int,
    *,
    entity: str | None = None,
    actor: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[AuditEntry], int]:
    """A company's audit entries, newest first, with the total count."""
    from sqlalchemy import func

    stmt = select(AuditEntry).where(AuditEntry.company_id == company_id)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset).limit(limit)
    )
    return list(rows), int(total)


def entry_out(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "label": e.label,
        "changes": e.changes,
    }
