"""The furniture process over the database: orders → panels → MES items/BOMs/routings/work orders →
cutting plan per material → labels → part scans (``part.scanned`` events) → the tracking board.

Every function takes a SQLAlchemy session and the caller's company id; the API, the web pages and the
CLI are thin shells over these.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import Conflict, NotFound, Problem, ValidationError
from jejo.core.timeutil import utcnow
from jejo.furniture import tracking
from jejo.furniture.cabinets import Boring, CabinetSpec, PanelPart, check_spec, explode, spec_from_dict
from jejo.furniture.cutting.job import (
    CutPlan,
    Material,
    Part,
    PlacedPart,
    SawSettings,
    Sheet,
    SheetPlan,
    plan_job,
)
from jejo.furniture.cutting.sequence import Cut, Piece
from jejo.furniture.labels import LabelData
from jejo.furniture.tables import FurnitureOrder, FurniturePart
from jejo.masterdata import schemas
from jejo.masterdata import service as md
from jejo.masterdata.tables import WorkCenter

#: default stock: 4 × 8 ft boards (2440 × 1220 mm), price per sheet (KRW) by thickness
STOCK_LENGTH, STOCK_WIDTH = 2440.0, 1220.0
PRICE_BY_THICKNESS = {3.0: 9000.0, 15.0: 32000.0, 18.0: 38000.0}
#: routing: seq, name, work center, setup s, cycle s per cabinet
ROUTING = [
    (10, "재단", tracking.SAW, 900, 95),
    (20, "엣지 밴딩", tracking.EDGE, 600, 70),
    (30, "CNC 보링", tracking.BORE, 300, 60),
    (40, "조립", tracking.ASM, 0, 420),
    (50, "포장", tracking.PACK, 0, 120),
]
EDGE_BAND_ITEM = "EDGE-BAND-1"


class LoosePartIn(BaseModel):
    """A part from a cut list (not from the cabinet library)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=100)
    material: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")
    length: float = Field(gt=0, le=6000)
    width: float = Field(gt=0, le=6000)
    thickness: float = Field(default=18.0, gt=0, le=60)
    qty: int = Field(default=1, ge=1, le=10000)
    grain: bool | None = None
    edges: list[str] = Field(default_factory=list)
    cabinet: str = ""


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-]{0,23}$")
    customer: str = Field(default="", max_length=200)
    due_date: date
    note: str = Field(default="", max_length=500)
    cabinets: list[dict[str, Any]] = Field(default_factory=list)
    parts: list[LoosePartIn] = Field(default_factory=list)


# ---- orders ----------------------------------------------------------------------------------------


def _next_code(session: Session, company_id: int) -> str:
    prefix = f"FO{utcnow():%y%m%d}"
    last = session.scalar(
        select(FurnitureOrder.code)
        .where(FurnitureOrder.company_id == company_id, FurnitureOrder.code.like(prefix + "%"))
        .order_by(FurnitureOrder.code.desc())
        .limit(1)
    )
    n = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{n:02d}"


def _specs(raw: list[dict[str, Any]]) -> list[CabinetSpec]:
    problems: list[Problem] = []
    specs: list[CabinetSpec] = []
    for i, d in enumerate(raw):
        try:
            s = spec_from_dict(d)
        except ValidationError as exc:
            problems += [
                Problem(p.reason, field=f"cabinets.{i}.{p.field or ''}".rstrip(".")) for p in exc.problems
            ]
            continue
        problems += check_spec(s, f"cabinets.{i}.")
        specs.append(s)
    if problems:
        raise ValidationError("order not created", problems)
    return specs


