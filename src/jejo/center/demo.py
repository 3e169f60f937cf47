"""Demo data of the center side: a 경기북부 center tenant (``CENTER``) with its staff, firms of the
region (the demo factory among them, linked to its plant tenant so the diagnosis pre-fills from what it
measures), prior builds, a completed diagnosis, mentors, suppliers, applications at several stages with
quotes, and mentor visits. Names are invented; the setting mirrors the 2025-12 성과공유회 in 의정부."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.center import access, applications, diagnosis, firms, mentors, suppliers
from jejo.center.reference import format_business_number, with_check_digit
from jejo.center.schemas import (
    ActionIn,
    AnswerIn,
    ApplicationIn,
    BuildIn,
    CapabilityIn,
    DiagnosisIn,
    FirmIn,
    MentorIn,
    MentorVisitIn,
    QuoteIn,
    SolutionIn,
    SupplierBuildIn,
    SupplierIn,
    TransitionIn,
    VisitIn,
)
from jejo.core.tenancy import Company
from jejo.core.timeutil import SEOUL
from jejo.masterdata import users

CENTER = "CENTER"
CENTER_USERS = [
    ("center", "경기북부센터 관리자", ["center_admin"]),
    ("consultant", "김상담 책임", ["consultant"]),
    ("mentor", "박멘토 위원", ["mentor"]),
    ("firm", "한빛가구 담당자", ["firm_user"]),
]
PASSWORD = "jejo-demo-1234"


def _bn(prefix9: str) -> str:
    return format_business_number(with_check_digit(prefix9))


FIRMS = [
    # business number prefix, name, representative, 시·군, KSIC, employees, revenue, legend50, products
    (
        "123458888",
        "한빛가구 주식회사 (데모)",
        "한빛",
        "포천시",
        "32021",
        26,
        3_800_000_000,
        False,
        "주방가구, 붙박이장",
    ),
    ("127860101", "나누리가구", "나누리", "포천시", "32029", 18, 2_100_000_000, False, "사무·학교 가구"),
    ("128330202", "(주)인터원", "인원", "양주시", "25", 42, 9_500_000_000, True, "정밀 금속가공품"),
    ("141810303", "파주목공", "박목공", "파주시", "16", 11, 900_000_000, False, "목재 창호"),
    ("130170404", "동두천섬유", "최섬유", "동두천시", "13", 35, 5_200_000_000, False, "산업용 원단"),
    ("132880505", "의정부식품", "정식품", "의정부시", "10", 58, 12_400_000_000, True, "두부·콩 가공식품"),
]


def seed_center(session: Session, plant_company_id: int | None, today: date, code: str = CENTER) -> int:
    """Create the center tenant once; later calls leave it as it is. Returns its company id."""
    existing = session.scalar(select(Company).where(Company.code == code))
    if existing is not None:
        return existing.id
    company = users.create_company(session, code, "경기북부스마트제조혁신센터 (데모)", _bn("127820000"))
    cid = company.id
    for username, name, roles in CENTER_USERS:
        users.create_user(session, cid, username, PASSWORD, roles, name)
    now = datetime.combine(today, time(10, 0), SEOUL).astimezone(UTC)
    made = {}
    for prefix, name, rep, sgg, ksic, emp, rev, leg, products in FIRMS:
        body = FirmIn(
            business_number=_bn(prefix),
            name=name,
            representative=rep,
            sigungu=sgg,
            ksic_code=ksic,
            employees=emp,
            revenue_krw=rev,
            factory_registered=True,
            legend50=leg,
            main_products=products,
        )
        f = firms.create_firm(session, cid, body)
        made[name] = f
    demo = made["한빛가구 주식회사 (데모)"]
    demo.plant_company_id = plant_company_id
    firms.add_build(
        session,
        demo,
        BuildIn(
            site="포천 본사 공장",
            year=2022,
            program="스마트공장 구축 및 고도화",
            level_before=None,
            level_target="기초",
            level_achieved="기초",
            supplier="북부스마트솔루션",
        ),
    )
    nanuri = made["나누리가구"]
    firms.add_build(
        session,
        nanuri,
        BuildIn(
            site="가산면 공장",
            year=2024,
            program="경기도 가구 스마트제조공정시스템",
            level_before="기초",
            level_target="중간1",
            level_achieved="중간1",
            supplier="북부스마트솔루션",
        ),
    )
    interone = made["(주)인터원"]
    firms.add_build(
        session,
        interone,
        BuildIn(
            site="양주 공장",
            year=2023,
            program="선도형 스마트공장",
            level_before="기초",
            level_target="중간1",
            level_achieved="중간1",
        ),
    )
    firms.add_build(
        session,
        interone,
        BuildIn(
            site="양주 공장",
            year=2025,
            program="선도형 스마트공장 (2차)",
            level_before="중간1",
            level_target="중간2",
            level_achieved="중간2",
        ),
    )
    firms.add_capability(
        session,
        interone,
        CapabilityIn(
            level=3, assessed_on=date(2025, 9, 10), method="external", assessor="한국표준협회 수준확인"
        ),
    )
    # the firm user of the demo is 한빛가구's own
    access.link_firm_user(session, cid, "firm", demo.id)

    # a completed diagnosis of the demo factory, pre-filled from what its own jejo measures
    d = diagnosis.start_diagnosis(
        session, demo, DiagnosisIn(respondent="consultant"), "김상담 책임", now - timedelta(days=20)
    )
    bank = diagnosis.load_bank(d.bank_version)
    ratings = {
        "S01": 3,
        "S02": 2,
        "S03": 3,
        "P01": 2,
        "P02": 3,
        "P03": 4,
        "P04": 3,
        "P05": 4,
        "P06": 3,
        "P07": 3,
        "P08": 3,
        "P09": 3,
        "P10": 2,
        "P11": 3,
        "P12": 3,
        "Y02": 3,
        "Y03": 3,
        "Y04": 3,
        "Y08": 2,
        "K01": 3,
        "K02": 3,
        "K03": 2,
        "K04": 3,
    }
    pre = {a.item_code for a in d.answers}
    diagnosis.answer(
        session,
        d,
        [AnswerIn(item=i.code, rating=ratings.get(i.code, 3)) for i in bank.items if i.code not in pre],
    )
    diagnosis.complete(session, d, demo, now - timedelta(days=20))

    # mentors of the 제조DX멘토단
    for m in (
        MentorIn(
            code="M-PARK",
            name="박멘토 위원",
            organisation="전 대기업 가구 생산기술",
            expertise=["MES", "재단최적화", "공정개선"],
            industries=["32", "16"],
            sigungu="포천시",
            capacity=3,
            username="mentor",
        ),
        MentorIn(
            code="M-LEE",
            name="이품질 위원",
            organisation="전 자동차부품 품질담당",
            expertise=["품질", "SPC", "AI"],
            industries=["25", "29", "30"],
            sigungu="양주시",
            capacity=2,
            conflicts=[_bn("128330202")],
        ),
        MentorIn(
            code="M-CHOI",
            name="최설비 위원",
            organisation="전 전자 설비보전",
            expertise=["설비보전", "IoT", "MES"],
            industries=["26", "28", "13"],
            sigungu="의정부시",
            capacity=2,
        ),
        MentorIn(
            code="M-JUNG",
            name="정식품 위원",
            organisation="전 식품 공장장",
            expertise=["HACCP", "품질", "ERP"],
            industries=["10", "11"],
            sigungu="고양시",
            capacity=2,
        ),
    ):
        mentors.save_mentor(session, cid, m)

    # suppliers and their builds in the region
    s1 = suppliers.save_supplier(
        session,
        cid,
        SupplierIn(
            business_number=_bn("131860606"),
            name="북부스마트솔루션",
            sigungu="의정부시",
            capability_level=3,
            pool_registered=True,
            contact="031-000-0000",
        ),
    )
    suppliers.add_solution(
        session, s1, SolutionIn(name="FurniMES", category="MES", description="가구 재단·부재 추적 MES")
    )
    suppliers.add_solution(session, s1, SolutionIn(name="재단최적화 Cut", category="설계·재단"))
    suppliers.add_build(
        session,
        s1,
        SupplierBuildIn(
            firm_name="나누리가구",
            firm_business_number=_bn("127860101"),
            year=2024,
            program="경기도 가구 스마트제조공정시스템",
            level_achieved="중간1",
            summary="가구 제조공정 디지털화, 부재 바코드 추적",
        ),
    )
    suppliers.add_build(
        session,
        s1,
        SupplierBuildIn(
            firm_name="한빛가구 주식회사 (데모)",
            firm_business_number=_bn("123458888"),
            year=2022,
            program="스마트공장 구축",
            level_achieved="기초",
        ),
    )
    s2 = suppliers.save_supplier(
        session,
        cid,
        SupplierIn(
            business_number=_bn("134810707"),
            name="한강MES",
            sigungu="수원시",
            capability_level=2,
            pool_registered=True,
        ),
    )
    suppliers.add_solution(session, s2, SolutionIn(name="POP Lite", category="POP"))
    suppliers.add_build(
        session,
        s2,
        SupplierBuildIn(
            firm_name="수원정밀",
            sigungu="수원시",
            year=2023,
            program="선도형 스마트공장",
            level_achieved="중간1",
        ),
    )
    s3 = suppliers.save_supplier(
        session,
        cid,
        SupplierIn(
            business_number=_bn("135990808"),
            name="AI팩토리랩",
            sigungu="고양시",
            capability_level=3,
            pool_registered=True,
        ),
    )
    suppliers.add_solution(
        session, s3, SolutionIn(name="VisionQC", category="AI", description="비전 불량 검출")
    )
    suppliers.add_build(
        session,
        s3,
        SupplierBuildIn(
            firm_name="(주)인터원",
            firm_business_number=_bn("128330202"),
            year=2025,
            program="선도형 스마트공장 (2차)",
            level_achieved="중간2",
        ),
    )

    # pre-consulting at 한빛가구 and its application for 선도형, drafted inside the 1st-round window
    window_day = datetime(2025, 12, 15, 1, 0, tzinfo=UTC)
    applications.record_visit(
        session,
        demo,
        VisitIn(
            visited_at=window_day - timedelta(days=10),
            attendees="대표, 생산팀장",
            notes="재단→엣지 구간 부재 누락 월 12건, 판재 수율 미측정. 설비 3대 중 1대만 데이터 수집.",
            recommended_program="SF-LEAD",
            actions=[
                ActionIn(text="판재 사용량 1개월 기록", owner="생산팀장", due_on=date(2025, 12, 12)),
                ActionIn(text="공급기업 견적 2곳 받기", owner="대표", due_on=date(2025, 12, 19)),
            ],
        ),
        "김상담 책임",
    )
    app = applications.create_application(
        session,
        demo,
        ApplicationIn(
            program="SF-LEAD",
            year=2026,
            title="한빛가구 재단·엣지 공정 MES 고도화",
            site="포천 본사 공장",
            target_level="중간1",
            total_budget_krw=380_000_000,
        ),
        "김상담 책임",
        window_day,
    )
    for kind in applications.missing_documents(app):
        applications.attach_document(
            session,
            app,
            kind,
            f"{kind}.pdf",
            f"%PDF-1.4 {kind}".encode(),
            "김상담 책임",
            window_day,
            "application/pdf",
        )
    applications.transition(
        session,
        app,
        TransitionIn(to="submitted", note="1차 접수"),
        "김상담 책임",
        window_day + timedelta(days=1),
    )
    applications.transition(
        session,
        app,
        TransitionIn(to="selected", note="선정 통보"),
        "김상담 책임",
        datetime(2026, 3, 3, 1, 0, tzinfo=UTC),
    )
    suppliers.add_quote(
        session,
        app,
        QuoteIn(
            supplier_business_number=_bn("131860606"),
            amount_krw=380_000_000,
            duration_months=8,
            solutions=["FurniMES", "재단최적화 Cut"],
            scope="재단·엣지·보링 공정 부재 추적, 설비 3대 데이터 수집",
        ),
    )
    suppliers.add_quote(
        session,
        app,
        QuoteIn(
            supplier_business_number=_bn("134810707"),
            amount_krw=320_000_000,
            duration_months=10,
            solutions=["POP Lite"],
            scope="실적 집계 POP",
        ),
    )
    # 인터원 goes for 제조AI 특화; 나누리가구 for 자율형 (draft)
    app2 = applications.create_application(
        session,
        interone,
        ApplicationIn(program="MFG-AI", year=2026, title="인터원 비전 불량검출 AI", target_level="중간2"),
        "김상담 책임",
        window_day,
    )
    suppliers.add_quote(
        session,
        app2,
        QuoteIn(
            supplier_business_number=_bn("135990808"),
            amount_krw=240_000_000,
            duration_months=9,
            solutions=["VisionQC"],
        ),
    )
    applications.create_application(
        session,
        nanuri,
        ApplicationIn(
            program="AUTONOMOUS", year=2026, title="나누리가구 자율형 가구공장", target_level="중간2"
        ),
        "김상담 책임",
        window_day,
    )

    # mentors: the optimiser proposes, the consultant confirms; build guidance visits at 한빛가구
    props = mentors.propose(
        session,
        cid,
        [
            mentors.MatchRequest(demo.id, "build", ("MES", "재단최적화"), app.id),
            mentors.MatchRequest(interone.id, "planning", ("품질", "AI")),
            mentors.MatchRequest(made["의정부식품"].id, "planning", ("HACCP",)),
        ],
        now - timedelta(days=15),
    )
    for p in props:
        if p.firm_id == demo.id:
            mentors.confirm(session, p, "김상담 책임", now - timedelta(days=14))
            for n, summary in enumerate(
                ("재단 공정 현황 점검, 부재 라벨 방식 협의", "엣지 구간 바코드 스캔 위치 확정"), start=1
            ):
                mentors.record_visit(
                    session,
                    p,
                    MentorVisitIn(
                        visited_at=now - timedelta(days=14 - 5 * n), summary=summary, confirmed_by_firm=True
                    ),
                )
    session.flush()
    return cid
