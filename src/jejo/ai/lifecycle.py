"""Champion / challenger and drift for machine-health models, measured on fresh data from the store.

* :func:`challenge` — the active version of a model (the champion) and its newest candidate (the
  challenger) score the same fresh windows. The labels come from people and from the downtime records:
  windows inside findings people confirmed on the machine, and the two hours before each breakdown
  recorded on it (state ``down``), should alarm; every other window should not. Each version gets its
  alarm rate, the wanted windows it caught and its unwanted alarms; the challenger is recommended when it
  catches at least as many with fewer unwanted alarms, or more with no more. The result is kept on the
  challenger (``metrics["challenge"]``) for the person who promotes it.
* :func:`drift` — how far each feature of the recent windows has moved from the model's training windows
  (population stability index over the training quantiles, :func:`jejo.ai.metrics.psi`). The largest,
  less what sampling alone gives for windows this few (``sampling_psi``), reads: below 0.1 stable,
  0.1–0.25 moved, above 0.25 drifted — time to retrain on newer normal data. Kept on the model
  (``metrics["drift"]``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.ai import findings as fd
from jejo.ai import registry
from jejo.ai.machine import MachineAnomalyModel
from jejo.ai.metrics import psi, psi_noise
from jejo.ai.scorer import machine_windows, scope_of
from jejo.ai.tables import AiModel
from jejo.core.errors import NotFound, Problem, ValidationError
from jejo.core.timeutil import as_utc, utcnow

PSI_MOVED, PSI_DRIFTED = 0.1, 0.25
RUN_UP = timedelta(hours=2)  # before a recorded breakdown: windows a model should already alarm in


def _windows(session: Session, company_id: int, row: AiModel, start: datetime, end: datetime) -> pd.DataFrame:
    if row.kind != MachineAnomalyModel.kind or not row.equipment_code:
        raise ValidationError(
            f"model {row.name} v{row.version} is not a machine-health model",
            [Problem(field="name", reason=f"kind {row.kind}")],
        )
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise ValidationError("the period is empty", [Problem(field="end", reason="not after start")])
    scope = scope_of(row)
    df = machine_windows(session, company_id, row.equipment_code, scope.signals, start, end, scope.window_s)
    if df.empty:
        raise ValidationError(
            f"no telemetry of {row.equipment_code} from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC",
            [Problem(field="start", reason="no complete window in the period")],
        )
    registry.require_features(row, df)
    return df


def _confirmed(
    session: Session, company_id: int, equipment: str, index: pd.DatetimeIndex, window_s: int
) -> Any:
    """Which windows lie inside a finding people confirmed on the machine."""
    inside = np.zeros(len(index), dtype=bool)
    for x in fd.feedback(session, company_id):
        if x["equipment"] == equipment and x["label"] == "confirmed":
            a, b = as_utc(x["window_start"]), as_utc(x["window_end"])
            inside |= (index >= pd.Timestamp(a - timedelta(seconds=window_s))) & (index < pd.Timestamp(b))
    return inside


def _before_breakdowns(
    session: Session, company_id: int, equipment: str, index: pd.DatetimeIndex, window_s: int
) -> Any:
    """Which windows lie in the run-up to a breakdown of the machine in the downtime records (the
    ``RUN_UP`` before a stretch in state ``down``): where a model should already warn."""
    from jejo.telemetry.tables import Downtime

    inside = np.zeros(len(index), dtype=bool)
    if not len(index):
        return inside
    first = index[0].to_pydatetime()
    last = index[-1].to_pydatetime() + timedelta(seconds=window_s)
    for (started,) in session.execute(
        select(Downtime.started_at).where(
            Downtime.company_id == company_id,
            Downtime.equipment_code == equipment,
            Downtime.state == "down",
            Downtime.started_at > first,
            Downtime.started_at <= last + RUN_UP,
        )
    ):
        b = as_utc(started)
        end = pd.Timestamp(b - timedelta(seconds=window_s))  # windows that end before the stop
        inside |= (index >= pd.Timestamp(b - RUN_UP)) & (index <= end)
    return inside


def _versions(session: Session, company_id: int, name: str) -> tuple[AiModel, AiModel]:
    rows = registry.list_models(session, company_id, name)
    champion = next((r for r in rows if r.status == "active"), None)
    challenger = max((r for r in rows if r.status == "candidate"), key=lambda r: r.version, default=None)
    if champion is None or challenger is None:
        raise NotFound(f"model {name} needs an active version and a candidate to compare")
    return champion, challenger


def challenge(
    session: Session, company_id: int, folder: Path, name: str, start: datetime, end: datetime
) -> dict[str, Any]:
    """Score the champion and the newest challenger of ``name`` on [start, end); see the module text."""
    champion, challenger = _versions(session, company_id, name)
    df = _windows(session, company_id, challenger, start, end)
    window_s = scope_of(challenger).window_s
    index, equipment = pd.DatetimeIndex(df.index), challenger.equipment_code or ""
    confirmed = _confirmed(session, company_id, equipment, index, window_s)
    run_up = _before_breakdowns(session, company_id, equipment, index, window_s)
    wanted = confirmed | run_up
    out: dict[str, Any] = {
        "period": [as_utc(start).isoformat(), as_utc(end).isoformat()],
        "windows": len(df),
        "confirmed_windows": int(confirmed.sum()),
        "breakdown_run_up_windows": int((run_up & ~confirmed).sum()),
    }
    for role, row in (("champion", champion), ("challenger", challenger)):
        flags = registry.load(row, folder).score_samples(df) > 1.0
        out[role] = {
            "version": row.version,
            "alarm_rate": round(float(flags.mean()), 4),
            "caught": int((flags & wanted).sum()),
            "unwanted_alarms": int((flags & ~wanted).sum()),
        }
    a, b = out["champion"], out["challenger"]
    better = (b["caught"] >= a["caught"] and b["unwanted_alarms"] < a["unwanted_alarms"]) or (
        b["caught"] > a["caught"] and b["unwanted_alarms"] <= a["unwanted_alarms"]
    )
    out["recommend"] = "challenger" if better else "champion"
    out["at"] = utcnow().isoformat()
    challenger.metrics = {**(challenger.metrics or {}), "challenge": out}
    session.flush()
    return out


def drift(
    session: Session, company_id: int, name: str, start: datetime, end: datetime, version: int | None = None
) -> dict[str, Any]:
    """PSI of every feature of [start, end) against the training windows of ``name`` (its active version,
    or ``version``); see the module text."""
    if version is None:
        row = session.scalar(
            select(AiModel).where(
                AiModel.company_id == company_id, AiModel.name == name, AiModel.status == "active"
            )
        )
        if row is None:
            raise NotFound(f"model {name} has no active version")
    else:
        row = registry.get_model(session, company_id, name, version)
    if row.data_start is None or row.data_end is None:
        raise ValidationError(
            f"model {name} v{row.version} records no training period",
            [Problem(field="name", reason="no period")],
        )
    base = _windows(session, company_id, row, row.data_start, row.data_end)
    recent = _windows(session, company_id, row, start, end)
    per = {f: round(psi(base[f].to_numpy(), recent[f].to_numpy()), 4) for f in row.features}
    noise = round(psi_noise(len(base), len(recent)), 4)
    worst = max(per.values(), default=0.0) - noise  # what sampling alone does not explain
    status = "drifted" if worst > PSI_DRIFTED else "moved" if worst > PSI_MOVED else "stable"
    out = {
        "version": row.version,
        "period": [as_utc(start).isoformat(), as_utc(end).isoformat()],
        "windows": len(recent),
        "training_windows": len(base),
        "psi": per,
        "sampling_psi": noise,
        "worst": max(per, key=lambda f: per[f]) if per else None,
        "status": status,
        "at": utcnow().isoformat(),
    }
    row.metrics = {**(row.metrics or {}), "drift": out}
    session.flush()
    return out
