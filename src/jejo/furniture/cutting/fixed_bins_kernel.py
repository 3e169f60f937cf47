"""Compiled kernel of the fixed-bin search (see ``fixed_bins``): pack an item sequence first-fit into k
bins, and improve the sequence by local search until every item is packed.

Arrays: ``ws``, ``hs`` item sizes, ``rots`` 1 where an item may turn; ``order`` a permutation of item
numbers. A bin keeps its free rectangles as rows ``(x, y, w, h)`` of ``free[b]``: maximal rectangles
(free packing, MaxRects) or disjoint rectangles each split by one edge-to-edge cut (guillotine, so every
pattern can be cut by a saw). Rule and split codes are indices into ``heuristics.FREE_RULES`` (0 best
short side fit, 1 best area fit, 2 bottom-left) and ``heuristics.GUILLOTINE_SPLITS`` (0 shorter
leftover axis, 1 longer leftover axis, 2 shorter axis, 3 longer axis, 4 min area, 5 max area), the
same rules as the one-sheet fills there: each part in turn takes the best place for it.

One more rule turns this round: a place takes the best part for it. ``SKYLINE`` (free packing): the
lowest gap of a skyline takes the unpacked part that fits it best; among parts that fit equally well
the earliest in ``order`` wins, so the local search still steers it. Tightly filled sheets (class 4 of
the 2BP benchmark: 98 % of the area used) are found at once this way where first-fit needs many
thousands of sequences. ``SHELF_LOW`` / ``SHELF_HIGH`` (guillotine): shelves across the sheet,
columns in a shelf, parts stacked in a column and side by side in its top row, each part where it
fits best; the two differ in how a new shelf's first part lies. ``repack_bins`` is a second search
over a packing rather than a sequence.
"""

from __future__ import annotations

import numpy as np
from numba import njit

CAP = 256  # free rectangles kept per bin (MaxRects prunes contained ones; the largest are kept)
BIG = 1 << 40
SKYLINE = 3  # rule code: best-fit skyline (free packing)
CHECKED = -1  # split code: place freely (MaxRects, skyline), keep only the bins a saw can cut
SHELF_LOW = 4  # rule code: three-stage shelves, a new shelf as low as the part allows (guillotine)
SHELF_HIGH = 5  # rule code: three-stage shelves, a new shelf as high as the part allows (guillotine)


@njit(cache=True, nogil=True)
def _score(rule: int, fw: int, fh: int, w: int, h: int, fx: int, fy: int) -> tuple[int, int]:
    if rule == 0:
        a, b = fw - w, fh - h
        return (a, b) if a < b else (b, a)
    if rule == 1:
        a, b = fw - w, fh - h
        return (fw * fh - w * h, a if a < b else b)
    return (fy + h, fx)


@njit(cache=True, nogil=True)
def _find(
    free: np.ndarray, nf: int, w: int, h: int, rot: bool, rule: int
) -> tuple[int, int, int, int, int, int]:
    """Best free rectangle for an item: (slot, s1, s2, pw, ph, rotated); slot -1 when it fits nowhere."""
    best1, best2, slot, pw, ph, turned = BIG, BIG, -1, 0, 0, 0
    for k in range(nf):
        fx, fy, fw, fh = free[k, 0], free[k, 1], free[k, 2], free[k, 3]
        if w <= fw and h <= fh:
            s1, s2 = _score(rule, fw, fh, w, h, fx, fy)
            if s1 < best1 or (s1 == best1 and s2 < best2):
                best1, best2, slot, pw, ph, turned = s1, s2, k, w, h, 0
        if rot and w != h and h <= fw and w <= fh:
            s1, s2 = _score(rule, fw, fh, h, w, fx, fy)
            if s1 < best1 or (s1 == best1 and s2 < best2):
                best1, best2, slot, pw, ph, turned = s1, s2, k, h, w, 1
    return slot, best1, best2, pw, ph, turned


