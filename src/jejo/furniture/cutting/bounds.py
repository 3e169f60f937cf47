"""Lower bounds on the number of sheets of one size (used to stop as soon as a packing is optimal)."""

from __future__ import annotations

from collections.abc import Sequence

from jejo.furniture.cutting.model import Item


def _fits(it: Item, W: int, H: int) -> list[tuple[int, int]]:
    out = []
    if it.w <= W and it.h <= H:
        out.append((it.w, it.h))
    if it.rotate and it.h <= W and it.w <= H:
        out.append((it.h, it.w))
    return out


def area_bound(items: Sequence[Item], W: int, H: int) -> int:
    """ceil(total item area / sheet area)."""
    a = sum(it.area for it in items)
    return -(-a // (W * H))


def big_items(items: Sequence[Item], W: int, H: int) -> int:
    """Items wider than W/2 and taller than H/2 in every orientation: no two share a sheet."""
    n = 0
    for it in items:
        if all(2 * w > W and 2 * h > H for w, h in _fits(it, W, H)):
            n += 1
    return n


def width_bound(items: Sequence[Item], W: int, H: int) -> int:
    """A 1-D bound: items too wide to sit beside each other nor on top of each other (L1-style on both axes).

    For the oriented case, items with w > W/2 cannot be side by side, so their heights stack:
    ceil(sum h / H) sheets at least; symmetric for h > H/2. With rotation an item counts only if it is
    long in both orientations.
    """
    best = 0
    for axis in (0, 1):
        total = 0
        for it in items:
            dims = _fits(it, W, H)
            if not dims:
                continue
            if axis == 0 and all(2 * w > W for w, _ in dims):
                total += min(h for _, h in dims)
            elif axis == 1 and all(2 * h > H for _, h in dims):
                total += min(w for w, _ in dims)
        side = H if axis == 0 else W
        best = max(best, -(-total // side))
    return best


def lower_bound(items: Sequence[Item], W: int, H: int) -> int:
    """The best of the simple valid bounds."""
    if not items:
        return 0
    return max(area_bound(items, W, H), big_items(items, W, H), width_bound(items, W, H), 1)
