"""Compiled core of the tabu search of :mod:`jejo.planning.tabu` (numba, flat ``int64`` arrays).

Operations are numbered ``0 .. n-1`` job by job. The graph lives in one ``(ROWS, n)`` array ``g``
whose rows are the per-operation fields below (``g[R]`` are the heads, ``g[Q]`` the tails, ...); the
machine sequences are stored in ``seq`` with room for ``cap`` operations per machine (machine ``m``'s
order is ``seq[m * cap : m * cap + seqlen[m]]``). Scalars that survive between calls (step counter,
best makespan, random state, ...) are kept in ``ctl``, so :func:`run_steps` can be called in slices
and gives the same search whatever the slicing. Random numbers come from a xorshift64* generator
whose state is ``rng[0]``. Every function compiles once (``cache=True`` keeps the machine code in
``__pycache__``).
"""

from __future__ import annotations

import numba
import numpy as np

# rows of ``g``: processing time on the current machine, job predecessor/successor (-1: none),
# release, current machine, position in its machine sequence, machine predecessor/successor, head,
# tail, and scratch rows for the topological pass and the critical path
P, JP, JS, REL, MACH, POS, MP, MS, R, Q, INDEG, STACK, ORDER, PATH, TMP = range(15)
ROWS = 15

# slots of ``ctl``
IT = 0  # steps done
SINCE = 1  # steps since the last improvement or restart
FRUITLESS = 2  # restarts in a row without improvement
BEST = 3  # best makespan
MAKESPAN = 4  # makespan of the current sequences
IMPROVEMENTS = 5
RESTARTS = 6
STALL = 7  # steps without improvement before a restart
PATIENCE = 8  # fruitless restarts before stopping (0: never)
DONE = 9  # 1 when the search cannot or need not go on
TENURE = 10  # base tabu tenure
LB = 11  # lower bound: stop when reached
FLEXIBLE = 12  # 1 when some operation has several machines
KICK_LO = 13  # random moves of a restart: KICK_LO .. KICK_HI - 1
KICK_HI = 14
CLOCK = 15  # offset of the tabu clock (advanced by a restart, which clears the tabu lists)
CTL = 16


@numba.njit(cache=True)
def _rand(rng: np.ndarray, k: int) -> int:
    """A random integer in ``0 .. k-1`` (xorshift64*)."""
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return int((x * np.uint64(2685821657736338717)) >> np.uint64(33)) % k


@numba.njit(cache=True)
def _link(g: np.ndarray, seq: np.ndarray, seqlen: np.ndarray, cap: int, m: int, lo: int, hi: int) -> None:
    """Positions and machine neighbours of machine ``m``'s operations at positions ``lo .. hi``."""
    pos, mp, ms = g[POS], g[MP], g[MS]
    base = m * cap
    last = seqlen[m] - 1
    if lo < 0:
        lo = 0
    if hi > last:
        hi = last
    for t in range(lo, hi + 1):
        x = seq[base + t]
        pos[x] = t
        mp[x] = seq[base + t - 1] if t > 0 else -1
        ms[x] = seq[base + t + 1] if t < last else -1


@numba.njit(cache=True)
def evaluate(g: np.ndarray) -> int:
    """Heads, tails and makespan of the current sequences (Kahn's algorithm); -1 on a cycle."""
    n = g.shape[1]
    p, jp, js, rel, mp, ms = g[P], g[JP], g[JS], g[REL], g[MP], g[MS]
    r, q, indeg, stack, order = g[R], g[Q], g[INDEG], g[STACK], g[ORDER]
    top = 0
    for x in range(n):
        d = 0
        if jp[x] >= 0:
            d += 1
        if mp[x] >= 0:
            d += 1
        indeg[x] = d
        r[x] = rel[x]
        if d == 0:
            stack[top] = x
            top += 1
    cnt = 0
    while top > 0:
        top -= 1
        x = stack[top]
        order[cnt] = x
        cnt += 1
        e = r[x] + p[x]
        y = js[x]
        if y >= 0:
            if r[y] < e:
                r[y] = e
            indeg[y] -= 1
            if indeg[y] == 0:
                stack[top] = y
                top += 1
        y = ms[x]
        if y >= 0:
            if r[y] < e:
                r[y] = e
            indeg[y] -= 1
            if indeg[y] == 0:
                stack[top] = y
                top += 1
    if cnt < n:
        return -1
    mk = 0
    for t in range(n - 1, -1, -1):
        x = order[t]
        tl = 0
        y = js[x]
        if y >= 0:
            tl = q[y] + p[y]
        y = ms[x]
        if y >= 0:
            u = q[y] + p[y]
            if u > tl:
                tl = u
        q[x] = tl
        v = r[x] + p[x]
        if v > mk:
            mk = v
    return mk


