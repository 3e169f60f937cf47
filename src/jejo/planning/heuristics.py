"""Constructive heuristics: Giffler–Thompson dispatching with classic priority rules.

The dispatcher builds active schedules for classic and flexible job shops (for flexible operations it
considers every (operation, machine) pair). Rules are small priority functions, so the factory APS can
add its own (for example ATCS with setup times). All rules minimise their key.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jejo.planning.jobshop import Instance, Schedule


@dataclass(frozen=True, slots=True)
class Candidate:
    """An operation ready to be dispatched on one machine, with what the rules look at."""

    job: int
    op: int
    machine: int
    duration: int
    earliest_start: int
    work_remaining: int  # including this operation (minimum durations)
    ops_remaining: int
    due: int | None
    weight: int


Rule = Callable[[Candidate, int, random.Random], float]


def _atcs(c: Candidate, now: int, rng: random.Random, k: float = 2.0, p_mean: float = 1.0) -> float:
    due = c.due if c.due is not None else 10**9
    slack = max(0, due - c.work_remaining - now)
    return -(c.weight / max(c.duration, 1)) * math.exp(-slack / (k * max(p_mean, 1.0)))


RULES: dict[str, Rule] = {
    "SPT": lambda c, now, rng: c.duration,
    "LPT": lambda c, now, rng: -c.duration,
    "MWKR": lambda c, now, rng: -c.work_remaining,
    "MOR": lambda c, now, rng: -c.ops_remaining,
    "FIFO": lambda c, now, rng: c.earliest_start,
    "EDD": lambda c, now, rng: c.due if c.due is not None else 10**9,
    "ATCS": _atcs,
    "MWKR_RAND": lambda c, now, rng: -c.work_remaining * (0.8 + 0.4 * rng.random()),
    "SPT_MWKR": lambda c, now, rng: c.duration / max(c.work_remaining, 1),
}


def dispatch(instance: Instance, rule: str | Rule = "MWKR", seed: int = 0) -> Schedule:
    """Build one active schedule (Giffler–Thompson) with a priority rule."""
    prio = RULES[rule] if isinstance(rule, str) else rule
    rng = random.Random(seed)
    n = instance.n_jobs
    jobs = instance.jobs
    # remaining work per (job, op) by minimum durations
    tail_work = []
    for job in jobs:
        acc, tails = 0, []
        for op in reversed(job.operations):
            acc += op.min_duration
            tails.append(acc)
        tail_work.append(tails[::-1])
    next_op = [0] * n
    job_ready = [job.release for job in jobs]
    mach_ready = [0] * instance.n_machines
    starts = [[0] * len(job.operations) for job in jobs]
    machines = [[0] * len(job.operations) for job in jobs]
    remaining = instance.n_operations
    while remaining:
        cands: list[Candidate] = []
        for j in range(n):
            k = next_op[j]
            if k >= len(jobs[j].operations):
                continue
            for m, d in jobs[j].operations[k].alternatives:
                est = max(job_ready[j], mach_ready[m])
                cands.append(
                    Candidate(
                        j,
                        k,
                        m,
                        d,
                        est,
                        tail_work[j][k],
                        len(jobs[j].operations) - k,
                        jobs[j].due,
                        jobs[j].weight,
                    )
                )
        best_ect = min(c.earliest_start + c.duration for c in cands)
        m_star = min(
            (c for c in cands if c.earliest_start + c.duration == best_ect), key=lambda c: c.machine
        ).machine
        conflict = [c for c in cands if c.machine == m_star and c.earliest_start < best_ect]
        if not conflict:  # zero-duration operations
            conflict = [c for c in cands if c.machine == m_star and c.earliest_start + c.duration == best_ect]
        now = min(c.earliest_start for c in conflict)
        chosen = min(conflict, key=lambda c: (prio(c, now, rng), c.earliest_start, c.job))
        s = chosen.earliest_start
        starts[chosen.job][chosen.op] = s
        machines[chosen.job][chosen.op] = chosen.machine
        job_ready[chosen.job] = s + chosen.duration
        mach_ready[chosen.machine] = s + chosen.duration
        next_op[chosen.job] += 1
        remaining -= 1
    sched = Schedule.from_starts(instance, starts, machines)
    sched.source = rule if isinstance(rule, str) else "custom"
    return sched


def best_dispatch(
    instance: Instance,
    rules: Sequence[str] = ("MWKR", "MOR", "SPT", "FIFO", "LPT", "SPT_MWKR"),
    randomized: int = 4,
    seed: int = 0,
) -> Schedule:
    """The schedule with the smallest makespan over several rules (and a few randomised runs)."""
    best: Schedule | None = None
    runs: list[tuple[str, int]] = [(r, seed) for r in rules]
    runs += [("MWKR_RAND", seed + i) for i in range(randomized)]
    for r, s in runs:
        sched = dispatch(instance, r, s)
        if best is None or sched.makespan < best.makespan:
            best = sched
    assert best is not None
    return best


def machine_sequences(instance: Instance, schedule: Schedule) -> list[list[tuple[int, int]]]:
    """Per machine, the operations ``(job, op)`` in order of start time."""
    seqs: list[list[tuple[int, int, int, int]]] = [[] for _ in range(instance.n_machines)]
    for j, job in enumerate(instance.jobs):
        for k, op in enumerate(job.operations):
            s, m = schedule.starts[j][k], schedule.machines[j][k]
            seqs[m].append((s, s + op.duration_on(m), j, k))
    return [[(j, k) for _, _, j, k in sorted(seq)] for seq in seqs]