@njit(cache=True, nogil=True)
def _place_maxrects(
    free: np.ndarray, nf: int, px: int, py: int, pw: int, ph: int, min_side: int, tmp: np.ndarray
) -> int:
    """Split every free rectangle the item overlaps, drop slivers and contained ones; new count."""
    m = 0
    px2, py2 = px + pw, py + ph
    for k in range(nf):
        fx, fy, fw, fh = free[k, 0], free[k, 1], free[k, 2], free[k, 3]
        fx2, fy2 = fx + fw, fy + fh
        if px >= fx2 or px2 <= fx or py >= fy2 or py2 <= fy:
            tmp[m, 0], tmp[m, 1], tmp[m, 2], tmp[m, 3] = fx, fy, fw, fh
            m += 1
            continue
        if px > fx and px - fx >= min_side and fh >= min_side:
            tmp[m, 0], tmp[m, 1], tmp[m, 2], tmp[m, 3] = fx, fy, px - fx, fh
            m += 1
        if px2 < fx2 and fx2 - px2 >= min_side and fh >= min_side:
            tmp[m, 0], tmp[m, 1], tmp[m, 2], tmp[m, 3] = px2, fy, fx2 - px2, fh
            m += 1
        if py > fy and py - fy >= min_side and fw >= min_side:
            tmp[m, 0], tmp[m, 1], tmp[m, 2], tmp[m, 3] = fx, fy, fw, py - fy
            m += 1
        if py2 < fy2 and fy2 - py2 >= min_side and fw >= min_side:
            tmp[m, 0], tmp[m, 1], tmp[m, 2], tmp[m, 3] = fx, py2, fw, fy2 - py2
            m += 1
    areas = np.empty(m, np.int64)
    for k in range(m):
        areas[k] = -tmp[k, 2] * tmp[k, 3]
    idx = np.argsort(areas, kind="mergesort")
    n = 0
    for q in range(m):
        k = idx[q]
        fx, fy, fw, fh = tmp[k, 0], tmp[k, 1], tmp[k, 2], tmp[k, 3]
        inside = False
        for g in range(n):
            if (
                free[g, 0] <= fx
                and free[g, 1] <= fy
                and fx + fw <= free[g, 0] + free[g, 2]
                and fy + fh <= free[g, 1] + free[g, 3]
            ):
                inside = True
                break
        if not inside and n < free.shape[0]:
            free[n, 0], free[n, 1], free[n, 2], free[n, 3] = fx, fy, fw, fh
            n += 1
    return n


@njit(cache=True, nogil=True)
def _place_guillotine(free: np.ndarray, nf: int, slot: int, pw: int, ph: int, split: int) -> int:
    """Take the item out of free rectangle ``slot`` with one cut across the rest; new count."""
    fx, fy, fw, fh = free[slot, 0], free[slot, 1], free[slot, 2], free[slot, 3]
    nf -= 1
    free[slot] = free[nf]
    lw, lh = fw - pw, fh - ph
    if split == 0:
        horizontal = lw <= lh
    elif split == 1:
        horizontal = lw > lh
    elif split == 2:
        horizontal = fw <= fh
    elif split == 3:
        horizontal = fw > fh
    elif split == 4:
        horizontal = pw * lh > lw * ph
    else:
        horizontal = pw * lh <= lw * ph
    if horizontal:
        rw, rh, tw, th = lw, ph, fw, lh
    else:
        rw, rh, tw, th = lw, fh, pw, lh
    if rw > 0 and rh > 0 and nf < free.shape[0]:
        free[nf, 0], free[nf, 1], free[nf, 2], free[nf, 3] = fx + pw, fy, rw, rh
        nf += 1
    if tw > 0 and th > 0 and nf < free.shape[0]:
        free[nf, 0], free[nf, 1], free[nf, 2], free[nf, 3] = fx, fy + ph, tw, th
        nf += 1
    return nf


@njit(cache=True, nogil=True)
def _fitness(w: int, h: int, gw: int, hl: int, hr: int) -> int:
    """How well a w × h item fits a skyline gap of width ``gw`` between walls ``hl`` (left) and ``hr``
    (right) high: exact width counts most, then a top level with a neighbour."""
    hi = hl if hl > hr else hr
    lo = hr if hl > hr else hl
    f = 0
    if w == gw:
        f = 4 if h == hi else (3 if h == lo else 2)
    elif h == hi:
        f = 1
    return f


