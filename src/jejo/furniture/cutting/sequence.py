"""Cut sequence of a guillotine pattern: the saw's cuts, stage by stage, in the order they are made.

Works on *inflated* rectangles: each part grown by the saw kerf on its right and top side, inside a
usable region of size (W − 2·trim + kerf) × (H − 2·trim + kerf) whose origin lies at (trim, trim) on the
sheet. A cut at inflated coordinate ``c`` removes the kerf [c − kerf, c]; the piece after it starts at c.
All lengths are integers in the caller's unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jejo.furniture.cutting.verify import Rect


@dataclass(frozen=True, slots=True)
class Cut:
    """One saw cut through a whole piece: the line ``axis`` = ``at`` (sheet coordinates, the cut's near
    face; the kerf lies on the far side) from ``start`` to ``end`` along the other axis."""

    stage: int
    axis: str  # "x": a line x = at (crosscut across y); "y": a line y = at (rip cut along x)
    at: int
    start: int
    end: int
    trim: bool = False

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Piece:
    """A rectangle of the sheet left over after cutting (sheet coordinates, physical size)."""

    x: int
    y: int
    w: int
    h: int


class NotGuillotine(ValueError):
    """The pattern cannot be cut by edge-to-edge cuts."""


def cut_sequence(
    W: int, H: int, trim: int, kerf: int, parts: Sequence[Rect]
) -> tuple[list[Cut], list[Piece]]:
    """Cuts (in order) separating ``parts`` (physical rectangles x1, y1, x2, y2 in sheet coordinates)
    and the waste pieces left. First-stage cuts are rip cuts (lines y = const along the sheet length)
    unless crosscuts first need fewer stages."""
    best: tuple[int, list[Cut], list[Piece]] | None = None
    for first in (1, 0):
        cuts, waste = _sequence(W, H, trim, kerf, parts, first)
        depth = max((c.stage for c in cuts if not c.trim), default=0)
        if best is None or depth < best[0]:
            best = (depth, cuts, waste)
    assert best is not None
    return best[1], best[2]


def _sequence(
    W: int, H: int, trim: int, kerf: int, parts: Sequence[Rect], first: int
) -> tuple[list[Cut], list[Piece]]:
    cuts: list[Cut] = []
    waste: list[Piece] = []
    uw, uh = W - 2 * trim + kerf, H - 2 * trim + kerf
    if trim > 0:
        cuts += [
            Cut(0, "y", trim - kerf, 0, W, True),
            Cut(0, "y", H - trim, 0, W, True),
            Cut(0, "x", trim - kerf, trim, H - trim, True),
            Cut(0, "x", W - trim, trim, H - trim, True),
        ]
    rects = [(x1 - trim, y1 - trim, x2 - trim + kerf, y2 - trim + kerf) for x1, y1, x2, y2 in parts]

    def phys(x1: int, y1: int, x2: int, y2: int) -> tuple[int, int, int, int]:
        return x1 + trim, y1 + trim, x2 + trim - kerf, y2 + trim - kerf

    def emit(axis: int, c: int, region: tuple[int, int, int, int], stage: int, is_trim: bool) -> None:
        px1, py1, px2, py2 = phys(*region)  # the piece being cut, edge to edge
        if axis == 0:
            cuts.append(Cut(stage, "x", c - kerf + trim, py1, py2, is_trim))
        else:
            cuts.append(Cut(stage, "y", c - kerf + trim, px1, px2, is_trim))

    def split(region: tuple[int, int, int, int], rs: list[Rect], axis: int, stage: int) -> None:
        x1, y1, x2, y2 = region
        if not rs:
            px1, py1, px2, py2 = phys(*region)
            if px2 > px1 and py2 > py1:
                waste.append(Piece(px1, py1, px2 - px1, py2 - py1))
            return
        if len(rs) == 1 and rs[0] == region:
            return
        for ax, st in ((axis, stage), (1 - axis, stage + 1)):
            lo, hi = ax, ax + 2
            ends = sorted({r[hi] for r in rs} | {r[lo] for r in rs if r[lo] > region[lo]})
            c = next(
                (
                    e
                    for e in ends
                    if region[lo] < e < region[hi] and all(r[hi] <= e or r[lo] >= e for r in rs)
                ),
                None,
            )
            if c is None:
                continue
            emit(ax, c, region, st, len(rs) == 1)
            if ax == 0:
                a, b = (x1, y1, c, y2), (c, y1, x2, y2)
            else:
                a, b = (x1, y1, x2, c), (x1, c, x2, y2)
            split(a, [r for r in rs if r[hi] <= c], ax, st)
            split(b, [r for r in rs if r[lo] >= c], ax, st)
            return
        raise NotGuillotine("pattern is not guillotine")

    split((0, 0, uw, uh), rects, first, 1)
    return cuts, waste
