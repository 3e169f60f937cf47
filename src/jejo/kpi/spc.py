"""Statistical process control (pure): control charts, run rules, process capability.

Charts: X̄-R, X̄-S, I-MR (variables); p, np, c, u (attributes). Control limits come from a
*baseline* (the points the limits are computed on, e.g. the first 25 subgroups of a period of
control) and are then applied to every point. Run rules are Nelson's eight (Western Electric's four
are Nelson 1, 5, 6 and 2 with eight points); each violation names the rule and the points.
Capability: Cp, Cpk (within-subgroup σ̂) and Pp, Ppk (overall s), with confidence intervals (χ² for
Cp/Pp, Bissell's normal approximation for Cpk/Ppk).

Constants: d2 and d3 (the mean and standard deviation of the range of n standard normals) are the
usual tabulated values (ASTM E2587 / Montgomery, Appendix VI); c4 is exact; A2, A3, D3, D4, B3, B4
follow from them. Tests recompute d2/d3 by numerical integration and c4 with scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

from jejo.core.errors import Problem, ValidationError

D2 = {
    2: 1.128,
    3: 1.693,
    4: 2.059,
    5: 2.326,
    6: 2.534,
    7: 2.704,
    8: 2.847,
    9: 2.970,
    10: 3.078,
    11: 3.173,
    12: 3.258,
    13: 3.336,
    14: 3.407,
    15: 3.472,
    16: 3.532,
    17: 3.588,
    18: 3.640,
    19: 3.689,
    20: 3.735,
    21: 3.778,
    22: 3.819,
    23: 3.858,
    24: 3.895,
    25: 3.931,
}
D3 = {
    2: 0.853,
    3: 0.888,
    4: 0.880,
    5: 0.864,
    6: 0.848,
    7: 0.833,
    8: 0.820,
    9: 0.808,
    10: 0.797,
    11: 0.787,
    12: 0.778,
    13: 0.770,
    14: 0.763,
    15: 0.756,
    16: 0.750,
    17: 0.744,
    18: 0.739,
    19: 0.734,
    20: 0.729,
    21: 0.724,
    22: 0.720,
    23: 0.716,
    24: 0.712,
    25: 0.708,
}


def c4(n: int) -> float:
    """c4(n) = √(2/(n−1)) · Γ(n/2) / Γ((n−1)/2): E[s] = c4·σ."""
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


@dataclass(frozen=True, slots=True)
class Constants:
    n: int
    d2: float
    d3: float
    c4: float
    A2: float
    A3: float
    D3: float
    D4: float
    B3: float
    B4: float


def constants(n: int) -> Constants:
    """Control-chart constants for subgroup size n (2..25)."""
    if n not in D2:
        raise ValidationError(
            "subgroup size out of range", [Problem("subgroup size must be 2..25", field="n")]
        )
    d2, d3, cc = D2[n], D3[n], c4(n)
    k = 3 * math.sqrt(1 - cc * cc) / cc
    return Constants(
        n,
        d2,
        d3,
        cc,
        3 / (d2 * math.sqrt(n)),
        3 / (cc * math.sqrt(n)),
        max(0.0, 1 - 3 * d3 / d2),
        1 + 3 * d3 / d2,
        max(0.0, 1 - k),
        1 + k,
    )


# ---- rules -----------------------------------------------------------------------------------

NELSON = {
    1: "one point beyond 3σ",
    2: "nine points in a row on one side of the centre line",
    3: "six points in a row steadily increasing or decreasing",
    4: "fourteen points in a row alternating up and down",
    5: "two out of three points beyond 2σ on the same side",
    6: "four out of five points beyond 1σ on the same side",
    7: "fifteen points in a row within 1σ",
    8: "eight points in a row beyond 1σ on either side",
}
#: Western Electric rule → (Nelson rule, run length for the "same side" rule)
WESTERN_ELECTRIC = {1: 1, 2: 5, 3: 6, 4: 2}


@dataclass(frozen=True, slots=True)
class Violation:
    rule: int
    index: int  # the point at which the pattern is complete
    points: tuple[int, ...]
    description: str
    ruleset: str = "nelson"


def _same_side_run(z: Sequence[float], i: int, length: int) -> bool:
    if i + 1 < length:
        return False
    w = z[i - length + 1 : i + 1]
    return all(v > 0 for v in w) or all(v < 0 for v in w)


def run_rules(z: Sequence[float], ruleset: str = "nelson") -> list[Violation]:
    """Run rules on standardised points z = (x − CL) / σ_x (σ of the plotted statistic).

    ``ruleset``: ``nelson`` (rules 1–8) or ``western_electric`` (WE 1–4: beyond 3σ; 2 of 3 beyond
    2σ; 4 of 5 beyond 1σ; 8 in a row on one side). A violation is reported at the point that
    completes the pattern.
    """
    if ruleset not in ("nelson", "western_electric"):
        raise ValidationError("unknown rule set", [Problem("nelson or western_electric", field="rules")])
    out: list[Violation] = []
    n = len(z)
    we = ruleset == "western_electric"
    for i in range(n):
        found: list[tuple[int, tuple[int, ...]]] = []
        if abs(z[i]) > 3:
            found.append((1, (i,)))
        run = 8 if we else 9
        if _same_side_run(z, i, run):
            found.append((2, tuple(range(i - run + 1, i + 1))))
        if not we and i >= 5:
            w = z[i - 5 : i + 1]
            d = [w[k + 1] - w[k] for k in range(5)]
            if all(x > 0 for x in d) or all(x < 0 for x in d):
                found.append((3, tuple(range(i - 5, i + 1))))
        if not we and i >= 13:
            d = [z[k + 1] - z[k] for k in range(i - 13, i)]
            if all(d[k] * d[k + 1] < 0 for k in range(len(d) - 1)):
                found.append((4, tuple(range(i - 13, i + 1))))
        for rule, m, k, lim in ((5, 3, 2, 2.0), (6, 5, 4, 1.0)):
            if i + 1 >= m and (z[i] > lim or z[i] < -lim):
                w = z[i - m + 1 : i + 1]
                side = 1 if z[i] > 0 else -1
                hits = [i - m + 1 + j for j, v in enumerate(w) if v * side > lim]
                if len(hits) >= k:
                    found.append((rule, tuple(hits)))
        if not we and i >= 14 and all(abs(v) < 1 for v in z[i - 14 : i + 1]):
            found.append((7, tuple(range(i - 14, i + 1))))
        if not we and i >= 7 and all(abs(v) > 1 for v in z[i - 7 : i + 1]):
            found.append((8, tuple(range(i - 7, i + 1))))
        for rule, pts in found:
            if we:
                we_rule = {1: 1, 5: 2, 6: 3, 2: 4}[rule]
                out.append(Violation(we_rule, i, pts, _WE_TEXT[we_rule], ruleset))
            else:
                out.append(Violation(rule, i, pts, NELSON[rule], ruleset))
    return out


_WE_TEXT = {
    1: "one point beyond 3σ",
    2: "two out of three points beyond 2σ on the same side",
    3: "four out of five points beyond 1σ on the same side",
    4: "eight points in a row on one side of the centre line",
}


# ---- charts ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chart:
    """One control chart: plotted points with their (possibly per-point) limits and violations."""

    kind: str
    center: float
    ucl: tuple[float, ...]
    lcl: tuple[float, ...]
    sigma: tuple[float, ...]  # σ of the plotted statistic at each point
    points: tuple[float, ...]
    violations: tuple[Violation, ...] = ()
    baseline: int = 0  # how many points the limits were computed on

    @property
    def out_of_control(self) -> bool:
        return bool(self.violations)


@dataclass(frozen=True, slots=True)
class ChartPair:
    """A location chart (X̄ or I) with its dispersion chart (R, S or MR) and the σ̂ they imply."""

    location: Chart
    dispersion: Chart
    sigma_within: float
    extras: dict[str, float] = field(default_factory=dict)


def _check_baseline(baseline: int | None, total: int, minimum: int = 2) -> int:
    b = total if baseline is None else baseline
    if b < minimum or b > total:
        raise ValidationError(
            "bad baseline",
            [Problem(f"the baseline needs {minimum}..{total} points, got {b}", field="baseline")],
        )
    return b


def _chart(
    kind: str,
    points: Sequence[float],
    center: float,
    sigmas: Sequence[float],
    baseline: int,
    ruleset: str,
    floor: float | None = 0.0,
    use_rules: bool = True,
) -> Chart:
    ucl = tuple(center + 3 * s for s in sigmas)
    lcl = tuple(max(floor, center - 3 * s) if floor is not None else center - 3 * s for s in sigmas)
    z = [(p - center) / s if s > 0 else 0.0 for p, s in zip(points, sigmas, strict=True)]
    if use_rules:
        v = tuple(run_rules(z, ruleset))
    else:  # dispersion charts: only points beyond the limits
        v = tuple(
            Violation(1, i, (i,), "one point beyond the control limits", ruleset)
            for i, p in enumerate(points)
            if p > ucl[i] or p < lcl[i]
        )
    return Chart(kind, center, ucl, lcl, tuple(sigmas), tuple(points), v, baseline)


def _subgroups(data: Sequence[Sequence[float]]) -> int:
    if not data:
        raise ValidationError("no data", [Problem("at least two subgroups are needed", field="data")])
    n = len(data[0])
    if any(len(g) != n for g in data):
        raise ValidationError(
            "unequal subgroups", [Problem("all subgroups must have the same size", field="data")]
        )
    return n


def xbar_r(
    data: Sequence[Sequence[float]], baseline: int | None = None, ruleset: str = "nelson"
) -> ChartPair:
    """X̄-R chart. Limits from the first ``baseline`` subgroups: X̄̄ ± A2·R̄; R: D3·R̄ .. D4·R̄."""
    n = _subgroups(data)
    k = constants(n)
    b = _check_baseline(baseline, len(data))
    means = [sum(g) / n for g in data]
    ranges = [max(g) - min(g) for g in data]
    xbb = sum(means[:b]) / b
    rbar = sum(ranges[:b]) / b
    sigma = rbar / k.d2
    s_mean = [sigma / math.sqrt(n)] * len(data)
    loc = _chart("xbar", means, xbb, s_mean, b, ruleset, floor=None)
    s_r = [k.d3 * sigma] * len(data)
    disp = Chart(
        "r",
        rbar,
        (k.D4 * rbar,) * len(data),
        (k.D3 * rbar,) * len(data),
        tuple(s_r),
        tuple(ranges),
        _beyond(ranges, k.D4 * rbar, k.D3 * rbar, ruleset),
        b,
    )
    return ChartPair(loc, disp, sigma, {"A2": k.A2, "D3": k.D3, "D4": k.D4, "rbar": rbar, "xbarbar": xbb})


def xbar_s(
    data: Sequence[Sequence[float]], baseline: int | None = None, ruleset: str = "nelson"
) -> ChartPair:
    """X̄-S chart. Limits: X̄̄ ± A3·S̄; S: B3·S̄ .. B4·S̄; σ̂ = S̄ / c4."""
    n = _subgroups(data)
    k = constants(n)
    b = _check_baseline(baseline, len(data))
    means = [sum(g) / n for g in data]
    sds = [math.sqrt(sum((x - m) ** 2 for x in g) / (n - 1)) for g, m in zip(data, means, strict=True)]
    xbb = sum(means[:b]) / b
    sbar = sum(sds[:b]) / b
    sigma = sbar / k.c4
    loc = _chart("xbar", means, xbb, [sigma / math.sqrt(n)] * len(data), b, ruleset, floor=None)
    s_s = sigma * math.sqrt(1 - k.c4**2)
    disp = Chart(
        "s",
        sbar,
        (k.B4 * sbar,) * len(data),
        (k.B3 * sbar,) * len(data),
        (s_s,) * len(data),
        tuple(sds),
        _beyond(sds, k.B4 * sbar, k.B3 * sbar, ruleset),
        b,
    )
    return ChartPair(loc, disp, sigma, {"A3": k.A3, "B3": k.B3, "B4": k.B4, "sbar": sbar, "xbarbar": xbb})


def i_mr(values: Sequence[float], baseline: int | None = None, ruleset: str = "nelson") -> ChartPair:
    """Individuals and moving range: X̄ ± 2.66·MR̄ (= 3·MR̄/d2, d2 = 1.128); MR: 0 .. 3.267·MR̄."""
    if len(values) < 3:
        raise ValidationError("too few points", [Problem("I-MR needs at least 3 values", field="data")])
    b = _check_baseline(baseline, len(values), 3)
    mr = [abs(values[i] - values[i - 1]) for i in range(1, len(values))]
    xbar = sum(values[:b]) / b
    mrbar = sum(mr[: b - 1]) / (b - 1)
    k = constants(2)
    sigma = mrbar / k.d2
    loc = _chart("i", values, xbar, [sigma] * len(values), b, ruleset, floor=None)
    disp = Chart(
        "mr",
        mrbar,
        (k.D4 * mrbar,) * len(mr),
        (0.0,) * len(mr),
        (k.d3 * sigma,) * len(mr),
        tuple(mr),
        _beyond(mr, k.D4 * mrbar, 0.0, ruleset),
        b - 1,
    )
    return ChartPair(loc, disp, sigma, {"mrbar": mrbar, "xbar": xbar})


def _beyond(points: Sequence[float], ucl: float, lcl: float, ruleset: str) -> tuple[Violation, ...]:
    return tuple(
        Violation(1, i, (i,), "one point beyond the control limits", ruleset)
        for i, p in enumerate(points)
        if p > ucl or (lcl > 0 and p < lcl)
    )


def _attr_check(counts: Sequence[float], sizes: Sequence[float] | None) -> None:
    if len(counts) < 2:
        raise ValidationError("too few points", [Problem("at least two samples are needed", field="data")])
    if any(not math.isfinite(c) or c < 0 for c in counts):
        raise ValidationError("bad counts", [Problem("counts are finite and not negative", field="values")])
    if sizes is not None and (
        len(sizes) != len(counts) or any(not math.isfinite(s) or s <= 0 for s in sizes)
    ):
        raise ValidationError("bad sample sizes", [Problem("one positive size per sample", field="sizes")])


def p_chart(
    defectives: Sequence[float], sizes: Sequence[float], baseline: int | None = None, ruleset: str = "nelson"
) -> Chart:
    """p chart (fraction nonconforming): p̄ = Σd/Σn over the baseline; limits p̄ ± 3√(p̄(1−p̄)/nᵢ)."""
    _attr_check(defectives, sizes)
    if any(d > n for d, n in zip(defectives, sizes, strict=True)):
        raise ValidationError(
            "more defectives than inspected",
            [Problem("a sample cannot hold more defectives than its size", field="values")],
        )
    b = _check_baseline(baseline, len(sizes))
    pbar = sum(defectives[:b]) / sum(sizes[:b])
    pts = [d / n for d, n in zip(defectives, sizes, strict=True)]
    sig = [math.sqrt(pbar * (1 - pbar) / n) for n in sizes]
    ch = _chart("p", pts, pbar, sig, b, ruleset)
    return Chart("p", pbar, tuple(min(1.0, u) for u in ch.ucl), ch.lcl, ch.sigma, ch.points, ch.violations, b)


def np_chart(
    defectives: Sequence[float], n: int, baseline: int | None = None, ruleset: str = "nelson"
) -> Chart:
    """np chart (number nonconforming, constant n): n·p̄ ± 3√(n·p̄(1−p̄))."""
    _attr_check(defectives, None)
    b = _check_baseline(baseline, len(defectives))
    pbar = sum(defectives[:b]) / (b * n)
    return _chart(
        "np", list(defectives), n * pbar, [math.sqrt(n * pbar * (1 - pbar))] * len(defectives), b, ruleset
    )


def c_chart(defects: Sequence[float], baseline: int | None = None, ruleset: str = "nelson") -> Chart:
    """c chart (defects per unit of constant size): c̄ ± 3√c̄."""
    _attr_check(defects, None)
    b = _check_baseline(baseline, len(defects))
    cbar = sum(defects[:b]) / b
    return _chart("c", list(defects), cbar, [math.sqrt(cbar)] * len(defects), b, ruleset)


def u_chart(
    defects: Sequence[float], units: Sequence[float], baseline: int | None = None, ruleset: str = "nelson"
) -> Chart:
    """u chart (defects per unit, variable size): ū = Σc/Σn; limits ū ± 3√(ū/nᵢ)."""
    _attr_check(defects, units)
    b = _check_baseline(baseline, len(units))
    ubar = sum(defects[:b]) / sum(units[:b])
    pts = [c / n for c, n in zip(defects, units, strict=True)]
    return _chart("u", pts, ubar, [math.sqrt(ubar / n) for n in units], b, ruleset)


# ---- capability ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Capability:
    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None
    cp_ci: Interval | None
    cpk_ci: Interval | None
    pp_ci: Interval | None
    ppk_ci: Interval | None
    confidence: float


def _chi2_ppf(q: float, df: int) -> float:
    from scipy.stats import chi2  # scipy ships with scikit-learn

    return float(chi2.ppf(q, df))


def cp_interval(cp: float, n: int, confidence: float = 0.95) -> Interval:
    """Cp · √(χ²(α/2, n−1)/(n−1)) ≤ Cp ≤ Cp · √(χ²(1−α/2, n−1)/(n−1)) (Montgomery eq. 8.19)."""
    a = 1 - confidence
    return Interval(
        cp * math.sqrt(_chi2_ppf(a / 2, n - 1) / (n - 1)),
        cp * math.sqrt(_chi2_ppf(1 - a / 2, n - 1) / (n - 1)),
    )


def cpk_interval(cpk: float, n: int, confidence: float = 0.95) -> Interval:
    """Bissell (1990): Cpk ± z(1−α/2) · √(1/(9n) + Cpk²/(2(n−1)))."""
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    h = z * math.sqrt(1 / (9 * n) + cpk * cpk / (2 * (n - 1)))
    return Interval(cpk - h, cpk + h)


def capability(
    values: Sequence[float],
    lsl: float | None,
    usl: float | None,
    sigma_within: float | None = None,
    confidence: float = 0.95,
) -> Capability:
    """Cp = (USL − LSL)/6σ̂, Cpk = min(USL − μ, μ − LSL)/3σ̂ with σ̂ within subgroups (from a chart,
    or MR̄/d2 of the values in order if not given); Pp, Ppk the same with the overall s.
    One-sided specifications give Cpk/Ppk only."""
    n = len(values)
    if n < 2:
        raise ValidationError("too few values", [Problem("capability needs at least 2 values", field="data")])
    if lsl is None and usl is None:
        raise ValidationError("no specification", [Problem("give lsl, usl or both", field="usl")])
    if lsl is not None and usl is not None and usl <= lsl:
        raise ValidationError("bad specification", [Problem("usl must be above lsl", field="usl")])
    mean = sum(values) / n
    s = math.sqrt(sum((x - mean) ** 2 for x in values) / (n - 1))
    if sigma_within is None:
        mr = [abs(values[i] - values[i - 1]) for i in range(1, n)]
        sigma_within = (sum(mr) / len(mr)) / D2[2]

    def idx(sig: float) -> tuple[float | None, float | None]:
        if sig <= 0:
            return None, None
        cp = (usl - lsl) / (6 * sig) if usl is not None and lsl is not None else None
        sides = [
            v
            for v in ((usl - mean) if usl is not None else None, (mean - lsl) if lsl is not None else None)
            if v is not None
        ]
        return cp, min(sides) / (3 * sig)

    cp, cpk = idx(sigma_within)
    pp, ppk = idx(s)
    return Capability(
        n,
        mean,
        sigma_within,
        s,
        cp,
        cpk,
        pp,
        ppk,
        cp_interval(cp, n, confidence) if cp is not None else None,
        cpk_interval(cpk, n, confidence) if cpk is not None else None,
        cp_interval(pp, n, confidence) if pp is not None else None,
        cpk_interval(ppk, n, confidence) if ppk is not None else None,
        confidence,
    )
