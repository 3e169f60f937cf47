"""Compiled core of the tree search of :mod:`jejo.furniture.cutting.roadef_tree` (numba).

A beam level is a set of nodes held column-wise: ``lv[i, F]`` are the scalar fields of node ``i``
(``F`` one of the ``L_*`` slots below), ``heads[i]`` how many items of each stack it has cut,
``zr[i]`` the (bottom, top) bands of the closed rows of its strip that end exactly at its 1-cut,
``hl[i]`` the 2-cuts of its strip below the current row, ``vl[i]`` the 3-cuts of its current row
(their counts in ``lv``). :func:`candidates` writes every child of every node of a level into
``cand`` (one row per child, ``C_*`` slots) with its guide value, and counts those it has no room
for; :func:`select` keeps the best children that no better one with the same stack heads dominates;
:func:`materialize` builds the next level from them. Children are scored and checked from their
parents' fields alone, so the line arrays are copied only for the children kept. Every function
compiles once (``cache=True``).

Geometry (plate 6000 × 3210 mm, see :mod:`jejo.furniture.cutting.roadef`): 1-cuts make strips
100–3500 mm wide, 2-cuts rows at least 100 mm high, waste pieces are at least 20 mm, no item covers a
defect and no cut crosses one. A defect is ``(x1, y1, x2, y2)`` in ``dbox[plate, k]``.
"""

from __future__ import annotations

import numba
import numpy as np

W, H = 6000, 3210
MIN1, MAX1, MIN2, MINW = 100, 3500, 100, 20
PLATE_AREA = W * H

# level fields
L_P, L_X1P, L_X, L_Y2P, L_Y, L_X3, L_Z2, L_LW, L_LT, L_LX, L_AREA, L_HASH, L_NZ, L_NH, L_NV = range(15)
L_FIELDS = 15
# candidate fields
C_PAR, C_S, C_J, C_DF, C_X, C_Y, C_W, C_H, C_X1, C_Y2, C_E, C_T = range(12)
C_Z2, C_WASTE, C_P, C_X1P, C_HASH, C_UP = range(12, 18)
C_FIELDS = 18
# record of a kept node (to rebuild the solution): parent, depth, item, x, y, w, h, x1p, 1-cut, 2-cut,
# plate, height of the waste below the item in its piece
R_PAR, R_DF, R_J, R_X, R_Y, R_W, R_H, R_X1P, R_X1, R_Y2, R_P, R_UP = range(12)
R_FIELDS = 12


@numba.njit(cache=True)
def _vcross(db: np.ndarray, dn: int, x: int, y1: int, y2: int) -> int:
    for k in range(dn):
        if db[k, 0] < x < db[k, 2] and db[k, 1] < y2 and y1 < db[k, 3]:
            return k
    return -1


@numba.njit(cache=True)
def _hcross(db: np.ndarray, dn: int, y: int, x1: int, x2: int) -> int:
    for k in range(dn):
        if db[k, 1] < y < db[k, 3] and db[k, 0] < x2 and x1 < db[k, 2]:
            return k
    return -1


@numba.njit(cache=True)
def _gap(v: int, base: int) -> int:
    if base < v < base + MINW:
        return base + MINW
    return v


@numba.njit(cache=True)
def _guide(g: int, waste: int, area: int, area2: float, n: int) -> float:
    share = waste / (waste + area)
    if g == 0:
        return share
    if g == 1:
        return share * n / area
    if g == 2:
        return (0.1 + share) * n / area
    return (0.1 + share) * n / area2


