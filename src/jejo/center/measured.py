"""What jejo measures in a firm's own plant tenant, as evidence for the level diagnosis.

Each probe looks at the records the plant's jejo keeps (events, machine data, genealogy, KPIs,
inspections, maintenance, shipments, costs) over the last 90 days and proposes a rating on the item's
1–5 anchors, with the figures it saw and a link to where they live. Probes propose; the person answering
confirms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from jejo.costing.tables import LabourBooking
from jejo.execution.tables import Event, GenealogyLink, MachineState, OperationState, PartState
from jejo.kpi.tables import KpiHourly
from jejo.maintenance.tables import MaintenanceOrder, MaintenancePlan
from jejo.masterdata.tables import Equipment
from jejo.quality.tables import Inspection, Nonconformance
from jejo.sales.tables import SalesOrder, Shipment
from jejo.telemetry.tables import Downtime, TsTag

LOOKBACK = timedelta(days=90)


@dataclass
class Measure:
    """A proposed rating (None: nothing measured, leave it to the person) and the evidence behind it."""

    rating: int | None
    evidence: list[dict[str, Any]] = field(default_factory=list)


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(stmt) or 0)


def _ev(label: str, value: Any, href: str) -> dict[str, Any]:
    return {"label": label, "value": value, "href": href}


def production_results(session: Session, cid: int, at: datetime) -> Measure:
    since = at - LOOKBACK
    n = _count(
        session,
        select(func.count()).select_from(Event).where(Event.company_id == cid, Event.occurred_at >= since),
    )
    sources = _count(
        session,
        select(func.count(distinct(Event.source))).where(Event.company_id == cid, Event.occurred_at >= since),
    )
    if n == 0:
        return Measure(None)
    ev = [_ev("production events (90 days)", n, "/work-orders"), _ev("reporting sources", sources, "/board")]
    return Measure(4, ev)


def genealogy(session: Session, cid: int, at: datetime) -> Measure:
    links = _count(
        session, select(func.count()).select_from(GenealogyLink).where(GenealogyLink.company_id == cid)
    )
    parts = _count(session, select(func.count()).select_from(PartState).where(PartState.company_id == cid))
    if links == 0 and parts == 0:
        return Measure(None)
    ev = [
        _ev("lot genealogy links", links, "/work-orders"),
        _ev("parts tracked by scan", parts, "/furniture"),
    ]
    return Measure(5 if links and parts else 4, ev)


def quality_data(session: Session, cid: int, at: datetime) -> Measure:
    insp = _count(session, select(func.count()).select_from(Inspection).where(Inspection.company_id == cid))
    ncr = _count(
        session, select(func.count()).select_from(Nonconformance).where(Nonconformance.company_id == cid)
    )
    if insp == 0 and ncr == 0:
        return Measure(None)
    ev = [_ev("inspections recorded", insp, "/quality"), _ev("nonconformances", ncr, "/quality")]
    return Measure(4 if insp and ncr else 3, ev)


def integration(session: Session, cid: int, at: datetime) -> Measure:
    orders = _count(session, select(func.count()).select_from(SalesOrder).where(SalesOrder.company_id == cid))
    ships = _count(session, select(func.count()).select_from(Shipment).where(Shipment.company_id == cid))
    costs = _count(
        session, select(func.count()).select_from(LabourBooking).where(LabourBooking.company_id == cid)
    )
    linked = sum(1 for x in (orders, ships, costs) if x)
    if linked == 0:
        return Measure(None)
    ev = [
        _ev("sales orders", orders, "/sales/orders"),
        _ev("shipments", ships, "/sales/orders"),
        _ev("labour bookings (costing)", costs, "/work-orders"),
    ]
    return Measure({1: 3, 2: 3, 3: 4}[linked], ev)


def maintenance(session: Session, cid: int, at: datetime) -> Measure:
    plans = list(session.scalars(select(MaintenancePlan.trigger).where(MaintenancePlan.company_id == cid)))
    orders = _count(
        session, select(func.count()).select_from(MaintenanceOrder).where(MaintenanceOrder.company_id == cid)
    )
    if not plans and not orders:
        return Measure(None)
    data_driven = sum(1 for t in plans if t in ("hours", "counter"))
    ev = [
        _ev("preventive plans", len(plans), "/maintenance/orders"),
        _ev("plans on running hours or counters", data_driven, "/maintenance/orders"),
        _ev("maintenance orders", orders, "/maintenance/orders"),
    ]
    return Measure(4 if data_driven else 3, ev)


def machine_data(session: Session, cid: int, at: datetime) -> Measure:
    machines = set(session.scalars(select(Equipment.code).where(Equipment.company_id == cid)))
    tags = list(session.execute(select(TsTag.code, TsTag.equipment_code).where(TsTag.company_id == cid)))
    # a tag belongs to a machine by its description, or by the ``<machine>.<signal>`` naming convention
    connected = {eq for _code, eq in tags if eq in machines} | {
        code.split(".", 1)[0] for code, _eq in tags if code.split(".", 1)[0] in machines
    }
    if not machines or not connected:
        return Measure(None)
    share = len(connected) / len(machines)
    rating = 2 if share < 1 / 3 + 1e-9 else 3 if share < 2 / 3 else 4
    ev = [
        _ev("machines with data collected automatically", f"{len(connected)} / {len(machines)}", "/board"),
        _ev("tags", len(tags), "/board"),
    ]
    return Measure(rating, ev)


def machine_states(session: Session, cid: int, at: datetime) -> Measure:
    states = _count(
        session, select(func.count()).select_from(MachineState).where(MachineState.company_id == cid)
    )
    downs = _count(session, select(func.count()).select_from(Downtime).where(Downtime.company_id == cid))
    if states == 0 and downs == 0:
        return Measure(None)
    ev = [_ev("machines with derived state", states, "/board"), _ev("downtimes recorded", downs, "/board")]
    return Measure(4, ev)


def oee(session: Session, cid: int, at: datetime) -> Measure:
    since = at - LOOKBACK
    hours = _count(
        session,
        select(func.count())
        .select_from(KpiHourly)
        .where(KpiHourly.company_id == cid, KpiHourly.hour >= since),
    )
    if hours == 0:
        return Measure(None)
    return Measure(4, [_ev("machine-hours with OEE (90 days)", hours, "/")])


def defect_rate(session: Session, cid: int, at: datetime) -> Measure:
    ops = list(
        session.scalars(
            select(OperationState.scrap_by_reason).where(
                OperationState.company_id == cid, OperationState.scrap > 0
            )
        )
    )
    scrap_hours = _count(
        session,
        select(func.count()).select_from(KpiHourly).where(KpiHourly.company_id == cid, KpiHourly.scrap > 0),
    )
    if not ops and not scrap_hours:
        return Measure(None)
    by_reason = sum(1 for r in ops if r)
    ev = [
        _ev("operations with scrap recorded", len(ops), "/work-orders"),
        _ev("of which by reason", by_reason, "/quality"),
    ]
    return Measure(4 if by_reason else 3, ev)


def cost(session: Session, cid: int, at: datetime) -> Measure:
    n = _count(
        session, select(func.count()).select_from(LabourBooking).where(LabourBooking.company_id == cid)
    )
    if n == 0:
        return Measure(None)
    return Measure(4, [_ev("labour bookings for actual cost", n, "/work-orders")])


def delivery(session: Session, cid: int, at: datetime) -> Measure:
    n = _count(session, select(func.count()).select_from(Shipment).where(Shipment.company_id == cid))
    if n == 0:
        return Measure(None)
    return Measure(4, [_ev("shipments against sales orders", n, "/sales/orders")])


PROBES = {
    "production_results": production_results,
    "genealogy": genealogy,
    "quality_data": quality_data,
    "integration": integration,
    "maintenance": maintenance,
    "machine_data": machine_data,
    "machine_states": machine_states,
    "oee": oee,
    "defect_rate": defect_rate,
    "cost": cost,
    "delivery": delivery,
}


def measure(session: Session, plant_company_id: int, probe: str, at: datetime) -> Measure:
    return PROBES[probe](session, plant_company_id, at)
