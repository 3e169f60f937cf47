"""ISA-95 exchange in B2MML (MESA, namespace ``http://www.mesa.org/xml/B2MML``): export and import of

- equipment (``EquipmentInformation``): the site / area / line / work center / machine hierarchy as nested
  ``Equipment`` with their ``EquipmentLevel``, and storage locations as ``StorageZone`` equipment;
- material definitions and lots (``MaterialInformation``): items as ``MaterialDefinition`` (class raw,
  semi or finished), lots with stock as ``MaterialLot`` with one ``MaterialSubLot`` per location;
- work orders (``OperationsSchedule``): one ``OperationsRequest`` per work order, one
  ``SegmentRequirement`` per operation (work center, setup and cycle time, produced and consumed
  material);
- production performance (``OperationsPerformance``): one ``OperationsResponse`` per work order, one
  ``SegmentResponse`` per operation, and inside it one nested ``SegmentResponse`` per floor event
  (start, pause, resume, quantity report, completion) with its time, machine and quantities.

Element names and order follow the B2MML schemas; jejo's own facts that B2MML has no element for go
into the standard property slots (``EquipmentProperty``, ``SegmentParameter``, ``SegmentData``).

An import is all or nothing: every problem is reported (naming the element and its ID) and nothing is
saved. Importing the same document twice changes nothing (codes are upserted, events carry
idempotency keys made from the document's IDs).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo import __version__
from jejo.core.errors import JejoError, Problem, ValidationError
from jejo.core.lookup import list_by_code
from jejo.core.timeutil import as_utc, utcnow
from jejo.execution import service as ex
from jejo.execution.statemachine import WOStatus
from jejo.execution.tables import (
    Event,
    OperationState,
    WorkOrder,
    WorkOrderMaterial,
    WorkOrderOperation,
    WorkOrderState,
)
from jejo.inventory.tables import Location, Lot, Stock
from jejo.kpi.sources import site_timezone
from jejo.masterdata import service as md
from jejo.masterdata.tables import Area, Equipment, Item, Line, Site, WorkCenter

NS = "http://www.mesa.org/xml/B2MML"
ET.register_namespace("b2mml", NS)
KINDS = ("equipment", "material", "schedule", "performance")
ROOTS = {
    "equipment": "EquipmentInformation",
    "material": "MaterialInformation",
    "schedule": "OperationsSchedule",
    "performance": "OperationsPerformance",
}
#: jejo work-order status → B2MML request / response state
STATE_OF = {
    "planned": "Forecast",
    "released": "Released",
    "in_progress": "Running",
    "completed": "Completed",
    "closed": "Closed",
    "on_hold": "Held",
    "cancelled": "Aborted",
}
FLOOR = (
    "operation.started",
    "operation.paused",
    "operation.resumed",
    "quantity.reported",
    "operation.completed",
)
SEGMENT_STATE = {
    "operation.started": "Running",
    "operation.paused": "Held",
    "operation.resumed": "Running",
    "quantity.reported": "Running",
    "operation.completed": "Completed",
}


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    el = ET.SubElement(parent, q(tag))
    if text is not None:
        el.text = text if isinstance(text, str) else _fmt(text)
    return el


def _fmt(v: Any) -> str:
    if isinstance(v, datetime):
        return as_utc(v).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v)) if abs(v) < 1e15 else repr(v)
    return str(v)


def _value(
    parent: ET.Element,
    tag: str,
    value: Any,
    data_type: str = "string",
    uom: str | None = None,
    key: str | None = None,
) -> ET.Element:
    """A B2MML ValueType / QuantityValueType: ValueString (QuantityString), DataType, UnitOfMeasure, Key."""
    el = _sub(parent, tag)
    _sub(el, "QuantityString" if tag == "Quantity" else "ValueString", value)
    _sub(el, "DataType", data_type)
    if uom:
        _sub(el, "UnitOfMeasure", uom)
    if key:
        _sub(el, "Key", key)
    return el


def _prop(
    parent: ET.Element, tag: str, pid: str, value: Any, data_type: str = "string", uom: str | None = None
) -> None:
    if value is None:
        return
    el = _sub(parent, tag)
    _sub(el, "ID", pid)
    _value(el, "Value", value, data_type, uom)


def _root(kind: str, ident: str, now: datetime | None) -> ET.Element:
    root = ET.Element(q(ROOTS[kind]))
    _sub(root, "ID", ident)
    _sub(root, "Description", f"jejo {__version__}")
    _sub(root, "PublishedDate", now or utcnow())
    return root


def to_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# ---- export -------------------------------------------------------------------------------------


def export_equipment(session: Session, company_id: int, now: datetime | None = None) -> ET.Element:
    root = _root("equipment", "equipment", now)
    sites = list_by_code(session, Site, company_id)
    areas = list_by_code(session, Area, company_id)
    lines = list_by_code(session, Line, company_id)
    wcs = list_by_code(session, WorkCenter, company_id)
    eqs = list_by_code(session, Equipment, company_id)

    def node(parent: ET.Element, code: str, name: str, level: str) -> ET.Element:
        el = _sub(parent, "Equipment")
        _sub(el, "ID", code)
        _sub(el, "Description", name)
        _sub(el, "EquipmentLevel", level)
        return el

    for site in sites:
        s_el = node(root, site.code, site.name, "Site")
        _prop(s_el, "EquipmentProperty", "TimeZone", site.timezone)
        for area in (a for a in areas if a.site_id == site.id):
            a_el = node(s_el, area.code, area.name, "Area")
            for line in (x for x in lines if x.area_id == area.id):
                l_el = node(a_el, line.code, line.name, "ProductionLine")
                for wc in (w for w in wcs if w.line_id == line.id):
                    w_el = node(l_el, wc.code, wc.name, "WorkCenter")
                    for eq in (e for e in eqs if e.work_center_id == wc.id):
                        e_el = _sub(w_el, "Equipment")
                        _sub(e_el, "ID", eq.code)
                        _sub(e_el, "Description", eq.name)
                        _sub(e_el, "EquipmentLevel", "WorkUnit")
                        _prop(e_el, "EquipmentProperty", "Manufacturer", eq.manufacturer)
                        _prop(e_el, "EquipmentProperty", "Model", eq.model)
                        _prop(e_el, "EquipmentProperty", "SerialNumber", eq.serial_number)
                        _prop(
                            e_el, "EquipmentProperty", "IdealCycleTime", eq.ideal_cycle_time_s, "double", "s"
                        )
    for loc in list_by_code(session, Location, company_id):
        l_el = node(root, loc.code, loc.name, "StorageZone")
        _prop(l_el, "EquipmentProperty", "LocationKind", loc.kind)
    return root


def export_material(session: Session, company_id: int, now: datetime | None = None) -> ET.Element:
    root = _root("material", "material", now)
    for cls, text in (("raw", "Raw material"), ("semi", "Semi-finished"), ("finished", "Finished product")):
        c = _sub(root, "MaterialClass")
        _sub(c, "ID", cls)
        _sub(c, "Description", text)
    for item in list_by_code(session, Item, company_id):
        d = _sub(root, "MaterialDefinition")
        _sub(d, "ID", item.code)
        _sub(d, "Description", item.name)
        _prop(d, "MaterialDefinitionProperty", "BaseUnitOfMeasure", item.uom)
        _prop(d, "MaterialDefinitionProperty", "Text", item.description)
        _sub(d, "MaterialClassID", item.kind)
    uom = dict(session.execute(select(Item.code, Item.uom).where(Item.company_id == company_id)).all())
    stock: dict[str, list[Stock]] = defaultdict(list)
    for st in session.scalars(
        select(Stock)
        .where(Stock.company_id == company_id, Stock.quantity > 1e-9)
        .order_by(Stock.location_code)
    ):
        stock[st.lot_code].append(st)
    for lot in session.scalars(select(Lot).where(Lot.company_id == company_id).order_by(Lot.code)):
        parts = stock.get(lot.code, [])
        if not parts:
            continue  # used up: history, not material on hand
        el = _sub(root, "MaterialLot")
        _sub(el, "ID", lot.code)
        _sub(el, "MaterialDefinitionID", lot.item_code)
        _sub(el, "Status", "Available")
        _prop(el, "MaterialLotProperty", "Serial", lot.serial, "boolean")
        _value(el, "Quantity", sum(p.quantity for p in parts), "double", uom.get(lot.item_code))
        for p in parts:
            sub = _sub(el, "MaterialSubLot")
            _sub(sub, "ID", f"{lot.code}@{p.location_code}")
            _sub(sub, "StorageLocation", p.location_code)
            _value(sub, "Quantity", p.quantity, "double", uom.get(lot.item_code))
    return root


def _work_orders(session: Session, company_id: int, codes: list[str] | None) -> list[WorkOrder]:
    stmt = select(WorkOrder).where(WorkOrder.company_id == company_id)
    if codes is not None:
        stmt = stmt.where(WorkOrder.code.in_(codes))
    return list(session.scalars(stmt.order_by(WorkOrder.code)))


def _due_end(due: date, tz: str) -> datetime:
    return datetime.combine(due, time(23, 59, 59), ZoneInfo(tz))


def export_schedule(
    session: Session, company_id: int, now: datetime | None = None, codes: list[str] | None = None
) -> ET.Element:
    root = _root("schedule", "work-orders", now)
    _sub(root, "OperationsType", "Production")
    tz = site_timezone(session, company_id)
    wos = _work_orders(session, company_id, codes)
    items = {i.id: i for i in list_by_code(session, Item, company_id)}
    wcs = {w.id: w.code for w in list_by_code(session, WorkCenter, company_id)}
    if wos:
        _sub(root, "StartTime", min(as_utc(w.created_at) for w in wos))
        _sub(root, "EndTime", max(_due_end(w.due_date, tz) for w in wos))
    for wo in wos:
        item = items[wo.item_id]
        r = _sub(root, "OperationsRequest")
        _sub(r, "ID", wo.code)
        _sub(r, "Description", item.name)
        _sub(r, "OperationsType", "Production")
        _sub(r, "StartTime", wo.created_at)
        _sub(r, "EndTime", _due_end(wo.due_date, tz))
        _sub(r, "Priority", wo.priority)
        for i, op in enumerate(wo.operations):
            s = _sub(r, "SegmentRequirement")
            _sub(s, "ID", f"{wo.code}-{op.seq}")
            _sub(s, "Description", op.name)
            _sub(s, "OperationsType", "Production")
            _sub(s, "ProcessSegmentID", op.name)
            _prop(s, "SegmentParameter", "Sequence", op.seq, "integer")
            _prop(s, "SegmentParameter", "SetupTime", op.setup_time_s, "double", "s")
            _prop(s, "SegmentParameter", "CycleTime", op.cycle_time_s, "double", "s")
            e = _sub(s, "EquipmentRequirement")
            _sub(e, "EquipmentID", wcs[op.work_center_id])
            _sub(e, "EquipmentLevel", "WorkCenter")
            if i == 0:
                for mat in wo.materials:
                    m = _sub(s, "MaterialRequirement")
                    comp = items[mat.item_id]
                    _sub(m, "MaterialDefinitionID", comp.code)
                    _sub(m, "MaterialUse", "Consumed")
                    _value(m, "Quantity", mat.quantity, "double", comp.uom)
            m = _sub(s, "MaterialRequirement")
            _sub(m, "MaterialDefinitionID", item.code)
            _sub(m, "MaterialUse", "Produced")
            _value(m, "Quantity", op.planned_quantity, "double", item.uom)
        state = session.get(WorkOrderState, wo.id)
        _sub(r, "RequestState", STATE_OF[state.status if state else "planned"])
    _sub(root, "ScheduleState", "Released")
    return root


def export_performance(
    session: Session, company_id: int, now: datetime | None = None, codes: list[str] | None = None
) -> ET.Element:
    root = _root("performance", "production", now)
    _sub(root, "OperationsType", "Production")
    wos = [w for w in _work_orders(session, company_id, codes)]
    ids = [w.id for w in wos]
    events: dict[int, list[Event]] = defaultdict(list)
    if ids:
        for e in session.scalars(
            select(Event)
            .where(Event.company_id == company_id, Event.work_order_id.in_(ids), Event.type.in_(FLOOR))
            .order_by(Event.occurred_at, Event.seq)
        ):
            assert e.work_order_id is not None
            events[e.work_order_id].append(e)
    items = {i.id: i for i in list_by_code(session, Item, company_id)}
    opstate = {
        (o.work_order_id, o.seq): o
        for o in session.scalars(select(OperationState).where(OperationState.work_order_id.in_(ids or [-1])))
    }
    times = [as_utc(e.occurred_at) for evs in events.values() for e in evs]
    if times:
        _sub(root, "StartTime", min(times))
        _sub(root, "EndTime", max(times))
    for wo in wos:
        evs = events.get(wo.id)
        if not evs:
            continue
        item = items[wo.item_id]
        state = session.get(WorkOrderState, wo.id)
        r = _sub(root, "OperationsResponse")
        _sub(r, "ID", wo.code)
        _sub(r, "OperationsType", "Production")
        _sub(r, "OperationsRequestID", wo.code)
        _sub(r, "StartTime", min(as_utc(e.occurred_at) for e in evs))
        _sub(r, "EndTime", max(as_utc(e.occurred_at) for e in evs))
        _sub(r, "ResponseState", STATE_OF[state.status if state else "planned"])
        by_seq: dict[int, list[Event]] = defaultdict(list)
        for e in evs:
            by_seq[int(e.payload.get("seq", 0))].append(e)
        for op in wo.operations:
            op_evs = by_seq.get(op.seq)
            if not op_evs:
                continue
            ost = opstate.get((wo.id, op.seq))
            s = _sub(r, "SegmentResponse")
            _sub(s, "ID", f"{wo.code}-{op.seq}")
            _sub(s, "Description", op.name)
            _sub(s, "OperationsType", "Production")
            _sub(s, "ProcessSegmentID", op.name)
            if ost is not None and ost.started_at:
                _sub(s, "ActualStartTime", ost.started_at)
            if ost is not None and ost.completed_at:
                _sub(s, "ActualEndTime", ost.completed_at)
            _sub(
                s,
                "SegmentState",
                {"completed": "Completed", "paused": "Held"}.get(ost.status if ost else "", "Running"),
            )
            _prop(s, "SegmentData", "Sequence", op.seq, "integer")
            if ost is not None and ost.equipment_code:
                ea = _sub(s, "EquipmentActual")
                _sub(ea, "EquipmentID", ost.equipment_code)
            ma = _sub(s, "MaterialActual")
            _sub(ma, "MaterialDefinitionID", item.code)
            _sub(ma, "MaterialUse", "Produced")
            for key, total in (
                ("Good", sum(float(e.payload.get("good", 0)) for e in op_evs)),
                ("Scrap", sum(float(e.payload.get("scrap", 0)) for e in op_evs)),
                ("Rework", sum(float(e.payload.get("rework", 0)) for e in op_evs)),
            ):
                _value(ma, "Quantity", total, "double", item.uom, key)
            for n, e in enumerate(op_evs, 1):
                _event_response(s, f"{wo.code}-{op.seq}-{n}", e, item)
    return root


def _event_response(parent: ET.Element, ident: str, e: Event, item: Item) -> None:
    p = e.payload
    s = _sub(parent, "SegmentResponse")
    _sub(s, "ID", ident)
    _sub(s, "OperationsType", "Production")
    at = as_utc(e.occurred_at)
    if e.type in ("operation.started", "operation.resumed", "quantity.reported"):
        _sub(s, "ActualStartTime", at)
    if e.type in ("operation.paused", "operation.completed", "quantity.reported"):
        _sub(s, "ActualEndTime", at)
    _sub(s, "SegmentState", SEGMENT_STATE[e.type])
    _prop(s, "SegmentData", "EventType", e.type)
    if p.get("reason_code") and e.type != "quantity.reported":
        _prop(s, "SegmentData", "ReasonCode", p["reason_code"])
    eq = p.get("equipment") or e.equipment_code
    if eq:
        ea = _sub(s, "EquipmentActual")
        _sub(ea, "EquipmentID", eq)
    if e.type == "quantity.reported":
        ma = _sub(s, "MaterialActual")
        _sub(ma, "MaterialDefinitionID", item.code)
        _sub(ma, "MaterialUse", "Produced")
        for key in ("good", "scrap", "rework"):
            if float(p.get(key, 0)) > 0:
                _value(ma, "Quantity", float(p[key]), "double", item.uom, key.capitalize())
        _prop(ma, "MaterialActualProperty", "ReasonCode", p.get("reason_code"))


def export(session: Session, company_id: int, kind: str, now: datetime | None = None) -> bytes:
    """One B2MML document: ``equipment``, ``material``, ``schedule`` or ``performance``."""
    fns = {
        "equipment": export_equipment,
        "material": export_material,
        "schedule": export_schedule,
        "performance": export_performance,
    }
    if kind not in fns:
        raise ValidationError(
            f"unknown B2MML document {kind!r}", [Problem(reason=f"one of {', '.join(KINDS)}", field="kind")]
        )
    return to_bytes(fns[kind](session, company_id, now))


# ---- reading ------------------------------------------------------------------------------------


def parse(data: bytes) -> ET.Element:
    """Parse a B2MML document; DTDs (and so entity expansion) are refused."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise ValidationError(
            "B2MML document refused", [Problem(reason="DTDs and entities are not accepted", field="document")]
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValidationError("not well-formed XML", [Problem(reason=str(exc), field="document")]) from exc
    if not root.tag.startswith(f"{{{NS}}}"):
        raise ValidationError(
            "not a B2MML document",
            [Problem(reason=f"root element must be in the namespace {NS}", field="document")],
        )
    local = root.tag.split("}", 1)[1]
    if local not in ROOTS.values():
        raise ValidationError(
            "unsupported B2MML document",
            [Problem(reason=f"root {local} is not one of {', '.join(ROOTS.values())}", field="document")],
        )
    return root


