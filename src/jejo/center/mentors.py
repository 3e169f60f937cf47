"""Mentor matching (제조DX멘토단): the pool, stages (planning → build → aftercare), an assignment optimiser
(OR-Tools CP-SAT over skills, industry, region, load and conflicts of interest) proposing matches that a
consultant confirms, and visit logs that count toward a program's mandatory visits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ortools.sat.python import cp_model
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.center import reference as ref
from jejo.center.access import get_firm
from jejo.center.schemas import MentorIn, MentorVisitIn
from jejo.center.tables import Firm, Mentor, MentorAssignment, MentorVisit
from jejo.core.errors import Conflict, IllegalTransition, NotFound, Problem, ValidationError
from jejo.core.lookup import get_by_code
from jejo.masterdata.tables import User

STAGES = ("planning", "build", "aftercare")
ACTIVE = ("proposed", "confirmed")
#: weights of the match score (points per matching skill, for the industry, the region, and per load)
W_SKILL, W_INDUSTRY, W_SAME_SIGUNGU, W_SAME_REGION, W_LOAD = 10, 8, 6, 3, 4


@dataclass(frozen=True)
class MatchRequest:
    firm_id: uuid.UUID
    stage: str
    needs: tuple[str, ...] = ()
    application_id: uuid.UUID | None = None


@dataclass
class Proposal:
    request: MatchRequest
    mentor: Mentor | None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def save_mentor(session: Session, company_id: int, body: MentorIn) -> Mentor:
    problems = []
    if body.sigungu and (p := ref.sigungu_problem(body.sigungu)):
        problems.append(p)
    bad = [i for i in body.industries if i not in ref.ksic_divisions()]
    if bad:
        problems.append(Problem(reason=f"unknown KSIC divisions {', '.join(bad)}", field="industries"))
    for n, bn in enumerate(body.conflicts, start=1):
        if (p := ref.business_number_problem(bn, field="conflicts")) is not None:
            problems.append(Problem(reason=p.reason, field="conflicts", row=n))
    user_id = None
    if body.username:
        user = session.scalar(
            select(User).where(User.company_id == company_id, User.username == body.username)
        )
        if user is None or "mentor" not in user.roles:
            problems.append(Problem(reason="no user with the mentor role by that name", field="username"))
        else:
            user_id = user.id
    if problems:
        raise ValidationError("mentor not saved", problems)
    values = body.model_dump(exclude={"username"})
    values["conflicts"] = [ref.normalise_business_number(b) for b in body.conflicts]
    mentor = session.scalar(select(Mentor).where(Mentor.company_id == company_id, Mentor.code == body.code))
    if mentor is None:
        mentor = Mentor(company_id=company_id, **values)
        session.add(mentor)
    else:
        for k, v in values.items():
            setattr(mentor, k, v)
    mentor.user_id = user_id
    session.flush()
    return mentor


def get_mentor(session: Session, company_id: int, code: str) -> Mentor:
    return get_by_code(session, Mentor, company_id, code, "mentor")


def list_mentors(session: Session, company_id: int) -> list[Mentor]:
    return list(session.scalars(select(Mentor).where(Mentor.company_id == company_id).order_by(Mentor.code)))


def load_of(session: Session, mentor: Mentor) -> int:
    """Confirmed, not ended assignments of the mentor."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(MentorAssignment)
            .where(MentorAssignment.mentor_id == mentor.id, MentorAssignment.status == "confirmed")
        )
        or 0
    )


def _region(sigungu: str) -> str:
    if sigungu in ref.gyeonggi_north():
        return "경기북부"
    if sigungu in ref.known_sigungu():
        return "경기남부"
    return sigungu.split()[0] if sigungu else ""


def pair_score(mentor: Mentor, firm: Firm, req: MatchRequest, load: int) -> tuple[int | None, list[str]]:
    """The score of a mentor for a request, with its reasons; None when the pair is excluded."""
    if ref.normalise_business_number(firm.business_number) in mentor.conflicts:
        return None, ["conflict of interest"]
    if not mentor.available:
        return None, ["not available"]
    if load >= mentor.capacity:
        return None, ["no capacity left"]
    reasons = []
    score = 0
    skills = sorted(set(req.needs) & set(mentor.expertise))
    if skills:
        score += W_SKILL * len(skills)
        reasons.append(f"expertise: {', '.join(skills)}")
    division = ref.lookup_ksic(firm.ksic_code)
    if division is not None and division.division in mentor.industries:
        score += W_INDUSTRY
        reasons.append(f"industry: {division.division_name}")
    if mentor.sigungu and mentor.sigungu == firm.sigungu:
        score += W_SAME_SIGUNGU
        reasons.append(f"same 시·군: {firm.sigungu}")
    elif mentor.sigungu and _region(mentor.sigungu) == _region(firm.sigungu):
        score += W_SAME_REGION
        reasons.append(f"same region: {_region(firm.sigungu)}")
    if load:
        score -= W_LOAD * load
        reasons.append(f"load: {load}/{mentor.capacity}")
    return score, reasons


