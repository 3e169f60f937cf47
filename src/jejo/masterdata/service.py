"""Master-data services: validate, create or update by code, list, get, delete.

One registry (``KINDS``) describes each simple kind of master data: its table, its input schema and
which of its fields refer to other master data by code. The API, the importer and the web pages all
go through these functions. BOMs and routings, which have lines, have their own functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sqlalchemy import String, bindparam, cast, func, select
from sqlalchemy.orm import Session

from jejo.core.db import Lookup
from jejo.core.errors import Conflict, NotFound, Problem, ValidationError
from jejo.inventory.tables import Location
from jejo.masterdata import schemas as s
from jejo.masterdata.bom import BomComponent, BomDef
from jejo.masterdata.tables import (
    Area,
    Bom,
    BomLine,
    CalendarException,
    Equipment,
    Item,
    Line,
    ReasonCode,
    Routing,
    RoutingOperation,
    Shift,
    Site,
    WorkCenter,
)


@dataclass(frozen=True)
class Kind:
    name: str
    table: type[Any]
    schema: type[BaseModel]
    label_ko: str
    label_en: str
    refs: dict[str, tuple[str, type[Any]]] = field(default_factory=dict)  # field -> (fk column, table)
    key: str = "code"

    @property
    def columns(self) -> list[str]:
        return list(self.schema.model_fields)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("sites", Site, s.SiteIn, "사업장", "Sites"),
        Kind("areas", Area, s.AreaIn, "구역", "Areas", {"site": ("site_id", Site)}),
        Kind("lines", Line, s.LineIn, "라인", "Lines", {"area": ("area_id", Area)}),
        Kind(
            "work_centers", WorkCenter, s.WorkCenterIn, "작업장", "Work centers", {"line": ("line_id", Line)}
        ),
        Kind(
            "equipment",
            Equipment,
            s.EquipmentIn,
            "설비",
            "Equipment",
            {"work_center": ("work_center_id", WorkCenter)},
        ),
        Kind("items", Item, s.ItemIn, "품목", "Items"),
        Kind("reason_codes", ReasonCode, s.ReasonCodeIn, "사유 코드", "Reason codes"),
        Kind("shifts", Shift, s.ShiftIn, "근무조", "Shifts"),
        Kind("locations", Location, s.LocationIn, "보관 위치", "Locations"),
        Kind(
            "calendar_exceptions",
            CalendarException,
            s.CalendarExceptionIn,
            "휴무·특근일",
            "Calendar exceptions",
            key="day",
        ),
    ]
}


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(f"unknown kind of master data {name!r}; known: {', '.join(KINDS)}") from None


def pydantic_problems(exc: PydanticError, **where: Any) -> list[Problem]:
    """Turn pydantic's errors into problems that name the field (and the sheet/row when importing)."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or None
        reason = err["msg"]
        if err["type"] == "extra_forbidden":
            reason = "unknown field"
        if "sheet" in where or "row" in where:
            out.append(Problem(reason=reason, column=loc, **where))
        else:
            out.append(Problem(reason=reason, field=loc))
    return out


def to_dict(k: Kind, obj: Any, ref_codes: dict[str, dict[int, str]] | None = None) -> dict[str, Any]:
    """A row as the API and exports show it: the schema's fields, references as codes."""
    out: dict[str, Any] = {}
    for name in k.columns:
        if name in k.refs:
            col = k.refs[name][0]
            ref_id = getattr(obj, col)
            out[name] = (ref_codes or {}).get(name, {}).get(ref_id) if ref_codes else _ref_code(obj, name)
        else:
            out[name] = getattr(obj, name)
    return out


def _ref_code(obj: Any, name: str) -> str | None:
    rel = getattr(obj, name, None)
    return getattr(rel, "code", None)


_CODE_LOOKUPS: dict[type[Any], Lookup] = {}


