"""The center portal's API: firms, the program catalogue and eligibility, level diagnosis, pre-consulting
and applications, mentors and suppliers. Every firm is checked against what the caller may see."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from jejo.api.deps import DB, Caller, require
from jejo.center import access, applications, catalogue, diagnosis, firms, mentors, suppliers
from jejo.center.schemas import (
    AnswerIn,
    ApplicationIn,
    BuildIn,
    CapabilityIn,
    DeadlineIn,
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
from jejo.core.errors import Forbidden, NotFound
from jejo.core.timeutil import utcnow

router = APIRouter(prefix="/center", tags=["center"], dependencies=[require("center:read")])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnswersIn(_In):
    answers: list[AnswerIn] = Field(max_length=500)


class LinkUserIn(_In):
    username: str


class MatchRequestIn(_In):
    firm_id: uuid.UUID
    stage: str
    needs: list[str] = Field(default_factory=list, max_length=30)
    application_id: uuid.UUID | None = None


class ProposeIn(_In):
    requests: list[MatchRequestIn] = Field(min_length=1, max_length=500)


class AssignIn(_In):
    mentor: str
    stage: str
    application_id: uuid.UUID | None = None


def _now(at: datetime | None = None) -> datetime:
    return at or utcnow()


# ---- firms ------------------------------------------------------------------------------------------


@router.get("/firms")
def list_firms(
    caller: Caller, session: DB, q: str | None = None, sigungu: str | None = None
) -> list[dict[str, Any]]:
    return [firms.firm_out(f) for f in firms.list_firms(session, caller, q, sigungu)]


@router.post("/firms", status_code=201)
def create_firm(body: FirmIn, caller: Caller, session: DB) -> dict[str, Any]:
    access.require_staff(caller)
    return firms.firm_out(firms.create_firm(session, caller.company_id, body))


@router.post("/firms/import")
def import_firms(caller: Caller, session: DB, file: UploadFile = File(...)) -> dict[str, Any]:
    """Firms from an Excel workbook (see ``/center/firms/template.xlsx``); all rows or none."""
    access.require_staff(caller)
    return firms.import_excel(session, caller.company_id, file.file.read())


@router.get("/firms/template.xlsx")
def firm_template(caller: Caller) -> Response:
    return Response(
        firms.excel_template(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="firms.xlsx"'},
    )


@router.get("/firms/{firm_id}")
def get_firm(firm_id: str, caller: Caller, session: DB) -> dict[str, Any]:
    return firms.firm_out(access.firm_for(session, caller, firm_id))


@router.put("/firms/{firm_id}")
def update_firm(firm_id: str, body: FirmIn, caller: Caller, session: DB) -> dict[str, Any]:
    firm = access.firm_for(session, caller, firm_id, write=True)
    return firms.firm_out(firms.update_firm(session, caller.company_id, firm.id, body))


@router.post("/firms/{firm_id}/builds", status_code=201)
def add_build(firm_id: str, body: BuildIn, caller: Caller, session: DB) -> dict[str, Any]:
    firm = access.firm_for(session, caller, firm_id, write=True)
    firms.add_build(session, firm, body)
    return firms.firm_out(firm)


@router.post("/firms/{firm_id}/capabilities", status_code=201)
def add_capability(firm_id: str, body: CapabilityIn, caller: Caller, session: DB) -> dict[str, Any]:
    firm = access.firm_for(session, caller, firm_id, write=True)
    firms.add_capability(session, firm, body)
    return firms.firm_out(firm)


@router.post("/firms/{firm_id}/users")
def link_user(firm_id: str, body: LinkUserIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Give a login with the firm_user role access to this firm (and only this one)."""
    firm = access.firm_for(session, caller, firm_id, write=True)
    access.link_firm_user(session, caller.company_id, body.username, firm.id)
    return {"firm_id": str(firm.id), "username": body.username}


# ---- programs and eligibility -------------------------------------------------------------------------


@router.get("/programs/{year}")
def programs(year: int) -> list[dict[str, Any]]:
    return [catalogue.program_out(p) for p in catalogue.load_catalogue(year)]


