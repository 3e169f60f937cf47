"""Running the scorer on a schedule (a background thread), and the demo factory's first model.

:func:`tick` is one scheduled run for one company: for the machines listed in ``bootstrap`` that have
no machine-health model yet, it trains one on the newest day of their history that was sampled like
the live data and looks normal on held-out windows, and activates it (in the demo; a firm promotes its
models on the /ai page), then scores every active model up to the newest telemetry and runs the
playbooks.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.ai import registry
from jejo.ai.scorer import DEFAULT_SIGNALS, ScoreRun, scope_of, score_due, train_machine_model
from jejo.ai.tables import AiModel
from jejo.core.db import savepoint
from jejo.core.errors import JejoError
from jejo.core.timeutil import as_utc, utcnow
from jejo.telemetry.tables import TsLast, TsSample, TsTag

log = logging.getLogger(__name__)

#: The demo factory's machines with a wearing bearing (see jejo/demo/factory.yaml).
DEMO_MACHINES = ("MC-01", "PC-SAW-01")
DEMO_ACTOR = "demo"


def _span(session: Session, company_id: int, tag: str) -> tuple[datetime | None, datetime | None]:
    tid = session.scalar(select(TsTag.id).where(TsTag.company_id == company_id, TsTag.code == tag))
    if tid is None:
        return None, None
    first = session.scalar(select(func.min(TsSample.ts)).where(TsSample.tag_id == tid))
    last = session.scalar(select(TsLast.ts).where(TsLast.tag_id == tid))
    return (as_utc(first) if first else None), (as_utc(last) if last else None)


def _count(session: Session, tid: int, start: datetime, end: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(TsSample)
            .where(TsSample.tag_id == tid, TsSample.ts >= start, TsSample.ts < end)
        )
        or 0
    )


def bootstrap_model(
    session: Session, company_id: int, folder: Path, equipment: str, *, train_hours: int = 24, tries: int = 5
) -> AiModel | None:
    """Train and activate a first machine-health model from the machine's own history, if it has none.

    Days are tried from the newest back. A day is used when it was sampled like the newest hour (a
    model must score data sampled as it was trained: the demo's history is written at one sample a
    minute, its live machines every 5 s) and its held-out windows raise no finding (a day with a bearing
    already drifting would teach the model that drift is normal)."""
    name = f"health-{equipment}"
    if session.scalar(select(AiModel.id).where(AiModel.company_id == company_id, AiModel.name == name)):
        return None
    tag = f"{equipment}.{DEFAULT_SIGNALS[0]}"
    tid = session.scalar(select(TsTag.id).where(TsTag.company_id == company_id, TsTag.code == tag))
    first, last = _span(session, company_id, tag)
    if tid is None or first is None or last is None:
        return None
    hour = timedelta(hours=1)
    newest = last.replace(second=0, microsecond=0) + timedelta(minutes=1)  # just after the last sample
    rate = _count(session, tid, newest - hour, newest)
    for k in range(tries):
        end = newest - timedelta(hours=train_hours * k)
        start = end - timedelta(hours=train_hours)
        if start < first:
            return None
        if not 0.5 * rate <= _count(session, tid, start, start + hour) <= 2 * rate:
            continue  # sampled differently from now
        try:
            with savepoint(session):
                row = train_machine_model(
                    session, company_id, folder, equipment=equipment, start=start, end=end, actor=DEMO_ACTOR
                )
                if row.metrics.get("holdout_false_findings", 1) == 0:
                    return registry.promote(session, company_id, row.name, row.version, DEMO_ACTOR)
                raise _Retry
        except _Retry:
            continue
        except JejoError as exc:
            log.info("no first model for %s yet: %s", equipment, exc)
            return None
    return None


class _Retry(Exception):
    """Roll the savepoint back and try the next day."""


def newest_sample(session: Session, company_id: int) -> datetime | None:
    """The newest telemetry time of the company's active machine models (the demo's clock runs ahead)."""
    tags = [
        f"{m.equipment_code}.{s}"
        for m in registry.active_models(session, company_id)
        if m.equipment_code
        for s in scope_of(m).signals
    ]
    if not tags:
        return None
    ts = session.scalar(
        select(func.max(TsLast.ts))
        .join(TsTag, TsTag.id == TsLast.tag_id)
        .where(TsTag.company_id == company_id, TsTag.code.in_(tags))
    )
    return as_utc(ts) if ts else None


def tick(session: Session, company_id: int, folder: Path, bootstrap: tuple[str, ...] = ()) -> ScoreRun:
    for equipment in bootstrap:
        bootstrap_model(session, company_id, folder, equipment)
    # up to the newest sample (the demo's clock runs ahead); a plant without telemetry: now (its SPC)
    until = newest_sample(session, company_id) or utcnow()
    return score_due(session, company_id, folder, until)


def run(
    runtime: Any, company: str, stop: threading.Event, every_s: float = 30.0, bootstrap: tuple[str, ...] = ()
) -> None:
    """Run :func:`tick` for ``company`` every ``every_s`` seconds until ``stop`` is set."""
    from jejo.core.tenancy import Company

    folder = runtime.settings.ensure_data_dir()
    while not stop.is_set():
        try:
            with runtime.transaction() as s:
                cid = s.scalar(select(Company.id).where(Company.code == company))
                if cid is not None:
                    tick(s, cid, folder, bootstrap)
        except Exception:  # keep the schedule alive; the next run retries
            log.exception("scheduled scoring failed")
        stop.wait(every_s)


def start_demo(runtime: Any, company: str, stop: threading.Event) -> threading.Thread:
    """The demo's scorer: first models for the machines with a wearing bearing, then every 30 s."""
    thread = threading.Thread(
        target=run,
        args=(runtime, company, stop),
        kwargs={"bootstrap": DEMO_MACHINES},
        name="ai-scorer",
        daemon=True,
    )
    thread.start()
    return thread
