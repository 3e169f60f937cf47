"""Tabu search on the disjunctive graph for the makespan of a job shop with fixed machine assignment.

The search works on machine sequences (one order of the operations per machine). For a given set of
sequences the schedule is the semi-active one: every operation starts at its *head*, the longest path
from the source, and the makespan is the longest path through the graph. Each step:

1. computes heads and tails (longest path from the source, and to the sink after the operation) in one
   topological pass each (Kahn's algorithm);
2. walks one critical path and splits it into *blocks* (consecutive operations on one machine);
3. evaluates the moves of a Zhang-style N7 neighbourhood — swap the first two and the last two
   operations of a block (Nowicki–Smutnicki N5), move an inner operation to the front or the end of its
   block, and move the first or last operation into the block — with the usual approximate estimate
   (heads and tails recomputed over the changed segment only);
4. applies the best move that is not tabu (a move is tabu when it restores a machine-order pair that
   was reversed during the last few steps, unless its estimate beats the best makespan found).

After many steps without improvement the search goes back to the best sequences found and perturbs
them with a few random block moves. Moves that could close a cycle are filtered with the head/tail
path conditions and, as a last guard, a cycle found in the topological pass undoes the move (which is
then tabu for a while).

On flexible instances a second kind of move takes a critical operation to another of its machines,
at the position of that machine's sequence where the path through it is estimated shortest (a move
back to the old machine is then tabu for a while).

The steps run compiled (:mod:`jejo.planning.tabu_kernel`, numba, on flat integer arrays) in slices of
about 10 ms, between which the deadline is checked; numba is imported on the first search only, and
its machine code is cached next to the module after the first compilation. Everything is seeded: the
same seed and number of steps give the same search however the steps are sliced, so the only source of
variation between runs with the same seed is where the time limit cuts the search.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from jejo.planning.heuristics import machine_sequences
from jejo.planning.jobshop import Instance, Schedule


@dataclass(slots=True)
class TabuStats:
    """What a tabu run did (for logs, tests and benchmarks)."""

    iterations: int = 0
    improvements: int = 0
    restarts: int = 0
    start: int = 0
    best: int = 0
    seconds: float = 0.0


class TabuSearch:
    """Tabu search state for one instance (flat arrays for :mod:`jejo.planning.tabu_kernel`).

    ``start`` must be feasible; its machine orders (by start time) and machines are the first
    sequences. :meth:`run` continues the search where the previous call stopped.
    """

    def __init__(self, instance: Instance, start: Schedule, seed: int = 0) -> None:
        from jejo.planning import tabu_kernel  # numba loads only when a search runs

        tk: Any = tabu_kernel  # compiled functions: numba's dispatcher types say nothing useful
        self.instance = instance
        self._tk = tk
        ids: list[list[int]] = []
        alt_ptr = [0]
        alt_m: list[int] = []
        alt_d: list[int] = []
        n = instance.n_operations
        g = np.zeros((tk.ROWS, n), dtype=np.int64)
        for j, job in enumerate(instance.jobs):
            row = []
            for k, op in enumerate(job.operations):
                x = len(alt_ptr) - 1
                row.append(x)
                m = start.machines[j][k]
                g[tk.P, x] = op.duration_on(m)
                g[tk.MACH, x] = m
                g[tk.JP, x] = x - 1 if k else -1
                g[tk.JS, x] = x + 1 if k + 1 < len(job.operations) else -1
                g[tk.REL, x] = job.release if k == 0 else 0
                for am, ad in op.alternatives:
                    alt_m.append(am)
                    alt_d.append(ad)
                alt_ptr.append(len(alt_m))
            ids.append(row)
        self.ids = ids
        self.n = n
        n_mach = max(1, instance.n_machines)
        self.g = g
        self.seq = np.zeros(n_mach * n, dtype=np.int64)
        self.seqlen = np.zeros(n_mach, dtype=np.int64)
        for m, order in enumerate(machine_sequences(instance, start)):
            self.seqlen[m] = len(order)
            self.seq[m * n : m * n + len(order)] = [ids[j][k] for j, k in order]
        self.alt_ptr = np.array(alt_ptr, dtype=np.int64)
        self.alt_m = np.array(alt_m, dtype=np.int64)
        self.alt_d = np.array(alt_d, dtype=np.int64)
        self.tabu = np.zeros(n * n, dtype=np.int64)
        self.atabu = np.zeros(n * n_mach, dtype=np.int64)
        self.best_seq = self.seq.copy()
        self.best_len = self.seqlen.copy()
        self.best_mach = g[tk.MACH].copy()
        self.blk = np.zeros((3, n + 1), dtype=np.int64)
        self.mv = np.zeros((3, 4 * n + 8), dtype=np.int64)
        self.rng = np.array([_splitmix(seed)], dtype=np.uint64)
        mk = tk.restore(*self._instance_args(), self.best_seq, self.best_len, self.best_mach)
        if mk < 0:  # cannot happen for a feasible start
            raise ValueError("the starting schedule's machine orders contain a cycle")
        ctl = np.zeros(tk.CTL, dtype=np.int64)
        ctl[tk.BEST] = ctl[tk.MAKESPAN] = mk
        flexible = instance.is_flexible
        # short tenures did best on classic instances at millions of steps (10 + n/m before)
        ctl[tk.TENURE] = (10 if flexible else 5) + instance.n_jobs // n_mach
        ctl[tk.LB] = instance.lower_bound()
        ctl[tk.FLEXIBLE] = int(flexible)
        ctl[tk.KICK_LO], ctl[tk.KICK_HI] = 6, 15
        self.ctl = ctl

    def _instance_args(self) -> tuple[np.ndarray, ...]:
        return (self.g, self.seq, self.seqlen, self.alt_ptr, self.alt_m, self.alt_d)

    @property
    def best(self) -> int:
        """The best makespan found so far."""
        return int(self.ctl[self._tk.BEST])

    @property
    def makespan(self) -> int:
        """The makespan of the current sequences."""
        return int(self.ctl[self._tk.MAKESPAN])

    def run(
        self, deadline: float, max_iterations: int | None = None, stall: int = 0, patience: int = 0
    ) -> TabuStats:
        """Search until ``deadline`` (a ``time.monotonic()`` value) or ``max_iterations`` steps.

        ``stall`` steps without improvement trigger a restart (0: ``max(5000, 60n)`` for ``n``
        operations, ``max(2000, 8n)`` on flexible instances); with
        ``patience`` > 0 the search also stops after that many restarts in a row that found nothing
        better. The compiled kernel runs in slices of about 10 ms, so the deadline is kept to about that.
        """
        tk, ctl = self._tk, self.ctl
        if not stall:
            stall = max(2000, 8 * self.n) if self.ctl[tk.FLEXIBLE] else max(5000, 60 * self.n)
        ctl[tk.STALL] = stall
        ctl[tk.PATIENCE] = patience
        it0, imp0, res0 = int(ctl[tk.IT]), int(ctl[tk.IMPROVEMENTS]), int(ctl[tk.RESTARTS])
        stats = TabuStats(start=self.best, best=self.best)
        args = (
            *self._instance_args(),
            self.tabu,
            self.atabu,
            self.best_seq,
            self.best_len,
            self.best_mach,
            self.blk,
            self.mv,
            ctl,
            self.rng,
        )
        t0 = time.monotonic()
        chunk = 64
        while not ctl[tk.DONE]:
            steps = chunk
            if max_iterations is not None:
                steps = min(steps, max_iterations - (int(ctl[tk.IT]) - it0))
                if steps <= 0:
                    break
            now = time.monotonic()
            if now >= deadline:
                break
            done = tk.run_steps(*args, steps)
            spent = time.monotonic() - now
            _freeze_once()
            if done and spent > 0:  # aim at slices of 10 ms, and none past the deadline
                left = deadline - time.monotonic()
                chunk = max(16, min(1 << 22, int(done / spent * max(0.0, min(0.01, left))) + 1))
        stats.iterations = int(ctl[tk.IT]) - it0
        stats.improvements = int(ctl[tk.IMPROVEMENTS]) - imp0
        stats.restarts = int(ctl[tk.RESTARTS]) - res0
        stats.best = self.best
        stats.seconds = time.monotonic() - t0
        return stats

    def heads_tails(self) -> tuple[list[int], list[int], list[int]]:
        """Heads, tails and processing times of the current sequences, by operation number."""
        tk = self._tk
        return self.g[tk.R].tolist(), self.g[tk.Q].tolist(), self.g[tk.P].tolist()

    def schedule(self) -> Schedule:
        """The semi-active schedule of the current sequences."""
        tk = self._tk
        r, mach = self.g[tk.R].tolist(), self.g[tk.MACH].tolist()
        starts = [[r[x] for x in row] for row in self.ids]
        machines = [[mach[x] for x in row] for row in self.ids]
        sched = Schedule.from_starts(self.instance, starts, machines)
        sched.source = "tabu"
        return sched

    def best_schedule(self) -> Schedule:
        """The semi-active schedule of the best sequences found (which become the current ones)."""
        mk = self._tk.restore(*self._instance_args(), self.best_seq, self.best_len, self.best_mach)
        self.ctl[self._tk.MAKESPAN] = mk
        return self.schedule()


LOAD_SECONDS = 3.0  # the first search of a process needs this much time before its deadline
_frozen = False  # True once the compiled code has run in this process


def _freeze_once() -> None:
    """Move the objects alive now (numba's compiler state, loaded once) out of the collector's reach.

    Numba leaves a large object graph behind; left to the cyclic collector it slows every full
    collection and the interpreter's exit (about 0.4 s, counted in a command's wall time).
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


