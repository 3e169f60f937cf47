"""The center's side of federation: links to firms' instances, signed tokens, and the intake of the
results and usage records those instances push.

A consultant links a firm record to the firm's own jejo by issuing a token, signed with the center's
secret key and naming the link; the firm's instance sends it with every push. A push is the full
current state of one project's *consented* indicators: what it carries replaces what the center held for
that project, an indicator it no longer carries (consent withdrawn) is removed, and a second delivery
of the same push id changes nothing. ``private`` values are refused: they must never leave the firm.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from jejo.center.indicators import BY_KEY, SOURCES, change
from jejo.center.plans import get_firm
from jejo.center.results_tables import FederationLink, PushReceipt, SharedResult, UsageDay
from jejo.center.tables import Firm
from jejo.core.errors import Conflict, NotFound, Problem, Unauthorized, ValidationError
from jejo.core.timeutil import as_utc, utcnow

SALT = "jejo-center-federation"
SHARED = ("center", "public")
#: a firm whose jejo recorded nothing for this many days shows as unused
UNUSED_AFTER_DAYS = 14


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(
    session: Session, company_id: int, firm: str | uuid.UUID, secret: str, label: str = ""
) -> tuple[FederationLink, str]:
    """Link a firm record to the firm's instance; the token is returned once, only its hash is kept."""
    f = get_firm(session, company_id, firm)
    link = FederationLink(company_id=company_id, firm_id=f.id, token_hash="", label=label or f.name)
    session.add(link)
    session.flush()
    token = "jejofed_" + _serializer(secret).dumps({"c": company_id, "l": str(link.id)})
    link.token_hash = _hash(token)
    return link, token


def revoke_link(session: Session, company_id: int, link_id: uuid.UUID) -> FederationLink:
    link = session.get(FederationLink, link_id)
    if link is None or link.company_id != company_id:
        raise NotFound(f"federation link {link_id} not found")
    link.revoked_at = utcnow()
    return link


def link_for_token(session: Session, secret: str, token: str) -> FederationLink:
    """The live link a token names; a token that is forged, revoked or replaced is refused."""
    if not token.startswith("jejofed_"):
        raise Unauthorized("not a federation token")
    try:
        data = _serializer(secret).loads(token[len("jejofed_") :])
        link_id = uuid.UUID(str(data["l"]))
    except (BadSignature, KeyError, ValueError, TypeError) as exc:
        raise Unauthorized("invalid federation token") from exc
    link = session.get(FederationLink, link_id)
    if link is None or link.company_id != int(data["c"]) or link.token_hash != _hash(token):
        raise Unauthorized("unknown federation link")
    if link.revoked_at is not None:
        raise Unauthorized("this federation link was revoked")
    return link


def _dt(value: Any, field: str, problems: list[Problem]) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return as_utc(datetime.fromisoformat(str(value)))
    except ValueError:
        problems.append(Problem("an ISO 8601 time", field=field))
        return None