@router.get("/firms/{firm_id}/eligibility/{year}")
def eligibility(
    firm_id: str, year: int, caller: Caller, session: DB, at: datetime | None = Query(None)
) -> list[dict[str, Any]]:
    """Each program of the year against the firm: every rule passed or failed, and why."""
    firm = access.firm_for(session, caller, firm_id)
    return [catalogue.eligibility_out(e) for e in catalogue.check_all(firm, year, _now(at))]


# ---- diagnosis ----------------------------------------------------------------------------------------


@router.get("/diagnosis/bank")
def bank(version: str | None = None) -> dict[str, Any]:
    b = diagnosis.load_bank(version)
    return {
        "version": b.version,
        "title": b.title,
        "basis": b.basis,
        "levels": list(b.levels),
        "areas": list(b.areas),
        "domains": list(b.domains),
        "items": [
            {
                "code": i.code,
                "domain": i.domain,
                "area": i.area,
                "points": i.points,
                "question": i.question,
                "anchors": list(i.anchors),
                "source": i.source,
                "prefill": i.prefill,
            }
            for i in b.items
        ],
    }


def _diagnosis_for(session: DB, caller: Caller, diagnosis_id: str, *, write: bool) -> Any:
    d = diagnosis.get_diagnosis(session, caller.company_id, diagnosis_id)
    firm = access.firm_for(session, caller, d.firm_id)
    if write and not (access.is_staff(caller) or access.member_firm_id(session, caller) == firm.id):
        raise Forbidden("the firm's own user or a consultant answers the diagnosis")
    return d, firm


@router.post("/firms/{firm_id}/diagnoses", status_code=201)
def start_diagnosis(firm_id: str, body: DiagnosisIn, caller: Caller, session: DB) -> dict[str, Any]:
    firm = access.firm_for(session, caller, firm_id)
    if not (access.is_staff(caller) or access.member_firm_id(session, caller) == firm.id):
        raise Forbidden("the firm's own user or a consultant starts a diagnosis")
    return diagnosis.diagnosis_out(diagnosis.start_diagnosis(session, firm, body, caller.name, utcnow()))


@router.get("/firms/{firm_id}/diagnoses")
def firm_diagnoses(firm_id: str, caller: Caller, session: DB) -> list[dict[str, Any]]:
    firm = access.firm_for(session, caller, firm_id)
    return [diagnosis.diagnosis_out(d) for d in diagnosis.list_diagnoses(session, firm)]


@router.get("/diagnoses/{diagnosis_id}")
def get_diagnosis(diagnosis_id: str, caller: Caller, session: DB) -> dict[str, Any]:
    d, firm = _diagnosis_for(session, caller, diagnosis_id, write=False)
    out = diagnosis.diagnosis_out(d)
    bank_ = diagnosis.load_bank(d.bank_version)
    out["radar"] = diagnosis.radar(bank_, {"domains": out["domains"]})
    out["recommended"] = [
        catalogue.eligibility_out(e) for e in diagnosis.recommend(bank_, out["level"], firm, utcnow())
    ]
    return out


@router.put("/diagnoses/{diagnosis_id}/answers")
def answer(diagnosis_id: str, body: AnswersIn, caller: Caller, session: DB) -> dict[str, Any]:
    d, _firm = _diagnosis_for(session, caller, diagnosis_id, write=True)
    return diagnosis.diagnosis_out(diagnosis.answer(session, d, body.answers))


@router.post("/diagnoses/{diagnosis_id}/complete")
def complete_diagnosis(diagnosis_id: str, caller: Caller, session: DB) -> dict[str, Any]:
    d, firm = _diagnosis_for(session, caller, diagnosis_id, write=True)
    return diagnosis.diagnosis_out(diagnosis.complete(session, d, firm, utcnow()))


# ---- pre-consulting and applications -----------------------------------------------------------------


@router.post("/firms/{firm_id}/visits", status_code=201)
def record_visit(firm_id: str, body: VisitIn, caller: Caller, session: DB) -> dict[str, Any]:
    firm = access.firm_for(session, caller, firm_id, write=True)
    return applications.visit_out(applications.record_visit(session, firm, body, caller.name))