def codes_to_ids(session: Session, company_id: int, table: type[Any], codes: set[str]) -> dict[str, int]:
    """The ids of the company's records of ``table`` with one of ``codes`` (those that exist)."""
    if not codes:
        return {}
    lookup = _CODE_LOOKUPS.get(table)
    if lookup is None:
        c = table.__table__.c
        lookup = _CODE_LOOKUPS[table] = Lookup(
            lambda any_of: select(c.code, c.id).where(
                c.company_id == bindparam("company"), any_of(c.code, "codes")
            )
        )
    return {code: id_ for code, id_ in lookup(session, company=company_id, codes=list(codes))}


def upsert_many(
    session: Session,
    company_id: int,
    kind_name: str,
    rows: Sequence[dict[str, Any]],
    *,
    sheet: str | None = None,
    first_row: int = 1,
    problems: list[Problem] | None = None,
    row_numbers: Sequence[int] | None = None,
) -> list[Any]:
    """Validate every row, then create or update each by its code. All or nothing.

    With ``problems`` given, problems are appended there instead of raised, so an importer can report
    every sheet at once. Rows are numbered from ``first_row`` on, or by ``row_numbers`` (one per row, for
    an importer that skips empty rows).
    """
    k = kind(kind_name)
    collected: list[Problem] = [] if problems is None else problems
    before = len(collected)
    parsed: list[tuple[int, BaseModel]] = []
    seen: dict[Any, int] = {}
    for i, raw in enumerate(rows):
        rownum = row_numbers[i] if row_numbers is not None else first_row + i
        where: dict[str, Any] = (
            {"sheet": sheet, "row": rownum} if sheet else ({"row": rownum} if len(rows) > 1 else {})
        )
        try:
            model = k.schema.model_validate(raw)
        except PydanticError as exc:
            collected.extend(pydantic_problems(exc, **where) if where else pydantic_problems(exc))
            continue
        key = getattr(model, k.key)
        if key in seen:
            collected.append(
                Problem(reason=f"duplicate {k.key} {key!s} (also in row {seen[key]})", column=k.key, **where)
                if where
                else Problem(reason=f"duplicate {k.key} {key!s}", field=k.key)
            )
            continue
        seen[key] = rownum
        parsed.append((rownum, model))
    ref_ids: dict[str, dict[str, int]] = {}
    for fname, (_col, table) in k.refs.items():
        wanted = {getattr(m, fname) for _, m in parsed}
        ref_ids[fname] = codes_to_ids(session, company_id, table, wanted)
        for rownum, m in parsed:
            code = getattr(m, fname)
            if code not in ref_ids[fname]:
                reason = f"{fname} {code!r} does not exist"
                collected.append(
                    Problem(reason=reason, column=fname, sheet=sheet, row=rownum)
                    if sheet
                    else Problem(reason=reason, field=fname, row=rownum if len(rows) > 1 else None)
                )
    if problems is None:
        if collected:
            raise ValidationError(f"{k.name}: {len(collected)} problem(s); nothing was saved", collected)
    elif len(collected) > before:
        return []
    keys = [getattr(m, k.key) for _, m in parsed]
    existing = (
        {
            getattr(o, k.key): o
            for o in session.scalars(
                select(k.table).where(k.table.company_id == company_id, getattr(k.table, k.key).in_(keys))
            )
        }
        if keys
        else {}
    )
    out = []
    for _, m in parsed:
        values = m.model_dump()
        for fname, (col, _table) in k.refs.items():
            values[col] = ref_ids[fname][values.pop(fname)]
        obj = existing.get(values[k.key])
        if obj is None:
            obj = k.table(company_id=company_id, **values)
            session.add(obj)
        else:
            for attr, v in values.items():
                setattr(obj, attr, v)
        out.append(obj)
    session.flush()
    return out


def create(session: Session, company_id: int, kind_name: str, body: dict[str, Any]) -> Any:
    k = kind(kind_name)
    key = body.get(k.key)
    if key is not None and get_or_none(session, company_id, kind_name, str(key)) is not None:
        raise Conflict(f"{k.name} {key} already exists", [Problem(reason="already exists", field=k.key)])
    return upsert_many(session, company_id, kind_name, [body])[0]