@numba.njit(cache=True)
def _blocks(g: np.ndarray, mk: int, rng: np.ndarray, blk: np.ndarray) -> int:
    """The blocks of one critical path as (machine, first position, size) columns of ``blk``.

    The path ends at a random operation that finishes at the makespan; ties between a job and a
    machine predecessor are broken at random. Returns the number of blocks.
    """
    n = g.shape[1]
    r, p, jp, mp, ms, pos, mach, path = g[R], g[P], g[JP], g[MP], g[MS], g[POS], g[MACH], g[PATH]
    cnt = 0
    for x in range(n):
        if r[x] + p[x] == mk and p[x] > 0:
            cnt += 1
    if cnt == 0:
        return 0
    k = _rand(rng, cnt)
    x = 0
    for y in range(n):
        if r[y] + p[y] == mk and p[y] > 0:
            if k == 0:
                x = y
                break
            k -= 1
    length = 0
    path[length] = x
    length += 1
    while True:
        rx = r[x]
        a = jp[x]
        b = mp[x]
        ja = a >= 0 and r[a] + p[a] == rx
        mb = b >= 0 and r[b] + p[b] == rx
        if ja and mb:
            x = a if _rand(rng, 2) == 0 else b
        elif ja:
            x = a
        elif mb:
            x = b
        else:
            break
        path[length] = x
        length += 1
    nb = 0
    first = path[length - 1]
    last = first
    size = 1
    for t in range(length - 2, -1, -1):
        x = path[t]
        if ms[last] == x:
            size += 1
        else:
            blk[0, nb] = mach[first]
            blk[1, nb] = pos[first]
            blk[2, nb] = size
            nb += 1
            first = x
            size = 1
        last = x
    blk[0, nb] = mach[first]
    blk[1, nb] = pos[first]
    blk[2, nb] = size
    return nb + 1


@numba.njit(cache=True)
def _moves(blk: np.ndarray, nb: int, mv: np.ndarray) -> int:
    """N7 moves on the blocks as (machine, from, to) columns of ``mv``; returns their number.

    Swap the first two operations of a block (not in the first block) and the last two (not in the
    last block), move an inner operation to the front / the end of its block, move the first
    operation into the block (not in the first block) and the last one into it (not in the last).
    """
    c = 0
    last = nb - 1
    for b in range(nb):
        size = blk[2, b]
        if size < 2:
            continue
        m = blk[0, b]
        first = blk[1, b]
        end = first + size - 1
        if size == 2:
            if nb > 1:
                mv[0, c], mv[1, c], mv[2, c] = m, first, end
                c += 1
            continue
        if b != 0:
            mv[0, c], mv[1, c], mv[2, c] = m, first, first + 1
            c += 1
        if b != last:
            mv[0, c], mv[1, c], mv[2, c] = m, end - 1, end
            c += 1
        for i in range(first + 1, end):
            if b != 0 and i != first + 1:  # the second to the front is the swap above
                mv[0, c], mv[1, c], mv[2, c] = m, i, first
                c += 1
            if b != last and i != end - 1:
                mv[0, c], mv[1, c], mv[2, c] = m, i, end
                c += 1
        if b != 0:
            for i in range(first + 2, end + 1):
                mv[0, c], mv[1, c], mv[2, c] = m, first, i
                c += 1
        if b != last:
            for i in range(first, end - 1):
                mv[0, c], mv[1, c], mv[2, c] = m, end, i
                c += 1
    return c


