"""Drift: has a machine changed, so that the twin's fitted numbers no longer hold?

The history is cut in two (by default in the middle; or at a given moment): the earlier part is the
reference, the later part is the recent behaviour. For every machine and every fitted parameter a
two-sample test asks whether the two parts come from the same distribution:

* up-times between breakdowns (MTBF): likelihood-ratio test of one Weibull scale for both parts against
  one for each, with a shape common to both (censored up-times included), χ² with 1 degree of freedom;
* repair times (MTTR): Welch's t-test on the log repair times (lognormal);
* cycle times and setup times: Welch's t-test;
* scrap rate: Fisher's exact test.

The p-values of all tests of a plant are adjusted together (Holm), so checking many machines does not
raise false alarms. A parameter is flagged when its adjusted p-value is below ``alpha`` *and* it moved by
at least ``min_change`` (relative), so that a tiny but significant shift over thousands of cycles does not
bother anyone. For a flagged parameter the moment of change is estimated by scanning the cut points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats

from jejo.core.errors import Problem, ValidationError
from jejo.twin.calibrate import MachineHistory, counts, failures, setups, weibull_mean

PARAMETERS = ("mtbf_h", "mttr_min", "cycle_s", "setup_min", "scrap_rate")
MIN_SAMPLES = {"mtbf_h": 3, "mttr_min": 3, "cycle_s": 5, "setup_min": 3, "scrap_rate": 20}


@dataclass(frozen=True)
class DriftTest:
    equipment: str
    parameter: str
    before: float
    after: float
    n_before: int
    n_after: int
    p_value: float
    p_adjusted: float = 1.0
    flagged: bool = False
    changed_at_s: float | None = None

    @property
    def change(self) -> float:
        """Relative change (after / before − 1)."""
        if self.before == 0:
            return math.inf if self.after > 0 else 0.0
        return self.after / self.before - 1

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["change"] = None if math.isinf(self.change) else self.change
        return d


@dataclass(frozen=True)
class DriftReport:
    split_s: float
    alpha: float
    min_change: float
    tests: list[DriftTest]

    @property
    def flagged(self) -> list[DriftTest]:
        return [t for t in self.tests if t.flagged]

    def as_dict(self) -> dict[str, Any]:
        return {
            "split_s": self.split_s,
            "alpha": self.alpha,
            "min_change": self.min_change,
            "flagged": [t.as_dict() for t in self.flagged],
            "tests": [t.as_dict() for t in self.tests],
        }


def _loglik(groups: Sequence[tuple[np.ndarray, np.ndarray]], k: float) -> float:
    """Censored Weibull log-likelihood, one shape ``k`` and each group's own scale at its maximum."""
    ll = 0.0
    for t, failed in groups:
        r = int(failed.sum())
        sk = float(np.sum(t**k))
        ll += r * math.log(k) - r * math.log(sk / r) + (k - 1) * float(np.log(t[failed]).sum()) - r
    return ll


