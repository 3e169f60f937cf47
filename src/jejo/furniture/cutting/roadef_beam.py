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
the mean cut item area) survive each step. ``search`` repeats the beam with growing widths and
several guides until the deadline and keeps every improving complete solution.

Defects: pieces never cover one, no cut crosses one (a piece moves right past a defect, leaving a
waste piece of at least 20 mm; a row blocked by one starts above it). Only stack heads are ever cut,
so stack sequences hold by construction: production order is plate, strip, row, piece, exactly the
order of construction.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

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


def _gap_ok(gap: int) -> bool:
    return gap == 0 or gap >= MINWASTE


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
        self.truncated = False  # did a beam drop nodes for lack of width?
        self.deadline: float | None = None  # of the running beam
        self.wide = False  # rank row heights by the width their opener fills (else by its area)
        self._defs: dict[int, list[Defect]] = {}
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
        self, defs: Sequence[Defect], x0: int, w: int, y: int, rh: int, heads: list[int]
    ) -> tuple[list[Piece], int, int] | None:
        """Pieces of a row [x0, x0+w) x [y, y+rh); ``heads`` advance in place. None if empty."""
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
                cands.sort(reverse=True)  # one that fills the row exactly, else the tallest
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

    def best_row(
        self, defs: Sequence[Defect], x0: int, w: int, y: int, heads: list[int]
    ) -> tuple[Row, list[int], int, int] | None:
        """The densest row at height y over all row heights opened by a stack head."""
        heights: dict[int, int] = {}  # row height -> rank of the best item opening it
        free = PLATE_H - y
        for s, h in enumerate(heads):
            st = self.stacks[s]
            if h >= len(st):
                continue
            for iw, ih in self.orients[st[h]]:
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
                a = self.iarea[st[h]] * (iw if self.wide else 1)
                if heights.get(rh, 0) < a:
                    heights[rh] = a
        order = sorted(heights, key=lambda r: -heights[r])[: self.row_heights]
        best: tuple[float, Row, list[int], int, int] | None = None
        for rh in order:
            if y + rh < PLATE_H and defs and not _hcut_ok(defs, y + rh, x0, x0 + w):
                continue
            band = [d for d in defs if d.y < y + rh and d.y + d.h > y] if defs else defs
            trial = list(heads)
            got = self.fill_row(band, x0, w, y, rh, trial)
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
        return self._shrink(Strip(x0, w, rows), defs), tuple(hs), n, area

    @staticmethod
    def _shrink(strip: Strip, defs: Sequence[Defect]) -> Strip:
        """Move the strip's 1-cut left to its rightmost item when every row allows it."""
        x0 = strip.x
        ends = [max((p.x + p.w for p in r.pieces if p.item >= 0), default=x0) for r in strip.rows]
        u = max(ends)
        if u == x0 + strip.w or u - x0 < MIN1 or not _gap_ok(PLATE_W - u):
            return strip
        if not all(_gap_ok(u - e) for e in ends):
            return strip
        if defs and not _vcut_ok(defs, u, 0, PLATE_H):
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
                    got = self.fill_row(band, x, wmax, 0, rr, list(node.heads))
                    if got is not None:
                        pcs = got[0]
                        used = max(p.x + p.w for p in pcs if p.item >= 0) - x
                        dims.add(used)
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
            got = self.best_row(band, node.x, w, 0, list(node.heads))
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


def search(inst: RInstance, deadline: float) -> list[Layout]:
    """Beams of widths 1, 2, 4, ..., each with every setting of ``BIG``, until the deadline (or until
    even the widest candidate sets need no wider beam).

    Returns the improving solutions, best last (the first one is always complete, whatever the
    deadline)."""
    packer = StripPacker(inst)
    out: list[Layout] = []
    best = math.inf
    width = 1
    while True:
        packer.truncated = False
        for big, wide in BIG:
            packer.big, packer.wide = big, wide
            got = beam(packer, width, deadline if out else None, best)
            if got is not None and got.waste < best:
                best = got.waste
                out.append(_layout(got))
            if out and time.monotonic() > deadline:
                return out
        if packer.truncated:
            width *= 2
            continue
        # no beam had to drop a node, so wider ones would find nothing new: widen the candidate
        # sets instead (more row heights, children, widths) and start again from width 1
        if packer.row_heights >= 12:
            return out
        packer.row_heights += 2
        packer.children += 2
        packer.children2 += 1
        packer.screen += 10
        packer.pairs += 2
        packer.clear_cache()
        width = 1
