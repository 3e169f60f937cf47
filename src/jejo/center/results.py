"""The firm's side of results with consent (성과): projects, indicators, consent, usage, and the push to
the center.

A firm running jejo declares a project with its baseline (before) period and, once the build runs, its
after period. jejo measures the production indicators from the firm's own records; employment and
safety (and anything jejo cannot measure) are typed in and marked ``self_reported``. The firm sets a
consent per indicator: ``private`` (never leaves this instance), ``center`` (the center sees it) or
``public`` (may be published, anonymised, in the results-day booklet). A push carries only the shared
indicators and is queued in an outbox, then delivered with the center's signed token and retried until
the center accepts it; the center treats a repeated push id as a no-op.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.center.indicators import BY_KEY, CONSENTS, MEASURED_KEYS, change, indicator, measure
from jejo.center.results_tables import PushOutbox, ResultProject, ResultValue
from jejo.core.errors import Conflict, NotFound, Problem, ValidationError
from jejo.core.ids import is_valid_code, new_event_id
from jejo.core.timeutil import as_utc, utcnow

PUSH_PATH = "/api/v1/center/federation/push"
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
#: usage is reported per day for this many days back
USAGE_DAYS = 35


def create_project(
    session: Session,
    company_id: int,
    *,
    code: str,
    title: str,
    year: int,
    before_from: datetime,
    before_to: datetime,
    after_from: datetime | None = None,
    after_to: datetime | None = None,
    program: str = "",
    center_url: str = "",
    center_token: str = "",
    case_study: bool = False,
    share_usage: bool = True,
) -> ResultProject:
    problems: list[Problem] = []
    if not is_valid_code(code):
        problems.append(Problem("letters, digits and . _ - only", field="code"))
    if not title.strip():
        problems.append(Problem("required", field="title"))
    if as_utc(before_to) <= as_utc(before_from):
        problems.append(Problem("must be after before_from", field="before_to"))
    if (after_from is None) != (after_to is None):
        problems.append(Problem("give both ends of the after period", field="after_to"))
    elif after_from is not None and after_to is not None and as_utc(after_to) <= as_utc(after_from):
        problems.append(Problem("must be after after_from", field="after_to"))
    if center_url and not center_url.startswith(("http://", "https://")):
        problems.append(Problem("an http(s) URL", field="center_url"))
    if problems:
        raise ValidationError("project not created", problems)
    if session.scalar(
        select(ResultProject.id).where(ResultProject.company_id == company_id, ResultProject.code == code)
    ):
        raise Conflict(f"project {code} already exists", [Problem("already exists", field="code")])
    p = ResultProject(
        company_id=company_id,
        code=code,
        title=title,
        program=program,
        year=year,
        before_from=as_utc(before_from),
        before_to=as_utc(before_to),
        after_from=as_utc(after_from) if after_from else None,
        after_to=as_utc(after_to) if after_to else None,
        center_url=center_url.rstrip("/"),
        center_token=center_token,
        case_study=case_study,
        share_usage=share_usage,
    )
    session.add(p)
    session.flush()
    return p


def get_project(session: Session, company_id: int, code: str) -> ResultProject:
    p = session.scalar(
        select(ResultProject).where(ResultProject.company_id == company_id, ResultProject.code == code)
    )
    if p is None:
        raise NotFound(f"project {code} not found")
    return p


def _value(session: Session, p: ResultProject, key: str) -> ResultValue:
    v = next((x for x in p.values if x.indicator == key), None)
    if v is None:
        v = ResultValue(company_id=p.company_id, project_id=p.id, indicator=key, consent="private")
        p.values.append(v)
    return v


def measure_project(session: Session, p: ResultProject) -> ResultProject:
    """Measure the production indicators of both periods from this instance's records. A value the
    firm typed in is left alone; consents stay as they are (new indicators start private)."""
    before = measure(session, p.company_id, as_utc(p.before_from), as_utc(p.before_to))
    after = (
        measure(session, p.company_id, as_utc(p.after_from), as_utc(p.after_to))
        if p.after_from and p.after_to
        else None
    )
    for key in MEASURED_KEYS:
        v = _value(session, p, key)
        if v.source == "self_reported" and (v.before is not None or v.after is not None):
            continue
        mb = before[key]
        ma = after[key] if after else None
        v.source = "measured"
        v.before = mb.value
        v.after = ma.value if ma else None
        v.evidence = {"before": mb.evidence(), **({"after": ma.evidence()} if ma else {})}
    session.flush()
    return p


def set_value(
    session: Session, p: ResultProject, key: str, before: float | None, after: float | None
) -> ResultValue:
    """A value typed in by the firm: marked self-reported (its measured evidence goes)."""
    indicator(key)
    v = _value(session, p, key)
    v.before, v.after, v.source, v.evidence = before, after, "self_reported", {}
    session.flush()
    return v


def set_consent(session: Session, p: ResultProject, key: str, consent: str) -> ResultValue:
    indicator(key)
    if consent not in CONSENTS:
        raise ValidationError(
            "consent not set", [Problem(f"must be one of {', '.join(CONSENTS)}", field="consent")]
        )
    v = _value(session, p, key)
    v.consent = consent
    session.flush()
    return v


def value_out(v: ResultValue) -> dict[str, Any]:
    ind = BY_KEY[v.indicator]
    c = change(v.indicator, v.before, v.after)
    return {
        "indicator": v.indicator,
        "name": ind.name_ko,
        "unit": ind.unit,
        "is_rate": ind.is_rate,
        "before": v.before,
        "after": v.after,
        "change_pct": c.change_pct,
        "improvement_pct": c.improvement_pct,
        "change_pp": c.change_pp,
        "improved": c.improved,
        "source": v.source,
        "consent": v.consent,
        "evidence_count": {k: e.get("count") for k, e in (v.evidence or {}).items() if isinstance(e, dict)},
    }


def project_out(p: ResultProject) -> dict[str, Any]:
    return {
        "code": p.code,
        "title": p.title,
        "program": p.program,
        "year": p.year,
        "before": [as_utc(p.before_from).isoformat(), as_utc(p.before_to).isoformat()],
        "after": [as_utc(p.after_from).isoformat(), as_utc(p.after_to).isoformat()]
        if p.after_from and p.after_to
        else None,
        "center_url": p.center_url,
        "linked": bool(p.center_token),
        "case_study": p.case_study,
        "share_usage": p.share_usage,
        "values": [value_out(v) for v in p.values],
    }


# ---- usage (운영기록) ------------------------------------------------------------------------------


def usage_days(session: Session, company_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """Records written per module per day (from the event log, by the event type's module) and the
    people who wrote them, over [start, end] in UTC days."""
    from jejo.execution.tables import Event

    t0 = datetime.combine(start, datetime.min.time(), UTC)
    t1 = datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)
    rows = session.execute(
        select(Event.occurred_at, Event.type, Event.actor).where(
            Event.company_id == company_id, Event.occurred_at >= t0, Event.occurred_at < t1
        )
    ).all()
    per: dict[tuple[date, str], list[int]] = {}
    people: dict[date, set[str]] = {}
    for at, type_, actor in rows:
        day = as_utc(at).date()
        module = type_.split(".", 1)[0]
        per.setdefault((day, module), [0])[0] += 1
        people.setdefault(day, set()).add(actor)
    out = [
        {"day": d.isoformat(), "module": m, "records": n[0], "users": len(people.get(d, ()))}
        for (d, m), n in sorted(per.items())
    ]
    return out


# ---- push -------------------------------------------------------------------------------------------


def payload(session: Session, p: ResultProject, push_id: str, today: date | None = None) -> dict[str, Any]:
    """What a push sends: the project and its indicators the firm shares; never a private value."""
    inds = [
        {
            "indicator": v.indicator,
            "before": v.before,
            "after": v.after,
            "source": v.source,
            "consent": v.consent,
            "evidence": v.evidence or {},
        }
        for v in sorted(p.values, key=lambda x: x.indicator)
        if v.consent in ("center", "public")
    ]
    body: dict[str, Any] = {
        "push_id": push_id,
        "project": {
            "code": p.code,
            "title": p.title,
            "program": p.program,
            "year": p.year,
            "before_from": as_utc(p.before_from).isoformat(),
            "before_to": as_utc(p.before_to).isoformat(),
            "after_from": as_utc(p.after_from).isoformat() if p.after_from else None,
            "after_to": as_utc(p.after_to).isoformat() if p.after_to else None,
            "case_study": p.case_study,
        },
        "indicators": inds,
        "usage": [],
    }
    if p.share_usage:
        today = today or utcnow().date()
        body["usage"] = usage_days(session, p.company_id, today - timedelta(days=USAGE_DAYS), today)
    return body


def queue_push(session: Session, p: ResultProject, today: date | None = None) -> PushOutbox:
    """Queue the project's current shared state for delivery to the center."""
    if not p.center_url or not p.center_token:
        raise ValidationError(
            "project not linked to a center",
            [Problem("set the center's URL and the token the center issued", field="center_token")],
        )
    push_id = str(new_event_id())
    row = PushOutbox(
        company_id=p.company_id, push_id=push_id, project_id=p.id, payload=payload(session, p, push_id, today)
    )
    session.add(row)
    session.flush()
    return row


def _still_consented(session: Session, row: PushOutbox) -> bool:
    """A queued push may only carry what is still shared now (consent can be withdrawn meanwhile)."""
    p = session.get(ResultProject, row.project_id)
    if p is None:
        return False
    shared = {v.indicator: v.consent for v in p.values if v.consent in ("center", "public")}
    return all(shared.get(i["indicator"]) == i["consent"] for i in row.payload.get("indicators", []))


def deliver(
    session: Session,
    company_id: int,
    client: Any,
    *,
    tries: int = 3,
    backoff_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Send every pending push (oldest first) with ``client`` (an ``httpx.Client``), each up to ``tries``
    times with exponential back-off on a network error or a temporary answer (408/429/5xx). A push whose
    consents changed since it was queued is re-built before it goes. What still fails stays pending."""
    import httpx

    pending = session.scalars(
        select(PushOutbox)
        .where(PushOutbox.company_id == company_id, PushOutbox.status == "pending")
        .order_by(PushOutbox.id)
    ).all()
    sent: list[str] = []
    failed: list[str] = []
    for row in pending:
        p = session.get(ResultProject, row.project_id)
        if p is None:
            continue
        if not _still_consented(session, row):
            row.push_id = str(new_event_id())
            row.payload = payload(session, p, row.push_id)
        url = p.center_url + PUSH_PATH
        ok = False
        for attempt in range(tries):
            row.attempts += 1
            try:
                r = client.post(url, json=row.payload, headers={"Authorization": f"Bearer {p.center_token}"})
            except httpx.HTTPError as exc:
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
            else:
                if r.status_code < 300:
                    row.status, row.sent_at, row.last_error = "sent", utcnow(), ""
                    ok = True
                    break
                row.last_error = f"HTTP {r.status_code}: {r.text[:400]}"
                if r.status_code not in RETRY_STATUS:
                    break
            if attempt + 1 < tries:
                sleep(backoff_s * 2**attempt)
        (sent if ok else failed).append(row.push_id)
    session.flush()
    return {"sent": sent, "failed": failed}


def outbox(session: Session, company_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(PushOutbox).where(PushOutbox.company_id == company_id).order_by(PushOutbox.id)
    )
    return [
        {
            "push_id": r.push_id,
            "status": r.status,
            "attempts": r.attempts,
            "last_error": r.last_error,
            "indicators": len(r.payload.get("indicators", [])),
        }
        for r in rows
    ]


def pending_count(session: Session, company_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(PushOutbox)
            .where(PushOutbox.company_id == company_id, PushOutbox.status == "pending")
        )
        or 0
    )
