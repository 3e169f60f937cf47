"""Machine-health anomaly model on windows of telemetry, with explanations.

Raw samples of a machine's signals (``<equipment>.<signal>`` tags in the telemetry store) are cut into
fixed windows (10 minutes by default); each window gives ``<signal>_mean`` and ``<signal>_max``. The
model learns each feature's normal level (median) and spread (MAD) from windows of normal operation
and scores a window by its largest robust z-score, relative to the largest seen in training times a
margin (score 1.0 = the alarm threshold). With ``one_sided`` only rises count: a worn bearing makes a
machine hotter and shakier, while an idle machine is quieter and cooler, which is not a fault.

The per-feature z-scores are the explanation: the top contributing signals of each window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from jejo.ai.base import JejoEstimator
from jejo.ai.io import numeric_matrix
from jejo.core.errors import Problem, ValidationError

AGGREGATES = ("mean", "max")

#: Korean names of the simulator's / usual machine signals (explanations fall back to the tag name).
SIGNAL_NAMES = {
    "vibration": "진동",
    "temperature": "온도",
    "current": "전류",
    "pressure": "압력",
    "spindle_load": "주축 부하",
    "cycle_time": "사이클 타임",
}
AGGREGATE_NAMES = {"mean": "평균", "max": "최대"}


def feature_names(signals: Sequence[str]) -> list[str]:
    return [f"{s}_{a}" for s in signals for a in AGGREGATES]


def window_features(
    series: dict[str, pd.Series], start: datetime, end: datetime, window_s: int
) -> pd.DataFrame:
    """Per-window mean and max of each signal over [start, end); windows lacking any signal are dropped.

    ``series`` maps a signal name to its raw samples (a float Series indexed by UTC timestamps). The
    index of the result is the window start; only windows that end at or before ``end`` are kept."""
    if window_s < 1:
        raise ValidationError("window must be at least 1 second", [Problem(field="window_s", reason="< 1")])
    freq = f"{int(window_s)}s"
    cols: dict[str, pd.Series] = {}
    for sig, s in series.items():
        s = pd.to_numeric(s, errors="coerce").dropna()
        s = s[(s.index >= start) & (s.index < end)]
        g = s.resample(freq, origin="epoch", label="left", closed="left")
        for a in AGGREGATES:
            cols[f"{sig}_{a}"] = g.agg(a)
    df = pd.DataFrame(cols)
    if df.empty:
        return df
    df = df[[c for c in feature_names(list(series))]]
    df = df[df.index <= pd.Timestamp(end - timedelta(seconds=window_s))]
    return df.dropna()


class MachineAnomalyModel(JejoEstimator):
    """One-sided robust z-scores per window feature (see the module docstring).

    Parameters
    ----------
    features: the feature columns the model reads (``<signal>_mean`` / ``<signal>_max``).
    one_sided: only rises above normal count.
    quantile: training-score quantile taken as the reference (1.0 = the training maximum).
    threshold_margin: the alarm threshold as a multiple of the reference (score 1.0 = threshold).
    min_rows: the fewest training windows accepted.
    """

    kind = "machine-anomaly"

    def __init__(
        self,
        features: Sequence[str] = (),
        one_sided: bool = True,
        quantile: float = 1.0,
        threshold_margin: float = 1.25,
        min_rows: int = 24,
    ) -> None:
        self.features = features
        self.one_sided = one_sided
        self.quantile = quantile
        self.threshold_margin = threshold_margin
        self.min_rows = min_rows

    def _matrix(self, X: pd.DataFrame, what: str) -> np.ndarray:
        if not isinstance(X, pd.DataFrame):
            raise ValidationError(
                f"{what} must be a table (pandas DataFrame) with columns {list(self.features)}"
            )
        return numeric_matrix(X, list(self.features), what=what)

    def fit(self, X: pd.DataFrame, y: Any = None) -> MachineAnomalyModel:
        if not self.features:
            raise ValidationError("no features given", [Problem(field="features", reason="empty")])
        arr = self._matrix(X, "training data")
        if len(arr) < self.min_rows:
            raise ValidationError(
                f"training data has {len(arr)} windows; at least {self.min_rows} are needed",
                [Problem(field="rows", reason=f"{len(arr)} < {self.min_rows}")],
            )
        self.median_ = np.median(arr, axis=0)
        mad = 1.4826 * np.median(np.abs(arr - self.median_), axis=0)
        std = arr.std(axis=0)
        floor = np.maximum(1e-6, 0.01 * np.abs(self.median_))
        self.scale_ = np.maximum(np.where(mad > 0, mad, std), floor)
        raw = self._z(arr).max(axis=1)
        self.ref_ = max(float(np.quantile(raw, self.quantile)), 1.0)
        self.n_train_ = len(arr)
        self.fitted_ = True
        return self

    def _z(self, arr: np.ndarray) -> np.ndarray:
        z = (arr - self.median_) / self.scale_
        return np.maximum(z, 0.0) if self.one_sided else np.abs(z)

    def z_scores(self, X: pd.DataFrame) -> pd.DataFrame:
        """The per-feature z-scores (the contributions) of each row."""
        self._check_fitted()
        return pd.DataFrame(self._z(self._matrix(X, "input")), index=X.index, columns=list(self.features))

    def score_samples(self, X: pd.DataFrame) -> np.ndarray:
        """Score per row; 1.0 = the alarm threshold."""
        return np.asarray(self.z_scores(X).to_numpy().max(axis=1) / (self.ref_ * self.threshold_margin))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.score_samples(X) > 1.0).astype(int)

    def score(self, X: pd.DataFrame, y: Any) -> float:
        from jejo.ai.metrics import confusion

        return confusion(self.predict(X), np.asarray(y, int)).f1

    def explain(self, row: pd.Series | pd.DataFrame, top: int = 3) -> list[dict[str, Any]]:
        """The ``top`` contributing features of one window: value, normal level, z and share."""
        frame = row.to_frame().T if isinstance(row, pd.Series) else row.iloc[[0]]
        z = self.z_scores(frame).iloc[0]
        total = float(z.sum()) or 1.0
        out: list[dict[str, Any]] = []
        for feat in z.sort_values(ascending=False).index[:top]:
            j = list(self.features).index(feat)
            if z[feat] <= 0:
                break
            sig, _, agg = str(feat).rpartition("_")
            out.append(
                {
                    "feature": feat,
                    "label": f"{SIGNAL_NAMES.get(sig, sig)} {AGGREGATE_NAMES.get(agg, agg)}",
                    "value": round(float(frame[feat].iloc[0]), 4),
                    "normal": round(float(self.median_[j]), 4),
                    "z": round(float(z[feat]), 2),
                    "share": round(float(z[feat]) / total, 3),
                }
            )
        return out


def describe(explanation: list[dict[str, Any]], equipment: str | None = None) -> str:
    """Plain Korean: which signals are how far above normal, e.g. '진동 최대 3.1 (평소 1.9, +6.2σ)'."""
    parts = []
    for e in explanation:
        sig, _, agg = str(e["feature"]).rpartition("_")
        name = e.get("label") or f"{SIGNAL_NAMES.get(sig, sig)} {AGGREGATE_NAMES.get(agg, agg)}"
        parts.append(f"{name} {e['value']:.3g} (평소 {e['normal']:.3g}, +{e['z']:.1f}σ)")
    head = f"{equipment}: " if equipment else ""
    return head + ("평소보다 높은 신호 — " + ", ".join(parts) if parts else "이상 점수 상승")


def episodes(flags: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    """(first, last) row of each run of at least ``min_len`` consecutive 1s."""
    out: list[tuple[int, int]] = []
    start = None
    for i, f in enumerate([*list(np.asarray(flags).astype(int)), 0]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            if i - start >= min_len:
                out.append((start, i - 1))
            start = None
    return out


def window_span(index: pd.DatetimeIndex, i: int, window_s: int) -> tuple[datetime, datetime]:
    start = index[i].to_pydatetime()
    return start, start + timedelta(seconds=window_s)