def _profile(groups: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
    res = optimize.minimize_scalar(
        lambda lk: -_loglik(groups, math.exp(lk)), bounds=(math.log(0.05), math.log(20)), method="bounded"
    )
    return -float(res.fun), math.exp(float(res.x))


def _failure_test(a: MachineHistory, b: MachineHistory) -> DriftTest | None:
    """Same Weibull shape in both parts; is the scale (so the MTBF) the same? Likelihood ratio, χ²(1)."""
    ua, fa, _ = failures(a)
    ub, fb, _ = failures(b)
    unit = 3600.0
    ga = (np.asarray(ua) / unit, np.asarray(fa, dtype=bool))
    gb = (np.asarray(ub) / unit, np.asarray(fb, dtype=bool))
    if ga[1].sum() < MIN_SAMPLES["mtbf_h"] or gb[1].sum() < MIN_SAMPLES["mtbf_h"]:
        return None
    ll_apart, k = _profile([ga, gb])
    ll_pooled, _ = _profile([(np.concatenate([ga[0], gb[0]]), np.concatenate([ga[1], gb[1]]))])
    p = float(stats.chi2.sf(max(0.0, 2 * (ll_apart - ll_pooled)), 1))

    def mtbf(g: tuple[np.ndarray, np.ndarray]) -> float:
        return weibull_mean(k, float((np.sum(g[0] ** k) / g[1].sum()) ** (1 / k)))

    return DriftTest(a.code, "mtbf_h", mtbf(ga), mtbf(gb), int(ga[1].sum()), int(gb[1].sum()), p)


def _welch(
    code: str, name: str, xa: Sequence[float], xb: Sequence[float], log: bool = False
) -> DriftTest | None:
    if len(xa) < MIN_SAMPLES[name] or len(xb) < MIN_SAMPLES[name]:
        return None
    a, b = np.asarray(xa, dtype=float), np.asarray(xb, dtype=float)
    if log:
        a, b = np.log(a[a > 0]), np.log(b[b > 0])
    if a.std() == 0 and b.std() == 0:
        p = 1.0 if a.mean() == b.mean() else 0.0
    else:
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    before, after = (
        (float(np.exp(a.mean())), float(np.exp(b.mean()))) if log else (float(a.mean()), float(b.mean()))
    )
    return DriftTest(code, name, before, after, int(a.size), int(b.size), p)


def _scrap_test(a: MachineHistory, b: MachineHistory) -> DriftTest | None:
    ga, sa = counts(a)
    gb, sb = counts(b)
    na, nb = ga + sa, gb + sb
    if na < MIN_SAMPLES["scrap_rate"] or nb < MIN_SAMPLES["scrap_rate"]:
        return None
    p = float(stats.fisher_exact([[round(sa), round(ga)], [round(sb), round(gb)]]).pvalue)
    return DriftTest(a.code, "scrap_rate", sa / na, sb / nb, round(na), round(nb), p)


def machine_tests(h: MachineHistory, split_s: float) -> list[DriftTest]:
    a, b = h.window(h.start_s, split_s), h.window(split_s, h.end_s)
    out = [
        _failure_test(a, b),
        _welch(
            h.code, "mttr_min", [r / 60 for r in failures(a)[2]], [r / 60 for r in failures(b)[2]], log=True
        ),
        _welch(h.code, "cycle_s", [c for _, c in a.cycles], [c for _, c in b.cycles]),
        _welch(h.code, "setup_min", [s / 60 for s in setups(a)], [s / 60 for s in setups(b)]),
        _scrap_test(a, b),
    ]
    return [t for t in out if t is not None]


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment (family-wise error)."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def _changed_at(h: MachineHistory, parameter: str, split_s: float) -> float | None:
    """Where the change most likely happened: the cut (on a grid of 40) with the strongest test."""
    span = h.end_s - h.start_s
    best: tuple[float, float] | None = None
    for i in range(4, 37):
        cut = h.start_s + span * i / 40
        t = next((x for x in machine_tests(h, cut) if x.parameter == parameter), None)
        if t is not None and (best is None or t.p_value < best[0]):
            best = (t.p_value, cut)
    return best[1] if best else split_s


def check_drift(
    histories: Mapping[str, MachineHistory],
    *,
    split_s: float | None = None,
    alpha: float = 0.01,
    min_change: float = 0.2,
    locate: bool = True,
) -> DriftReport:
    """Test every machine's parameters for a change between the two parts of the history."""
    if not 0 < alpha < 1:
        raise ValidationError("bad alpha", [Problem(reason="must be between 0 and 1", field="alpha")])
    if min_change < 0:
        raise ValidationError("bad min_change", [Problem(reason="must be 0 or more", field="min_change")])
    hs = list(histories.values())
    if not hs:
        return DriftReport(split_s or 0.0, alpha, min_change, [])
    start, end = min(h.start_s for h in hs), max(h.end_s for h in hs)
    cut = split_s if split_s is not None else (start + end) / 2
    if not start < cut < end:
        raise ValidationError("bad split", [Problem(reason="must lie inside the history", field="split")])
    tests = [t for h in hs for t in machine_tests(h, cut)]
    adjusted = holm([t.p_value for t in tests])
    out = []
    for t, p in zip(tests, adjusted, strict=True):
        flagged = p < alpha and abs(t.change) >= min_change
        where = _changed_at(histories[t.equipment], t.parameter, cut) if flagged and locate else None
        out.append(
            DriftTest(
                t.equipment,
                t.parameter,
                t.before,
                t.after,
                t.n_before,
                t.n_after,
                t.p_value,
                p,
                flagged,
                where,
            )
        )
    return DriftReport(cut, alpha, min_change, out)