@numba.njit(cache=True)
def _feasible(g: np.ndarray, seq: np.ndarray, cap: int, m: int, i: int, j: int) -> bool:
    """False when the move might close a cycle (the head/tail conditions of a path hold)."""
    r, q, p = g[R], g[Q], g[P]
    base = m * cap
    if i < j:  # u moves after v: a cycle needs a path js[u] -> v
        u = seq[base + i]
        v = seq[base + j]
        w = g[JS, u]
        return w < 0 or not (r[v] >= r[w] + p[w] and q[w] >= q[v] + p[v])
    u = seq[base + j]  # v moves before u: a cycle needs a path u -> jp[v]
    v = seq[base + i]
    w = g[JP, v]
    return w < 0 or not (r[w] >= r[u] + p[u] and q[u] >= q[w] + p[w])


@numba.njit(cache=True)
def _seg(seq: np.ndarray, base: int, i: int, j: int, t: int) -> int:
    """The operation at offset ``t`` of the changed segment after moving position ``i`` to ``j``."""
    if i < j:
        return seq[base + i + 1 + t] if t < j - i else seq[base + i]
    return seq[base + i] if t == 0 else seq[base + j + t - 1]


@numba.njit(cache=True)
def _estimate(g: np.ndarray, seq: np.ndarray, seqlen: np.ndarray, cap: int, m: int, i: int, j: int) -> int:
    """Approximate makespan after a move: heads and tails recomputed over the changed segment."""
    r, q, p, jp, js, rel, tmp = g[R], g[Q], g[P], g[JP], g[JS], g[REL], g[TMP]
    base = m * cap
    lo, hi = (i, j) if i < j else (j, i)
    cnt = hi - lo + 1
    t0 = 0
    if lo > 0:
        a = seq[base + lo - 1]
        t0 = r[a] + p[a]
    for t in range(cnt):
        x = _seg(seq, base, i, j, t)
        y = jp[x]
        h = r[y] + p[y] if y >= 0 else rel[x]
        if t0 > h:
            h = t0
        tmp[t] = h
        t0 = h + p[x]
    t0 = 0
    if hi + 1 < seqlen[m]:
        b = seq[base + hi + 1]
        t0 = q[b] + p[b]
    est = 0
    for t in range(cnt - 1, -1, -1):
        x = _seg(seq, base, i, j, t)
        y = js[x]
        tail = q[y] + p[y] if y >= 0 else 0
        if t0 > tail:
            tail = t0
        v = tmp[t] + p[x] + tail
        if v > est:
            est = v
        t0 = tail + p[x]
    return est


@numba.njit(cache=True)
def _is_tabu(tabu: np.ndarray, n: int, seq: np.ndarray, base: int, i: int, j: int, clock: int) -> bool:
    """Whether the move creates a machine-order pair that is currently forbidden."""
    if i < j:
        u = seq[base + i]
        for t in range(i + 1, j + 1):  # noqa: SIM110 (plain loops compile best)
            if tabu[seq[base + t] * n + u] > clock:
                return True
        return False
    v = seq[base + i]
    for t in range(j, i):  # noqa: SIM110
        if tabu[v * n + seq[base + t]] > clock:
            return True
    return False


@numba.njit(cache=True)
def _forbid(tabu: np.ndarray, n: int, seq: np.ndarray, base: int, i: int, j: int, until: int) -> None:
    """After the move ``i -> j`` forbid restoring the machine-order pairs that it reversed."""
    if i < j:  # u now at j after the operations now at i .. j-1
        u = seq[base + j]
        for t in range(i, j):
            tabu[u * n + seq[base + t]] = until
    else:  # v now at j before the operations now at j+1 .. i
        v = seq[base + j]
        for t in range(j + 1, i + 1):
            tabu[seq[base + t] * n + v] = until


@numba.njit(cache=True)
def _apply(g: np.ndarray, seq: np.ndarray, seqlen: np.ndarray, cap: int, m: int, i: int, j: int) -> None:
    """Move the operation at position ``i`` of machine ``m`` to position ``j``."""
    base = m * cap
    x = seq[base + i]
    if i < j:
        for t in range(i, j):
            seq[base + t] = seq[base + t + 1]
    else:
        for t in range(i, j, -1):
            seq[base + t] = seq[base + t - 1]
    seq[base + j] = x
    lo, hi = (i, j) if i < j else (j, i)
    _link(g, seq, seqlen, cap, m, lo - 1, hi + 1)


