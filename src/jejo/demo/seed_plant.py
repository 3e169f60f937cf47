"""The demo plant's daily modules on top of the production history (see :mod:`jejo.demo.seed`): sales
orders with shipments, a delivery and a return (수주·출하), final inspections with a failed lot on hold
(품질검사), suppliers with a purchase order, its receipt and an MRP proposal (발주·입고), standard costs
and labour bookings (원가) and maintenance plans and orders (설비보전).

Everything goes through the modules' services (and so through the event log), on the same items and the
same working days as the history, deterministic from the seed."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.timeutil import SEOUL, as_utc
from jejo.costing import service as cs
from jejo.costing.schemas import BookingIn, PriceIn, RateIn
from jejo.execution import service as ex
from jejo.execution.tables import Event
from jejo.inventory.tables import Stock
from jejo.maintenance import service as ms
from jejo.maintenance.schemas import CheckIn, CompleteIn, OrderIn, PlanIn
from jejo.masterdata.tables import WorkCenter
from jejo.purchasing import service as ps
from jejo.purchasing.schemas import (
    PurchaseLineIn,
    PurchaseOrderIn,
    ReceiptIn,
    ReceiptLineIn,
    SupplierIn,
    SupplierItemIn,
)
from jejo.quality import service as qs
from jejo.quality.schemas import CharacteristicIn, InspectionIn, InspectionPlanIn, MeasurementIn, ResultsIn
from jejo.sales import service as sv
from jejo.sales.schemas import (
    CustomerIn,
    OrderLineIn,
    PickIn,
    ReturnIn,
    ReturnLineIn,
    SalesOrderIn,
    ShipmentIn,
)

FG = "WH-FG"
DEALER = "C-GAGU"
BUILDER = "C-DAESUNG"
PANEL_SUPPLIER = "S-HANSOL"
EDGE_SUPPLIER = "S-DAEHAN"
FINAL_PLAN = "QP-BASE-600-FINAL"

# standard prices of the bought items (KRW per unit); finished items are valued by their BOM roll-up
PRICES = {"PB-18-WH": 27_500, "MDF-18-OAK": 33_800, "EDGE-WH-1": 170, "HINGE-35": 1_150, "AL-6061-BAR": 6_400}
# machine and labour rates per work center (KRW per hour); a bench has no machine rate worth the name
RATES = {
    "WC-SAW": (45_000, 28_000),
    "WC-EDGE": (38_000, 28_000),
    "WC-BORE": (52_000, 30_000),
    "WC-ASM": (3_000, 27_000),
    "WC-PACK": (8_000, 25_000),
    "WC-MC": (62_000, 32_000),
    "WC-MC2": (62_000, 32_000),
    "WC-MC3": (48_000, 30_000),
}
NO_MACHINE = {"WC-ASM"}
# what broke, per machine with a drive (the benches do not break down in the demo)
DRIVES = {
    "PC-SAW-01": "이송 벨트 미끄러짐, 벨트 장력 조정",
    "EB-01": "글루 포트 히터 단선, 히터 교체",
    "CNC-BORE-01": "드릴 헤드 클램프 불량, 클램프 조정",
    "MC-01": "스핀들 과부하 알람, 공구 교체 후 재기동",
    "MC-02": "스핀들 과부하 알람, 공구 교체 후 재기동",
    "MC-03": "절삭유 펌프 정지, 펌프 점검",
}


def seed_plant(s: Session, cid: int, days: list[date], today: date, seed: int) -> None:
    """Seed the plant modules for the history's working ``days`` (oldest first; with fewer than five
    there is not enough history to deliver from, and only the production history is seeded)."""
    if len(days) < 5:
        return
    rnd = random.Random(f"plant-{seed}")
    _costing(s, cid, days, rnd)
    _quality(s, cid, days, rnd)
    _purchasing(s, cid, days)
    _sales(s, cid, days, today)
    ps.propose(s, cid, today=today)  # the open make-to-order work orders leave a shortage: a proposal
    _maintenance(s, cid, days, today)
    _furniture(s, cid, days, today)


def _furniture(s: Session, cid: int, days: list[date], today: date) -> None:
    """A kitchen order in progress: planned, the first cabinets through the saw and the edge bander."""
    from jejo.furniture import service as fs
    from jejo.furniture import tracking

    order = fs.create_order(
        s,
        cid,
        {
            "code": "FO-DEMO-01",
            "customer": "래미안 포천 견본주택",
            "due_date": (today + timedelta(days=6)).isoformat(),
            "note": "주방 6세트 중 견본 1세트",
            "cabinets": [
                {"kind": "base", "width": 600},
                {"kind": "base", "width": 800},
                {"kind": "drawer", "width": 600},
                {"kind": "wall", "width": 600, "qty": 2},
                {"kind": "tall", "width": 600},
            ],
            "parts": [
                {"name": "걸레받이", "material": "MEL-OAK18", "length": 2400, "width": 100, "edges": ["L1"]}
            ],
        },
        actor="seed",
    )
    fs.plan_order(s, cid, order.code, time_limit=1.0)
    at = _at(days[-1], 9, 0)
    parts = sorted(order.parts, key=lambda p: p.code)
    for i, part in enumerate(parts[: len(parts) * 2 // 3]):  # two thirds cut, the first cabinets banded
        route = [st for st in part.route if st in (tracking.SAW, tracking.EDGE)]
        for j, station in enumerate(route if i < len(parts) // 3 else route[:1]):
            fs.scan(
                s, cid, part.code, station, actor="seed", occurred_at=at + timedelta(minutes=2 * i + 30 * j)
            )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A time of the plant's day (Asia/Seoul)."""
    return datetime.combine(day, time(hour, minute), SEOUL)


