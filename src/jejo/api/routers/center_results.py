"""Center: business plans from measured data, federation (results pushed by firms' instances), results
with consent, usage records, and the results-sharing day (aggregates, booklet PDF, workbook).

On a firm's own instance: results projects, their measured / typed-in indicators, the consent per
indicator and the push to the center (``/results/...``).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jejo.api.deps import DB, Caller, require, runtime
from jejo.center import federation as fed
from jejo.center import plan_export, plans, results, resultsday
from jejo.core.errors import Forbidden, NotFound, Unauthorized
from jejo.core.tenancy import Company
from jejo.masterdata.users import Principal

router = APIRouter(tags=["center results"])
READ = [require("center:read")]
WRITE = [require("center:write")]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _saved(session: Any, out: Any) -> Any:
    """Commit before answering: the request's session otherwise commits only after the response has
    gone, and a client that writes and then reads at once (a firm's push, then the center's screen)
    must see its write."""
    session.commit()
    return out


def _scope(session: Any, caller: Principal) -> set[uuid.UUID] | None:
    return plans.firm_scope(session, caller)


def _check_firm(session: Any, caller: Principal, firm_id: uuid.UUID) -> None:
    scope = _scope(session, caller)
    if scope is not None and firm_id not in scope:
        raise NotFound("not found")  # another firm's record looks like a missing one


# ---- business plans ---------------------------------------------------------------------------------


class PlanIn(In):
    firm: str = Field(description="Firm id or 사업자등록번호")
    code: str = Field(max_length=64)
    title: str | None = Field(None, max_length=300)
    program: str = Field("", max_length=64)
    target_level: str = "중간1"
    kpis: list[str] = Field(default_factory=lambda: list(plans.DEFAULT_KPIS), max_length=8)
    processes: list[str] = Field(default_factory=lambda: list(plans.DEFAULT_PROCESSES), max_length=30)
    baseline_from: AwareDatetime | None = Field(None, description="Measure on this instance from ...")
    baseline_to: AwareDatetime | None = Field(None, description="... to (the firm's plant runs here)")


class SectionIn(In):
    text: str = Field(max_length=20_000)


class RowsIn(In):
    rows: list[dict[str, Any]] = Field(max_length=200)


@router.post("/center/plans", status_code=201, dependencies=WRITE)
def draft_plan(body: PlanIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Draft a plan: KPI baselines from the firm's shared measurements, with their evidence."""
    p = plans.draft_plan(
        session,
        caller.company_id,
        body.firm,
        code=body.code,
        title=body.title,
        program=body.program,
        target_level=body.target_level,
        kpi_keys=body.kpis,
        processes=body.processes,
        baseline_from=body.baseline_from,
        baseline_to=body.baseline_to,
        created_by=caller.name,
    )
    return _saved(session, plans.plan_out(session, p))


