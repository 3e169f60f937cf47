"""Fit every part into a fixed number of sheets: the step that saves a sheet.

When the best packing has k + 1 sheets, this search asks for k. The parts are placed in a sequence into
the k sheets: part by part, each into the first sheet where it fits (MaxRects, or guillotine splitting
for a panel saw), or into three-stage shelves (each part where it fits best), or sheet by sheet with
the lowest gap of a skyline taking the part that fits it best; what fits nowhere is left over. For a
panel saw, the skyline and MaxRects packings keep only the sheets that edge-to-edge cuts separate
(``CHECKED``). A local search over the sequence (swap two parts, or move a left-over part earlier)
keeps every move that does not grow the left-over area, and restarts with another placement rule and
starting order when it stalls. With three sheets or more, each chunk of sequence moves is followed by
a chunk of re-packing: two or three of the k sheets are emptied and packed again together with the
left-over parts (the skyline or a MaxRects rule; for a panel saw checked, and the shelves too), kept
when the left-over area does not grow (the sheets not chosen keep their layout). It ends when nothing
is left over (a packing with k sheets) or at the deadline. The inner loops are compiled
(``fixed_bins_kernel``, numba, without the interpreter lock), so several independent walks can run
in threads, the first to pack everything stopping the others.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np

from jejo.furniture.cutting import fixed_bins_kernel as kernel
from jejo.furniture.cutting.heuristics import (
    FREE_RULES,
    GUILLOTINE_SPLITS,
    SORT_KEYS,
    PItem,
    PPlace,
    by_key,
    methods_for,
)

BEST_FIT = (kernel.SKYLINE, kernel.SHELF_LOW, kernel.SHELF_HIGH)  # rules that run once, not in restarts
CHUNK_S = 0.15  # seconds of moves between looks at the clock
STALL = 8  # chunks without a better sequence before a restart


def _combos(guillotine: bool) -> list[tuple[bool, int, int]]:
    """The kernel's (guillotine, split, rule) codes the search uses in this mode: in free packing the
    best-fit skyline (a place picks its part) and the one-sheet fills' MaxRects rules (a part picks its
    place; first-fit sequences with guillotine splitting pack less tightly, so free mode leaves them
    out); in guillotine mode the skyline and MaxRects rules with only the sheets a saw can cut kept
    (``CHECKED``), the three-stage shelves, and the fills' guillotine splits."""
    # the best-fit rules first: the skyline finds tight packings of many small parts at once, the
    # shelves pack long parts in strips
    if guillotine:
        out = [
            (True, kernel.CHECKED, kernel.SKYLINE),
            (True, 0, kernel.SHELF_LOW),
            (True, 0, kernel.SHELF_HIGH),
        ]
    else:
        out = [(False, 0, kernel.SKYLINE)]
    for method in methods_for(guillotine):
        parts = method.split("-")
        if parts[0] == "guil" and guillotine:
            out.append((True, GUILLOTINE_SPLITS.index(parts[1]), FREE_RULES.index(parts[2])))
        elif parts[0] == "free":
            out.append((False, 0, FREE_RULES.index(parts[1])))
    if guillotine:
        # after the splitting rules: those find the tight two-sheet packings of class 4 from the
        # first sort orders
        out += [(True, kernel.CHECKED, r) for r in range(len(FREE_RULES))]
    return out


