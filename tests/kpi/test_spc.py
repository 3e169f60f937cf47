"""SPC against independent references: d2 by numerical integration (scipy), d3 by simulation, limits
recomputed with numpy from the textbook formulas, capability intervals from Montgomery's worked
examples (Introduction to Statistical Quality Control, 6th ed., Examples 8.5 and 8.6), and run rules
on hand-built series."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from jejo.core.errors import ValidationError
from jejo.kpi import spc
from jejo.kpi.findings import spc_findings


@functools.cache
def _d2(n: int) -> float:
    """E[range of n standard normals] = ∫ 1 − Φ(x)ⁿ − (1 − Φ(x))ⁿ dx."""
    f = lambda x: 1 - stats.norm.cdf(x) ** n - (1 - stats.norm.cdf(x)) ** n  # noqa: E731
    return float(integrate.quad(f, -12, 12)[0])


@functools.cache
def _d3(n: int) -> float:
    """σ of the range of n standard normals, by simulation (2 M ranges; standard error ≈ 0.0005)."""
    x = np.random.default_rng(1).standard_normal((2_000_000, n))
    return float(np.std(x.max(1) - x.min(1)))


@pytest.mark.parametrize("n", [2, 3, 5, 8, 10, 15, 25])
def test_d2_c4_match_integration(n: int) -> None:
    """Tabulated d2 within 0.0006 of the integral; c4 equal to scipy's gamma form."""
    assert spc.D2[n] == pytest.approx(_d2(n), abs=6e-4)
    c4 = math.sqrt(2 / (n - 1)) * special.gamma(n / 2) / special.gamma((n - 1) / 2)
    assert spc.c4(n) == pytest.approx(c4, rel=1e-12)


@pytest.mark.parametrize("n", [2, 5, 10])
def test_d3_matches_simulation(n: int) -> None:
    assert spc.D3[n] == pytest.approx(_d3(n), abs=2.5e-3)


def test_textbook_constants_n5() -> None:
    """Montgomery Appendix VI, n = 5: A2 = 0.577, D3 = 0, D4 = 2.114, A3 = 1.427, B3 = 0, B4 = 2.089,
    c4 = 0.9400; n = 10: D3 = 0.223, D4 = 1.777, B3 = 0.284, B4 = 1.716."""
    c = spc.constants(5)
    assert (round(c.A2, 3), c.D3, round(c.D4, 3), round(c.A3, 3), c.B3, round(c.B4, 3)) == (
        0.577,
        0.0,
        2.114,
        1.427,
        0.0,
        2.089,
    )
    assert round(c.c4, 4) == 0.9400
    c10 = spc.constants(10)
    assert (round(c10.D3, 3), round(c10.D4, 3), round(c10.B3, 3), round(c10.B4, 3)) == (
        0.223,
        1.777,
        0.284,
        1.716,
    )


