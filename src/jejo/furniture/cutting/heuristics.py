"""Constructive packing heuristics: fill one sheet from an ordered list of items.

Two families:

* **MaxRects** (free packing, for CNC nesting): keeps every maximal free rectangle; rules
  ``bssf`` (best short side fit), ``baf`` (best area fit), ``bl`` (bottom-left).
* **Guillotine** (panel saw): keeps disjoint free rectangles, each split by one edge-to-edge cut, so
  every pattern it makes can be cut by a saw (any number of stages). Split rules: ``sas`` (cut along the
  shorter axis), ``las``, ``slas`` (shorter leftover axis), ``llas``, ``minas`` / ``maxas`` (min / max area).
* **Shelf** (2- or 3-stage guillotine): horizontal strips, columns in a strip, stacks in a column (3-stage).

An item here is a tuple ``(index, w, h, may_rotate)``; a placement ``(index, x, y, w, h, rotated)``.
"""

from __future__ import annotations

from collections.abc import Sequence

PItem = tuple[int, int, int, bool]
PPlace = tuple[int, int, int, int, int, bool]

FREE_RULES = ("bssf", "baf", "bl")
GUILLOTINE_SPLITS = ("slas", "llas", "sas", "las", "minas", "maxas")


def _score(rule: str, fw: int, fh: int, w: int, h: int, fx: int, fy: int) -> tuple[int, int]:
    if rule == "bssf":
        a, b = fw - w, fh - h
        return (a, b) if a < b else (b, a)
    if rule == "baf":
        a, b = fw - w, fh - h
        return (fw * fh - w * h, a if a < b else b)
    # bottom-left: lowest top edge, then leftmost
    return (fy + h, fx)


def maxrects_fill(W: int, H: int, items: Sequence[PItem], rule: str = "bssf") -> list[PPlace]:
    """Place items in order into one W × H sheet (free packing); items that do not fit are skipped."""
    free: list[tuple[int, int, int, int]] = [(0, 0, W, H)]
    out: list[PPlace] = []
    min_side = min((min(w, h) for _, w, h, _ in items), default=0)
    for idx, w, h, rot in items:
        best: tuple[int, int] | None = None
        pos = (0, 0, 0, 0, False)
        for fx, fy, fw, fh in free:
            if w <= fw and h <= fh:
                s = _score(rule, fw, fh, w, h, fx, fy)
                if best is None or s < best:
                    best, pos = s, (fx, fy, w, h, False)
            if rot and w != h and h <= fw and w <= fh:
                s = _score(rule, fw, fh, h, w, fx, fy)
                if best is None or s < best:
                    best, pos = s, (fx, fy, h, w, True)
        if best is None:
            continue
        px, py, pw, ph, rotated = pos
        out.append((idx, px, py, pw, ph, rotated))
        px2, py2 = px + pw, py + ph
        new: list[tuple[int, int, int, int]] = []
        for f in free:
            fx, fy, fw, fh = f
            fx2, fy2 = fx + fw, fy + fh
            if px >= fx2 or px2 <= fx or py >= fy2 or py2 <= fy:
                new.append(f)
                continue
            if px > fx:
                new.append((fx, fy, px - fx, fh))
            if px2 < fx2:
                new.append((px2, fy, fx2 - px2, fh))
            if py > fy:
                new.append((fx, fy, fw, py - fy))
            if py2 < fy2:
                new.append((fx, py2, fw, fy2 - py2))
        # drop rectangles too small for any item and those contained in another
        new = [f for f in new if f[2] >= min_side and f[3] >= min_side]
        new.sort(key=lambda f: -f[2] * f[3])
        kept: list[tuple[int, int, int, int]] = []
        for f in new:
            fx, fy, fw, fh = f
            fx2, fy2 = fx + fw, fy + fh
            for gx, gy, gw, gh in kept:
                if gx <= fx and gy <= fy and fx2 <= gx + gw and fy2 <= gy + gh:
                    break
            else:
                kept.append(f)
        free = kept
        if not free:
            break
    return out


def guillotine_fill(
    W: int, H: int, items: Sequence[PItem], split: str = "slas", rule: str = "bssf"
) -> list[PPlace]:
    """Place items in order into one sheet with guillotine free-rectangle splitting (saw-feasible)."""
    free: list[tuple[int, int, int, int]] = [(0, 0, W, H)]
    out: list[PPlace] = []
    for idx, w, h, rot in items:
        best: tuple[int, int] | None = None
        choice = (-1, 0, 0, False)
        for k, (fx, fy, fw, fh) in enumerate(free):
            if w <= fw and h <= fh:
                s = _score(rule, fw, fh, w, h, fx, fy)
                if best is None or s < best:
                    best, choice = s, (k, w, h, False)
            if rot and w != h and h <= fw and w <= fh:
                s = _score(rule, fw, fh, h, w, fx, fy)
                if best is None or s < best:
                    best, choice = s, (k, h, w, True)
        if best is None:
            continue
        k, pw, ph, rotated = choice
        fx, fy, fw, fh = free.pop(k)
        out.append((idx, fx, fy, pw, ph, rotated))
        lw, lh = fw - pw, fh - ph  # leftover right of and above the item
        if split == "sas":
            horizontal = fw <= fh
        elif split == "las":
            horizontal = fw > fh
        elif split == "slas":
            horizontal = lw <= lh
        elif split == "llas":
            horizontal = lw > lh
        elif split == "minas":
            horizontal = pw * lh > lw * ph  # makes the smaller of the two pieces as small as possible
        else:  # maxas
            horizontal = pw * lh <= lw * ph
        if horizontal:  # cut along y = fy + ph across the whole free rectangle
            right, top = (fx + pw, fy, lw, ph), (fx, fy + ph, fw, lh)
        else:  # cut along x = fx + pw
            right, top = (fx + pw, fy, lw, fh), (fx, fy + ph, pw, lh)
        if right[2] > 0 and right[3] > 0:
            free.append(right)
        if top[2] > 0 and top[3] > 0:
            free.append(top)
        if not free:
            break
    return out


