"""Benchmark metrics: point-wise F1 / FAR / MAR, NAB-style window scores, RMSE and the PHM08 score."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Confusion:
    """Counts of a binary detector against labels (1 = anomaly / positive)."""

    tp: int
    fp: int
    fn: int
    tn: int

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    @property
    def f1(self) -> float:
        """SKAB's F1 = TP / (TP + (FP + FN) / 2); 1.0 when there is nothing to find and nothing found."""
        den = self.tp + (self.fp + self.fn) / 2
        return self.tp / den if den else 1.0

    @property
    def far(self) -> float:
        """False-alarm rate in %: FP / (FP + TN) * 100."""
        return 100.0 * self.fp / max(self.fp + self.tn, 1)

    @property
    def mar(self) -> float:
        """Missed-alarm rate in %: FN / (FN + TP) * 100."""
        return 100.0 * self.fn / max(self.fn + self.tp, 1)

    @property
    def precision(self) -> float:
        return self.tp / max(self.tp + self.fp, 1)

    @property
    def recall(self) -> float:
        return self.tp / max(self.tp + self.fn, 1)


def confusion(pred: ArrayLike, true: ArrayLike) -> Confusion:
    """Confusion counts of 0/1 predictions against 0/1 labels."""
    p = np.asarray(pred).astype(int).ravel()
    t = np.asarray(true).astype(int).ravel()
    if p.shape != t.shape:
        raise ValueError(f"pred has {p.size} values, true has {t.size}")
    return Confusion(
        tp=int(((p == 1) & (t == 1)).sum()),
        fp=int(((p == 1) & (t == 0)).sum()),
        fn=int(((p == 0) & (t == 1)).sum()),
        tn=int(((p == 0) & (t == 0)).sum()),
    )


def rmse(pred: ArrayLike, true: ArrayLike) -> float:
    d = np.asarray(pred, float) - np.asarray(true, float)
    return math.sqrt(float(np.mean(d**2)))


def phm08_score(pred: ArrayLike, true: ArrayLike) -> float:
    """PHM08 score: sum of exp(-d/13)-1 for early (d<0) and exp(d/10)-1 for late predictions."""
    d = np.asarray(pred, float) - np.asarray(true, float)
    return float(np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0).sum())


# --- NAB-style window scoring -------------------------------------------------------------------

PROFILES: dict[str, tuple[float, float, float]] = {
    # name: (A_tp, A_fp, A_fn)
    "standard": (1.0, 0.11, 1.0),
    "reward_low_fp": (1.0, 0.22, 1.0),
    "reward_low_fn": (1.0, 0.11, 2.0),
}


def _scaled_sigmoid(x: float) -> float:
    """NAB's scaled sigmoid: 2 / (1 + e^(5x)) - 1, and -1 from 3 window widths past a window on."""
    if x >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def nab_raw_score(
    detections: Sequence[int], windows: Sequence[tuple[int, int]], profile: str = "standard", start: int = 0
) -> float:
    """Raw NAB score of detection row indices against anomaly windows (inclusive row index pairs).

    Follows NAB's sweeper (``nab/sweeper.py``): the first detection inside a window earns A_tp scaled
    by how early it came — relative position -(b - i + 1) / (b - a + 1), so -1 at the window's first
    row — divided by the sigmoid at -1 (0.98661) so that a detection on the first row earns exactly
    A_tp; later detections in the same window count nothing; a detection outside every window costs
    A_fp times the sigmoid at (i - b) / (b - a) past the last window before it (less just after a
    window, the full A_fp from three window lengths on, and the full A_fp before the first window);
    each missed window costs A_fn. Rows before ``start`` (the probationary period) are not scored.
    """
    a_tp, a_fp, a_fn = PROFILES[profile]
    wins = sorted((int(a), int(b)) for a, b in windows)
    hit = [False] * len(wins)
    score = 0.0
    for i in sorted(int(d) for d in detections):
        if i < start:
            continue
        inside = next((k for k, (a, b) in enumerate(wins) if a <= i <= b), None)
        if inside is not None:
            if not hit[inside]:
                a, b = wins[inside]
                pos = -(b - i + 1) / (b - a + 1)
                score += a_tp * _scaled_sigmoid(pos) / _scaled_sigmoid(-1.0)
                hit[inside] = True
            continue
        prev = [(a, b) for a, b in wins if b < i]
        if not prev:
            score -= a_fp
        else:
            a, b = prev[-1]
            pos = (i - b) / max(b - a, 1)
            score += a_fp * _scaled_sigmoid(pos)
    score -= a_fn * sum(1 for h in hit if not h)
    return score


def nab_normalised(raw: float, n_windows: int, profile: str = "standard") -> float:
    """100 * (S - S_null) / (S_perfect - S_null) for one file with ``n_windows`` windows."""
    a_tp, _, a_fn = PROFILES[profile]
    null, perfect = -a_fn * n_windows, a_tp * n_windows
    return 100.0 * (raw - null) / (perfect - null) if perfect != null else 0.0


def onsets(flags: ArrayLike) -> np.ndarray:
    """Row indices where a 0/1 alarm series switches on or off (the detector's changepoints)."""
    f = np.asarray(flags).astype(int).ravel()
    return np.flatnonzero(np.diff(np.r_[0, f]) != 0)


def psi(expected: ArrayLike, actual: ArrayLike, bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of ``actual`` against ``expected`` (one feature): Σ (a − e)·ln(a / e)
    over the quantile bins of ``expected``. Below 0.1 the population is stable, 0.1–0.25 it moved, above
    0.25 it drifted (the usual reading in credit and model monitoring). Sampling alone gives a PSI of
    about (bins − 1)·(1/n_e + 1/n_a), so the bins are ``bins`` at most and one per 25 values of the
    smaller side (a day of 10-minute windows: 5 bins, noise ≈ 0.05); fewer where values repeat. Empty
    proportions count as ``eps``."""
    e = np.asarray(expected, dtype=float).ravel()
    a = np.asarray(actual, dtype=float).ravel()
    e, a = e[np.isfinite(e)], a[np.isfinite(a)]
    if e.size == 0 or a.size == 0:
        raise ValueError("psi needs values on both sides")
    bins = psi_bins(e.size, a.size, bins)
    edges = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)[1:-1]))
    pe = np.bincount(np.searchsorted(edges, e, side="right"), minlength=edges.size + 1) / e.size
    pa = np.bincount(np.searchsorted(edges, a, side="right"), minlength=edges.size + 1) / a.size
    pe, pa = np.maximum(pe, eps), np.maximum(pa, eps)
    return float(np.sum((pa - pe) * np.log(pa / pe)))


def psi_bins(n_expected: int, n_actual: int, bins: int = 10) -> int:
    """How many bins :func:`psi` uses for samples of these sizes: ``bins`` at most, one per 25 values of
    the smaller side, at least 2."""
    return max(2, min(bins, min(n_expected, n_actual) // 25))


def psi_noise(n_expected: int, n_actual: int, bins: int = 10) -> float:
    """The PSI that sampling alone gives on average for two samples of one population of these sizes:
    (bins − 1)·(1/n_e + 1/n_a)."""
    return (psi_bins(n_expected, n_actual, bins) - 1) * (1 / max(n_expected, 1) + 1 / max(n_actual, 1))
