"""The audit log of who changed what (admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from jejo.api.deps import DB, Caller, PageQ, paged, require
from jejo.security import audit

router = APIRouter(tags=["security"])


@router.get("/audit", dependencies=[require("admin")])
def audit_log(
    caller: Caller,
    session: DB,
    page: PageQ,
    entity: str | None = Query(None, max_length=64, description="Table name, e.g. items or users"),
    actor: str | None = Query(None, max_length=200),
) -> dict[str, Any]:
    """Changes to master data, users, roles and API tokens of the caller's company, newest first."""
    rows, total = audit.list_entries(
        session, caller.company_id, entity=entity, actor=actor, offset=page.offset, limit=page.limit
    )
    return paged([audit.entry_out(e) for e in rows], total, page)
