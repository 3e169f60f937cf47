"""Quality: inspection plans, inspections with sampling, holds, NCRs and dispositions, SPC series."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from jejo.api.deps import DB, Caller, require
from jejo.quality import sampling
from jejo.quality import service as qs
from jejo.quality.schemas import DispositionIn, HoldIn, InspectionIn, InspectionPlanIn, NcrIn, ResultsIn

router = APIRouter(tags=["quality"])
WRITE = [require("events:write")]


@router.get("/quality/sampling-plan")
def sampling_plan(
    caller: Caller, lot_size: int = Query(500, ge=2), aql: float = Query(1.0, gt=0), level: str = Query("II")
) -> dict[str, Any]:
    """ISO 2859-1 single sampling, normal inspection: sample size and acceptance numbers for a lot
    (the defaults: 500 units, AQL 1.0, level II)."""
    p = sampling.plan_for(lot_size, aql, level)
    return {
        "lot_size": p.lot_size,
        "level": p.level,
        "aql": p.aql,
        "code_letter": p.code_letter,
        "plan_letter": p.plan_letter,
        "sample_size": p.sample_size,
        "accept": p.accept,
        "reject": p.reject,
    }


@router.get("/quality/plans")
def list_plans(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return [qs.plan_out(p) for p in qs.list_plans(session, caller.company_id)]


@router.put("/quality/plans", dependencies=[require("masterdata:write")])
def save_plan(body: InspectionPlanIn, caller: Caller, session: DB) -> dict[str, Any]:
    return qs.plan_out(qs.save_plan(session, caller.company_id, body))


@router.get("/quality/plans/{code}")
def get_plan(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return qs.plan_out(qs.get_plan(session, caller.company_id, code))


@router.get("/quality/inspections")
def list_inspections(
    caller: Caller, session: DB, lot: str | None = None, result: str | None = None
) -> list[dict[str, Any]]:
    return [
        qs.inspection_out(i) for i in qs.list_inspections(session, caller.company_id, lot=lot, result=result)
    ]


@router.post("/quality/inspections", status_code=201, dependencies=WRITE)
def open_inspection(body: InspectionIn, caller: Caller, session: DB) -> dict[str, Any]:
    return qs.inspection_out(qs.open_inspection(session, caller.company_id, body), detail=True)


@router.get("/quality/inspections/{code}")
def get_inspection(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return qs.inspection_out(qs.get_inspection(session, caller.company_id, code), detail=True)


@router.post("/quality/inspections/{code}/results", dependencies=WRITE)
def record_results(code: str, body: ResultsIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Results from the terminal or a gauge; a failed lot is held and gets an NCR."""
    return qs.inspection_out(
        qs.record_results(session, caller.company_id, code, body, caller.name), detail=True
    )


@router.get("/quality/holds")
def list_holds(caller: Caller, session: DB, active: bool = True) -> list[dict[str, Any]]:
    return [qs.hold_out(h) for h in qs.list_holds(session, caller.company_id, active)]


@router.post("/quality/lots/{code}/hold", dependencies=WRITE)
def hold(code: str, body: HoldIn, caller: Caller, session: DB) -> dict[str, Any]:
    return qs.hold_out(qs.hold_lot(session, caller.company_id, code, body.reason, caller.name))


@router.post("/quality/lots/{code}/release", dependencies=WRITE)
def release(code: str, body: HoldIn, caller: Caller, session: DB) -> dict[str, Any]:
    return qs.hold_out(qs.release_lot(session, caller.company_id, code, body.reason, caller.name))


@router.get("/quality/ncrs")
def list_ncrs(caller: Caller, session: DB, status: str | None = None) -> list[dict[str, Any]]:
    return [qs.ncr_out(n) for n in qs.list_ncrs(session, caller.company_id, status)]


@router.post("/quality/ncrs", status_code=201, dependencies=WRITE)
def create_ncr(body: NcrIn, caller: Caller, session: DB) -> dict[str, Any]:
    return qs.ncr_out(qs.create_ncr(session, caller.company_id, body, caller.name))


@router.get("/quality/ncrs/{code}")
def get_ncr(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return qs.ncr_out(qs.get_ncr(session, caller.company_id, code))


@router.post("/quality/ncrs/{code}/disposition", dependencies=WRITE)
def disposition(code: str, body: DispositionIn, caller: Caller, session: DB) -> dict[str, Any]:
    """scrap | rework | use_as_is | return_to_supplier."""
    return qs.ncr_out(qs.disposition(session, caller.company_id, code, body, caller.name))


@router.get("/quality/spc")
def spc(
    caller: Caller, session: DB, item: str = Query(""), characteristic: str = Query("")
) -> dict[str, Any]:
    """Measurements of one characteristic of an item with I-MR control limits."""
    return qs.spc_series(session, caller.company_id, item, characteristic)


@router.get("/quality/lots/{code}/certificate", response_class=Response)
def certificate(
    code: str,
    caller: Caller,
    session: DB,
    customer: str | None = None,
    format: str = Query("pdf", pattern="^(pdf|html)$"),
) -> Response:
    """Certificate of analysis (시험성적서) of a lot from its latest passed inspection, PDF or HTML."""
    from jejo.core.tenancy import Company
    from jejo.quality.documents import certificate_html, certificate_pdf

    company = session.get(Company, caller.company_id)
    assert company is not None
    if format == "html":
        html = certificate_html(session, caller.company_id, code, company.name, customer)
        return Response(html, media_type="text/html; charset=utf-8")
    pdf = certificate_pdf(session, caller.company_id, code, company.name, customer)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="CoA-{code}.pdf"'},
    )
