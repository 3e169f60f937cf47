"""Demo data of the center's results side: the demo plant's results project with its consents, shared
with the demo center (the same intake a push over HTTP goes through), results other firms reported,
and a business plan whose KPI baselines are the demo plant's measured data."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.center import federation as fed
from jejo.center import plans, results
from jejo.center.results_tables import BusinessPlan
from jejo.center.tables import Firm
from jejo.core.ids import new_event_id
from jejo.core.tenancy import Company
from jejo.core.timeutil import SEOUL, as_utc

PLAN = "PLAN-2026-001"
PROJECT = "SF-2025-HANBIT"
#: results other firms reported on paper (typed in at the center): uph and defect rate, before → after
REPORTED = {
    "나누리가구": ("2025/경기 가구 스마트제조", ((11.0, 13.4), (3.4, 2.3))),
    "(주)인터원": ("2025/SF-LEAD", ((42.0, 49.5), (1.9, 1.2))),
    "파주목공": ("2025/SF-LEAD", ((6.0, 7.1), (4.8, 3.9))),
    "동두천섬유": ("2025/SF-LEAD", ((120.0, 131.0), (2.2, 1.9))),
}


def seed_results(session: Session, plant_company_id: int, center_code: str = "CENTER") -> None:
    """Once: needs the demo center (``jejo.center.demo``) and the plant's history; otherwise a no-op."""
    center = session.scalar(select(Company).where(Company.code == center_code))
    if center is None:
        return
    cid = center.id
    if session.scalar(
        select(BusinessPlan.id).where(BusinessPlan.company_id == cid, BusinessPlan.code == PLAN)
    ):
        return
    demo = session.scalar(
        select(Firm).where(Firm.company_id == cid, Firm.plant_company_id == plant_company_id)
    )
    if demo is None:
        return
    from jejo.execution.tables import Event

    first, last = session.execute(
        select(func.min(Event.occurred_at), func.max(Event.occurred_at)).where(
            Event.company_id == plant_company_id, Event.type == "quantity.reported"
        )
    ).one()
    if first is None or last is None:
        return
    start = datetime.combine(as_utc(first).astimezone(SEOUL).date(), time(0), SEOUL).astimezone(UTC)
    end = datetime.combine(
        as_utc(last).astimezone(SEOUL).date() + timedelta(days=1), time(0), SEOUL
    ).astimezone(UTC)
    mid = datetime.combine((start + (end - start) / 2).astimezone(SEOUL).date(), time(0), SEOUL).astimezone(
        UTC
    )

    # the plant's own instance: its project, measured, with the firm's consents
    # a link for the demo firm (its token is not kept: a real firm gets one from the center's page or API)
    link, _token = fed.issue_link(session, cid, demo.id, new_event_id().hex, "한빛가구 jejo")
    p = results.create_project(
        session,
        plant_company_id,
        code=PROJECT,
        title="2025 선도형 스마트공장 구축",
        program="SF-LEAD",
        year=2025,
        before_from=start,
        before_to=mid,
        after_from=mid,
        after_to=end,
        case_study=True,
    )
    results.measure_project(session, p)
    results.set_value(session, p, "employment", 24, 26)
    for key, consent in (
        ("uph", "public"),
        ("defect_rate", "public"),
        ("employment", "public"),
        ("lead_time", "center"),
    ):
        results.set_consent(session, p, key, consent)
    # the center takes it as it takes a push over HTTP (the demo runs both tenants in one database)
    fed.receive_push(session, link, results.payload(session, p, str(new_event_id())))

    for name, (program, ((u0, u1), (d0, d1))) in REPORTED.items():
        firm = session.scalar(select(Firm).where(Firm.company_id == cid, Firm.name == name))
        if firm is None:
            continue
        year_s, _, code = program.partition("/")
        for key, b, a in (("uph", u0, u1), ("defect_rate", d0, d1)):
            fed.enter_result(
                session,
                cid,
                firm.id,
                project=f"{code}-{year_s}",
                indicator=key,
                year=int(year_s),
                before=b,
                after=a,
                consent="public",
                program=code,
            )

    plan = plans.draft_plan(
        session,
        cid,
        demo.id,
        code=PLAN,
        program="2026/SF-LEAD",
        target_level="중간2",
        kpi_keys=["uph", "defect_rate", "lead_time"],
        baseline_from=start,
        baseline_to=end,
        created_by="김상담 책임",
    )
    plans.update_budget(
        session,
        plan,
        [
            {
                "item": "MES·POP (실적 자동 집계)",
                "category": "SW",
                "total_krw": 120_000_000,
                "government_krw": 60_000_000,
                "cash_krw": 48_000_000,
                "in_kind_krw": 12_000_000,
            },
            {
                "item": "설비 데이터 수집 (OPC UA 게이트웨이)",
                "category": "HW",
                "total_krw": 80_000_000,
                "government_krw": 40_000_000,
                "cash_krw": 40_000_000,
                "in_kind_krw": 0,
            },
        ],
    )
