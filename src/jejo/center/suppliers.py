"""Suppliers (공급기업): the registry, their solutions, the builds they did in the center's region, and
quotes attached to an application compared side by side."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.center import reference as ref
from jejo.center.applications import program_of
from jejo.center.firms import find_by_business_number
from jejo.center.schemas import QuoteIn, SolutionIn, SupplierBuildIn, SupplierIn
from jejo.center.tables import Application, CenterSupplier, Quote, SupplierBuild, SupplierSolution
from jejo.core.errors import NotFound, Problem, ValidationError

#: (firm id) → measured outcomes of that firm's build, e.g. consented before/after indicators
OutcomeLookup = Callable[[uuid.UUID], list[dict[str, Any]]]


def find_supplier(session: Session, company_id: int, business_number: str) -> CenterSupplier | None:
    return session.scalar(
        select(CenterSupplier).where(
            CenterSupplier.company_id == company_id,
            CenterSupplier.business_number == ref.normalise_business_number(business_number),
        )
    )


def get_supplier(session: Session, company_id: int, business_number: str) -> CenterSupplier:
    s = find_supplier(session, company_id, business_number)
    if s is None:
        raise NotFound(f"supplier {business_number} not found")
    return s


def save_supplier(session: Session, company_id: int, body: SupplierIn) -> CenterSupplier:
    problems = [p for p in (ref.business_number_problem(body.business_number),) if p]
    if body.sigungu and (p := ref.sigungu_problem(body.sigungu)):
        problems.append(p)
    if problems:
        raise ValidationError("supplier not saved", problems)
    s = find_supplier(session, company_id, body.business_number)
    values = body.model_dump()
    values["business_number"] = ref.normalise_business_number(body.business_number)
    if s is None:
        s = CenterSupplier(company_id=company_id, **values)
        session.add(s)
    else:
        for k, v in values.items():
            setattr(s, k, v)
    session.flush()
    return s


def list_suppliers(session: Session, company_id: int) -> list[CenterSupplier]:
    return list(
        session.scalars(
            select(CenterSupplier)
            .where(CenterSupplier.company_id == company_id)
            .order_by(CenterSupplier.name)
        )
    )


def add_solution(session: Session, s: CenterSupplier, body: SolutionIn) -> SupplierSolution:
    sol = SupplierSolution(company_id=s.company_id, **body.model_dump())
    s.solutions.append(sol)
    session.flush()
    return sol


def add_build(session: Session, s: CenterSupplier, body: SupplierBuildIn) -> SupplierBuild:
    """A build the supplier did; linked to the center's firm when its 사업자등록번호 is known here."""
    problems = []
    if body.firm_business_number and (
        p := ref.business_number_problem(body.firm_business_number, "firm_business_number")
    ):
        problems.append(p)
    if body.sigungu and (p := ref.sigungu_problem(body.sigungu)):
        problems.append(p)
    if problems:
        raise ValidationError("build not saved", problems)
    firm = (
        find_by_business_number(session, s.company_id, body.firm_business_number)
        if body.firm_business_number
        else None
    )
    b = SupplierBuild(
        company_id=s.company_id,
        firm_id=firm.id if firm else None,
        **body.model_dump(exclude={"firm_business_number"}),
    )
    if firm is not None and not b.sigungu:
        b.sigungu = firm.sigungu
    s.builds.append(b)
    session.flush()
    return b


def region_builds(s: CenterSupplier, region: list[str] | None = None) -> list[SupplierBuild]:
    """The supplier's builds in the region (경기북부 by default)."""
    area = set(region or ref.gyeonggi_north())
    return [b for b in s.builds if b.sigungu in area]


def add_quote(session: Session, app: Application, body: QuoteIn) -> Quote:
    s = find_supplier(session, app.company_id, body.supplier_business_number)
    if s is None:
        raise ValidationError(
            "quote not saved",
            [
                Problem(
                    reason="no supplier with this 사업자등록번호 in the registry",
                    field="supplier_business_number",
                )
            ],
        )
    q = Quote(
        company_id=app.company_id,
        application_id=app.id,
        supplier_id=s.id,
        amount_krw=body.amount_krw,
        duration_months=body.duration_months,
        scope=body.scope,
        solutions=body.solutions,
    )
    session.add(q)
    session.flush()
    return q


def compare_quotes(
    session: Session, app: Application, outcomes: OutcomeLookup | None = None, region: list[str] | None = None
) -> list[dict[str, Any]]:
    """The application's quotes side by side, cheapest first: amount, the government share the program
    allows (ratio and cap), duration against the program's limit, the supplier's capability level and
    Pool registration, its builds in the region with the levels they achieved and — when ``outcomes`` is
    given — the measured outcomes of those builds."""
    program = program_of(app)
    ratio = float(program.support.get("government_ratio_max", 0) or 0)
    cap = program.support.get("cap_per_round_krw") or program.support.get("cap_total_krw")
    quotes = list(session.scalars(select(Quote).where(Quote.application_id == app.id)))
    rows = []
    for q in sorted(quotes, key=lambda q: (q.amount_krw, q.supplier.name)):
        gov = int(q.amount_krw * ratio)
        if cap:
            gov = min(gov, int(cap))
        builds = region_builds(q.supplier, region)
        notes: list[dict[str, Any]] = []
        limit = program.duration_months_max
        if limit and q.duration_months and q.duration_months > limit:
            notes.append(
                {
                    "code": "duration",
                    "months": q.duration_months,
                    "max": limit,
                    "text": f"duration {q.duration_months} months exceeds {limit}",
                }
            )
        if program.requirements and not q.supplier.pool_registered:
            notes.append({"code": "pool", "text": "supplier not registered in the 공급기업 Pool"})
        rows.append(
            {
                "quote_id": str(q.id),
                "supplier": q.supplier.name,
                "supplier_business_number": ref.format_business_number(q.supplier.business_number),
                "amount_krw": q.amount_krw,
                "government_krw": gov,
                "company_krw": q.amount_krw - gov,
                "duration_months": q.duration_months,
                "solutions": q.solutions,
                "scope": q.scope,
                "capability_level": q.supplier.capability_level,
                "pool_registered": q.supplier.pool_registered,
                "region_builds": len(builds),
                "region_levels": [b.level_achieved for b in builds if b.level_achieved],
                "outcomes": [o for b in builds if b.firm_id and outcomes for o in outcomes(b.firm_id)],
                "notes": notes,
            }
        )
    return rows


def supplier_out(s: CenterSupplier, region: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": str(s.id),
        "business_number": ref.format_business_number(s.business_number),
        "name": s.name,
        "sigungu": s.sigungu,
        "capability_level": s.capability_level,
        "pool_registered": s.pool_registered,
        "contact": s.contact,
        "solutions": [
            {"name": x.name, "category": x.category, "description": x.description} for x in s.solutions
        ],
        "builds": [
            {
                "firm_name": b.firm_name,
                "firm_id": str(b.firm_id) if b.firm_id else None,
                "sigungu": b.sigungu,
                "year": b.year,
                "program": b.program,
                "level_achieved": b.level_achieved,
                "summary": b.summary,
            }
            for b in s.builds
        ],
        "region_builds": len(region_builds(s, region)),
    }
