"""PQCD before / after (pure): the outcome indicators of the Korean smart-factory support programs.

For a baseline period (개선 전) and a comparison period (개선 후) the indicators are computed from
plain period data, then compared the way 성과 is reported:

* 향상률 (higher is better) = (after − before) / before × 100 %
* 감소율 / 단축률 (lower is better) = (before − after) / before × 100 %
* rates (불량률, 납기준수율) also as a change in percentage points (%p): after − before.

An indicator whose inputs are missing (e.g. cost before the costing module exists) is reported as
"no data", never as 0. Each value carries the evidence it was computed from (event ids, work orders).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class PqcdData:
    """What one period contributes. Amounts in KRW, times in hours; None = no data."""

    label: str
    good_output: float | None = None  # finished good units (last operation of each order)
    work_hours: float | None = None  # planned working hours of the scope (shift calendar)
    produced: float | None = None  # all units reported at every operation (good + scrap + rework)
    defects: float | None = None  # scrap + rework at every operation
    manufacturing_cost_krw: float | None = None  # from costing (standard cost × output + labour)
    lead_times_h: Sequence[float] | None = None  # 제조리드타임 per completed order
    orders_due: int | None = None  # orders completed in the period that had a due date
    orders_on_time: int | None = None
    sales_krw: float | None = None
    average_inventory_krw: float | None = None
    cost_of_goods_sold_krw: float | None = None
    evidence: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str
    group: str  # P, Q, C, D, S (sales), I (inventory)
    name_ko: str
    name: str
    unit: str
    higher_is_better: bool
    is_rate: bool = False  # a percentage: also report %p


INDICATORS: tuple[Indicator, ...] = (
    Indicator("uph", "P", "시간당 생산량", "Output per hour", "EA/h", True),
    Indicator("defect_rate", "Q", "공정불량률", "Process defect rate", "%", False, True),
    Indicator("defect_ppm", "Q", "불량 ppm", "Defects per million", "ppm", False),
    Indicator("unit_cost", "C", "단위당 제조원가", "Manufacturing cost per unit", "KRW/EA", False),
    Indicator("lead_time", "D", "제조리드타임", "Manufacturing lead time", "h", False),
    Indicator("on_time_delivery", "D", "납기준수율", "On-time delivery", "%", True, True),
    Indicator("sales", "S", "매출액", "Sales", "KRW", True),
    Indicator("inventory_turns", "I", "재고회전율", "Inventory turns", "1", True),
)


def _div(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def values(d: PqcdData) -> dict[str, float | None]:
    """Indicator values of one period.

    uph = good_output / work_hours; defect_rate = defects / produced × 100; defect_ppm = defects /
    produced × 10⁶; unit_cost = manufacturing cost / good_output; lead_time = mean lead time (h);
    on_time_delivery = on time / due × 100; sales as given; inventory_turns = COGS / average inventory.
    """
    lt = d.lead_times_h
    rate = _div(d.defects, d.produced)
    otd = _div(d.orders_on_time, d.orders_due)
    return {
        "uph": _div(d.good_output, d.work_hours),
        "defect_rate": rate * 100 if rate is not None else None,
        "defect_ppm": rate * 1e6 if rate is not None else None,
        "unit_cost": _div(d.manufacturing_cost_krw, d.good_output),
        "lead_time": sum(lt) / len(lt) if lt else None,
        "on_time_delivery": otd * 100 if otd is not None else None,
        "sales": d.sales_krw,
        "inventory_turns": _div(d.cost_of_goods_sold_krw, d.average_inventory_krw),
    }


@dataclass(frozen=True, slots=True)
class Improvement:
    key: str
    group: str
    name_ko: str
    name: str
    unit: str
    before: float | None
    after: float | None
    change_pct: float | None  # (after − before) / before × 100, signed
    improvement_pct: float | None  # 향상률 or 감소율: positive = better
    change_pp: float | None  # rates only: after − before, percentage points
    improved: bool | None
    status: str  # ok | no data
    evidence_before: tuple[str, ...] = ()
    evidence_after: tuple[str, ...] = ()


def improvement_rate(before: float, after: float, higher_is_better: bool) -> float | None:
    """향상률 = (after − before)/before × 100 when higher is better;
    감소율 = (before − after)/before × 100 when lower is better."""
    if before == 0:
        return None
    return (after - before) / abs(before) * 100 if higher_is_better else (before - after) / abs(before) * 100


def compare(before: PqcdData, after: PqcdData) -> list[Improvement]:
    """Every indicator before and after, with % change, improvement rate and %p for rates."""
    vb, va = values(before), values(after)
    out: list[Improvement] = []
    for ind in INDICATORS:
        b, a = vb[ind.key], va[ind.key]
        ev_b = tuple(before.evidence.get(ind.key, ()))
        ev_a = tuple(after.evidence.get(ind.key, ()))
        if b is None or a is None:
            out.append(
                Improvement(
                    ind.key,
                    ind.group,
                    ind.name_ko,
                    ind.name,
                    ind.unit,
                    b,
                    a,
                    None,
                    None,
                    None,
                    None,
                    "no data",
                    ev_b,
                    ev_a,
                )
            )
            continue
        change = (a - b) / abs(b) * 100 if b else None
        imp = improvement_rate(b, a, ind.higher_is_better)
        pp = a - b if ind.is_rate else None
        better = (a > b) if ind.higher_is_better else (a < b)
        out.append(
            Improvement(
                ind.key,
                ind.group,
                ind.name_ko,
                ind.name,
                ind.unit,
                b,
                a,
                change,
                imp,
                pp,
                better if a != b else None,
                "ok",
                ev_b,
                ev_a,
            )
        )
    return out
