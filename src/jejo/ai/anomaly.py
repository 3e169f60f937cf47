"""Unsupervised anomaly detection on multivariate machine telemetry (batch and streaming).

Detectors take a numeric matrix ``X`` (rows = time-ordered samples, columns = channels), are fitted
on rows assumed normal, and give a continuous ``score_samples`` (1.0 = the alarm threshold) and 0/1
``predict``. ``score(X, y)`` is the point-wise F1 against 0/1 labels.

* :class:`PCADetector` — PCA Hotelling T² + Q (SPE), the default of ``jejo ai detect``. Measured on
  SKAB (docs/benchmarks.md), three things matter more than the model: excluding slow thermal channels
  that drift in any real plant (detected from the training rows), a short moving average, and a
  threshold at the training maximum with a small margin followed by a median filter on the alarm.
* :class:`RobustZDetector` — per-channel median / MAD z-scores (simple baseline).
* :class:`IsolationForestDetector` — scikit-learn's isolation forest behind the same API.
* :class:`EWMADetector` — streaming: exponentially weighted mean / variance, updated with
  ``partial_fit`` one batch at a time.
* :func:`anomaly_likelihood` — turns any detector's raw scores into how unusual the *recent* scores
  are against the detector's own score history (the anomaly-likelihood scheme of Numenta's HTM
  detector); alarming on it instead of on the raw score cuts false alarms on long, drifting series.
* :func:`pattern_novelty` — memory-based novelty of a univariate series: how far the latest stretch of
  values is from the most similar earlier stretch, so that a pattern the series has shown before (a
  weekend shutdown, a planned stop) does not look new the next time it occurs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from jejo.ai.base import JejoEstimator
from jejo.ai.metrics import confusion
from jejo.core.errors import Problem, ValidationError


def _as_matrix(X: ArrayLike, min_rows: int = 1, what: str = "X") -> np.ndarray:
    """A float matrix; a table's bad columns are named (text, NaN / infinite values), with their row."""
    names: list[str] | None = None
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
        problems: list[Problem] = []
        cols = []
        for c in X.columns:
            v = pd.to_numeric(X[c], errors="coerce")
            bad = v.isna() & X[c].notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                problems.append(Problem(field=str(c), row=row, reason=f"not a number: {X[c].iloc[row]!r}"))
            cols.append(v.to_numpy(dtype=float))
        if problems:
            raise ValidationError(f"{what}: non-numeric values", problems)
        arr = np.column_stack(cols) if cols else np.empty((len(X), 0))
    else:
        try:
            arr = np.asarray(X, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"{what} must hold numbers only ({exc})") from exc
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValidationError(f"{what} must be a 2-D table of numbers")
    if len(arr) < min_rows:
        raise ValidationError(
            f"{what} has {len(arr)} rows; at least {min_rows} are needed",
            [Problem(field="rows", reason=f"{len(arr)} < {min_rows}")],
        )
    bad = ~np.isfinite(arr).all(axis=0)
    if bad.any():
        idx = np.flatnonzero(bad).tolist()
        label = [names[i] for i in idx] if names else idx
        raise ValidationError(
            f"{what}: columns {label} hold NaN or infinite values",
            [
                Problem(
                    field=names[i] if names else str(i),
                    row=int(np.flatnonzero(~np.isfinite(arr[:, i]))[0]),
                    reason="missing or infinite value",
                )
                for i in idx
            ],
        )
    return arr


def _rolling_mean(X: np.ndarray, window: int) -> np.ndarray:
    if window <= 1:
        return X
    return pd.DataFrame(X).rolling(window, min_periods=1).mean().to_numpy()


def _median_filter(flags: np.ndarray, window: int) -> np.ndarray:
    if window <= 1:
        return flags
    med = pd.Series(flags.astype(float)).rolling(window, min_periods=1, center=True).median()
    return (med.to_numpy() > 0.5).astype(int)