def pack_into(
    items: Sequence[PItem],
    W: int,
    H: int,
    k: int,
    guillotine: bool,
    deadline: float,
    seed: int = 0,
    workers: int = 1,
) -> list[list[PPlace]] | None:
    """Every item in ``k`` sheets of W × H (guillotine patterns when asked), or None if the search
    finds no way before ``deadline``. With several ``workers``, as many independent walks run in
    threads (the compiled kernel runs without the interpreter lock), each with its own seed and its
    share of the first starts; the first to pack everything stops the others."""
    if k <= 0 or not items:
        return None
    if sum(w * h for _, w, h, _ in items) > k * W * H:
        return None
    search = _Search.of(items, W, H, k, guillotine, deadline)
    if workers <= 1:
        return search.walk(seed, 0, 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fixed-bins") as ex:
        futures = [ex.submit(search.walk, seed, w, workers) for w in range(workers)]
        found = None
        try:
            for fut in as_completed(futures):
                found = fut.result()
                if found is not None:
                    break
        finally:
            search.stop.set()  # the others stop too: one packed everything, or one failed
    return found


@dataclass(frozen=True, slots=True)
class _Search:
    """What every walk of one request shares (read only, except ``stop``)."""

    W: int
    H: int
    k: int
    guillotine: bool
    deadline: float
    ids: list[int]
    ws: np.ndarray
    hs: np.ndarray
    rots: np.ndarray
    starts: list[np.ndarray]  # the items in each of the sort orders
    first: list[tuple[tuple[bool, int, int], int]]  # deterministic starts: (rule codes, sort order)
    others: list[tuple[bool, int, int]]  # the rules of the random restarts
    lns_rules: np.ndarray  # the rules of the sheet re-packing
    stop: threading.Event

    @classmethod
    def of(cls, items: Sequence[PItem], W: int, H: int, k: int, guillotine: bool, deadline: float) -> _Search:
        local = [(j, w, h, r) for j, (_, w, h, r) in enumerate(items)]
        starts = [np.array([it[0] for it in by_key(local, key)], np.int64) for key in SORT_KEYS]
        combos = _combos(guillotine)
        fits = [c for c in combos if c[2] in BEST_FIT]
        others = combos[len(fits) :]
        # the best-fit rules once from the first order, every other rule from every order, then
        # random restarts with those rules
        first = [*((c, 0) for c in fits), *itertools.product(others, range(len(starts)))]
        if guillotine and k == 2:
            # two sheets (no re-packing): the splitting rules first, they find the tight two-sheet
            # packings of class 4 within seconds, where the best-fit rules do not
            first = sorted(first, key=lambda f: f[0] in fits)
        # each chunk of sequence moves is followed by a chunk of bin re-packing
        lns_rules = np.array([kernel.SKYLINE, *range(len(FREE_RULES))], np.int64)
        if guillotine:
            lns_rules = np.array([*lns_rules, kernel.SHELF_LOW, kernel.SHELF_HIGH], np.int64)
        return cls(
            W,
            H,
            k,
            guillotine,
            deadline,
            [it[0] for it in items],
            np.array([it[1] for it in items], np.int64),
            np.array([it[2] for it in items], np.int64),
            np.array([1 if it[3] else 0 for it in items], np.int64),
            starts,
            first,
            others,
            lns_rules,
            threading.Event(),
        )

    def walk(self, seed: int, walker: int, walkers: int) -> list[list[PPlace]] | None:
        """One walk (number ``walker`` of ``walkers``): the deterministic starts it owns, then random
        restarts, until everything is packed, ``stop`` is set or the deadline passes."""
        W, H, k, guillotine, deadline = self.W, self.H, self.k, self.guillotine, self.deadline
        ws, hs, rots, ids, starts, others = self.ws, self.hs, self.rots, self.ids, self.starts, self.others
        lns_rules, stop = self.lns_rules, self.stop
        rng = random.Random(seed + 1_000_003 * walker)
        first = self.first[walker::walkers]  # the walkers share the deterministic starts
        out = np.empty((len(ids), 6), np.int64)
        lns_out = np.empty_like(out)
        iters = lns_iters = 200  # moves per chunk, tuned to CHUNK_S after the first chunk
        r = 0

        def going() -> bool:
            return time.monotonic() < deadline and not stop.is_set()

        while going():
            if r < len(first):
                (guil, split, rule), s = first[r]
                order = starts[s].copy()
            else:
                guil, split, rule = rng.choice(others)
                order = np.array(rng.sample(range(len(ids)), len(ids)), np.int64)
            r += 1
            best = lns_left = None
            stalled = 0
            while going() and stalled < STALL:
                t = time.monotonic()
                left = kernel.improve(
                    W, H, ws, hs, rots, order, k, guil, split, rule, iters, rng.randrange(1 << 30), out
                )
                iters = _tuned(iters, time.monotonic() - t)
                if left == 0:
                    return _bins(out, ids, k)
                if k >= 3 and going():  # two sheets re-packed is a restart
                    if lns_left is None or left < lns_left:  # re-pack from the better packing
                        lns_out[:] = out
                    t = time.monotonic()
                    lns_seed = rng.randrange(1 << 30)
                    lns_left = kernel.repack_bins(
                        W,
                        H,
                        ws,
                        hs,
                        rots,
                        k,
                        guillotine,
                        kernel.CHECKED,
                        lns_rules,
                        lns_iters,
                        lns_seed,
                        lns_out,
                    )
                    lns_iters = _tuned(lns_iters, time.monotonic() - t)
                    if lns_left == 0:
                        return _bins(lns_out, ids, k)
                    left = min(left, lns_left)
                stalled = stalled + 1 if best is not None and left >= best else 0
                best = left if best is None else min(best, left)
        return None


def _tuned(iters: int, spent: float) -> int:
    """Moves for the next chunk so that it lasts about CHUNK_S."""
    return iters if spent <= 0 else max(20, min(20_000, int(iters * CHUNK_S / spent)))


def _bins(out: np.ndarray, ids: Sequence[int], k: int) -> list[list[PPlace]]:
    bins: list[list[PPlace]] = [[] for _ in range(k)]
    for j, (b, x, y, w, h, rot) in enumerate(out.tolist()):
        bins[b].append((ids[j], x, y, w, h, bool(rot)))
    return [b for b in bins if b]


def warm_up() -> float:
    """Compile (or load from the cache) the kernel now; return the seconds it took. One call of each
    search compiles every function (the placement rule is an argument, not a type)."""
    t = time.monotonic()
    ws, hs, rots = (np.array(v, np.int64) for v in ((4, 3, 2), (3, 3, 5), (1, 0, 1)))
    out = np.empty((3, 6), np.int64)
    kernel.improve(6, 6, ws, hs, rots, np.arange(3), 2, False, 0, 0, 1, 0, out)
    kernel.repack_bins(6, 6, ws, hs, rots, 2, False, 0, np.array([0, kernel.SKYLINE]), 1, 0, out)
    rules = np.array([0, kernel.SKYLINE, kernel.SHELF_LOW], np.int64)
    kernel.repack_bins(6, 6, ws, hs, rots, 2, True, kernel.CHECKED, rules, 3, 0, out)
    return time.monotonic() - t