def _loose_parts(order: str, rows: list[LoosePartIn]) -> list[tuple[PanelPart, str]]:
    out: list[tuple[PanelPart, str]] = []
    n = 0
    for r in rows:
        bad = [e for e in r.edges if e not in ("L1", "L2", "W1", "W2")]
        if bad:
            raise ValidationError(
                "order not created", [Problem(f"unknown edge {bad[0]!r}", field="parts.edges")]
            )
        for _ in range(r.qty):
            n += 1
            cab = r.cabinet or f"{order}-X"
            out.append(
                (
                    PanelPart(
                        f"{order}-X{n:03d}",
                        cab,
                        "loose",
                        r.name,
                        r.material,
                        r.thickness,
                        r.length,
                        r.width,
                        bool(r.grain),
                        tuple(e for e in ("L1", "L2", "W1", "W2") if e in r.edges),
                    ),
                    r.cabinet or "재단목록",
                )
            )
    return out


def create_order(
    session: Session, company_id: int, body: OrderIn | dict[str, Any], actor: str
) -> FurnitureOrder:
    """Store an order with its panels; create the cabinets' items, BOMs, routings and work orders."""
    if not isinstance(body, OrderIn):
        try:
            body = OrderIn.model_validate(body)
        except PydanticError as exc:
            raise ValidationError("order not created", md.pydantic_problems(exc)) from exc
    specs = _specs(body.cabinets)
    if not specs and not body.parts:
        raise ValidationError(
            "order not created", [Problem("an order needs cabinets or parts", field="cabinets")]
        )
    code = body.code or _next_code(session, company_id)
    if session.scalar(
        select(FurnitureOrder.id).where(FurnitureOrder.company_id == company_id, FurnitureOrder.code == code)
    ):
        raise Conflict(f"furniture order {code} already exists", [Problem("already exists", field="code")])
    order = FurnitureOrder(
        company_id=company_id,
        code=code,
        customer=body.customer,
        due_date=body.due_date,
        note=body.note,
        cabinets=[_spec_dict(s) for s in specs],
    )
    rows: list[tuple[PanelPart, str, str]] = []
    n = 0
    for s in specs:
        for _ in range(s.qty):
            n += 1
            for p in explode(s, f"{code}-C{n:02d}"):
                rows.append((p, s.title() + (f" {s.label}" if s.label else ""), s.item_code()))
    rows += [(p, title, "") for p, title in _loose_parts(code, body.parts)]
    order.parts = [
        FurniturePart(
            company_id=company_id,
            seq=i,
            code=p.id,
            cabinet=p.cabinet,
            cabinet_title=title,
            item=item,
            role=p.role,
            name=p.name,
            material=p.material,
            thickness=p.thickness,
            length=p.length,
            width=p.width,
            grain=p.grain,
            edges=list(p.edges),
            borings=[_boring_dict(b) for b in p.borings],
            route=tracking.route(bool(p.edges), bool(p.borings)),
            done=[],
        )
        for i, (p, title, item) in enumerate(rows)
    ]
    taken = session.scalars(
        select(FurniturePart.code).where(
            FurniturePart.company_id == company_id, FurniturePart.code.in_([p.code for p in order.parts])
        )
    ).first()
    if taken:
        raise Conflict(f"part {taken} already exists", [Problem("part ids must be unique", field="code")])
    session.add(order)
    session.flush()
    order.work_orders = _mes(session, company_id, order, specs, actor)
    session.flush()
    return order


def _spec_dict(s: CabinetSpec) -> dict[str, Any]:
    return {k: getattr(s, k) for k in CabinetSpec.__dataclass_fields__}


def _boring_dict(b: Boring) -> dict[str, Any]:
    return {"kind": b.kind, "face": b.face, "x": b.x, "y": b.y, "diameter": b.diameter, "depth": b.depth}