def _wo(day: date, item: str) -> str:
    return f"WO-{day:%y%m%d}-{item}"


# ---- costing -------------------------------------------------------------------------------------


def _costing(s: Session, cid: int, days: list[date], rnd: random.Random) -> None:
    for item, price in PRICES.items():
        cs.set_price(s, cid, PriceIn(item=item, price=price))
    for wc, (machine, labour) in RATES.items():
        cs.set_rate(s, cid, RateIn(work_center=wc, machine_rate=machine, labour_rate=labour))
    wc_code = {wc.id: wc.code for wc in _all_work_centers(s, cid)}  # operations name work centers by id
    for day in days[-2:]:
        for item in ("BASE-600", "WALL-800", "TALL-600", "BRKT-100"):
            wo = ex.get_work_order(s, cid, _wo(day, item))
            for op in wo.operations:
                planned = (op.setup_time_s + op.cycle_time_s * wo.quantity) / 60
                minutes = round(min(planned * rnd.uniform(1.02, 1.3), 24 * 60), 1)
                wc = wc_code[op.work_center_id]
                cs.book(
                    s,
                    cid,
                    BookingIn(
                        operator="operator" if wc.startswith("WC-MC") else "supervisor",
                        work_order=wo.code,
                        seq=op.seq,
                        labour_minutes=minutes,
                        machine_minutes=0.0 if wc in NO_MACHINE else minutes,
                        at=_at(day, 17, 20),
                    ),
                    actor="seed",
                )


def _all_work_centers(s: Session, cid: int) -> list[WorkCenter]:
    return list(s.scalars(select(WorkCenter).where(WorkCenter.company_id == cid)))


# ---- quality -------------------------------------------------------------------------------------


def _fg_lots(s: Session, cid: int, item: str, upto: date | None = None) -> list[tuple[str, float]]:
    """Finished lots of ``item`` in the finished-goods store with stock, oldest first (made by ``upto``)."""
    rows = s.execute(
        select(Stock.lot_code, Stock.quantity)
        .where(Stock.company_id == cid, Stock.item_code == item, Stock.location_code == FG)
        .order_by(Stock.lot_code)
    ).all()
    out = []
    for lot, qty in rows:
        made = _made_on(lot)
        if made is not None and qty > 1e-9 and (upto is None or made <= upto):
            out.append((lot, float(qty)))
    return out