@njit(cache=True, nogil=True)
def pack_skyline(
    W: int,
    H: int,
    ws: np.ndarray,
    hs: np.ndarray,
    rots: np.ndarray,
    order: np.ndarray,
    k: int,
    out: np.ndarray,
) -> int:
    """Best-fit skyline packing into ``k`` bins, one bin after the other: the lowest gap of the skyline
    takes the best-fitting part still unpacked (earliest in ``order`` among equals), next to its taller
    wall; a gap no part fits is raised to its lower neighbour. Returns the area left unpacked."""
    n = order.shape[0]
    packed = np.zeros(n, np.bool_)
    for i in range(n):
        out[i, 0] = -1
    sx = np.empty(n + 2, np.int64)
    sy = np.empty(n + 2, np.int64)
    sw = np.empty(n + 2, np.int64)
    remaining = n
    for b in range(k):
        if remaining == 0:
            break
        ns = 1
        sx[0], sy[0], sw[0] = 0, 0, W
        while remaining > 0:
            j = 0
            for q in range(1, ns):
                if sy[q] < sy[j]:
                    j = q
            y = sy[j]
            if y >= H:
                break
            gw = sw[j]
            hl = sy[j - 1] - y if j > 0 else H - y
            hr = sy[j + 1] - y if j < ns - 1 else H - y
            bf, bi, bw, bh, brot = -1, -1, 0, 0, 0
            for t in range(n):
                i = order[t]
                if packed[i]:
                    continue
                w, h = ws[i], hs[i]
                if w <= gw and y + h <= H:
                    f = _fitness(w, h, gw, hl, hr)
                    if f > bf:
                        bf, bi, bw, bh, brot = f, i, w, h, 0
                if rots[i] != 0 and w != h and h <= gw and y + w <= H:
                    f = _fitness(h, w, gw, hl, hr)
                    if f > bf:
                        bf, bi, bw, bh, brot = f, i, h, w, 1
                if bf == 4:
                    break
            if bi < 0:
                # nothing fits: raise the gap to its lower neighbour and merge
                if j > 0 and j < ns - 1:
                    ny = sy[j - 1] if sy[j - 1] < sy[j + 1] else sy[j + 1]
                elif j > 0:
                    ny = sy[j - 1]
                elif j < ns - 1:
                    ny = sy[j + 1]
                else:
                    ny = H
                sy[j] = ny
            else:
                packed[bi] = True
                remaining -= 1
                left_side = hl >= hr
                px = sx[j] if left_side else sx[j] + gw - bw
                out[bi, 0], out[bi, 1], out[bi, 2] = b, px, y
                out[bi, 3], out[bi, 4], out[bi, 5] = bw, bh, brot
                if bw == gw:
                    sy[j] = y + bh
                else:
                    # split the segment: the item's part and the rest
                    for q in range(ns, j + 1, -1):
                        sx[q], sy[q], sw[q] = sx[q - 1], sy[q - 1], sw[q - 1]
                    ns += 1
                    if left_side:
                        sx[j], sy[j], sw[j] = px, y + bh, bw
                        sx[j + 1], sy[j + 1], sw[j + 1] = px + bw, y, gw - bw
                    else:
                        sx[j], sy[j], sw[j] = sx[j], y, gw - bw
                        sx[j + 1], sy[j + 1], sw[j + 1] = px, y + bh, bw
            # merge neighbours at the same height
            q = 0
            while q < ns - 1:
                if sy[q] == sy[q + 1]:
                    sw[q] += sw[q + 1]
                    for r in range(q + 1, ns - 1):
                        sx[r], sy[r], sw[r] = sx[r + 1], sy[r + 1], sw[r + 1]
                    ns -= 1
                else:
                    q += 1
    left = 0
    for i in range(n):
        if not packed[i]:
            left += ws[i] * hs[i]
    return left