@numba.njit(cache=True)
def _place(
    cand,
    guides,
    k,
    lv,
    zr,
    hl,
    vl,
    area2,
    i,
    df,
    s,
    j,
    w,
    h,
    p,
    x1p,
    xs,
    x,
    y0,
    y,
    X0,
    Y0,
    z2f,
    db,
    dn,
    n,
    g,
    bound,
    rnd,
    vcap,
    up,
):
    """Score and check one child (item ``j`` placed ``w`` × ``h`` at ``x``, ``up`` above the bottom
    ``y`` of its row: a waste piece below it when ``up`` > 0); returns the new number of candidates."""
    e = x + w
    t = y + up + h
    if e - x1p > MAX1 or t > H:
        return k
    X = max(X0, e, x1p + MIN1)
    Y = max(Y0, t, y + MIN2)
    # df 1 closes the parent's row: it joins the rows ending at X when it ends there
    band = df == 1 and lv[i, L_X3] == lv[i, L_X]
    nz = lv[i, L_NZ] if df >= 1 else 0
    stable = False
    for _ in range(12):
        X1, Y1 = X, Y
        if z2f:
            Y = _gap(Y, Y0)
        Y = _gap(Y, t)
        if 0 < H - Y < MINW:
            Y = H
        if Y < H:
            d = _hcross(db, dn, Y, x1p, X)
            if d >= 0:
                Y = int(np.ceil(db[d, 3]))
        if nz > 0 or band:
            X = _gap(X, X0)
        X = _gap(X, e)
        if 0 < W - X < MINW:
            X = W
        d = _vcross(db, dn, X, 0, H)
        if d >= 0:
            X = int(np.ceil(db[d, 2]))
        if X == X1 and Y == Y1:
            stable = True
            break
    if not stable or X > W or X - x1p > MAX1 or Y > H:
        return k
    if df == 2:
        if lv[i, L_NV] + 2 > vcap:
            return k
        if Y > Y0:
            for q in range(lv[i, L_NV]):
                if _vcross(db, dn, vl[i, q], Y0, Y) >= 0:
                    return k
    if x > xs and _vcross(db, dn, x, y, Y) >= 0:
        return k
    if _vcross(db, dn, e, y, Y) >= 0:
        return k
    if t < Y and _hcross(db, dn, t, x, e) >= 0:
        return k
    if up > 0 and _hcross(db, dn, y + up, x, e) >= 0:
        return k
    if y > y0 and _hcross(db, dn, y, x1p, X0) >= 0:
        return k
    if X > X0:
        if df >= 1:
            for q in range(lv[i, L_NH]):
                if _hcross(db, dn, hl[i, q], X0, X) >= 0:
                    return k
            for q in range(nz):
                if _vcross(db, dn, X0, zr[i, q, 0], zr[i, q, 1]) >= 0:
                    return k
        if df == 1:
            if _hcross(db, dn, y0, X0, X) >= 0:
                return k
            if band and _vcross(db, dn, X0, lv[i, L_Y2P], lv[i, L_Y]) >= 0:
                return k
        if y > y0 and _hcross(db, dn, y, X0, X) >= 0:
            return k
    area = lv[i, L_AREA] + w * h
    waste = p * PLATE_AREA + x1p * H + (X - x1p) * y + (e - x1p) * (Y - y) - area
    if waste >= bound:
        return k
    if k >= cand.shape[0]:  # no room: counted only (the caller grows the buffer)
        return k + 1
    c = cand[k]
    c[C_PAR] = i
    c[C_S] = s
    c[C_J] = j
    c[C_DF] = df
    c[C_X] = x
    c[C_Y] = y
    c[C_W] = w
    c[C_H] = h
    c[C_X1] = X
    c[C_Y2] = Y
    c[C_E] = e
    c[C_T] = t
    c[C_Z2] = 1 if (z2f and Y == Y0) else 0
    c[C_WASTE] = waste
    c[C_P] = p
    c[C_X1P] = x1p
    c[C_HASH] = lv[i, L_HASH] + rnd[s]
    c[C_UP] = up
    guides[k] = _guide(g, waste, area, area2[i] + float(w * h) ** 2, n + 1)
    return k + 1


