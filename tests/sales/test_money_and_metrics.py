"""VAT rounding and the delivery figures, as pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from jejo.sales.metrics import LineRecord, delivered_on, figures
from jejo.sales.money import Amount, line_amount


@pytest.mark.parametrize(
    ("qty", "price", "vat_percent", "supply", "vat"),
    [
        (10, 150_000, 10, 1_500_000, 150_000),
        (4, 155_557, 10, 622_228, 62_222),  # 62,222.8 → cut off
        (2.5, 12_345, 10, 30_863, 3_086),  # 30,862.5 → half up; 3,086.3 → cut off
        (3, 99_999, 0, 299_997, 0),  # zero-rated (export)
        (1, 9, 10, 9, 0),
    ],
)
def test_line_amounts(qty: float, price: int, vat_percent: int, supply: int, vat: int) -> None:
    assert line_amount(qty, price, vat_percent) == Amount(supply, vat)


def test_figures_count_lines_in_the_period_they_were_delivered() -> None:
    a = LineRecord(
        "SO-1",
        1,
        "CAB",
        10,
        100,
        10,
        date(2026, 10, 1),
        date(2026, 10, 20),
        shipments=((date(2026, 10, 15), 4), (date(2026, 11, 2), 6)),
        returns=((date(2026, 11, 5), 2),),
    )
    b = LineRecord(
        "SO-2",
        1,
        "CAB",
        5,
        100,
        10,
        date(2026, 10, 28),
        date(2026, 11, 10),
        shipments=((date(2026, 11, 10), 5),),
    )
    c = LineRecord(
        "SO-3",
        1,
        "CAB",
        5,
        100,
        10,
        date(2026, 11, 1),
        date(2026, 11, 10),
        shipments=((date(2026, 11, 3), 2),),
    )
    assert delivered_on(a) == date(2026, 11, 2) and delivered_on(c) is None
    f = figures([a, b, c], date(2026, 11, 1), date(2026, 11, 30))
    assert (f.lines_delivered, f.lines_on_time) == (2, 1)  # a late (2 Nov > 20 Oct), b on its day
    assert f.lead_time_days == ((32 + 13) / 2)
    assert (f.shipped_quantity, f.returned_quantity) == (13, 2)  # a's 4 went out in October
    assert f.sales == Amount(1300, 130)