def warm_up() -> float:
    """Compile (or load from the cache) the search's machine code now; return the seconds it took.

    Run once after installing (``scripts/setup.sh`` does), so that the first plan does not spend its
    time limit compiling. Runs a few steps on two three-job instances, which compiles every function.
    """
    from jejo.planning.heuristics import best_dispatch
    from jejo.planning.jobshop import Job, Operation

    t = time.monotonic()
    for flexible in (False, True):  # a flexible instance also compiles the machine reassignment
        jobs = tuple(
            Job(
                tuple(
                    Operation(((m, 1 + (3 * j + m) % 4),) + ((((m + 1) % 3, 2),) if flexible else ()))
                    for m in range(3)
                )
            )
            for j in range(3)
        )
        instance = Instance(jobs, 3)
        TabuSearch(instance, best_dispatch(instance, seed=0)).run(time.monotonic() + 60, 50)
    _freeze_once()
    return time.monotonic() - t


def _splitmix(seed: int) -> int:
    """A well-mixed non-zero 64-bit state from a seed."""
    z = (seed * 0x9E3779B97F4A7C15 + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (z ^ (z >> 31)) or 1


def tabu_search(
    instance: Instance,
    start: Schedule,
    deadline: float,
    seed: int = 0,
    max_iterations: int | None = None,
    stats: TabuStats | None = None,
    patience: int = 0,
) -> Schedule:
    """Improve ``start`` (a feasible schedule) with tabu search until ``deadline``; never worse than it.

    Classic instances keep the machines of ``start``; flexible ones may change them. The returned
    schedule is semi-active for the best machine orders found (so its makespan is at most that of
    ``start``). ``patience`` > 0 stops the search after that many fruitless restarts. The first search
    of a process loads numba and the compiled steps (about 1–3 s, more when the code must be compiled);
    with less than ``LOAD_SECONDS`` before the deadline it is skipped and ``start`` comes back.
    """
    if instance.n_operations == 0:
        return start
    if not _frozen and deadline - time.monotonic() < LOAD_SECONDS:
        return start  # loading the compiled code would take most of the time, or overrun it
    ts = TabuSearch(instance, start, seed)
    result = ts.run(deadline, max_iterations, patience=patience)
    if stats is not None:
        for field in ("iterations", "improvements", "restarts", "start", "best", "seconds"):
            setattr(stats, field, getattr(result, field))
    best = ts.best_schedule()
    if best.makespan > start.makespan:  # the semi-active start cannot be worse; keep the guarantee
        return start
    return best