@numba.njit(cache=True)
def _insert(
    cand, guides, k, lv, zr, hl, vl, area2, i, df, s, j, w, h, dbox, dcnt, n, g, bound, rnd, vcap, skip=1
):
    """Children that cut item ``j`` as a new piece at depth ``df`` (2, 1, 0 or −1; −1 goes ``skip``
    plates on)."""
    if df == 2:
        p, x1p, y0, xs, X0, Y0 = lv[i, L_P], lv[i, L_X1P], lv[i, L_Y2P], lv[i, L_X3], lv[i, L_X], lv[i, L_Y]
        z2f = lv[i, L_Z2] == 1 or lv[i, L_LT] == lv[i, L_Y]
    elif df == 1:
        p, x1p, y0, X0, Y0 = lv[i, L_P], lv[i, L_X1P], lv[i, L_Y], lv[i, L_X], 0
        xs = x1p
        z2f = False
    else:
        p = lv[i, L_P] if df == 0 else lv[i, L_P] + skip
        x1p = lv[i, L_X] if df == 0 else 0
        y0 = 0
        Y0 = 0
        xs = x1p
        X0 = x1p
        z2f = False
    if xs + w > W or y0 + h > H:
        return k
    if p < dbox.shape[0]:
        db = dbox[p]
        dn = dcnt[p]
    else:
        db = dbox[0]
        dn = 0
    # move right past the defects the item would cover
    x = xs
    ok = False
    for _ in range(8):
        right = -1.0
        for q in range(dn):
            if db[q, 0] < x + w and x < db[q, 2] and db[q, 1] < y0 + h and y0 < db[q, 3]:
                right = max(right, db[q, 2])
        if right < 0:
            ok = True
            break
        x = max(int(np.ceil(right)), xs + MINW)
        if x + w > W:
            break
    if ok:
        k = _place(
            cand, guides, k, lv, zr, hl, vl, area2, i, df, s, j, w, h, p, x1p, xs, x, y0, y0, X0, Y0, z2f,
            db, dn, n, g, bound, rnd, vcap, 0,
        )  # fmt: skip
        if x > xs and df <= 0 and _vcross(db, dn, x, 0, H) < 0:
            # or let a waste strip take the defects and start the strip right of them
            k = _place(
                cand, guides, k, lv, zr, hl, vl, area2, i, df, s, j, w, h, p, x, x, x, y0, y0, x, Y0, z2f,
                db, dn, n, g, bound, rnd, vcap, 0,
            )  # fmt: skip
    if x > xs:
        # or raise the item past them: its row starts above them (a waste row below it, depths 1
        # to -1), or it sits higher in its piece (a waste piece below it, a 4-cut between)
        y = y0
        found = False
        for _ in range(8):
            top = -1.0
            for q in range(dn):
                if db[q, 0] < xs + w and xs < db[q, 2] and db[q, 1] < y + h and y < db[q, 3]:
                    top = max(top, db[q, 3])
            if top < 0:
                found = True
                break
            y = max(int(np.ceil(top)), y0 + MINW)
            if y + h > H:
                break
        if found:
            if df <= 1:
                k = _place(
                    cand, guides, k, lv, zr, hl, vl, area2, i, df, s, j, w, h, p, x1p, xs, xs, y0, y, X0, Y0,
                    z2f, db, dn, n, g, bound, rnd, vcap, 0,
                )  # fmt: skip
            k = _place(
                cand, guides, k, lv, zr, hl, vl, area2, i, df, s, j, w, h, p, x1p, xs, xs, y0, y0, X0, Y0,
                z2f, db, dn, n, g, bound, rnd, vcap, y - y0,
            )  # fmt: skip
    return k


@numba.njit(cache=True)
def _stack(cand, guides, k, lv, vl, area2, i, s, j, w, h, dbox, dcnt, n, g, bound, rnd):
    """The child that cuts item ``j`` on top of the row's last item (same width, a 4-cut between)."""
    p = lv[i, L_P]
    if p < dbox.shape[0]:
        db = dbox[p]
        dn = dcnt[p]
    else:
        db = dbox[0]
        dn = 0
    x = lv[i, L_LX]
    y = lv[i, L_LT]
    e = x + w
    t = y + h
    if t > H or _hcross(db, dn, y, x, e) >= 0:
        return k
    for q in range(dn):
        if db[q, 0] < e and x < db[q, 2] and db[q, 1] < t and y < db[q, 3]:
            return k
    x1p, X, Y0 = lv[i, L_X1P], lv[i, L_X], lv[i, L_Y]
    z2 = lv[i, L_Z2] == 1
    Y = max(Y0, t)
    stable = False
    for _ in range(12):
        Y1 = Y
        if z2:
            Y = _gap(Y, Y0)
        Y = _gap(Y, t)
        if 0 < H - Y < MINW:
            Y = H
        if Y < H:
            d = _hcross(db, dn, Y, x1p, X)
            if d >= 0:
                Y = int(np.ceil(db[d, 3]))
        if Y == Y1:
            stable = True
            break
    if not stable or Y > H:
        return k
    if Y > Y0:
        for q in range(lv[i, L_NV]):
            if _vcross(db, dn, vl[i, q], Y0, Y) >= 0:
                return k
    if t < Y and _hcross(db, dn, t, x, e) >= 0:
        return k
    area = lv[i, L_AREA] + w * h
    y2p = lv[i, L_Y2P]
    waste = p * PLATE_AREA + x1p * H + (X - x1p) * y2p + (e - x1p) * (Y - y2p) - area
    if waste >= bound:
        return k
    if k >= cand.shape[0]:  # no room: counted only (the caller grows the buffer)
        return k + 1
    c = cand[k]
    c[C_PAR] = i
    c[C_S] = s
    c[C_J] = j
    c[C_DF] = 3
    c[C_UP] = 0
    c[C_X] = x
    c[C_Y] = y2p
    c[C_W] = w
    c[C_H] = h
    c[C_X1] = X
    c[C_Y2] = Y
    c[C_E] = e
    c[C_T] = t
    c[C_Z2] = 1 if (z2 and Y == Y0) else 0
    c[C_WASTE] = waste
    c[C_P] = p
    c[C_X1P] = x1p
    c[C_HASH] = lv[i, L_HASH] + rnd[s]
    guides[k] = _guide(g, waste, area, area2[i] + float(w * h) ** 2, n + 1)
    return k + 1