def _mes(
    session: Session, company_id: int, order: FurnitureOrder, specs: list[CabinetSpec], actor: str
) -> list[str]:
    """Items (cabinet, boards, edge band), BOMs, routings and one work order per cabinet type."""
    from jejo.execution.service import WorkOrderIn, create_work_order

    if not specs:
        return []
    wcs = set(
        session.scalars(
            select(WorkCenter.code).where(
                WorkCenter.company_id == company_id, WorkCenter.code.in_([r[2] for r in ROUTING])
            )
        )
    )
    parts_by_item: dict[str, list[FurniturePart]] = defaultdict(list)
    first_cab: dict[str, str] = {}
    for p in order.parts:
        if p.item:
            first_cab.setdefault(p.item, p.cabinet)
            if p.cabinet == first_cab[p.item]:
                parts_by_item[p.item].append(p)
    materials = sorted({p.material for p in order.parts})
    md.upsert_many(
        session,
        company_id,
        "items",
        [{"code": m, "name": f"판재 {m}", "kind": "raw", "uom": "m2"} for m in materials]
        + [{"code": EDGE_BAND_ITEM, "name": "엣지밴드", "kind": "raw", "uom": "m"}]
        + [{"code": s.item_code(), "name": s.title(), "kind": "finished", "uom": "EA"} for s in specs],
    )
    counts = Counter(s.item_code() for s in specs for _ in range(s.qty))
    out: list[str] = []
    for item, qty in counts.items():
        area: dict[str, float] = defaultdict(float)
        band = 0.0
        for p in parts_by_item[item]:
            area[p.material] += p.length * p.width / 1e6
            band += sum(p.length if e.startswith("L") else p.width for e in p.edges) / 1000
        lines = [
            schemas.BomLineIn(component=m, quantity=round(a, 4), scrap_factor=0.15)
            for m, a in sorted(area.items())
        ]
        if band:
            lines.append(
                schemas.BomLineIn(component=EDGE_BAND_ITEM, quantity=round(band, 3), scrap_factor=0.05)
            )
        md.save_bom(session, company_id, schemas.BomIn(item=item, lines=lines), check_cycles=False)
        ops = [
            schemas.RoutingOperationIn(seq=seq, name=n, work_center=wc, setup_time_s=st, cycle_time_s=ct)
            for seq, n, wc, st, ct in ROUTING
            if wc in wcs
        ]
        if not ops:
            continue  # no furniture line in the master data: no work orders
        md.save_routing(session, company_id, schemas.RoutingIn(item=item, operations=ops))
        wo = create_work_order(
            session,
            company_id,
            WorkOrderIn(
                code=f"{order.code}-{len(out) + 1:02d}", item=item, quantity=qty, due_date=order.due_date
            ),
            actor,
        )
        out.append(wo.code)
    return out


def get_order(session: Session, company_id: int, code: str) -> FurnitureOrder:
    o = session.scalar(
        select(FurnitureOrder).where(FurnitureOrder.company_id == company_id, FurnitureOrder.code == code)
    )
    if o is None:
        raise NotFound(f"furniture order {code} not found")
    return o


def list_orders(session: Session, company_id: int) -> list[FurnitureOrder]:
    return list(
        session.scalars(
            select(FurnitureOrder)
            .where(FurnitureOrder.company_id == company_id)
            .order_by(FurnitureOrder.created_at.desc(), FurnitureOrder.id.desc())
        )
    )


def order_summary(o: FurnitureOrder) -> dict[str, Any]:
    done = sum(1 for p in o.parts if tracking.next_station(p.route, p.done) is None)
    return {
        "code": o.code,
        "customer": o.customer,
        "due_date": o.due_date.isoformat(),
        "note": o.note,
        "cabinets": len({p.cabinet for p in o.parts}),
        "parts": len(o.parts),
        "parts_done": done,
        "work_orders": o.work_orders,
        "planned": o.plan is not None,
        "sheets": (o.plan or {}).get("sheets"),
        "yield": (o.plan or {}).get("yield"),
    }


def part_dict(p: FurniturePart) -> dict[str, Any]:
    return {
        "id": p.code,
        "cabinet": p.cabinet,
        "cabinet_title": p.cabinet_title,
        "role": p.role,
        "name": p.name,
        "material": p.material,
        "thickness": p.thickness,
        "length": p.length,
        "width": p.width,
        "grain": p.grain,
        "edges": p.edges,
        "borings": len(p.borings),
        "route": p.route,
        "done": p.done,
        "next_station": tracking.next_station(p.route, p.done),
    }