@router.get("/firms/{firm_id}/visits")
def list_visits(firm_id: str, caller: Caller, session: DB) -> list[dict[str, Any]]:
    firm = access.firm_for(session, caller, firm_id)
    return [applications.visit_out(v) for v in applications.list_visits(session, firm)]


@router.post("/actions/{action_id}/done")
def action_done(action_id: uuid.UUID, caller: Caller, session: DB) -> dict[str, Any]:
    access.require_staff(caller)
    a = applications.complete_action(session, caller.company_id, action_id, utcnow())
    return {"id": str(a.id), "done_at": a.done_at.isoformat() if a.done_at else None}


@router.post("/firms/{firm_id}/applications", status_code=201)
def create_application(firm_id: str, body: ApplicationIn, caller: Caller, session: DB) -> dict[str, Any]:
    firm = access.firm_for(session, caller, firm_id, write=True)
    app = applications.create_application(session, firm, body, caller.name, utcnow())
    return applications.application_out(session, app)


@router.get("/applications")
def list_applications(caller: Caller, session: DB, status: str | None = None) -> list[dict[str, Any]]:
    seen = access.visible_firm_ids(session, caller)
    return [
        applications.application_out(session, a)
        for a in applications.list_applications(session, caller.company_id, seen, status)
    ]


def _application_for(session: DB, caller: Caller, app_id: str, *, write: bool) -> Any:
    app = applications.get_application(session, caller.company_id, app_id)
    access.firm_for(session, caller, app.firm_id, write=write)
    return app


@router.get("/applications/{app_id}")
def get_application(app_id: str, caller: Caller, session: DB) -> dict[str, Any]:
    return applications.application_out(session, _application_for(session, caller, app_id, write=False))


@router.post("/applications/{app_id}/transition")
def transition(app_id: str, body: TransitionIn, caller: Caller, session: DB) -> dict[str, Any]:
    app = _application_for(session, caller, app_id, write=True)
    applications.transition(session, app, body, caller.name, _now(body.at))
    return applications.application_out(session, app)


@router.post("/applications/{app_id}/documents", status_code=201)
def attach(
    app_id: str,
    caller: Caller,
    session: DB,
    kind: str = Form(...),
    stage: str | None = Form(None),
    file: UploadFile = File(...),
) -> dict[str, Any]:
    app = _application_for(session, caller, app_id, write=True)
    applications.attach_document(
        session,
        app,
        kind,
        file.filename or "document",
        file.file.read(),
        caller.name,
        utcnow(),
        file.content_type or "application/octet-stream",
        stage,
    )
    return applications.application_out(session, app)


@router.get("/applications/{app_id}/documents/{doc_id}")
def download(app_id: str, doc_id: uuid.UUID, caller: Caller, session: DB) -> Response:
    app = _application_for(session, caller, app_id, write=False)
    doc = next((d for d in app.documents if d.id == doc_id), None)
    if doc is None:
        raise NotFound(f"document {doc_id} not found")
    return Response(doc.data, media_type=doc.content_type)


@router.post("/applications/{app_id}/deadlines", status_code=201)
def add_deadline(app_id: str, body: DeadlineIn, caller: Caller, session: DB) -> dict[str, Any]:
    app = _application_for(session, caller, app_id, write=True)
    applications.add_deadline(session, app, body)
    return applications.application_out(session, app)


@router.post("/reminders")
def reminders(caller: Caller, session: DB, at: datetime | None = Query(None)) -> list[dict[str, Any]]:
    """Deadlines whose reminder is due now (each once)."""
    access.require_staff(caller)
    return [
        {
            "application_id": str(d.application_id),
            "stage": d.stage,
            "title": d.title,
            "due_at": d.due_at.isoformat(),
        }
        for d in applications.due_reminders(session, caller.company_id, _now(at))
    ]


@router.post("/applications/{app_id}/quotes", status_code=201)
def add_quote(app_id: str, body: QuoteIn, caller: Caller, session: DB) -> list[dict[str, Any]]:
    app = _application_for(session, caller, app_id, write=True)
    suppliers.add_quote(session, app, body)
    return suppliers.compare_quotes(session, app)


@router.get("/applications/{app_id}/quotes")
def compare(app_id: str, caller: Caller, session: DB) -> list[dict[str, Any]]:
    return suppliers.compare_quotes(session, _application_for(session, caller, app_id, write=False))


