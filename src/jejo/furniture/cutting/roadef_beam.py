"""ROADEF/EURO 2018: an anytime beam search over 1-cut strips.

A node of the search is a partial solution: how many items of each stack are cut (the stack
"heads"), the current plate and the x of its last 1-cut. A child appends one strip (a 1-cut) at that
x: candidate strip widths are the sizes of the next items of the stacks, sums of two of the largest,
the widths of greedily filled rows and the rest of the plate; those whose densest bottom row is
densest are built. A strip is filled bottom to top with rows (2-cuts), each row the densest of those
opened by a few row heights of the stack heads, its pieces (3-cuts) taken greedily from the stack
heads (one that fills the row exactly, else the tallest that fits) with a second item of the same
width stacked on a piece when it fits (4-cut trimming); the 1-cut then moves left to the rightmost
item when the rows allow. When no strip fits, the node moves to the next plate. Children with the
same heads on the same plate are merged (the smaller x dominates), nodes no better than the best
complete solution are cut, and the ``width`` nodes of best guide (waste ratio divided by a power of
the mean cut item area) survive each step.

``search`` repeats the beam with growing widths and several guides until the deadline and keeps
every improving complete solution; each round runs the guides in the order of their last results,
and a beam that would not end before the deadline (estimated from the guide's last beam) is narrowed
to one that should. When no beam had to drop a node (small instances), the candidate sets grow and
the widths start again from 1; beyond 12 row heights they become the richer sets: rows filled by a
knapsack over the stacks (each stack gives a prefix of its remaining sequence, rotated or not, two
consecutive items of the same width possibly stacked in one piece; it replaces the greedy row when
its item area is larger, unless the greedy row is nearly full), row heights also opened by two items
stacked, strip widths also from pairs of the next items of any stacks and 20 mm wider than each
candidate, items further down the stacks, and the 1-cut moved to the nearest x right of the items
that every row allows.

Defects: pieces never cover one, no cut crosses one (a piece moves right past a defect, leaving a
waste piece of at least 20 mm; a row blocked by one starts above it; a knapsack row that would touch
one gives way to the greedy row). Only stack heads are ever cut, so stack sequences hold by
construction: production order is plate, strip, row, piece, exactly the order of construction.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jejo.furniture.cutting.roadef import (
    MAX1,
    MIN1,
    MIN2,
    MINWASTE,
    PLATE_H,
    PLATE_W,
    Defect,
    Layout,
    Piece,
    RInstance,
    Row,
    Strip,
    _hcut_ok,
    _hits,
    _vcut_ok,
)

PLATE_AREA = PLATE_W * PLATE_H
NEAR_WIDTHS = 40  # item widths (the largest) paired into strip widths by the richer candidate sets
PREFIX_ITEMS = 16  # items taken from one stack into one row, at most
FULL = 1.02  # a greedy row at least 1 / FULL full is kept as it is
KNAP_STACKS = 10  # stacks a row's knapsack takes items from, at most
KNAP_STATES = 32  # states (used widths) it keeps, at most
PREFIX_WIDTHS = 3  # widths kept per number of items taken from a stack (the narrowest)

#: a piece of a row to be: item, width, height, item on top (-1: none), its height
Part = tuple[int, int, int, int, int]


def _gap_ok(gap: int) -> bool:
    return gap == 0 or gap >= MINWASTE


def _pareto(front: dict[int, tuple[int, Any]]) -> dict[int, tuple[int, Any]]:
    """The states of a width -> (area, ...) front that no narrower state matches in area."""
    out: dict[int, tuple[int, Any]] = {}
    run = -1
    for wd in sorted(front):
        st = front[wd]
        if st[0] > run:
            out[wd] = st
            run = st[0]
    return out


@dataclass(slots=True)
class Node:
    heads: tuple[int, ...]
    plate: int
    x: int
    area: int  # item area cut so far
    left: int  # items still to cut
    parent: Node | None
    strip: Strip | None  # the strip this node added at its parent's x (None: moved to a new plate)

    @property
    def consumed(self) -> int:
        return self.plate * PLATE_AREA + self.x * PLATE_H

    @property
    def waste(self) -> int:
        return self.consumed - self.area


class StripPacker:
    """Builds strips and rows for one instance."""

    def __init__(
        self,
        inst: RInstance,
        children: int = 4,
        ahead: int = 1,
        pairs: int = 3,
        row_heights: int = 4,
        big: float = 0.3,
        children2: int = 2,
        screen: int = 30,
        row_widths: int = 6,
        big2: float = 1.0,
    ) -> None:
        self.children2 = children2
        self.screen = screen
        self.row_widths = row_widths
        self.big2 = big2
        self.inst = inst
        self.pairs = pairs
        self.row_heights = row_heights
        self.big = big
        self.stacks = inst.stacks
        self.slen = [len(st) for st in inst.stacks]
        self.children = children
        self.ahead = ahead
        self.orients: list[list[tuple[int, int]]] = []
        for it in inst.items:
            o = [(it.length, it.width)]
            if it.width != it.length:
                o.append((it.width, it.length))
            self.orients.append([(w, h) for w, h in o if h <= PLATE_H and w <= MAX1])
        self.iarea = [it.length * it.width for it in inst.items]
        self.rich = False  # the richer candidate sets (see ``search``)
        self.truncated = False  # did a beam drop nodes for lack of width?
        self.deadline: float | None = None  # of the running beam
        self.wide = False  # rank row heights by the width their opener fills (else by its area)
        self._defs: dict[int, list[Defect]] = {}
        self._plan_cache: dict[
            tuple[int, int, tuple[int, ...]], tuple[int, list[Part], list[tuple[int, int]]]
        ] = {}
        self._prefix_cache: dict[tuple[int, int, int], list[tuple[int, int, int, tuple[Part, ...]]]] = {}
        self._cache: dict[
            tuple[int, int, int, tuple[int, ...], bool], tuple[Strip, tuple[int, ...], int, int] | None
        ] = {}

    def clear_cache(self) -> None:
        self._cache.clear()

    def defects(self, plate: int) -> list[Defect]:
        d = self._defs.get(plate)
        if d is None:
            d = self._defs[plate] = self.inst.defects_on(plate)
        return d

    # ------------------------------------------------------------------ rows
    def fill_row(
        self, defs: Sequence[Defect], x0: int, w: int, y: int, rh: int, heads: list[int], knap: bool = True
    ) -> tuple[list[Piece], int, int] | None:
        """Pieces of a row [x0, x0+w) x [y, y+rh); ``heads`` advance in place. None if empty.

        The better (by item area) of the knapsack over stack prefixes and the greedy fill."""
        if not self.rich or not knap:
            return self.fill_greedy(defs, x0, w, y, rh, heads)
        trial = list(heads)
        greedy = self.fill_greedy(defs, x0, w, y, rh, trial)
        if greedy is not None and greedy[2] * FULL >= w * rh:
            heads[:] = trial
            return greedy
        best = self.fill_knapsack(defs, x0, w, y, rh, heads, -1 if greedy is None else greedy[2])
        if best is not None:
            return best
        heads[:] = trial
        return greedy

    def prefixes(self, s: int, h: int, rh: int) -> list[tuple[int, int, int, tuple[Part, ...]]]:
        """Ways to cut the next items of stack ``s`` (from ``h``) as pieces of a row ``rh`` high:
        (items taken, width, item area, pieces), at most ``MAX1`` wide; an item alone (rotated or
        not) or two consecutive items of the same width one above the other (a 4-cut between)."""
        key = (s, h, rh)
        got = self._prefix_cache.get(key)
        if got is not None:
            return got
        st, orients, iarea = self.stacks[s], self.orients, self.iarea
        n = min(len(st) - h, PREFIX_ITEMS)
        levels: list[dict[int, tuple[Part, ...]]] = [{} for _ in range(n + 2)]
        levels[0][0] = ()
        out: list[tuple[int, int, int, tuple[Part, ...]]] = []
        area = 0
        for j in range(n + 1):
            lev = levels[j]
            if not lev and not levels[j + 1]:
                break
            if len(lev) > PREFIX_WIDTHS:
                for wd in sorted(lev)[PREFIX_WIDTHS:]:
                    del lev[wd]
            if j:
                area += iarea[st[h + j - 1]]
                out.extend((j, wd, area, pcs) for wd, pcs in lev.items())
            if j == n:
                break
            i = st[h + j]
            i2 = st[h + j + 1] if j + 1 < n else -1
            for wd, pcs in lev.items():
                for iw, ih in orients[i]:
                    if ih > rh or wd + iw > MAX1:
                        continue
                    room = rh - ih
                    if room == 0 or room >= MINWASTE:
                        levels[j + 1].setdefault(wd + iw, (*pcs, (i, iw, ih, -1, 0)))
                    if i2 >= 0 and room >= MINWASTE:
                        for iw2, ih2 in orients[i2]:
                            if iw2 == iw and ih2 <= room and _gap_ok(room - ih2):
                                levels[j + 2].setdefault(wd + iw, (*pcs, (i, iw, ih, i2, ih2)))
        out.sort(key=lambda t: t[1])
        if len(self._prefix_cache) > 200_000:
            self._prefix_cache.clear()
        self._prefix_cache[key] = out
        return out

    def fill_knapsack(
        self, defs: Sequence[Defect], x0: int, w: int, y: int, rh: int, heads: list[int], beat: int
    ) -> tuple[list[Piece], int, int] | None:
        """The row whose items (a prefix of each stack's remaining sequence) have the largest area,
        by a knapsack over the stacks on the used width; None unless it beats ``beat``."""
        key = (w, rh, tuple(heads))
        plan = self._plan_cache.get(key)
        if plan is None:
            plan = self._plan(w, rh, heads)
            if len(self._plan_cache) > 200_000:
                self._plan_cache.clear()
            self._plan_cache[key] = plan
        area, parts, takes = plan
        if area <= max(beat, 0):
            return None
        pieces: list[Piece] = []
        x = x0
        end = x0 + w
        for i, iw, ih, i2, ih2 in parts:
            if defs:
                if not self._fits(defs, x, y, iw, ih + ih2, rh, end):
                    return None
                if i2 >= 0 and not _hcut_ok(defs, y + ih, x, x + iw):
                    return None
            pieces.append(Piece(i, x, iw, ih, i2, ih2) if i2 >= 0 else Piece(i, x, iw, ih))
            x += iw
        if x < end:
            pieces.append(Piece(-1, x, end - x, rh))
        n = 0
        for s, j in takes:
            heads[s] += j
            n += j
        return pieces, n, area

    def _plan(self, w: int, rh: int, heads: Sequence[int]) -> tuple[int, list[Part], list[tuple[int, int]]]:
        """(item area, pieces, (stack, items taken)) of the knapsack row, defects aside."""
        # the stacks whose head is tallest in the row come first (most area per width); a few only
        tall: list[tuple[int, int]] = []
        for s, h in enumerate(heads):
            if h < self.slen[s]:
                t = max((ih for iw, ih in self.orients[self.stacks[s][h]] if ih <= rh and iw <= w), default=0)
                if t:
                    tall.append((t, s))
        tall.sort(reverse=True)
        # front: used width -> (item area, choices as a linked list (previous, stack, taken, pieces))
        front: dict[int, tuple[int, Any]] = {0: (0, None)}
        for _, s in tall[:KNAP_STACKS]:
            opts = self.prefixes(s, heads[s], rh)
            if not opts:
                continue
            new = dict(front)
            for w1, (a1, ch1) in front.items():
                room = w - w1
                for j, wd, a, pcs in opts:
                    if wd > room:
                        break
                    w2 = w1 + wd
                    old = new.get(w2)
                    if old is None or old[0] < a1 + a:
                        new[w2] = (a1 + a, (ch1, s, j, pcs))
            front = _pareto(new)
            if len(front) > KNAP_STATES:  # keep the fullest
                front = dict(sorted(front.items(), key=lambda t: -t[1][0])[:KNAP_STATES])
        best: tuple[int, Any] = (0, None)
        for wd, (a, ch) in front.items():
            if a > best[0] and _gap_ok(w - wd):
                best = (a, ch)
        area, ch = best
        parts: list[Part] = []
        takes: list[tuple[int, int]] = []
        while ch is not None:
            ch, s, j, pcs = ch
            parts[:0] = pcs
            takes.append((s, j))
        return area, parts, takes

    def fill_greedy(
        self, defs: Sequence[Defect], x0: int, w: int, y: int, rh: int, heads: list[int]
    ) -> tuple[list[Piece], int, int] | None:
        """Pieces taken greedily from the stack heads: one that fills the row exactly, else the
        tallest that fits, with a second item of the same width on top when it fits."""
        stacks, orients, slen = self.stacks, self.orients, self.slen
        end = x0 + w
        top = y + rh
        x = x0
        pieces: list[Piece] = []
        n = area = 0
        while True:
            rem = end - x
            cands: list[tuple[int, int, int, int]] = []
            for s, h in enumerate(heads):
                if h >= slen[s]:
                    continue
                i = stacks[s][h]
                for iw, ih in orients[i]:
                    if iw <= rem and ih <= rh:
                        g1 = rem - iw
                        g2 = rh - ih
                        if (g1 == 0 or g1 >= MINWASTE) and (g2 == 0 or g2 >= MINWASTE):
                            cands.append((ih + (PLATE_H if g1 == 0 else 0), iw, s, i))
            placed = False
            if cands:
                # one that fills the row exactly, else the tallest (the first that a defect allows)
                if defs:
                    cands.sort(reverse=True)
                else:
                    cands = [max(cands)]
                for key, iw, s, i in cands:
                    ih = key - PLATE_H if key > PLATE_H else key
                    if defs and not self._fits(defs, x, y, iw, ih, rh, end):
                        continue
                    pc = Piece(i, x, iw, ih)
                    heads[s] += 1
                    n += 1
                    area += iw * ih
                    room = rh - ih
                    if room >= MINWASTE:
                        two = self._on_top(defs, x, iw, y + ih, room, top, heads)
                        if two is not None:
                            s2, i2, h2 = two
                            pc.item2, pc.h2 = i2, h2
                            heads[s2] += 1
                            n += 1
                            area += iw * h2
                    pieces.append(pc)
                    x += iw
                    placed = True
                    break
            if placed:
                continue
            if not defs or rem < MINWASTE:
                break
            # jump right past the nearest defect in the row band
            ds = [d for d in defs if d.x + d.w > x and d.x < end and d.y < top and d.y + d.h > y]
            if not ds:
                break
            nx = max(x + MINWASTE, math.ceil(min(d.x + d.w for d in ds)))
            while nx < end and not _vcut_ok(defs, nx, y, top):
                nx += 1
            if nx >= end or not _gap_ok(end - nx):
                break
            pieces.append(Piece(-1, x, nx - x, rh))
            x = nx
        if n == 0:
            return None
        if x < end:
            pieces.append(Piece(-1, x, end - x, rh))
        return pieces, n, area

    @staticmethod
    def _fits(defs: Sequence[Defect], x: int, y: int, iw: int, ih: int, rh: int, end: int) -> bool:
        if _hits(defs, x, y, x + iw, y + ih):
            return False
        if x + iw < end and not _vcut_ok(defs, x + iw, y, y + rh):
            return False
        return ih == rh or _hcut_ok(defs, y + ih, x, x + iw)

    def _on_top(
        self, defs: Sequence[Defect], x: int, w: int, y: int, room: int, top: int, heads: list[int]
    ) -> tuple[int, int, int] | None:
        best: tuple[int, int, int] | None = None
        for s, h in enumerate(heads):
            st = self.stacks[s]
            if h >= len(st):
                continue
            i = st[h]
            for iw, ih in self.orients[i]:
                if iw != w or ih > room or not _gap_ok(room - ih):
                    continue
                if best is not None and ih <= best[2]:
                    continue
                if defs and _hits(defs, x, y, x + w, y + ih):
                    continue
                if defs and y + ih < top and not _hcut_ok(defs, y + ih, x, x + w):
                    continue
                best = (s, i, ih)
        return best

    def openers(self, heads: Sequence[int]) -> list[tuple[int, int, int]]:
        """(width, height, item area) of the pieces that may open a row: a stack head alone, or
        two of the same width one above the other (a head and the item after it, or two heads)."""
        if not self.rich:
            stacks, orients, iarea = self.stacks, self.orients, self.iarea
            return [
                (iw, ih, iarea[st[h]])
                for st, h in zip(stacks, heads, strict=True)
                if h < len(st)
                for iw, ih in orients[st[h]]
            ]
        one: list[tuple[int, int, int, int]] = []  # width, height, area, stack
        out: list[tuple[int, int, int]] = []
        for s, h in enumerate(heads):
            st = self.stacks[s]
            if h >= len(st):
                continue
            i = st[h]
            for iw, ih in self.orients[i]:
                one.append((iw, ih, self.iarea[i], s))
                out.append((iw, ih, self.iarea[i]))
                if h + 1 < len(st):
                    i2 = st[h + 1]
                    for iw2, ih2 in self.orients[i2]:
                        if iw2 == iw:
                            out.append((iw, ih + ih2, self.iarea[i] + self.iarea[i2]))
        for k, (iw, ih, a, s) in enumerate(one):
            for iw2, ih2, a2, s2 in one[k + 1 :]:
                if iw2 == iw and s2 != s:
                    out.append((iw, ih + ih2, a + a2))
        return out

    def best_row(
        self, defs: Sequence[Defect], x0: int, w: int, y: int, heads: list[int], knap: bool = True
    ) -> tuple[Row, list[int], int, int] | None:
        """The densest row at height y over all row heights opened by a stack head."""
        heights: dict[int, int] = {}  # row height -> rank of the best item opening it
        free = PLATE_H - y
        for iw, ih, area in self.openers(heads):
            if iw > w or not _gap_ok(w - iw) or ih > free:
                continue
            rh = max(ih, MIN2)
            if not _gap_ok(rh - ih):
                rh = ih + MINWASTE
            if not _gap_ok(free - rh):
                rh = free
                if not _gap_ok(rh - ih):
                    continue
            if rh > free or rh < MIN2:
                continue
            a = area * (iw if self.wide else 1)
            if heights.get(rh, 0) < a:
                heights[rh] = a
        order = sorted(heights, key=lambda r: -heights[r])[: self.row_heights]
        best: tuple[float, Row, list[int], int, int] | None = None
        for rh in order:
            if y + rh < PLATE_H and defs and not _hcut_ok(defs, y + rh, x0, x0 + w):
                continue
            band = [d for d in defs if d.y < y + rh and d.y + d.h > y] if defs else defs
            trial = list(heads)
            got = self.fill_row(band, x0, w, y, rh, trial, knap)
            if got is None:
                continue
            pieces, n, area = got
            dens = area / rh
            if best is None or dens > best[0]:
                best = (dens, Row(y, rh, pieces), trial, n, area)
        if best is None:
            return None
        return best[1], best[2], best[3], best[4]

    # ---------------------------------------------------------------- strips
    def build_strip(
        self, plate: int, x0: int, w: int, heads: tuple[int, ...]
    ) -> tuple[Strip, tuple[int, ...], int, int] | None:
        key = (plate, x0, w, heads, self.wide)
        if key in self._cache:
            return self._cache[key]
        if len(self._cache) > 100_000:  # about 1-2 kB each
            self._cache.clear()
        got = self._build_strip(plate, x0, w, heads)
        self._cache[key] = got
        return got

    def _build_strip(
        self, plate: int, x0: int, w: int, heads: tuple[int, ...]
    ) -> tuple[Strip, tuple[int, ...], int, int] | None:
        defs = [d for d in self.defects(plate) if d.x < x0 + w and d.x + d.w > x0]
        hs = list(heads)
        rows: list[Row] = []
        y = n = area = 0
        while y < PLATE_H:
            got = self.best_row(defs, x0, w, y, hs)
            if got is None:
                # a defect may block the row: try again just above one (a waste row below)
                tops = sorted({math.ceil(d.y + d.h) for d in defs if d.y + d.h > y})
                for ny in tops[:4]:
                    ny = max(ny, y + MINWASTE)
                    if ny >= PLATE_H or not _gap_ok(PLATE_H - ny) or not _hcut_ok(defs, ny, x0, x0 + w):
                        continue
                    got = self.best_row(defs, x0, w, ny, hs)
                    if got is not None:
                        break
                if got is None:
                    break
            row, hs, rn, ra = got
            rows.append(row)
            y = row.y + row.h
            n += rn
            area += ra
        if n == 0:
            return None
        return self._shrink(Strip(x0, w, rows), defs, self.rich), tuple(hs), n, area

    @staticmethod
    def _shrink(strip: Strip, defs: Sequence[Defect], nearest: bool = False) -> Strip:
        """Move the strip's 1-cut left to its rightmost item when every row allows it (``nearest``:
        to the nearest x right of its items that every row and the plate's rest allow)."""
        x0 = strip.x
        ends = [max((p.x + p.w for p in r.pieces if p.item >= 0), default=x0) for r in strip.rows]
        end = x0 + strip.w
        u = max(ends)
        if not nearest:
            if u == end or u - x0 < MIN1 or not _gap_ok(PLATE_W - u):
                return strip
            if not all(_gap_ok(u - e) for e in ends):
                return strip
            if defs and not _vcut_ok(defs, u, 0, PLATE_H):
                return strip
        u = max(u, x0 + MIN1)
        # the nearest cut that leaves every row (and the plate's rest) a feasible waste
        while u < end and not (
            all(_gap_ok(u - e) for e in ends)
            and _gap_ok(PLATE_W - u)
            and (not defs or _vcut_ok(defs, u, 0, PLATE_H))
        ):
            u += 1
        if u >= end:
            return strip
        rows = []
        for r, e in zip(strip.rows, ends, strict=True):
            pcs = [p for p in r.pieces if p.x < e]
            if e < u:
                pcs.append(Piece(-1, e, u - e, r.h))
            rows.append(Row(r.y, r.h, pcs))
        return Strip(x0, u - x0, rows)

    def widths(self, node: Node) -> list[int]:
        """Candidate strip widths at the node's x."""
        x = node.x
        rest = PLATE_W - x
        dims: set[int] = set()
        big: list[tuple[int, int]] = []  # (area, stack) of the heads
        for s, h in enumerate(node.heads):
            st = self.stacks[s]
            for k, i in enumerate(st[h : h + self.ahead]):
                dims.update(iw for iw, _ in self.orients[i])
                if k == 0:
                    big.append((self.iarea[i], s))
        big.sort(reverse=True)
        chosen = [s for _, s in big[: self.pairs]]
        for a, sa in enumerate(chosen):
            ha = node.heads[sa]
            da = [iw for iw, _ in self.orients[self.stacks[sa][ha]]]
            for sb in chosen[a:]:
                hb = node.heads[sb] + (sb == sa)
                if hb >= len(self.stacks[sb]):
                    continue
                for d2 in (iw for iw, _ in self.orients[self.stacks[sb][hb]]):
                    for d1 in da:
                        dims.add(d1 + d2)
        if self.rich:  # two of the next items of any stacks side by side
            near = sorted(
                {
                    iw
                    for s, h in enumerate(node.heads)
                    for i in self.stacks[s][h : h + self.ahead]
                    for iw, _ in self.orients[i]
                }
            )[-NEAR_WIDTHS:]
            dims.update(a + b for k, a in enumerate(near) for b in near[k:] if a + b <= MAX1)
        if MIN1 <= rest <= MAX1:
            dims.add(rest)
        defs = self.defects(node.plate)
        if self.row_widths:  # widths of rows filled greedily in the widest strip possible
            wmax = min(MAX1, rest)
            if wmax >= MIN1:
                band = [d for d in defs if d.x < x + wmax and d.x + d.w > x]
                hs: dict[int, int] = {}
                for s, h in enumerate(node.heads):
                    st = self.stacks[s]
                    if h < len(st):
                        for iw, ih in self.orients[st[h]]:
                            if iw <= wmax:
                                hs[ih] = max(hs.get(ih, 0), self.iarea[st[h]])
                for rh in sorted(hs, key=lambda r: -hs[r])[: self.row_widths]:
                    rr = max(rh, MIN2)
                    if not _gap_ok(rr - rh):
                        rr = rh + MINWASTE
                    if rr > PLATE_H or not _gap_ok(PLATE_H - rr):
                        continue
                    got = self.fill_row(band, x, wmax, 0, rr, list(node.heads), False)
                    if got is not None:
                        pcs = got[0]
                        used = max(p.x + p.w for p in pcs if p.item >= 0) - x
                        dims.add(used)
        if self.rich:
            dims |= {d + MINWASTE for d in dims}  # room for a waste piece beside a narrower row
        out: set[int] = set()
        for d in dims:
            w = d
            if w < MIN1:
                w = MIN1 if MIN1 - d >= MINWASTE else d + MINWASTE
            if w > MAX1 or w > rest:
                continue
            if not _gap_ok(rest - w):
                if rest <= MAX1:
                    w = rest
                else:
                    continue
            if w < rest and not _vcut_ok(defs, x + w, 0, PLATE_H):
                continue
            out.add(w)
        return sorted(out)

    def guide(self, node: Node) -> float:
        """Smaller is better: the waste ratio, favouring nodes that cut large items early."""
        n = len(self.inst.items) - node.left
        if not n:
            return (node.waste + 1) / node.consumed
        mean = node.area / n
        return (node.waste + 1) / node.consumed / mean**self.big

    def screened(self, node: Node) -> list[int]:
        """The ``screen`` candidate widths whose first row (the densest at the bottom) is densest."""
        ws = self.widths(node)
        if len(ws) <= self.screen:
            return ws
        defs = self.defects(node.plate)
        scored: list[tuple[float, int]] = []
        for w in ws:
            key = (node.plate, node.x, w, node.heads, self.wide)
            done = self._cache.get(key)
            if done is not None:
                scored.append((done[3] / (done[0].w * PLATE_H) + 1.0, w))  # built already: keep
                continue
            band = [d for d in defs if d.x < node.x + w and d.x + d.w > node.x]
            got = self.best_row(band, node.x, w, 0, list(node.heads), False)
            if got is not None:
                row, _, _, area = got
                scored.append((area / (w * row.h), w))
        scored.sort(reverse=True)
        return [w for _, w in scored[: self.screen]]

    def expand(self, node: Node) -> list[Node]:
        strips: list[tuple[float, float, Node]] = []
        for w in self.screened(node):
            if self.deadline is not None and time.monotonic() > self.deadline:
                break  # the beam sees the deadline at its next node and gives up
            got = self.build_strip(node.plate, node.x, w, node.heads)
            if got is None:
                continue
            strip, heads, n, area = got
            child = Node(heads, node.plate, node.x + strip.w, node.area + area, node.left - n, node, strip)
            dens = area / (strip.w * PLATE_H)
            strips.append((dens * (area / n) ** self.big, dens * (area / n) ** self.big2, child))
        if not strips:
            return [Node(node.heads, node.plate + 1, 0, node.area, node.left, node, None)]
        strips.sort(key=lambda t: -t[0])
        out = [c for _, _, c in strips[: self.children]]
        if self.children2:
            strips.sort(key=lambda t: -t[1])
            seen = {id(c) for c in out}
            out += [c for _, _, c in strips[: self.children2] if id(c) not in seen]
        return out


def _layout(node: Node) -> Layout:
    plates: list[list[Strip]] = [[] for _ in range(node.plate + 1)]
    cur: Node | None = node
    while cur is not None and cur.parent is not None:
        if cur.strip is not None:
            plates[cur.plate].append(cur.strip)
        cur = cur.parent
    for p in plates:
        p.reverse()
    while plates and not plates[-1]:
        plates.pop()
    return Layout(plates)


def beam(packer: StripPacker, width: int, deadline: float | None, bound: float = math.inf) -> Node | None:
    """One beam search of the given width; None when the deadline passes first or nothing beats
    ``bound`` (waste never decreases along a branch, so nodes at or above it are cut)."""
    inst = packer.inst
    packer.deadline = deadline
    root = Node(tuple(0 for _ in inst.stacks), 0, 0, 0, len(inst.items), None, None)
    level = [root]
    best: Node | None = None
    while level:
        merged: dict[tuple[tuple[int, ...], int], Node] = {}
        for node in level:
            if deadline is not None and time.monotonic() > deadline:
                return None
            for child in packer.expand(node):
                if child.waste >= bound:
                    continue
                if child.left == 0:
                    best = child
                    bound = child.waste
                    continue
                key = (child.heads, child.plate)
                old = merged.get(key)
                if old is None or child.x < old.x:
                    merged[key] = child
        nxt = sorted((c for c in merged.values() if c.waste < bound), key=packer.guide)
        packer.truncated |= len(nxt) > width
        level = nxt[:width]
    return best


#: settings tried in turn at every beam width: how strongly the guide prefers cutting large items
#: early, and whether rows are opened by the items that fill the strip width best (else the largest)
BIG = ((0.3, False), (0.3, True), (1.0, True), (1.0, False))
SAFETY = 1.3  # margin on a beam's estimated time when it is narrowed to end before the deadline
MAX_ROW_HEIGHTS = 30  # the widest candidate sets: row heights tried per row


def search(inst: RInstance, deadline: float) -> list[Layout]:
    """Beams of widths 1, 2, 4, ..., each with every setting of ``BIG``, until the deadline (or until
    even the widest candidate sets need no wider beam).

    Each round runs the settings in the order of their last results (the best first). A beam that
    would not end before the deadline (its time estimated from the setting's last beam, time
    growing with the width) is narrowed to one that should, or left out when that would repeat
    the setting's last beam.

    Returns the improving solutions, best last (the first one is always complete, whatever the
    deadline)."""
    packer = StripPacker(inst)
    out: list[Layout] = []
    best = math.inf
    width = 1
    last: dict[tuple[float, bool], tuple[int, float, float]] = {}  # setting -> width, seconds, waste
    while True:
        packer.truncated = False
        for big, wide in sorted(BIG, key=lambda k: last[k][2] if k in last else -1.0):
            packer.big, packer.wide = big, wide
            w = width
            done = last.get((big, wide))
            if out and done is not None and done[0] < width:
                left = deadline - time.monotonic()
                if done[1] * width / done[0] * SAFETY > left:
                    w = min(width, int(done[0] * left / max(done[1], 1e-3) / SAFETY))
                    if w <= done[0]:
                        continue
            t0 = time.monotonic()
            got = beam(packer, w, deadline if out else None, best)
            if out and time.monotonic() > deadline:
                if got is not None and got.waste < best:
                    out.append(_layout(got))
                return out
            last[big, wide] = (w, time.monotonic() - t0, math.inf if got is None else float(got.waste))
            if got is not None and got.waste < best:
                best = got.waste
                out.append(_layout(got))
        if out and time.monotonic() > deadline - 0.05:
            return out
        if packer.truncated:
            width *= 2
            continue
        # no beam had to drop a node, so wider ones would find nothing new: widen the candidate
        # sets instead (more row heights, children, widths; beyond 12 row heights the widths of
        # items further down the stacks too) and start again from width 1
        if packer.row_heights >= MAX_ROW_HEIGHTS:
            return out
        packer.row_heights += 2
        if packer.row_heights > 12:
            packer.rich = True
            packer.ahead = min(packer.ahead + 1, 4)
        packer.children += 2
        packer.children2 += 1
        packer.screen += 10
        packer.pairs += 2
        packer.clear_cache()
        width = 1
