"""Center pages (스마트제조혁신센터): firms, level diagnosis with its radar, eligibility for the year's
programs, applications through their workflow, mentors and suppliers. Every page goes through the same
access checks as the API: a firm user sees its own firm, a mentor the firms assigned to them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from jejo.api.deps import DB
from jejo.center import access, applications, catalogue, diagnosis, firms, mentors, suppliers
from jejo.center import reference as ref
from jejo.center.demo import CENTER
from jejo.center.schemas import (
    ActionIn,
    AnswerIn,
    ApplicationIn,
    DiagnosisIn,
    FirmIn,
    MentorVisitIn,
    TransitionIn,
    VisitIn,
)
from jejo.core.errors import Forbidden, JejoError, Problem, ValidationError
from jejo.core.i18n import Translator
from jejo.core.tenancy import Company
from jejo.core.timeutil import SEOUL, utcnow
from jejo.web.actions import htmx_only
from jejo.web.context import CurrentViewer, Viewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the page is rendered."""
    return message


LABELS: dict[str, str] = {
    # application stages
    "draft": N_("Drafting"),
    "submitted": N_("Submitted"),
    "selected": N_("Selected"),
    "rejected": N_("Rejected"),
    "agreement": N_("Agreement"),
    "build": N_("Build"),
    "mid_check": N_("Mid-term check"),
    "completed": N_("Completed"),
    "aftercare": N_("After-care"),
    "withdrawn": N_("Withdrawn"),
    # mentoring stages and assignment status
    "planning": N_("Planning"),
    "proposed": N_("Proposed"),
    "confirmed": N_("Confirmed"),
    "ended": N_("Ended"),
    "onsite": N_("On site"),
    "remote": N_("Remote"),
    # capability method, respondent
    "self": N_("Self-assessed"),
    "external": N_("Confirmed externally"),
    "firm": N_("Firm"),
    "consultant": N_("Consultant"),
    "mentor": N_("Mentor"),
    # program kinds
    "linkage": N_("Linked support"),
    "mentoring": N_("Mentoring"),
    # eligibility rules
    "manufacturing": N_("Manufacturing industry"),
    "max_employees": N_("Size (employees)"),
    "min_employees": N_("Size (employees)"),
    "factory_registered": N_("Factory registration"),
    "prior_build": N_("Prior smart-factory build"),
    "legend50": N_("Legend 50+ selection"),
    "min_capability_level": N_("Capability level"),
    "sigungu_in": N_("Region"),
    "window": N_("Application window"),
    # diagnosis areas
    "strategy": N_("Strategy"),
    "process": N_("Processes"),
    "system": N_("System and automation"),
    "performance": N_("Performance results"),
}
#: evidence labels of the diagnosis pre-fill (jejo.center.measured), translated on the page
EVIDENCE_LABELS = (
    N_("downtimes recorded"),
    N_("inspections recorded"),
    N_("labour bookings (costing)"),
    N_("labour bookings for actual cost"),
    N_("lot genealogy links"),
    N_("machine-hours with OEE (90 days)"),
    N_("machines with data collected automatically"),
    N_("machines with derived state"),
    N_("maintenance orders"),
    N_("nonconformances"),
    N_("of which by reason"),
    N_("operations with scrap recorded"),
    N_("parts tracked by scan"),
    N_("plans on running hours or counters"),
    N_("preventive plans"),
    N_("production events (90 days)"),
    N_("reporting sources"),
    N_("sales orders"),
    N_("shipments against sales orders"),
    N_("shipments"),
    N_("tags"),
)
LEVEL_NAMES = {
    1: N_("Checking"),
    2: N_("Monitoring"),
    3: N_("Control"),
    4: N_("Optimisation"),
    5: N_("Autonomy"),
}


def _labels(tr: Translator) -> dict[str, str]:
    return {k: tr.gettext(v) for k, v in LABELS.items()}


def _center(viewer: Viewer) -> None:
    if not viewer.can("center:read"):
        raise Forbidden("center pages are for the center's users")


def _dt(value: str | None) -> datetime | None:
    """An ISO time from a service's output, for the ``time`` filter (which shows Seoul time)."""
    return datetime.fromisoformat(value) if value else None