@njit(cache=True, nogil=True)
def pack_shelf(
    W: int,
    H: int,
    ws: np.ndarray,
    hs: np.ndarray,
    rots: np.ndarray,
    order: np.ndarray,
    k: int,
    high: bool,
    out: np.ndarray,
) -> int:
    """Shelf packing into ``k`` bins, part by part in ``order``: a bin is cut across into shelves, a
    shelf into columns, a column across into rows; a row holds the parts side by side (a part narrower
    than its column leaves room beside it). A part goes beside the parts of a column's top row where
    it fits best (the least height left above it, then the least width beside it), else on top of the
    column where it fits best (the least trim beside it, then the least room above), else into a new
    column of the shelf whose height it fills best, else opens a new shelf in the first bin with room:
    lying as low as it can (``high`` False) or standing as high as it can. Every pattern is
    guillotine. Returns the area left unpacked."""
    n = order.shape[0]
    used = np.zeros(k, np.int64)  # height of the shelves in each bin
    s_bin = np.empty(n, np.int64)
    s_y = np.empty(n, np.int64)
    s_h = np.empty(n, np.int64)
    s_x = np.empty(n, np.int64)  # right end of the shelf's last column
    c_shelf = np.empty(n, np.int64)
    c_x = np.empty(n, np.int64)
    c_w = np.empty(n, np.int64)
    c_top = np.empty(n, np.int64)  # height used in the column
    c_rh = np.empty(n, np.int64)  # height of the column's top row
    c_rx = np.empty(n, np.int64)  # width used in that row
    ns = 0
    nc = 0
    left = 0
    for t in range(n):
        i = order[t]
        w0, h0 = ws[i], hs[i]
        turns = 2 if rots[i] != 0 and w0 != h0 else 1  # orientations to try: as given, turned
        dims = ((w0, h0), (h0, w0))
        out[i, 0] = -1
        # 1. beside the parts of a column's top row (room a narrower part left), best fit: the least
        # height left above the part, then the least width left beside it
        bc, bs, bw, bh, br = -1, BIG, -1, -1, 0
        for c in range(nc):
            room = c_w[c] - c_rx[c]
            for o in range(turns):
                pw, ph = dims[o]
                if pw <= room and ph <= c_rh[c]:
                    sc = (c_rh[c] - ph) * W + room - pw
                    if sc < bs:
                        bc, bs, bw, bh, br = c, sc, pw, ph, o
        if bc >= 0:
            s = c_shelf[bc]
            out[i, 0], out[i, 1] = s_bin[s], c_x[bc] + c_rx[bc]
            out[i, 2] = s_y[s] + c_top[bc] - c_rh[bc]
            out[i, 3], out[i, 4], out[i, 5] = bw, bh, br
            c_rx[bc] += bw
            continue
        # 2. on top of a column
        bc, bs, bw, bh, br = -1, BIG, -1, -1, 0
        for c in range(nc):
            s = c_shelf[c]
            room = s_h[s] - c_top[c]
            for o in range(turns):
                pw, ph = dims[o]
                if pw <= c_w[c] and ph <= room:
                    # best fit: the least trim beside the part, then the least room above it
                    sc = (c_w[c] - pw) * H + room - ph
                    if sc < bs:
                        bc, bs, bw, bh, br = c, sc, pw, ph, o
        if bc >= 0:
            s = c_shelf[bc]
            out[i, 0], out[i, 1], out[i, 2] = s_bin[s], c_x[bc], s_y[s] + c_top[bc]
            out[i, 3], out[i, 4], out[i, 5] = bw, bh, br
            c_top[bc] += bh
            c_rh[bc], c_rx[bc] = bh, bw
            continue
        # 3. a new column in a shelf
        bc, bs = -1, BIG
        for s in range(ns):
            room = W - s_x[s]
            for o in range(turns):
                pw, ph = dims[o]
                if pw <= room and ph <= s_h[s]:
                    # best fit: the least height left over in the shelf, then the narrower part
                    sc = (s_h[s] - ph) * W + pw
                    if sc < bs:
                        bc, bs, bw, bh, br = s, sc, pw, ph, o
        if bc >= 0:
            s = bc
            out[i, 0], out[i, 1], out[i, 2] = s_bin[s], s_x[s], s_y[s]
            out[i, 3], out[i, 4], out[i, 5] = bw, bh, br
            c_shelf[nc], c_x[nc], c_w[nc], c_top[nc] = s, s_x[s], bw, bh
            c_rh[nc], c_rx[nc] = bh, bw
            nc += 1
            s_x[s] += bw
            continue
        # 4. a new shelf in the first bin with room
        bw, bh, br = -1, -1, 0
        for b in range(k):
            for o in range(turns):
                pw, ph = dims[o]
                if pw > W or used[b] + ph > H:
                    continue
                if bw < 0 or (ph < bh if not high else ph > bh):
                    bw, bh, br = pw, ph, o
            if bw > 0:
                out[i, 0], out[i, 1], out[i, 2] = b, 0, used[b]
                out[i, 3], out[i, 4], out[i, 5] = bw, bh, br
                s_bin[ns], s_y[ns], s_h[ns], s_x[ns] = b, used[b], bh, bw
                c_shelf[nc], c_x[nc], c_w[nc], c_top[nc] = ns, 0, bw, bh
                c_rh[nc], c_rx[nc] = bh, bw
                ns += 1
                nc += 1
                used[b] += bh
                break
        if bw < 0:
            left += w0 * h0
    return left


