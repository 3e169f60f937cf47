"""Independent schedule checker: precedence, one operation at a time per machine, durations, makespan."""

from __future__ import annotations

import itertools

from jejo.planning.jobshop import Instance, Schedule


def schedule_problems(instance: Instance, schedule: Schedule) -> list[str]:
    """Every violation found in ``schedule`` (empty when it is feasible and its makespan is right)."""
    problems: list[str] = []
    if len(schedule.starts) != instance.n_jobs or len(schedule.machines) != instance.n_jobs:
        return [f"expected {instance.n_jobs} jobs, got {len(schedule.starts)} rows of starts"]
    busy: dict[int, list[tuple[int, int, int, int]]] = {}
    end = 0
    for j, job in enumerate(instance.jobs):
        starts, machines = schedule.starts[j], schedule.machines[j]
        if len(starts) != len(job.operations) or len(machines) != len(job.operations):
            problems.append(f"job {j}: expected {len(job.operations)} operations")
            continue
        ready = job.release
        for k, op in enumerate(job.operations):
            s, m = starts[k], machines[k]
            if not isinstance(s, int):
                problems.append(f"job {j} op {k}: start {s!r} is not an integer")
                continue
            try:
                d = op.duration_on(m)
            except KeyError:
                problems.append(f"job {j} op {k}: machine {m} cannot run this operation")
                continue
            if s < ready:
                problems.append(f"job {j} op {k}: starts at {s} before {ready} (predecessor or release)")
            ready = s + d
            busy.setdefault(m, []).append((s, s + d, j, k))
        end = max(end, ready)
    for m, intervals in busy.items():
        intervals.sort()
        for a, b in itertools.pairwise(intervals):
            if a[1] > b[0]:
                problems.append(f"machine {m}: job {a[2]} op {a[3]} overlaps job {b[2]} op {b[3]}")
    if not problems and end != schedule.makespan:
        problems.append(f"reported makespan {schedule.makespan} but the schedule ends at {end}")
    return problems


def check_schedule(instance: Instance, schedule: Schedule) -> int:
    """Raise ``AssertionError`` listing the problems of an infeasible schedule; return its makespan."""
    problems = schedule_problems(instance, schedule)
    if problems:
        raise AssertionError("; ".join(problems[:10]))
    return schedule.makespan