def _page(request: Request, viewer: Viewer, template: str, **ctx: Any) -> HTMLResponse:
    return render(
        request,
        template,
        viewer.tr,
        viewer=viewer,
        L=_labels(viewer.tr),
        staff=access.is_staff(viewer.principal),
        level_names={k: viewer.tr.gettext(v) for k, v in LEVEL_NAMES.items()},
        dt=_dt,
        **ctx,
    )


def _redirect(url: str) -> Response:
    return Response(status_code=204, headers={"HX-Redirect": url})


FIELD_LABELS = {
    "business_number": N_("Business number"),
    "ksic_code": N_("Industry (KSIC)"),
    "sigungu": N_("City or county"),
    "program": N_("Program"),
    "program.window": N_("Application window"),
    "target_level": N_("Target level"),
    "mentor_visits": N_("Mandatory mentor visits"),
    "visited_at": N_("Date and time"),
    "recommended_program": N_("Recommended program"),
    "file": N_("File"),
}
HEADLINES = {
    403: N_("You do not have permission for this."),
    404: N_("Not found."),
    409: N_("Not possible in the current state."),
    422: N_("Please check the input."),
}


def _problem(request: Request, viewer: Viewer, exc: JejoError) -> HTMLResponse:
    tr = viewer.tr
    problems = []
    for p in exc.problems:
        d = p.as_dict()
        field = d.get("field")
        if field in FIELD_LABELS:
            d["label"] = tr.gettext(FIELD_LABELS[field])
        elif field and field.startswith("documents."):
            d["label"] = tr.gettext("Documents")
        problems.append(d)
    return render(
        request,
        "center/_problem.html",
        tr,
        viewer=viewer,
        status_code=exc.status,
        headline=tr.gettext(HEADLINES.get(exc.status, HEADLINES[422])),
        detail=exc.detail,
        problems=problems,
    )


def rule_text(tr: Translator, r: catalogue.RuleResult) -> str:
    """The reason of one eligibility rule in the viewer's language."""
    p = r.params
    if r.rule == "manufacturing":
        if r.passed:
            return tr.gettext("KSIC %(ksic)s (%(name)s) is manufacturing") % p
        return tr.gettext("KSIC %(ksic)s is not manufacturing (section C, divisions 10–34)") % p
    if r.rule in ("max_employees", "min_employees"):
        if p.get("employees") is None:
            return tr.gettext("The number of employees is not recorded")
        if r.rule == "max_employees":
            return tr.gettext("%(employees)s employees; at most %(limit)s allowed") % p
        return tr.gettext("%(employees)s employees; at least %(limit)s needed") % p
    if r.rule == "factory_registered":
        return tr.gettext("Factory registered") if r.passed else tr.gettext("No factory registration")
    if r.rule == "prior_build":
        if p.get("best"):
            return tr.gettext("Best prior build reached %(best)s; %(required)s or above needed") % p
        return tr.gettext("No prior build with an achieved level; %(required)s or above needed") % p
    if r.rule == "legend50":
        return (
            tr.gettext("Selected for Legend 50+") if r.passed else tr.gettext("Not selected for Legend 50+")
        )
    if r.rule == "min_capability_level":
        return tr.gettext("Capability level %(level)s; %(required)s or above needed") % {
            "level": p.get("level") or "-",
            "required": p.get("required"),
        }
    if r.rule == "window":
        if "opens" not in p:
            return tr.gettext("The application window is not announced")
        at = {k: datetime.fromisoformat(v) for k, v in p.items() if k in ("opens", "closes")}
        from jejo.core.i18n import format_time

        when = {k: format_time(v, tr.locale) for k, v in at.items()}
        if r.passed:
            return tr.gettext("Open until %(closes)s") % when
        if "closed" in r.reason:
            return tr.gettext("Closed on %(closes)s") % when
        return tr.gettext("Opens on %(opens)s") % when
    return r.reason


REASON_PREFIXES = {
    "expertise: ": N_("expertise: %(value)s"),
    "industry: ": N_("industry: %(value)s"),
    "same 시·군: ": N_("same city or county: %(value)s"),
    "same region: ": N_("same region: %(value)s"),
    "load: ": N_("current load: %(value)s"),
}
WHOLE_REASONS = {
    "chosen by the consultant": N_("chosen by the consultant"),
    "conflict of interest": N_("conflict of interest"),
}


