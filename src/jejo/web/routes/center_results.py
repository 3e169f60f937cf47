"""Center pages: the business-plan editor (sections, scope, schedule, budget and KPIs edited in place with
htmx; exports to HWPX, DOCX and PDF) and the results-sharing day (aggregates, charts, case studies,
usage of the builds, the booklet and the workbook)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from jejo.api.deps import DB
from jejo.center import federation as fed
from jejo.center import plans, resultsday
from jejo.center.indicators import RESULT_INDICATORS
from jejo.center.tables import Firm
from jejo.core.errors import Forbidden, JejoError, NotFound
from jejo.web.actions import htmx_only, require_scope
from jejo.web.context import CurrentViewer, Viewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_ROWS = 40


def N_(message: str) -> str:
    return message


SECTION_TITLES = {
    "company": N_("1. Company status"),
    "problems": N_("2. Problems and need"),
    "goals": N_("3. Goals and target level"),
    "scope": N_("4. Build scope per process"),
    "schedule": N_("5. Schedule"),
    "budget": N_("6. Budget"),
    "kpis": N_("7. Performance indicators (KPI)"),
    "operation": N_("8. Operation and maintenance plan"),
}


DIM_TITLES = {
    "program": N_("By program"),
    "sigungu": N_("By city or county"),
    "industry": N_("By industry"),
    "year": N_("By year"),
}


def _center(viewer: Viewer) -> None:
    if not viewer.can("center:read"):
        raise Forbidden("center pages are for the center's users")


def _scope(session: Any, viewer: Viewer) -> set[Any] | None:
    return plans.firm_scope(session, viewer.principal)


def _plan(session: Any, viewer: Viewer, code: str) -> Any:
    p = plans.get_plan(session, viewer.company_id, code)
    scope = _scope(session, viewer)
    if scope is not None and p.firm_id not in scope:
        raise NotFound(f"plan {code} not found")
    return p


@router.get("/center/plans")
def plans_page(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    _center(viewer)
    scope = _scope(session, viewer)
    firms = [
        f
        for f in session.scalars(select(Firm).where(Firm.company_id == viewer.company_id).order_by(Firm.name))
        if scope is None or f.id in scope
    ]
    return render(
        request,
        "center/results/plans.html",
        viewer.tr,
        viewer=viewer,
        nav="center_results",
        rows=[plans.plan_out(session, p) for p in plans.list_plans(session, viewer.company_id, scope)],
        firms=firms,
        levels=plans.LEVELS,
        indicators=RESULT_INDICATORS,
        defaults=plans.DEFAULT_KPIS,
    )


@router.post("/center/plans")
async def create_plan(request: Request, viewer: CurrentViewer, session: DB) -> Response:
    _center(viewer)
    require_scope(viewer, "center:write")
    form = await request.form()
    start, end = str(form.get("baseline_from") or ""), str(form.get("baseline_to") or "")
    period = None
    if start and end:
        from jejo.kpi.sources import parse_period

        period = parse_period(start, end)
    p = plans.draft_plan(
        session,
        viewer.company_id,
        str(form.get("firm") or ""),
        code=str(form.get("code") or "").strip(),
        title=str(form.get("title") or "").strip() or None,
        program=str(form.get("program") or "").strip(),
        target_level=str(form.get("target_level") or "중간1"),
        kpi_keys=[str(k) for k in form.getlist("kpis")] or list(plans.DEFAULT_KPIS),
        baseline_from=period.start if period else None,
        baseline_to=period.end if period else None,
        created_by=viewer.display_name,
    )
    target = f"/center/plans/{p.code}"
    session.commit()  # before the browser follows the redirect
    return RedirectResponse(target, status_code=303)


def _ctx(session: Any, viewer: Viewer, p: Any, **extra: Any) -> dict[str, Any]:
    out = plans.plan_out(session, p)
    return {
        "plan": out,
        "sections": {s["key"]: s for s in out["sections"]},
        "titles": {k: viewer.tr.gettext(v) for k, v in SECTION_TITLES.items()},
        "categories": plans.BUDGET_CATEGORIES,
        "indicators": RESULT_INDICATORS,
        "can_write": viewer.can("center:write"),
        **extra,
    }


@router.get("/center/plans/{code}")
def plan_page(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    _center(viewer)
    p = _plan(session, viewer, code)
    return render(
        request,
        "center/results/plan.html",
        viewer.tr,
        viewer=viewer,
        nav="center_results",
        **_ctx(session, viewer, p),
    )


@router.get("/center/plans/{code}/sections/{key}")
def section_fragment(
    request: Request, code: str, key: str, viewer: CurrentViewer, session: DB
) -> HTMLResponse:
    """A section, shown (default) or as its edit form (``?edit=1``)."""
    _center(viewer)
    p = _plan(session, viewer, code)
    if key not in SECTION_TITLES:
        raise NotFound(f"section {key} not found")
    edit = request.query_params.get("edit") == "1" and viewer.can("center:write")
    return render(
        request,
        "center/results/_section.html",
        viewer.tr,
        viewer=viewer,
        key=key,
        edit=edit,
        **_ctx(session, viewer, p),
    )


def _problems(exc: JejoError) -> list[str]:
    out = []
    for pr in exc.problems:
        where = pr.field or ""
        if pr.row is not None:
            where += f" #{pr.row}"
        out.append(f"{where}: {pr.reason}" if where else pr.reason)
    return out or [exc.detail]


def _rows(form: Any, prefix: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for i in range(MAX_ROWS):
        row = {f: str(form.get(f"{prefix}{f}_{i}") or "").strip() for f in fields}
        if any(v for f, v in row.items() if f != "category"):  # a select always has a value
            rows.append(row)
    return rows


@router.put("/center/plans/{code}/sections/{key}")
async def save_section(
    request: Request, code: str, key: str, viewer: CurrentViewer, session: DB
) -> HTMLResponse:
    """Save a section's text and, for the structured ones, its table; a refused input keeps the form
    open with the errors naming the field and row."""
    htmx_only(request)
    _center(viewer)
    require_scope(viewer, "center:write")
    p = _plan(session, viewer, code)
    form = await request.form()
    errors: list[str] = []
    try:
        if key == "scope":
            plans.update_scope(p, _rows(form, "", ("process", "function", "data", "method")))
        elif key == "schedule":
            plans.update_schedule(session, p, _rows(form, "", ("task", "start_month", "end_month")))
        elif key == "budget":
            plans.update_budget(
                session,
                p,
                _rows(
                    form, "", ("item", "category", "total_krw", "government_krw", "cash_krw", "in_kind_krw")
                ),
            )
        elif key == "kpis":
            plans.update_kpis(p, _rows(form, "", ("key", "baseline", "target", "method")))
        plans.update_section(p, key, str(form.get("text") or ""))
    except JejoError as exc:
        errors = _problems(exc)
        session.rollback()
        p = _plan(session, viewer, code)
    ctx = _ctx(session, viewer, p)
    session.commit()  # saved before the answer goes out
    return render(
        request,
        "center/results/_section.html",
        viewer.tr,
        viewer=viewer,
        key=key,
        edit=bool(errors),
        errors=errors,
        posted=dict(form) if errors else {},
        status_code=422 if errors else 200,
        **ctx,
    )


@router.get("/center/results")
def results_page(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    """The results-sharing day: what would be published (public values) and the usage of the builds."""
    _center(viewer)
    if _scope(session, viewer) is not None:
        raise Forbidden("the results-sharing day is for the center's staff")
    s = resultsday.summary(session, viewer.company_id, ("public",))
    internal = resultsday.summary(session, viewer.company_id, ("center", "public"))
    shown = [i for i in s["overall"] if not i["suppressed"]]
    chart = {
        "labels": [i["name"] for i in shown],
        "median": [round(i["median_pct"], 1) for i in shown],
        "q1": [round(i["q1_pct"], 1) for i in shown],
        "q3": [round(i["q3_pct"], 1) for i in shown],
    }
    return render(
        request,
        "center/results/results_day.html",
        viewer.tr,
        viewer=viewer,
        nav="center_results",
        s=s,
        internal=internal,
        dims=resultsday.DIMENSIONS,
        dim_titles={k: viewer.tr.gettext(v) for k, v in DIM_TITLES.items()},
        usage=fed.usage_overview(session, viewer.company_id),
        chart_json=json.dumps(chart, ensure_ascii=False),
    )
