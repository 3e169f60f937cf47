"""Playbooks: rules as data that turn findings and events into actions in jejo.

A playbook has a trigger (finding kind, machine pattern, signal, score bounds — or an event type) and
one action:

* ``maintenance_order`` — open a maintenance order on the finding's machine (maintenance services);
  with ``plan_within_hours`` it is also planned (``planned_start`` / ``planned_end``, the time the
  scheduler treats as unavailable) into a gap of the machine's plan: for an anomaly the first gap that
  starts within that many hours, for a RUL finding the last one that starts no later than that many
  hours before the predicted end of life (without a gap: at once, or at that latest start, and the
  next re-plan moves the operations around it);
* ``replan`` — re-plan the newest production plan around the finding's machine (with ``out_minutes``
  the machine is kept free that long from now; planned maintenance on it is always kept free);
* ``hold_lot`` — put the finding's lot on quality hold (quality services);
* ``notify`` — record a notice for the web inbox, or also post it to a webhook (``channel: webhook``,
  ``url``) as JSON, or mail it (``channel: email``, ``to``: addresses; the server from ``JEJO_SMTP_*``).

A playbook with an ``approve_role`` does not act at once: its action waits (``pending``) until a person
with that role (or an admin) approves it — then it is done — or rejects it. A done action can be
reverted (the order cancelled if nobody started it, the lot released, the plan re-planned without the
machine kept free, the notice withdrawn). Every action is
recorded with the finding (or event) that caused it, and who approved, rejected or reverted it. Each
(playbook, finding / event) pair acts at most once (an idempotency key), and after an action on a
machine or lot the playbook waits ``cooldown_minutes`` before acting on the same subject again (later
matches are recorded as skipped, so the history shows why nothing happened; so is a match while an
action on the same subject waits for approval).
"""

from __future__ import annotations

import fnmatch
import logging
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError as PydanticError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.ai.tables import AiFinding, Playbook, PlaybookAction
from jejo.core.db import savepoint
from jejo.core.errors import Conflict, Forbidden, JejoError, NotFound, Problem, ValidationError
from jejo.core.timeutil import as_utc, to_local, utcnow
from jejo.playbooks.schemas import PlaybookIn, Trigger

log = logging.getLogger(__name__)

ACTOR = "playbook"


def save_playbook(session: Session, company_id: int, body: PlaybookIn, actor: str) -> Playbook:
    """Create or replace a playbook by code."""
    if body.action == "hold_lot" and body.trigger.source == "finding" and body.trigger.kind == "anomaly":
        raise ValidationError(
            "a lot hold needs a finding that names a lot",
            [Problem(field="trigger.kind", reason="use 'quality' for hold_lot")],
        )
    pb = session.scalar(select(Playbook).where(Playbook.company_id == company_id, Playbook.code == body.code))
    if pb is None:
        pb = Playbook(company_id=company_id, code=body.code, created_at=utcnow())
        session.add(pb)
    pb.name = body.name
    pb.enabled = body.enabled
    pb.trigger = body.trigger.model_dump(exclude_none=True)
    pb.action = body.action
    pb.params = body.params
    pb.cooldown_minutes = body.cooldown_minutes
    pb.approve_role = body.approve_role
    pb.updated_by = actor
    session.flush()
    return pb


def parse_playbook(data: dict[str, Any]) -> PlaybookIn:
    """A playbook from plain data (YAML / JSON); problems name the field."""
    try:
        return PlaybookIn.model_validate(data)
    except PydanticError as exc:
        raise ValidationError(
            "playbook not valid",
            [Problem(field=".".join(map(str, e["loc"])), reason=e["msg"]) for e in exc.errors()],
        ) from exc


def get_playbook(session: Session, company_id: int, code: str) -> Playbook:
    pb = session.scalar(select(Playbook).where(Playbook.company_id == company_id, Playbook.code == code))
    if pb is None:
        raise NotFound(f"playbook {code} not found")
    return pb


def list_playbooks(session: Session, company_id: int) -> list[Playbook]:
    return list(
        session.scalars(select(Playbook).where(Playbook.company_id == company_id).order_by(Playbook.code))
    )


def set_enabled(session: Session, company_id: int, code: str, enabled: bool) -> Playbook:
    pb = get_playbook(session, company_id, code)
    pb.enabled = enabled
    return pb


