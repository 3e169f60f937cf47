"""Cost of a work order, standard and actual (pure).

* **Standard** cost of the order's quantity: its material requirements (BOM, scrap allowance included)
  at standard prices, plus for every routing operation ``(setup + cycle × quantity)`` hours at the work
  center's machine rate and labour rate.
* **Actual** cost: the material consumed (each lot at the price it was bought for when it came in on a
  purchase order, else the item's standard price), plus the booked labour minutes at the labour rate and
  the booked machine minutes at the machine rate.
* **Per unit**: cost ÷ good quantity reported (standard: ÷ order quantity).

Amounts are computed in floating point and rounded half up to the won once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


def won(x: float) -> int:
    return int(Decimal(str(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class OperationStd:
    work_center: str
    setup_s: float
    cycle_s: float


@dataclass(frozen=True, slots=True)
class Rates:
    machine: int  # KRW per hour
    labour: int


@dataclass(frozen=True, slots=True)
class Booking:
    work_center: str
    labour_minutes: float
    machine_minutes: float


@dataclass(frozen=True)
class CostBreakdown:
    material: int
    labour: int
    machine: int
    quantity: float

    @property
    def total(self) -> int:
        return self.material + self.labour + self.machine

    @property
    def per_unit(self) -> int | None:
        return won(self.total / self.quantity) if self.quantity > 0 else None

    def as_dict(self) -> dict[str, object]:
        return {
            "material": self.material,
            "labour": self.labour,
            "machine": self.machine,
            "total": self.total,
            "quantity": self.quantity,
            "per_unit": self.per_unit,
        }


def standard_cost(
    quantity: float,
    materials: dict[str, float],
    prices: dict[str, float],
    operations: list[OperationStd],
    rates: dict[str, Rates],
) -> CostBreakdown:
    material = sum(q * prices.get(item, 0) for item, q in materials.items())
    labour = machine = 0.0
    for op in operations:
        hours = (op.setup_s + op.cycle_s * quantity) / 3600
        r = rates.get(op.work_center, Rates(0, 0))
        labour += hours * r.labour
        machine += hours * r.machine
    return CostBreakdown(won(material), won(labour), won(machine), quantity)


def actual_cost(
    good: float,
    consumed: list[tuple[str, str, float]],  # (item, lot, quantity)
    lot_prices: dict[str, float],
    prices: dict[str, float],
    bookings: list[Booking],
    rates: dict[str, Rates],
) -> CostBreakdown:
    material = sum(q * lot_prices.get(lot, prices.get(item, 0)) for item, lot, q in consumed)
    labour = sum(b.labour_minutes / 60 * rates.get(b.work_center, Rates(0, 0)).labour for b in bookings)
    machine = sum(b.machine_minutes / 60 * rates.get(b.work_center, Rates(0, 0)).machine for b in bookings)
    return CostBreakdown(won(material), won(labour), won(machine), good)
