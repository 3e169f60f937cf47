"""Quality services: plans, inspections with sampling and verdicts, holds, NCRs and dispositions.

A failed inspection puts its lot on hold (``lot.held``) and opens a nonconformance report. A lot on hold
cannot be shipped (see :func:`jejo.sales.service.ship`). Dispositions: *use as is* releases the lot;
*rework* keeps it held until a later inspection of the lot passes; *scrap* and *return to supplier* take
its stock out (``inventory.issued``) and release the hold on what is left (nothing).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.core.errors import Conflict, NotFound, Problem, ProblemCollector, ValidationError
from jejo.core.lookup import get_by_code
from jejo.core.timeutil import utcnow
from jejo.execution import service as ex
from jejo.inventory.tables import Lot, Stock
from jejo.masterdata.tables import Item
from jejo.quality import sampling, spc
from jejo.quality.schemas import DispositionIn, InspectionIn, InspectionPlanIn, NcrIn, ResultsIn
from jejo.quality.tables import (
    Inspection,
    InspectionCharacteristic,
    InspectionMeasurement,
    InspectionPlan,
    LotHold,
    Nonconformance,
)


def _next_code(session: Session, table: Any, company_id: int, prefix: str) -> str:
    stem = f"{prefix}-{utcnow():%Y%m%d}-"
    last = session.scalar(
        select(table.code)
        .where(table.company_id == company_id, table.code.like(stem + "%"))
        .order_by(table.code.desc())
        .limit(1)
    )
    tail = last.rsplit("-", 1)[1] if last else ""
    return f"{stem}{(int(tail) + 1 if tail.isdigit() else 1):04d}"


def _post(session: Session, company_id: int, events: list[dict[str, Any]], actor: str) -> None:
    ex.post_events(session, company_id, events, actor=actor, source="quality")


# ---- plans ---------------------------------------------------------------------------------------


def save_plan(session: Session, company_id: int, body: InspectionPlanIn) -> InspectionPlan:
    """Create or replace an inspection plan (its characteristics are replaced as a whole)."""
    item = session.scalar(select(Item).where(Item.company_id == company_id, Item.code == body.item))
    pc = ProblemCollector()
    if item is None:
        pc.add(f"item {body.item!r} does not exist", field="item")
    try:
        sampling.normalise_aql(body.aql)
    except ValidationError as exc:
        pc.problems.extend(exc.problems)
    names = [c.name for c in body.characteristics]
    for i, n in enumerate(names):
        if n in names[:i]:
            pc.add(f"characteristic {n!r} appears twice", field=f"characteristics.{i}.name")
    pc.raise_if_any("inspection plan not saved")
    assert item is not None
    plan = session.scalar(
        select(InspectionPlan).where(
            InspectionPlan.company_id == company_id, InspectionPlan.code == body.code
        )
    )
    if plan is None:
        plan = InspectionPlan(company_id=company_id, code=body.code)
        session.add(plan)
    plan.item_id = item.id
    plan.stage = body.stage
    plan.operation_seq = body.operation_seq
    plan.level = body.level
    plan.aql = body.aql
    plan.severity = body.severity
    plan.characteristics = [
        InspectionCharacteristic(seq=i + 1, **c.model_dump()) for i, c in enumerate(body.characteristics)
    ]
    session.flush()
    return plan


def get_plan(session: Session, company_id: int, code: str) -> InspectionPlan:
    return get_by_code(session, InspectionPlan, company_id, code, "inspection plan")


def list_plans(session: Session, company_id: int) -> list[InspectionPlan]:
    return list(
        session.scalars(
            select(InspectionPlan)
            .where(InspectionPlan.company_id == company_id)
            .order_by(InspectionPlan.code)
        )
    )


def plan_out(p: InspectionPlan) -> dict[str, Any]:
    return {
        "code": p.code,
        "item": p.item.code,
        "stage": p.stage,
        "operation_seq": p.operation_seq,
        "level": p.level,
        "aql": p.aql,
        "severity": p.severity,
        "characteristics": [
            {"name": c.name, "nominal": c.nominal, "lower": c.lower, "upper": c.upper, "unit": c.unit}
            for c in p.characteristics
        ],
    }


# ---- inspections ---------------------------------------------------------------------------------


def open_inspection(session: Session, company_id: int, body: InspectionIn) -> Inspection:
    """Start inspecting a lot under a plan: the sampling plan is drawn from the lot size."""
    plan = get_plan(session, company_id, body.plan)
    lot = session.get(Lot, (company_id, body.lot))
    pc = ProblemCollector()
    if lot is None:
        pc.add(f"lot {body.lot!r} does not exist", field="lot")
    elif lot.item_code != plan.item.code:
        pc.add(f"lot {body.lot} is of item {lot.item_code}, the plan is for {plan.item.code}", field="lot")
    size = body.lot_size
    if size is None and lot is not None:
        on_hand = session.scalar(
            select(func.sum(Stock.quantity)).where(Stock.company_id == company_id, Stock.lot_code == body.lot)
        )
        size = math.ceil((on_hand or 0) - 1e-9)
        if size < 2:
            pc.add("the lot has less than 2 units in stock; give lot_size", field="lot_size")
    pc.raise_if_any("inspection not opened")
    assert size is not None
    sp = sampling.plan_for(size, plan.aql, plan.level, plan.severity)
    row = Inspection(
        company_id=company_id,
        code=body.code or _next_code(session, Inspection, company_id, "IQ"),
        plan_id=plan.id,
        item_code=plan.item.code,
        lot_code=body.lot,
        stage=plan.stage,
        lot_size=size,
        code_letter=sp.code_letter,
        sample_size=sp.sample_size,
        accept=sp.accept,
        reject=sp.reject,
    )
    if session.scalar(
        select(Inspection.id).where(Inspection.company_id == company_id, Inspection.code == row.code)
    ):
        raise Conflict(
            f"inspection {row.code} already exists", [Problem(reason="already exists", field="code")]
        )
    session.add(row)
    session.flush()
    return row


def get_inspection(session: Session, company_id: int, code: str) -> Inspection:
    return get_by_code(session, Inspection, company_id, code, "inspection")


def list_inspections(
    session: Session, company_id: int, *, lot: str | None = None, result: str | None = None, limit: int = 200
) -> list[Inspection]:
    stmt = select(Inspection).where(Inspection.company_id == company_id)
    if lot:
        stmt = stmt.where(Inspection.lot_code == lot)
    if result:
        stmt = stmt.where(Inspection.result == result)
    return list(
        session.scalars(stmt.order_by(Inspection.created_at.desc(), Inspection.id.desc()).limit(limit))
    )


def record_results(
    session: Session, company_id: int, code: str, body: ResultsIn, actor: str, at: datetime | None = None
) -> Inspection:
    """Enter the results (measurements judged against the plan's limits, or a count of nonconforming items)
    and decide: accepted when the nonconforming items are at most the acceptance number.

    A failed lot is put on hold and gets an NCR; a lot held for rework is released when it passes."""
    insp = get_inspection(session, company_id, code)
    if insp.result != "open":
        raise Conflict(f"inspection {code} is already {insp.result}")
    limits = {c.name: c for c in insp.plan.characteristics} if insp.plan else {}
    pc = ProblemCollector()
    bad_samples: set[int] = set()
    rows = []
    for i, m in enumerate(body.measurements):
        c = limits.get(m.characteristic)
        if c is None:
            pc.add(
                f"the plan has no characteristic {m.characteristic!r}",
                field=f"measurements.{i}.characteristic",
            )
            continue
        if m.sample_no > insp.sample_size:
            pc.add(f"the sample has {insp.sample_size} items", field=f"measurements.{i}.sample_no")
        ok = (
            m.ok
            if m.value is None
            else ((c.lower is None or m.value >= c.lower) and (c.upper is None or m.value <= c.upper))
        )
        if not ok:
            bad_samples.add(m.sample_no)
        rows.append(
            InspectionMeasurement(characteristic=c.name, sample_no=m.sample_no, value=m.value, ok=bool(ok))
        )
    pc.raise_if_any("results not recorded")
    nonconforming = max(len(bad_samples), body.nonconforming or 0)
    insp.measurements.extend(rows)
    insp.defectives = nonconforming
    insp.result = "passed" if nonconforming <= insp.accept else "failed"
    insp.inspected_at = at or utcnow()
    insp.inspector = actor
    stamp = insp.inspected_at.isoformat()
    events: list[dict[str, Any]] = [
        {
            "type": "inspection.recorded",
            "occurred_at": stamp,
            "idempotency_key": f"inspection:{insp.code}",
            "payload": {
                "inspection": insp.code,
                "lot": insp.lot_code,
                "item": insp.item_code,
                "stage": insp.stage,
                "sample_size": insp.sample_size,
                "defectives": nonconforming,
                "accept": insp.accept,
                "result": insp.result,
            },
        }
    ]
    _post(session, company_id, events, actor)
    if insp.result == "failed":
        ncr = create_ncr(
            session,
            company_id,
            NcrIn(
                lot=insp.lot_code,
                quantity=insp.lot_size,
                description=f"{insp.stage} inspection {insp.code}: {nonconforming} nonconforming "
                f"in a sample of {insp.sample_size} (accept {insp.accept})",
            ),
            actor,
            inspection=insp,
        )
        hold_lot(
            session,
            company_id,
            insp.lot_code,
            f"failed {insp.stage} inspection {insp.code}",
            actor,
            inspection=insp.code,
            ncr=ncr.code,
        )
    else:
        held = held_lots(session, company_id, {insp.lot_code})
        if insp.lot_code in held:
            release_lot(session, company_id, insp.lot_code, f"passed re-inspection {insp.code}", actor)
    session.flush()
    return insp


def inspection_out(i: Inspection, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": i.code,
        "plan": i.plan.code if i.plan else None,
        "item": i.item_code,
        "lot": i.lot_code,
        "stage": i.stage,
        "lot_size": i.lot_size,
        "code_letter": i.code_letter,
        "sample_size": i.sample_size,
        "accept": i.accept,
        "reject": i.reject,
        "nonconforming": i.defectives,
        "result": i.result,
        "inspected_at": i.inspected_at,
        "inspector": i.inspector,
    }
    if detail:
        out["measurements"] = [
            {"characteristic": m.characteristic, "sample_no": m.sample_no, "value": m.value, "ok": m.ok}
            for m in i.measurements
        ]
    return out


# ---- holds ---------------------------------------------------------------------------------------


def held_lots(session: Session, company_id: int, lots: set[str]) -> dict[str, LotHold]:
    """The active holds of those lots, by lot."""
    if not lots:
        return {}
    rows = session.scalars(
        select(LotHold).where(
            LotHold.company_id == company_id, LotHold.lot_code.in_(lots), LotHold.released_at.is_(None)
        )
    )
    return {h.lot_code: h for h in rows}


def hold_lot(
    session: Session,
    company_id: int,
    lot: str,
    reason: str,
    actor: str,
    *,
    inspection: str | None = None,
    ncr: str | None = None,
) -> LotHold:
    if session.get(Lot, (company_id, lot)) is None:
        raise NotFound(f"lot {lot} not found")
    existing = held_lots(session, company_id, {lot}).get(lot)
    if existing is not None:
        return existing
    now = utcnow()
    hold = LotHold(
        company_id=company_id,
        lot_code=lot,
        reason=reason,
        inspection_code=inspection,
        ncr_code=ncr,
        held_at=now,
    )
    session.add(hold)
    session.flush()
    payload = {"lot": lot, "reason": reason, "inspection": inspection, "ncr": ncr}
    _post(
        session,
        company_id,
        [
            {
                "type": "lot.held",
                "occurred_at": now.isoformat(),
                "idempotency_key": f"hold:{hold.id}",
                "payload": payload,
            }
        ],
        actor,
    )
    return hold


def release_lot(
    session: Session, company_id: int, lot: str, reason: str, actor: str, ncr: str | None = None
) -> LotHold:
    hold = held_lots(session, company_id, {lot}).get(lot)
    if hold is None:
        raise Conflict(f"lot {lot} is not on hold")
    now = utcnow()
    hold.released_at = now
    hold.release_reason = reason
    _post(
        session,
        company_id,
        [
            {
                "type": "lot.released",
                "occurred_at": now.isoformat(),
                "idempotency_key": f"release:{hold.id}",
                "payload": {"lot": lot, "reason": reason, "ncr": ncr},
            }
        ],
        actor,
    )
    return hold


def list_holds(session: Session, company_id: int, active: bool = True) -> list[LotHold]:
    stmt = select(LotHold).where(LotHold.company_id == company_id)
    if active:
        stmt = stmt.where(LotHold.released_at.is_(None))
    return list(session.scalars(stmt.order_by(LotHold.held_at.desc())))


def hold_out(h: LotHold) -> dict[str, Any]:
    return {
        "lot": h.lot_code,
        "reason": h.reason,
        "inspection": h.inspection_code,
        "ncr": h.ncr_code,
        "held_at": h.held_at,
        "released_at": h.released_at,
        "release_reason": h.release_reason,
    }


# ---- nonconformance ------------------------------------------------------------------------------


def create_ncr(
    session: Session, company_id: int, body: NcrIn, actor: str, inspection: Inspection | None = None
) -> Nonconformance:
    lot = session.get(Lot, (company_id, body.lot))
    if lot is None:
        raise ValidationError(
            "NCR not opened", [Problem(reason=f"lot {body.lot!r} does not exist", field="lot")]
        )
    code = body.code or _next_code(session, Nonconformance, company_id, "NCR")
    if session.scalar(
        select(Nonconformance.id).where(Nonconformance.company_id == company_id, Nonconformance.code == code)
    ):
        raise Conflict(f"NCR {code} already exists", [Problem(reason="already exists", field="code")])
    ncr = Nonconformance(
        company_id=company_id,
        code=code,
        lot_code=body.lot,
        item_code=lot.item_code,
        inspection_id=inspection.id if inspection else None,
        quantity=body.quantity,
        description=body.description,
    )
    session.add(ncr)
    session.flush()
    return ncr


def get_ncr(session: Session, company_id: int, code: str) -> Nonconformance:
    return get_by_code(session, Nonconformance, company_id, code, "NCR")


def list_ncrs(session: Session, company_id: int, status: str | None = None) -> list[Nonconformance]:
    stmt = select(Nonconformance).where(Nonconformance.company_id == company_id)
    if status:
        stmt = stmt.where(Nonconformance.status == status)
    return list(session.scalars(stmt.order_by(Nonconformance.created_at.desc(), Nonconformance.id.desc())))


def ncr_out(n: Nonconformance) -> dict[str, Any]:
    return {
        "code": n.code,
        "lot": n.lot_code,
        "item": n.item_code,
        "inspection": n.inspection.code if n.inspection else None,
        "quantity": n.quantity,
        "description": n.description,
        "disposition": n.disposition,
        "status": n.status,
        "created_at": n.created_at,
        "closed_at": n.closed_at,
    }


def disposition(
    session: Session, company_id: int, code: str, body: DispositionIn, actor: str
) -> Nonconformance:
    """Decide what happens to a nonconforming lot (see the module docstring)."""
    ncr = get_ncr(session, company_id, code)
    if ncr.status != "open":
        raise Conflict(f"NCR {code} is already {ncr.status} ({ncr.disposition})")
    now = utcnow()
    events: list[dict[str, Any]] = [
        {
            "type": "ncr.dispositioned",
            "occurred_at": now.isoformat(),
            "idempotency_key": f"ncr:{ncr.code}",
            "payload": {
                "ncr": ncr.code,
                "lot": ncr.lot_code,
                "disposition": body.disposition,
                "quantity": ncr.quantity,
            },
        }
    ]
    if body.disposition in ("scrap", "return_to_supplier"):
        stock = session.scalars(
            select(Stock).where(
                Stock.company_id == company_id, Stock.lot_code == ncr.lot_code, Stock.quantity > 1e-9
            )
        ).all()
        if body.location:
            stock = [s for s in stock if s.location_code == body.location]
        for i, s in enumerate(stock):
            events.append(
                {
                    "type": "inventory.issued",
                    "occurred_at": now.isoformat(),
                    "idempotency_key": f"ncr:{ncr.code}:out:{i}",
                    "payload": {
                        "item": s.item_code,
                        "lot": s.lot_code,
                        "quantity": s.quantity,
                        "location": s.location_code,
                    },
                }
            )
    _post(session, company_id, events, actor)
    ncr.disposition = body.disposition
    ncr.status = "closed"
    ncr.closed_at = now
    if body.disposition != "rework" and ncr.lot_code in held_lots(session, company_id, {ncr.lot_code}):
        release_lot(
            session, company_id, ncr.lot_code, f"NCR {ncr.code}: {body.disposition}", actor, ncr=ncr.code
        )
    return ncr


# ---- SPC -----------------------------------------------------------------------------------------


def measurements(
    session: Session,
    company_id: int,
    item: str,
    characteristic: str,
    *,
    limit: int = 200,
    until: datetime | None = None,
) -> list[Any]:
    """The newest ``limit`` measured values of one characteristic of an item (inspected up to ``until``),
    oldest first: rows of (value, inspection code, lot, inspected at)."""
    stmt = (
        select(InspectionMeasurement.value, Inspection.code, Inspection.lot_code, Inspection.inspected_at)
        .join(Inspection, Inspection.id == InspectionMeasurement.inspection_id)
        .where(
            Inspection.company_id == company_id,
            Inspection.item_code == item,
            InspectionMeasurement.characteristic == characteristic,
            InspectionMeasurement.value.is_not(None),
        )
    )
    if until is not None:
        stmt = stmt.where(Inspection.inspected_at <= until)
    order = (
        Inspection.inspected_at.desc(),
        InspectionMeasurement.sample_no.desc(),
        InspectionMeasurement.id.desc(),
    )
    return list(session.execute(stmt.order_by(*order).limit(limit)).all())[::-1]


def spc_series(
    session: Session, company_id: int, item: str, characteristic: str, limit: int = 200
) -> dict[str, Any]:
    """The newest measurements of one characteristic of an item, oldest first, with I-MR control limits."""
    rows = measurements(session, company_id, item, characteristic, limit=limit)
    values = [float(v) for v, *_ in rows if v is not None]
    lim = spc.imr(values)
    return {
        "item": item,
        "characteristic": characteristic,
        "points": [{"value": v, "inspection": c, "lot": lot, "at": at} for v, c, lot, at in rows],
        "limits": None
        if lim is None
        else {
            "mean": lim.mean,
            "ucl": lim.ucl,
            "lcl": lim.lcl,
            "mr_mean": lim.mr_mean,
            "mr_ucl": lim.mr_ucl,
            "out_of_control": list(lim.out_of_control),
        },
    }
