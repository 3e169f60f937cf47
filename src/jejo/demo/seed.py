"""The demo plant: a Pocheon cabinet maker with a furniture line and a CNC parts cell, its master data,
users, and a week of production history written through the event log (so every page has data)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.center.demo import seed_center
from jejo.center.demo_results import seed_results
from jejo.core.tenancy import Company
from jejo.core.timeutil import SEOUL
from jejo.demo.seed_ai import seed_ai
from jejo.demo.seed_plant import seed_plant
from jejo.execution import service as ex
from jejo.masterdata import schemas, users
from jejo.masterdata import service as md
from jejo.masterdata.calendar import korean_holiday
from jejo.planning.demo import seed_planning

COMPANY = "DEMO"
ADMIN = "admin"
PASSWORD = "jejo-demo-1234"

WORK_CENTERS = [
    # code, name, line, equipment code, equipment name
    ("WC-SAW", "재단", "L-FURN", "PC-SAW-01", "패널쏘 (Panel saw)"),
    ("WC-EDGE", "엣지 밴딩", "L-FURN", "EB-01", "엣지밴더 (Edge bander)"),
    ("WC-BORE", "CNC 보링", "L-FURN", "CNC-BORE-01", "CNC 보링기 (CNC boring)"),
    ("WC-ASM", "조립", "L-FURN", "ASM-01", "조립대 (Assembly bench)"),
    ("WC-PACK", "포장", "L-FURN", "PACK-01", "포장기 (Packing)"),
    ("WC-MC", "CNC 가공", "L-CELL", "MC-01", "머시닝센터 1호기"),
    ("WC-MC2", "CNC 가공 2", "L-CELL", "MC-02", "머시닝센터 2호기"),
    ("WC-MC3", "CNC 가공 3", "L-CELL", "MC-03", "머시닝센터 3호기"),
]

ITEMS = [
    ("PB-18-WH", "PB 18T 화이트 멜라민 (2440×1220)", "raw", "EA"),
    ("MDF-18-OAK", "MDF 18T 오크 무늬 (2440×1220)", "raw", "EA"),
    ("EDGE-WH-1", "ABS 엣지 1T 화이트", "raw", "m"),
    ("HINGE-35", "35mm 컵 경첩", "raw", "EA"),
    ("AL-6061-BAR", "알루미늄 6061 봉재", "raw", "kg"),
    ("BASE-600", "하부장 600 (Base cabinet 600)", "finished", "EA"),
    ("WALL-800", "상부장 800 (Wall cabinet 800)", "finished", "EA"),
    ("TALL-600", "키큰장 600 (Tall cabinet 600)", "finished", "EA"),
    ("BRKT-100", "알루미늄 브래킷 100", "finished", "EA"),
]

BOMS = {
    "BASE-600": [
        ("PB-18-WH", 0.62, 0.08),
        ("MDF-18-OAK", 0.18, 0.08),
        ("EDGE-WH-1", 7.4, 0.05),
        ("HINGE-35", 2, 0),
    ],
    "WALL-800": [
        ("PB-18-WH", 0.55, 0.08),
        ("MDF-18-OAK", 0.22, 0.08),
        ("EDGE-WH-1", 6.8, 0.05),
        ("HINGE-35", 4, 0),
    ],
    "TALL-600": [
        ("PB-18-WH", 1.35, 0.08),
        ("MDF-18-OAK", 0.41, 0.08),
        ("EDGE-WH-1", 14.2, 0.05),
        ("HINGE-35", 6, 0),
    ],
    "BRKT-100": [("AL-6061-BAR", 0.21, 0.03)],
}

FURNITURE_ROUTE = [
    (10, "재단", "WC-SAW", 900, 95),
    (20, "엣지 밴딩", "WC-EDGE", 600, 70),
    (30, "CNC 보링", "WC-BORE", 300, 60),
    (40, "조립", "WC-ASM", 0, 420),
    (50, "포장", "WC-PACK", 0, 120),
]
ROUTINGS = {
    "BASE-600": FURNITURE_ROUTE,
    "WALL-800": FURNITURE_ROUTE,
    "TALL-600": [(s, n, w, st, int(ct * 1.6)) for s, n, w, st, ct in FURNITURE_ROUTE],
    "BRKT-100": [
        (10, "황삭", "WC-MC", 1200, 140),
        (20, "정삭", "WC-MC2", 900, 110),
        (30, "드릴·탭", "WC-MC3", 600, 60),
    ],
}

REASONS = [
    ("DT-BREAK", "설비 고장", "downtime", False, "availability"),
    ("DT-MAT", "자재 대기", "downtime", False, "availability"),
    ("DT-SETUP", "셋업·금형 교체", "downtime", False, "availability"),
    ("DT-MINOR", "순간 정지", "downtime", False, "performance"),
    ("DT-BREAKTIME", "휴식·점심", "downtime", True, "none"),
    ("DT-PM", "계획 보전", "downtime", True, "none"),
    ("SC-CHIP", "모서리 치핑", "scrap", False, "quality"),
    ("SC-DIM", "치수 불량", "scrap", False, "quality"),
    ("SC-SCRATCH", "표면 스크래치", "scrap", False, "quality"),
    ("RW-EDGE", "엣지 들뜸 재작업", "rework", False, "quality"),
]

USERS = [
    (ADMIN, "관리자", ["admin"]),
    ("operator", "김작업", ["operator"]),
    ("supervisor", "이반장", ["supervisor"]),
    ("manager", "박공장장", ["manager"]),
    ("quality", "최품질", ["quality"]),
    ("maintenance", "정보전", ["maintenance"]),
]


@dataclass(frozen=True)
class SeedResult:
    company_id: int
    created: bool
    work_orders: int
    events: int


def seed_demo(session: Session, *, days: int = 7, seed: int = 42, today: date | None = None) -> SeedResult:
    """Create the demo company if it does not exist yet; otherwise leave everything as it is."""
    existing = session.scalar(select(Company).where(Company.code == COMPANY))
    if existing is not None:
        return SeedResult(existing.id, False, 0, 0)
    company = users.create_company(session, COMPANY, "한빛가구 주식회사 (데모)", "123-45-67890")
    cid = company.id
    for username, name, roles in USERS:
        users.create_user(session, cid, username, PASSWORD, roles, name)
    _master_data(session, cid)
    today = today or datetime.now(SEOUL).date()
    wos, events = _history(session, cid, days, random.Random(seed), today)
    seed_plant(session, cid, _working_days(today, days), today, seed)
    seed_ai(session, cid)
    seed_planning(session, cid, today)
    seed_center(session, cid, today)  # the 경기북부 center tenant (CENTER), its firms linked to this plant
    seed_results(session, cid)  # the center's results day, shared results and a plan from measured data
    return SeedResult(cid, True, wos, events)


def _master_data(s: Session, cid: int) -> None:
    md.upsert_many(s, cid, "sites", [{"code": "POCHEON", "name": "포천 본사 공장"}])
    md.upsert_many(
        s,
        cid,
        "areas",
        [
            {"code": "A-MACH", "name": "가공동", "site": "POCHEON"},
            {"code": "A-ASM", "name": "조립동", "site": "POCHEON"},
        ],
    )
    md.upsert_many(
        s,
        cid,
        "lines",
        [
            {"code": "L-FURN", "name": "가구 라인", "area": "A-ASM"},
            {"code": "L-CELL", "name": "CNC 부품 셀", "area": "A-MACH"},
        ],
    )
    md.upsert_many(
        s, cid, "work_centers", [{"code": c, "name": n, "line": ln} for c, n, ln, _, _ in WORK_CENTERS]
    )
    md.upsert_many(
        s,
        cid,
        "equipment",
        [
            {"code": e, "name": en, "work_center": c, "manufacturer": "데모"}
            for c, _, _, e, en in WORK_CENTERS
        ],
    )
    md.upsert_many(s, cid, "items", [{"code": c, "name": n, "kind": k, "uom": u} for c, n, k, u in ITEMS])
    md.upsert_many(
        s,
        cid,
        "reason_codes",
        [
            {"code": c, "name": n, "category": cat, "planned": p, "oee_loss": loss}
            for c, n, cat, p, loss in REASONS
        ],
    )
    md.upsert_many(
        s,
        cid,
        "shifts",
        [{"code": "DAY", "name": "주간", "start": "08:30", "end": "17:30", "break_minutes": 60}],
    )
    md.upsert_many(
        s,
        cid,
        "locations",
        [
            {"code": "WH-RAW", "name": "원자재 창고"},
            {"code": "WIP-LINE", "name": "라인 재공", "kind": "wip"},
            {"code": "WH-FG", "name": "완제품 창고"},
            {"code": "QC-HOLD", "name": "품질 보류", "kind": "quarantine"},
        ],
    )
    for item, lines in BOMS.items():
        md.save_bom(
            s,
            cid,
            schemas.BomIn(
                item=item,
                lines=[schemas.BomLineIn(component=c, quantity=q, scrap_factor=f) for c, q, f in lines],
            ),
        )
    for item, ops in ROUTINGS.items():
        md.save_routing(
            s,
            cid,
            schemas.RoutingIn(
                item=item,
                operations=[
                    schemas.RoutingOperationIn(
                        seq=seq, name=n, work_center=wc, setup_time_s=st, cycle_time_s=ct
                    )
                    for seq, n, wc, st, ct in ops
                ],
            ),
        )


def _working_days(today: date, days: int) -> list[date]:
    out: list[date] = []
    d = today - timedelta(days=1)
    while len(out) < days and d > today - timedelta(days=days * 3):
        if d.weekday() < 5 and korean_holiday(d) is None:
            out.append(d)
        d -= timedelta(days=1)
    return sorted(out)


def _history(s: Session, cid: int, days: int, rnd: random.Random, today: date) -> tuple[int, int]:
    """A week of orders run through the line: starts, counts with scrap, breakdowns, lots, genealogy."""
    n_events = 0
    n_wo = 0
    lot_no = 0
    recv: list[dict[str, Any]] = []
    for code, _n, kind, _u in ITEMS:
        if kind == "raw":
            lot = f"{code}-L{rnd.randint(1000, 9999)}"
            recv.append(
                {
                    "type": "inventory.received",
                    "occurred_at": _at(_working_days(today, days)[0], 7, 0),
                    "payload": {"item": code, "lot": lot, "quantity": 2000, "location": "WH-RAW"},
                    "idempotency_key": f"seed-recv-{code}",
                }
            )
    ex.post_events(s, cid, recv, actor="seed", source="demo")
    raw_lots = {e["payload"]["item"]: e["payload"]["lot"] for e in recv}
    n_events += len(recv)
    for day in _working_days(today, days):
        machine_free: dict[str, datetime] = {}
        for product, qty in (
            ("BASE-600", rnd.randint(18, 30)),
            ("WALL-800", rnd.randint(12, 22)),
            ("TALL-600", rnd.randint(4, 9)),
            ("BRKT-100", rnd.randint(80, 140)),
        ):
            n_wo += 1
            code = f"WO-{day:%y%m%d}-{product}"
            wo = ex.create_work_order(
                s,
                cid,
                ex.WorkOrderIn(
                    code=code, item=product, quantity=qty, due_date=day + timedelta(days=rnd.randint(1, 5))
                ),
                actor="seed",
            )
            ex.command_work_order(s, cid, code, "release", "seed")
            t = datetime.fromisoformat(_at(day, 8, 40)) + timedelta(minutes=rnd.randint(0, 90))
            events: list[dict[str, Any]] = []
            remaining = float(qty)
            for op in wo.operations:
                eq = next(
                    e
                    for c, _, _, e, _ in WORK_CENTERS
                    if md.get(s, cid, "work_centers", c).id == op.work_center_id
                )
                t = max(t, machine_free.get(eq, t))  # one order at a time on each machine
                events.append(
                    _ev(
                        "machine.state_changed",
                        t,
                        None,
                        {"equipment": eq, "state": "setup", "reason_code": "DT-SETUP"},
                    )
                )
                t += timedelta(seconds=op.setup_time_s)
                events.append(_ev("operation.started", t, code, {"seq": op.seq, "equipment": eq}))
                events.append(_ev("machine.state_changed", t, None, {"equipment": eq, "state": "running"}))
                if op.seq == wo.operations[0].seq:
                    for m in wo.materials:
                        item = _item_code(s, cid, m.item_id)
                        events.append(
                            _ev(
                                "material.consumed",
                                t,
                                code,
                                {
                                    "item": item,
                                    "lot": raw_lots[item],
                                    "quantity": round(m.quantity, 3),
                                    "location": "WH-RAW",
                                    "seq": op.seq,
                                },
                            )
                        )
                scrap = sum(
                    rnd.random() < (0.04 if op.seq in (10, 20) else 0.015) for _ in range(int(remaining))
                )
                good = remaining - scrap
                run = timedelta(seconds=op.cycle_time_s * remaining * rnd.uniform(1.05, 1.35))
                if rnd.random() < 0.15:  # a breakdown in the middle of the run
                    mid = t + run / 2
                    events.append(
                        _ev(
                            "machine.state_changed",
                            mid,
                            None,
                            {"equipment": eq, "state": "down", "reason_code": "DT-BREAK"},
                        )
                    )
                    repair = timedelta(minutes=rnd.randint(10, 55))
                    events.append(
                        _ev("operation.paused", mid, code, {"seq": op.seq, "reason_code": "DT-BREAK"})
                    )
                    events.append(_ev("operation.resumed", mid + repair, code, {"seq": op.seq}))
                    events.append(
                        _ev(
                            "machine.state_changed", mid + repair, None, {"equipment": eq, "state": "running"}
                        )
                    )
                    run += repair
                t += run
                payload: dict[str, Any] = {"seq": op.seq, "good": good}
                if scrap:
                    payload |= {
                        "scrap": scrap,
                        "reason_code": rnd.choice(["SC-CHIP", "SC-DIM", "SC-SCRATCH"]),
                    }
                events.append(_ev("quantity.reported", t, code, payload))
                events.append(_ev("operation.completed", t, code, {"seq": op.seq}))
                events.append(_ev("machine.state_changed", t, None, {"equipment": eq, "state": "idle"}))
                remaining = good
                machine_free[eq] = t
                t += timedelta(minutes=rnd.randint(5, 40))
            lot_no += 1
            events.append(
                _ev(
                    "lot.produced",
                    t,
                    code,
                    {
                        "item": product,
                        "lot": f"FG-{day:%y%m%d}-{lot_no:03d}",
                        "quantity": remaining,
                        "location": "WH-FG",
                    },
                )
            )
            for i, ev in enumerate(events):
                ev["idempotency_key"] = f"seed-{code}-{i}"
            ex.post_events(s, cid, events, actor="seed", source="demo")
            n_events += len(events)
            if day < today - timedelta(days=2):
                ex.command_work_order(s, cid, code, "close", "seed")
    return n_wo, n_events


def _at(day: date, hour: int, minute: int) -> str:
    return datetime.combine(day, time(hour, minute), SEOUL).astimezone(UTC).isoformat()


def _ev(type_: str, at: datetime | str, wo: str | None, payload: dict[str, Any]) -> dict[str, Any]:
    occurred = at if isinstance(at, str) else at.isoformat()
    out: dict[str, Any] = {"type": type_, "occurred_at": occurred, "payload": payload}
    if wo:
        out["work_order"] = wo
    return out


def _item_code(s: Session, cid: int, item_id: int) -> str:
    from jejo.masterdata.tables import Item

    item = s.get(Item, item_id)
    assert item is not None and item.company_id == cid
    return item.code
