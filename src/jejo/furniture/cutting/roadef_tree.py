"""ROADEF/EURO 2018: an anytime tree search that cuts one item at a time.

A node is a partial solution in production order. Its *front* is where the next item can go: the
current plate ``p``; the current strip, from ``x1p`` to its 1-cut ``X``; the current row of that
strip, from ``y2p`` up to its 2-cut ``Y``; the right end ``x3c`` of the row's last piece. A child cuts
the next item of one stack, in either orientation, at one of these depths:

* 3 — on top of the row's last item, when that piece holds one item of the same width (the two are
  separated by a 4-cut);
* 2 — as a new piece of the current row, right of its last one;
* 1 — as the first piece of a new row above the current one;
* 0 — as the first piece of a new strip right of the current one;
* −1 — on the next plate (only when no item starts a new strip on this one).

An item that would cover a defect moves right past it (a waste piece of at least 20 mm to its left)
or, as the first item of a row, also up past it (a waste row below). The strip's 1-cut and the row's
2-cut move out with the items, and further where a rule asks: strips 100–3500 mm wide, rows at least
100 mm high, every waste piece at least 20 mm (a cut moved by less than that past an item or a row
that ended there moves 20 mm), no cut through a defect (a cut that would cross one moves past it).

The waste of a node is the area it has consumed (the plates before, the strips before on this plate,
the rows below in this strip up to ``X``, the current row up to ``x3c``) less the area of its items;
it never decreases down a branch, so nodes at or above the best complete waste are cut. Each level of
a beam holds nodes with the same number of items; of the children, those with the same stack heads
are compared and one whose front is nowhere beyond another's (or that is on a later plate) is dropped;
the ``width`` with the best guide survive. Guides: the waste as a share of the consumed area, divided
by a power of the mean item area cut so far (which favours cutting large items early).

``search`` repeats the beam with widths growing by half and with each guide in turn until the deadline
(iterative beam search), keeping every improving complete solution. The expansion, scoring and
selection of a level run compiled (:mod:`jejo.furniture.cutting.roadef_tree_kernel`); this module
holds the instance arrays, the loop over levels and widths, and rebuilds the cut tree of a solution.
Only stack heads are ever cut, and the production order (plate, strip, row, piece) is the order of
construction, so stack sequences hold. Identical stacks are cut in the order of their numbers
(symmetry breaking).
"""

from __future__ import annotations

import time

import numpy as np

from jejo.furniture.cutting import roadef_tree_kernel as K
from jejo.furniture.cutting.roadef import (
    MAX1,
    PLATE_H,
    Layout,
    Piece,
    RInstance,
    Row,
    Strip,
)

#: guides: 0 the waste as a share of the consumed area; 1 that divided by the mean item area cut so
#: far; 2 (0.1 + share) / mean item area; 3 (0.1 + share) / mean squared item area
GUIDES = (0, 1, 2, 3)
CAND_LIMIT = 4_000_000  # children held per level at most (~600 MB; bounds the beam width)
GROWTH = 1.5  # beam width factor between rounds
NOISE = 0.1  # spread of the guide values in the perturbed beams at the widest width