@numba.njit(cache=True)
def _copy(src: np.ndarray, dst: np.ndarray) -> None:
    for t in range(src.shape[0]):
        dst[t] = src[t]


@numba.njit(cache=True)
def _duration(alt_ptr: np.ndarray, alt_m: np.ndarray, alt_d: np.ndarray, x: int, m: int) -> int:
    for a in range(alt_ptr[x], alt_ptr[x + 1]):
        if alt_m[a] == m:
            return alt_d[a]
    return 0


@numba.njit(cache=True)
def _insertion(
    g: np.ndarray, seq: np.ndarray, seqlen: np.ndarray, cap: int, x: int, m2: int, d: int
) -> tuple[int, int]:
    """Best-estimated position of ``x`` in machine ``m2``'s sequence (-1 if none) and its estimate.

    The estimate is the longest path through ``x`` at its new place (heads and tails of its new
    neighbours); positions where a path would close a cycle are skipped.
    """
    r, q, p, jp, js = g[R], g[Q], g[P], g[JP], g[JS]
    y = jp[x]
    jh = r[y] + p[y] if y >= 0 else g[REL, x]
    y = js[x]
    jt = q[y] + p[y] if y >= 0 else 0
    base = m2 * cap
    length = seqlen[m2]
    best_k = -1
    best_v = 0
    a = -1
    for k in range(length + 1):
        b = seq[base + k] if k < length else -1
        h = jh
        if a >= 0:
            t = r[a] + p[a]
            if t > h:
                h = t
            w = js[x]  # a path js[x] -> a would close a cycle, and so for every later position
            if w >= 0 and r[a] >= r[w] + p[w] and q[w] >= q[a] + p[a]:
                break
        tl = jt
        if b >= 0:
            t = q[b] + p[b]
            if t > tl:
                tl = t
            w = jp[x]  # a path b -> jp[x] would close a cycle
            if w >= 0 and r[w] >= r[b] + p[b] and q[b] >= q[w] + p[w]:
                a = b
                continue
        v = h + d + tl
        if best_k < 0 or v < best_v:
            best_k = k
            best_v = v
        a = b
    return best_k, best_v


@numba.njit(cache=True)
def _reassign(
    g: np.ndarray,
    seq: np.ndarray,
    seqlen: np.ndarray,
    cap: int,
    alt_ptr: np.ndarray,
    alt_m: np.ndarray,
    alt_d: np.ndarray,
    x: int,
    m2: int,
    k: int,
) -> tuple[int, int]:
    """Move ``x`` to machine ``m2`` before position ``k``; returns (old machine, old position)."""
    m0 = g[MACH, x]
    i = g[POS, x]
    base = m0 * cap
    length = seqlen[m0]
    for t in range(i, length - 1):
        seq[base + t] = seq[base + t + 1]
    seqlen[m0] = length - 1
    _link(g, seq, seqlen, cap, m0, i - 1, length)
    if m0 == m2 and k > i:
        k -= 1
    base = m2 * cap
    length = seqlen[m2]
    for t in range(length, k, -1):
        seq[base + t] = seq[base + t - 1]
    seq[base + k] = x
    seqlen[m2] = length + 1
    _link(g, seq, seqlen, cap, m2, k - 1, length + 1)
    g[MACH, x] = m2
    g[P, x] = _duration(alt_ptr, alt_m, alt_d, x, m2)
    return m0, i


@numba.njit(cache=True)
def _feasible_moves(g: np.ndarray, seq: np.ndarray, cap: int, mv: np.ndarray, nm: int) -> int:
    """Keep the moves that cannot close a cycle (in place); returns their number."""
    k = 0
    for t in range(nm):
        if _feasible(g, seq, cap, mv[0, t], mv[1, t], mv[2, t]):
            mv[0, k], mv[1, k], mv[2, k] = mv[0, t], mv[1, t], mv[2, t]
            k += 1
    return k