def _made_on(lot: str) -> date | None:
    """The day in a produced lot's code (``FG-yymmdd-nnn``), or ``None`` for another kind of lot."""
    try:
        return datetime.strptime(lot.split("-")[1], "%y%m%d").date()
    except (IndexError, ValueError):
        return None


def _quality(s: Session, cid: int, days: list[date], rnd: random.Random) -> None:
    qs.save_plan(
        s,
        cid,
        InspectionPlanIn(
            code=FINAL_PLAN,
            item="BASE-600",
            stage="final",
            level="II",
            aql=6.5,
            characteristics=[
                CharacteristicIn(name="폭 (width)", nominal=600, lower=599, upper=601, unit="mm"),
                CharacteristicIn(name="높이 (height)", nominal=720, lower=719, upper=721, unit="mm"),
            ],
        ),
    )
    lots = _fg_lots(s, cid, "BASE-600")
    for n, (lot, _qty) in enumerate(lots):
        made = _made_on(lot) or days[-1]
        insp = qs.open_inspection(s, cid, InspectionIn(lot=lot, plan=FINAL_PLAN))
        failing = n == len(lots) - 1  # the latest lot: the panel saw's fence had drifted
        measurements = []
        for k in range(1, insp.sample_size + 1):
            width = round(min(max(rnd.gauss(600.1, 0.28), 599.3), 600.8), 2)
            if failing and k <= 3:
                width = round(601.2 + 0.2 * k, 2)
            elif n == 1 and k == 2:
                width = 601.1  # one nonconforming piece, still within the acceptance number
            height = round(min(max(rnd.gauss(720.0, 0.25), 719.4), 720.6), 2)
            measurements.append(MeasurementIn(characteristic="폭 (width)", sample_no=k, value=width))
            measurements.append(MeasurementIn(characteristic="높이 (height)", sample_no=k, value=height))
        qs.record_results(
            s, cid, insp.code, ResultsIn(measurements=measurements), "quality", at=_at(made, 17, 45)
        )


# ---- purchasing ----------------------------------------------------------------------------------


def _purchasing(s: Session, cid: int, days: list[date]) -> None:
    ps.create_supplier(
        s,
        cid,
        SupplierIn(
            code=PANEL_SUPPLIER,
            name="한솔보드 (패널 공급)",
            business_number="214-81-33201",
            lead_time_days=5,
            contact="영업부 정과장 031-540-0000",
        ),
    )
    ps.create_supplier(
        s,
        cid,
        SupplierIn(
            code=EDGE_SUPPLIER,
            name="대한엣지 (엣지밴드 공급)",
            business_number="135-86-10452",
            lead_time_days=3,
            contact="이대리 031-988-0000",
        ),
    )
    for item in ("PB-18-WH", "MDF-18-OAK"):
        ps.set_supplier_item(s, cid, PANEL_SUPPLIER, SupplierItemIn(item=item, price=PRICES[item]))
    ps.set_supplier_item(s, cid, EDGE_SUPPLIER, SupplierItemIn(item="EDGE-WH-1", price=165))
    for supplier, ordered, received, lines in (
        (PANEL_SUPPLIER, days[0], days[2], [("PB-18-WH", 300.0, 27_000), ("MDF-18-OAK", 100.0, 33_500)]),
        (EDGE_SUPPLIER, days[1], days[2], [("EDGE-WH-1", 1000.0, 165)]),
    ):
        po = ps.create_order(
            s,
            cid,
            PurchaseOrderIn(
                code=f"PO-{ordered:%Y%m%d}-{supplier[2:]}",
                supplier=supplier,
                order_date=ordered,
                due_date=received,
                lines=[PurchaseLineIn(item=i, quantity=q, unit_price=p) for i, q, p in lines],
            ),
        )
        ps.receive(
            s,
            cid,
            po.code,
            ReceiptIn(
                received_at=_at(received, 9, 30),
                lines=[
                    ReceiptLineIn(line=n + 1, lot=f"{i}-R{received:%y%m%d}", quantity=q, location="WH-RAW")
                    for n, (i, q, _p) in enumerate(lines)
                ],
            ),
            actor="seed",
        )


