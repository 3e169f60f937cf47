"""Cabinet explosion: every size worked out by hand from the construction rules."""

from __future__ import annotations

import pytest

from jejo.core.errors import ValidationError
from jejo.furniture.cabinets import CabinetSpec, explode, explode_order


def _by_role(parts: list) -> dict[str, list]:
    out: dict[str, list] = {}
    for p in parts:
        out.setdefault(p.role, []).append(p)
    return out


def test_base_cabinet_600_set_in_back() -> None:
    # 600 × 720 × 560, 18 mm board, 3 mm back set in, one shelf, one door
    parts = explode(CabinetSpec("base", 600, 720, 560), "K1-C01")
    r = _by_role(parts)
    assert [p.id for p in parts][:2] == ["K1-C01-01", "K1-C01-02"]
    assert [(p.length, p.width) for p in r["side"]] == [(720, 560)] * 2  # full height, full depth
    assert (r["bottom"][0].length, r["bottom"][0].width) == (564, 557)  # 600 − 2·18; 560 − 3 (back)
    assert [(p.length, p.width) for p in r["rail"]] == [(564, 100)] * 2
    assert (r["back"][0].length, r["back"][0].width) == (684, 564)  # 720 − 2·18 by 600 − 2·18
    assert (r["shelf"][0].length, r["shelf"][0].width) == (562, 537)  # 2 mm play; 20 mm set back
    door = r["door"][0]
    assert (door.length, door.width) == (717, 597)  # 1.5 mm reveal each side
    assert door.material == "MEL-OAK18" and door.grain and door.edge_code == "1111"
    assert r["side"][0].edge_code == "1000" and r["back"][0].edges == ()
    assert "top" not in r


def test_hinges_and_dowels() -> None:
    parts = explode(CabinetSpec("base", 600, 720, 560), "K1-C01")
    r = _by_role(parts)
    cups = [b for b in r["door"][0].borings if b.kind == "hinge"]
    assert [(b.x, b.y, b.diameter, b.depth) for b in cups] == [(100, 22.5, 35, 13), (617, 22.5, 35, 13)]
    side = r["side"][0]
    dowels = [(b.x, b.y) for b in side.borings if b.kind == "dowel"]
    assert dowels == [(9, 37), (9, 523), (711, 37), (711, 523)]
    plates = sorted(b.x for b in side.borings if b.kind == "plate")
    assert plates == [85.5, 117.5, 602.5, 634.5]  # 1.5 + 100 ± 16, 1.5 + 617 ± 16
    ends = [(b.face, b.x, b.y, b.depth) for b in r["bottom"][0].borings]
    assert ends == [("W1", 0, 37, 30), ("W1", 0, 523, 30), ("W2", 564, 37, 30), ("W2", 564, 523, 30)]


def test_wall_cabinet_two_doors_overlay_back() -> None:
    parts = explode(CabinetSpec("wall", 800, 720, 320, back="overlay"), "W-C01")
    r = _by_role(parts)
    assert [(p.length, p.width) for p in r["side"]] == [(720, 317)] * 2  # depth − back
    assert (r["top"][0].length, r["top"][0].width) == (764, 317)
    assert (r["back"][0].length, r["back"][0].width) == (720, 800)  # over the whole carcass
    assert [(p.length, p.width) for p in r["door"]] == [(717, 397)] * 2  # (800 − 3 − 3) / 2
    assert [p.name for p in r["door"]] == ["문짝 좌", "문짝 우"]
    assert r["door"][1].borings[0].y == 397 - 22.5  # right door: hinges on its right edge
    assert len(r["shelf"]) == 2


def test_tall_cabinet_two_rows_of_doors_three_hinges() -> None:
    r = _by_role(explode(CabinetSpec("tall", 600, 2100, 560), "T-C01"))
    assert [(p.length, p.width) for p in r["door"]] == [(1047, 597)] * 2  # (2100 − 3 − 3) / 2
    assert len(r["door"][0].borings) == 2  # doors up to 1500 mm: two hinges
    assert len(r["fixed_shelf"]) == 1 and len(r["shelf"]) == 3
    big = _by_role(explode(CabinetSpec("tall", 600, 2100, 560, doors=1), "T-C02"))
    assert len(big["door"]) == 2  # one door per row, two rows


def test_drawer_unit() -> None:
    r = _by_role(explode(CabinetSpec("drawer", 600, 720, 560, drawers=3), "D-C01"))
    fronts = r["drawer_front"]
    assert len(fronts) == 3 and fronts[0].length == 597 and fronts[0].width == 237  # (720 − 3 − 6) / 3
    assert [(p.length, p.width) for p in r["drawer_side"][:2]] == [(500, 177)] * 2  # 557 − 30 → 500 runner
    assert r["drawer_end"][0].length == 564 - 26 - 30  # inner width − runners − 2 × 15 mm sides
    assert r["drawer_bottom"][0].width == 538 and "door" not in r


def test_order_ids_and_checks() -> None:
    parts = explode_order([CabinetSpec("wall", qty=2), CabinetSpec("shelf")], "K9")
    assert sorted({p.cabinet for p in parts}) == ["K9-C01", "K9-C02", "K9-C03"]
    assert len({p.id for p in parts}) == len(parts)
    with pytest.raises(ValidationError) as exc:
        explode_order([CabinetSpec("base", width=5000), CabinetSpec("sofa")], "K9")
    fields = [p.field for p in exc.value.problems]
    assert fields == ["cabinets.0.width", "cabinets.1.kind"]
