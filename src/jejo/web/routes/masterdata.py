"""Master-data lists: every kind of the registry, plus BOMs and routings; live search and pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from jejo.api.deps import DB
from jejo.core.errors import NotFound
from jejo.core.i18n import Translator
from jejo.masterdata import service as md
from jejo.masterdata.tables import Bom, BomLine, Item, Routing, RoutingOperation
from jejo.web import labels
from jejo.web.context import CurrentViewer
from jejo.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


def slug(kind: str) -> str:
    """``work_centers`` → ``work-centers`` (the URL spelling, as in the API)."""
    return kind.replace("_", "-")


def nav_kinds() -> list[str]:
    return [*md.KINDS, *labels.EXTRA_KINDS]


@dataclass(frozen=True)
class Table:
    """What a list template needs: headings and rows of display strings, and the page position."""

    columns: list[str]
    rows: list[list[str]]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def cell(column: str, value: Any, tr: Translator) -> str:
    """One value as a person reads it (enum values and booleans translated)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return tr.gettext("Yes") if value else tr.gettext("No")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if column == "weekdays" and isinstance(value, str):
        return " ".join(tr.gettext(labels.WEEKDAYS[int(d)]) for d in value.split(",") if d.strip().isdigit())
    if column in labels.VALUE:
        return labels.label(labels.VALUE[column], str(value), tr)
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)


def registry_table(
    session: Session, company_id: int, kind: str, q: str | None, page: int, tr: Translator
) -> Table:
    k = md.kind(kind)
    rows, total = md.list_rows(session, company_id, kind, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, q=q)
    return Table(
        k.columns, [[cell(c, v, tr) for c, v in md.to_dict(k, r).items()] for r in rows], total, page
    )


def _item_search(stmt: Any, q: str | None) -> Any:
    if not q:
        return stmt
    like = f"%{q}%"
    return stmt.where(or_(Item.code.ilike(like), Item.name.ilike(like)))


def bom_table(session: Session, company_id: int, q: str | None, page: int, tr: Translator) -> Table:
    stmt = _item_search(select(Bom).join(Item, Item.id == Bom.item_id).where(Bom.company_id == company_id), q)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    boms = session.scalars(
        stmt.options(selectinload(Bom.lines).selectinload(BomLine.component), selectinload(Bom.item))
        .order_by(Item.code, Bom.version)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    rows = [
        [
            b.item.code,
            b.item.name,
            b.version,
            cell("q", b.base_quantity, tr),
            ", ".join(f"{ln.component.code} × {cell('q', ln.quantity, tr)}" for ln in b.lines),
            cell("active", b.active, tr),
        ]
        for b in boms
    ]
    return Table(["item", "name", "version", "base_quantity", "components", "active"], rows, total, page)


def routing_table(session: Session, company_id: int, q: str | None, page: int, tr: Translator) -> Table:
    stmt = _item_search(
        select(Routing).join(Item, Item.id == Routing.item_id).where(Routing.company_id == company_id), q
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    routings = session.scalars(
        stmt.options(
            selectinload(Routing.operations).selectinload(RoutingOperation.work_center),
            selectinload(Routing.item),
        )
        .order_by(Item.code, Routing.version)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    rows = [
        [
            r.item.code,
            r.item.name,
            r.version,
            " → ".join(f"{o.seq} {o.name} ({o.work_center.code})" for o in r.operations),
            cell("active", r.active, tr),
        ]
        for r in routings
    ]
    return Table(["item", "name", "version", "operations", "active"], rows, total, page)


@router.get("/masterdata")
def masterdata_home() -> Any:
    from fastapi.responses import RedirectResponse

    return RedirectResponse("/masterdata/items", status_code=303)


@router.get("/masterdata/{kind_slug}")
def masterdata_list(
    request: Request,
    kind_slug: str,
    viewer: CurrentViewer,
    session: DB,
    q: str | None = Query(None, max_length=100),
    page: int = Query(1, ge=1),
) -> HTMLResponse:
    kind = kind_slug.replace("-", "_")
    q = (q or "").strip() or None
    if kind == "boms":
        table = bom_table(session, viewer.company_id, q, page, viewer.tr)
    elif kind == "routings":
        table = routing_table(session, viewer.company_id, q, page, viewer.tr)
    elif kind in md.KINDS:
        table = registry_table(session, viewer.company_id, kind, q, page, viewer.tr)
    else:
        raise NotFound(f"no master-data list {kind_slug!r}")
    template = "masterdata/_table.html" if is_htmx(request) else "masterdata/list.html"
    return render(
        request,
        template,
        viewer.tr,
        viewer=viewer,
        kind=kind,
        kinds=nav_kinds(),
        slug=slug,
        table=table,
        q=q or "",
        url=f"/masterdata/{slug(kind)}",
    )
