"""ROADEF/EURO 2018 (Saint-Gobain glass cutting): reader, solver entry point, greedy strip heuristic, writer.

The default solver is the tree search of ``roadef_tree`` (items cut one at a time, iterative beam
search); the randomised greedy strip heuristic here is its fallback and the ``method="strips"``
baseline.

Rules followed (plate 6000 × 3210 mm, plates used in order, each with its defects):

* 1-cuts (vertical) make strips 100–3500 mm wide; 2-cuts (horizontal) make rows at least 100 mm high;
  3-cuts (vertical) separate the pieces of a row; a 4-cut (horizontal) trims an item from the waste above it;
* every waste piece is at least 20 mm in its cut direction; items may be rotated;
* no item covers a defect and no cut crosses a defect;
* items of a stack are produced in SEQUENCE order, production order being plate, strip (left to right),
  row (bottom to top), piece (left to right) — the heuristic only ever places the next item of a stack;
* the part of the last plate right of its last 1-cut is the residual, not waste.

Waste = area of plates used − residual − item area.
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jejo.core.errors import Problem, ValidationError

PLATE_W, PLATE_H = 6000, 3210
MIN1, MAX1, MIN2, MINWASTE = 100, 3500, 100, 20


@dataclass(frozen=True, slots=True)
class GItem:
    id: int
    length: int
    width: int
    stack: int
    seq: int


@dataclass(frozen=True, slots=True)
class Defect:
    plate: int
    x: float
    y: float
    w: float
    h: float


@dataclass(slots=True)
class RInstance:
    items: list[GItem]
    defects: list[Defect]
    stacks: list[list[int]] = field(default_factory=list)  # item ids in sequence order

    def defects_on(self, plate: int) -> list[Defect]:
        return [d for d in self.defects if d.plate == plate]


def _read_csv(path: Path, header: list[str]) -> list[list[str]]:
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    if not rows or [h.strip() for h in rows[0]] != header:
        raise ValidationError(
            f"{path}: unexpected header", [Problem(f"want {';'.join(header)}", field=str(path), row=1)]
        )
    return rows[1:]


def read_instance(batch: str | Path) -> RInstance:
    """Read ``X_batch.csv`` and the ``X_defects.csv`` beside it."""
    b = Path(batch)
    items = []
    for k, r in enumerate(
        _read_csv(b, ["ITEM_ID", "LENGTH_ITEM", "WIDTH_ITEM", "STACK", "SEQUENCE"]), start=2
    ):
        try:
            it = GItem(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]))
        except (ValueError, IndexError) as exc:
            raise ValidationError(f"{b}: bad item", [Problem(f"expected 5 integers: {exc}", row=k)]) from exc
        a, c = it.length, it.width
        if a <= 0 or c <= 0 or not ((a <= MAX1 and c <= PLATE_H) or (c <= MAX1 and a <= PLATE_H)):
            raise ValidationError(f"{b}: bad item", [Problem("item does not fit a plate strip", row=k)])
        items.append(it)
    if [it.id for it in items] != list(range(len(items))):
        raise ValidationError(f"{b}: item ids must be 0..n-1 in order", [Problem("ITEM_ID", field="ITEM_ID")])
    dpath = b.with_name(b.name.replace("_batch.csv", "_defects.csv"))
    defects = []
    if dpath.exists():
        for k, r in enumerate(
            _read_csv(dpath, ["DEFECT_ID", "PLATE_ID", "X", "Y", "WIDTH", "HEIGHT"]), start=2
        ):
            try:
                defects.append(Defect(int(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5])))
            except (ValueError, IndexError) as exc:
                raise ValidationError(f"{dpath}: bad defect", [Problem(str(exc), row=k)]) from exc
    by_stack: dict[int, list[GItem]] = {}
    for it in items:
        by_stack.setdefault(it.stack, []).append(it)
    stacks = [[it.id for it in sorted(v, key=lambda i: i.seq)] for _, v in sorted(by_stack.items())]
    return RInstance(items, defects, stacks)


# --------------------------------------------------------------------------- layout
@dataclass(slots=True)
class Piece:
    """A 3-cut piece of a row: an item (``item`` >= 0, height ``h`` <= row height) or waste (-1);
    ``item2`` (height ``h2``) is a second item of the same width on top of the first (a 4-cut between);
    ``up`` > 0 puts a waste piece that high below the first item (a defect there)."""

    item: int
    x: int
    w: int
    h: int
    item2: int = -1
    h2: int = 0
    up: int = 0


@dataclass(slots=True)
class Row:
    y: int
    h: int
    pieces: list[Piece]


@dataclass(slots=True)
class Strip:
    x: int
    w: int
    rows: list[Row]


@dataclass(slots=True)
class Layout:
    plates: list[list[Strip]]

    def waste(self, inst: RInstance) -> int:
        used = len(self.plates) * PLATE_W * PLATE_H
        last = self.plates[-1]
        end = max((s.x + s.w for s in last), default=0)
        residual = (PLATE_W - end) * PLATE_H
        return used - residual - sum(it.length * it.width for it in inst.items)


def _hits(defs: Sequence[Defect], x1: float, y1: float, x2: float, y2: float) -> bool:
    """Does the open rectangle touch any defect?"""
    return any(d.x < x2 and x1 < d.x + d.w and d.y < y2 and y1 < d.y + d.h for d in defs)


def _vcut_ok(defs: Sequence[Defect], x: float, y1: float, y2: float) -> bool:
    return not any(d.x < x < d.x + d.w and d.y < y2 and y1 < d.y + d.h for d in defs)


def _hcut_ok(defs: Sequence[Defect], y: float, x1: float, x2: float) -> bool:
    return not any(d.y < y < d.y + d.h and d.x < x2 and x1 < d.x + d.w for d in defs)


class Builder:
    """Randomised greedy: strips left to right, rows bottom to top, items left to right."""

    def __init__(
        self, inst: RInstance, rng: random.Random, params: dict[str, float], deadline: float | None = None
    ) -> None:
        self.deadline = deadline
        self.inst = inst
        self.rng = rng
        self.p = params
        self.size = {it.id: (it.length, it.width) for it in inst.items}

    def run(self) -> Layout | None:
        heads = [0] * len(self.inst.stacks)
        left = len(self.inst.items)
        plates: list[list[Strip]] = []
        plate = 0
        while left > 0:
            defs = self.inst.defects_on(plate)
            strips: list[Strip] = []
            x0 = 0
            while left > 0:
                if self.deadline is not None and time.monotonic() > self.deadline:
                    return None  # out of time: abandon this restart
                st = self._best_strip(x0, defs, heads)
                if st is None:
                    break
                strip, new_heads, placed = st
                strips.append(strip)
                heads = new_heads
                left -= placed
                x0 = strip.x + strip.w
            if not strips:
                if plate > len(self.inst.items) + 5:
                    return None
                plates.append([])
                plate += 1
                continue
            plates.append(strips)
            plate += 1
        # drop empty plates at the end (cannot happen) and keep empty ones in between (used plates)
        return Layout(plates)

    def _available(self, heads: list[int]) -> list[int]:
        return [s[h] for s, h in zip(self.inst.stacks, heads, strict=True) if h < len(s)]

    def _best_strip(
        self, x0: int, defs: Sequence[Defect], heads: list[int]
    ) -> tuple[Strip, list[int], int] | None:
        cands: set[int] = set()
        ahead = int(self.p.get("ahead", 4))
        heads_dims = []
        for s, h in zip(self.inst.stacks, heads, strict=True):
            for i in s[h : h + ahead]:
                for d in self.size[i]:
                    cands.add(max(d, MIN1))
            if h < len(s):
                heads_dims.append(self.size[s[h]])
        for k, (a1, b1) in enumerate(heads_dims[:12]):  # two items side by side
            for a2, b2 in heads_dims[k + 1 : 12]:
                for d in (a1 + a2, a1 + b2, b1 + a2, b1 + b2):
                    if d <= MAX1:
                        cands.add(d)
        cands_l = sorted(cands, reverse=True)
        if self.p["k"] < len(cands_l):
            cands_l = self.rng.sample(cands_l, int(self.p["k"]))
        best = None
        for ws in cands_l:
            for extra in (0, MINWASTE):
                w = ws + extra
                if w > MAX1 or x0 + w > PLATE_W or 0 < PLATE_W - x0 - w < MINWASTE:
                    continue
                if not _vcut_ok(defs, x0 + w, 0, PLATE_H):
                    continue
                found = False
                for _ in range(int(self.p.get("samples", 1))):
                    res = self._strip(x0, w, defs, list(heads))
                    if res is None:
                        break
                    found = True
                    strip, nh, placed, area = res
                    score = area / (w * PLATE_H) * (area / placed) ** self.p.get("big", 0.0)
                    score *= 1 + self.p["noise"] * (self.rng.random() - 0.5)
                    if best is None or score > best[0]:
                        best = (score, strip, nh, placed)
                if found:
                    break
        if best is None:
            return None
        return best[1], best[2], best[3]

    def _strip(
        self, x0: int, w: int, defs: Sequence[Defect], heads: list[int]
    ) -> tuple[Strip, list[int], int, int] | None:
        rows: list[Row] = []
        y = 0
        placed = area = 0
        while True:
            row = self._row(x0, w, y, defs, heads)
            if row is None:
                break
            r, n, a = row
            rows.append(r)
            placed += n
            area += a
            y = r.y + r.h
        if not placed:
            return None
        return Strip(x0, w, rows), heads, placed, area

    def _row(
        self, x0: int, w: int, y: int, defs: Sequence[Defect], heads: list[int]
    ) -> tuple[Row, int, int] | None:
        """Open a row at height y (a waste band below may skip a defect) and fill it."""
        avail = self._available(heads)
        opts = []
        for i in avail:
            a, b = self.size[i]
            for iw, ih in ((a, b), (b, a)):
                if iw <= w and (iw == w or w - iw >= MINWASTE):
                    opts.append((i, iw, ih))
        if not opts:
            return None
        # row height: the tallest first item that fits (random choice among the tallest few)
        if self.p.get("wide", 1.0) > 0.5:  # the opener that fills the strip width best
            opts.sort(key=lambda o: (-o[1], -o[2]))
        else:
            opts.sort(key=lambda o: (-o[2], -o[1]))
        start = y
        for _ in range(3):  # a defect at the bottom: skip it with a waste row (>= 20 mm)
            fitting = [
                o
                for o in opts
                if start + o[2] <= PLATE_H
                and (PLATE_H - start - o[2] == 0 or PLATE_H - start - o[2] >= MINWASTE)
            ]
            if self.p["tall"] < 1 and fitting:
                k = max(1, int(len(fitting) * (1 - self.p["tall"])))
                fitting = fitting[:k]
                self.rng.shuffle(fitting)
            tries = int(self.p.get("rows", 1))
            best: tuple[float, Row, int, int, list[int]] | None = None
            for first in fitting:
                rh = max(first[2], MIN2)
                top = start + rh
                if top > PLATE_H or 0 < PLATE_H - top < MINWASTE:
                    continue
                if top < PLATE_H and not _hcut_ok(defs, top, x0, x0 + w):
                    continue
                trial = list(heads)
                got = self._fill_row(x0, w, start, rh, defs, trial, first)
                if got is None:
                    continue
                pieces, n, a = got
                dens = a / (w * (top - y))
                if best is None or dens > best[0]:
                    best = (dens, Row(start, rh, pieces), n, a, trial)
                tries -= 1
                if tries <= 0:
                    break
            if best is not None:
                heads[:] = best[4]
                return best[1], best[2], best[3]
            # move up past the lowest defect in the strip above `start`
            ds = [d for d in defs if d.x < x0 + w and x0 < d.x + d.w and d.y + d.h > start]
            if not ds:
                return None
            nxt = int(min(d.y + d.h for d in ds)) + 1
            start = max(nxt, start + MINWASTE)
            if not _hcut_ok(defs, start, x0, x0 + w):
                return None
        return None

    def _fill_row(
        self,
        x0: int,
        w: int,
        y: int,
        rh: int,
        defs: Sequence[Defect],
        heads: list[int],
        first: tuple[int, int, int],
    ) -> tuple[list[Piece], int, int] | None:
        pieces: list[Piece] = []
        x = x0
        n = a = 0
        saved = list(heads)
        want: tuple[int, int, int] | None = first
        while True:
            if want is None:
                want = self._pick(x0 + w - x, rh, heads)
                if want is None:
                    break
            i, iw, ih = want
            want = None
            xs = x
            ok = False
            for _ in range(4):
                if xs + iw > x0 + w or 0 < x0 + w - xs - iw < MINWASTE:
                    break
                if (
                    not _hits(defs, xs, y, xs + iw, y + ih)
                    and _vcut_ok(defs, xs + iw, y, y + rh)
                    and (ih == rh or _hcut_ok(defs, y + ih, xs, xs + iw))
                    and (xs == x or _vcut_ok(defs, xs, y, y + rh))
                ):
                    ok = True
                    break
                ds = [d for d in defs if d.x + d.w > xs and d.x < xs + iw and d.y < y + rh and d.y + d.h > y]
                if not ds:
                    break
                xs = max(int(min(d.x + d.w for d in ds)) + 1, x + MINWASTE)
            if not ok:
                break
            if xs > x:
                pieces.append(Piece(-1, x, xs - x, rh))
            piece = Piece(i, xs, iw, ih)
            pieces.append(piece)
            x = xs + iw
            n += 1
            a += iw * ih
            it = self.inst.items[i]
            heads[self._stack_index(it.stack)] += 1
            if rh - ih >= MIN2 and self.p.get("stack2", 1.0) > 0.5:
                two = self._on_top(xs, iw, y + ih, rh - ih, y + rh, defs, heads)
                if two is not None:
                    piece.item2, piece.h2 = two
                    n += 1
                    a += iw * two[1]
                    heads[self._stack_index(self.inst.items[two[0]].stack)] += 1
        if n == 0:
            heads[:] = saved
            return None
        if x < x0 + w:
            pieces.append(Piece(-1, x, x0 + w - x, rh))
        return pieces, n, a

    def _on_top(
        self, x: int, w: int, y: int, room: int, top: int, defs: Sequence[Defect], heads: list[int]
    ) -> tuple[int, int] | None:
        """An available item exactly ``w`` wide that fits in ``room`` above a placed item (tallest first)."""
        best: tuple[int, int] | None = None
        for i in self._available(heads):
            a, b = self.size[i]
            for iw, ih in ((a, b), (b, a)):
                if iw != w or ih > room or 0 < room - ih < MINWASTE:
                    continue
                if _hits(defs, x, y, x + w, y + ih) or not _hcut_ok(defs, y, x, x + w):
                    continue
                if y + ih < top and not _hcut_ok(defs, y + ih, x, x + w):
                    continue
                if best is None or ih > best[1]:
                    best = (i, ih)
        return best

    def _stack_index(self, stack: int) -> int:
        if not hasattr(self, "_sidx"):
            self._sidx = {self.inst.items[s[0]].stack: k for k, s in enumerate(self.inst.stacks)}
        return self._sidx[stack]

    def _pick(self, room: int, rh: int, heads: list[int]) -> tuple[int, int, int] | None:
        best = None
        for i in self._available(heads):
            a, b = self.size[i]
            for iw, ih in ((a, b), (b, a)):
                if iw > room or 0 < room - iw < MINWASTE or ih > rh or 0 < rh - ih < MINWASTE:
                    continue
                score = ih / rh + self.p["wbias"] * iw / room + self.p["noise"] * self.rng.random()
                if best is None or score > best[0]:
                    best = (score, (i, iw, ih))
        return None if best is None else best[1]


def solve_strips(inst: RInstance, time_limit: float, seed: int = 0) -> Layout:
    """Randomised restarts of the greedy strip heuristic until the time limit; the least waste wins."""
    rng = random.Random(seed)
    end = time.monotonic() + time_limit
    best: tuple[int, Layout] | None = None
    tries = 0
    while tries == 0 or time.monotonic() < end:
        params = (
            {"k": 10_000.0, "noise": 0.0, "tall": 1.0, "wbias": 0.3}
            if tries == 0
            else {
                "k": float(rng.choice((4, 8, 16, 10_000))),
                "noise": rng.choice((0.0, 0.05, 0.15, 0.3)),
                "tall": rng.choice((1.0, 0.9, 0.7)),
                "wbias": rng.choice((0.0, 0.3, 1.0)),
                "ahead": float(rng.choice((1, 2, 4, 8))),
                "wide": float(rng.random() < 0.7),
                "big": rng.choice((0.0, 0.05, 0.1, 0.2, 0.3)),
                "rows": float(rng.choice((1, 1, 3, 6))),
                "samples": float(rng.choice((1, 1, 2, 4))),
                "stack2": float(rng.random() < 0.8),
            }
        )
        lay = Builder(inst, rng, params, end if best is not None else None).run()
        tries += 1
        if lay is None:
            continue
        w = lay.waste(inst)
        if best is None or w < best[0]:
            best = (w, lay)
        if tries > 10_000:
            break
    if best is None:
        raise ValueError("no feasible layout found")
    return best[1]


def solve_roadef(inst: RInstance, time_limit: float, seed: int = 0, method: str = "beam") -> Layout:
    """Solve an instance within ``time_limit`` seconds.

    ``method="beam"`` (default): the anytime tree search of ``roadef_tree``; its solutions are checked
    by the independent rules checker (``roadef_check``) from the best down and the first valid one is
    returned (the greedy strip heuristic is the fallback should none pass). ``method="strips"``: the
    randomised greedy strip heuristic alone (``seed`` drives its restarts; the beam is deterministic).
    """
    if method == "strips":
        return solve_strips(inst, time_limit, seed)
    if method != "beam":
        raise ValueError(f"unknown method {method!r} (beam or strips)")
    from jejo.furniture.cutting.roadef_tree import search

    start = time.monotonic()
    margin = min(2.0, 0.05 * time_limit)  # room to check and write the solution (and a late level)
    for lay in reversed(search(inst, start + max(0.0, time_limit - margin))):
        errors, _ = check_layout(inst, lay)
        if not errors:
            return lay
    return solve_strips(inst, max(0.0, start + time_limit - time.monotonic()), seed)


def write_instance(inst: RInstance, folder: str | Path, name: str = "X") -> Path:
    """Write ``NAME_batch.csv`` and ``NAME_defects.csv`` into ``folder``; returns the batch path."""
    d = Path(folder)
    batch = d / f"{name}_batch.csv"
    with batch.open("w", newline="") as fh:
        wr = csv.writer(fh, delimiter=";", lineterminator="\n")
        wr.writerow(["ITEM_ID", "LENGTH_ITEM", "WIDTH_ITEM", "STACK", "SEQUENCE"])
        wr.writerows([it.id, it.length, it.width, it.stack, it.seq] for it in inst.items)
    with (d / f"{name}_defects.csv").open("w", newline="") as fh:
        wr = csv.writer(fh, delimiter=";", lineterminator="\n")
        wr.writerow(["DEFECT_ID", "PLATE_ID", "X", "Y", "WIDTH", "HEIGHT"])
        wr.writerows([k, df.plate, df.x, df.y, df.w, df.h] for k, df in enumerate(inst.defects))
    return batch


def check_layout(inst: RInstance, lay: Layout) -> tuple[list[str], int]:
    """Run the independent rules checker on a layout (through the official file formats)."""
    from jejo.furniture.cutting.roadef_check import check_roadef

    with tempfile.TemporaryDirectory() as tmp:
        batch = write_instance(inst, tmp)
        sol = Path(tmp) / "X_solution.csv"
        write_solution(inst, lay, sol)
        return check_roadef(batch, sol)


def write_solution(inst: RInstance, lay: Layout, path: str | Path) -> None:
    """Write the cut tree in the official format: PLATE_ID;NODE_ID;X;Y;WIDTH;HEIGHT;TYPE;CUT;PARENT."""
    rows: list[list[object]] = []
    nid = 0

    def node(plate: int, x: int, y: int, w: int, h: int, typ: int, cut: int, parent: int | None) -> int:
        nonlocal nid
        rows.append([plate, nid, x, y, w, h, typ, cut, "" if parent is None else parent])
        nid += 1
        return nid - 1

    last = len(lay.plates) - 1
    for p, strips in enumerate(lay.plates):
        root = node(p, 0, 0, PLATE_W, PLATE_H, -2, 0, None)
        x_end = 0
        for s in strips:
            if not s.rows:  # a waste strip
                node(p, s.x, 0, s.w, PLATE_H, -1, 1, root)
                x_end = s.x + s.w
                continue
            n1 = node(p, s.x, 0, s.w, PLATE_H, -2, 1, root)
            y = 0
            for r in s.rows:
                if r.y > y:
                    node(p, s.x, y, s.w, r.y - y, -1, 2, n1)
                n2 = node(p, s.x, r.y, s.w, r.h, -2, 2, n1)
                for pc in r.pieces:
                    if pc.item < 0:
                        node(p, pc.x, r.y, pc.w, r.h, -1, 3, n2)
                    elif pc.h == r.h:
                        node(p, pc.x, r.y, pc.w, r.h, pc.item, 3, n2)
                    else:
                        n3 = node(p, pc.x, r.y, pc.w, r.h, -2, 3, n2)
                        if pc.up:
                            node(p, pc.x, r.y, pc.w, pc.up, -1, 4, n3)
                        node(p, pc.x, r.y + pc.up, pc.w, pc.h, pc.item, 4, n3)
                        y4 = r.y + pc.up + pc.h
                        if pc.item2 >= 0:
                            node(p, pc.x, y4, pc.w, pc.h2, pc.item2, 4, n3)
                            y4 += pc.h2
                        if y4 < r.y + r.h:
                            node(p, pc.x, y4, pc.w, r.y + r.h - y4, -1, 4, n3)
                y = r.y + r.h
            if y < PLATE_H:
                node(p, s.x, y, s.w, PLATE_H - y, -1, 2, n1)
            x_end = s.x + s.w
        if x_end < PLATE_W:
            node(p, x_end, 0, PLATE_W - x_end, PLATE_H, -3 if p == last else -1, 1, root)
    with Path(path).open("w", newline="") as fh:
        wr = csv.writer(fh, delimiter=";", lineterminator="\n")
        wr.writerow(["PLATE_ID", "NODE_ID", "X", "Y", "WIDTH", "HEIGHT", "TYPE", "CUT", "PARENT"])
        wr.writerows(rows)