def panel(p: FurniturePart) -> PanelPart:
    return PanelPart(
        p.code,
        p.cabinet,
        p.role,
        p.name,
        p.material,
        p.thickness,
        p.length,
        p.width,
        p.grain,
        tuple(p.edges),
        tuple(Boring(**b) for b in p.borings),
    )


# ---- cutting ---------------------------------------------------------------------------------------


def default_stock(materials: dict[str, float]) -> list[Sheet]:
    return [
        Sheet(
            f"{m}-{STOCK_LENGTH:.0f}x{STOCK_WIDTH:.0f}",
            m,
            STOCK_LENGTH,
            STOCK_WIDTH,
            PRICE_BY_THICKNESS.get(t, 2200.0 * t),
        )
        for m, t in sorted(materials.items())
    ]


def plan_order(
    session: Session,
    company_id: int,
    code: str,
    *,
    time_limit: float = 5.0,
    saw: SawSettings | None = None,
    stock: list[Sheet] | None = None,
) -> dict[str, Any]:
    """Run the optimiser for every material of the order and store the plan."""
    o = get_order(session, company_id, code)
    thick = {p.material: p.thickness for p in o.parts}
    grain = {m: any(p.grain for p in o.parts if p.material == m) for m in thick}
    mats = [Material(m, thick[m], grain[m]) for m in sorted(thick)]
    parts = [Part(p.code, p.material, p.length, p.width, 1, p.grain) for p in o.parts]
    saw = saw or SawSettings()
    plan = plan_job(parts, stock or default_stock(thick), mats, saw, time_limit=time_limit)
    rep = plan.report(saw.min_offcut)
    for s, js in zip(plan.sheets, rep["per_sheet"], strict=True):  # type: ignore[call-overload]
        js["offcuts"] = [[pc.x, pc.y, pc.w, pc.h] for pc in s.offcuts]
    rep.pop("stats", None)
    o.plan = rep
    session.flush()
    return rep


def plan_of(o: FurnitureOrder) -> CutPlan:
    """The stored plan as a :class:`CutPlan` (for diagrams)."""
    if o.plan is None:
        raise Conflict(f"order {o.code} has no cutting plan yet; plan it first")
    sheets = []
    for s in o.plan["per_sheet"]:
        sheets.append(
            SheetPlan(
                s["sheet"],
                s["material"],
                s["length"],
                s["width"],
                s["cost"],
                s["remnant"],
                s["trim"],
                [PlacedPart(**p) for p in s["parts"]],
                [
                    Cut(
                        c["stage"],
                        c["axis"],
                        round(c["at"] * 10),
                        round(c["start"] * 10),
                        round(c["end"] * 10),
                        c["trim"],
                    )
                    for c in s["cuts"]
                ],
                [Piece(*pc) for pc in s.get("offcuts", [])],
            )
        )
    return CutPlan(sheets, o.plan["kerf_mm"])


def saw_csv(o: FurnitureOrder) -> str:
    """The saw's cutting list: one row per part per sheet (sheet no, material, part, sizes, position),
    then the cut sequence; UTF-8 with BOM so Korean Excel opens it."""
    plan = plan_of(o)
    names = {p.code: p for p in o.parts}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        [
            "sheet_no",
            "stock",
            "material",
            "part_id",
            "name",
            "cabinet",
            "length",
            "width",
            "x",
            "y",
            "rotated",
            "edges",
        ]
    )
    for i, s in enumerate(plan.sheets, 1):
        for pp in s.parts:
            fp = names.get(pp.part)
            w.writerow(
                [
                    i,
                    s.sheet,
                    s.material,
                    pp.part,
                    fp.name if fp else "",
                    fp.cabinet if fp else "",
                    pp.length,
                    pp.width,
                    pp.x,
                    pp.y,
                    int(pp.rotated),
                    " ".join(fp.edges) if fp else "",
                ]
            )
    w.writerow([])
    w.writerow(["sheet_no", "cut_no", "stage", "axis", "at", "start", "end", "trim"])
    for i, s in enumerate(plan.sheets, 1):
        for k, c in enumerate(s.cuts, 1):
            w.writerow([i, k, c.stage, c.axis, c.at / 10, c.start / 10, c.end / 10, int(c.trim)])
    return "\ufeff" + buf.getvalue()