def _data(seed: int = 7, k: int = 30, n: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(74.0, 0.01, size=(k, n))


def test_xbar_r_limits_match_numpy_reference() -> None:
    """Limits from the first 20 subgroups, recomputed with numpy and the integrated d2/d3."""
    x = _data()
    pair = spc.xbar_r(x.tolist(), baseline=20)
    base = x[:20]
    rbar = float(np.mean(base.max(1) - base.min(1)))
    xbb = float(base.mean())
    d2, d3 = _d2(5), _d3(5)
    assert pair.location.center == pytest.approx(xbb)
    assert pair.location.ucl[0] == pytest.approx(xbb + 3 * rbar / (d2 * math.sqrt(5)), rel=1e-6)
    assert pair.location.lcl[0] == pytest.approx(xbb - 3 * rbar / (d2 * math.sqrt(5)), rel=1e-6)
    assert pair.dispersion.ucl[0] == pytest.approx(rbar * (1 + 3 * d3 / d2), rel=1e-3)
    assert pair.sigma_within == pytest.approx(rbar / d2, rel=1e-3)
    assert len(pair.location.points) == 30


def test_xbar_s_limits_match_numpy_reference() -> None:
    x = _data(3)
    pair = spc.xbar_s(x.tolist(), baseline=25)
    base = x[:25]
    sbar = float(np.mean(base.std(axis=1, ddof=1)))
    c4 = math.sqrt(2 / 4) * special.gamma(2.5) / special.gamma(2)
    assert pair.location.ucl[0] == pytest.approx(base.mean() + 3 * sbar / (c4 * math.sqrt(5)))
    assert pair.dispersion.ucl[0] == pytest.approx(sbar * (1 + 3 * math.sqrt(1 - c4**2) / c4))
    assert pair.dispersion.lcl[0] == 0.0


def test_i_mr() -> None:
    """Values 10, 12, 11, 13, 12: MR = 2, 1, 2, 1 → MR̄ = 1.5; X̄ = 11.6; limits 11.6 ± 2.66 × 1.5 =
    11.6 ± 3.989 (3/1.128 = 2.6596); MR UCL = 3.267 × 1.5 = 4.900."""
    pair = spc.i_mr([10, 12, 11, 13, 12])
    assert pair.location.center == pytest.approx(11.6)
    assert pair.location.ucl[0] == pytest.approx(11.6 + 3 * 1.5 / 1.128)
    assert pair.dispersion.ucl[0] == pytest.approx(1.5 * (1 + 3 * 0.853 / 1.128))
    assert pair.dispersion.ucl[0] == pytest.approx(3.267 * 1.5, abs=0.003)  # table D4 = 3.267


def test_attribute_charts() -> None:
    """p: d = 4, 6, 5, 5 in n = 100, 100, 200, 100 → p̄ = 20/500 = 0.04; UCL(n=100) = 0.04 + 3√(0.04·0.96/100)
    = 0.09879; UCL(n=200) = 0.08157. np (n = 100): 4 ± 3√(3.84) → UCL 9.879, LCL 0. c: 3, 5, 4 → c̄ = 4,
    UCL = 10, LCL 0. u: 6 defects on 2 units, 4 on 2 → ū = 2.5, UCL(n=2) = 2.5 + 3√1.25 = 5.854."""
    p = spc.p_chart([4, 6, 5, 5], [100, 100, 200, 100])
    assert p.center == pytest.approx(0.04)
    assert p.ucl[0] == pytest.approx(0.098788, abs=1e-6) and p.ucl[2] == pytest.approx(0.081569, abs=1e-6)
    assert p.lcl[0] == 0.0
    npc = spc.np_chart([4, 3, 5, 4], 100)
    assert npc.center == pytest.approx(4) and npc.ucl[0] == pytest.approx(4 + 3 * math.sqrt(3.84))
    c = spc.c_chart([3, 5, 4])
    assert (c.center, c.ucl[0], c.lcl[0]) == (4.0, 10.0, 0.0)
    u = spc.u_chart([6, 4], [2, 2])
    assert u.center == 2.5 and u.ucl[0] == pytest.approx(2.5 + 3 * math.sqrt(1.25))


def test_nelson_rules_on_built_series() -> None:
    """Each rule fires on a series made to break it (z-scores, σ = 1)."""

    def rules(z: list[float], rs: str = "nelson") -> set[int]:
        return {v.rule for v in spc.run_rules(z, rs)}

    assert 1 in rules([0, 0.5, 3.5])
    assert 2 in rules([0.5] * 9) and 2 not in rules([0.5] * 8)
    assert 3 in rules([-1, -0.8, -0.5, 0, 0.3, 0.6])
    assert 4 in rules([0.5 if i % 2 else -0.5 for i in range(14)])
    assert 5 in rules([2.5, 0, 2.2])
    assert 6 in rules([1.5, 1.2, 0.2, 1.1, 1.3])
    assert 7 in rules([0.1, -0.1] * 7 + [0.2])
    assert 8 in rules([1.5, -1.5] * 4)
    assert rules([0.1, -0.2, 0.3, 0.0, -0.4]) == set()
    assert rules([0.5] * 8, "western_electric") == {4}
    assert rules([2.5, 0, 2.2], "western_electric") == {2}


def test_violations_become_findings() -> None:
    """A shift of the mean after the baseline breaks rule 1 and rule 2; each violation is a finding."""
    x = _data(11).tolist()
    for g in x[25:]:
        for i in range(5):
            g[i] += 0.05
    pair = spc.xbar_r(x, baseline=25)
    found = spc_findings(pair, "bore Ø", equipment="MC-01")
    assert found and all(f.kind == "spc.rule_violation" and f.equipment == "MC-01" for f in found)
    assert {f.rule for f in found} >= {"nelson:1"}
    assert min(f.data["index"] for f in found if f.rule == "nelson:1") >= 25
    assert found[0].as_dict()["subject"] == "bore Ø"


def test_capability_montgomery_examples() -> None:
    """Montgomery Ex. 8.5: USL 62, LSL 38, n = 20, s = 1.75 → Ĉp = 24/10.5 = 2.29, 95 % CI 1.57 .. 3.01
    (χ²(0.025, 19) = 8.91, χ²(0.975, 19) = 32.85). Ex. 8.6: n = 20, Ĉpk = 1.33 → Bissell 95 % CI
    1.33 ± 1.96 √(1/180 + 1.33²/38) = 0.88 .. 1.78."""
    ci = spc.cp_interval(2.29, 20)  # the book carries Ĉp rounded to 2.29
    assert (round(ci.low, 2), round(ci.high, 2)) == (1.57, 3.01)
    ci2 = spc.cpk_interval(1.33, 20)
    assert (round(ci2.low, 2), round(ci2.high, 2)) == (0.88, 1.78)


def test_capability_indices() -> None:
    """Values with mean 10 and known σ̂ = 0.1 (from a chart): LSL 9.7, USL 10.5 → Cp = 0.8/0.6 = 1.3333,
    Cpk = min(0.5, 0.3)/0.3 = 1.0; Pp and Ppk use the sample s computed by numpy."""
    rng = np.random.default_rng(5)
    v = rng.normal(0, 1, 50)
    v = 10 + 0.1 * (v - v.mean()) / v.std(ddof=1)
    c = spc.capability(v.tolist(), 9.7, 10.5, sigma_within=0.1)
    assert c.cp == pytest.approx(0.8 / 0.6) and c.cpk == pytest.approx(1.0)
    s = float(np.std(v, ddof=1))
    assert c.pp == pytest.approx(0.8 / (6 * s)) and c.ppk == pytest.approx(0.3 / (3 * s))
    assert c.cp_ci is not None and c.cp_ci.low < c.cp < c.cp_ci.high
    one = spc.capability(v.tolist(), None, 10.5, sigma_within=0.1)
    assert one.cp is None and one.cpk == pytest.approx(0.5 / 0.3)


def test_bad_inputs() -> None:
    with pytest.raises(ValidationError):
        spc.xbar_r([[1, 2, 3], [1, 2]])
    with pytest.raises(ValidationError):
        spc.xbar_r([[1, 2], [2, 3]], baseline=5)
    with pytest.raises(ValidationError):
        spc.constants(30)
    with pytest.raises(ValidationError):
        spc.capability([1, 2, 3], 5, 4)
    with pytest.raises(ValidationError):
        spc.p_chart([1, 2], [10])
    with pytest.raises(ValidationError):
        spc.run_rules([0.0], "iso")