@numba.njit(cache=True)
def restore(
    g: np.ndarray,
    seq: np.ndarray,
    seqlen: np.ndarray,
    alt_ptr: np.ndarray,
    alt_m: np.ndarray,
    alt_d: np.ndarray,
    best_seq: np.ndarray,
    best_len: np.ndarray,
    best_mach: np.ndarray,
) -> int:
    """Make the best sequences (and machines) current; returns their makespan."""
    n = g.shape[1]
    cap = n
    _copy(best_seq, seq)
    _copy(best_len, seqlen)
    for x in range(n):
        m = best_mach[x]
        g[MACH, x] = m
        g[P, x] = _duration(alt_ptr, alt_m, alt_d, x, m)
    for m in range(seqlen.shape[0]):
        _link(g, seq, seqlen, cap, m, 0, seqlen[m])
    return evaluate(g)


@numba.njit(cache=True)
def _restart(
    g: np.ndarray,
    seq: np.ndarray,
    seqlen: np.ndarray,
    alt_ptr: np.ndarray,
    alt_m: np.ndarray,
    alt_d: np.ndarray,
    best_seq: np.ndarray,
    best_len: np.ndarray,
    best_mach: np.ndarray,
    blk: np.ndarray,
    mv: np.ndarray,
    ctl: np.ndarray,
    rng: np.ndarray,
) -> None:
    """Back to the best sequences, perturbed by a few random feasible block moves; tabu lists cleared."""
    cap = g.shape[1]
    mk = restore(g, seq, seqlen, alt_ptr, alt_m, alt_d, best_seq, best_len, best_mach)
    kicks = ctl[KICK_LO] + _rand(rng, max(1, ctl[KICK_HI] - ctl[KICK_LO]))
    for _ in range(kicks):
        nb = _blocks(g, mk, rng, blk)
        nm = _feasible_moves(g, seq, cap, mv, _moves(blk, nb, mv))
        if nm == 0:
            break
        t = _rand(rng, nm)
        m, i, j = mv[0, t], mv[1, t], mv[2, t]
        _apply(g, seq, seqlen, cap, m, i, j)
        mk = evaluate(g)
        if mk < 0:
            _apply(g, seq, seqlen, cap, m, j, i)
            mk = evaluate(g)
    ctl[MAKESPAN] = mk
    tenure = ctl[TENURE]
    ctl[CLOCK] += tenure + tenure // 2 + 1  # every entry of the tabu lists is now in the past