class TreeSearch:
    """One instance as arrays, and its beams."""

    def __init__(self, inst: RInstance) -> None:
        self.inst = inst
        self.n = len(inst.items)
        ns = len(inst.stacks)
        longest = max(len(st) for st in inst.stacks)
        self.stacks = np.full((ns, longest), -1, np.int64)
        for s, st in enumerate(inst.stacks):
            self.stacks[s, : len(st)] = st
        self.slen = np.array([len(st) for st in inst.stacks], np.int64)
        self.ow = np.zeros((self.n, 2), np.int64)
        self.oh = np.zeros((self.n, 2), np.int64)
        self.no = np.zeros(self.n, np.int64)
        for it in inst.items:
            for w, h in ((it.length, it.width), (it.width, it.length)):
                k = int(self.no[it.id])
                if w <= MAX1 and h <= PLATE_H and not (k == 1 and self.ow[it.id, 0] == w):
                    self.ow[it.id, k], self.oh[it.id, k] = w, h
                    self.no[it.id] += 1
        plates = max((d.plate for d in inst.defects), default=0) + 1
        per = [0] * plates
        for d in inst.defects:
            per[d.plate] += 1
        self.dbox = np.zeros((plates, max(1, max(per)), 4), np.float64)
        self.dcnt = np.zeros(plates, np.int64)
        for d in inst.defects:
            k = int(self.dcnt[d.plate])
            self.dbox[d.plate, k] = (d.x, d.y, d.x + d.w, d.y + d.h)
            self.dcnt[d.plate] += 1
        # identical stacks (same item sizes in the same order) are cut in the order of their numbers
        self.pred = np.full(ns, -1, np.int64)
        seen: dict[tuple[tuple[int, ...], ...], int] = {}
        for s, st in enumerate(inst.stacks):
            key = tuple(tuple(sorted((inst.items[i].length, inst.items[i].width))) for i in st)
            if key in seen:
                self.pred[s] = seen[key]
            seen[key] = s
        self.rnd = np.random.default_rng(0).integers(1, 2**62, ns, dtype=np.int64)
        smallest = min(min(it.length, it.width) for it in inst.items)
        self.vcap = 2 * (MAX1 // smallest) + 4  # 3-cuts in a row at most
        self.per_node = 8.0  # children per node, the most seen at a level so far
        self.bound = np.iinfo(np.int64).max
        self.truncated = False

    @property
    def max_width(self) -> int:
        """The widest beam whose levels fit ``CAND_LIMIT`` children."""
        return max(1, int(CAND_LIMIT / self.per_node))

    def beam(
        self, width: int, guide: int, deadline: float | None, noise: float = 0.0, seed: int = 0
    ) -> list[np.ndarray] | None:
        """One beam; the records of the levels down to an improving complete solution (its node is
        the first of the last level), or None (nothing beat the bound, or the deadline passed).
        ``noise`` > 0 scales each guide value by a factor in 1 ± noise / 2 drawn from the node's stack
        heads and ``seed`` (another beam of the same width)."""
        ns = self.stacks.shape[0]
        heads = np.zeros((1, ns), np.int16)
        lv = np.zeros((1, K.L_FIELDS), np.int64)
        lv[0, K.L_P] = -1
        zr = np.zeros((1, 40, 2), np.int64)
        hl = np.zeros((1, 80), np.int64)
        vl = np.zeros((1, self.vcap), np.int64)
        area2 = np.zeros(1, np.float64)
        width = min(width, self.max_width)
        cand = np.empty((int(width * self.per_node) + 64, K.C_FIELDS), np.int64)
        guides = np.empty(cand.shape[0], np.float64)
        recs: list[np.ndarray] = []
        per_node = 0.0  # seconds per node of the last level: a level that may end past the deadline
        for n in range(self.n):  # (twice that estimate) is not begun
            t0 = time.monotonic()
            nodes = lv.shape[0]
            if deadline is not None and t0 + 2 * per_node * nodes > deadline:
                return None
            count = K.candidates(
                self.stacks, self.slen, self.pred, self.ow, self.oh, self.no, self.rnd, self.dbox, self.dcnt,
                heads, lv, zr, hl, vl, area2, lv.shape[0], n, guide, self.bound, cand, guides, self.vcap,
            )  # fmt: skip
            if count > cand.shape[0]:  # more children than room: grow the buffers, expand again
                cand = np.empty((count + count // 4, K.C_FIELDS), np.int64)
                guides = np.empty(cand.shape[0], np.float64)
                count = K.candidates(
                    self.stacks, self.slen, self.pred, self.ow, self.oh, self.no, self.rnd, self.dbox,
                    self.dcnt, heads, lv, zr, hl, vl, area2, lv.shape[0], n, guide, self.bound, cand, guides,
                    self.vcap,
                )  # fmt: skip
            self.per_node = max(self.per_node, count / lv.shape[0])
            if count == 0:
                return None
            if noise:
                _perturb(guides[:count], cand[:count, K.C_HASH], noise, seed)
            if n + 1 == self.n:
                c = cand[:count]
                final = (
                    c[:, K.C_P] * K.PLATE_AREA
                    + c[:, K.C_X1] * PLATE_H
                    - (lv[c[:, K.C_PAR], K.L_AREA] + c[:, K.C_W] * c[:, K.C_H])
                )
                best = int(np.argmin(final))
                if final[best] >= self.bound:
                    return None
                self.bound = int(final[best])
                kept = np.array([best], np.int64)
            else:
                kept, cut = K.select(cand, guides, count, width, self.bound)
                self.truncated |= cut
                if kept.shape[0] == 0:
                    return None
            rec = np.empty((kept.shape[0], K.R_FIELDS), np.int64)
            heads, lv, zr, hl, vl, area2 = K.materialize(cand, kept, heads, lv, zr, hl, vl, area2, rec)
            recs.append(rec)
            per_node = (time.monotonic() - t0) / nodes
        return recs

    def search(self, deadline: float, guides: tuple[int, ...] = (0, 1)) -> list[Layout]:
        """Iterative beam search until the deadline; the improving solutions, best last (the first
        one is always complete, whatever the deadline). Once the beam is as wide as memory allows,
        beams of that width go on with every guide and perturbed guide values."""
        out: list[Layout] = []
        width = 1.0
        seed = 0
        while True:
            self.truncated = False
            widest = int(width) >= self.max_width
            for g in GUIDES if widest else guides:
                got = self.beam(int(width), g, deadline if out else None, NOISE if seed else 0.0, seed)
                if got is not None:
                    out.append(self.layout(got))
                if time.monotonic() > deadline:
                    return out
            if not self.truncated:
                return out
            if widest:
                seed += 1
            else:
                width = min(width * GROWTH, self.max_width)

    def layout(self, recs: list[np.ndarray]) -> Layout:
        """The cut tree of the solution whose node is the first of the last level."""
        chain = []
        i = 0
        for rec in reversed(recs):
            chain.append(rec[i])
            i = int(rec[i, K.R_PAR])
        chain.reverse()
        plates: list[list[Strip]] = []
        for r in chain:
            df, j, x, y, w, h, x1p = (int(v) for v in r[K.R_DF : K.R_X1P + 1])
            while df == -1 and len(plates) <= r[K.R_P]:  # plates passed over stay empty
                plates.append([])
            strips = plates[-1]
            if df <= 0:
                end = strips[-1].x + strips[-1].w if strips else 0
                if x1p > end:  # a waste strip over defects
                    strips.append(Strip(end, x1p - end, []))
                strips.append(Strip(x1p, 0, []))
            strip = strips[-1]
            if df <= 1:
                strip.rows.append(Row(y, 0, []))
            row = strip.rows[-1]
            if df == 3:
                row.pieces[-1].item2, row.pieces[-1].h2 = j, h
            else:
                end = row.pieces[-1].x + row.pieces[-1].w if row.pieces else strip.x
                if x > end:
                    row.pieces.append(Piece(-1, end, x - end, 0))
                row.pieces.append(Piece(j, x, w, h, up=int(r[K.R_UP])))
            strip.w = int(r[K.R_X1]) - x1p
            row.h = int(r[K.R_Y2]) - row.y
        for strips in plates:
            for strip in strips:
                for row in strip.rows:
                    end = row.pieces[-1].x + row.pieces[-1].w
                    if end < strip.x + strip.w:
                        row.pieces.append(Piece(-1, end, strip.x + strip.w - end, row.h))
        return Layout(plates)


def _perturb(values: np.ndarray, keys: np.ndarray, noise: float, seed: int) -> None:
    """Scale ``values`` in place by 1 + noise · (u − 0.5), u in [0, 1) hashed from key and seed."""
    mixed = (keys.astype(np.uint64) ^ np.uint64(seed * 0x2545F4914F6CDD1D)) * np.uint64(0x9E3779B97F4A7C15)
    values *= 1.0 + noise * ((mixed >> np.uint64(11)).astype(np.float64) / 2.0**53 - 0.5)


def warm_up() -> float:
    """Compile (or load from the cache) the search's machine code now; return the seconds it took.

    Run once after installing (``scripts/setup.sh`` does), so that the first solve does not spend its
    time limit compiling. One beam over three items with a defect compiles every function."""
    from jejo.furniture.cutting.roadef import Defect, GItem

    t = time.monotonic()
    items = [GItem(0, 500, 400, 0, 1), GItem(1, 400, 300, 0, 2), GItem(2, 500, 200, 1, 1)]
    inst = RInstance(items, [Defect(0, 450, 50, 10, 10)], [[0, 1], [2]])
    TreeSearch(inst).beam(4, 0, None, NOISE, 1)
    return time.monotonic() - t


def search(inst: RInstance, deadline: float) -> list[Layout]:
    """The improving solutions of the iterative beam search until ``deadline``, best last."""
    return TreeSearch(inst).search(deadline)