def reason_text(tr: Translator, reason: str) -> str:
    """A match reason of the optimiser in the viewer's language."""
    if reason in WHOLE_REASONS:
        return tr.gettext(WHOLE_REASONS[reason])
    for prefix, msg in REASON_PREFIXES.items():
        if reason.startswith(prefix):
            return tr.gettext(msg) % {"value": reason[len(prefix) :]}
    return reason


def _eligibility_rows(tr: Translator, results: list[catalogue.Eligibility]) -> list[dict[str, Any]]:
    return [
        {
            "program": e.program,
            "eligible": e.eligible,
            "rules": [
                {"rule": r.rule, "passed": r.passed, "text": rule_text(tr, r), "note": r.note}
                for r in e.results
            ],
            "bonus": list(e.bonus),
        }
        for e in results
    ]


# ---- firms --------------------------------------------------------------------------------------------


@router.get("/center/firms")
def firm_list(
    request: Request,
    viewer: CurrentViewer,
    session: DB,
    q: str | None = Query(None, max_length=100),
    sigungu: str | None = Query(None, max_length=40),
) -> HTMLResponse:
    _center(viewer)
    rows = [firms.firm_out(f) for f in firms.list_firms(session, viewer.principal, q, sigungu or None)]
    # a plant tenant's admin has no firms here: say where the center's records live instead
    roles = set(viewer.principal.roles)
    plant_only = (
        not rows
        and not q
        and not sigungu
        and not roles & {"center_admin", "consultant", "mentor", "firm_user"}
    )
    demo_center = session.scalar(select(Company.code).where(Company.code == CENTER)) if plant_only else None
    return _page(
        request,
        viewer,
        "center/firms.html",
        rows=rows,
        q=q or "",
        sigungu=sigungu or "",
        north=ref.gyeonggi_north(),
        all_sigungu=ref.known_sigungu(),
        divisions=ref.ksic_divisions(),
        ksic_source=ref.ksic_source(),
        plant_only=plant_only,
        demo_center=demo_center,
    )


def _firm_form(form: Any) -> FirmIn:
    def num(key: str) -> int | None:
        v = str(form.get(key) or "").replace(",", "").strip()
        return int(v) if v.isdigit() else None

    return FirmIn(
        business_number=str(form.get("business_number") or ""),
        name=str(form.get("name") or "").strip() or "-",
        representative=str(form.get("representative") or ""),
        sigungu=str(form.get("sigungu") or ""),
        ksic_code=str(form.get("ksic_code") or ""),
        employees=num("employees"),
        revenue_krw=num("revenue_krw"),
        factory_registered=form.get("factory_registered") == "on",
        legend50=form.get("legend50") == "on",
        main_products=str(form.get("main_products") or ""),
    )


@router.post("/center/firms")
async def firm_create(request: Request, viewer: CurrentViewer, session: DB) -> Response:
    htmx_only(request)
    _center(viewer)
    try:
        access.require_staff(viewer.principal)
        firm = firms.create_firm(session, viewer.company_id, _firm_form(await request.form()))
    except JejoError as exc:
        session.rollback()
        return _problem(request, viewer, exc)
    session.commit()  # saved before the browser follows the redirect
    return _redirect(f"/center/firms/{firm.id}")


@router.post("/center/firms/import")
def firm_import(
    request: Request, viewer: CurrentViewer, session: DB, file: UploadFile = File(...)
) -> Response:
    htmx_only(request)
    _center(viewer)
    try:
        access.require_staff(viewer.principal)
        out = firms.import_excel(session, viewer.company_id, file.file.read())
    except JejoError as exc:
        session.rollback()
        return _problem(request, viewer, exc)
    session.commit()  # saved before the list is refreshed
    return render(request, "center/_imported.html", viewer.tr, viewer=viewer, out=out)


