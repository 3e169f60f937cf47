"""Apply read sheets to the database through the master-data service, and collect rows for export.

Sheets are applied in dependency order (sites → areas → lines → work centers → equipment; items →
BOMs and routings; then reasons, shifts, locations, calendar exceptions) in the caller's transaction.
Every sheet is validated even after another one failed, so that one pass lists every problem; a
reference to a code that is in the file but in a row (or sheet) that failed is not reported again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from jejo.core.errors import Problem, ValidationError
from jejo.masterdata import schemas as s
from jejo.masterdata import service as md
from jejo.masterdata.bom import BomComponent, BomDef, explode
from jejo.masterdata.tables import Bom, BomLine, Item, Routing, RoutingOperation
from jejo.masterdata.transfer.layout import ORDER, SHEETS
from jejo.masterdata.transfer.reader import SheetData

Row = tuple[int, dict[str, Any]]


def apply_sheets(
    session: Session, company_id: int, sheets: list[SheetData], problems: list[Problem]
) -> dict[str, int]:
    """Create or update every row; append problems. Returns how many records each sheet saved.

    When ``problems`` is not empty afterwards, some rows were saved and others not: the caller must roll
    the transaction back (see :func:`jejo.masterdata.transfer.service.import_sheets`).
    """
    by_kind = {sd.spec.name: sd for sd in sheets}
    unsaved: dict[str, set[str]] = {}  # kind -> codes in the file that did not make it to the database
    applied: dict[str, int] = {}
    for name in ORDER:
        sd = by_kind.get(name)
        if sd is None:
            continue
        if not sd.readable:
            unsaved[name] = sd.codes()
            continue
        if name == "boms":
            save = partial(_save_bom, defs=md.bom_defs(session, company_id))
            count, ok = _apply_groups(session, company_id, sd, problems, unsaved, save)
        elif name == "routings":
            count, ok = _apply_groups(session, company_id, sd, problems, unsaved, _save_routing)
        else:
            count, ok = _apply_kind(session, company_id, sd, problems, unsaved)
        if ok:
            applied[name] = count
        else:
            unsaved[name] = sd.codes()
    return applied


def _consequential(p: Problem, code: Any, ref_kind: str | None, unsaved: dict[str, set[str]]) -> bool:
    """A 'does not exist' problem about a code that the file does hold, in a row that failed itself."""
    return (
        ref_kind is not None
        and code is not None
        and "does not exist" in p.reason
        and str(code) in unsaved.get(ref_kind, set())
    )


def _apply_kind(
    session: Session, company_id: int, sd: SheetData, problems: list[Problem], unsaved: dict[str, set[str]]
) -> tuple[int, bool]:
    """One simple kind through ``upsert_many``; returns (records saved, whether every row was)."""
    k = md.kind(sd.spec.name)
    rows = _keep_current_values(session, company_id, k, sd)
    found: list[Problem] = []
    saved = md.upsert_many(
        session,
        company_id,
        k.name,
        [r for _, r in rows],
        sheet=sd.source,
        row_numbers=[n for n, _ in rows],
        problems=found,
    )
    by_row = dict(rows)
    for p in found:
        col = sd.spec.column(p.column) if p.column in k.refs else None
        if (
            col
            and p.row is not None
            and _consequential(p, by_row.get(p.row, {}).get(col.name), col.ref, unsaved)
        ):
            continue
        problems.append(p)
    return len(saved), not found


def _keep_current_values(session: Session, company_id: int, k: md.Kind, sd: SheetData) -> list[Row]:
    """A column left out of the file keeps its value on records that exist already (an empty cell in a
    column that is there sets the default)."""
    missing = [c for c in k.columns if c not in sd.columns]
    if not missing:
        return sd.rows
    key_type = sd.spec.column(k.key).type  # keys of another type are left for the schema to report
    keys = [r[k.key] for _, r in sd.rows if isinstance(r.get(k.key), key_type)]
    if not keys:
        return sd.rows
    current = {
        getattr(o, k.key): md.to_dict(k, o)
        for o in session.scalars(
            select(k.table).where(k.table.company_id == company_id, getattr(k.table, k.key).in_(keys))
        )
    }
    out = []
    for n, r in sd.rows:
        old = current.get(r.get(k.key))
        out.append((n, {**{c: old[c] for c in missing if old[c] is not None}, **r} if old else r))
    return out


# ---- BOMs and routings: one record per (item, version), one row per line ---------------------------

SaveGroup = Callable[[Session, int, SheetData, str, str, list[Row], list[Problem], dict[str, set[str]]], bool]


def _apply_groups(
    session: Session,
    company_id: int,
    sd: SheetData,
    problems: list[Problem],
    unsaved: dict[str, set[str]],
    save: SaveGroup,
) -> tuple[int, bool]:
    """BOMs or routings: rows grouped by (item, version), each group saved as one record."""
    ok = True
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for n, r in sd.rows:
        item = r.get("item")
        if item is None:
            problems.append(Problem(sheet=sd.source, row=n, column="item", reason="Field required"))
            ok = False
            continue
        groups[(str(item), str(r.get("version") or "1"))].append((n, r))
    count = 0
    for (item, version), rows in groups.items():
        if save(session, company_id, sd, item, version, rows, problems, unsaved):
            count += 1
        else:
            ok = False
    return count, ok


def _row_problems(
    model: type[BaseModel], sd: SheetData, rows: list[Row], fields: tuple[str, ...], problems: list[Problem]
) -> list[tuple[int, Any]]:
    """Validate the line part of each row; returns (row number, model) for the valid ones."""
    out = []
    for n, r in rows:
        try:
            out.append((n, model.model_validate({f: r[f] for f in fields if f in r})))
        except PydanticError as exc:
            problems.extend(md.pydantic_problems(exc, sheet=sd.source, row=n))
    return out


def _header_value(sd: SheetData, rows: list[Row], name: str, problems: list[Problem]) -> Any:
    """A value given once per BOM/routing (e.g. base_quantity): every row that gives it must agree."""
    given = [(n, r[name]) for n, r in rows if r.get(name) is not None]
    for n, v in given[1:]:
        if v != given[0][1]:
            problems.append(
                Problem(
                    sheet=sd.source,
                    row=n,
                    column=name,
                    reason=f"differs from row {given[0][0]} of the same item and version",
                )
            )
    return given[0][1] if given else None


def _service_problems(
    exc: ValidationError,
    sd: SheetData,
    first: int,
    lines: list[int],
    list_field: str,
    rows: dict[int, dict[str, Any]],
    unsaved: dict[str, set[str]],
) -> list[Problem]:
    """Problems raised by ``save_bom``/``save_routing`` (by field) placed on the rows they are about."""
    out = []
    for p in exc.problems or [Problem(reason=exc.detail)]:
        parts = (p.field or "").split(".")
        if parts[0] == list_field and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(lines):
            row, column = lines[int(parts[1])], parts[2]
        elif parts[0] == list_field or not p.field:
            row, column = first, "component" if list_field == "lines" else "seq"
        else:
            row, column = first, parts[0]
        ref = {"item": "items", "component": "items", "work_center": "work_centers"}.get(column)
        if _consequential(p, rows.get(row, {}).get(column), ref, unsaved):
            continue
        out.append(Problem(sheet=sd.source, row=row, column=column, reason=p.reason))
    return out


def _save_bom(
    session: Session,
    company_id: int,
    sd: SheetData,
    item: str,
    version: str,
    rows: list[Row],
    problems: list[Problem],
    unsaved: dict[str, set[str]],
    defs: dict[str, BomDef],
) -> bool:
    """One BOM version. ``defs`` (every BOM by parent item, kept up to date here) finds cycles without
    reading all BOMs back from the database for each one."""
    before = len(problems)
    first = rows[0][0]
    base = _header_value(sd, rows, "base_quantity", problems)
    lines = _row_problems(s.BomLineIn, sd, rows, ("component", "quantity", "scrap_factor"), problems)
    if len(problems) > before:
        return False
    try:
        body = s.BomIn(
            item=item,
            version=version,
            base_quantity=1.0 if base is None else base,
            lines=[ln for _, ln in lines],
        )
    except PydanticError as exc:
        problems.extend(md.pydantic_problems(exc, sheet=sd.source, row=first))
        return False
    new = BomDef(
        item,
        body.base_quantity,
        tuple(BomComponent(ln.component, ln.quantity, ln.scrap_factor) for ln in body.lines),
    )
    try:
        explode({**defs, item: new}, item, 1.0)  # raises on a cycle
        md.save_bom(session, company_id, body, check_cycles=False)
    except ValidationError as exc:
        problems.extend(
            _service_problems(exc, sd, first, [n for n, _ in lines], "lines", dict(rows), unsaved)
        )
        return False
    defs[item] = new
    return True


def _save_routing(
    session: Session,
    company_id: int,
    sd: SheetData,
    item: str,
    version: str,
    rows: list[Row],
    problems: list[Problem],
    unsaved: dict[str, set[str]],
) -> bool:
    before = len(problems)
    first = rows[0][0]
    ops = _row_problems(
        s.RoutingOperationIn,
        sd,
        rows,
        ("seq", "name", "work_center", "setup_time_s", "cycle_time_s"),
        problems,
    )
    seen: dict[int, int] = {}
    for n, op in ops:
        if op.seq in seen:
            problems.append(
                Problem(
                    sheet=sd.source,
                    row=n,
                    column="seq",
                    reason=f"duplicate seq {op.seq} (also in row {seen[op.seq]})",
                )
            )
        seen.setdefault(op.seq, n)
    if len(problems) > before:
        return False
    ops.sort(key=lambda t: t[1].seq)
    try:
        body = s.RoutingIn(item=item, version=version, operations=[op for _, op in ops])
    except PydanticError as exc:
        problems.extend(md.pydantic_problems(exc, sheet=sd.source, row=first))
        return False
    try:
        md.save_routing(session, company_id, body)
    except ValidationError as exc:
        problems.extend(
            _service_problems(exc, sd, first, [n for n, _ in ops], "operations", dict(rows), unsaved)
        )
        return False
    return True


# ---- export ------------------------------------------------------------------------------------------


def collect(
    session: Session, company_id: int, kinds: list[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every record of a company as sheet rows (references as codes), in sheet order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in kinds or list(ORDER):
        if name == "boms":
            boms = session.scalars(
                select(Bom)
                .options(contains_eager(Bom.item), selectinload(Bom.lines).joinedload(BomLine.component))
                .join(Item, Item.id == Bom.item_id)
                .where(Bom.company_id == company_id)
                .order_by(Item.code, Bom.version)
            )
            out[name] = [
                {"item": d["item"], "version": d["version"], "base_quantity": d["base_quantity"], **ln}
                for d in map(md.bom_to_dict, boms)
                for ln in d["lines"]
            ]
        elif name == "routings":
            routings = session.scalars(
                select(Routing)
                .options(
                    contains_eager(Routing.item),
                    selectinload(Routing.operations).joinedload(RoutingOperation.work_center),
                )
                .join(Item, Item.id == Routing.item_id)
                .where(Routing.company_id == company_id)
                .order_by(Item.code, Routing.version)
            )
            out[name] = [
                {"item": d["item"], "version": d["version"], **op}
                for d in map(md.routing_to_dict, routings)
                for op in d["operations"]
            ]
        else:
            k = md.kind(name)
            objs = session.scalars(
                select(k.table)
                .options(*(joinedload(getattr(k.table, f)) for f in k.refs))  # refs by code, no query a row
                .where(k.table.company_id == company_id)
                .order_by(getattr(k.table, k.key))
            )
            out[name] = [md.to_dict(k, o) for o in objs]
        cols = [c.name for c in SHEETS[name].columns]
        out[name] = [{c: r.get(c) for c in cols} for r in out[name]]
    return out
