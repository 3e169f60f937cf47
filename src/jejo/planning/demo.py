"""Planning data of the demo plant: alternative machines in the CNC cell, a few more released work
orders for the coming days, and a first production plan of everything open."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from jejo.execution import service as ex
from jejo.planning import service as ps

# (machine, the other work center it can run, speed against the standard rate)
CAPABILITIES = [("MC-02", "WC-MC", 0.8), ("MC-01", "WC-MC2", 0.9), ("MC-03", "WC-MC2", 0.7)]
# (item, quantity, due in working days, priority)
ORDERS = [
    ("BRKT-100", 120, 1, 1),
    ("BASE-600", 24, 2, 0),
    ("WALL-800", 16, 2, 0),
    ("BRKT-100", 90, 3, 0),
    ("TALL-600", 8, 3, 2),
    ("BASE-600", 30, 4, 0),
]


def _working_day(today: date, n: int) -> date:
    from jejo.masterdata.calendar import korean_holiday

    d = today
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5 and korean_holiday(d) is None:
            n -= 1
    return d


def seed_planning(session: Session, company_id: int, today: date, time_limit: float = 3.0) -> None:
    for eq, wc, speed in CAPABILITIES:
        ps.add_capability(session, company_id, eq, wc, speed)
    for i, (item, qty, days, priority) in enumerate(ORDERS, start=1):
        code = f"WO-{today:%y%m%d}-P{i:02d}"
        ex.create_work_order(
            session,
            company_id,
            ex.WorkOrderIn(
                code=code, item=item, quantity=qty, due_date=_working_day(today, days), priority=priority
            ),
            actor="seed",
        )
        ex.command_work_order(session, company_id, code, "release", "seed")
    ps.create_plan(
        session, company_id, "seed", name="주간 생산계획", time_limit=time_limit, frozen_minutes=120
    )