@numba.njit(cache=True)
def run_steps(
    g: np.ndarray,
    seq: np.ndarray,
    seqlen: np.ndarray,
    alt_ptr: np.ndarray,
    alt_m: np.ndarray,
    alt_d: np.ndarray,
    tabu: np.ndarray,
    atabu: np.ndarray,
    best_seq: np.ndarray,
    best_len: np.ndarray,
    best_mach: np.ndarray,
    blk: np.ndarray,
    mv: np.ndarray,
    ctl: np.ndarray,
    rng: np.ndarray,
    max_steps: int,
) -> int:
    """At most ``max_steps`` tabu steps from the state in the arrays; returns the steps done.

    ``ctl[DONE]`` is set when the search stops for good: the lower bound is reached, the critical path
    of a classic instance has no block to change (the order is optimal), or ``ctl[PATIENCE]``
    restarts in a row found nothing better.
    """
    n = g.shape[1]
    cap = n
    n_mach = seqlen.shape[0]
    flexible = ctl[FLEXIBLE] != 0
    mach, mp, ms, r, q, p = g[MACH], g[MP], g[MS], g[R], g[Q], g[P]
    steps = 0
    while steps < max_steps:
        if ctl[BEST] <= ctl[LB]:
            ctl[DONE] = 1
            break
        steps += 1
        ctl[IT] += 1
        ctl[SINCE] += 1
        clock = ctl[IT] + ctl[CLOCK]
        if ctl[SINCE] > ctl[STALL]:
            ctl[FRUITLESS] += 1
            if ctl[PATIENCE] > 0 and ctl[FRUITLESS] >= ctl[PATIENCE]:
                ctl[DONE] = 1
                break
            _restart(g, seq, seqlen, alt_ptr, alt_m, alt_d, best_seq, best_len, best_mach, blk, mv, ctl, rng)
            ctl[RESTARTS] += 1
            ctl[SINCE] = 0
            continue
        best = ctl[BEST]
        nb = _blocks(g, ctl[MAKESPAN], rng, blk)
        nm = _feasible_moves(g, seq, cap, mv, _moves(blk, nb, mv))
        chosen = -1
        chosen_est = 0
        ties = 0
        for t in range(nm):
            m, i, j = mv[0, t], mv[1, t], mv[2, t]
            est = _estimate(g, seq, seqlen, cap, m, i, j)
            if est >= best and _is_tabu(tabu, n, seq, m * cap, i, j, clock):
                continue
            if chosen < 0 or est < chosen_est:
                chosen, chosen_est, ties = t, est, 1
            elif est == chosen_est:
                ties += 1
                if _rand(rng, ties) == 0:
                    chosen = t
        n_re = 0  # machine reassignments considered
        re_x, re_m, re_k = -1, -1, -1
        if flexible:
            for b in range(nb):
                base = blk[0, b] * cap
                for t in range(blk[1, b], blk[1, b] + blk[2, b]):
                    x = seq[base + t]
                    if alt_ptr[x + 1] - alt_ptr[x] < 2:
                        continue
                    a0, b0 = mp[x], ms[x]
                    rest = 0
                    if a0 >= 0 and b0 >= 0:  # the old machine neighbours, now adjacent
                        rest = r[a0] + p[a0] + p[b0] + q[b0]
                    m0 = mach[x]
                    for a in range(alt_ptr[x], alt_ptr[x + 1]):
                        m2 = alt_m[a]
                        if m2 == m0 or atabu[x * n_mach + m2] > clock:
                            continue
                        k, v = _insertion(g, seq, seqlen, cap, x, m2, alt_d[a])
                        if k < 0:
                            continue
                        n_re += 1
                        est = v if v > rest else rest
                        if (chosen < 0 and re_x < 0) or est < chosen_est:
                            chosen, re_x, re_m, re_k, chosen_est, ties = -1, x, m2, k, est, 1
                        elif est == chosen_est:
                            ties += 1
                            if _rand(rng, ties) == 0:
                                chosen, re_x, re_m, re_k = -1, x, m2, k
        if nm == 0 and n_re == 0:
            if not flexible:
                movable = False
                for b in range(nb):
                    if blk[2, b] > 1:
                        movable = True
                if not movable:  # the critical path is one machine or one job: the order is optimal
                    ctl[DONE] = 1
                    break
            _restart(g, seq, seqlen, alt_ptr, alt_m, alt_d, best_seq, best_len, best_mach, blk, mv, ctl, rng)
            ctl[RESTARTS] += 1
            continue
        tenure = ctl[TENURE] + _rand(rng, ctl[TENURE] // 2 + 1)
        if chosen < 0 and re_x >= 0:
            m0, i0 = _reassign(g, seq, seqlen, cap, alt_ptr, alt_m, alt_d, re_x, re_m, re_k)
            mk = evaluate(g)
            if mk < 0:
                _reassign(g, seq, seqlen, cap, alt_ptr, alt_m, alt_d, re_x, m0, i0)
                ctl[MAKESPAN] = evaluate(g)
                atabu[re_x * n_mach + re_m] = clock + tenure
                continue
            atabu[re_x * n_mach + m0] = clock + tenure  # not back to the old machine soon
        else:
            if chosen < 0:  # every move is tabu: take one at random
                chosen = _rand(rng, nm)
            m, i, j = mv[0, chosen], mv[1, chosen], mv[2, chosen]
            _apply(g, seq, seqlen, cap, m, i, j)
            mk = evaluate(g)
            if mk < 0:  # closed a cycle after all: undo, and keep away from it for a while
                _apply(g, seq, seqlen, cap, m, j, i)
                ctl[MAKESPAN] = evaluate(g)
                _forbid(tabu, n, seq, m * cap, j, i, clock + tenure)
                continue
            _forbid(tabu, n, seq, m * cap, i, j, clock + tenure)
        ctl[MAKESPAN] = mk
        if mk < ctl[BEST]:
            ctl[BEST] = mk
            _copy(seq, best_seq)
            _copy(seqlen, best_len)
            _copy(mach, best_mach)
            ctl[IMPROVEMENTS] += 1
            ctl[SINCE] = 0
            ctl[FRUITLESS] = 0
    return steps
