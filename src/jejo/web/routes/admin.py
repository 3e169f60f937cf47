"""Administration pages: the audit log of who changed what (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from jejo.api.deps import DB
from jejo.core.errors import Forbidden
from jejo.security import audit
from jejo.web.context import CurrentViewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the page is rendered."""
    return message


ACTIONS: dict[str, str] = {"insert": N_("Added"), "update": N_("Changed"), "delete": N_("Deleted")}


@router.get("/admin/audit")
def audit_page(
    request: Request,
    viewer: CurrentViewer,
    session: DB,
    entity: str | None = Query(None, max_length=64),
    page: int = Query(1, ge=1, le=100_000),
) -> HTMLResponse:
    if not viewer.can("admin"):
        raise Forbidden("the audit log is for administrators")
    entity = entity if entity in audit.AUDITED else None
    rows, total = audit.list_entries(
        session, viewer.company_id, entity=entity, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return render(
        request,
        "admin/audit.html",
        viewer.tr,
        viewer=viewer,
        rows=[audit.entry_out(e) for e in rows],
        actions={k: viewer.tr.gettext(v) for k, v in ACTIONS.items()},
        entities=sorted(audit.AUDITED),
        entity=entity or "",
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        params={"entity": entity} if entity else {},
    )