@router.get("/center/plans", dependencies=READ)
def list_plans(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return [
        plans.plan_out(session, p)
        for p in plans.list_plans(session, caller.company_id, _scope(session, caller))
    ]


def _plan(session: Any, caller: Principal, code: str) -> Any:
    p = plans.get_plan(session, caller.company_id, code)
    _check_firm(session, caller, p.firm_id)
    return p


@router.get("/center/plans/{code}", dependencies=READ)
def get_plan(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return plans.plan_out(session, _plan(session, caller, code))


@router.put("/center/plans/{code}/sections/{key}", dependencies=WRITE)
def put_section(code: str, key: str, body: SectionIn, caller: Caller, session: DB) -> dict[str, Any]:
    p = plans.update_section(_plan(session, caller, code), key, body.text)
    return _saved(session, plans.plan_out(session, p))


@router.put("/center/plans/{code}/budget", dependencies=WRITE)
def put_budget(code: str, body: RowsIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Budget lines {item, category, total_krw, government_krw, cash_krw, in_kind_krw}; the shares must
    add up per line and keep to the program's ratio and cap (422 names the field and row)."""
    return _saved(
        session,
        plans.plan_out(session, plans.update_budget(session, _plan(session, caller, code), body.rows)),
    )


@router.put("/center/plans/{code}/schedule", dependencies=WRITE)
def put_schedule(code: str, body: RowsIn, caller: Caller, session: DB) -> dict[str, Any]:
    return _saved(
        session,
        plans.plan_out(session, plans.update_schedule(session, _plan(session, caller, code), body.rows)),
    )


@router.put("/center/plans/{code}/scope", dependencies=WRITE)
def put_scope(code: str, body: RowsIn, caller: Caller, session: DB) -> dict[str, Any]:
    return _saved(
        session, plans.plan_out(session, plans.update_scope(_plan(session, caller, code), body.rows))
    )


@router.put("/center/plans/{code}/kpis", dependencies=WRITE)
def put_kpis(code: str, body: RowsIn, caller: Caller, session: DB) -> dict[str, Any]:
    return _saved(
        session, plans.plan_out(session, plans.update_kpis(_plan(session, caller, code), body.rows))
    )


EXPORTS = {
    "hwpx": ("application/hwp+zip", plan_export.to_hwpx),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", plan_export.to_docx),
    "pdf": ("application/pdf", plan_export.to_pdf),
}


@router.get("/center/plans/{code}/export.{fmt}", dependencies=READ)
def export_plan(code: str, fmt: Literal["hwpx", "docx", "pdf"], caller: Caller, session: DB) -> Response:
    """The plan as HWPX (한/글), DOCX or PDF."""
    media, fn = EXPORTS[fmt]
    data = fn(plans.plan_out(session, _plan(session, caller, code)))
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{code}.{fmt}"'}
    )


# ---- federation (center side) -------------------------------------------------------------------------


class LinkIn(In):
    firm: str
    label: str = Field("", max_length=200)


@router.post("/center/federation/links", status_code=201, dependencies=WRITE)
def create_link(body: LinkIn, request: Request, caller: Caller, session: DB) -> dict[str, Any]:
    """Issue the token a firm's instance pushes its consented results with (shown once)."""
    secret = runtime(request).settings.effective_secret_key()
    link, token = fed.issue_link(session, caller.company_id, body.firm, secret, body.label)
    return _saved(session, {"link_id": str(link.id), "firm_id": str(link.firm_id), "token": token})


@router.delete("/center/federation/links/{link_id}", dependencies=WRITE)
def revoke_link(link_id: uuid.UUID, caller: Caller, session: DB) -> dict[str, Any]:
    link = fed.revoke_link(session, caller.company_id, link_id)
    return _saved(session, {"link_id": str(link.id), "revoked": True})


def _federation_link(request: Request, session: DB) -> Any:
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        raise Unauthorized("send 'Authorization: Bearer <federation token>'")
    return fed.link_for_token(session, runtime(request).settings.effective_secret_key(), auth[7:].strip())


@router.post("/center/federation/push")
def push(body: dict[str, Any], session: DB, link: Any = Depends(_federation_link)) -> dict[str, Any]:
    """A firm's instance pushes one project's consented indicators and its usage days (idempotent on
    ``push_id``; ``private`` values are refused)."""
    return _saved(session, fed.receive_push(session, link, body))


# ---- results at the center ----------------------------------------------------------------------------


class ResultIn(In):
    year: int = Field(ge=2000, le=2100)
    before: float | None = None
    after: float | None = None
    consent: Literal["center", "public"]
    program: str = Field("", max_length=64)
    project_title: str = Field("", max_length=300)
    case_study: bool = False


@router.put("/center/results/{firm}/{project}/{indicator}", dependencies=WRITE)
def enter_result(
    firm: str, project: str, indicator: str, body: ResultIn, caller: Caller, session: DB
) -> dict[str, Any]:
    """A value typed in at the center from the firm's own report: stored as self-reported."""
    row = fed.enter_result(
        session,
        caller.company_id,
        firm,
        project=project,
        indicator=indicator,
        year=body.year,
        before=body.before,
        after=body.after,
        consent=body.consent,
        program=body.program,
        project_title=body.project_title,
        case_study=body.case_study,
    )
    return _saved(session, fed.result_out(row))


@router.get("/center/results/firms/{firm}", dependencies=READ)
def firm_results(firm: str, caller: Caller, session: DB) -> list[dict[str, Any]]:
    f = plans.get_firm(session, caller.company_id, firm)
    _check_firm(session, caller, f.id)
    return fed.firm_results(session, caller.company_id, f.id)


@router.get("/center/usage", dependencies=READ)
def usage(caller: Caller, session: DB) -> list[dict[str, Any]]:
    """Per linked firm: records in the last 7 / 30 days and whether its build looks unused."""
    return fed.usage_overview(session, caller.company_id, firm_ids=_scope(session, caller))


def _center_staff(caller: Principal) -> None:
    if _scope_all(caller) is False:
        raise Forbidden("the results-sharing day is for the center's staff")


def _scope_all(caller: Principal) -> bool:
    return bool(set(caller.roles) & {"admin", "center_admin", "consultant"}) or caller.can("admin")


@router.get("/center/results-day", dependencies=READ)
def results_day(
    caller: Caller,
    session: DB,
    internal: bool = Query(False, description="Also count values shared with the center only"),
) -> dict[str, Any]:
    """Aggregates by program, 시·군, industry and year (medians, quartiles), and the case studies."""
    _center_staff(caller)
    return resultsday.summary(session, caller.company_id, ("center", "public") if internal else ("public",))


def _center_name(session: Any, company_id: int) -> str:
    c = session.get(Company, company_id)
    return c.name if c else ""


@router.get("/center/results-day/booklet.pdf", dependencies=READ)
def booklet(caller: Caller, session: DB, year: int = Query(2026, ge=2000, le=2100)) -> Response:
    """The booklet of the results-sharing day: published values only, small groups left out."""
    _center_staff(caller)
    s = resultsday.summary(session, caller.company_id, ("public",))
    pdf = resultsday.booklet_pdf(s, center_name=_center_name(session, caller.company_id), year=year)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="booklet.pdf"'},
    )


@router.get("/center/results-day/workbook.xlsx", dependencies=READ)
def results_workbook(caller: Caller, session: DB) -> Response:
    _center_staff(caller)
    data = resultsday.rows(session, caller.company_id, ("public",))
    s = resultsday.summary(session, caller.company_id, ("public",))
    return Response(
        resultsday.workbook(s, data),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="results-day.xlsx"'},
    )


# ---- the firm's own instance ------------------------------------------------------------------------------


class ProjectIn(In):
    code: str = Field(max_length=64)
    title: str = Field(max_length=300)
    year: int = Field(ge=2000, le=2100)
    before_from: AwareDatetime
    before_to: AwareDatetime
    after_from: AwareDatetime | None = None
    after_to: AwareDatetime | None = None
    program: str = Field("", max_length=64)
    center_url: str = Field("", max_length=300)
    center_token: str = Field("", max_length=2000)
    case_study: bool = False
    share_usage: bool = True


class ValueIn(In):
    before: float | None = None
    after: float | None = None


class ConsentIn(In):
    consent: Literal["private", "center", "public"]


MANAGE = [require("masterdata:write")]


@router.post("/results/projects", status_code=201, dependencies=MANAGE)
def create_project(body: ProjectIn, caller: Caller, session: DB) -> dict[str, Any]:
    p = results.create_project(session, caller.company_id, **body.model_dump())
    return _saved(session, results.project_out(results.measure_project(session, p)))


@router.get("/results/projects")
def list_projects(caller: Caller, session: DB) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from jejo.center.results_tables import ResultProject

    rows = session.scalars(
        select(ResultProject)
        .where(ResultProject.company_id == caller.company_id)
        .order_by(ResultProject.code)
    )
    return [results.project_out(p) for p in rows]


@router.get("/results/projects/{code}")
def get_project(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    return results.project_out(results.get_project(session, caller.company_id, code))


@router.post("/results/projects/{code}/measure", dependencies=MANAGE)
def measure_project(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    """Measure the production indicators of both periods from this instance's records."""
    return _saved(
        session,
        results.project_out(
            results.measure_project(session, results.get_project(session, caller.company_id, code))
        ),
    )


@router.put("/results/projects/{code}/values/{indicator}", dependencies=MANAGE)
def put_value(code: str, indicator: str, body: ValueIn, caller: Caller, session: DB) -> dict[str, Any]:
    """A typed-in value (marked self-reported)."""
    p = results.get_project(session, caller.company_id, code)
    return _saved(
        session, results.value_out(results.set_value(session, p, indicator, body.before, body.after))
    )


@router.put("/results/projects/{code}/consents/{indicator}", dependencies=MANAGE)
def put_consent(code: str, indicator: str, body: ConsentIn, caller: Caller, session: DB) -> dict[str, Any]:
    p = results.get_project(session, caller.company_id, code)
    return _saved(session, results.value_out(results.set_consent(session, p, indicator, body.consent)))


@router.post("/results/projects/{code}/push", dependencies=MANAGE)
def push_project(code: str, caller: Caller, session: DB) -> dict[str, Any]:
    """Queue the project's shared indicators and deliver every pending push to the center (retried)."""
    p = results.get_project(session, caller.company_id, code)
    row = results.queue_push(session, p)
    with httpx.Client(timeout=10.0) as client:
        outcome = results.deliver(session, caller.company_id, client)
    return _saved(session, {"push_id": row.push_id, **outcome})


@router.get("/results/outbox")
def get_outbox(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return results.outbox(session, caller.company_id)
