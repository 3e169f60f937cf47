"""Instance and schedule model for job-shop scheduling.

A job is a chain of operations processed in order; each operation runs, without interruption, on one
machine chosen among its alternatives (one alternative: the classic job shop; several: the flexible
job shop). Jobs may carry a release date, a due date and a weight, which the factory APS uses for its
weighted-tardiness objective; the benchmark contract only minimises the makespan.

Machines are numbered from 0 internally; parsers convert file numbering.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation: the machines that can run it, each with its processing time."""

    alternatives: tuple[tuple[int, int], ...]  # (machine, duration)

    @property
    def machines(self) -> tuple[int, ...]:
        return tuple(m for m, _ in self.alternatives)

    @property
    def min_duration(self) -> int:
        return min(d for _, d in self.alternatives)

    def duration_on(self, machine: int) -> int:
        """Processing time on ``machine``; KeyError if the machine cannot run this operation."""
        for m, d in self.alternatives:
            if m == machine:
                return d
        raise KeyError(machine)


@dataclass(frozen=True, slots=True)
class Job:
    """A chain of operations with optional release date, due date and tardiness weight."""

    operations: tuple[Operation, ...]
    release: int = 0
    due: int | None = None
    weight: int = 1
    name: str = ""


@dataclass(frozen=True, slots=True)
class Instance:
    """A (flexible) job-shop instance."""

    jobs: tuple[Job, ...]
    n_machines: int
    name: str = ""

    @property
    def n_jobs(self) -> int:
        return len(self.jobs)

    @property
    def n_operations(self) -> int:
        return sum(len(j.operations) for j in self.jobs)

    @property
    def is_flexible(self) -> bool:
        return any(len(op.alternatives) > 1 for j in self.jobs for op in j.operations)

    def horizon_bound(self) -> int:
        """A trivially valid horizon: latest release plus the sum of the longest durations."""
        release = max((j.release for j in self.jobs), default=0)
        return release + sum(max(d for _, d in op.alternatives) for j in self.jobs for op in j.operations)

    def lower_bound(self) -> int:
        """Simple makespan lower bound: longest job and busiest machine (fixed routings only)."""
        lb = max((j.release + sum(op.min_duration for op in j.operations) for j in self.jobs), default=0)
        load = [0] * self.n_machines
        for j in self.jobs:
            for op in j.operations:
                if len(op.alternatives) == 1:
                    load[op.alternatives[0][0]] += op.alternatives[0][1]
        return max([lb, *load])

    @staticmethod
    def classic(rows: list[list[tuple[int, int]]], name: str = "") -> Instance:
        """Build a classic job shop from per-job lists of ``(machine, duration)``."""
        n_machines = 1 + max((m for r in rows for m, _ in r), default=-1)
        jobs = tuple(Job(tuple(Operation(((m, d),)) for m, d in r)) for r in rows)
        return Instance(jobs, n_machines, name)


@dataclass(slots=True)
class Schedule:
    """Start time and machine of every operation (``starts[j][k]``, ``machines[j][k]``)."""

    starts: list[list[int]]
    machines: list[list[int]]
    makespan: int
    proven_optimal: bool = False
    lower_bound: int = 0
    source: str = ""

    @staticmethod
    def from_starts(instance: Instance, starts: list[list[int]], machines: list[list[int]]) -> Schedule:
        """Build a schedule and compute its makespan from the operations' end times."""
        end = 0
        for j, job in enumerate(instance.jobs):
            for k, op in enumerate(job.operations):
                end = max(end, starts[j][k] + op.duration_on(machines[j][k]))
        return Schedule([list(s) for s in starts], [list(m) for m in machines], end)
