"""Money on Korean documents (pure): integer won, VAT per line, truncated.

A line's supply amount (공급가액) is ``quantity × unit price`` rounded half up to the won (quantities can
be fractional, e.g. m²). Its VAT (세액) is ``supply × rate`` with the fraction of a won cut off
(원 미만 절사), which is how Korean tax invoices (세금계산서) and most ERPs compute it. A document's
totals are the sums of its lines, so the printed lines always add up to the printed total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

VAT_PERCENT = 10


@dataclass(frozen=True, slots=True)
class Amount:
    supply: int
    vat: int

    @property
    def total(self) -> int:
        return self.supply + self.vat

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.supply + other.supply, self.vat + other.vat)


ZERO = Amount(0, 0)


def line_amount(quantity: float, unit_price: int, vat_percent: int = VAT_PERCENT) -> Amount:
    """Supply amount and VAT of one line (see the module docstring for the rounding)."""
    supply = (Decimal(str(quantity)) * Decimal(unit_price)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    vat = (supply * Decimal(vat_percent) / Decimal(100)).quantize(Decimal(1), rounding=ROUND_DOWN)
    return Amount(int(supply), int(vat))


def total(amounts: list[Amount]) -> Amount:
    out = ZERO
    for a in amounts:
        out = out + a
    return out