# ---- labels ----------------------------------------------------------------------------------------


def labels(session: Session, company_id: int, code: str, cabinet: str | None = None) -> list[LabelData]:
    """One label per panel, in sheet order when the order is planned (the order the saw cuts them)."""
    o = get_order(session, company_id, code)
    parts = [p for p in o.parts if cabinet is None or p.cabinet == cabinet]
    if o.plan:
        rank = {pp["part"]: i for i, pp in enumerate(x for s in o.plan["per_sheet"] for x in s["parts"])}
        parts.sort(key=lambda p: rank.get(p.code, len(rank) + p.seq))
    return [
        LabelData(
            p.code,
            o.code,
            p.cabinet,
            p.cabinet_title,
            p.name,
            p.role,
            p.length,
            p.width,
            p.thickness,
            p.material,
            tuple(p.edges),
            tracking.next_station(p.route, [*p.done, tracking.SAW]),
            p.grain,
        )
        for p in parts
    ]


# ---- tracking --------------------------------------------------------------------------------------


def scan(
    session: Session,
    company_id: int,
    part_id: str,
    station: str,
    *,
    actor: str,
    occurred_at: datetime | None = None,
    source: str = "scanner",
) -> tracking.ScanDecision:
    """A scan of a part's label at a station: accepted scans become ``part.scanned`` events; a duplicate
    or a wrong station is answered with its message and changes nothing."""
    from jejo.execution.service import NewEvent, post_events

    p = session.scalar(
        select(FurniturePart).where(FurniturePart.company_id == company_id, FurniturePart.code == part_id)
    )
    d = tracking.decide(part_id, p.route if p else None, p.done if p else [], station)
    if not d.accepted or p is None:
        return d
    post_events(
        session,
        company_id,
        [
            NewEvent(
                type="part.scanned",
                occurred_at=occurred_at,
                payload={"part_id": part_id, "station": station},
                idempotency_key=f"furn-scan:{part_id}:{station}",
            )
        ],
        actor=actor,
        source=source,
    )
    p.done = [*p.done, station]
    session.flush()
    return d


def board(session: Session, company_id: int, code: str) -> dict[str, Any]:
    """Where every part of every cabinet is and what is missing."""
    o = get_order(session, company_id, code)
    cabinets: dict[str, dict[str, Any]] = {}
    for p in o.parts:
        c = cabinets.setdefault(
            p.cabinet,
            {"cabinet": p.cabinet, "title": p.cabinet_title, "parts": [], "at": Counter(), "missing": []},
        )
        nxt = tracking.next_station(p.route, p.done)
        last = p.done[-1] if p.done else None
        c["parts"].append(
            {
                "id": p.code,
                "name": p.name,
                "last": last,
                "next": nxt,
                "done": list(p.done),
                "route": list(p.route),
            }
        )
        c["at"][last or "-"] += 1
        if nxt is not None:
            c["missing"].append({"id": p.code, "name": p.name, "next": nxt})
    out = []
    for c in cabinets.values():
        n = len(c["parts"])
        c["complete"] = not c["missing"]
        c["packed"] = n - len(c["missing"])
        c["count"] = n
        c["at"] = dict(c["at"])
        out.append(c)
    per_station = Counter(s for p in o.parts for s in p.done)
    return {
        "order": o.code,
        "customer": o.customer,
        "cabinets": out,
        "complete": all(c["complete"] for c in out),
        "parts": len(o.parts),
        "parts_done": sum(c["packed"] for c in out),
        "per_station": {s: per_station.get(s, 0) for s in tracking.STATIONS},
        "expected_per_station": {s: sum(1 for p in o.parts if s in p.route) for s in tracking.STATIONS},
    }
