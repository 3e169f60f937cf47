"""Pre-consulting visits with action items, and applications through the workflow
draft → submitted → selected / rejected → agreement → build → mid_check → completed → aftercare,
with documents per stage and deadlines with reminders."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.center import catalogue
from jejo.center.schemas import ApplicationIn, DeadlineIn, TransitionIn, VisitIn
from jejo.center.tables import (
    ActionItem,
    Application,
    ApplicationDeadline,
    ApplicationDocument,
    ApplicationTransition,
    ConsultingVisit,
    Firm,
    MentorAssignment,
    MentorVisit,
)
from jejo.core.errors import IllegalTransition, NotFound, Problem, ValidationError

STAGES = (
    "draft",
    "submitted",
    "selected",
    "rejected",
    "agreement",
    "build",
    "mid_check",
    "completed",
    "aftercare",
    "withdrawn",
)
NEXT: dict[str, tuple[str, ...]] = {
    "draft": ("submitted", "withdrawn"),
    "submitted": ("selected", "rejected", "withdrawn"),
    "selected": ("agreement", "withdrawn"),
    "rejected": (),
    "agreement": ("build",),
    "build": ("mid_check",),
    "mid_check": ("completed",),
    "completed": ("aftercare",),
    "aftercare": (),
    "withdrawn": (),
}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


# ---- pre-consulting -------------------------------------------------------------------------------


def record_visit(session: Session, firm: Firm, body: VisitIn, consultant: str) -> ConsultingVisit:
    if body.recommended_program:
        year = body.visited_at.year
        p = catalogue.program_problem(year, body.recommended_program, field="recommended_program")
        if p is not None and catalogue.program_problem(year + 1, body.recommended_program) is not None:
            raise ValidationError("visit not saved", [p])
    visit = ConsultingVisit(
        company_id=firm.company_id,
        firm_id=firm.id,
        visited_at=body.visited_at,
        consultant=consultant,
        attendees=body.attendees,
        notes=body.notes,
        recommended_program=body.recommended_program,
    )
    for a in body.actions:
        visit.actions.append(
            ActionItem(
                company_id=firm.company_id, firm_id=firm.id, text=a.text, owner=a.owner, due_on=a.due_on
            )
        )
    session.add(visit)
    session.flush()
    return visit


def list_visits(session: Session, firm: Firm) -> list[ConsultingVisit]:
    return list(
        session.scalars(
            select(ConsultingVisit)
            .where(ConsultingVisit.firm_id == firm.id)
            .order_by(ConsultingVisit.visited_at.desc())
        )
    )


def complete_action(session: Session, company_id: int, action_id: uuid.UUID, at: datetime) -> ActionItem:
    a = session.get(ActionItem, action_id)
    if a is None or a.company_id != company_id:
        raise NotFound(f"action {action_id} not found")
    a.done_at = at
    session.flush()
    return a


def open_actions(session: Session, firm: Firm) -> list[ActionItem]:
    return list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.firm_id == firm.id, ActionItem.done_at.is_(None))
            .order_by(ActionItem.due_on)
        )
    )


# ---- applications ---------------------------------------------------------------------------------


def get_application(session: Session, company_id: int, app_id: uuid.UUID | str) -> Application:
    try:
        aid = app_id if isinstance(app_id, uuid.UUID) else uuid.UUID(str(app_id))
    except ValueError as exc:
        raise NotFound(f"application {app_id} not found") from exc
    a = session.get(Application, aid)
    if a is None or a.company_id != company_id:
        raise NotFound(f"application {app_id} not found")
    return a


def program_of(app: Application) -> catalogue.Program:
    return catalogue.get_program(app.year, app.program_code)


def create_application(
    session: Session, firm: Firm, body: ApplicationIn, by: str, at: datetime
) -> Application:
    """A draft application; the program must exist in that year's catalogue and its window must not
    have closed (a closed window is an error naming ``program.window``)."""
    p = catalogue.program_problem(body.year, body.program)
    if p is not None:
        raise ValidationError("application not created", [p])
    program = catalogue.get_program(body.year, body.program)
    problems = []
    if program.window is not None and at >= program.window.closes:
        problems.append(
            Problem(
                reason=f"the application window of {program.name} closed {program.window.closes.isoformat()}",
                field="program.window",
            )
        )
    if body.target_level and program.target_levels and body.target_level not in program.target_levels:
        problems.append(
            Problem(
                reason=f"target level must be one of {', '.join(program.target_levels)}", field="target_level"
            )
        )
    if problems:
        raise ValidationError("application not created", problems)
    app = Application(
        company_id=firm.company_id,
        firm_id=firm.id,
        program_code=program.code,
        year=program.year,
        title=body.title or f"{firm.name} {program.name}",
        site=body.site,
        target_level=body.target_level,
        total_budget_krw=body.total_budget_krw,
        consultant=by,
        created_at=at,
    )
    app.history.append(ApplicationTransition(from_status=None, to_status="draft", at=at, by=by))
    session.add(app)
    session.flush()
    return app


def list_applications(
    session: Session, company_id: int, firm_ids: set[uuid.UUID] | None = None, status: str | None = None
) -> list[Application]:
    stmt = select(Application).where(Application.company_id == company_id)
    if firm_ids is not None:
        if not firm_ids:
            return []
        stmt = stmt.where(Application.firm_id.in_(firm_ids))
    if status:
        stmt = stmt.where(Application.status == status)
    return list(session.scalars(stmt.order_by(Application.created_at.desc())))


def missing_documents(app: Application, stage: str | None = None) -> list[str]:
    """The documents the program asks for at ``stage`` (the current one by default) not yet attached."""
    st = stage or app.status
    needed = program_of(app).documents.get(st, [])
    have = {d.kind for d in app.documents if d.stage == st}
    return [k for k in needed if k not in have]


def build_visits(session: Session, app: Application) -> list[MentorVisit]:
    """Mentor visits at the build stage for this firm that count toward the program's mandatory visits:
    visits of build-stage assignments of this application (or of the firm without an application)."""
    return list(
        session.scalars(
            select(MentorVisit)
            .join(MentorAssignment, MentorAssignment.id == MentorVisit.assignment_id)
            .where(
                MentorAssignment.firm_id == app.firm_id,
                MentorAssignment.stage == "build",
                MentorAssignment.status.in_(("confirmed", "ended")),
                (MentorAssignment.application_id == app.id) | (MentorAssignment.application_id.is_(None)),
            )
            .order_by(MentorVisit.visited_at)
        )
    )


def _add_deadline(app: Application, stage: str, title: str, due: datetime, remind_days: int = 7) -> None:
    if not any(d.stage == stage and d.title == title for d in app.deadlines):
        app.deadlines.append(
            ApplicationDeadline(
                company_id=app.company_id, stage=stage, title=title, due_at=due, remind_days=remind_days
            )
        )


def _months(n: int) -> timedelta:
    return timedelta(days=round(30.44 * n))


def transition(session: Session, app: Application, body: TransitionIn, by: str, at: datetime) -> Application:
    """Move an application one step. Leaving a stage needs the program's documents of that stage;
    submitting needs the window open; the mid-check needs the mandatory build guidance visits."""
    to = body.to
    if to not in STAGES:
        raise ValidationError("not moved", [Problem(reason=f"unknown stage {to!r}", field="to")])
    if to not in NEXT[app.status]:
        raise IllegalTransition(f"an application in {app.status} cannot move to {to}")
    program = program_of(app)
    problems: list[Problem] = []
    if to != "withdrawn":
        problems += [
            Problem(reason=f"document {k!r} is not attached", field=f"documents.{app.status}")
            for k in missing_documents(app)
        ]
    if to == "submitted":
        r = catalogue.window_result(program, at)
        if not r.passed:
            problems.append(Problem(reason=f"{program.name}: {r.reason}", field="program.window"))
    if to == "mid_check" and program.required_visits:
        done = len(build_visits(session, app))
        if done < program.required_visits:
            problems.append(
                Problem(
                    reason=f"{done} of {program.required_visits} mandatory build guidance visits recorded",
                    field="mentor_visits",
                )
            )
    if problems:
        raise ValidationError(f"application not moved to {to}", problems)
    app.history.append(
        ApplicationTransition(from_status=app.status, to_status=to, at=at, by=by, note=body.note)
    )
    app.status = to
    if to == "submitted":
        app.submitted_at = at
    months = program.duration_months_max or 9
    if to == "selected":
        _add_deadline(app, "agreement", "협약 체결", at + timedelta(days=30))
    elif to == "build":
        _add_deadline(app, "mid_check", "중간점검", at + _months(months) / 2, 14)
        _add_deadline(app, "completed", "최종점검 (구축 완료)", at + _months(months), 14)
    elif to == "completed":
        _add_deadline(app, "aftercare", "사후관리 성과 보고", at + _months(12), 30)
    for d in app.deadlines:
        if d.stage == app.status and d.done_at is None:
            d.done_at = at
    session.flush()
    return app


def attach_document(
    session: Session,
    app: Application,
    kind: str,
    filename: str,
    data: bytes,
    by: str,
    at: datetime,
    content_type: str = "application/octet-stream",
    stage: str | None = None,
) -> ApplicationDocument:
    problems = []
    if not kind.strip():
        problems.append(Problem(reason="name the document (e.g. 사업계획서)", field="kind"))
    if not data:
        problems.append(Problem(reason="the file is empty", field="file"))
    if len(data) > MAX_DOCUMENT_BYTES:
        problems.append(Problem(reason="the file is larger than 20 MB", field="file"))
    st = stage or app.status
    if st not in STAGES:
        problems.append(Problem(reason=f"unknown stage {st!r}", field="stage"))
    if problems:
        raise ValidationError("document not attached", problems)
    doc = ApplicationDocument(
        company_id=app.company_id,
        application_id=app.id,
        stage=st,
        kind=kind.strip(),
        filename=filename or "document",
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by=by,
        uploaded_at=at,
    )
    app.documents.append(doc)
    session.flush()
    return doc


def add_deadline(session: Session, app: Application, body: DeadlineIn) -> ApplicationDeadline:
    if body.stage not in STAGES:
        raise ValidationError(
            "deadline not saved", [Problem(reason=f"unknown stage {body.stage!r}", field="stage")]
        )
    d = ApplicationDeadline(
        company_id=app.company_id,
        stage=body.stage,
        title=body.title,
        due_at=body.due_at,
        remind_days=body.remind_days,
    )
    app.deadlines.append(d)
    session.flush()
    return d


def due_reminders(
    session: Session, company_id: int, at: datetime, *, mark: bool = True
) -> list[ApplicationDeadline]:
    """Open deadlines whose reminder time (due − remind_days) has come and that were not reminded yet;
    with ``mark`` they are marked as reminded, so each reminder goes out once."""
    rows = list(
        session.scalars(
            select(ApplicationDeadline)
            .where(
                ApplicationDeadline.company_id == company_id,
                ApplicationDeadline.done_at.is_(None),
                ApplicationDeadline.reminded_at.is_(None),
            )
            .order_by(ApplicationDeadline.due_at)
        )
    )
    due = [d for d in rows if d.due_at - timedelta(days=d.remind_days) <= at]
    if mark:
        for d in due:
            d.reminded_at = at
        session.flush()
    return due


def upcoming_deadlines(
    session: Session, company_id: int, firm_ids: set[uuid.UUID] | None = None
) -> list[ApplicationDeadline]:
    stmt = (
        select(ApplicationDeadline)
        .join(Application, Application.id == ApplicationDeadline.application_id)
        .where(ApplicationDeadline.company_id == company_id, ApplicationDeadline.done_at.is_(None))
    )
    if firm_ids is not None:
        stmt = stmt.where(Application.firm_id.in_(firm_ids or {uuid.UUID(int=0)}))
    return list(session.scalars(stmt.order_by(ApplicationDeadline.due_at)))


def application_out(session: Session, app: Application) -> dict[str, Any]:
    program = program_of(app)
    return {
        "id": str(app.id),
        "firm_id": str(app.firm_id),
        "firm": app.firm.name,
        "program": app.program_code,
        "program_name": program.name,
        "year": app.year,
        "title": app.title,
        "status": app.status,
        "next": list(NEXT[app.status]),
        "site": app.site,
        "target_level": app.target_level,
        "total_budget_krw": app.total_budget_krw,
        "consultant": app.consultant,
        "submitted_at": app.submitted_at.isoformat() if app.submitted_at else None,
        "missing_documents": missing_documents(app),
        "required_visits": program.required_visits,
        "build_visits": len(build_visits(session, app)),
        "history": [
            {"from": h.from_status, "to": h.to_status, "at": h.at.isoformat(), "by": h.by, "note": h.note}
            for h in app.history
        ],
        "documents": [
            {
                "id": str(d.id),
                "stage": d.stage,
                "kind": d.kind,
                "filename": d.filename,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": d.uploaded_at.isoformat(),
            }
            for d in app.documents
        ],
        "deadlines": [
            {
                "id": str(d.id),
                "stage": d.stage,
                "title": d.title,
                "due_at": d.due_at.isoformat(),
                "done_at": d.done_at.isoformat() if d.done_at else None,
                "reminded_at": d.reminded_at.isoformat() if d.reminded_at else None,
            }
            for d in app.deadlines
        ],
    }


def visit_out(v: ConsultingVisit) -> dict[str, Any]:
    return {
        "id": str(v.id),
        "visited_at": v.visited_at.isoformat(),
        "consultant": v.consultant,
        "attendees": v.attendees,
        "notes": v.notes,
        "recommended_program": v.recommended_program,
        "actions": [
            {
                "id": str(a.id),
                "text": a.text,
                "owner": a.owner,
                "due_on": a.due_on.isoformat() if isinstance(a.due_on, date) else None,
                "done_at": a.done_at.isoformat() if a.done_at else None,
            }
            for a in v.actions
        ],
    }