def update(session: Session, company_id: int, kind_name: str, code: str, body: dict[str, Any]) -> Any:
    k = kind(kind_name)
    current = get(session, company_id, kind_name, code)
    merged = {**to_dict(k, current), **body}
    if str(merged.get(k.key)) != code:
        raise ValidationError(
            "the code of a record cannot be changed", [Problem(reason="cannot change", field=k.key)]
        )
    return upsert_many(session, company_id, kind_name, [merged])[0]


def get_or_none(session: Session, company_id: int, kind_name: str, code: str) -> Any | None:
    k = kind(kind_name)
    col = getattr(k.table, k.key)
    value: Any = code
    if k.key == "day":
        from datetime import date

        try:
            value = date.fromisoformat(code)
        except ValueError:
            return None
    return session.scalar(select(k.table).where(k.table.company_id == company_id, col == value))


def get(session: Session, company_id: int, kind_name: str, code: str) -> Any:
    obj = get_or_none(session, company_id, kind_name, code)
    if obj is None:
        raise NotFound(f"{kind_name} {code} not found")
    return obj


def list_rows(
    session: Session,
    company_id: int,
    kind_name: str,
    *,
    offset: int = 0,
    limit: int = 100,
    q: str | None = None,
    filters: dict[str, str] | None = None,
) -> tuple[list[Any], int]:
    """A page of rows ordered by key, with the total count. ``q`` searches code and name."""
    k = kind(kind_name)
    stmt = select(k.table).where(k.table.company_id == company_id)
    if q:
        like = f"%{q}%"
        conds = [
            cast(getattr(k.table, k.key), String).ilike(like) if k.key == "day" else k.table.code.ilike(like)
        ]
        if hasattr(k.table, "name"):
            conds.append(k.table.name.ilike(like))
        from sqlalchemy import or_

        stmt = stmt.where(or_(*conds))
    for fname, code in (filters or {}).items():
        if fname in k.refs:
            col, table = k.refs[fname]
            ref = session.scalar(select(table.id).where(table.company_id == company_id, table.code == code))
            stmt = stmt.where(getattr(k.table, col) == (ref if ref is not None else -1))
        elif fname in k.columns:
            stmt = stmt.where(getattr(k.table, fname) == code)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(getattr(k.table, k.key)).offset(offset).limit(limit)))
    return rows, total


def delete(session: Session, company_id: int, kind_name: str, code: str) -> None:
    from sqlalchemy.exc import IntegrityError

    obj = get(session, company_id, kind_name, code)
    session.delete(obj)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{kind_name} {code} is still in use and cannot be deleted") from exc


# ---- BOMs and routings ---------------------------------------------------------------------------


def save_bom(session: Session, company_id: int, body: s.BomIn, *, check_cycles: bool = True) -> Bom:
    """Create or replace the BOM of an item (one version); components must exist; no cycles.

    ``check_cycles=False`` is for a caller that checks cycles itself (the importer, which saves many BOMs
    and keeps their definitions in memory rather than reading every BOM back for each one).
    """
    codes = {body.item} | {ln.component for ln in body.lines}
    ids = codes_to_ids(session, company_id, Item, codes)
    problems = [
        Problem(reason=f"item {c!r} does not exist", field=f)
        for c, f in [
            (body.item, "item"),
            *((ln.component, f"lines.{i}.component") for i, ln in enumerate(body.lines)),
        ]
        if c not in ids
    ]
    if any(ln.component == body.item for ln in body.lines):
        problems.append(Problem(reason="an item cannot be a component of itself", field="lines"))
    if problems:
        raise ValidationError("BOM not saved", problems)
    bom = session.scalar(
        select(Bom).where(
            Bom.company_id == company_id, Bom.item_id == ids[body.item], Bom.version == body.version
        )
    )
    if bom is None:
        bom = Bom(company_id=company_id, item_id=ids[body.item], version=body.version)
        session.add(bom)
    bom.base_quantity = body.base_quantity
    bom.active = True
    bom.lines = [
        BomLine(
            position=i + 1, component_id=ids[ln.component], quantity=ln.quantity, scrap_factor=ln.scrap_factor
        )
        for i, ln in enumerate(body.lines)
    ]
    session.flush()
    from jejo.masterdata.bom import explode

    if check_cycles:
        explode(bom_defs(session, company_id), body.item, 1.0)  # raises on a cycle; the caller rolls back
    return bom