def shelf_fill(
    W: int, H: int, items: Sequence[PItem], stages: int = 3, horizontal_first: bool = True
) -> list[PPlace]:
    """Staged guillotine fill: strips (1st cuts), columns in a strip (2nd), stacks in a column (3rd).

    With ``stages=2`` a column holds one item (trimmed to the strip height: non-exact).
    ``horizontal_first=False`` builds vertical strips (first cuts along y) by transposing the sheet.
    Items should come sorted by decreasing height for good strips.
    """
    if not horizontal_first:
        t = shelf_fill(H, W, [(i, h, w, r) for i, w, h, r in items], stages, True)
        return [(i, y, x, h, w, r) for i, x, y, w, h, r in t]
    left = list(items)
    out: list[PPlace] = []
    y0 = 0
    while left:
        # open a strip with the first item that fits below the remaining height (lay it low if it may turn)
        opened = None
        for k, (idx, w, h, rot) in enumerate(left):
            cands = [(h, w, False)]
            if rot and w != h:
                cands.append((w, h, True))
            cands = [c for c in cands if c[1] <= W and c[0] <= H - y0]
            if cands:
                ch, cw, cr = min(cands)
                opened = (k, idx, cw, ch, cr)
                break
        if opened is None:
            break
        k, idx, cw, ch, cr = opened
        del left[k]
        strip_h = ch
        x0 = 0
        column: tuple[int, int, int, int, bool] | None = (idx, cw, ch, 0, cr)
        while column is not None:
            cidx, col_w, ch0, _, crot = column
            out.append((cidx, x0, y0, col_w, ch0, crot))
            used_h = ch0
            if stages >= 3:  # stack more items in this column
                k = 0
                while k < len(left):
                    i2, w2, h2, r2 = left[k]
                    fit = None
                    if w2 <= col_w and used_h + h2 <= strip_h:
                        fit = (w2, h2, False)
                    if (
                        r2
                        and w2 != h2
                        and h2 <= col_w
                        and used_h + w2 <= strip_h
                        and (fit is None or w2 > fit[0])
                    ):
                        fit = (h2, w2, True)
                    if fit is not None:
                        out.append((i2, x0, y0 + used_h, fit[0], fit[1], fit[2]))
                        used_h += fit[1]
                        del left[k]
                    else:
                        k += 1
            x0 += col_w
            column = None
            for k, (i2, w2, h2, r2) in enumerate(left):
                best = None
                if w2 <= W - x0 and h2 <= strip_h:
                    best = (w2, h2, False)
                if r2 and w2 != h2 and h2 <= W - x0 and w2 <= strip_h and (best is None or w2 > best[1]):
                    best = (h2, w2, True)
                if best is not None:
                    column = (i2, best[0], best[1], 0, best[2])
                    del left[k]
                    break
        y0 += strip_h
    return out


def fill(W: int, H: int, items: Sequence[PItem], method: str) -> list[PPlace]:
    """Dispatch on a method name: ``free-<rule>``, ``guil-<split>-<rule>``, ``shelf<stages>[-v]``."""
    parts = method.split("-")
    if parts[0] == "free":
        return maxrects_fill(W, H, items, parts[1])
    if parts[0] == "guil":
        return guillotine_fill(W, H, items, parts[1], parts[2])
    stages = int(parts[0][5:])
    return shelf_fill(W, H, items, stages, horizontal_first=len(parts) == 1)


def methods_for(guillotine: bool, stages: int | None = None) -> list[str]:
    """The fill methods usable for a mode: staged shelves, general guillotine, or free packing too."""
    if stages is not None:
        return [f"shelf{stages}", f"shelf{stages}-v"] if stages <= 3 else methods_for(True)
    guil = [f"guil-{s}-{r}" for s in ("slas", "llas", "minas", "maxas") for r in ("bssf", "baf")]
    if guillotine:
        return [*guil, "shelf3", "shelf3-v"]
    return ["free-bssf", "free-baf", "free-bl", *guil[:4]]


SORT_KEYS = ("area", "maxside", "perimeter", "height", "width", "minside")


def sort_key(name: str, it: PItem) -> float:
    """Descending-order key of an item for a sort rule."""
    _, w, h, rot = it
    if name == "area":
        return w * h + 1e-3 * max(w, h)
    if name == "maxside":
        return max(w, h) + 1e-4 * min(w, h)
    if name == "perimeter":
        return w + h
    if name == "height":
        return (max(w, h) if rot else h) + 1e-4 * w
    if name == "width":
        return (max(w, h) if rot else w) + 1e-4 * h
    return min(w, h) + 1e-4 * max(w, h)


def by_key(items: Sequence[PItem], key: str) -> list[PItem]:
    """The items in decreasing order of a sort rule."""
    return sorted(items, key=lambda it: -sort_key(key, it))


def placed_area(pl: Sequence[PPlace]) -> int:
    return sum(p[3] * p[4] for p in pl)
