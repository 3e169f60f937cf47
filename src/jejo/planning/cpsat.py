"""CP-SAT model and solver for (flexible) job shops, with warm start and large-neighbourhood search.

:func:`solve` always returns a feasible schedule before the deadline:

1. the best of several dispatching rules gives a first schedule; a tabu search on the disjunctive
   graph (:mod:`jejo.planning.tabu`, with machine reassignment on flexible instances) improves it;
   the result gives a tight horizon and a complete solution hint;
2. CP-SAT solves the full model (interval variables, no-overlap per machine, a tightened domain per
   operation from head/tail bounds) warm-started with that hint;
3. the remaining time goes to a large-neighbourhood search: each step relaxes a part of the incumbent
   (a time window, a few jobs or a few machines), keeps the machine order (and machine choice) of
   every other operation, and re-optimises the sub-problem with CP-SAT under a short limit. By
   default CP-SAT's own neighbourhood search (alternating with tabu runs) takes that time instead.

:func:`plain_model` is the baseline model (no hints, no search strategy) used by the benchmark.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from jejo.planning.heuristics import best_dispatch, machine_sequences
from jejo.planning.jobshop import Instance, Schedule
from jejo.planning.tabu import TabuStats, tabu_search

log = logging.getLogger(__name__)

Op = tuple[int, int]


class JobShopModel:
    """The CP-SAT model of an instance, optionally restricted around an incumbent (for LNS)."""

    def __init__(
        self,
        instance: Instance,
        horizon: int,
        incumbent: Schedule | None = None,
        relaxed: set[Op] | None = None,
        secondary: bool = False,
    ) -> None:
        self.instance = instance
        m = cp_model.CpModel()
        self.model = m
        self.starts: list[list[cp_model.IntVar]] = []
        self.ends: list[list[cp_model.IntVar]] = []
        self.literals: dict[tuple[int, int, int], cp_model.IntVar] = {}
        by_machine: list[list[cp_model.IntervalVar]] = [[] for _ in range(instance.n_machines)]
        fixed_machine = incumbent is not None and relaxed is not None
        job_ends = []
        for j, job in enumerate(instance.jobs):
            mins = [op.min_duration for op in job.operations]
            head = job.release
            tail = sum(mins)
            srow: list[cp_model.IntVar] = []
            erow: list[cp_model.IntVar] = []
            for k, op in enumerate(job.operations):
                lo, hi = head, horizon - tail
                s = m.new_int_var(lo, max(lo, hi), f"s{j}_{k}")
                e = m.new_int_var(lo + mins[k], max(lo, hi) + max(d for _, d in op.alternatives), f"e{j}_{k}")
                alts = op.alternatives
                if fixed_machine and (j, k) not in relaxed:  # type: ignore[operator]
                    chosen = incumbent.machines[j][k]  # type: ignore[union-attr]
                    alts = tuple(a for a in alts if a[0] == chosen)
                if len(alts) == 1:
                    mach, d = alts[0]
                    m.add(e == s + d)
                    by_machine[mach].append(m.new_fixed_size_interval_var(s, d, f"i{j}_{k}"))
                else:
                    lits = []
                    for mach, d in alts:
                        lit = m.new_bool_var(f"x{j}_{k}_{mach}")
                        self.literals[(j, k, mach)] = lit
                        lits.append(lit)
                        by_machine[mach].append(
                            m.new_optional_fixed_size_interval_var(s, d, lit, f"i{j}_{k}_{mach}")
                        )
                        m.add(e == s + d).only_enforce_if(lit)
                    m.add_exactly_one(lits)
                if k:
                    m.add(s >= erow[-1])
                srow.append(s)
                erow.append(e)
                head += mins[k]
                tail -= mins[k]
            self.starts.append(srow)
            self.ends.append(erow)
            job_ends.append(erow[-1])
        for intervals in by_machine:
            if len(intervals) > 1:
                m.add_no_overlap(intervals)
        self.makespan = m.new_int_var(instance.lower_bound(), horizon, "makespan")
        for e in job_ends:
            m.add(self.makespan >= e)
        if incumbent is not None and relaxed is not None:
            for seq in machine_sequences(instance, incumbent):
                kept = [op for op in seq if op not in relaxed]
                for (ja, ka), (jb, kb) in itertools.pairwise(kept):
                    m.add(self.starts[jb][kb] >= self.ends[ja][ka])
        self.job_ends = job_ends
        if secondary:
            # lexicographic: makespan first, then the sum of job completion times (pushes plateau moves
            # towards left-compressed schedules with fewer critical paths)
            weight = len(job_ends) * horizon + 1
            m.minimize(weight * self.makespan + sum(job_ends))
        else:
            m.minimize(self.makespan)

    def hint(self, schedule: Schedule) -> None:
        """Give CP-SAT a complete solution hint."""
        m = self.model
        m.clear_hints()
        for j, job in enumerate(self.instance.jobs):
            for k, op in enumerate(job.operations):
                s = schedule.starts[j][k]
                mach = schedule.machines[j][k]
                m.add_hint(self.starts[j][k], s)
                m.add_hint(self.ends[j][k], s + op.duration_on(mach))
                for alt, _ in op.alternatives:
                    lit = self.literals.get((j, k, alt))
                    if lit is not None:
                        m.add_hint(lit, alt == mach)
        m.add_hint(self.makespan, schedule.makespan)

    def extract(self, solver: cp_model.CpSolver) -> Schedule:
        """Read the schedule from a solved model."""
        starts = [[int(solver.value(s)) for s in row] for row in self.starts]
        machines = []
        for j, job in enumerate(self.instance.jobs):
            row = []
            for k, op in enumerate(job.operations):
                mach = op.alternatives[0][0]
                for alt, _ in op.alternatives:
                    lit = self.literals.get((j, k, alt))
                    if lit is not None and solver.boolean_value(lit):
                        mach = alt
                row.append(mach)
            machines.append(row)
        return Schedule.from_starts(self.instance, starts, machines)


@dataclass(slots=True)
class _Result:
    schedule: Schedule | None
    optimal: bool
    bound: int


def _run(model: JobShopModel, limit: float, workers: int, seed: int, lns_only: bool = False) -> _Result:
    solver = cp_model.CpSolver()
    p = solver.parameters
    if lns_only:
        p.use_lns_only = True
    p.max_time_in_seconds = max(0.01, limit)
    p.num_workers = max(1, workers)
    p.random_seed = seed
    p.log_search_progress = False
    status = solver.solve(model.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Result(model.extract(solver), status == cp_model.OPTIMAL, int(solver.best_objective_bound))
    return _Result(None, status == cp_model.INFEASIBLE, 0)


def _neighbourhood(
    instance: Instance, best: Schedule, kind: str, fraction: float, rng: random.Random
) -> set[Op]:
    ops: list[tuple[int, int, int]] = [
        (best.starts[j][k], j, k) for j, job in enumerate(instance.jobs) for k in range(len(job.operations))
    ]
    size = max(2, int(fraction * len(ops)))
    if kind == "window":
        ops.sort()
        first = rng.randrange(0, max(1, len(ops) - size + 1))
        return {(j, k) for _, j, k in ops[first : first + size]}
    if kind == "critical":
        ops.sort()
        crit = critical_operations(instance, best)
        pick = rng.choice(crit)
        centre = next(i for i, o in enumerate(ops) if (o[1], o[2]) == pick)
        first = min(max(0, centre - size // 2), max(0, len(ops) - size))
        return {(j, k) for _, j, k in ops[first : first + size]}
    if kind == "jobs":
        n = max(2, round(fraction * instance.n_jobs))
        chosen = set(rng.sample(range(instance.n_jobs), min(n, instance.n_jobs)))
        return {(j, k) for _, j, k in ops if j in chosen}
    n = max(2, round(fraction * instance.n_machines))
    chosen = set(rng.sample(range(instance.n_machines), min(n, instance.n_machines)))
    return {(j, k) for _, j, k in ops if best.machines[j][k] in chosen}


def critical_operations(instance: Instance, schedule: Schedule) -> list[Op]:
    """Operations on one critical path (each starts when its job or machine predecessor ends)."""
    end_of: dict[Op, int] = {}
    by_end: dict[tuple[int, int], list[Op]] = {}  # (machine, end) -> ops
    for j, job in enumerate(instance.jobs):
        for k, op in enumerate(job.operations):
            e = schedule.starts[j][k] + op.duration_on(schedule.machines[j][k])
            end_of[(j, k)] = e
            by_end.setdefault((schedule.machines[j][k], e), []).append((j, k))
    current = max(end_of, key=lambda o: end_of[o])
    path = [current]
    while True:
        j, k = current
        s = schedule.starts[j][k]
        if k and end_of[(j, k - 1)] == s:
            current = (j, k - 1)
        elif by_end.get((schedule.machines[j][k], s)):
            current = by_end[(schedule.machines[j][k], s)][0]
        else:
            break
        path.append(current)
    return path


def _score(schedule: Schedule, instance: Instance) -> tuple[int, int]:
    ends = sum(
        schedule.starts[j][-1] + job.operations[-1].duration_on(schedule.machines[j][-1])
        for j, job in enumerate(instance.jobs)
        if job.operations
    )
    return schedule.makespan, ends


@dataclass(slots=True)
class SolveStats:
    """What happened during a solve (for logs and benchmarks)."""

    initial: int = 0
    after_full: int = 0
    after_lns: int = 0
    lns_steps: int = 0
    lns_improvements: int = 0
    after_tabu: int = 0
    tabu_iterations: int = 0


def solve(
    instance: Instance,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    full_fraction: float = 0.15,
    sub_limit: float = 0.4,
    deadline: float | None = None,
    stats: SolveStats | None = None,
    initial: Iterable[Schedule] = (),
    secondary: bool = False,
    lns_share: float = 1.0,
    small_ops: int = 120,
    small_fraction: float = 0.5,
    tabu_share: float = 0.7,
    small_tabu_share: float = 0.25,
    flexible_tabu_share: float = 0.8,
    small_tabu_patience: int = 50,
    tabu_rounds: int = 2,
    tabu_leaves: float = 1.5,
) -> Schedule:
    """Minimise the makespan; return the best schedule found before the deadline.

    ``deadline`` (a ``time.monotonic()`` value) overrides ``time_limit`` when given, so that a caller can
    count its own start-up time. ``full_fraction`` (``small_fraction`` on instances with at most
    ``small_ops`` operations) is the share of the time given to the first, default CP-SAT solve; the
    rest goes to CP-SAT's neighbourhood search on all workers (``lns_share`` of it) and then to jejo's
    own neighbourhood loop. A tabu search (:mod:`jejo.planning.tabu`; 0 turns it off) first gets
    ``tabu_share`` of the time (``small_tabu_share`` on small classic instances, where it stops early
    after ``small_tabu_patience`` fruitless restarts and CP-SAT's default portfolio gets the rest;
    ``flexible_tabu_share`` on flexible ones, where it also reassigns machines), but leaves CP-SAT at
    least ``tabu_leaves`` seconds, and gives CP-SAT its hint;
    with ``tabu_rounds`` > 1 the neighbourhood-search phase alternates CP-SAT and tabu runs, each
    starting from the other's incumbent.
    """
    end_at = deadline if deadline is not None else time.monotonic() + time_limit
    stats = stats if stats is not None else SolveStats()
    rng = random.Random(seed)
    best = best_dispatch(instance, seed=seed)
    for sched in initial:
        if sched.makespan < best.makespan:
            best = sched
    stats.initial = best.makespan
    lb = instance.lower_bound()
    best.lower_bound = lb
    if best.makespan <= lb:
        best.proven_optimal = True
        return best

    def left() -> float:
        return end_at - time.monotonic()

    # 0. tabu search on the machine orders (and, on flexible instances, the machine choice) for a
    #    strong hint; on small classic instances it reaches the optimum of most 10x10 benchmark instances
    #    within a second, so it gets a short share there and stops after a few fruitless restarts
    if instance.is_flexible and tabu_share > 0:
        tabu_share = flexible_tabu_share
    patience = 0
    if instance.n_operations <= small_ops and not instance.is_flexible:
        tabu_share = min(tabu_share, small_tabu_share)
        patience = small_tabu_patience
    tabu_time = min(tabu_share * left(), left() - tabu_leaves)
    if tabu_share > 0 and tabu_time > 0.2:
        tstats = TabuStats()
        improved = tabu_search(
            instance,
            best,
            time.monotonic() + tabu_time,
            seed=seed,
            stats=tstats,
            patience=patience,
        )
        stats.tabu_iterations = tstats.iterations
        if improved.makespan < best.makespan:
            best = improved
        stats.after_tabu = best.makespan
        if best.makespan <= lb:
            best.lower_bound = lb
            best.proven_optimal = True
            return best

    # 1. full model, warm-started: the default portfolio (search + bound + interleaved LNS) proves small
    #    instances optimal quickly; instances up to ``small_ops`` operations give it ``small_fraction``
    #    of the time, larger ones ``full_fraction``
    full = JobShopModel(instance, best.makespan, None, None)
    full.hint(best)
    share = small_fraction if instance.n_operations <= small_ops else full_fraction
    res = _run(full, min(left(), max(0.5, share * left())) - 0.05, workers, seed)
    if res.schedule is not None and res.schedule.makespan <= best.makespan:
        best = res.schedule
        best.source = "cp-sat"
    lb = max(lb, res.bound)
    stats.after_full = best.makespan
    if res.optimal or best.makespan <= lb:
        best.lower_bound = best.makespan
        best.proven_optimal = True
        return best

    # 2. CP-SAT's own neighbourhood search on every worker (no time spent on the bound), re-hinted;
    #    with tabu search on, it alternates with tabu runs started from CP-SAT's incumbent
    rounds = max(1, tabu_rounds) if tabu_share > 0 else 1
    for rnd in range(rounds):
        if lns_share <= 0 or left() <= 0.3:
            break
        portion = lns_share * left() / (2 * (rounds - rnd) - 1)
        full = JobShopModel(instance, best.makespan, None, None)
        full.hint(best)
        res = _run(full, portion - 0.05, workers, seed + 1 + rnd, lns_only=True)
        if res.schedule is not None and res.schedule.makespan <= best.makespan:
            best = res.schedule
            best.source = "cp-sat-lns"
        if rnd + 1 < rounds and left() > 0.5:
            portion = lns_share * left() / (2 * (rounds - rnd - 1))
            improved = tabu_search(instance, best, time.monotonic() + portion, seed=seed + 7 * rnd + 1)
            if improved.makespan < best.makespan:
                best = improved
    stats.after_lns = best.makespan

    # 3. our own neighbourhood search around the incumbent (relax a window, jobs or machines)
    fraction = 0.12 if not instance.is_flexible else 0.3
    kinds = ["critical", "window", "window", "jobs", "machines"]
    best_score = _score(best, instance) if secondary else (best.makespan, 0)
    while left() > 0.15:
        kind = rng.choice(kinds)
        relaxed = _neighbourhood(instance, best, kind, fraction, rng)
        sub = JobShopModel(instance, best.makespan, best, relaxed, secondary=secondary)
        sub.hint(best)
        budget = min(sub_limit, left() - 0.05)
        if budget < 0.05:
            break
        res = _run(sub, budget, workers, rng.randrange(1 << 30))
        stats.lns_steps += 1
        score = None
        if res.schedule is not None:
            score = _score(res.schedule, instance) if secondary else (res.schedule.makespan, 0)
        if res.schedule is not None and score is not None and score <= best_score:
            best_score = score
            if res.schedule.makespan < best.makespan:
                stats.lns_improvements += 1
                log.debug("lns %s %.2f: %d -> %d", kind, fraction, best.makespan, res.schedule.makespan)
            res.schedule.source = "lns"
            best = res.schedule
        fraction = min(0.8, fraction * 1.1) if res.optimal else max(0.05, fraction * 0.9)
        if best.makespan <= lb:
            best.proven_optimal = True
            break
    best.lower_bound = lb
    return best


def plain_model(instance: Instance, time_limit: float, workers: int = 2) -> Schedule | None:
    """Baseline: interval variables + no-overlap, trivial horizon, no hints, no search strategy."""
    m = cp_model.CpModel()
    horizon = instance.horizon_bound()
    by_machine: dict[int, list[cp_model.IntervalVar]] = {}
    starts: list[list[cp_model.IntVar]] = []
    lits: dict[tuple[int, int, int], cp_model.IntVar] = {}
    job_ends: list[cp_model.IntVar] = []
    for j, job in enumerate(instance.jobs):
        prev: cp_model.IntVar | None = None
        row = []
        for k, op in enumerate(job.operations):
            s = m.new_int_var(0, horizon, "")
            e = m.new_int_var(0, horizon, "")
            if len(op.alternatives) == 1:
                mach, d = op.alternatives[0]
                by_machine.setdefault(mach, []).append(m.new_interval_var(s, d, e, ""))
            else:
                alt_lits = []
                for mach, d in op.alternatives:
                    lit = m.new_bool_var("")
                    lits[(j, k, mach)] = lit
                    alt_lits.append(lit)
                    by_machine.setdefault(mach, []).append(m.new_optional_interval_var(s, d, e, lit, ""))
                m.add_exactly_one(alt_lits)
            if prev is not None:
                m.add(s >= prev)
            prev = e
            row.append(s)
        starts.append(row)
        if prev is not None:
            job_ends.append(prev)
    for intervals in by_machine.values():
        m.add_no_overlap(intervals)
    mk = m.new_int_var(0, horizon, "")
    m.add_max_equality(mk, job_ends)
    m.minimize(mk)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = [[int(solver.value(s)) for s in row] for row in starts]
    machines = [
        [
            next(
                (
                    a
                    for a, _ in op.alternatives
                    if (j, k, a) in lits and solver.boolean_value(lits[(j, k, a)])
                ),
                op.alternatives[0][0],
            )
            for k, op in enumerate(job.operations)
        ]
        for j, job in enumerate(instance.jobs)
    ]
    sched = Schedule.from_starts(instance, values, machines)
    sched.proven_optimal = status == cp_model.OPTIMAL
    return sched