def kind_of(root: ET.Element) -> str:
    local = root.tag.split("}", 1)[1]
    return next(k for k, v in ROOTS.items() if v == local)


def _text(el: ET.Element, tag: str) -> str | None:
    c = el.find(q(tag))
    if c is None or c.text is None:
        return None
    return c.text.strip()


def _props(el: ET.Element, tag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in el.findall(q(tag)):
        pid = _text(p, "ID")
        v = p.find(q("Value"))
        if pid and v is not None:
            out[pid] = _text(v, "ValueString") or ""
    return out


def _quantities(el: ET.Element) -> dict[str, float]:
    out: dict[str, float] = {}
    for qn in el.findall(q("Quantity")):
        out[_text(qn, "Key") or ""] = float(_text(qn, "QuantityString") or 0)
    return out


def _dt(value: str | None, where: str, problems: list[Problem]) -> datetime | None:
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        problems.append(Problem(reason=f"{value!r} is not an xs:dateTime", field=where))
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass
class ImportResult:
    kind: str
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"document": self.kind, **self.counts}


# ---- import -------------------------------------------------------------------------------------

LEVEL_KIND = {
    "Site": "sites",
    "Area": "areas",
    "ProductionLine": "lines",
    "WorkCenter": "work_centers",
    "WorkUnit": "equipment",
}
PARENT_FIELD = {"areas": "site", "lines": "area", "work_centers": "line", "equipment": "work_center"}
CHILD_OF = {
    "Site": "Area",
    "Area": "ProductionLine",
    "ProductionLine": "WorkCenter",
    "WorkCenter": "WorkUnit",
}
PARENT_OF = {v: k for k, v in CHILD_OF.items()}
LEVELS = (*LEVEL_KIND, "StorageZone")


