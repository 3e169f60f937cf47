"""Data model of a rectangle bin-packing / panel-cutting instance and its solution."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Item:
    """One part to cut: width ``w`` (along x), height ``h`` (along y); ``rotate`` if it may turn 90°."""

    w: int
    h: int
    rotate: bool = True

    @property
    def area(self) -> int:
        return self.w * self.h


@dataclass(frozen=True, slots=True)
class Bin:
    """A stock sheet type: size, cost per sheet and how many are available (``None``: unlimited)."""

    w: int
    h: int
    cost: float = 1.0
    count: int | None = None

    @property
    def area(self) -> int:
        return self.w * self.h


@dataclass(frozen=True, slots=True)
class Instance:
    """Items to pack into sheets of one size (the classic 2BP); stock mixes: :mod:`.job`."""

    items: tuple[Item, ...]
    W: int
    H: int
    name: str = ""

    @property
    def item_area(self) -> int:
        return sum(it.area for it in self.items)


@dataclass(frozen=True, slots=True)
class Placement:
    """Item ``item`` placed in bin ``bin`` with its lower-left corner at (x, y) and placed size w × h."""

    item: int
    bin: int
    x: int
    y: int
    w: int
    h: int
    rotated: bool

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "item": self.item,
            "bin": self.bin,
            "x": self.x,
            "y": self.y,
            "w": self.w,
            "h": self.h,
            "rotated": self.rotated,
        }


@dataclass(slots=True)
class Solution:
    """A packing: every placement, the number of bins, and what the solver knows about its quality."""

    placements: list[Placement]
    bins: int
    guillotine: bool
    lower_bound: int = 0
    stats: dict[str, float | int | str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "bins": self.bins,
            "placements": [p.as_dict() for p in self.placements],
            "guillotine": self.guillotine,
        }