@numba.njit(cache=True)
def candidates(
    stacks,
    slen,
    pred,
    ow,
    oh,
    no,
    rnd,
    dbox,
    dcnt,
    heads,
    lv,
    zr,
    hl,
    vl,
    area2,
    nodes,
    n,
    g,
    bound,
    cand,
    guides,
    vcap,
):
    """Every child of the ``nodes`` nodes of a level whose items number ``n``; returns their count."""
    k = 0
    ns = stacks.shape[0]
    cs = np.empty(ns, np.int64)
    for i in range(nodes):
        m = 0
        for s in range(ns):
            pos = heads[i, s]
            if pos >= slen[s]:
                continue
            q = pred[s]
            if q >= 0 and heads[i, q] <= pos:
                continue
            cs[m] = s
            m += 1
        new_strip = False
        if n > 0:
            for a in range(m):
                s = cs[a]
                j = stacks[s, heads[i, s]]
                for o in range(no[j]):
                    w = ow[j, o]
                    h = oh[j, o]
                    if lv[i, L_LW] == w:
                        k = _stack(
                            cand, guides, k, lv, vl, area2, i, s, j, w, h, dbox, dcnt, n, g, bound, rnd
                        )
                    for df in (2, 1, 0):  # same row, new row, new strip (while there is room)
                        if (df == 1 and lv[i, L_Y] + MIN2 > H) or (df == 0 and lv[i, L_X] + MIN1 > W):
                            continue
                        k0 = k
                        k = _insert(
                            cand, guides, k, lv, zr, hl, vl, area2, i, df, s, j, w, h, dbox, dcnt, n, g,
                            bound, rnd, vcap,
                        )  # fmt: skip
                        if df == 0 and k > k0:
                            new_strip = True
        # the next plate when no item starts a strip on this one; a plate that takes none of the
        # items (defects everywhere) is passed over
        skip = 1
        while not new_strip and skip <= 50:
            k0 = k
            for a in range(m):
                s = cs[a]
                j = stacks[s, heads[i, s]]
                for o in range(no[j]):
                    k = _insert(
                        cand, guides, k, lv, zr, hl, vl, area2, i, -1, s, j, ow[j, o], oh[j, o], dbox, dcnt,
                        n, g, bound, rnd, vcap, skip,
                    )  # fmt: skip
            new_strip = k > k0 or m == 0
            skip += 1
    return k


@numba.njit(cache=True)
def _height(p: int, x1p: int, x3: int, X: int, y2p: int, Y: int, x: int) -> int:
    if x < x1p:
        return H
    if x < x3:
        return Y
    if x < X:
        return y2p
    return 0


@numba.njit(cache=True)
def _dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """Does candidate ``a`` (same stack heads as ``b``) consume nothing that ``b`` leaves free?"""
    if a[C_P] != b[C_P]:
        return a[C_P] < b[C_P]
    if a[C_X1] <= b[C_X1P]:
        return True
    for x in (a[C_X1P], a[C_E], a[C_X1], b[C_X1P], b[C_E], b[C_X1]):
        if x < W:
            ha = _height(a[C_P], a[C_X1P], a[C_E], a[C_X1], a[C_Y], a[C_Y2], x)
            hb = _height(b[C_P], b[C_X1P], b[C_E], b[C_X1], b[C_Y], b[C_Y2], x)
            if ha > hb:
                return False
    return True


