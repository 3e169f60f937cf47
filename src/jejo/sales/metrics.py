"""The delivery and sales figures of PQCD (pure: plain records in, numbers out).

Definitions (days are calendar days in the plant's time zone, Asia/Seoul):

* A sales-order line is **delivered** on the day of the shipment that brings its shipped quantity up to
  the ordered quantity. Lines count in the period in which they were delivered.
* **On-time delivery rate** = lines delivered on or before their due date (the promised date, else the
  requested date) ÷ lines delivered in the period.
* **Order-to-shipment lead time** = mean of (delivery day − order day) over the lines delivered in the
  period, in days.
* **Return rate** = quantity returned in the period ÷ quantity shipped in the period.
* **Sales** = supply amount (and VAT) of the quantities shipped in the period, at the lines' prices;
  per month and per product. Returns are reported separately, not netted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from jejo.sales.money import ZERO, Amount, line_amount


@dataclass(frozen=True)
class LineRecord:
    order: str
    line_no: int
    item: str
    quantity: float
    unit_price: int
    vat_percent: int
    order_date: date
    due_date: date
    shipments: tuple[tuple[date, float], ...] = ()  # (day, quantity)
    returns: tuple[tuple[date, float], ...] = ()


def delivered_on(line: LineRecord, eps: float = 1e-9) -> date | None:
    """The day a line was delivered in full, or None if it is still open."""
    shipped = 0.0
    for day, qty in sorted(line.shipments):
        shipped += qty
        if shipped >= line.quantity - eps:
            return day
    return None


@dataclass
class DeliveryFigures:
    start: date
    end: date  # inclusive
    lines_delivered: int = 0
    lines_on_time: int = 0
    lead_time_days: float | None = None
    shipped_quantity: float = 0.0
    returned_quantity: float = 0.0
    sales: Amount = ZERO
    sales_by_month: dict[str, Amount] = field(default_factory=dict)
    sales_by_item: dict[str, Amount] = field(default_factory=dict)

    @property
    def on_time_rate(self) -> float | None:
        return self.lines_on_time / self.lines_delivered if self.lines_delivered else None

    @property
    def return_rate(self) -> float | None:
        return self.returned_quantity / self.shipped_quantity if self.shipped_quantity else None

    def as_dict(self) -> dict[str, object]:
        def amt(a: Amount) -> dict[str, int]:
            return {"supply": a.supply, "vat": a.vat, "total": a.total}

        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "lines_delivered": self.lines_delivered,
            "lines_on_time": self.lines_on_time,
            "on_time_delivery_rate": self.on_time_rate,
            "lead_time_days": self.lead_time_days,
            "shipped_quantity": self.shipped_quantity,
            "returned_quantity": self.returned_quantity,
            "return_rate": self.return_rate,
            "sales": amt(self.sales),
            "sales_by_month": {k: amt(v) for k, v in sorted(self.sales_by_month.items())},
            "sales_by_item": {k: amt(v) for k, v in sorted(self.sales_by_item.items())},
        }


def figures(lines: list[LineRecord], start: date, end: date) -> DeliveryFigures:
    """The figures for the days ``start`` to ``end`` (both included)."""
    out = DeliveryFigures(start, end)
    lead_times: list[int] = []
    by_month: dict[str, Amount] = defaultdict(lambda: ZERO)
    by_item: dict[str, Amount] = defaultdict(lambda: ZERO)
    for ln in lines:
        day = delivered_on(ln)
        if day is not None and start <= day <= end:
            out.lines_delivered += 1
            out.lines_on_time += day <= ln.due_date
            lead_times.append((day - ln.order_date).days)
        for ship_day, qty in ln.shipments:
            if start <= ship_day <= end:
                out.shipped_quantity += qty
                a = line_amount(qty, ln.unit_price, ln.vat_percent)
                out.sales = out.sales + a
                by_month[f"{ship_day:%Y-%m}"] += a
                by_item[ln.item] += a
        for ret_day, qty in ln.returns:
            if start <= ret_day <= end:
                out.returned_quantity += qty
    out.lead_time_days = sum(lead_times) / len(lead_times) if lead_times else None
    out.sales_by_month = dict(by_month)
    out.sales_by_item = dict(by_item)
    return out