@njit(cache=True, nogil=True)
def _cuttable(out: np.ndarray, members: np.ndarray) -> bool:
    """Whether the parts ``members`` of one bin (rows of ``out``) separate by recursive edge-to-edge
    cuts. Any cut that crosses no part keeps both sides cuttable if the whole is, so the first cut
    found on either axis will do."""
    m = members.shape[0]
    perm = members.copy()
    seg = np.empty((2 * m + 2, 2), np.int64)  # groups still to cut: [start, end) of perm
    seg[0, 0], seg[0, 1] = 0, m
    ns = 1
    while ns > 0:
        ns -= 1
        a, e = seg[ns, 0], seg[ns, 1]
        if e - a <= 1:
            continue
        split = -1
        for axis in range(2):
            lo = 1 + axis  # x (column 1) or y (column 2) of out
            size = 3 + axis  # w or h
            part = perm[a:e]
            key = np.empty(e - a, np.int64)
            for q in range(e - a):
                key[q] = out[part[q], lo]
            part = part[np.argsort(key, kind="mergesort")]
            far = out[part[0], lo] + out[part[0], size]
            for q in range(1, e - a):
                if out[part[q], lo] >= far:
                    split = q
                    break
                end = out[part[q], lo] + out[part[q], size]
                if end > far:
                    far = end
            if split > 0:
                perm[a:e] = part
                break
        if split <= 0:
            return False
        seg[ns, 0], seg[ns, 1] = a, a + split
        seg[ns + 1, 0], seg[ns + 1, 1] = a + split, e
        ns += 2
    return True


@njit(cache=True, nogil=True)
def drop_uncuttable(ws: np.ndarray, hs: np.ndarray, k: int, out: np.ndarray) -> int:
    """Take the parts out of every bin of ``out`` that edge-to-edge cuts cannot separate (they count
    as left unpacked); returns their area. Only the first ``len(ws)`` rows of ``out`` are read."""
    n = ws.shape[0]
    cnt = np.zeros(k, np.int64)
    for i in range(n):
        if out[i, 0] >= 0:
            cnt[out[i, 0]] += 1
    dropped = 0
    for b in range(k):
        if cnt[b] <= 2:  # one or two parts always separate
            continue
        members = np.empty(cnt[b], np.int64)
        c = 0
        for i in range(n):
            if out[i, 0] == b:
                members[c] = i
                c += 1
        if not _cuttable(out, members):
            for q in range(c):
                i = members[q]
                out[i, 0] = -1
                dropped += ws[i] * hs[i]
    return dropped