def list_actions(
    session: Session,
    company_id: int,
    playbook: str | None = None,
    finding_id: int | None = None,
    limit: int = 200,
) -> list[PlaybookAction]:
    stmt = select(PlaybookAction).where(PlaybookAction.company_id == company_id)
    if playbook:
        stmt = stmt.join(Playbook, Playbook.id == PlaybookAction.playbook_id).where(Playbook.code == playbook)
    if finding_id is not None:
        stmt = stmt.where(PlaybookAction.finding_id == finding_id)
    return list(
        session.scalars(
            stmt.order_by(PlaybookAction.created_at.desc(), PlaybookAction.id.desc()).limit(limit)
        )
    )


# ---- matching ------------------------------------------------------------------------------------


def matches(trigger: Trigger, f: AiFinding) -> bool:
    if trigger.source != "finding":
        return False
    if trigger.kind and f.kind != trigger.kind:
        return False
    if not fnmatch.fnmatchcase(f.equipment_code or "", trigger.equipment):
        return False
    if trigger.signal:
        signals = {str(e.get("feature", "")).rpartition("_")[0] for e in f.explanation} | {
            str(e.get("feature", "")) for e in f.explanation
        }
        if trigger.signal not in signals:
            return False
    if trigger.min_score is not None and f.score < trigger.min_score:
        return False
    return not (trigger.max_score is not None and f.score > trigger.max_score)


def _in_cooldown(session: Session, company_id: int, pb: Playbook, subject: str) -> PlaybookAction | None:
    if pb.cooldown_minutes <= 0:
        return None
    since = utcnow() - timedelta(minutes=pb.cooldown_minutes)
    return session.scalar(
        select(PlaybookAction)
        .where(
            PlaybookAction.company_id == company_id,
            PlaybookAction.playbook_id == pb.id,
            PlaybookAction.subject == subject,
            PlaybookAction.status == "done",
            PlaybookAction.created_at >= since,
        )
        .order_by(PlaybookAction.created_at.desc())
        .limit(1)
    )


def _waiting(session: Session, company_id: int, pb: Playbook, subject: str) -> PlaybookAction | None:
    return session.scalar(
        select(PlaybookAction).where(
            PlaybookAction.company_id == company_id,
            PlaybookAction.playbook_id == pb.id,
            PlaybookAction.subject == subject,
            PlaybookAction.status == "pending",
        )
    )


def _plan_window(
    session: Session,
    company_id: int,
    equipment: str,
    finding: AiFinding | None,
    within_hours: float,
    duration: timedelta,
    now: datetime,
) -> tuple[datetime, bool]:
    """When to plan the work, and whether that is a gap in the machine's plan (its planned operations
    and other planned maintenance). An anomaly: the first gap that starts within ``within_hours`` — the
    machine is drifting now. A RUL finding (its score is the remaining life in hours): the last gap that
    starts within ``within_hours`` and ``within_hours`` before the predicted end of life — the part's life
    is used, the deadline kept. Without a gap: now, or that latest start."""
    from jejo.planning.gaps import first_gap, last_gap
    from jejo.planning.service import machine_busy

    latest = now + timedelta(hours=within_hours)
    rul = finding is not None and finding.kind == "rul"
    if rul and finding is not None:  # (the second test only for the type checker)
        latest = min(latest, now + timedelta(hours=max(0.0, finding.score - within_hours)))
    busy = machine_busy(session, company_id, equipment, now, latest + duration)
    start = (last_gap if rul else first_gap)(busy, now, latest, duration)
    if start is not None:
        return start, True
    return (latest if rul else now), False