@numba.njit(cache=True)
def select(cand, guides, count, width, bound):
    """The candidates kept for the next level, best guide first: at most ``width``, none at or above
    ``bound`` nor dominated by a better one with the same stack heads. Also returns whether any
    candidate was left out for want of room."""
    order = np.argsort(guides[:count], kind="mergesort")
    first = dict()
    first[np.int64(0)] = np.int64(-1)
    nxt = np.full(count, -1, np.int64)
    kept = np.empty(min(count, width), np.int64)
    m = 0
    truncated = False
    for idx in order:
        c = cand[idx]
        if c[C_WASTE] >= bound:
            continue
        hs = c[C_HASH]
        head = np.int64(-1)
        if hs in first:
            head = first[hs]
        q = head
        dominated = False
        while q >= 0:
            if _dominates(cand[q], c):
                dominated = True
                break
            q = nxt[q]
        if dominated:
            continue
        if m >= width:
            truncated = True
            break
        nxt[idx] = head
        first[hs] = idx
        kept[m] = idx
        m += 1
    return kept[:m], truncated


@numba.njit(cache=True)
def materialize(cand, kept, heads, lv, zr, hl, vl, area2, rec):
    """The next level's arrays from the kept candidates (``rec`` receives their records)."""
    m = kept.shape[0]
    ns = heads.shape[1]
    nheads = np.empty((m, ns), heads.dtype)
    nlv = np.zeros((m, L_FIELDS), np.int64)
    nzr = np.empty((m, zr.shape[1], 2), zr.dtype)
    nhl = np.empty((m, hl.shape[1]), hl.dtype)
    nvl = np.empty((m, vl.shape[1]), vl.dtype)
    narea2 = np.empty(m, np.float64)
    for a in range(m):
        c = cand[kept[a]]
        i = c[C_PAR]
        df = c[C_DF]
        for s in range(ns):
            nheads[a, s] = heads[i, s]
        nheads[a, c[C_S]] += 1
        X0 = lv[i, L_X]
        L = nlv[a]
        L[L_P] = c[C_P]
        L[L_X1P] = c[C_X1P]
        L[L_X] = c[C_X1]
        L[L_Y2P] = c[C_Y]
        L[L_Y] = c[C_Y2]
        L[L_X3] = c[C_E]
        L[L_Z2] = c[C_Z2]
        L[L_LW] = 0 if df == 3 else c[C_W]
        L[L_LT] = c[C_T]
        L[L_LX] = c[C_X]
        L[L_AREA] = lv[i, L_AREA] + c[C_W] * c[C_H]
        L[L_HASH] = c[C_HASH]
        narea2[a] = area2[i] + float(c[C_W] * c[C_H]) ** 2
        # rows of the strip that end at its 1-cut, 2-cuts of the strip, 3-cuts of the row
        nz = 0
        nh = 0
        nv = 0
        if df >= 1 and c[C_X1] == X0:
            for q in range(lv[i, L_NZ]):
                nzr[a, nz, 0] = zr[i, q, 0]
                nzr[a, nz, 1] = zr[i, q, 1]
                nz += 1
            if df == 1 and lv[i, L_X3] == X0 and nz < nzr.shape[1]:
                nzr[a, nz, 0] = lv[i, L_Y2P]
                nzr[a, nz, 1] = lv[i, L_Y]
                nz += 1
        if df >= 1:
            for q in range(lv[i, L_NH]):
                nhl[a, nh] = hl[i, q]
                nh += 1
            if df == 1 and nh < nhl.shape[1]:
                nhl[a, nh] = lv[i, L_Y]
                nh += 1
        y0 = lv[i, L_Y] if df == 1 else 0
        if df <= 1 and c[C_Y] > y0 and nh < nhl.shape[1]:
            nhl[a, nh] = c[C_Y]
            nh += 1
        if df >= 2:
            for q in range(lv[i, L_NV]):
                nvl[a, nv] = vl[i, q]
                nv += 1
        if df <= 2:
            xs = lv[i, L_X3] if df == 2 else c[C_X1P]
            if c[C_X] > xs:
                nvl[a, nv] = c[C_X]
                nv += 1
            nvl[a, nv] = c[C_E]
            nv += 1
        L[L_NZ] = nz
        L[L_NH] = nh
        L[L_NV] = nv
        r = rec[a]
        r[R_PAR] = i
        r[R_DF] = df
        r[R_J] = c[C_J]
        r[R_X] = c[C_X]
        r[R_Y] = c[C_Y]
        r[R_W] = c[C_W]
        r[R_H] = c[C_H]
        r[R_X1P] = c[C_X1P]
        r[R_X1] = c[C_X1]
        r[R_Y2] = c[C_Y2]
        r[R_P] = c[C_P]
        r[R_UP] = c[C_UP]
    return nheads, nlv, nzr, nhl, nvl, narea2