@njit(cache=True, nogil=True)
def pack(
    W: int,
    H: int,
    ws: np.ndarray,
    hs: np.ndarray,
    rots: np.ndarray,
    order: np.ndarray,
    k: int,
    guillotine: bool,
    split: int,
    rule: int,
    out: np.ndarray,
) -> int:
    """Pack ``order`` by ``rule`` into ``k`` bins; ``out[i]`` = (bin, x, y, w, h, rotated), bin -1
    when item i did not fit. With ``guillotine``, split ``CHECKED`` (or the skyline) places freely and
    then empties every bin that edge-to-edge cuts cannot separate. Returns the area left unpacked."""
    if rule == SKYLINE:
        left = pack_skyline(W, H, ws, hs, rots, order, k, out)
        if guillotine:  # a skyline sheet counts only where a panel saw can cut it
            left += drop_uncuttable(ws, hs, k, out)
        return left
    if rule in (SHELF_LOW, SHELF_HIGH):
        return pack_shelf(W, H, ws, hs, rots, order, k, rule == SHELF_HIGH, out)
    free = np.empty((k, CAP, 4), np.int64)
    nf = np.ones(k, np.int64)
    tmp = np.empty((4 * CAP + 4, 4), np.int64)
    min_side = BIG
    for i in range(ws.shape[0]):
        s = ws[i] if ws[i] < hs[i] else hs[i]
        if s < min_side:
            min_side = s
    for b in range(k):
        free[b, 0, 0], free[b, 0, 1], free[b, 0, 2], free[b, 0, 3] = 0, 0, W, H
    left = 0
    for t in range(order.shape[0]):
        i = order[t]
        w, h, rot = ws[i], hs[i], rots[i] != 0
        out[i, 0] = -1
        for b in range(k):
            if nf[b] == 0:
                continue
            slot, _, _, pw, ph, turned = _find(free[b], nf[b], w, h, rot, rule)
            if slot < 0:
                continue
            px, py = free[b, slot, 0], free[b, slot, 1]
            out[i, 0], out[i, 1], out[i, 2], out[i, 3], out[i, 4], out[i, 5] = b, px, py, pw, ph, turned
            if guillotine and split != CHECKED:
                nf[b] = _place_guillotine(free[b], nf[b], slot, pw, ph, split)
            else:
                nf[b] = _place_maxrects(free[b], nf[b], px, py, pw, ph, min_side, tmp)
            break
        if out[i, 0] < 0:
            left += w * h
    if guillotine and split == CHECKED:  # MaxRects sheets count only where a panel saw can cut them
        left += drop_uncuttable(ws, hs, k, out)
    return left


@njit(cache=True, nogil=True)
def improve(
    W: int,
    H: int,
    ws: np.ndarray,
    hs: np.ndarray,
    rots: np.ndarray,
    order: np.ndarray,
    k: int,
    guillotine: bool,
    split: int,
    rule: int,
    iters: int,
    seed: int,
    out: np.ndarray,
) -> int:
    """Local search over ``order`` (changed in place to the best found): swap two items, or bring an
    item left unpacked forward (trading places with an earlier one, or moving in front of it); a move
    is kept when the unpacked area does not grow (so the search walks across plateaus). Stops after
    ``iters`` moves or when everything is packed; ``out`` holds the best sequence's packing. Returns
    its unpacked area."""
    np.random.seed(seed)
    n = order.shape[0]
    cur = pack(W, H, ws, hs, rots, order, k, guillotine, split, rule, out)
    best = cur
    best_order = order.copy()
    best_out = out.copy()
    cur_out = out.copy()
    prev = order.copy()
    trial = np.empty_like(out)
    for _ in range(iters):
        if cur == 0 or n < 2:
            break
        prev[:] = order
        u = np.random.random()
        if u < 0.4:
            a = np.random.randint(n)
            b = np.random.randint(n)
            order[a], order[b] = order[b], order[a]
        else:
            # an item left out moves to a random earlier place
            cnt = 0
            for t in range(n):
                if cur_out[order[t], 0] < 0:
                    cnt += 1
            if cnt == 0:
                continue
            pick = np.random.randint(cnt)
            j = -1
            for t in range(n):
                if cur_out[order[t], 0] < 0:
                    if pick == 0:
                        j = t
                        break
                    pick -= 1
            if j <= 0:
                continue
            i = np.random.randint(j)
            if u < 0.7:  # the two trade places
                order[i], order[j] = order[j], order[i]
            else:  # it moves in front of the other
                item = order[j]
                for t in range(j, i, -1):
                    order[t] = order[t - 1]
                order[i] = item
        val = pack(W, H, ws, hs, rots, order, k, guillotine, split, rule, trial)
        if val <= cur:
            cur = val
            cur_out[:] = trial
            if val < best:
                best = val
                best_order[:] = order
                best_out[:] = trial
        else:
            order[:] = prev
    order[:] = best_order
    out[:] = best_out
    return best


