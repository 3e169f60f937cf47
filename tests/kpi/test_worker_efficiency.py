"""Worker efficiency (ISO 22400: APWT / APAT) from the labour bookings and clock events of the costing
module, for the machines of the scope."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from tests.conftest import Tenant, build_plant

from jejo.core.runtime import Runtime
from jejo.costing import service as costing
from jejo.costing.schemas import BookingIn, ClockIn
from jejo.execution import service as ex
from jejo.kpi import service as kpi
from jejo.kpi import sources

KST = ZoneInfo("Asia/Seoul")


def test_worker_efficiency_from_bookings_and_attendance(tenant: Tenant, runtime: Runtime) -> None:
    """Kim clocks in 08:00 and out 17:00 KST (APAT = 9 h = 32,400 s) and books 300 + 132 minutes to the
    saw operation (APWT = 432 min = 25,920 s); Lee books 60 minutes on the edge bander, another machine.
    Worker efficiency of PC-SAW-01 on that day = 25,920 / 32,400 = 0.8. For EB-01: Lee has bookings but
    never clocked in, so there is no attendance and no figure."""
    build_plant(tenant)
    cid = tenant.company_id
    day = datetime(2026, 11, 24, tzinfo=KST)
    with runtime.transaction() as s:
        ex.create_work_order(
            s, cid, ex.WorkOrderIn(code="WO-W", item="CAB-600", quantity=10, due_date=day.date()), actor="t"
        )
        costing.clock(s, cid, ClockIn(operator="kim", at=day.replace(hour=8)), "in", "t")
        costing.clock(s, cid, ClockIn(operator="kim", at=day.replace(hour=17)), "out", "t")
        for minutes, hour in ((300, 13), (132, 16)):
            costing.book(
                s,
                cid,
                BookingIn(
                    operator="kim",
                    work_order="WO-W",
                    seq=10,
                    labour_minutes=minutes,
                    at=day.replace(hour=hour),
                ),
                "t",
            )
        costing.book(
            s,
            cid,
            BookingIn(operator="lee", work_order="WO-W", seq=20, labour_minutes=60, at=day.replace(hour=15)),
            "t",
        )
        period = sources.parse_period("2026-11-24", "2026-11-25")
        saw = kpi.oee_report(s, cid, "equipment", "PC-SAW-01", period)
        edge = kpi.oee_report(s, cid, "equipment", "EB-01", period)
    assert saw["kpi"]["iso"]["worker_efficiency"] == pytest.approx(25_920 / 32_400)
    assert edge["kpi"]["iso"]["worker_efficiency"] is None