def optimise(session: Session, company_id: int, requests: list[MatchRequest]) -> list[Proposal]:
    """The assignment of mentors to requests that maximises the total score, each mentor within their
    remaining capacity, each request at most one mentor, never a conflict of interest (CP-SAT)."""
    problems = [
        Problem(reason=f"stage must be one of {', '.join(STAGES)}", field="stage", row=n)
        for n, r in enumerate(requests, start=1)
        if r.stage not in STAGES
    ]
    if problems:
        raise ValidationError("no proposal made", problems)
    firms = {r.firm_id: get_firm(session, company_id, r.firm_id) for r in requests}
    mentors = [m for m in list_mentors(session, company_id) if m.available]
    loads = {m.id: load_of(session, m) for m in mentors}
    model = cp_model.CpModel()
    x: dict[tuple[int, int], Any] = {}
    scores: dict[tuple[int, int], tuple[int, list[str]]] = {}
    for i, r in enumerate(requests):
        for j, m in enumerate(mentors):
            s, why = pair_score(m, firms[r.firm_id], r, loads[m.id])
            if s is None:
                continue
            x[i, j] = model.new_bool_var(f"x_{i}_{j}")
            scores[i, j] = (s, why)
    for i in range(len(requests)):
        model.add_at_most_one(x[i, j] for j in range(len(mentors)) if (i, j) in x)
    for j, m in enumerate(mentors):
        model.add(sum(x[i, j] for i in range(len(requests)) if (i, j) in x) <= m.capacity - loads[m.id])
    # a matched request is worth a large base, so that as many requests as possible are matched first
    base = 1000
    model.maximize(sum((base + scores[k][0]) * v for k, v in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10.0
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    out = []
    for i, r in enumerate(requests):
        chosen = None
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = next((j for j in range(len(mentors)) if (i, j) in x and solver.value(x[i, j])), None)
        if chosen is None:
            out.append(Proposal(r, None, 0.0, ["no mentor without conflict and with capacity"]))
        else:
            s, why = scores[i, chosen]
            out.append(Proposal(r, mentors[chosen], float(s), why))
    return out


def propose(
    session: Session, company_id: int, requests: list[MatchRequest], at: datetime
) -> list[MentorAssignment]:
    """Run the optimiser and record its matches as proposed assignments (earlier proposals for the same
    firm and stage are replaced); a consultant confirms them."""
    rows = []
    for p in optimise(session, company_id, requests):
        if p.mentor is None:
            continue
        for old in session.scalars(
            select(MentorAssignment).where(
                MentorAssignment.firm_id == p.request.firm_id,
                MentorAssignment.stage == p.request.stage,
                MentorAssignment.status == "proposed",
            )
        ):
            session.delete(old)
        a = MentorAssignment(
            company_id=company_id,
            mentor_id=p.mentor.id,
            firm_id=p.request.firm_id,
            application_id=p.request.application_id,
            stage=p.request.stage,
            status="proposed",
            score=p.score,
            reasons=p.reasons,
            proposed_at=at,
        )
        session.add(a)
        rows.append(a)
    session.flush()
    return rows


def get_assignment(session: Session, company_id: int, assignment_id: uuid.UUID | str) -> MentorAssignment:
    try:
        aid = assignment_id if isinstance(assignment_id, uuid.UUID) else uuid.UUID(str(assignment_id))
    except ValueError as exc:
        raise NotFound(f"assignment {assignment_id} not found") from exc
    a = session.get(MentorAssignment, aid)
    if a is None or a.company_id != company_id:
        raise NotFound(f"assignment {assignment_id} not found")
    return a


def confirm(session: Session, a: MentorAssignment, by: str, at: datetime) -> MentorAssignment:
    if a.status != "proposed":
        raise IllegalTransition(f"an assignment that is {a.status} cannot be confirmed")
    if ref.normalise_business_number(a.firm.business_number) in a.mentor.conflicts:
        raise Conflict("the mentor has a conflict of interest with this firm")
    if load_of(session, a.mentor) >= a.mentor.capacity:
        raise Conflict(f"mentor {a.mentor.code} has no capacity left")
    a.status = "confirmed"
    a.confirmed_at = at
    a.confirmed_by = by
    session.flush()
    return a


def assign(
    session: Session,
    company_id: int,
    mentor_code: str,
    firm: Firm,
    stage: str,
    by: str,
    at: datetime,
    application_id: uuid.UUID | None = None,
) -> MentorAssignment:
    """A consultant's direct choice: propose and confirm in one step (same checks)."""
    if stage not in STAGES:
        raise ValidationError(
            "not assigned", [Problem(reason=f"stage must be one of {', '.join(STAGES)}", field="stage")]
        )
    mentor = get_mentor(session, company_id, mentor_code)
    a = MentorAssignment(
        company_id=company_id,
        mentor_id=mentor.id,
        firm_id=firm.id,
        application_id=application_id,
        stage=stage,
        status="proposed",
        proposed_at=at,
        reasons=["chosen by the consultant"],
    )
    session.add(a)
    session.flush()
    session.refresh(a)
    return confirm(session, a, by, at)


def end(session: Session, a: MentorAssignment, at: datetime) -> MentorAssignment:
    if a.status != "confirmed":
        raise IllegalTransition(f"an assignment that is {a.status} cannot end")
    a.status = "ended"
    session.flush()
    return a


def record_visit(session: Session, a: MentorAssignment, body: MentorVisitIn) -> MentorVisit:
    if a.status not in ("confirmed", "ended"):
        raise IllegalTransition("visits are recorded on confirmed assignments only")
    v = MentorVisit(
        company_id=a.company_id,
        assignment_id=a.id,
        visited_at=body.visited_at,
        mode=body.mode,
        summary=body.summary,
        actions=body.actions,
        confirmed_by_firm=body.confirmed_by_firm,
    )
    session.add(v)
    session.flush()
    return v


def assignments_of_firm(session: Session, firm: Firm) -> list[MentorAssignment]:
    return list(
        session.scalars(
            select(MentorAssignment)
            .where(MentorAssignment.firm_id == firm.id)
            .order_by(MentorAssignment.proposed_at.desc())
        )
    )


def assignments(session: Session, company_id: int, mentor: Mentor | None = None) -> list[MentorAssignment]:
    stmt = select(MentorAssignment).where(MentorAssignment.company_id == company_id)
    if mentor is not None:
        stmt = stmt.where(MentorAssignment.mentor_id == mentor.id)
    return list(session.scalars(stmt.order_by(MentorAssignment.proposed_at.desc())))


def visits_of(session: Session, a: MentorAssignment) -> list[MentorVisit]:
    return list(
        session.scalars(
            select(MentorVisit).where(MentorVisit.assignment_id == a.id).order_by(MentorVisit.visited_at)
        )
    )


def mentor_out(session: Session, m: Mentor) -> dict[str, Any]:
    return {
        "code": m.code,
        "name": m.name,
        "organisation": m.organisation,
        "expertise": m.expertise,
        "industries": m.industries,
        "sigungu": m.sigungu,
        "capacity": m.capacity,
        "load": load_of(session, m),
        "available": m.available,
        "conflicts": [ref.format_business_number(b) for b in m.conflicts],
        "has_login": m.user_id is not None,
    }


def assignment_out(session: Session, a: MentorAssignment) -> dict[str, Any]:
    visits = visits_of(session, a)
    return {
        "id": str(a.id),
        "mentor": a.mentor.code,
        "mentor_name": a.mentor.name,
        "firm_id": str(a.firm_id),
        "firm": a.firm.name,
        "stage": a.stage,
        "status": a.status,
        "score": a.score,
        "reasons": a.reasons,
        "application_id": str(a.application_id) if a.application_id else None,
        "confirmed_at": a.confirmed_at.isoformat() if a.confirmed_at else None,
        "confirmed_by": a.confirmed_by,
        "visits": [
            {
                "id": str(v.id),
                "n": n,
                "visited_at": v.visited_at.isoformat(),
                "mode": v.mode,
                "summary": v.summary,
                "actions": v.actions,
                "confirmed_by_firm": v.confirmed_by_firm,
            }
            for n, v in enumerate(visits, start=1)
        ],
    }