@njit(cache=True, nogil=True)
def repack_bins(
    W: int,
    H: int,
    ws: np.ndarray,
    hs: np.ndarray,
    rots: np.ndarray,
    k: int,
    guillotine: bool,
    split: int,
    rules: np.ndarray,
    iters: int,
    seed: int,
    out: np.ndarray,
) -> int:
    """Large-neighbourhood search from the packing in ``out`` (changed in place): take two or three of
    the k bins, pour out their items together with every item left unpacked, and pack them again into
    those bins (largest area first with noise, or for the shelves half of the time by the side that
    sets a shelf's height; a rule from ``rules``); keep the result when the area
    left unpacked does not grow. Bins not chosen keep their layout, so every kept packing is complete
    and valid. Stops after ``iters`` tries or when everything is packed; returns the area left."""
    np.random.seed(seed)
    n = ws.shape[0]
    cur = 0
    for i in range(n):
        if out[i, 0] < 0:
            cur += ws[i] * hs[i]
    if k < 2:
        return cur
    chosen = np.empty(3, np.int64)
    where = np.full(k, -1, np.int64)
    sel = np.empty(n, np.int64)
    sub = np.empty((n, 6), np.int64)
    keys = np.empty(n, np.float64)
    sws = np.empty(n, np.int64)
    shs = np.empty(n, np.int64)
    srots = np.empty(n, np.int64)
    for _ in range(iters):
        if cur == 0:
            break
        m = 2 if k == 2 or np.random.random() < 0.5 else 3
        c = 0
        while c < m:
            b = np.random.randint(k)
            if where[b] < 0:
                where[b] = c
                chosen[c] = b
                c += 1
        cnt = 0
        for i in range(n):
            if out[i, 0] < 0 or where[out[i, 0]] >= 0:
                sel[cnt] = i
                cnt += 1
        noise = 0.1 + 0.5 * np.random.random()
        rule = rules[np.random.randint(rules.shape[0])]
        # shelves: sorted by the side that sets a shelf's height half of the time, else by area
        side = rule in (SHELF_LOW, SHELF_HIGH) and np.random.random() < 0.5
        for q in range(cnt):
            i = sel[q]
            sws[q], shs[q], srots[q] = ws[i], hs[i], rots[i]
            if side:
                if rots[i] == 0:
                    key = float(hs[i])
                elif rule == SHELF_HIGH:
                    key = float(max(ws[i], hs[i]))
                else:
                    key = float(min(ws[i], hs[i]))
            else:
                key = float(ws[i] * hs[i])
            keys[q] = -key * (1.0 + noise * (np.random.random() - 0.5))
        order = np.argsort(keys[:cnt])
        val = pack(W, H, sws[:cnt], shs[:cnt], srots[:cnt], order, m, guillotine, split, rule, sub)
        if val <= cur:
            cur = val
            for q in range(cnt):
                i = sel[q]
                if sub[q, 0] < 0:
                    out[i, 0] = -1
                else:
                    out[i, 0] = chosen[sub[q, 0]]
                    for f in range(1, 6):
                        out[i, f] = sub[q, f]
        for c in range(m):
            where[chosen[c]] = -1
    return cur