def _perform(
    session: Session,
    company_id: int,
    pb: Playbook,
    subject: str,
    reason: str,
    finding: AiFinding | None,
    now: datetime,
) -> tuple[str | None, str]:
    """Do the action; returns (target, detail)."""
    params = pb.params or {}
    if pb.action == "maintenance_order":
        from jejo.maintenance.schemas import OrderIn
        from jejo.maintenance.service import open_order

        head = str(params.get("description") or pb.name)
        body = OrderIn(
            equipment=subject,
            kind=params.get("kind", "request"),
            description=f"{head} — {reason}"[:500],
            checklist=list(params.get("checklist", [])),
        )
        order = open_order(session, company_id, body, f"{ACTOR}:{pb.code}")
        within = params.get("plan_within_hours")
        if within is not None:  # schedule it: the scheduler treats the planned window as unavailable
            duration = timedelta(minutes=float(params.get("duration_minutes", 120)))
            start, in_gap = _plan_window(session, company_id, subject, finding, float(within), duration, now)
            order.planned_start, order.planned_end = start, start + duration
            where = "생산계획의 빈 시간" if in_gap else "빈 시간 없음 — 재계획 때 작업을 옮김"
            return order.code, (
                f"보전 작업지시 {order.code} 발행, {to_local(start):%m-%d %H:%M}부터 "
                f"{duration.total_seconds() / 60:g}분 계획 ({where})"
            )
        return order.code, f"보전 작업지시 {order.code} 발행"
    if pb.action == "replan":
        from jejo.planning import service as ps

        plan = ps.latest_plan(session, company_id)
        if plan is None:
            raise NotFound("there is no production plan to re-plan")
        minutes = params.get("out_minutes")
        outages = (
            [
                ps.Outage(
                    subject,
                    now,
                    now + timedelta(minutes=float(minutes)),
                    "maintenance",
                    f"playbook:{pb.code}",
                )
            ]
            if minutes
            else None
        )
        version = ps.replan(
            session,
            company_id,
            plan.code,
            f"{ACTOR}:{pb.code}",
            detail={"equipment": subject, "cause": reason[:200]},
            outages=outages,
            now=now,
        )
        kept = f", {subject} {float(minutes):g}분 비움" if minutes else ""
        return plan.code, f"생산계획 {plan.code} v{version.version} 재계획{kept} (이전 버전은 이력에 남음)"
    if pb.action == "hold_lot":
        from jejo.quality.service import hold_lot

        hold_lot(
            session, company_id, subject, str(params.get("reason") or reason)[:200], f"{ACTOR}:{pb.code}"
        )
        return subject, f"로트 {subject} 보류"
    message = str(params.get("message") or pb.name)
    if params.get("channel") == "webhook":
        _post_webhook(str(params["url"]), pb, subject, message, reason, finding)
        return None, f"알림(웹훅): {message} — {reason}"[:500]
    if params.get("channel") == "email":
        to = [str(a) for a in params.get("to", [])]
        _send_mail(
            to, f"[jejo] {message} — {subject}", f"{message}\n\n{reason}\n\n플레이북 {pb.code} ({pb.name})"
        )
        return None, f"알림(메일 {', '.join(to)}): {message} — {reason}"[:500]
    return None, f"알림: {message} — {reason}"[:500]