def _walk(
    el: ET.Element, parent: tuple[str, str] | None, path: str
) -> Iterator[tuple[ET.Element, str, tuple[str, str] | None, str]]:
    for child in el.findall(q("Equipment")):
        code = _text(child, "ID") or ""
        where = f"{path}Equipment[{code}]"
        level = _text(child, "EquipmentLevel") or ""
        yield child, level, parent, where
        yield from _walk(child, (level, code), where + ".")


def import_equipment(session: Session, company_id: int, root: ET.Element) -> ImportResult:
    problems: list[Problem] = []
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for el, level, parent, where in _walk(root, None, ""):
        code = _text(el, "ID")
        name = _text(el, "Description") or code
        props = _props(el, "EquipmentProperty")
        if not code:
            problems.append(Problem(reason="ID is missing", field=f"{where}.ID"))
            continue
        if level == "StorageZone":
            rows["locations"].append(
                {"code": code, "name": name, "kind": props.get("LocationKind", "storage")}
            )
            continue
        kind = LEVEL_KIND.get(level)
        if kind is None:
            problems.append(
                Problem(
                    reason=f"EquipmentLevel {level!r} is not one of {', '.join(LEVELS)}",
                    field=f"{where}.EquipmentLevel",
                )
            )
            continue
        row: dict[str, Any] = {"code": code, "name": name}
        if kind == "sites":
            if parent is not None:
                problems.append(Problem(reason="a Site must be at the top", field=f"{where}.EquipmentLevel"))
                continue
            row["timezone"] = props.get("TimeZone", "Asia/Seoul")
        else:
            if parent is None or CHILD_OF.get(parent[0]) != level:
                problems.append(
                    Problem(
                        reason=f"a {level} must sit inside a {PARENT_OF[level]}",
                        field=f"{where}.EquipmentLevel",
                    )
                )
                continue
            row[PARENT_FIELD[kind]] = parent[1]
        if kind == "equipment":
            row["manufacturer"] = props.get("Manufacturer")
            row["model"] = props.get("Model")
            row["serial_number"] = props.get("SerialNumber")
            ict = props.get("IdealCycleTime")
            try:
                row["ideal_cycle_time_s"] = float(ict) if ict else None
            except ValueError:
                problems.append(
                    Problem(
                        reason=f"IdealCycleTime {ict!r} is not a number", field=f"{where}.EquipmentProperty"
                    )
                )
                continue
        rows[kind].append(row)
    result = ImportResult("equipment")
    if problems:
        raise ValidationError(
            f"EquipmentInformation: {len(problems)} problem(s); nothing was saved", problems
        )
    for kind in ("sites", "areas", "lines", "work_centers", "equipment", "locations"):
        if rows[kind]:
            md.upsert_many(session, company_id, kind, rows[kind])
        result.counts[kind] = len(rows[kind])
    return result