@router.get("/center/firms/{firm_id}")
def firm_detail(request: Request, firm_id: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    _center(viewer)
    firm = access.firm_for(session, viewer.principal, firm_id)
    who = viewer.principal
    return _page(
        request,
        viewer,
        "center/firm.html",
        firm=firms.firm_out(firm),
        diagnoses=[diagnosis.diagnosis_out(d) for d in diagnosis.list_diagnoses(session, firm)],
        apps=[
            applications.application_out(session, a)
            for a in applications.list_applications(session, viewer.company_id, {firm.id})
        ],
        visits=[applications.visit_out(v) for v in applications.list_visits(session, firm)],
        assignments=[mentors.assignment_out(session, a) for a in mentors.assignments_of_firm(session, firm)],
        can_diagnose=access.is_staff(who) or access.member_firm_id(session, who) == firm.id,
        programs=catalogue.load_catalogue(catalogue.years()[-1]),
        levels=ref.SYSTEM_LEVELS,
    )


def _local_time(value: object, field: str) -> datetime:
    """A ``datetime-local`` form value, read as Seoul time."""
    try:
        at = datetime.fromisoformat(str(value or ""))
    except ValueError as exc:
        raise ValidationError(
            "not saved", [Problem(reason="a date and time is needed", field=field)]
        ) from exc
    return at.replace(tzinfo=SEOUL) if at.tzinfo is None else at


@router.post("/center/firms/{firm_id}/visits")
async def visit_create(request: Request, firm_id: str, viewer: CurrentViewer, session: DB) -> Response:
    """A pre-consulting visit with its action items (one per line of the form)."""
    htmx_only(request)
    _center(viewer)
    form = await request.form()
    try:
        firm = access.firm_for(session, viewer.principal, firm_id, write=True)
        actions = [
            ActionIn(text=line.strip())
            for line in str(form.get("actions") or "").splitlines()
            if line.strip()
        ]
        body = VisitIn(
            visited_at=_local_time(form.get("visited_at"), "visited_at"),
            attendees=str(form.get("attendees") or ""),
            notes=str(form.get("notes") or ""),
            recommended_program=str(form.get("recommended_program") or "") or None,
            actions=actions,
        )
        applications.record_visit(session, firm, body, viewer.display_name)
    except JejoError as exc:
        session.rollback()
        return _problem(request, viewer, exc)
    session.commit()  # saved before the browser follows the redirect
    return _redirect(f"/center/firms/{firm.id}")


@router.post("/center/firms/{firm_id}/applications")
async def application_create(request: Request, firm_id: str, viewer: CurrentViewer, session: DB) -> Response:
    """A draft application; a program whose window closed is refused, naming ``program.window``."""
    htmx_only(request)
    _center(viewer)
    form = await request.form()
    try:
        firm = access.firm_for(session, viewer.principal, firm_id, write=True)
        year = str(form.get("year") or "")
        body = ApplicationIn(
            program=str(form.get("program") or ""),
            year=int(year) if year.isdigit() else 0,
            title=str(form.get("title") or ""),
            target_level=str(form.get("target_level") or "") or None,
        )
        app = applications.create_application(session, firm, body, viewer.display_name, utcnow())
    except JejoError as exc:
        session.rollback()
        return _problem(request, viewer, exc)
    except ValueError as exc:  # pydantic: a year or level out of range
        session.rollback()
        return _problem(
            request,
            viewer,
            ValidationError("application not created", [Problem(reason=str(exc).splitlines()[0])]),
        )
    session.commit()  # saved before the browser follows the redirect
    return _redirect(f"/center/applications/{app.id}")


# ---- diagnosis ----------------------------------------------------------------------------------------


@router.post("/center/firms/{firm_id}/diagnoses")
def diagnosis_start(request: Request, firm_id: str, viewer: CurrentViewer, session: DB) -> Response:
    htmx_only(request)
    _center(viewer)
    who = viewer.principal
    firm = access.firm_for(session, who, firm_id)
    if not (access.is_staff(who) or access.member_firm_id(session, who) == firm.id):
        raise Forbidden("the firm's own user or a consultant starts a diagnosis")
    respondent = "firm" if access.is_firm_user(who) and not access.is_staff(who) else "consultant"
    d = diagnosis.start_diagnosis(
        session, firm, DiagnosisIn(respondent=respondent), viewer.display_name, utcnow()
    )
    session.commit()  # saved before the browser follows the redirect
    return _redirect(f"/center/diagnoses/{d.id}")


def _diagnosis_context(session: DB, viewer: Viewer, diagnosis_id: str) -> dict[str, Any]:
    d = diagnosis.get_diagnosis(session, viewer.company_id, diagnosis_id)
    firm = access.firm_for(session, viewer.principal, d.firm_id)
    bank = diagnosis.load_bank(d.bank_version)
    out = diagnosis.diagnosis_out(d)
    answers = {a["item"]: a for a in out["answers"]}
    who = viewer.principal
    return {
        "d": out,
        "firm": firms.firm_out(firm),
        "bank": bank,
        "answers": answers,
        "radar": diagnosis.radar(bank, {"domains": out["domains"]}),
        "recommended": _eligibility_rows(viewer.tr, diagnosis.recommend(bank, out["level"], firm, utcnow())),
        "editable": out["status"] == "draft"
        and (access.is_staff(who) or access.member_firm_id(session, who) == firm.id),
        "domain_names": {dm["code"]: dm["name"] for dm in bank.domains},
        "answered": sum(1 for i in bank.items if i.code in answers),
    }


@router.get("/center/diagnoses/{diagnosis_id}")
def diagnosis_page(request: Request, diagnosis_id: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    _center(viewer)
    ctx = _diagnosis_context(session, viewer, diagnosis_id)
    return _page(
        request, viewer, "center/diagnosis.html", chart=json.dumps(ctx["radar"], ensure_ascii=False), **ctx
    )


@router.post("/center/diagnoses/{diagnosis_id}/answers")
async def diagnosis_answers(
    request: Request, diagnosis_id: str, viewer: CurrentViewer, session: DB
) -> Response:
    htmx_only(request)
    _center(viewer)
    d = diagnosis.get_diagnosis(session, viewer.company_id, diagnosis_id)
    firm = access.firm_for(session, viewer.principal, d.firm_id)
    who = viewer.principal
    if not (access.is_staff(who) or access.member_firm_id(session, who) == firm.id):
        raise Forbidden("the firm's own user or a consultant answers the diagnosis")
    form = await request.form()
    answers = []
    for item in diagnosis.load_bank(d.bank_version).items:
        v = str(form.get(f"r_{item.code}") or "")
        if v:
            answers.append(AnswerIn(item=item.code, rating=int(v) if v.isdigit() else None))
    try:
        diagnosis.answer(session, d, answers)
        if form.get("complete") == "1":
            diagnosis.complete(session, d, firm, utcnow())
    except JejoError as exc:
        session.rollback()
        return _problem(request, viewer, exc)
    session.commit()  # saved before the browser follows the redirect
    return _redirect(f"/center/diagnoses/{d.id}")


# ---- eligibility and programs --------------------------------------------------------------------------


@router.get("/center/firms/{firm_id}/eligibility")
def eligibility_page(
    request: Request, firm_id: str, viewer: CurrentViewer, session: DB, year: int | None = Query(None)
) -> HTMLResponse:
    _center(viewer)
    firm = access.firm_for(session, viewer.principal, firm_id)
    years = catalogue.years()
    y = year if year in years else years[-1]
    now = utcnow()
    return _page(
        request,
        viewer,
        "center/eligibility.html",
        firm=firms.firm_out(firm),
        year=y,
        years=years,
        now=now,
        rows=_eligibility_rows(viewer.tr, catalogue.check_all(firm, y, now)),
    )


@router.get("/center/programs")
def programs_page(request: Request, viewer: CurrentViewer, year: int | None = Query(None)) -> HTMLResponse:
    _center(viewer)
    years = catalogue.years()
    y = year if year in years else years[-1]
    return _page(
        request,
        viewer,
        "center/programs.html",
        year=y,
        years=years,
        programs=catalogue.load_catalogue(y),
        now=utcnow(),
    )


# ---- applications ------------------------------------------------------------------------------------


@router.get("/center/applications")
def application_list(
    request: Request, viewer: CurrentViewer, session: DB, status: str | None = Query(None, max_length=16)
) -> HTMLResponse:
    _center(viewer)
    status = status if status in applications.STAGES else None
    seen = access.visible_firm_ids(session, viewer.principal)
    rows = [
        applications.application_out(session, a)
        for a in applications.list_applications(session, viewer.company_id, seen, status)
    ]
    deadlines = applications.upcoming_deadlines(session, viewer.company_id, seen)[:10]
    names = {a["id"]: a for a in rows}
    return _page(
        request,
        viewer,
        "center/applications.html",
        rows=rows,
        status=status or "",
        stages=applications.STAGES,
        deadlines=[{"d": d, "app": names.get(str(d.application_id))} for d in deadlines],
        now=utcnow(),
    )


@router.get("/center/applications/{app_id}")
def application_page(request: Request, app_id: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    _center(viewer)
    app = applications.get_application(session, viewer.company_id, app_id)
    firm = access.firm_for(session, viewer.principal, app.firm_id)
    program = applications.program_of(app)
    return _page(
        request,
        viewer,
        "center/application.html",
        a=applications.application_out(session, app),
        firm=firms.firm_out(firm),
        program=program,
        quotes=suppliers.compare_quotes(session, app),
        flow=[s for s in applications.STAGES if s not in ("rejected", "withdrawn")],
    )


@router.post("/center/applications/{app_id}/transition")
async def application_transition(
    request: Request, app_id: str, viewer: CurrentViewer, session: DB
) -> Response:
    htmx_only(request)
    _center(viewer)
    app = applications.get_application(session, viewer.company_id, app_id)
    access.firm_for(session, viewer.principal, app.firm_id, write=True)
    form = await request.form()
    try:
        applications.transition(
            session,
            app,
            TransitionIn(to=str(form.get("to") or ""), note=str(form.get("note") or "")),
            viewer.display_name,
            utcnow(),
        )
    except JejoError as exc:
        session.rollback()
        return _problem(request, viewer, exc)
    session.commit()  # saved before the browser follows the redirect
    return _redirect(f"/center/applications/{app.id}")


# ---- mentors and suppliers -----------------------------------------------------------------------------


@router.get("/center/mentors")
def mentor_page(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    _center(viewer)
    who = viewer.principal
    if access.is_staff(who):
        pool = [mentors.mentor_out(session, m) for m in mentors.list_mentors(session, viewer.company_id)]
        rows = mentors.assignments(session, viewer.company_id)
    else:
        me = access.mentor_of(session, who)
        if me is None:
            raise Forbidden("the mentor pool is for the center's staff")
        pool = [mentors.mentor_out(session, me)]
        rows = mentors.assignments(session, viewer.company_id, me)
    out = []
    for a in rows:
        row = mentors.assignment_out(session, a)
        row["reasons"] = [reason_text(viewer.tr, r) for r in row["reasons"]]
        out.append(row)
    return _page(request, viewer, "center/mentors.html", pool=pool, rows=out)


@router.post("/center/assignments/{assignment_id}/confirm")
def assignment_confirm(request: Request, assignment_id: str, viewer: CurrentViewer, session: DB) -> Response:
    htmx_only(request)
    _center(viewer)
    try:
        access.require_staff(viewer.principal)
        a = mentors.get_assignment(session, viewer.company_id, assignment_id)
        mentors.confirm(session, a, viewer.display_name, utcnow())
    except JejoError as exc:
        session.rollback()
        return _problem(request, viewer, exc)
    session.commit()  # saved before the browser follows the redirect
    return _redirect("/center/mentors")


@router.post("/center/assignments/{assignment_id}/visits")
async def assignment_visit(
    request: Request, assignment_id: str, viewer: CurrentViewer, session: DB
) -> Response:
    """A mentor visit log, by staff or the mentor of the assignment."""
    htmx_only(request)
    _center(viewer)
    form = await request.form()
    try:
        a = mentors.get_assignment(session, viewer.company_id, assignment_id)
        if not access.is_staff(viewer.principal):
            me = access.mentor_of(session, viewer.principal)
            if me is None or me.id != a.mentor_id:
                raise Forbidden("only the assignment's mentor or the center's staff log its visits")
        mode = "remote" if form.get("mode") == "remote" else "onsite"
        body = MentorVisitIn(
            visited_at=_local_time(form.get("visited_at"), "visited_at"),
            mode=mode,
            summary=str(form.get("summary") or ""),
            confirmed_by_firm=form.get("confirmed_by_firm") == "on",
        )
        mentors.record_visit(session, a, body)
    except JejoError as exc:
        session.rollback()
        return _problem(request, viewer, exc)
    session.commit()  # saved before the browser follows the redirect
    return _redirect("/center/mentors")


@router.get("/center/suppliers")
def supplier_page(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    _center(viewer)
    rows = [suppliers.supplier_out(s) for s in suppliers.list_suppliers(session, viewer.company_id)]
    return _page(request, viewer, "center/suppliers.html", rows=rows, north=ref.gyeonggi_north())