def _send_mail(to: list[str], subject: str, text: str) -> None:
    """Send a plain-text notice through the configured mail server (``JEJO_SMTP_*``); a missing server
    or a refused message fails the action."""
    import smtplib
    from email.message import EmailMessage

    from jejo.core.settings import Settings

    cfg = Settings()
    if not cfg.smtp_host:
        raise Conflict("no mail server is configured (JEJO_SMTP_HOST); the notice was not sent")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg.smtp_from, ", ".join(to), subject
    msg.set_content(text)
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=10) as smtp:
            if cfg.smtp_starttls:
                smtp.starttls()
            if cfg.smtp_user:
                smtp.login(cfg.smtp_user, cfg.smtp_password.get_secret_value() if cfg.smtp_password else "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise Conflict(f"mail to {', '.join(to)} not sent: {exc}") from exc


def _post_webhook(
    url: str, pb: Playbook, subject: str, message: str, reason: str, finding: AiFinding | None
) -> None:
    """POST the notice as JSON; a refused or failed delivery fails the action (recorded, retried by
    nobody — the action shows it)."""
    import httpx

    body = {
        "playbook": pb.code,
        "subject": subject,
        "message": message,
        "reason": reason,
        "finding": None
        if finding is None
        else {"code": finding.code, "kind": finding.kind, "score": finding.score, "summary": finding.summary},
    }
    try:
        httpx.post(url, json=body, timeout=5.0).raise_for_status()
    except httpx.HTTPError as exc:
        raise Conflict(f"webhook {url} not delivered: {exc}") from exc


def _act(
    session: Session,
    company_id: int,
    pb: Playbook,
    *,
    subject: str | None,
    key: str,
    reason: str,
    finding: AiFinding | None = None,
    event_id: str | None = None,
    now: datetime | None = None,
) -> PlaybookAction | None:
    if session.scalar(
        select(PlaybookAction.id).where(
            PlaybookAction.company_id == company_id, PlaybookAction.idempotency_key == key
        )
    ):
        return None  # this playbook already handled this finding / event
    row = PlaybookAction(
        company_id=company_id,
        playbook_id=pb.id,
        finding_id=finding.id if finding else None,
        event_id=event_id,
        subject=subject or "-",
        action=pb.action,
        idempotency_key=key,
        created_at=utcnow(),
    )
    row.reason = reason[:500]
    if not subject:
        row.status, row.detail = "skipped", "대상(설비/로트)이 없음"
    elif (prev := _in_cooldown(session, company_id, pb, subject)) is not None:
        row.status = "skipped"
        row.detail = f"재실행 대기 중 ({pb.cooldown_minutes}분, 직전 조치 {prev.target or prev.id})"
    elif pb.approve_role and (waiting := _waiting(session, company_id, pb, subject)) is not None:
        row.status, row.detail = "skipped", f"같은 대상의 조치 #{waiting.id}가 승인을 기다리는 중"
    elif pb.approve_role:
        row.status, row.detail = "pending", f"승인 대기 ({pb.approve_role})"
    else:
        _carry_out(session, company_id, pb, row, finding, now or utcnow())
    session.add(row)
    session.flush()
    return row


def _carry_out(
    session: Session,
    company_id: int,
    pb: Playbook,
    row: PlaybookAction,
    finding: AiFinding | None,
    now: datetime,
    note: str = "",
) -> None:
    """Do the action of ``row`` in a savepoint: done with its target and detail (plus ``note``), or
    failed with the reason — nothing of a failed action stays."""
    try:
        with savepoint(session):
            row.target, detail = _perform(
                session, company_id, pb, row.subject, row.reason or pb.name, finding, now
            )
        row.status, row.detail = "done", f"{detail}{note}"[:500]
    except (JejoError, PydanticError) as exc:
        row.status, row.detail = "failed", str(exc)[:500]
        log.warning("playbook %s failed on %s: %s", pb.code, row.subject, exc)


def run_for_findings(
    session: Session, company_id: int, findings: list[AiFinding], *, now: datetime | None = None
) -> list[PlaybookAction]:
    """Apply every enabled finding playbook to each finding (once per pair; cooldown per subject).
    ``now`` is the time the findings were scored up to (default: the clock); work is planned from it."""
    done: list[PlaybookAction] = []
    books = [pb for pb in list_playbooks(session, company_id) if pb.enabled]
    for f in findings:
        if f.status == "dismissed":
            continue
        for pb in books:
            trig = Trigger.model_validate(pb.trigger)
            if not matches(trig, f):
                continue
            subject = (
                f.lot_code
                if pb.action == "hold_lot"
                else f.equipment_code or (f.lot_code if pb.action == "notify" else None)
            )
            reason = f.summary or f"{f.kind} score {f.score:.2f}"
            act = _act(
                session,
                company_id,
                pb,
                subject=subject,
                key=f"pb:{pb.code}:finding:{f.code}",
                reason=reason,
                finding=f,
                now=now,
            )
            if act is not None:
                done.append(act)
    return done


def run_for_events(session: Session, company_id: int, events: list[Any]) -> list[PlaybookAction]:
    """Apply the enabled event playbooks to events of the event log (``type``, ``equipment_code``,
    ``payload`` with ``equipment`` or ``lot``)."""
    done: list[PlaybookAction] = []
    books = [
        pb for pb in list_playbooks(session, company_id) if pb.enabled and pb.trigger.get("source") == "event"
    ]
    for ev in events:
        payload = getattr(ev, "payload", None) or {}
        for pb in books:
            trig = Trigger.model_validate(pb.trigger)
            if trig.event_type and ev.type != trig.event_type:
                continue
            equipment = getattr(ev, "equipment_code", None) or payload.get("equipment")
            lot = payload.get("lot")
            subject = (
                lot if pb.action == "hold_lot" else equipment or (lot if pb.action == "notify" else None)
            )
            if pb.action != "hold_lot" and not fnmatch.fnmatchcase(equipment or "", trig.equipment):
                continue
            reason = f"이벤트 {ev.type} ({as_utc(ev.occurred_at):%Y-%m-%d %H:%M} UTC)"
            act = _act(
                session,
                company_id,
                pb,
                subject=subject,
                key=f"pb:{pb.code}:event:{ev.id}",
                reason=reason,
                event_id=str(ev.id),
            )
            if act is not None:
                done.append(act)
    return done


# ---- approval and reverting ------------------------------------------------------------------------


def get_action(session: Session, company_id: int, action_id: int) -> PlaybookAction:
    a = session.get(PlaybookAction, action_id)
    if a is None or a.company_id != company_id:
        raise NotFound(f"playbook action {action_id} not found")
    return a


def _may_decide(a: PlaybookAction, roles: list[str] | tuple[str, ...]) -> None:
    if a.status != "pending":
        raise Conflict(
            f"playbook action {a.id} is {a.status}; only a pending one can be approved or rejected"
        )
    role = a.playbook.approve_role
    if role and role not in roles and "admin" not in roles:
        raise Forbidden(f"playbook action {a.id} waits for the {role} role to approve it")


def approve_action(
    session: Session, company_id: int, action_id: int, actor: str, roles: list[str] | tuple[str, ...]
) -> PlaybookAction:
    """Approve a pending action and do it now (planned from now); it ends done or failed."""
    a = get_action(session, company_id, action_id)
    _may_decide(a, roles)
    a.decided_by, a.decided_at = actor, utcnow()
    _carry_out(session, company_id, a.playbook, a, a.finding, utcnow(), f" (승인 {actor})")
    session.flush()
    return a


def reject_action(
    session: Session,
    company_id: int,
    action_id: int,
    actor: str,
    roles: list[str] | tuple[str, ...],
    note: str | None = None,
) -> PlaybookAction:
    """Reject a pending action: nothing is done; the note says why."""
    a = get_action(session, company_id, action_id)
    _may_decide(a, roles)
    a.status, a.decided_by, a.decided_at = "rejected", actor, utcnow()
    a.detail = f"반려 ({actor}){': ' + note if note else ''}"[:500]
    session.flush()
    return a


def revert_action(
    session: Session,
    company_id: int,
    action_id: int,
    actor: str,
    note: str | None = None,
    *,
    roles: list[str] | tuple[str, ...] | None = None,
) -> PlaybookAction:
    """Undo a done action: cancel its maintenance order (if nobody started it), release its lot hold,
    re-plan again without the machine kept free, or withdraw its notice (a webhook or mail already sent
    stays sent). With ``roles`` (a caller without the right to change work orders) only the playbook's
    approving role or an admin may."""
    a = get_action(session, company_id, action_id)
    role = a.playbook.approve_role
    if roles is not None and "admin" not in roles and (role is None or role not in roles):
        raise Forbidden(f"reverting playbook action {a.id} needs {role or 'a supervisor'}'s rights")
    if a.status != "done":
        raise Conflict(f"playbook action {a.id} is {a.status}; only a done one can be reverted")
    why = f"조치 되돌림 ({actor}){': ' + note if note else ''}"
    if a.action == "maintenance_order" and a.target:
        from jejo.maintenance.service import cancel_order

        cancel_order(session, company_id, a.target)
    elif a.action == "hold_lot" and a.target:
        from jejo.quality.service import release_lot

        release_lot(session, company_id, a.target, why[:200], actor)
    elif a.action == "replan" and a.target:  # re-plan again without the machine kept free
        from jejo.planning import service as ps

        version = ps.replan(session, company_id, a.target, actor, detail={"reverts": a.id}, now=utcnow())
        why += f"; 생산계획 {a.target} v{version.version}"
    a.status, a.reverted_by, a.reverted_at = "reverted", actor, utcnow()
    a.detail = f"{a.detail} — {why}"[:500]
    session.flush()
    return a


def playbook_out(pb: Playbook) -> dict[str, Any]:
    return {
        "code": pb.code,
        "name": pb.name,
        "enabled": pb.enabled,
        "trigger": pb.trigger,
        "action": pb.action,
        "params": pb.params,
        "cooldown_minutes": pb.cooldown_minutes,
        "approve_role": pb.approve_role,
        "updated_by": pb.updated_by,
    }


def action_out(a: PlaybookAction) -> dict[str, Any]:
    return {
        "playbook": a.playbook.code,
        "finding": a.finding.code if a.finding else None,
        "event": a.event_id,
        "subject": a.subject,
        "action": a.action,
        "status": a.status,
        "target": a.target,
        "detail": a.detail,
        "at": a.created_at,
        "id": a.id,
        "approve_role": a.playbook.approve_role,
        "decided_by": a.decided_by,
        "decided_at": a.decided_at,
        "reverted_by": a.reverted_by,
        "reverted_at": a.reverted_at,
        "can_revert": a.status == "done",
    }
