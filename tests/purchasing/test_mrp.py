"""MRP netting (pure): stock first, earliest need first, made items exploded, bought items short."""

from __future__ import annotations

from datetime import date

import pytest

from jejo.masterdata.bom import BomComponent, BomDef
from jejo.purchasing.mrp import Demand, net

BOMS = {
    "CAB": BomDef("CAB", 1, (BomComponent("SIDE", 2), BomComponent("EDGE", 3.2, 0.05))),
    "SIDE": BomDef("SIDE", 1, (BomComponent("PB", 0.42, 0.1),)),
}


def test_shortages_explode_made_items_and_keep_the_work_orders() -> None:
    demands = [
        Demand("WO-2", "SIDE", 10, date(2026, 11, 20)),
        Demand("WO-1", "SIDE", 20, date(2026, 11, 10)),
        Demand("WO-1", "EDGE", 33.6, date(2026, 11, 10)),
    ]
    out = net(demands, BOMS, {"SIDE": 5, "PB": 3, "EDGE": 40}, bought={"PB", "EDGE"})
    assert set(out) == {"PB"}
    # WO-1 takes the 5 sides, lacks 15 → 15 × 0.462 = 6.93 m²; WO-2 lacks 10 → 4.62; less 3 in stock
    assert out["PB"].quantity == pytest.approx(6.93 + 4.62 - 3)
    assert out["PB"].need_date == date(2026, 11, 10) and out["PB"].work_orders == {"WO-1", "WO-2"}


def test_keep_order_puts_released_orders_first() -> None:
    demands = [Demand("WO-LATE", "PB", 4, date(2026, 12, 1)), Demand("WO-NEW", "PB", 4, date(2026, 11, 1))]
    out = net(demands, BOMS, {"PB": 5}, bought={"PB"}, keep_order=True)
    assert out["PB"].work_orders == {"WO-NEW"} and out["PB"].quantity == pytest.approx(3)