def import_material(session: Session, company_id: int, root: ET.Element) -> ImportResult:
    problems: list[Problem] = []
    items: list[dict[str, Any]] = []
    for d in root.findall(q("MaterialDefinition")):
        code = _text(d, "ID") or ""
        where = f"MaterialDefinition[{code}]"
        props = _props(d, "MaterialDefinitionProperty")
        kind = _text(d, "MaterialClassID")
        if kind not in ("raw", "semi", "finished"):
            problems.append(
                Problem(
                    reason=f"MaterialClassID {kind!r} must be raw, semi or finished",
                    field=f"{where}.MaterialClassID",
                )
            )
            continue
        items.append(
            {
                "code": code,
                "name": _text(d, "Description") or code,
                "kind": kind,
                "uom": props.get("BaseUnitOfMeasure") or "EA",
                "description": props.get("Text"),
            }
        )
    events: list[dict[str, Any]] = []
    for lot in root.findall(q("MaterialLot")):
        code = _text(lot, "ID") or ""
        where = f"MaterialLot[{code}]"
        item = _text(lot, "MaterialDefinitionID")
        if not item:
            problems.append(
                Problem(reason="MaterialDefinitionID is missing", field=f"{where}.MaterialDefinitionID")
            )
            continue
        serial = _props(lot, "MaterialLotProperty").get("Serial") == "true"
        for sub in lot.findall(q("MaterialSubLot")):
            loc = _text(sub, "StorageLocation")
            qty = _quantities(sub).get("", 0.0)
            if not loc or qty <= 0:
                problems.append(
                    Problem(
                        reason="a sub-lot needs a StorageLocation and a positive Quantity",
                        field=f"{where}.MaterialSubLot",
                    )
                )
                continue
            events.append(
                {
                    "type": "inventory.received",
                    "payload": {
                        "item": item,
                        "lot": code,
                        "quantity": qty,
                        "location": loc,
                        "serial": serial,
                    },
                    "idempotency_key": f"b2mml-lot:{code}@{loc}",
                }
            )
    if problems:
        raise ValidationError(f"MaterialInformation: {len(problems)} problem(s); nothing was saved", problems)
    if items:
        md.upsert_many(session, company_id, "items", items)
    if events:
        ex.post_events(session, company_id, events, actor="b2mml", source="b2mml")
    return ImportResult("material", {"items": len(items), "lot_receipts": len(events)})