def save_routing(session: Session, company_id: int, body: s.RoutingIn) -> Routing:
    item_id = codes_to_ids(session, company_id, Item, {body.item}).get(body.item)
    wcs = codes_to_ids(session, company_id, WorkCenter, {o.work_center for o in body.operations})
    problems = [] if item_id else [Problem(reason=f"item {body.item!r} does not exist", field="item")]
    problems += [
        Problem(reason=f"work center {o.work_center!r} does not exist", field=f"operations.{i}.work_center")
        for i, o in enumerate(body.operations)
        if o.work_center not in wcs
    ]
    if problems or item_id is None:
        raise ValidationError("routing not saved", problems)
    routing = session.scalar(
        select(Routing).where(
            Routing.company_id == company_id, Routing.item_id == item_id, Routing.version == body.version
        )
    )
    if routing is None:
        routing = Routing(company_id=company_id, item_id=item_id, version=body.version)
        session.add(routing)
    routing.active = True
    if routing.operations:  # delete the old operations first: (routing, seq) is unique
        routing.operations.clear()
        session.flush()
    routing.operations = [
        RoutingOperation(
            seq=o.seq,
            name=o.name,
            work_center_id=wcs[o.work_center],
            setup_time_s=o.setup_time_s,
            cycle_time_s=o.cycle_time_s,
        )
        for o in body.operations
    ]
    session.flush()
    return routing


def active_bom(session: Session, company_id: int, item_id: int) -> Bom | None:
    return session.scalar(
        select(Bom)
        .where(Bom.company_id == company_id, Bom.item_id == item_id, Bom.active)
        .order_by(Bom.version.desc())
    )


def active_routing(session: Session, company_id: int, item_id: int) -> Routing | None:
    return session.scalar(
        select(Routing)
        .where(Routing.company_id == company_id, Routing.item_id == item_id, Routing.active)
        .order_by(Routing.version.desc())
    )


def bom_defs(session: Session, company_id: int) -> dict[str, BomDef]:
    """Every active BOM of a company, keyed by parent item code, for explosion.

    One query of codes and quantities (no ORM objects): ``save_bom`` calls it for every BOM it saves.
    """
    from sqlalchemy.orm import aliased

    parent, component = aliased(Item), aliased(Item)
    rows = session.execute(
        select(Bom.id, parent.code, Bom.base_quantity, component.code, BomLine.quantity, BomLine.scrap_factor)
        .join(parent, parent.id == Bom.item_id)
        .join(BomLine, BomLine.bom_id == Bom.id)
        .join(component, component.id == BomLine.component_id)
        .where(Bom.company_id == company_id, Bom.active)
        .order_by(Bom.id, BomLine.position)
    )
    lines: dict[int, tuple[str, float, list[BomComponent]]] = {}
    for bom_id, item, base, comp, qty, scrap in rows:
        lines.setdefault(bom_id, (item, base, []))[2].append(BomComponent(comp, qty, scrap))
    return {item: BomDef(item, base, tuple(comps)) for item, base, comps in lines.values()}


def bom_to_dict(bom: Bom) -> dict[str, Any]:
    return {
        "item": bom.item.code,
        "version": bom.version,
        "base_quantity": bom.base_quantity,
        "lines": [
            {"component": ln.component.code, "quantity": ln.quantity, "scrap_factor": ln.scrap_factor}
            for ln in bom.lines
        ],
    }


def routing_to_dict(r: Routing) -> dict[str, Any]:
    return {
        "item": r.item.code,
        "version": r.version,
        "operations": [
            {
                "seq": o.seq,
                "name": o.name,
                "work_center": o.work_center.code,
                "setup_time_s": o.setup_time_s,
                "cycle_time_s": o.cycle_time_s,
            }
            for o in r.operations
        ],
    }
