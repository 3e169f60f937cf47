"""The search: constructive builds, local search, and a set-covering step over the generated patterns.

1. Many sequential builds (one sheet at a time, each sheet filled by the best of several heuristic
   fills) with different sort orders and randomised restarts; every sheet becomes a *pattern*.
2. Local search: try to empty the weakest sheet by moving its parts into other sheets (each move is
   checked by re-packing the receiving sheet from scratch).
3. Set covering over all patterns seen so far with OR-Tools (a SCIP MIP: pick patterns covering every
   part at least once at minimum cost, then sheets); surplus copies of a part are dropped, which keeps
   every pattern valid.
4. With one sheet size: one sheet fewer than the best, by a local search over the part sequence
   packed into a fixed number of sheets (``fixed_bins``, compiled); first right after the
   constructive builds, then in every round; with ``workers`` > 1 several walks run in threads.

The search stops at the time limit or as soon as the number of sheets equals a lower bound.
Several stock sizes (each with cost, count and a priority: remnants first) are supported.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jejo.furniture.cutting.bounds import lower_bound
from jejo.furniture.cutting.fixed_bins import pack_into
from jejo.furniture.cutting.heuristics import (
    SORT_KEYS,
    PItem,
    PPlace,
    by_key,
    fill,
    methods_for,
    placed_area,
    sort_key,
)
from jejo.furniture.cutting.model import Instance, Placement, Solution


@dataclass(frozen=True, slots=True)
class Stock:
    """A sheet type for the search: size, cost, how many (``None``: unlimited), priority (0 used first)."""

    w: int
    h: int
    cost: float = 1.0
    count: int | None = None
    priority: int = 1

    @property
    def area(self) -> int:
        return self.w * self.h


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """Search options. ``stages`` limits guillotine patterns to 2 or 3 stages (shelf layouts).
    ``workers``: threads for the one-sheet-fewer step (independent walks; the rest of the search is
    single-threaded); 1 keeps the whole search on one core."""

    guillotine: bool = False
    stages: int | None = None
    time_limit: float = 10.0
    seed: int = 0
    workers: int = 1


Packing = list[tuple[int, list[PPlace]]]  # (stock index, placements)


class Search:
    """One search run over items and stocks; see the module docstring."""

    def __init__(
        self, items: Sequence[PItem], stocks: Sequence[Stock], options: SolveOptions, lb: int = 0
    ) -> None:
        self.items = {it[0]: it for it in items}
        self.stocks = list(stocks)
        self.opt = options
        self.rng = random.Random(options.seed)
        self.methods = methods_for(options.guillotine, options.stages)
        self.deadline = time.monotonic() + options.time_limit
        self.t0 = time.monotonic()
        self.lb = lb
        keys: dict[tuple[int, int, bool], int] = {}
        self.type_of: dict[int, int] = {}
        for idx, w, h, rot in items:
            self.type_of[idx] = keys.setdefault((w, h, rot), len(keys))
        self.demand = Counter(self.type_of.values())
        self.pool: dict[tuple[int, tuple[int, ...]], list[PPlace]] = {}
        self.best: Packing | None = None
        self.best_obj: tuple[float, int] = (float("inf"), 1 << 30)
        self.cache: dict[tuple[int, tuple[int, ...]], list[PPlace] | None] = {}
        self.stats: Counter[str] = Counter()

    # ----------------------------------------------------------------- helpers
    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def objective(self, packing: Packing) -> tuple[float, int]:
        return (round(sum(self.stocks[s].cost for s, _ in packing), 6), len(packing))

    def optimal(self) -> bool:
        return self.best is not None and len(self.stocks) == 1 and self.best_obj[1] <= self.lb

    def pattern_key(self, s: int, pl: Sequence[PPlace]) -> tuple[int, tuple[int, ...]]:
        return (s, tuple(sorted(self.type_of[p[0]] for p in pl)))

    def offer(self, packing: Packing, origin: str) -> bool:
        """Record a complete packing; return True if it is a new best."""
        for s, pl in packing:
            self.pool.setdefault(self.pattern_key(s, pl), pl)
        obj = self.objective(packing)
        if obj < self.best_obj:
            self.best, self.best_obj = [(s, list(pl)) for s, pl in packing], obj
            self.stats[f"improved_by_{origin}"] += 1
            return True
        return False

    def ordered(self, items: Sequence[PItem], key: str, noise: float) -> list[PItem]:
        if noise <= 0:
            return by_key(items, key)
        r = self.rng.random
        return sorted(items, key=lambda it: -sort_key(key, it) * (1.0 + noise * (2 * r() - 1)))

    # ------------------------------------------------------------ construction
    def build(self, combos: Sequence[tuple[str, str]], noise: float) -> Packing | None:
        """Fill one sheet at a time; each sheet takes the best of the given (method, sort) fills."""
        remaining = dict(self.items)
        left = {k: s.count for k, s in enumerate(self.stocks)}
        packing: Packing = []
        prios = sorted({s.priority for s in self.stocks})
        while remaining:
            rem = list(remaining.values())
            rem_area = sum(w * h for _, w, h, _ in rem)
            best: tuple[tuple[int, float, int], int, list[PPlace]] | None = None
            for prio in prios:
                for k, st in enumerate(self.stocks):
                    if st.priority != prio or left[k] == 0:
                        continue
                    for method, key in combos:
                        pl = fill(st.w, st.h, self.ordered(rem, key, noise), method)
                        if not pl:
                            continue
                        a = placed_area(pl)
                        score = (0, st.cost, -a) if a == rem_area else (1, st.cost / a, -a)
                        if best is None or score < best[0]:
                            best = (score, k, pl)
                if best is not None:
                    break
            if best is None:
                return None
            _, k, pl = best
            if left[k] is not None:
                left[k] -= 1  # type: ignore[operator]
            for p in pl:
                del remaining[p[0]]
            packing.append((k, pl))
        return packing

    # ----------------------------------------------------------- local search
    def repack(self, s: int, items: Sequence[PItem], tries: int = 3) -> list[PPlace] | None:
        """Try to put all ``items`` into one sheet of stock ``s``; None if the heuristics fail."""
        st = self.stocks[s]
        if sum(w * h for _, w, h, _ in items) > st.area:
            return None
        key = (s, tuple(sorted(self.type_of[it[0]] for it in items)))
        if key in self.cache:
            hit = self.cache[key]
            if hit is None:
                return None
            return self._rename(hit, items)
        self.stats["repacks"] += 1
        found: list[PPlace] | None = None
        orders = [self.ordered(items, k, 0.0) for k in SORT_KEYS[:4]]
        orders += [self.ordered(items, self.rng.choice(SORT_KEYS), 0.3) for _ in range(tries)]
        for order in orders:
            if time.monotonic() > self.deadline:
                return None  # out of time (not cached)
            for method in self.methods:
                pl = fill(st.w, st.h, order, method)
                if len(pl) == len(items):
                    found = pl
                    break
            if found is not None:
                break
        self.cache[key] = found
        return found

    def _rename(self, pl: Sequence[PPlace], items: Sequence[PItem]) -> list[PPlace]:
        """Reuse a cached pattern for other items of the same types."""
        byt: dict[int, list[int]] = {}
        for it in items:
            byt.setdefault(self.type_of[it[0]], []).append(it[0])
        out = []
        for idx, x, y, w, h, r in pl:
            out.append((byt[self.type_of[idx]].pop(), x, y, w, h, r))
        return out

    def local_search(self, packing: Packing, budget: float) -> Packing:
        """Empty the weakest sheet: its parts go to a pool, then move into other sheets, directly or by
        swapping out smaller parts (the pool's area shrinks with every move, so this ends). On failure the
        pool is packed back into one sheet and the search stops."""
        end = min(self.deadline, time.monotonic() + budget)
        bins = [(s, list(pl)) for s, pl in packing]
        while time.monotonic() < end and len(bins) > 1:
            if len(self.stocks) == 1 and len(bins) <= self.lb:
                break
            b = min(range(len(bins)), key=lambda k: placed_area(bins[k][1]) / self.stocks[bins[k][0]].area)
            s_b = bins[b][0]
            pool = [self.items[p[0]] for p in bins[b][1]]
            area0 = sum(w * h for _, w, h, _ in pool)
            rest = [x for k, x in enumerate(bins) if k != b]
            self._eject(rest, pool, end)
            if not pool:
                self.stats["bins_emptied"] += 1
                bins = rest
                continue
            if sum(w * h for _, w, h, _ in pool) >= area0:
                break
            back = self.repack(s_b, pool)
            if back is None:
                break
            bins = [*rest, (s_b, back)]
        return self.downsize(bins)

    def _eject(self, bins: Packing, pool: list[PItem], end: float) -> None:
        """Move pool items into ``bins`` (in place), by insertion or by swapping out smaller items."""
        progress = True
        while pool and progress and time.monotonic() < end:
            progress = False
            pool.sort(key=lambda it: -it[1] * it[2])
            for it in list(pool):
                a_i = it[1] * it[2]
                order = list(range(len(bins)))
                self.rng.shuffle(order)
                done = False
                for j in order:
                    if time.monotonic() >= end:
                        return
                    s_j, pl_j = bins[j]
                    if self.stocks[s_j].area - placed_area(pl_j) < a_i:
                        continue
                    new = self.repack(s_j, [self.items[q[0]] for q in pl_j] + [it])
                    if new is not None:
                        bins[j] = (s_j, new)
                        done = True
                        break
                if not done:
                    for j in order:
                        s_j, pl_j = bins[j]
                        free = self.stocks[s_j].area - placed_area(pl_j)
                        cands = [q for q in pl_j if q[3] * q[4] < a_i and free + q[3] * q[4] >= a_i]
                        cands.sort(key=lambda q: -q[3] * q[4])
                        for q in cands[:6]:
                            if time.monotonic() >= end:
                                return
                            new = self.repack(s_j, [self.items[r[0]] for r in pl_j if r[0] != q[0]] + [it])
                            if new is not None:
                                bins[j] = (s_j, new)
                                pool.append(self.items[q[0]])
                                done = True
                                break
                        if done or time.monotonic() >= end:
                            break
                if done:
                    pool.remove(it)
                    progress = True
                if time.monotonic() >= end:
                    return

    def downsize(self, bins: Packing) -> Packing:
        """Move a sheet's parts to a cheaper stock (of a priority not later) where they fit."""
        if len(self.stocks) == 1:
            return bins
        used = Counter(s for s, _ in bins)
        out: Packing = []
        for s, pl in bins:
            best = (s, pl)
            for k, st in enumerate(self.stocks):
                cur = self.stocks[best[0]]
                if k == best[0] or st.cost >= cur.cost or st.priority > self.stocks[s].priority:
                    continue
                if st.count is not None and used[k] >= st.count:
                    continue
                new = self.repack(k, [self.items[q[0]] for q in pl])
                if new is not None:
                    best = (k, new)
            if best[0] != s:
                used[s] -= 1
                used[best[0]] += 1
            out.append(best)
        return out

    # ------------------------------------------------------------ set covering
    def set_cover(self, budget: float) -> Packing | None:
        """Choose patterns from the pool with a MIP (OR-Tools SCIP); None without a solution."""
        from ortools.linear_solver import pywraplp

        pats = list(self.pool.items())
        solver = pywraplp.Solver.CreateSolver("SCIP")
        if solver is None:  # pragma: no cover - SCIP ships with OR-Tools
            return None
        ntypes = len(self.demand)
        cover: list[list[tuple[int, Any]]] = [[] for _ in range(ntypes)]
        per_stock: dict[int, list[Any]] = {}
        big = len(self.items) + 1
        xs = []
        objective = solver.Objective()
        for p, ((s, types), _) in enumerate(pats):
            cnt = Counter(types)
            ub = min(-(-self.demand[t] // c) for t, c in cnt.items())
            st = self.stocks[s]
            if st.count is not None:
                ub = min(ub, st.count)
            x = solver.IntVar(0, ub, f"x{p}")
            xs.append(x)
            for t, c in cnt.items():
                cover[t].append((c, x))
            per_stock.setdefault(s, []).append(x)
            objective.SetCoefficient(x, round(st.cost * 1000) * big + (1 if st.priority else -1))
        objective.SetMinimization()
        for t in range(ntypes):
            ct = solver.Constraint(self.demand[t], solver.infinity())
            for c, x in cover[t]:
                ct.SetCoefficient(x, c)
        for s, vs in per_stock.items():
            cnt_s = self.stocks[s].count
            if cnt_s is not None:
                ct = solver.Constraint(0, cnt_s)
                for x in vs:
                    ct.SetCoefficient(x, 1)
        if len(self.stocks) == 1 and self.lb:
            ct = solver.Constraint(self.lb, solver.infinity())
            for x in xs:
                ct.SetCoefficient(x, 1)
        if self.best is not None:
            use = Counter(self.pattern_key(s, pl) for s, pl in self.best)
            index = {k: i for i, (k, _) in enumerate(pats)}
            hint = [(xs[index[k]], float(v)) for k, v in use.items() if k in index]
            if len(hint) == len(use):
                solver.SetHint([h[0] for h in hint], [h[1] for h in hint])
        solver.SetTimeLimit(max(50, int(1000 * budget)))
        status = solver.Solve()
        self.stats["scp_runs"] += 1
        self.stats["scp_patterns"] = len(pats)
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return None
        todo: dict[int, list[int]] = {}
        for idx in sorted(self.items, reverse=True):
            todo.setdefault(self.type_of[idx], []).append(idx)
        packing: Packing = []
        for p, ((s, _), pl) in enumerate(pats):
            for _ in range(round(xs[p].solution_value())):
                new = []
                for idx, x, y, w, h, r in pl:
                    lst = todo.get(self.type_of[idx])
                    if lst:
                        new.append((lst.pop(), x, y, w, h, r))
                if new:
                    packing.append((s, new))
        if any(todo.values()):
            return None
        return packing

    # ------------------------------------------------------------------- main
    def run(self) -> Packing:
        """Search until the time limit or a packing at the lower bound."""
        combos_all = [(m, k) for m in self.methods for k in SORT_KEYS]
        # 1. deterministic builds, one (method, order) for all sheets, then per-sheet best of all methods
        for combo in combos_all:
            pk = self.build([combo], 0.0)
            if pk is not None:
                self.offer(pk, "construct")
            if self.optimal() or (self.best is not None and self.time_left() <= 0):
                return self._finish()
        if self.best is None:
            raise ValueError("some part fits on no sheet")
        if self._exact():
            return self._finish()
        # the one-sheet-fewer search gets most of the time: 70 % now, half of what is left each round
        self._fixed_bins(0.7 * self.time_left(), 0)
        rounds = 0
        while self.time_left() > 0 and not self.optimal():
            rounds += 1
            slice_end = time.monotonic() + max(0.05, 0.3 * self.time_left())
            # 2. randomised builds, each sheet the best of a few random combos
            while time.monotonic() < slice_end and not self.optimal():
                combos = self.rng.sample(combos_all, k=min(3, len(combos_all)))
                pk = self.build(combos, self.rng.choice((0.05, 0.1, 0.2, 0.3)))
                if pk is not None:
                    self.offer(pk, "restart")
                    if self.rng.random() < 0.3:
                        self.offer(self.local_search(pk, 0.05 * self.time_left()), "local")
            if self.optimal() or self.time_left() <= 0:
                break
            # 3. local search on the best
            assert self.best is not None
            self.offer(self.local_search(self.best, 0.25 * self.time_left()), "local")
            if self.optimal() or self.time_left() <= 0:
                break
            # 4. set covering over every pattern seen
            pk2 = self.set_cover(0.4 * self.time_left())
            if pk2 is not None:
                self.offer(pk2, "setcover")
                self.offer(self.local_search(pk2, 0.2 * self.time_left()), "local")
            # 5. one sheet fewer by a search over the part sequence
            self._fixed_bins(0.5 * self.time_left(), rounds)
        self.stats["rounds"] = rounds
        return self._finish()

    def _fixed_bins(self, budget: float, seed: int) -> None:
        """Ask for one sheet fewer than the best (single sheet size, free or any-stage guillotine
        patterns), and again while that succeeds and the lower bound allows."""
        if len(self.stocks) != 1 or self.opt.stages is not None:
            return
        st = self.stocks[0]
        end = min(self.deadline, time.monotonic() + budget)
        while self.best is not None and not self.optimal() and time.monotonic() < end:
            bins = pack_into(
                list(self.items.values()),
                st.w,
                st.h,
                len(self.best) - 1,
                self.opt.guillotine,
                end,
                self.opt.seed + seed,
                self.opt.workers,
            )
            if bins is None:
                return
            self.offer([(0, pl) for pl in bins], "fixed_bins")

    def _exact(self) -> bool:
        """Small free-packing jobs: CP-SAT for one sheet fewer; True when the best is proven optimal."""
        from jejo.furniture.cutting.exact import EXACT_MAX_ITEMS, fit_in_bins

        if (
            self.opt.guillotine
            or len(self.stocks) != 1
            or len(self.items) > EXACT_MAX_ITEMS
            or self.time_left() < 4.0
        ):
            return self.optimal()
        st = self.stocks[0]
        while not self.optimal() and self.time_left() > 1.0:
            assert self.best is not None
            status, bins = fit_in_bins(
                list(self.items.values()),
                st.w,
                st.h,
                len(self.best) - 1,
                0.5 * self.time_left(),
                self.opt.seed,
            )
            self.stats["exact_runs"] += 1
            if status == "infeasible":
                self.stats["proven_optimal"] = 1
                return True
            if bins is None:
                break
            self.offer([(0, pl) for pl in bins], "exact")
        return self.optimal()

    def _finish(self) -> Packing:
        assert self.best is not None
        self.stats["seconds"] = round(time.monotonic() - self.t0, 3)  # type: ignore[assignment]
        return self.best


def solve(inst: Instance, options: SolveOptions | None = None) -> Solution:
    """Pack a classic single-size instance; bins are numbered 0.. in the returned solution."""
    opt = options or SolveOptions()
    items = [(i, it.w, it.h, it.rotate) for i, it in enumerate(inst.items)]
    for i, it in enumerate(inst.items):
        if not ((it.w <= inst.W and it.h <= inst.H) or (it.rotate and it.h <= inst.W and it.w <= inst.H)):
            raise ValueError(
                f"item {i} ({it.w} x {it.h}) fits in no orientation on a {inst.W} x {inst.H} bin"
            )
    lb = lower_bound(inst.items, inst.W, inst.H)
    if not items:
        return Solution([], 0, opt.guillotine, 0)
    search = Search(items, [Stock(inst.W, inst.H)], opt, lb)
    packing = search.run()
    placements = [
        Placement(idx, b, x, y, w, h, r) for b, (_, pl) in enumerate(packing) for idx, x, y, w, h, r in pl
    ]
    placements.sort(key=lambda p: p.item)
    stats: dict[str, float | int | str] = dict(search.stats)
    return Solution(placements, len(packing), opt.guillotine or opt.stages is not None, lb, stats)
