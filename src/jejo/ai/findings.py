"""Findings: what the models found, deduplicated, and what people said about it.

A detection (a model, a machine or lot, a time window, a score and its top contributing signals)
becomes a finding. A detection of the same model on the same machine / lot whose window starts within
``merge_gap`` of an existing finding's end extends that finding (its window, its peak score, its count)
instead of raising a new one — one finding per episode, not one per window. People *acknowledge* a
finding (it is real) or *dismiss* it (a false alarm); the verdict is kept as a ``label`` that the next
training run can use (:func:`feedback`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.ai.tables import AiFinding, AiModel
from jejo.core.errors import Conflict, NotFound, Problem, ValidationError
from jejo.core.ids import new_event_id
from jejo.core.timeutil import as_utc, utcnow

KINDS = ("anomaly", "quality", "rul", "spc")
STATUSES = ("open", "acknowledged", "dismissed")
LABELS = {"acknowledged": "confirmed", "dismissed": "false_alarm"}


def dedup_key(kind: str, model: AiModel | None, equipment: str | None, lot: str | None) -> str:
    return f"{kind}:{model.name if model else '-'}:{equipment or '-'}:{lot or '-'}"


def raise_finding(
    session: Session,
    company_id: int,
    *,
    kind: str,
    window_start: datetime,
    window_end: datetime,
    score: float,
    model: AiModel | None = None,
    equipment: str | None = None,
    lot: str | None = None,
    threshold: float = 1.0,
    explanation: list[dict[str, Any]] | None = None,
    summary: str = "",
    merge_gap: timedelta = timedelta(hours=1),
) -> tuple[AiFinding, bool]:
    """Record a detection; returns (finding, True) when new, (finding, False) when merged into one."""
    if kind not in KINDS:
        raise ValidationError(
            f"unknown finding kind {kind!r}", [Problem(field="kind", reason=f"one of {KINDS}")]
        )
    if equipment is None and lot is None:
        raise ValidationError(
            "a finding names a machine or a lot", [Problem(field="equipment", reason="missing")]
        )
    start, end = as_utc(window_start), as_utc(window_end)
    if end < start:
        raise ValidationError(
            "window ends before it starts", [Problem(field="window_end", reason="< window_start")]
        )
    key = dedup_key(kind, model, equipment, lot)
    last = session.scalar(
        select(AiFinding)
        .where(AiFinding.company_id == company_id, AiFinding.dedup_key == key)
        .order_by(AiFinding.window_end.desc())
        .limit(1)
    )
    now = utcnow()
    if last is not None and start <= as_utc(last.window_end) + merge_gap and end >= as_utc(last.window_start):
        last.window_start = min(as_utc(last.window_start), start)
        if end > as_utc(last.window_end):
            last.window_end = end
            last.occurrences += 1
        if score > last.score:
            last.score = float(score)
            last.explanation = explanation or last.explanation
            last.summary = summary or last.summary
        last.updated_at = now
        session.flush()
        return last, False
    finding = AiFinding(
        company_id=company_id,
        code=new_event_id().hex[:20],
        model_id=model.id if model else None,
        kind=kind,
        equipment_code=equipment,
        lot_code=lot,
        window_start=start,
        window_end=end,
        score=float(score),
        threshold=float(threshold),
        explanation=explanation or [],
        summary=summary[:500],
        status="open",
        occurrences=1,
        dedup_key=key,
        created_at=now,
        updated_at=now,
    )
    session.add(finding)
    session.flush()
    return finding, True


def get_finding(session: Session, company_id: int, code: str) -> AiFinding:
    f = session.scalar(select(AiFinding).where(AiFinding.company_id == company_id, AiFinding.code == code))
    if f is None:
        raise NotFound(f"finding {code} not found")
    return f


def list_findings(
    session: Session,
    company_id: int,
    status: str | None = None,
    equipment: str | None = None,
    limit: int = 200,
) -> list[AiFinding]:
    stmt = select(AiFinding).where(AiFinding.company_id == company_id)
    if status:
        if status not in STATUSES:
            raise ValidationError(
                f"unknown status {status!r}", [Problem(field="status", reason=f"one of {STATUSES}")]
            )
        stmt = stmt.where(AiFinding.status == status)
    if equipment:
        stmt = stmt.where(AiFinding.equipment_code == equipment)
    return list(session.scalars(stmt.order_by(AiFinding.window_end.desc(), AiFinding.id.desc()).limit(limit)))


def _decide(
    session: Session, company_id: int, code: str, status: str, actor: str, note: str | None
) -> AiFinding:
    f = get_finding(session, company_id, code)
    if f.status == status:
        raise Conflict(f"finding {code} is already {status}")
    f.status = status
    f.label = LABELS[status]
    f.feedback_by = actor
    f.feedback_at = utcnow()
    f.feedback_note = (note or "")[:500] or None
    f.updated_at = f.feedback_at
    return f


def acknowledge(
    session: Session, company_id: int, code: str, actor: str, note: str | None = None
) -> AiFinding:
    """The finding is real (kept as label ``confirmed``)."""
    return _decide(session, company_id, code, "acknowledged", actor, note)


def dismiss(session: Session, company_id: int, code: str, actor: str, note: str | None = None) -> AiFinding:
    """The finding is a false alarm (kept as label ``false_alarm``)."""
    return _decide(session, company_id, code, "dismissed", actor, note)


def feedback(session: Session, company_id: int, model_name: str | None = None) -> list[dict[str, Any]]:
    """People's verdicts as training labels: machine / lot, window and label, oldest first."""
    stmt = select(AiFinding).where(AiFinding.company_id == company_id, AiFinding.label.is_not(None))
    if model_name:
        stmt = stmt.join(AiModel, AiModel.id == AiFinding.model_id).where(AiModel.name == model_name)
    return [
        {
            "finding": f.code,
            "equipment": f.equipment_code,
            "lot": f.lot_code,
            "window_start": f.window_start,
            "window_end": f.window_end,
            "label": f.label,
        }
        for f in session.scalars(stmt.order_by(AiFinding.window_start))
    ]


def finding_out(f: AiFinding) -> dict[str, Any]:
    return {
        "code": f.code,
        "kind": f.kind,
        "model": f"{f.model.name} v{f.model.version}" if f.model else None,
        "equipment": f.equipment_code,
        "lot": f.lot_code,
        "window_start": f.window_start,
        "window_end": f.window_end,
        "score": round(f.score, 4),
        "threshold": f.threshold,
        "explanation": f.explanation,
        "summary": f.summary,
        "status": f.status,
        "occurrences": f.occurrences,
        "created_at": f.created_at,
        "updated_at": f.updated_at,
        "feedback_by": f.feedback_by,
        "feedback_at": f.feedback_at,
        "feedback_note": f.feedback_note,
        "label": f.label,
    }