def _num(value: Any, field: str, row: int, problems: list[Problem]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(Problem("must be a number", field=field, row=row))
        return None
    return float(value)


def receive_push(session: Session, link: FederationLink, body: dict[str, Any]) -> dict[str, Any]:
    """Take one push from a firm's instance (idempotent on ``push_id``)."""
    problems: list[Problem] = []
    push_id = str(body.get("push_id") or "")
    if not 8 <= len(push_id) <= 64:
        problems.append(Problem("8 to 64 characters", field="push_id"))
    proj = body.get("project") or {}
    code = str(proj.get("code") or "")
    if not code or len(code) > 64:
        problems.append(Problem("the project's code is required", field="project.code"))
    try:
        year = int(proj.get("year") or 0)
    except (TypeError, ValueError):
        year = 0
        problems.append(Problem("a year", field="project.year"))
    bf = _dt(proj.get("before_from"), "project.before_from", problems)
    bt = _dt(proj.get("before_to"), "project.before_to", problems)
    af = _dt(proj.get("after_from"), "project.after_from", problems)
    at = _dt(proj.get("after_to"), "project.after_to", problems)
    rows: list[dict[str, Any]] = []
    for i, ind in enumerate(body.get("indicators") or [], start=1):
        key = str(ind.get("indicator", ""))
        if key not in BY_KEY:
            problems.append(Problem(f"unknown indicator {key!r}", field="indicators.indicator", row=i))
            continue
        consent = ind.get("consent")
        if consent not in SHARED:
            problems.append(
                Problem(
                    "only values shared with the center (center, public) may be sent; "
                    "private stays with the firm",
                    field="indicators.consent",
                    row=i,
                )
            )
        source = ind.get("source")
        if source not in SOURCES:
            problems.append(Problem(f"must be one of {', '.join(SOURCES)}", field="indicators.source", row=i))
        rows.append(
            {
                "indicator": key,
                "before": _num(ind.get("before"), "indicators.before", i, problems),
                "after": _num(ind.get("after"), "indicators.after", i, problems),
                "consent": consent,
                "source": source,
                "evidence": ind.get("evidence") if isinstance(ind.get("evidence"), dict) else {},
            }
        )
    usage: list[dict[str, Any]] = []
    for i, u in enumerate(body.get("usage") or [], start=1):
        try:
            usage.append(
                {
                    "day": date.fromisoformat(str(u["day"])),
                    "module": str(u["module"])[:32],
                    "records": int(u.get("records", 0)),
                    "users": int(u.get("users", 0)),
                }
            )
        except (KeyError, ValueError, TypeError):
            problems.append(Problem("day (YYYY-MM-DD), module, records", field="usage", row=i))
    if problems:
        raise ValidationError("push refused", problems)
    cid = link.company_id
    done = session.scalar(
        select(PushReceipt).where(PushReceipt.company_id == cid, PushReceipt.push_id == push_id)
    )
    if done is not None:
        if done.link_id != link.id:
            raise Conflict(
                "this push id was used by another link", [Problem("already used", field="push_id")]
            )
        return {
            "push_id": push_id,
            "duplicate": True,
            "indicators": done.indicators,
            "usage_days": done.usage_days,
        }
    firm_id = link.firm_id
    keep = {r["indicator"] for r in rows}
    # consent withdrawn: what this project no longer shares goes (typed-in center rows have no push id)
    session.execute(
        delete(SharedResult).where(
            SharedResult.company_id == cid,
            SharedResult.firm_id == firm_id,
            SharedResult.project == code,
            SharedResult.push_id.is_not(None),
            SharedResult.indicator.not_in(keep) if keep else SharedResult.indicator.is_not(None),
        )
    )
    now = utcnow()
    for r in rows:
        ind = BY_KEY[r["indicator"]]
        row = session.scalar(
            select(SharedResult).where(
                SharedResult.company_id == cid,
                SharedResult.firm_id == firm_id,
                SharedResult.project == code,
                SharedResult.indicator == r["indicator"],
            )
        )
        if row is None:
            row = SharedResult(company_id=cid, firm_id=firm_id, project=code, indicator=r["indicator"])
            session.add(row)
        row.project_title = str(proj.get("title") or "")[:300]
        row.program = str(proj.get("program") or "")[:64]
        row.year = year
        row.unit = ind.unit
        row.before, row.after = r["before"], r["after"]
        row.before_from, row.before_to, row.after_from, row.after_to = bf, bt, af, at
        row.source, row.consent = r["source"], r["consent"]
        row.case_study = bool(proj.get("case_study"))
        row.evidence = r["evidence"]
        row.push_id = push_id
        row.received_at = now
    for u in usage:
        day_row = session.scalar(
            select(UsageDay).where(
                UsageDay.company_id == cid,
                UsageDay.firm_id == firm_id,
                UsageDay.day == u["day"],
                UsageDay.module == u["module"],
            )
        )
        if day_row is None:
            day_row = UsageDay(company_id=cid, firm_id=firm_id, day=u["day"], module=u["module"])
            session.add(day_row)
        day_row.records, day_row.users = u["records"], u["users"]
    session.add(
        PushReceipt(
            company_id=cid, push_id=push_id, link_id=link.id, indicators=len(rows), usage_days=len(usage)
        )
    )
    link.last_push_at = now
    session.flush()
    return {"push_id": push_id, "duplicate": False, "indicators": len(rows), "usage_days": len(usage)}


def enter_result(
    session: Session,
    company_id: int,
    firm: str | uuid.UUID,
    *,
    project: str,
    indicator: str,
    year: int,
    before: float | None,
    after: float | None,
    consent: str,
    program: str = "",
    project_title: str = "",
    case_study: bool = False,
) -> SharedResult:
    """A value typed in at the center for a firm without jejo (or from its report): self-reported."""
    problems: list[Problem] = []
    if indicator not in BY_KEY:
        problems.append(Problem(f"must be one of {', '.join(BY_KEY)}", field="indicator"))
    if consent not in SHARED:
        problems.append(Problem("the firm's consent: center or public", field="consent"))
    if not project:
        problems.append(Problem("required", field="project"))
    if problems:
        raise ValidationError("result not saved", problems)
    f = get_firm(session, company_id, firm)
    row = session.scalar(
        select(SharedResult).where(
            SharedResult.company_id == company_id,
            SharedResult.firm_id == f.id,
            SharedResult.project == project,
            SharedResult.indicator == indicator,
        )
    )
    if row is None:
        row = SharedResult(company_id=company_id, firm_id=f.id, project=project, indicator=indicator)
        session.add(row)
    row.year, row.program, row.project_title = year, program, project_title
    row.unit = BY_KEY[indicator].unit
    row.before, row.after = before, after
    row.source, row.consent, row.case_study = "self_reported", consent, case_study
    row.evidence, row.push_id, row.received_at = {}, None, utcnow()
    session.flush()
    return row


def result_out(r: SharedResult) -> dict[str, Any]:
    ind = BY_KEY[r.indicator]
    c = change(r.indicator, r.before, r.after)
    return {
        "project": r.project,
        "project_title": r.project_title,
        "program": r.program,
        "year": r.year,
        "indicator": r.indicator,
        "name": ind.name_ko,
        "unit": ind.unit,
        "is_rate": ind.is_rate,
        "before": r.before,
        "after": r.after,
        "change_pct": c.change_pct,
        "improvement_pct": c.improvement_pct,
        "change_pp": c.change_pp,
        "improved": c.improved,
        "source": r.source,
        "consent": r.consent,
        "case_study": r.case_study,
        "evidence": r.evidence,
        "received_at": as_utc(r.received_at).isoformat(),
    }


def firm_results(session: Session, company_id: int, firm_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(SharedResult)
        .where(SharedResult.company_id == company_id, SharedResult.firm_id == firm_id)
        .order_by(SharedResult.project, SharedResult.indicator)
    )
    return [result_out(r) for r in rows]


def usage_overview(
    session: Session, company_id: int, today: date | None = None, firm_ids: set[uuid.UUID] | None = None
) -> list[dict[str, Any]]:
    """Per linked firm: records in the last 7 and 30 days, the last active day, and ``unused`` when its
    jejo recorded nothing for :data:`UNUSED_AFTER_DAYS` days (or never pushed any usage)."""
    today = today or utcnow().date()
    links = session.scalars(
        select(FederationLink).where(
            FederationLink.company_id == company_id, FederationLink.revoked_at.is_(None)
        )
    ).all()
    out = []
    for fid in sorted({ln.firm_id for ln in links}, key=str):
        if firm_ids is not None and fid not in firm_ids:
            continue
        firm = session.get(Firm, fid)
        q = select(UsageDay).where(UsageDay.company_id == company_id, UsageDay.firm_id == fid)
        days = list(session.scalars(q))
        active = [d for d in days if d.records > 0]
        last = max((d.day for d in active), default=None)

        def since(n: int, active: list[UsageDay] = active) -> int:
            return sum(d.records for d in active if d.day > today - timedelta(days=n))

        modules: dict[str, int] = {}
        for d in active:
            if d.day > today - timedelta(days=30):
                modules[d.module] = modules.get(d.module, 0) + d.records
        out.append(
            {
                "firm_id": str(fid),
                "firm": firm.name if firm else "",
                "sigungu": firm.sigungu if firm else "",
                "last_active": last.isoformat() if last else None,
                "records_7d": since(7),
                "records_30d": since(30),
                "users_max": max((d.users for d in days), default=0),
                "modules_30d": modules,
                "unused": last is None or (today - last).days >= UNUSED_AFTER_DAYS,
            }
        )
    return out


def count_shared(session: Session, company_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(SharedResult).where(SharedResult.company_id == company_id)
        )
        or 0
    )
