from __future__ import annotations

from datetime import date, time

import pytest

from jejo.core.errors import ValidationError
from jejo.masterdata.bom import BomComponent, BomDef, explode
from jejo.masterdata.calendar import ShiftDef, korean_holiday, shift_instances


def test_multi_level_explosion_applies_scrap_at_each_level() -> None:
    boms = {
        "CAB": BomDef("CAB", 1, (BomComponent("SIDE", 2), BomComponent("EDGE", 3.0, 0.1))),
        "SIDE": BomDef("SIDE", 2, (BomComponent("BOARD", 0.5, 0.2),)),  # base quantity 2 sides
    }
    need = explode(boms, "CAB", 10)
    assert need["SIDE"] == 20
    assert need["EDGE"] == pytest.approx(33.0)
    assert need["BOARD"] == pytest.approx(20 / 2 * 0.5 * 1.2)
    assert explode(boms, "CAB", 10, levels=1).keys() == {"SIDE", "EDGE"}


def test_a_bom_cycle_is_named() -> None:
    boms = {"A": BomDef("A", 1, (BomComponent("B", 1),)), "B": BomDef("B", 1, (BomComponent("A", 1),))}
    with pytest.raises(ValidationError, match="A → B → A"):
        explode(boms, "A", 1)


def test_korean_holidays_and_substitutes() -> None:
    assert korean_holiday(date(2026, 3, 1)) is not None  # 삼일절 (a Sunday)
    assert korean_holiday(date(2026, 3, 2)) is not None  # its substitute holiday
    assert korean_holiday(date(2026, 11, 26)) is None


def test_shift_instances_skip_holidays_and_respect_exceptions() -> None:
    day = ShiftDef("DAY", time(8, 30), time(17, 30), 60)
    night = ShiftDef("NIGHT", time(22, 0), time(6, 0), 30)
    # 2026-09-24..26 is 추석 (Thu-Sat); Fri 2026-10-09 is 한글날
    got = shift_instances(
        [day],
        date(2026, 9, 21),
        date(2026, 10, 9),
        exceptions={date(2026, 10, 2): False, date(2026, 9, 26): True},
    )
    days = [i.day for i in got]
    assert date(2026, 9, 24) not in days and date(2026, 9, 25) not in days
    assert date(2026, 9, 26) in days  # a Saturday made a working day
    assert date(2026, 10, 2) not in days and date(2026, 10, 9) not in days
    first = got[0]
    assert first.start.isoformat() == "2026-09-20T23:30:00+00:00"  # 08:30 KST
    assert first.planned_seconds == 8 * 3600
    n = shift_instances([night], date(2026, 11, 23), date(2026, 11, 23))[0]
    assert (n.end - n.start).total_seconds() == 8 * 3600