def _float(v: str | None, where: str, problems: list[Problem]) -> float:
    try:
        return float(v or "")
    except ValueError:
        problems.append(Problem(reason=f"{v!r} is not a number", field=where))
        return 0.0


def import_schedule(
    session: Session, company_id: int, root: ET.Element, actor: str = "b2mml"
) -> ImportResult:
    problems: list[Problem] = []
    tz = site_timezone(session, company_id)
    items = {i.code: i for i in list_by_code(session, Item, company_id)}
    wcs = {w.code: w.id for w in list_by_code(session, WorkCenter, company_id)}
    existing = set(session.scalars(select(WorkOrder.code).where(WorkOrder.company_id == company_id)))
    plans: list[tuple[WorkOrder, str]] = []
    skipped = 0
    for r in root.findall(q("OperationsRequest")):
        code = _text(r, "ID") or ""
        where = f"OperationsRequest[{code}]"
        if code in existing:
            skipped += 1
            continue
        end = _dt(_text(r, "EndTime"), f"{where}.EndTime", problems)
        start = _dt(_text(r, "StartTime"), f"{where}.StartTime", problems)
        state = _text(r, "RequestState") or "Forecast"
        ops: list[WorkOrderOperation] = []
        mats: list[WorkOrderMaterial] = []
        produced: tuple[str, float] | None = None
        for s in r.findall(q("SegmentRequirement")):
            sid = _text(s, "ID") or ""
            sw = f"{where}.SegmentRequirement[{sid}]"
            params = _props(s, "SegmentParameter")
            wc_code = None
            er = s.find(q("EquipmentRequirement"))
            if er is not None:
                wc_code = _text(er, "EquipmentID")
            if wc_code not in wcs:
                problems.append(
                    Problem(
                        reason=f"work center {wc_code!r} does not exist", field=f"{sw}.EquipmentRequirement"
                    )
                )
                continue
            for m in s.findall(q("MaterialRequirement")):
                mid = _text(m, "MaterialDefinitionID") or ""
                if mid not in items:
                    problems.append(
                        Problem(reason=f"material {mid!r} does not exist", field=f"{sw}.MaterialRequirement")
                    )
                    continue
                qty = _quantities(m).get("", 0.0)
                if _text(m, "MaterialUse") == "Consumed":
                    mats.append(WorkOrderMaterial(item_id=items[mid].id, quantity=qty))
                else:
                    produced = (mid, qty)
            ops.append(
                WorkOrderOperation(
                    seq=int(_float(params.get("Sequence"), f"{sw}.SegmentParameter[Sequence]", problems)),
                    name=_text(s, "ProcessSegmentID") or _text(s, "Description") or sid,
                    work_center_id=wcs[wc_code],
                    setup_time_s=_float(
                        params.get("SetupTime", "0"), f"{sw}.SegmentParameter[SetupTime]", problems
                    ),
                    cycle_time_s=_float(
                        params.get("CycleTime"), f"{sw}.SegmentParameter[CycleTime]", problems
                    ),
                    planned_quantity=produced[1] if produced else 0.0,
                )
            )
        if produced is None:
            problems.append(
                Problem(reason="no produced MaterialRequirement: what does it make?", field=where)
            )
            continue
        if end is None:
            problems.append(Problem(reason="EndTime (the due date) is missing", field=f"{where}.EndTime"))
            continue
        wo = WorkOrder(
            company_id=company_id,
            code=code,
            item_id=items[produced[0]].id,
            quantity=produced[1],
            due_date=end.astimezone(ZoneInfo(tz)).date(),
            priority=int(_float(_text(r, "Priority") or "0", f"{where}.Priority", problems)),
        )
        if start is not None:
            wo.created_at = start
        wo.operations = ops
        wo.materials = mats
        plans.append((wo, state))
    if problems:
        raise ValidationError(f"OperationsSchedule: {len(problems)} problem(s); nothing was saved", problems)
    events: list[dict[str, Any]] = []
    for wo, state in plans:
        session.add(wo)
        events.append(
            {"type": "work_order.created", "work_order": wo.code, "idempotency_key": f"wo-created:{wo.code}"}
        )
        if state == "Aborted":
            events.append({"type": "work_order.cancelled", "work_order": wo.code})
        elif state != "Forecast":
            events.append({"type": "work_order.released", "work_order": wo.code})
            if state == "Held":
                events.append({"type": "work_order.held", "work_order": wo.code})
    session.flush()
    if events:
        ex.post_events(session, company_id, events, actor=actor, source="b2mml")
    return ImportResult("schedule", {"work_orders": len(plans), "skipped_existing": skipped})