# ---- mentors ---------------------------------------------------------------------------------------------


@router.put("/mentors")
def save_mentor(body: MentorIn, caller: Caller, session: DB) -> dict[str, Any]:
    access.require_staff(caller)
    return mentors.mentor_out(session, mentors.save_mentor(session, caller.company_id, body))


@router.get("/mentors")
def list_mentors(caller: Caller, session: DB) -> list[dict[str, Any]]:
    access.require_staff(caller)
    return [mentors.mentor_out(session, m) for m in mentors.list_mentors(session, caller.company_id)]


@router.post("/mentors/propose")
def propose(body: ProposeIn, caller: Caller, session: DB) -> list[dict[str, Any]]:
    """Run the optimiser; its matches are recorded as proposals for a consultant to confirm."""
    access.require_staff(caller)
    reqs = [mentors.MatchRequest(r.firm_id, r.stage, tuple(r.needs), r.application_id) for r in body.requests]
    return [
        mentors.assignment_out(session, a)
        for a in mentors.propose(session, caller.company_id, reqs, utcnow())
    ]


@router.post("/firms/{firm_id}/mentors", status_code=201)
def assign(firm_id: str, body: AssignIn, caller: Caller, session: DB) -> dict[str, Any]:
    firm = access.firm_for(session, caller, firm_id, write=True)
    a = mentors.assign(
        session, caller.company_id, body.mentor, firm, body.stage, caller.name, utcnow(), body.application_id
    )
    return mentors.assignment_out(session, a)


@router.get("/assignments")
def list_assignments(caller: Caller, session: DB) -> list[dict[str, Any]]:
    """All assignments for staff; a mentor sees their own."""
    if access.is_staff(caller):
        rows = mentors.assignments(session, caller.company_id)
    else:
        me = access.mentor_of(session, caller)
        rows = mentors.assignments(session, caller.company_id, me) if me else []
    return [mentors.assignment_out(session, a) for a in rows]


@router.post("/assignments/{assignment_id}/confirm")
def confirm(assignment_id: str, caller: Caller, session: DB) -> dict[str, Any]:
    access.require_staff(caller)
    a = mentors.get_assignment(session, caller.company_id, assignment_id)
    return mentors.assignment_out(session, mentors.confirm(session, a, caller.name, utcnow()))


@router.post("/assignments/{assignment_id}/visits", status_code=201)
def mentor_visit(assignment_id: str, body: MentorVisitIn, caller: Caller, session: DB) -> dict[str, Any]:
    """A visit log: by staff, or by the mentor of the assignment."""
    a = mentors.get_assignment(session, caller.company_id, assignment_id)
    if not access.is_staff(caller):
        me = access.mentor_of(session, caller)
        if me is None or me.id != a.mentor_id:
            raise NotFound(f"assignment {assignment_id} not found")
    mentors.record_visit(session, a, body)
    return mentors.assignment_out(session, a)


# ---- suppliers ------------------------------------------------------------------------------------------


@router.put("/suppliers")
def save_supplier(body: SupplierIn, caller: Caller, session: DB) -> dict[str, Any]:
    access.require_staff(caller)
    return suppliers.supplier_out(suppliers.save_supplier(session, caller.company_id, body))


@router.get("/suppliers")
def list_suppliers(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return [suppliers.supplier_out(s) for s in suppliers.list_suppliers(session, caller.company_id)]


@router.post("/suppliers/{business_number}/solutions", status_code=201)
def add_solution(business_number: str, body: SolutionIn, caller: Caller, session: DB) -> dict[str, Any]:
    access.require_staff(caller)
    s = suppliers.get_supplier(session, caller.company_id, business_number)
    suppliers.add_solution(session, s, body)
    return suppliers.supplier_out(s)


@router.post("/suppliers/{business_number}/builds", status_code=201)
def add_supplier_build(
    business_number: str, body: SupplierBuildIn, caller: Caller, session: DB
) -> dict[str, Any]:
    access.require_staff(caller)
    s = suppliers.get_supplier(session, caller.company_id, business_number)
    suppliers.add_build(session, s, body)
    return suppliers.supplier_out(s)
