"""Standard and actual cost of a work order (pure)."""

from __future__ import annotations

from jejo.costing.calc import Booking, OperationStd, Rates, actual_cost, standard_cost, won


def test_standard_cost_from_bom_and_routing() -> None:
    rates = {"SAW": Rates(30000, 24000), "ASM": Rates(0, 20000)}
    c = standard_cost(
        10,
        {"PB": 9.24, "EDGE": 33.6},
        {"PB": 11000, "EDGE": 300},
        [OperationStd("SAW", 600, 90), OperationStd("ASM", 0, 300)],
        rates,
    )
    # SAW: (600 + 900) s = 0.41667 h → 12,500 machine, 10,000 labour; ASM: 3000 s → 16,667 labour
    assert (c.material, c.machine, c.labour) == (111_720, 12_500, 26_667)
    assert c.per_unit == won((111_720 + 12_500 + 26_667) / 10)


def test_actual_cost_prefers_the_lot_purchase_price() -> None:
    c = actual_cost(
        4,
        [("PB", "L1", 2.0), ("PB", "L2", 1.0)],
        {"L2": 15000},
        {"PB": 10000},
        [Booking("SAW", 30, 15)],
        {"SAW": Rates(40000, 20000)},
    )
    assert (c.material, c.labour, c.machine, c.total, c.per_unit) == (35_000, 10_000, 10_000, 55_000, 13_750)
    assert actual_cost(0, [], {}, {}, [], {}).per_unit is None