class _Detector(JejoEstimator):
    kind = "anomaly"
    threshold_margin: float
    alarm_filter: int
    n_features_in_: int

    def score_samples(self, X: ArrayLike) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, X: ArrayLike) -> np.ndarray:
        """0/1 alarm per row: score above the margin, then a centred median filter."""
        s = self.score_samples(X)
        return _median_filter((s > self.threshold_margin).astype(int), self.alarm_filter)

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """Point-wise F1 (SKAB's definition) of ``predict(X)`` against 0/1 labels ``y``."""
        return confusion(self.predict(X), y).f1

    def _input(self, X: ArrayLike) -> np.ndarray:
        """Rows to score: checked like training rows, with the fitted number of columns."""
        self._check_fitted()
        arr = _as_matrix(X)
        if arr.shape[1] != self.n_features_in_:
            raise ValidationError(
                f"X has {arr.shape[1]} columns; the detector was fitted on {self.n_features_in_}",
                [Problem(field="columns", reason=f"{arr.shape[1]} != {self.n_features_in_}")],
            )
        return arr

    def _calibrate(self, raw: np.ndarray, quantile: float) -> float:
        ref = float(np.quantile(raw, quantile))
        return ref if ref > 0 else float(np.max(raw)) or 1.0


class PCADetector(_Detector):
    """PCA T² + Q on standardised channels, with drift-aware channel selection.

    Parameters
    ----------
    variance: share of the training variance the principal components keep.
    smooth: moving-average length (rows) applied to every channel before scoring.
    slow_ratio: a channel whose training rows have var(diff) / var < slow_ratio changes slowly
        (temperatures); such channels drift away from a short training window in normal operation and
        are left out (set 0 to keep every channel).
    quantile: training-score quantile that maps to score 1.0 (1.0 = the training maximum).
    threshold_margin: alarm when the score exceeds this multiple of the training reference.
    alarm_filter: centred median filter length (rows) on the 0/1 alarm (1 = none).
    """

    def __init__(
        self,
        variance: float = 0.85,
        smooth: int = 5,
        slow_ratio: float = 0.5,
        quantile: float = 1.0,
        threshold_margin: float = 1.1,
        alarm_filter: int = 31,
    ) -> None:
        self.variance = variance
        self.smooth = smooth
        self.slow_ratio = slow_ratio
        self.quantile = quantile
        self.threshold_margin = threshold_margin
        self.alarm_filter = alarm_filter

    def fit(self, X: ArrayLike, y: Any = None) -> PCADetector:
        from sklearn.decomposition import PCA

        arr = _as_matrix(X, min_rows=10)
        var = arr.var(axis=0)
        dvar = np.diff(arr, axis=0).var(axis=0)
        ratio = np.where(var > 0, dvar / np.maximum(var, 1e-300), np.inf)
        keep = (var > 0) & (ratio >= self.slow_ratio)
        if not keep.any():  # everything slow or constant: keep what varies
            keep = var > 0
        if not keep.any():
            raise ValidationError("every channel is constant over the training rows; nothing to learn")
        self.channels_ = np.flatnonzero(keep)
        Z = _rolling_mean(arr[:, keep], self.smooth)
        self.mean_ = Z.mean(axis=0)
        self.scale_ = np.where(Z.std(axis=0) > 0, Z.std(axis=0), 1.0)
        Zs = (Z - self.mean_) / self.scale_
        n_comp: float | int = self.variance if Zs.shape[1] > 1 else 1
        self.pca_ = PCA(n_components=n_comp, svd_solver="full").fit(Zs)
        t2, q = self._t2q(Zs)
        self.t2_ref_ = self._calibrate(t2, self.quantile)
        self.q_ref_ = self._calibrate(q, self.quantile)
        self.n_features_in_ = arr.shape[1]
        self.fitted_ = True
        return self

    def _t2q(self, Zs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        T = self.pca_.transform(Zs)
        ev = np.maximum(self.pca_.explained_variance_, 1e-12)
        t2 = ((T**2) / ev).sum(axis=1)
        q = ((Zs - self.pca_.inverse_transform(T)) ** 2).sum(axis=1)
        return t2, q

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """max(T² / T²_ref, Q / Q_ref) per row (1.0 = the training reference)."""
        self._check_fitted()
        arr = _as_matrix(X)
        if arr.shape[1] != self.n_features_in_:
            raise ValidationError(
                f"X has {arr.shape[1]} columns; the detector was fitted on {self.n_features_in_}"
            )
        Z = (_rolling_mean(arr[:, self.channels_], self.smooth) - self.mean_) / self.scale_
        t2, q = self._t2q(Z)
        return np.maximum(t2 / self.t2_ref_, q / self.q_ref_)


class RobustZDetector(_Detector):
    """Largest per-channel robust z-score |x - median| / (1.4826 MAD), relative to the training maximum."""

    def __init__(
        self, smooth: int = 1, quantile: float = 0.99, threshold_margin: float = 1.0, alarm_filter: int = 1
    ) -> None:
        self.smooth = smooth
        self.quantile = quantile
        self.threshold_margin = threshold_margin
        self.alarm_filter = alarm_filter

    def fit(self, X: ArrayLike, y: Any = None) -> RobustZDetector:
        arr = _rolling_mean(_as_matrix(X, min_rows=3), self.smooth)
        self.median_ = np.median(arr, axis=0)
        mad = 1.4826 * np.median(np.abs(arr - self.median_), axis=0)
        std = arr.std(axis=0)
        self.scale_ = np.where(mad > 0, mad, np.where(std > 0, std, 1.0))
        self.n_features_in_ = arr.shape[1]
        self.ref_ = self._calibrate(self._raw(arr), self.quantile)
        self.fitted_ = True
        return self

    def _raw(self, arr: np.ndarray) -> np.ndarray:
        return np.asarray(np.abs((arr - self.median_) / self.scale_).max(axis=1))

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        return self._raw(_rolling_mean(self._input(X), self.smooth)) / self.ref_


class IsolationForestDetector(_Detector):
    """scikit-learn's IsolationForest; score 1.0 = the training-score quantile."""

    def __init__(
        self,
        n_estimators: int = 200,
        quantile: float = 0.99,
        threshold_margin: float = 1.0,
        alarm_filter: int = 1,
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.quantile = quantile
        self.threshold_margin = threshold_margin
        self.alarm_filter = alarm_filter
        self.random_state = random_state

    def fit(self, X: ArrayLike, y: Any = None) -> IsolationForestDetector:
        from sklearn.ensemble import IsolationForest

        arr = _as_matrix(X, min_rows=10)
        forest = IsolationForest(n_estimators=self.n_estimators, random_state=self.random_state)
        self.forest_ = forest.fit(arr)
        raw = -self.forest_.score_samples(arr)
        self.offset_ = float(np.min(raw))
        self.ref_ = self._calibrate(raw - self.offset_, self.quantile)
        self.n_features_in_ = arr.shape[1]
        self.fitted_ = True
        return self

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        return np.asarray((-self.forest_.score_samples(self._input(X)) - self.offset_) / self.ref_)


class EWMADetector(_Detector):
    """Streaming detector: exponentially weighted mean and variance per channel.

    ``partial_fit`` updates the statistics with new rows (online learning); ``score_samples`` scores
    rows against the current state without changing it. The score is the largest |z| divided by
    ``z_limit`` (so 1.0 = the alarm limit).
    """

    def __init__(
        self, alpha: float = 0.01, z_limit: float = 5.0, threshold_margin: float = 1.0, alarm_filter: int = 1
    ) -> None:
        self.alpha = alpha
        self.z_limit = z_limit
        self.threshold_margin = threshold_margin
        self.alarm_filter = alarm_filter

    def fit(self, X: ArrayLike, y: Any = None) -> EWMADetector:
        arr = _as_matrix(X, min_rows=2)
        self.mean_ = arr.mean(axis=0)
        self.var_ = np.maximum(arr.var(axis=0), 1e-12)
        self.n_seen_ = len(arr)
        self.n_features_in_ = arr.shape[1]
        self.fitted_ = True
        return self

    def partial_fit(self, X: ArrayLike, y: Any = None) -> EWMADetector:
        """Update the running mean / variance with new rows (fits from scratch when not fitted)."""
        arr = _as_matrix(X)
        if not getattr(self, "fitted_", False):
            return self.fit(arr) if len(arr) >= 2 else self.fit(np.vstack([arr, arr]))
        a = self.alpha
        for row in arr:
            diff = row - self.mean_
            self.mean_ = self.mean_ + a * diff
            self.var_ = np.maximum((1 - a) * (self.var_ + a * diff * diff), 1e-12)
        self.n_seen_ += len(arr)
        return self

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        arr = self._input(X)
        z = np.abs(arr - self.mean_) / np.sqrt(self.var_)
        return np.asarray(z.max(axis=1) / self.z_limit)


DETECTORS: dict[str, type[_Detector]] = {
    "pca": PCADetector,
    "robust-z": RobustZDetector,
    "iforest": IsolationForestDetector,
    "ewma": EWMADetector,
}


def alarm_onsets(flags: ArrayLike, refractory: int = 1) -> np.ndarray:
    """Rows where an alarm switches on, ignoring switch-ons within ``refractory`` rows of the last
    reported one (one alert per episode instead of one per flicker)."""
    f = np.asarray(flags).astype(int).ravel()
    starts = np.flatnonzero(np.diff(np.r_[0, f]) == 1)
    kept: list[int] = []
    for i in starts:
        if not kept or i - kept[-1] >= refractory:
            kept.append(int(i))
    return np.asarray(kept, dtype=int)


def anomaly_likelihood(
    raw: ArrayLike, *, history: int = 8640, short: int = 10, min_history: int = 100
) -> np.ndarray:
    """Tail z-score of the mean of the last ``short`` raw scores against the mean / spread of the
    ``history`` raw scores before them (log1p of the scores; causal: row t uses rows ≤ t only).

    ``scipy.stats.norm.cdf`` of the result is the anomaly likelihood (z 3.5 ≈ 0.9998). Rows with
    less than ``min_history`` scores of history get 0. Defaults follow NuPIC's anomaly likelihood
    (historic window 8640, averaging window 10)."""
    _check_window("history", history, 2)
    _check_window("short", short, 1)
    _check_window("min_history", min_history, 0)
    r = pd.Series(np.log1p(np.maximum(np.asarray(raw, dtype=float).ravel(), 0.0)))
    if not np.isfinite(r).all():
        raise ValidationError(
            "raw scores hold NaN or infinite values", [Problem(field="raw", reason="not finite")]
        )
    past = r.rolling(history, min_periods=max(2, min_history))
    mu = past.mean().shift(short)
    sd = past.std().shift(short).clip(lower=1e-6)
    recent = r.rolling(short, min_periods=1).mean()
    return np.asarray(((recent - mu) / sd).fillna(0.0).to_numpy())


def _check_window(name: str, value: object, minimum: int) -> int:
    """A whole number of rows >= ``minimum``, or a ValidationError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < minimum:
        raise ValidationError(
            f"{name} must be a whole number of rows >= {minimum}, got {value!r}",
            [Problem(field=name, reason=f"{value!r} is not an integer >= {minimum}")],
        )
    return int(value)


def pattern_novelty(
    values: ArrayLike, *, length: int = 24, history: int = 8640, step: int = 1, chunk: int = 256
) -> np.ndarray:
    """Memory-based novelty of a univariate series, one value per row (causal).

    Row t compares the stretch of the last ``length`` values (rows t-length+1 .. t) with every earlier
    stretch of the same length that ends at least ``length`` rows before t (so the two do not overlap)
    and no more than ``history`` rows before t; the result is the root-mean-square difference to the
    most similar one, in the series' own units. A level or shape the series has never shown scores
    high; one it has shown before — however rarely — scores low, so a recurring pattern (a weekend
    shutdown) stands out once, not at every recurrence. Rows with no earlier stretch to compare with
    (t < 2 * length - 1) get 0. ``step`` > 1 compares with every step-th earlier stretch only (faster,
    coarser). Feed the result to :func:`anomaly_likelihood` to alarm on it.

    ``values`` is a 1-D sequence, a pandas Series or a one-column table; missing or non-numeric values
    are reported with their column and row.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    length = _check_window("length", length, 2)
    step = _check_window("step", step, 1)
    history = _check_window("history", history, length + step - 1)  # every row has a stretch to compare
    chunk = _check_window("chunk", chunk, 1)
    if isinstance(values, pd.Series):
        values = values.to_frame(name=str(values.name) if values.name is not None else "value")
    x = _as_matrix(values, min_rows=2 * length, what="values")
    if x.shape[1] != 1:
        cols = (
            [str(c) for c in values.columns] if isinstance(values, pd.DataFrame) else list(range(x.shape[1]))
        )
        raise ValidationError(
            f"values must be one series; got {x.shape[1]} columns {cols}",
            [Problem(field="columns", reason=f"{x.shape[1]} columns, expected 1")],
        )
    v = x[:, 0] - x[: 2 * length, 0].mean()  # a constant shift: distances unchanged, less cancellation
    S = sliding_window_view(v, length)  # S[j] = v[j : j + length], the stretch ending at row j + length - 1
    sq = np.einsum("ij,ij->i", S, S)
    out = np.zeros(len(v))
    for j0 in range(length, len(S), chunk):
        j1 = min(j0 + chunk, len(S))
        cand = np.arange(max(0, j0 - history), j1 - length, step)  # earlier stretches any row may use
        d2 = sq[j0:j1, None] + sq[cand][None, :] - 2.0 * (S[j0:j1] @ S[cand].T)
        j = np.arange(j0, j1)[:, None]
        d2[(cand[None, :] > j - length) | (cand[None, :] < j - history)] = np.inf
        out[j0 + length - 1 : j1 + length - 1] = np.sqrt(np.maximum(d2.min(axis=1), 0.0) / length)
    return out
