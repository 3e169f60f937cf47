"""Losses (pure): the six big losses and the OEE waterfall, Pareto tables, MTBF/MTTR trends.

Six big losses (TPM), in seconds of planned busy time, from ISO 22400 time elements:

1. breakdowns          = ADOT (failures, unplanned down, unexplained off)
2. setup & adjustment  = AUST
3. idling & minor stops = ADET (idle waiting + micro-stops)
4. reduced speed       = APT − PRI × PQ (not below 0)
5. defects & rework    = PRI × (PQ − GQ) − startup loss
6. startup / yield     = PRI × scrap reported with a startup reason
plus "no data" (planned busy time without a known state), shown apart so it is never hidden.

The waterfall: PBT − (1+2+no data+3) = APT; APT − 4 = PRI·PQ (net operating time);
PRI·PQ − (5+6) = PRI·GQ (fully productive time); OEE = fully productive time / PBT.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from jejo.kpi import iso22400
from jejo.kpi.iso22400 import ProductionCounts
from jejo.kpi.timeelements import TimeElements


@dataclass(frozen=True, slots=True)
class WaterfallStep:
    key: str
    label: str
    label_ko: str
    seconds: float
    kind: str  # total | loss


def six_big_losses(te: TimeElements, c: ProductionCounts, startup_scrap: float = 0.0) -> dict[str, float]:
    """The six big losses in seconds (see the module docstring); ``startup_scrap`` in units."""
    pri = c.planned_run_s / c.pq if c.pq > 0 else 0.0
    quality_loss = pri * (c.pq - c.gq)
    startup = min(quality_loss, pri * startup_scrap)
    return {
        "breakdowns": te.adot,
        "setup_adjustment": te.aust,
        "idling_minor_stops": te.adet,
        "reduced_speed": max(0.0, te.apt - c.planned_run_s),
        "defects_rework": quality_loss - startup,
        "startup_yield": startup,
        "no_data": te.nodata,
    }


def waterfall(te: TimeElements, c: ProductionCounts, startup_scrap: float = 0.0) -> list[WaterfallStep]:
    """The OEE waterfall from POT down to fully productive time (seconds)."""
    loss = six_big_losses(te, c, startup_scrap)
    net = min(c.planned_run_s, te.apt)
    pri = c.planned_run_s / c.pq if c.pq > 0 else 0.0
    full = max(0.0, net - loss["defects_rework"] - loss["startup_yield"]) if c.pq else 0.0
    full = min(full, pri * c.gq) if c.pq else 0.0
    return [
        WaterfallStep("pot", "Planned operation time (POT)", "조업시간", te.pot, "total"),
        WaterfallStep("pdot", "Planned down time (PDOT)", "계획정지", te.pdot, "loss"),
        WaterfallStep("pbt", "Planned busy time (PBT)", "부하시간", te.pbt, "total"),
        WaterfallStep("breakdowns", "Breakdowns (ADOT)", "고장정지", loss["breakdowns"], "loss"),
        WaterfallStep(
            "setup", "Setup & adjustment (AUST)", "작업준비·조정", loss["setup_adjustment"], "loss"
        ),
        WaterfallStep(
            "idling", "Idling & minor stops (ADET)", "공회전·순간정지", loss["idling_minor_stops"], "loss"
        ),
        WaterfallStep("no_data", "No data", "데이터 없음", loss["no_data"], "loss"),
        WaterfallStep("apt", "Actual production time (APT)", "가동시간", te.apt, "total"),
        WaterfallStep("speed", "Reduced speed", "속도저하", loss["reduced_speed"], "loss"),
        WaterfallStep("net", "Net operating time (PRI × PQ)", "순가동시간", net, "total"),
        WaterfallStep("defects", "Defects & rework", "불량·재작업", loss["defects_rework"], "loss"),
        WaterfallStep("startup", "Startup / yield", "초기수율", loss["startup_yield"], "loss"),
        WaterfallStep("full", "Fully productive time (PRI × GQ)", "가치가동시간", full, "total"),
    ]


@dataclass(frozen=True, slots=True)
class ParetoRow:
    key: str
    value: float
    count: int
    share: float
    cumulative: float


def pareto(values: Mapping[str, float], counts: Mapping[str, int] | None = None) -> list[ParetoRow]:
    """Rows sorted by value (descending, ties by key) with their share and cumulative share."""
    total = sum(v for v in values.values() if v > 0)
    rows = sorted(((k, v) for k, v in values.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    out: list[ParetoRow] = []
    cum = 0.0
    for k, v in rows:
        cum += v
        out.append(ParetoRow(k, v, (counts or {}).get(k, 0), v / total, cum / total))
    return out


@dataclass(frozen=True, slots=True)
class Stop:
    """A stretch of unproductive machine time in planned time (seconds already clipped)."""

    equipment: str
    start: datetime
    seconds: float
    state: str
    reason_code: str | None
    shift: str = ""


def downtime_pareto(stops: Iterable[Stop], by: str = "reason") -> list[ParetoRow]:
    """Downtime Pareto by ``reason``, ``equipment`` (machine) or ``shift``."""
    keyf: dict[str, Callable[[Stop], str]] = {
        "reason": lambda s: s.reason_code or f"({s.state})",
        "equipment": lambda s: s.equipment,
        "shift": lambda s: s.shift or "-",
    }
    if by not in keyf:
        from jejo.core.errors import Problem, ValidationError

        raise ValidationError(
            "unknown Pareto key", [Problem(f"by must be one of {sorted(keyf)}", field="by")]
        )
    values: dict[str, float] = {}
    counts: dict[str, int] = {}
    for s in stops:
        k = keyf[by](s)
        values[k] = values.get(k, 0.0) + s.seconds
        counts[k] = counts.get(k, 0) + 1
    return pareto(values, counts)


@dataclass(frozen=True, slots=True)
class ScrapRecord:
    equipment: str
    at: datetime
    quantity: float
    reason_code: str | None
    kind: str = "scrap"  # scrap | rework


def scrap_pareto(records: Iterable[ScrapRecord], kind: str | None = "scrap") -> list[ParetoRow]:
    """Scrap (or rework) Pareto by defect code."""
    values: dict[str, float] = {}
    counts: dict[str, int] = {}
    for r in records:
        if kind is not None and r.kind != kind:
            continue
        k = r.reason_code or "-"
        values[k] = values.get(k, 0.0) + r.quantity
        counts[k] = counts.get(k, 0) + 1
    return pareto(values, counts)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    label: str
    mtbf_s: float | None
    mttr_s: float | None
    failures: int
    oee: float | None


def reliability_trend(buckets: Sequence[tuple[str, TimeElements, ProductionCounts]]) -> list[TrendPoint]:
    """MTBF / MTTR (and OEE) per bucket (e.g. per day or week), from per-bucket time elements."""
    return [
        TrendPoint(label, iso22400.mtbf(te), iso22400.mttr(te), te.failures, iso22400.oee(te, c))
        for label, te, c in buckets
    ]