def import_performance(
    session: Session, company_id: int, root: ET.Element, actor: str = "b2mml"
) -> ImportResult:
    problems: list[Problem] = []
    codes = {
        code: wid
        for code, wid in session.execute(
            select(WorkOrder.code, WorkOrder.id).where(WorkOrder.company_id == company_id)
        )
    }
    batches: list[tuple[str, str, list[dict[str, Any]]]] = []
    for r in root.findall(q("OperationsResponse")):
        code = _text(r, "OperationsRequestID") or _text(r, "ID") or ""
        where = f"OperationsResponse[{code}]"
        if code not in codes:
            problems.append(
                Problem(
                    reason=f"work order {code!r} does not exist; import its OperationsSchedule first",
                    field=where,
                )
            )
            continue
        evs: list[dict[str, Any]] = []
        for s in r.findall(q("SegmentResponse")):
            sw = f"{where}.SegmentResponse[{_text(s, 'ID')}]"
            seq = _props(s, "SegmentData").get("Sequence")
            if seq is None or not seq.isdigit():
                problems.append(Problem(reason="SegmentData Sequence (the operation) is missing", field=sw))
                continue
            for n in s.findall(q("SegmentResponse")):
                nid = _text(n, "ID") or ""
                nw = f"{sw}.SegmentResponse[{nid}]"
                data = _props(n, "SegmentData")
                etype = data.get("EventType")
                if etype not in FLOOR:
                    problems.append(
                        Problem(reason=f"EventType {etype!r} is not one of {', '.join(FLOOR)}", field=nw)
                    )
                    continue
                at = _dt(
                    _text(n, "ActualEndTime") or _text(n, "ActualStartTime"),
                    f"{nw}.ActualStartTime",
                    problems,
                )
                if at is None:
                    problems.append(Problem(reason="ActualStartTime or ActualEndTime is needed", field=nw))
                    continue
                payload: dict[str, Any] = {"seq": int(seq)}
                ea = n.find(q("EquipmentActual"))
                if ea is not None and _text(ea, "EquipmentID"):
                    payload["equipment"] = _text(ea, "EquipmentID")
                if data.get("ReasonCode"):
                    payload["reason_code"] = data["ReasonCode"]
                if etype == "quantity.reported":
                    ma = n.find(q("MaterialActual"))
                    if ma is None:
                        problems.append(Problem(reason="a quantity report needs a MaterialActual", field=nw))
                        continue
                    qty = _quantities(ma)
                    for key in ("Good", "Scrap", "Rework"):
                        if key in qty:
                            payload[key.lower()] = qty[key]
                    reason = _props(ma, "MaterialActualProperty").get("ReasonCode")
                    if reason:
                        payload["reason_code"] = reason
                evs.append(
                    {
                        "type": etype,
                        "work_order": code,
                        "occurred_at": at,
                        "payload": payload,
                        "idempotency_key": f"b2mml:{_text(r, 'ID')}:{nid}",
                    }
                )
        batches.append((code, _text(r, "ResponseState") or "", evs))
    if problems:
        raise ValidationError(
            f"OperationsPerformance: {len(problems)} problem(s); nothing was saved", problems
        )
    posted = 0
    for code, state, evs in batches:
        wo = ex.get_work_order(session, company_id, code)
        status = ex.work_order_status(session, wo)
        if status == WOStatus.ON_HOLD and evs:
            ex.post_events(
                session,
                company_id,
                [{"type": "work_order.resumed", "work_order": code}],
                actor=actor,
                source="b2mml",
            )
        if evs:
            try:
                res = ex.post_events(session, company_id, evs, actor=actor, source="b2mml")
            except JejoError as exc:
                raise type(exc)(f"OperationsResponse[{code}]: {exc.detail}", exc.problems) from exc
            posted += sum(1 for x in res if not x.duplicate)
        status = ex.work_order_status(session, wo)
        if state == "Held" and status in (WOStatus.RELEASED, WOStatus.IN_PROGRESS):
            ex.command_work_order(session, company_id, code, "hold", actor)
        if state == "Closed" and status == WOStatus.COMPLETED:
            ex.command_work_order(session, company_id, code, "close", actor)
    return ImportResult("performance", {"work_orders": len(batches), "events": posted})


def import_document(session: Session, company_id: int, data: bytes, actor: str = "b2mml") -> ImportResult:
    """Import one B2MML document of any of the four kinds (told by its root element)."""
    root = parse(data)
    kind = kind_of(root)
    if kind == "equipment":
        return import_equipment(session, company_id, root)
    if kind == "material":
        return import_material(session, company_id, root)
    if kind == "schedule":
        return import_schedule(session, company_id, root, actor)
    return import_performance(session, company_id, root, actor)
