"""The before/after indicators of the center side (성과지표) and how they are measured and compared.

The production indicators are the KPI package's PQCD indicators, computed from the firm's own event log
(:func:`jejo.kpi.service.pqcd_data`); employment and safety are not in the event log and are typed in
(self-reported). Improvement follows the programs' conventions: 향상률 / 감소율 in %, and for rates also
the change in percentage points (%p).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from jejo.core.errors import Problem, ValidationError
from jejo.kpi import pqcd
from jejo.kpi.timeelements import Period


@dataclass(frozen=True, slots=True)
class ResultIndicator:
    key: str
    group: str  # P, Q, C, D, S (sales), E (employment), H (safety)
    name_ko: str
    name: str
    unit: str
    higher_is_better: bool
    is_rate: bool
    measured: bool  # computed from jejo's records (else typed in)
    formula: str


RESULT_INDICATORS: tuple[ResultIndicator, ...] = (
    ResultIndicator(
        "uph",
        "P",
        "시간당 생산량",
        "Output per hour",
        "EA/h",
        True,
        False,
        True,
        "양품 완성 수량 ÷ 계획 가동시간",
    ),
    ResultIndicator(
        "defect_rate",
        "Q",
        "공정불량률",
        "Process defect rate",
        "%",
        False,
        True,
        True,
        "(폐기 + 재작업) ÷ 전 공정 보고 수량 × 100",
    ),
    ResultIndicator(
        "unit_cost",
        "C",
        "단위당 제조원가",
        "Cost per unit",
        "KRW/EA",
        False,
        False,
        True,
        "제조원가 ÷ 양품 완성 수량",
    ),
    ResultIndicator(
        "lead_time",
        "D",
        "제조리드타임",
        "Manufacturing lead time",
        "h",
        False,
        False,
        True,
        "작업지시 완료 시각 − 발행 시각 (평균)",
    ),
    ResultIndicator(
        "on_time_delivery",
        "D",
        "납기준수율",
        "On-time delivery",
        "%",
        True,
        True,
        True,
        "납기 내 완료 지시 ÷ 납기가 있는 완료 지시 × 100",
    ),
    ResultIndicator("sales", "S", "매출액", "Sales", "KRW", True, False, True, "기간 중 출하 금액 합계"),
    ResultIndicator(
        "employment",
        "E",
        "고용",
        "Employment",
        "명",
        True,
        False,
        False,
        "기간 말 상시근로자 수 (4대보험 기준)",
    ),
    ResultIndicator(
        "safety",
        "H",
        "산업재해 건수",
        "Occupational accidents",
        "건",
        False,
        False,
        False,
        "기간 중 산업재해 건수",
    ),
)
BY_KEY = {i.key: i for i in RESULT_INDICATORS}
MEASURED_KEYS = tuple(i.key for i in RESULT_INDICATORS if i.measured)
CONSENTS = ("private", "center", "public")
SOURCES = ("measured", "self_reported")


def indicator(key: str, field: str = "indicator") -> ResultIndicator:
    ind = BY_KEY.get(key)
    if ind is None:
        raise ValidationError(
            f"unknown indicator {key!r}",
            [Problem(f"must be one of {', '.join(BY_KEY)}", field=field)],
        )
    return ind


@dataclass(frozen=True, slots=True)
class Measured:
    """One indicator of one period as jejo measured it, with the records it was computed from."""

    key: str
    value: float | None
    evidence_count: int
    evidence_sample: tuple[str, ...]
    period_from: datetime
    period_to: datetime

    def evidence(self) -> dict[str, Any]:
        return {
            "period": [self.period_from.isoformat(), self.period_to.isoformat()],
            "count": self.evidence_count,
            "sample": list(self.evidence_sample),
            "method": "jejo kpi.pqcd",
        }


def measure(session: Session, company_id: int, start: datetime, end: datetime) -> dict[str, Measured]:
    """The measured indicators of a company's own plant over [start, end), from the KPI service."""
    from jejo.kpi import service

    if end <= start:
        raise ValidationError("empty period", [Problem("must be after the start", field="to")])
    data = service.pqcd_data(session, company_id, "period", Period(start, end))
    vals = pqcd.values(data)
    out: dict[str, Measured] = {}
    for key in MEASURED_KEYS:
        ev = [str(e) for e in data.evidence.get(key, ())]
        out[key] = Measured(key, vals.get(key), len(ev), tuple(ev[:20]), start, end)
    return out


@dataclass(frozen=True, slots=True)
class Change:
    change_pct: float | None  # (after − before) / |before| × 100, signed
    improvement_pct: float | None  # 향상률 / 감소율: positive = better
    change_pp: float | None  # rates: after − before in %p
    improved: bool | None


def change(key: str, before: float | None, after: float | None) -> Change:
    """Both conventions for one indicator: % change (and improvement rate), and %p for rates."""
    ind = BY_KEY[key]
    if before is None or after is None:
        return Change(None, None, None, None)
    pct = (after - before) / abs(before) * 100 if before else None
    imp = pqcd.improvement_rate(before, after, ind.higher_is_better)
    pp = after - before if ind.is_rate else None
    better = None if after == before else (after > before) == ind.higher_is_better
    return Change(pct, imp, pp, better)
