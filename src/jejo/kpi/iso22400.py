"""ISO 22400-2 key performance indicators (pure functions over time elements and counts).

Every function documents its formula and the ISO 22400 elements it uses; it returns ``None`` when
the denominator is zero (no planned time, nothing produced): "no data" is not 0 %.

Korean naming: 설비종합효율 (OEE) = 시간가동률 × 성능가동률 × 양품률. ISO 22400 multiplies
Availability (APT/PBT) × Effectiveness (PRI·PQ/APT) × Quality ratio (GQ/PQ). Both put setups in the
availability loss (시간가동률 counts 작업준비·조정 as 정지시간). They differ on micro-stops: ISO counts
every short stop as ADET, outside APT, so it lowers Availability; the Korean/TPM convention counts
순간정지 inside 가동시간 and loses it in 성능가동률 (순가동률 × 속도가동률). The product, OEE, is the same;
``korean_oee`` returns the Korean split next to ISO's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from jejo.kpi.timeelements import TimeElements


@dataclass(frozen=True, slots=True)
class ProductionCounts:
    """Quantities of one work unit over a period (ISO 22400: PQ, GQ, SQ, RQ, PRI·PQ).

    In jejo's ``quantity.reported`` events a unit is counted once: as good, scrap or rework.
    ``rework_recovered`` are reworked units that later passed (they are good, not first-pass good).
    ``planned_run_s`` is Σ PRI × PQ: the planned (ideal) run time of what was produced, per operation.
    """

    good: float = 0.0
    scrap: float = 0.0
    rework: float = 0.0
    rework_recovered: float = 0.0
    planned_run_s: float = 0.0
    planned_setup_s: float = 0.0
    planned_scrap: float = 0.0
    consumed_material: float | None = None  # CM, in the unit of the product, where known

    @property
    def pq(self) -> float:
        """PQ produced quantity = good + scrap + rework."""
        return self.good + self.scrap + self.rework

    @property
    def gq(self) -> float:
        """GQ good quantity = good (first pass) + reworked units that passed."""
        return self.good + self.rework_recovered

    def __add__(self, other: ProductionCounts) -> ProductionCounts:
        cm = (
            None
            if self.consumed_material is None and other.consumed_material is None
            else (self.consumed_material or 0.0) + (other.consumed_material or 0.0)
        )
        return ProductionCounts(
            self.good + other.good,
            self.scrap + other.scrap,
            self.rework + other.rework,
            self.rework_recovered + other.rework_recovered,
            self.planned_run_s + other.planned_run_s,
            self.planned_setup_s + other.planned_setup_s,
            self.planned_scrap + other.planned_scrap,
            cm,
        )


@dataclass(frozen=True, slots=True)
class OrderTimes:
    """Order-level elements: AOET (actual order execution time, first start to last completion) and
    the Σ AUBT / Σ APT of all work units that worked on the orders, with PQ of the orders."""

    aoet: float = 0.0
    aubt: float = 0.0
    apt: float = 0.0
    pq: float = 0.0


@dataclass(frozen=True, slots=True)
class PersonnelTimes:
    """APWT (actual personnel work time) and APAT (actual personnel attendance time), seconds."""

    apwt: float
    apat: float


@dataclass(frozen=True, slots=True)
class InventoryData:
    """Throughput (e.g. cost of goods sold or quantity shipped in the period) and average inventory,
    in the same unit (KRW or pieces)."""

    throughput: float
    average_inventory: float


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


# ---- OEE and its factors ---------------------------------------------------------------------


def availability(te: TimeElements) -> float | None:
    """Availability (ISO 22400-2 §5.6) = APT / PBT. Korean: 시간가동률 (ISO split)."""
    return _ratio(te.apt, te.pbt)


def effectiveness(te: TimeElements, c: ProductionCounts) -> float | None:
    """Effectiveness = PRI × PQ / APT (PRI planned run time per item). Korean: 성능가동률."""
    return _ratio(c.planned_run_s, te.apt)


def quality_ratio(c: ProductionCounts) -> float | None:
    """Quality ratio = GQ / PQ. Korean: 양품률."""
    return _ratio(c.gq, c.pq)


def oee(te: TimeElements, c: ProductionCounts) -> float | None:
    """OEE index = Availability × Effectiveness × Quality ratio. Korean: 설비종합효율."""
    a, e, q = availability(te), effectiveness(te, c), quality_ratio(c)
    if a is None or e is None or q is None:
        return None
    return a * e * q


def nee(te: TimeElements, c: ProductionCounts) -> float | None:
    """NEE index = (AUPT / PBT) × Effectiveness × Quality ratio: setups are not a loss."""
    a, e, q = _ratio(te.aupt, te.pbt), effectiveness(te, c), quality_ratio(c)
    if a is None or e is None or q is None:
        return None
    return a * e * q


@dataclass(frozen=True, slots=True)
class KoreanOee:
    """설비종합효율 = 시간가동률 × 성능가동률 × 양품률 (micro-stops inside 가동시간)."""

    time_availability: float | None  # 시간가동률
    performance: float | None  # 성능가동률
    quality: float | None  # 양품률
    oee: float | None  # 설비종합효율


def korean_oee(te: TimeElements, c: ProductionCounts) -> KoreanOee:
    """The Korean/TPM split: 부하시간 = PBT; 가동시간 = APT + micro-stops;
    시간가동률 = 가동시간 / 부하시간; 성능가동률 = PRI × PQ / 가동시간; 양품률 = GQ / PQ."""
    uptime = te.apt + te.micro_stop
    a = _ratio(uptime, te.pbt)
    p = _ratio(c.planned_run_s, uptime)
    q = quality_ratio(c)
    total = a * p * q if a is not None and p is not None and q is not None else None
    return KoreanOee(a, p, q, total)


# ---- time ratios -----------------------------------------------------------------------------


def allocation_efficiency(te: TimeElements) -> float | None:
    """Allocation efficiency = AUBT / PBT."""
    return _ratio(te.aubt, te.pbt)


def utilisation_efficiency(te: TimeElements) -> float | None:
    """Utilisation efficiency = APT / AUBT."""
    return _ratio(te.apt, te.aubt)


def setup_ratio(te: TimeElements) -> float | None:
    """Setup ratio = AUST / AUPT."""
    return _ratio(te.aust, te.aupt)


def technical_efficiency(te: TimeElements) -> float | None:
    """Technical efficiency = APT / (APT + ADET)."""
    return _ratio(te.apt, te.apt + te.adet)


def actual_to_planned_processing(te: TimeElements, c: ProductionCounts) -> float | None:
    """Actual to planned unit processing time = AUPT / (PRI × PQ + planned setup time)."""
    return _ratio(te.aupt, c.planned_run_s + c.planned_setup_s)


# ---- order ratios ----------------------------------------------------------------------------


def allocation_ratio(o: OrderTimes) -> float | None:
    """Allocation ratio = Σ AUBT / AOET (over the work units of the orders)."""
    return _ratio(o.aubt, o.aoet)


def throughput_rate(o: OrderTimes) -> float | None:
    """Throughput rate = PQ / AOET, in units per hour here."""
    r = _ratio(o.pq, o.aoet)
    return r * 3600 if r is not None else None


def production_process_ratio(o: OrderTimes) -> float | None:
    """Production process ratio = APT / AOET."""
    return _ratio(o.apt, o.aoet)


# ---- quality ratios --------------------------------------------------------------------------


def scrap_ratio(c: ProductionCounts) -> float | None:
    """Scrap ratio = SQ / PQ."""
    return _ratio(c.scrap, c.pq)


def rework_ratio(c: ProductionCounts) -> float | None:
    """Rework ratio = RQ / PQ."""
    return _ratio(c.rework, c.pq)


def first_pass_yield(c: ProductionCounts) -> float | None:
    """First pass yield = good the first time / PQ = (PQ − SQ − RQ) / PQ."""
    return _ratio(c.good, c.pq)


def actual_to_planned_scrap(c: ProductionCounts) -> float | None:
    """Actual to planned scrap ratio = SQ / PSQ."""
    return _ratio(c.scrap, c.planned_scrap)


def finished_goods_ratio(c: ProductionCounts) -> float | None:
    """Finished goods ratio = GQ / CM (consumed material, in product units); None without CM."""
    if c.consumed_material is None:
        return None
    return _ratio(c.gq, c.consumed_material)


# ---- personnel, inventory, maintenance -------------------------------------------------------


def worker_efficiency(p: PersonnelTimes | None) -> float | None:
    """Worker efficiency = APWT / APAT (needs labour bookings)."""
    return _ratio(p.apwt, p.apat) if p is not None else None


def inventory_turns(i: InventoryData | None) -> float | None:
    """Inventory turns = throughput / average inventory (needs inventory data)."""
    return _ratio(i.throughput, i.average_inventory) if i is not None else None


def mtbf(te: TimeElements) -> float | None:
    """MTBF (mean operating time between failures) = Σ TBF / FE = APT / FE, seconds."""
    return _ratio(te.apt, te.failures)


def mttf(te: TimeElements) -> float | None:
    """MTTF (mean time to failure) = Σ TTF / FE: the operating time before each failure, averaged.
    For units that are not repaired this is the reliability figure to use."""
    return _ratio(sum(te.ttf_s), len(te.ttf_s))


def mttr(te: TimeElements) -> float | None:
    """MTTR (mean time to restoration) = Σ TTR / FE over failures that were repaired, seconds."""
    return _ratio(sum(te.repairs_s), len(te.repairs_s))


# ---- the catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KpiDef:
    key: str
    name: str
    name_ko: str
    formula: str
    elements: tuple[str, ...]
    unit: str = "ratio"


CATALOGUE: tuple[KpiDef, ...] = (
    KpiDef("oee", "OEE index", "설비종합효율", "A × E × QR", ("APT", "PBT", "PRI", "PQ", "GQ")),
    KpiDef("availability", "Availability", "시간가동률", "APT / PBT", ("APT", "PBT")),
    KpiDef("effectiveness", "Effectiveness", "성능가동률", "PRI × PQ / APT", ("PRI", "PQ", "APT")),
    KpiDef("quality_ratio", "Quality ratio", "양품률", "GQ / PQ", ("GQ", "PQ")),
    KpiDef("nee", "NEE index", "순설비효율", "AUPT / PBT × E × QR", ("AUPT", "PBT", "PRI", "PQ", "GQ")),
    KpiDef("allocation_efficiency", "Allocation efficiency", "할당효율", "AUBT / PBT", ("AUBT", "PBT")),
    KpiDef("utilisation_efficiency", "Utilisation efficiency", "활용효율", "APT / AUBT", ("APT", "AUBT")),
    KpiDef("setup_ratio", "Setup ratio", "작업준비율", "AUST / AUPT", ("AUST", "AUPT")),
    KpiDef("technical_efficiency", "Technical efficiency", "기술효율", "APT / (APT + ADET)", ("APT", "ADET")),
    KpiDef(
        "actual_to_planned_processing",
        "Actual to planned unit processing time",
        "실적 대 계획 가공시간비",
        "AUPT / (PRI × PQ + planned setup)",
        ("AUPT", "PRI", "PQ"),
    ),
    KpiDef("allocation_ratio", "Allocation ratio", "할당비율", "Σ AUBT / AOET", ("AUBT", "AOET")),
    KpiDef("throughput_rate", "Throughput rate", "처리율", "PQ / AOET", ("PQ", "AOET"), "1/h"),
    KpiDef(
        "production_process_ratio", "Production process ratio", "생산공정비", "APT / AOET", ("APT", "AOET")
    ),
    KpiDef("scrap_ratio", "Scrap ratio", "폐기율", "SQ / PQ", ("SQ", "PQ")),
    KpiDef("rework_ratio", "Rework ratio", "재작업률", "RQ / PQ", ("RQ", "PQ")),
    KpiDef("first_pass_yield", "First pass yield", "직행률", "(PQ − SQ − RQ) / PQ", ("PQ", "SQ", "RQ")),
    KpiDef(
        "actual_to_planned_scrap",
        "Actual to planned scrap ratio",
        "계획 대비 폐기비",
        "SQ / PSQ",
        ("SQ", "PSQ"),
    ),
    KpiDef("finished_goods_ratio", "Finished goods ratio", "완제품 수율", "GQ / CM", ("GQ", "CM")),
    KpiDef("worker_efficiency", "Worker efficiency", "작업자 효율", "APWT / APAT", ("APWT", "APAT")),
    KpiDef(
        "inventory_turns",
        "Inventory turns",
        "재고회전율",
        "throughput / average inventory",
        ("TH", "AI"),
        "1",
    ),
    KpiDef("mtbf", "MTBF", "평균고장간격", "Σ TBF / FE", ("TBF", "FE"), "s"),
    KpiDef("mttf", "MTTF", "평균고장시간", "Σ TTF / FE", ("TTF", "FE"), "s"),
    KpiDef("mttr", "MTTR", "평균수리시간", "Σ TTR / FE", ("TTR", "FE"), "s"),
)


@dataclass(frozen=True, slots=True)
class KpiInputs:
    te: TimeElements
    counts: ProductionCounts
    orders: OrderTimes = field(default_factory=OrderTimes)
    personnel: PersonnelTimes | None = None
    inventory: InventoryData | None = None


_FUNCS: dict[str, Callable[[KpiInputs], float | None]] = {
    "oee": lambda i: oee(i.te, i.counts),
    "availability": lambda i: availability(i.te),
    "effectiveness": lambda i: effectiveness(i.te, i.counts),
    "quality_ratio": lambda i: quality_ratio(i.counts),
    "nee": lambda i: nee(i.te, i.counts),
    "allocation_efficiency": lambda i: allocation_efficiency(i.te),
    "utilisation_efficiency": lambda i: utilisation_efficiency(i.te),
    "setup_ratio": lambda i: setup_ratio(i.te),
    "technical_efficiency": lambda i: technical_efficiency(i.te),
    "actual_to_planned_processing": lambda i: actual_to_planned_processing(i.te, i.counts),
    "allocation_ratio": lambda i: allocation_ratio(i.orders),
    "throughput_rate": lambda i: throughput_rate(i.orders),
    "production_process_ratio": lambda i: production_process_ratio(i.orders),
    "scrap_ratio": lambda i: scrap_ratio(i.counts),
    "rework_ratio": lambda i: rework_ratio(i.counts),
    "first_pass_yield": lambda i: first_pass_yield(i.counts),
    "actual_to_planned_scrap": lambda i: actual_to_planned_scrap(i.counts),
    "finished_goods_ratio": lambda i: finished_goods_ratio(i.counts),
    "worker_efficiency": lambda i: worker_efficiency(i.personnel),
    "inventory_turns": lambda i: inventory_turns(i.inventory),
    "mtbf": lambda i: mtbf(i.te),
    "mttf": lambda i: mttf(i.te),
    "mttr": lambda i: mttr(i.te),
}


def all_kpis(inputs: KpiInputs) -> dict[str, float | None]:
    """Every KPI of the catalogue for one set of inputs (None where there is no data)."""
    return {d.key: _FUNCS[d.key](inputs) for d in CATALOGUE}