# ---- sales ---------------------------------------------------------------------------------------


def _picks(s: Session, cid: int, line: int, item: str, qty: float, upto: date) -> list[PickIn]:
    """Pick ``qty`` (or what there is) from the oldest lots made by ``upto``, skipping held lots."""
    lots = _fg_lots(s, cid, item, upto)
    held = qs.held_lots(s, cid, {lot for lot, _ in lots})
    out = []
    for lot, have in lots:
        if qty <= 1e-9:
            break
        if lot in held:
            continue
        take = min(have, qty)
        out.append(PickIn(line=line, lot=lot, location=FG, quantity=take))
        qty -= take
    return out


def _sales(s: Session, cid: int, days: list[date], today: date) -> None:
    later = today + timedelta(days=14)
    sv.create_customer(
        s,
        cid,
        CustomerIn(
            code=DEALER,
            name="포천가구유통 (가구 대리점)",
            business_number="127-81-55210",
            contact="김사장",
            phone="031-531-0000",
            address="경기도 포천시 소흘읍",
        ),
    )
    sv.create_customer(
        s,
        cid,
        CustomerIn(
            code=BUILDER,
            name="대성건설 주식회사 (아파트 시공)",
            business_number="201-81-77812",
            contact="현장 공무팀 박과장",
            phone="02-555-0000",
            address="의정부 민락 대성아파트 3단지 현장",
        ),
    )
    # a dealer's stock order: two deliveries (the first one partial), then a return
    dealer = sv.create_order(
        s,
        cid,
        SalesOrderIn(
            code=f"SO-{days[0]:%Y%m%d}-0001",
            customer=DEALER,
            order_date=days[0],
            customer_ref="GAGU-2611-07",
            lines=[
                OrderLineIn(
                    item="BASE-600",
                    quantity=30,
                    unit_price=185_000,
                    requested_date=days[2],
                    promised_date=days[2],
                    fulfilment="stock",
                ),
                OrderLineIn(
                    item="WALL-800",
                    quantity=16,
                    unit_price=142_000,
                    requested_date=days[2],
                    fulfilment="stock",
                ),
            ],
        ),
    )
    first = _picks(s, cid, 1, "BASE-600", 20, days[1]) + _picks(s, cid, 2, "WALL-800", 16, days[1])
    sh1 = sv.ship(
        s,
        cid,
        dealer.code,
        ShipmentIn(code=f"SH-{days[2]:%Y%m%d}-0001", shipped_at=_at(days[2], 15, 30), lines=first),
        actor="seed",
    )
    rest = 30 - sum(p.quantity for p in first if p.line == 1)
    second = _picks(s, cid, 1, "BASE-600", rest, days[2])
    if second:
        sv.ship(
            s,
            cid,
            dealer.code,
            ShipmentIn(code=f"SH-{days[3]:%Y%m%d}-0001", shipped_at=_at(days[3], 14, 0), lines=second),
            actor="seed",
        )
    back = next(sl for sl in sh1.lines if sl.order_line.line_no == 1)
    sv.receive_return(
        s,
        cid,
        dealer.code,
        ReturnIn(
            code=f"RT-{days[-1]:%Y%m%d}-0001",
            returned_at=_at(days[-1], 10, 30),
            lines=[
                ReturnLineIn(
                    line=1,
                    lot=back.lot_code,
                    location="QC-HOLD",
                    quantity=min(2.0, back.quantity),
                    reason="운송 중 모서리 파손 (corner damaged in transit)",
                )
            ],
        ),
        actor="seed",
    )
    # an apartment builder's make-to-order: tall cabinets from a week's order, the rest still to make
    tall = ex.get_work_order(s, cid, _wo(days[1], "TALL-600"))
    builder = sv.create_order(
        s,
        cid,
        SalesOrderIn(
            code=f"SO-{days[0]:%Y%m%d}-0002",
            customer=BUILDER,
            order_date=days[0],
            customer_ref="대성 민락3단지 주방가구 1차",
            note="현장 하차: 평일 09–16시, 지게차 있음",
            lines=[
                OrderLineIn(
                    item="TALL-600",
                    quantity=tall.quantity,
                    unit_price=298_000,
                    requested_date=days[3],
                    promised_date=days[3],
                ),
                OrderLineIn(item="BASE-600", quantity=120, unit_price=176_000, requested_date=later),
                OrderLineIn(item="WALL-800", quantity=80, unit_price=136_000, requested_date=later),
            ],
        ),
    )
    # the tall cabinets were made on the history's work order for this line
    tall.sales_order_line = sv.line_ref(builder, builder.lines[0])
    s.flush()
    for wo in sv.create_work_orders(s, cid, builder.code, "seed"):
        ex.command_work_order(s, cid, wo.code, "release", "seed")
    made = _fg_lots(s, cid, "TALL-600", days[1])
    lot = next((lot for lot in made if lot[0].startswith(f"FG-{days[1]:%y%m%d}-")), None)
    if lot is not None:
        sv.ship(
            s,
            cid,
            builder.code,
            ShipmentIn(
                code=f"SH-{days[3]:%Y%m%d}-0002",
                shipped_at=_at(days[3], 10, 0),
                note="1차 납품 (키큰장)",
                lines=[PickIn(line=1, lot=lot[0], location=FG, quantity=min(lot[1], tall.quantity))],
            ),
            actor="seed",
        )


