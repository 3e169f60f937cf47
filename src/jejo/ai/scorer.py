"""Machine-health models on the firm's own telemetry: training from the store, and the scheduled scorer.

:func:`train_machine_model` reads a machine's signals for a period of normal operation from the
telemetry store, fits a :class:`~jejo.ai.machine.MachineAnomalyModel` on the first part of the
windows, measures it on the held-out rest (alarm rate on normal data, score quantiles) and registers
it as a candidate.

:func:`score_due` is what runs on a schedule (``jejo ai score --every 300``, or the demo's thread,
see :mod:`jejo.ai.schedule`): for every active machine model it reads the windows completed since its
cursor, scores them, turns runs of
at least ``min_windows`` alarmed windows into findings (with the top contributing signals) and hands
new or grown findings to the playbooks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from jejo.ai import findings as fd
from jejo.ai import registry
from jejo.ai.machine import MachineAnomalyModel, describe, episodes, feature_names, window_features
from jejo.ai.tables import AiFinding, AiModel
from jejo.core.db import savepoint
from jejo.core.errors import Problem, ValidationError
from jejo.core.timeutil import as_utc
from jejo.telemetry import store

log = logging.getLogger(__name__)

DEFAULT_SIGNALS = ("vibration", "temperature")
LOOKBACK = timedelta(hours=6)
SPC_LOOKBACK = timedelta(hours=24)


def read_signals(
    session: Session,
    company_id: int,
    equipment: str,
    signals: list[str] | tuple[str, ...],
    start: datetime,
    end: datetime,
) -> dict[str, pd.Series]:
    """Raw samples of ``<equipment>.<signal>`` for each signal, as float Series indexed by UTC time."""
    out: dict[str, pd.Series] = {}
    missing: list[str] = []
    for sig in signals:
        tag = f"{equipment}.{sig}"
        if store.tag_id(session, company_id, tag) is None:
            missing.append(tag)
            continue
        pts = store.raw_range(session, company_id, tag, start, end, limit=5_000_000)
        idx = pd.DatetimeIndex([as_utc(p.ts) for p in pts], tz="UTC")  # tz-aware even when empty
        vals = [float(p.value) if isinstance(p.value, (int, float)) else np.nan for p in pts]
        out[sig] = pd.Series(vals, index=idx, dtype=float)
    if missing:
        raise ValidationError(
            f"no telemetry for {', '.join(missing)}",
            [Problem(field=t, reason="tag not in the telemetry store") for t in missing],
        )
    return out


def machine_windows(
    session: Session,
    company_id: int,
    equipment: str,
    signals: list[str] | tuple[str, ...],
    start: datetime,
    end: datetime,
    window_s: int,
) -> pd.DataFrame:
    return window_features(
        read_signals(session, company_id, equipment, signals, start, end), start, end, window_s
    )


def train_machine_model(
    session: Session,
    company_id: int,
    folder: Path,
    *,
    equipment: str,
    start: datetime,
    end: datetime,
    actor: str,
    signals: list[str] | tuple[str, ...] = DEFAULT_SIGNALS,
    window_s: int = 600,
    min_windows: int = 3,
    holdout: float = 0.25,
    name: str | None = None,
    threshold_margin: float = 1.25,
) -> AiModel:
    """Fit a machine-health model on [start, end) of normal operation and register it as a candidate.

    Windows inside findings that people confirmed (acknowledged) on this machine are left out."""
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise ValidationError("training period is empty", [Problem(field="end", reason="not after start")])
    df = machine_windows(session, company_id, equipment, list(signals), start, end, window_s)
    # people's verdicts: windows inside a confirmed finding on this machine are not normal operation
    confirmed = [
        (as_utc(x["window_start"]), as_utc(x["window_end"]))
        for x in fd.feedback(session, company_id)
        if x["equipment"] == equipment and x["label"] == "confirmed"
    ]
    keep = np.ones(len(df), dtype=bool)
    for a, b in confirmed:
        keep &= ~((df.index >= pd.Timestamp(a - timedelta(seconds=window_s))) & (df.index < pd.Timestamp(b)))
    excluded = int((~keep).sum())
    df = df[keep]
    feats = feature_names(list(signals))
    n_fit = int(len(df) * (1 - holdout))
    model = MachineAnomalyModel(features=feats, threshold_margin=threshold_margin)
    model.fit(df.iloc[:n_fit])
    held = df.iloc[n_fit:]
    metrics: dict[str, Any] = {
        "train_windows": n_fit,
        "holdout_windows": len(held),
        "excluded_windows": excluded,
    }
    if len(held):
        s = model.score_samples(held)
        flags = (s > 1.0).astype(int)
        metrics.update(
            {
                "holdout_alarm_rate": round(float(flags.mean()), 4),
                "holdout_false_findings": len(episodes(flags, min_windows)),
                "holdout_score_p50": round(float(np.quantile(s, 0.5)), 4),
                "holdout_score_max": round(float(s.max()), 4),
            }
        )
    return registry.register(
        session,
        company_id,
        folder,
        name=name or f"health-{equipment}",
        model=model,
        features=feats,
        data_ref=f"telemetry:{','.join(f'{equipment}.{s}' for s in signals)}",
        data_start=start,
        data_end=end,
        equipment=equipment,
        scope={"signals": list(signals), "window_s": window_s, "min_windows": min_windows},
        metrics=metrics,
        created_by=actor,
        note=f"{n_fit} windows of {window_s} s for fitting, {len(held)} held out (assumed normal)",
    )


@dataclass
class ScoreRun:
    models: int = 0
    windows: int = 0
    new_findings: list[AiFinding] = field(default_factory=list)
    updated_findings: list[AiFinding] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """How a machine-health model reads the telemetry: its signals, window length and the windows in a
    row that make a finding (kept on the registry row as ``scope``)."""

    signals: list[str]
    window_s: int
    min_windows: int


def scope_of(row: AiModel) -> Scope:
    s = row.scope or {}
    return Scope(
        list(s.get("signals", DEFAULT_SIGNALS)), int(s.get("window_s", 600)), int(s.get("min_windows", 3))
    )


def score_model(
    session: Session, company_id: int, folder: Path, row: AiModel, until: datetime, run: ScoreRun
) -> None:
    """Score the windows of one active machine model completed since its cursor (up to ``until``)."""
    scope = scope_of(row)
    window_s, min_windows, signals = scope.window_s, scope.min_windows, scope.signals
    equipment = row.equipment_code
    if not equipment:
        raise ValidationError(
            f"model {row.name} names no machine", [Problem(field="equipment", reason="missing")]
        )
    until = as_utc(until)
    cursor = as_utc(row.scored_until) if row.scored_until else until - LOOKBACK
    cursor = datetime.fromtimestamp(cursor.timestamp() // window_s * window_s, tz=UTC)  # window-aligned
    if cursor >= until:
        return
    context = cursor - timedelta(seconds=window_s * max(0, min_windows - 1))
    df = machine_windows(session, company_id, equipment, signals, context, until, window_s)
    if df.empty:
        return
    registry.require_features(row, df)
    model = registry.load(row, folder)
    scores = model.score_samples(df)
    flags = (scores > 1.0).astype(int)
    run.windows += int((df.index >= pd.Timestamp(cursor)).sum())
    index = pd.DatetimeIndex(df.index)
    for first, last in episodes(flags, min_windows):
        end_at = index[last].to_pydatetime() + timedelta(seconds=window_s)
        if end_at <= cursor:  # already reported by an earlier run
            continue
        peak = first + int(np.argmax(scores[first : last + 1]))
        explanation = model.explain(df.iloc[peak])
        finding, created = fd.raise_finding(
            session,
            company_id,
            kind="anomaly",
            model=row,
            equipment=equipment,
            window_start=index[first].to_pydatetime(),
            window_end=end_at,
            score=float(scores[peak]),
            explanation=explanation,
            summary=describe(explanation, equipment),
            merge_gap=timedelta(seconds=window_s * 3),
        )
        (run.new_findings if created else run.updated_findings).append(finding)
    row.scored_until = index[-1].to_pydatetime() + timedelta(seconds=window_s)


def score_due(
    session: Session, company_id: int, folder: Path, until: datetime, *, act: bool = True
) -> ScoreRun:
    """Score every active machine model up to ``until`` and watch the quality measurements' SPC rules
    (:mod:`jejo.ai.spc_watch`); then run the playbooks on what was found."""
    run = ScoreRun()
    for row in registry.active_models(session, company_id, kind=MachineAnomalyModel.kind):
        run.models += 1
        try:
            with savepoint(session):
                score_model(session, company_id, folder, row, until, run)
        except ValidationError as exc:
            run.errors.append(f"{row.name} v{row.version}: {exc}")
            log.warning("scoring %s v%s failed: %s", row.name, row.version, exc)
    # SPC rule violations in the quality measurements of the last day (merged into known findings)
    from jejo.ai import spc_watch

    try:
        with savepoint(session):
            for finding, created in spc_watch.watch(session, company_id, as_utc(until) - SPC_LOOKBACK, until):
                (run.new_findings if created else run.updated_findings).append(finding)
    except ValidationError as exc:
        run.errors.append(f"SPC: {exc}")
        log.warning("SPC watch failed: %s", exc)
    if act:
        from jejo.playbooks.service import run_for_findings

        seen: dict[int, AiFinding] = {f.id: f for f in [*run.new_findings, *run.updated_findings]}
        run.actions = run_for_findings(session, company_id, list(seen.values()), now=as_utc(until))
    return run


def finding_series(
    session: Session, company_id: int, folder: Path, finding: AiFinding, pad: timedelta = timedelta(hours=6)
) -> dict[str, Any]:
    """The signals (window features) and the model's score around a finding, for its chart."""
    row = finding.model
    if row is None or not finding.equipment_code:
        return {"times": [], "signals": {}, "score": [], "threshold": 1.0}
    scope = scope_of(row)
    start = as_utc(finding.window_start) - pad
    end = as_utc(finding.window_end) + pad
    df = machine_windows(
        session, company_id, finding.equipment_code, scope.signals, start, end, scope.window_s
    )
    if df.empty:
        return {"times": [], "signals": {}, "score": [], "threshold": 1.0}
    scores = registry.load(row, folder).score_samples(df)
    return {
        "times": [ts.isoformat() for ts in df.index],
        "signals": {c: [round(float(v), 4) for v in df[c]] for c in df.columns},
        "score": [round(float(v), 4) for v in scores],
        "threshold": 1.0,
        "window_start": as_utc(finding.window_start).isoformat(),
        "window_end": as_utc(finding.window_end).isoformat(),
    }