# ---- maintenance ---------------------------------------------------------------------------------


def _maintenance(s: Session, cid: int, days: list[date], today: date) -> None:
    ms.save_plan(
        s,
        cid,
        PlanIn(
            code="PM-EB-01-30D",
            name="엣지밴더 월간 점검",
            equipment="EB-01",
            trigger="calendar",
            interval=30,
            duration_minutes=90,
            checklist=["글루 탱크 청소", "트리밍 나이프 점검", "벨트 장력 확인"],
        ),
    )
    ms.save_plan(
        s,
        cid,
        PlanIn(
            code="PM-SAW-1000",
            name="패널쏘 톱날 교환 (1000 컷)",
            equipment="PC-SAW-01",
            trigger="counter",
            interval=1000,
            duration_minutes=60,
            checklist=["톱날 교환", "스코어링 톱 정렬", "집진 덕트 청소"],
        ),
    )
    # the calendar plan counts from today; the saw has cut past its 1000 since the last blade change
    ms.check_plans(s, cid, CheckIn(at=_at(today, 7, 30), readings={"PC-SAW-01.total": 1085.0}), "maintenance")
    # the latest breakdown of the history, repaired
    states = s.execute(
        select(Event.occurred_at, Event.payload)
        .where(Event.company_id == cid, Event.type == "machine.state_changed")
        .order_by(Event.occurred_at)
    ).all()
    down = [(at, p) for at, p in states if p.get("reason_code") == "DT-BREAK" and p["equipment"] in DRIVES]
    if down:
        failed_at, p = down[-1]
        eq = p["equipment"]
        back = next(
            (at for at, q in states if at > failed_at and q["equipment"] == eq and q["state"] == "running"),
            failed_at + timedelta(minutes=30),
        )
        order = ms.open_order(
            s,
            cid,
            OrderIn(
                equipment=eq,
                kind="breakdown",
                description=f"{eq} 고장 정지 — {DRIVES[eq]}",
                failed_at=as_utc(failed_at),
                reported_at=as_utc(failed_at) + timedelta(minutes=3),
                checklist=["원인 확인", "조치 및 시운전"],
            ),
            "operator",
        )
        minutes = (as_utc(back) - as_utc(failed_at)).total_seconds() / 60
        ms.complete_order(
            s,
            cid,
            order.code,
            CompleteIn(labour_minutes=round(minutes + 10), checked=[0, 1], completed_at=as_utc(back)),
            "maintenance",
        )
    ms.open_order(
        s,
        cid,
        OrderIn(
            equipment="CNC-BORE-01",
            kind="request",
            description="보링 스핀들에서 이음 발생 — 점검 요청 (spindle noise, please check)",
        ),
        "operator",
    )
