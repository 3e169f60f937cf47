"""Tabu search on the disjunctive graph for the makespan of a job shop with fixed machine assignment.

The search works on machine sequences (one order of the operations per machine). For a given set of
sequences the schedule is the semi-active one: every operation starts at its *head*, the longest path
from the source, and the makespan is the longest path through the graph. Each step:

1. computes heads and tails (longest path from the source, and to the sink after the operation) in one
   topological pass each (Kahn's algorithm, plain lists of integers);
2. walks one critical path and splits it into *blocks* (consecutive operations on one machine);
3. evaluates the moves of a Zhang-style N7 neighbourhood — swap the first two and the last two
   operations of a block (Nowicki–Smutnicki N5), move an inner operation to the front or the end of its
   block, and move the first or last operation into the block — with the usual approximate estimate
   (heads and tails recomputed over the changed segment only);
4. applies the best move that is not tabu (a move is tabu when it restores a machine-order pair that
   was reversed during the last few steps, unless its estimate beats the best makespan found).

After many steps without improvement the search goes back to the best sequences found and perturbs
them with a few random block moves. Moves that could close a cycle are filtered with the head/tail
path conditions and, as a last guard, a cycle found in the topological pass undoes the move.

On flexible instances a second kind of move takes a critical operation to another of its machines,
at the position of that machine's sequence where the path through it is estimated shortest (a move
back to the old machine is then tabu for a while). Everything is seeded; the only source of variation
between runs with the same seed is where the time limit cuts the search.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from jejo.planning.heuristics import machine_sequences
from jejo.planning.jobshop import Instance, Schedule

Move = tuple[int, int, int]  # (machine, from position, to position)
Reassign = tuple[int, int, int]  # (operation, new machine, position in the new machine's sequence)


@dataclass(slots=True)
class TabuStats:
    """What a tabu run did (for logs, tests and benchmarks)."""

    iterations: int = 0
    improvements: int = 0
    restarts: int = 0
    start: int = 0
    best: int = 0
    seconds: float = 0.0


class _Graph:
    """The disjunctive graph of an instance under a fixed machine assignment, with heads and tails."""

    def __init__(self, instance: Instance, schedule: Schedule) -> None:
        self.instance = instance
        ids: list[list[int]] = []
        p: list[int] = []
        jp: list[int] = []
        js: list[int] = []
        rel: list[int] = []
        mach: list[int] = []
        self.key: list[tuple[int, int]] = []
        self.alts: list[dict[int, int]] = []
        for j, job in enumerate(instance.jobs):
            row = []
            for k, op in enumerate(job.operations):
                x = len(p)
                row.append(x)
                m = schedule.machines[j][k]
                p.append(op.duration_on(m))
                mach.append(m)
                jp.append(x - 1 if k else -1)
                js.append(x + 1 if k + 1 < len(job.operations) else -1)
                rel.append(job.release if k == 0 else 0)
                self.key.append((j, k))
                self.alts.append(dict(op.alternatives))
            ids.append(row)
        self.ids = ids
        self.n = len(p)
        self.p, self.jp, self.js, self.rel, self.mach = p, jp, js, rel, mach
        self.seqs: list[list[int]] = [
            [ids[j][k] for j, k in seq] for seq in machine_sequences(instance, schedule)
        ]
        self.mp = [-1] * self.n
        self.ms = [-1] * self.n
        self.pos = [0] * self.n
        for seq in self.seqs:
            self._link(seq)
        self.r = [0] * self.n
        self.q = [0] * self.n
        self.makespan = 0

    def _link(self, seq: list[int]) -> None:
        mp, ms, pos = self.mp, self.ms, self.pos
        prev = -1
        for i, x in enumerate(seq):
            pos[x] = i
            mp[x] = prev
            if prev >= 0:
                ms[prev] = x
            prev = x
        if prev >= 0:
            ms[prev] = -1

    def set_sequences(self, seqs: list[list[int]]) -> None:
        self.seqs = [list(s) for s in seqs]
        for m, seq in enumerate(self.seqs):
            self._link(seq)
            for x in seq:
                self.mach[x] = m
                self.p[x] = self.alts[x][m]

    def evaluate(self) -> bool:
        """Heads, tails and makespan of the current sequences; False when the graph has a cycle."""
        n, p, jp, js, mp, ms = self.n, self.p, self.jp, self.js, self.mp, self.ms
        indeg = [(jp[x] >= 0) + (mp[x] >= 0) for x in range(n)]
        r = list(self.rel)
        stack = [x for x in range(n) if not indeg[x]]
        order: list[int] = []
        push = stack.append
        pop = stack.pop
        add = order.append
        while stack:
            x = pop()
            add(x)
            e = r[x] + p[x]
            y = js[x]
            if y >= 0:
                if r[y] < e:
                    r[y] = e
                indeg[y] -= 1
                if not indeg[y]:
                    push(y)
            y = ms[x]
            if y >= 0:
                if r[y] < e:
                    r[y] = e
                indeg[y] -= 1
                if not indeg[y]:
                    push(y)
        if len(order) < n:
            return False
        q = [0] * n
        for x in reversed(order):
            t = 0
            y = js[x]
            if y >= 0:
                t = q[y] + p[y]
            y = ms[x]
            if y >= 0:
                u = q[y] + p[y]
                if u > t:
                    t = u
            q[x] = t
        self.r, self.q = r, q
        self.makespan = max((r[x] + p[x] for x in range(n)), default=0)
        return True

    def critical_blocks(self, rng: random.Random) -> list[list[int]]:
        """The blocks of one critical path (ties between predecessors broken at random)."""
        r, p, jp, mp, ms = self.r, self.p, self.jp, self.mp, self.ms
        mk = self.makespan
        ends = [x for x in range(self.n) if r[x] + p[x] == mk and p[x] > 0]
        if not ends:
            return []
        x = rng.choice(ends)
        path = [x]
        while True:
            rx = r[x]
            a, b = jp[x], mp[x]
            ja = a >= 0 and r[a] + p[a] == rx
            mb = b >= 0 and r[b] + p[b] == rx
            if ja and mb:
                x = a if rng.random() < 0.5 else b
            elif ja:
                x = a
            elif mb:
                x = b
            else:
                break
            path.append(x)
        path.reverse()
        blocks: list[list[int]] = []
        current = [path[0]]
        for x in path[1:]:
            if ms[current[-1]] == x:
                current.append(x)
            else:
                blocks.append(current)
                current = [x]
        blocks.append(current)
        return blocks

    def schedule(self) -> Schedule:
        inst = self.instance
        starts = [[self.r[x] for x in row] for row in self.ids]
        machines = [[self.mach[x] for x in row] for row in self.ids]
        sched = Schedule.from_starts(inst, starts, machines)
        sched.source = "tabu"
        return sched


def _moves(blocks: list[list[int]], pos: list[int], mach: list[int]) -> list[Move]:
    """N7-style moves on the critical blocks as (machine, from, to) positions in the machine sequence."""
    out: list[Move] = []
    last = len(blocks) - 1
    for b, block in enumerate(blocks):
        size = len(block)
        if size < 2:
            continue
        m = mach[block[0]]
        first = pos[block[0]]
        end = first + size - 1
        if size == 2:
            if b != 0 or b != last:
                out.append((m, first, end))
            continue
        # swaps of N5 (first two unless first block, last two unless last block)
        if b != 0:
            out.append((m, first, first + 1))
        if b != last:
            out.append((m, end - 1, end))
        # inner operations to the front (not in the first block) / to the end (not in the last block)
        for i in range(first + 1, end):
            if b != 0:
                out.append((m, i, first))
            if b != last:
                out.append((m, i, end))
        # first operation into the block / last operation into the block
        if b != 0:
            for i in range(first + 2, end + 1):
                out.append((m, first, i))
        if b != last:
            for i in range(first, end - 1):
                out.append((m, end, i))
    return list(dict.fromkeys(out))


class TabuSearch:
    """Tabu search with an N7-style neighbourhood; see the module docstring."""

    def __init__(self, instance: Instance, start: Schedule, seed: int = 0) -> None:
        self.instance = instance
        self.g = _Graph(instance, start)
        self.rng = random.Random(seed)
        if not self.g.evaluate():  # cannot happen for a feasible start
            raise ValueError("the starting schedule's machine orders contain a cycle")
        self.best_seqs = [list(s) for s in self.g.seqs]
        self.best = self.g.makespan
        self.best_schedule = self.g.schedule()
        n_jobs, n_mach = instance.n_jobs, max(1, instance.n_machines)
        self.tenure = 10 + n_jobs // n_mach
        n = self.g.n
        self.tabu = [0] * (n * n)
        self.kick = (6, 15)  # random moves of a restart
        self.flexible = any(len(a) > 1 for a in self.g.alts)
        self.assign_tabu: dict[tuple[int, int], int] = {}

    def _estimate(self, mv: Move) -> int:
        """Approximate makespan after a move (heads/tails recomputed over the changed segment)."""
        g = self.g
        m, i, j = mv
        seq = g.seqs[m]
        r, q, p, jp, js = g.r, g.q, g.p, g.jp, g.js
        if i < j:
            seg = seq[i + 1 : j + 1]
            seg.append(seq[i])
            lo, hi = i, j
        else:
            seg = [seq[i], *seq[j:i]]
            lo, hi = j, i
        a = seq[lo - 1] if lo > 0 else -1
        b = seq[hi + 1] if hi + 1 < len(seq) else -1
        t = r[a] + p[a] if a >= 0 else 0
        heads = []
        for x in seg:
            y = jp[x]
            h = r[y] + p[y] if y >= 0 else g.rel[x]
            if t > h:
                h = t
            heads.append(h)
            t = h + p[x]
        t = q[b] + p[b] if b >= 0 else 0
        est = 0
        for idx in range(len(seg) - 1, -1, -1):
            x = seg[idx]
            y = js[x]
            tail = q[y] + p[y] if y >= 0 else 0
            if t > tail:
                tail = t
            v = heads[idx] + p[x] + tail
            if v > est:
                est = v
            t = tail + p[x]
        return est

    def _feasible(self, mv: Move) -> bool:
        """False when the move might close a cycle (necessary conditions of a path hold)."""
        g = self.g
        m, i, j = mv
        seq = g.seqs[m]
        r, q, p = g.r, g.q, g.p
        if i < j:  # u moves after v: cycle only if a path js[u] -> v exists
            u, v = seq[i], seq[j]
            w = g.js[u]
            return w < 0 or not (r[v] >= r[w] + p[w] and q[w] >= q[v] + p[v])
        u, v = seq[j], seq[i]  # v moves before u: cycle only if a path u -> jp[v] exists
        w = g.jp[v]
        return w < 0 or not (r[w] >= r[u] + p[u] and q[u] >= q[w] + p[w])

    def _arcs(self, mv: Move) -> list[tuple[int, int]]:
        """The machine-order pairs (x before y) that the move creates."""
        m, i, j = mv
        seq = self.g.seqs[m]
        if i < j:
            u = seq[i]
            return [(x, u) for x in seq[i + 1 : j + 1]]
        v = seq[i]
        return [(v, x) for x in seq[j:i]]

    def _apply(self, mv: Move) -> None:
        m, i, j = mv
        seq = self.g.seqs[m]
        x = seq.pop(i)
        seq.insert(j, x)
        self.g._link(seq)

    def _undo(self, mv: Move) -> None:
        m, i, j = mv
        self._apply((m, j, i))

    def _reassignments(self, blocks: list[list[int]], it: int) -> list[tuple[int, Reassign]]:
        """Critical operations moved to another of their machines, each at its best-estimated position.

        The estimate is the longest path through the moved operation at its new place (heads and tails
        of its new neighbours) or through its old machine neighbours, now adjacent.
        """
        g = self.g
        r, q, p, jp, js, mp, ms = g.r, g.q, g.p, g.jp, g.js, g.mp, g.ms
        out: list[tuple[int, Reassign]] = []
        for block in blocks:
            for x in block:
                alts = g.alts[x]
                if len(alts) < 2:
                    continue
                y = jp[x]
                jh = r[y] + p[y] if y >= 0 else g.rel[x]
                y = js[x]
                jt = q[y] + p[y] if y >= 0 else 0
                a0, b0 = mp[x], ms[x]
                rest = 0
                if a0 >= 0 and b0 >= 0:
                    rest = r[a0] + p[a0] + p[b0] + q[b0]
                m0 = g.mach[x]
                for m2, d in alts.items():
                    if m2 == m0 or self.assign_tabu.get((x, m2), 0) > it:
                        continue
                    seq = g.seqs[m2]
                    best_k, best_v = -1, 0
                    a = -1
                    for k in range(len(seq) + 1):
                        b = seq[k] if k < len(seq) else -1
                        h = jh
                        if a >= 0:
                            t = r[a] + p[a]
                            if t > h:
                                h = t
                            w = js[x]  # a path js[x] -> a would close a cycle
                            if w >= 0 and r[a] >= r[w] + p[w] and q[w] >= q[a] + p[a]:
                                break  # so would every later position
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
                            best_k, best_v = k, v
                        a = b
                    if best_k >= 0:
                        out.append((max(best_v, rest), (x, m2, best_k)))
        return out

    def _reassign(self, mv: Reassign) -> Reassign:
        """Move operation x to machine m2 before position k; return the move that undoes it."""
        g = self.g
        x, m2, k = mv
        m0 = g.mach[x]
        old = g.seqs[m0]
        i = g.pos[x]
        old.pop(i)
        g._link(old)
        if m0 == m2 and k > i:
            k -= 1
        new = g.seqs[m2]
        new.insert(k, x)
        g._link(new)
        g.mach[x] = m2
        g.p[x] = g.alts[x][m2]
        return (x, m0, i)

    def run(
        self, deadline: float, max_iterations: int | None = None, stall: int = 0, patience: int = 0
    ) -> TabuStats:
        """Search until ``deadline`` (a ``time.monotonic()`` value) or ``max_iterations`` steps.

        ``stall`` steps without improvement trigger a restart; with ``patience`` > 0 the search also
        stops after that many restarts in a row that found nothing better.
        """
        g, rng, tabu, n = self.g, self.rng, self.tabu, self.g.n
        stats = TabuStats(start=self.best, best=self.best)
        t0 = time.monotonic()
        stall_limit = stall or max(2000, 8 * n)
        since = 0
        fruitless = 0
        it = 0
        lb = self.instance.lower_bound()
        while self.best > lb:
            if max_iterations is not None and it >= max_iterations:
                break
            if time.monotonic() >= deadline:
                break
            it += 1
            since += 1
            if since > stall_limit:
                fruitless += 1
                if patience and fruitless >= patience:
                    break
                self._restart()
                stats.restarts += 1
                since = 0
                continue
            blocks = g.critical_blocks(rng)
            moves = [mv for mv in _moves(blocks, g.pos, g.mach) if self._feasible(mv)]
            reassigns = self._reassignments(blocks, it) if self.flexible else []
            if not moves and not reassigns:
                if not self.flexible and all(len(b) < 2 for b in blocks):
                    break  # the critical path has no block to change: this order is optimal
                self._restart()
                stats.restarts += 1
                continue
            chosen: Move | None = None
            chosen_est = 0
            ties = 0
            for mv in moves:
                est = self._estimate(mv)
                arcs = self._arcs(mv)
                is_tabu = any(tabu[x * n + y] > it for x, y in arcs)
                if is_tabu and est >= self.best:
                    continue
                if chosen is None or est < chosen_est:
                    chosen, chosen_est, ties = mv, est, 1
                elif est == chosen_est:
                    ties += 1
                    if rng.randrange(ties) == 0:
                        chosen = mv
            reassign: Reassign | None = None
            for est, ra in reassigns:
                if (chosen is None and reassign is None) or est < chosen_est:
                    chosen, reassign, chosen_est, ties = None, ra, est, 1
                elif est == chosen_est:
                    ties += 1
                    if rng.randrange(ties) == 0:
                        chosen, reassign = None, ra
            tenure = self.tenure + rng.randrange(self.tenure // 2 + 1)
            if reassign is not None:
                undo = self._reassign(reassign)
                if not g.evaluate():
                    self._reassign((undo[0], undo[1], undo[2]))
                    g.evaluate()
                    self.assign_tabu[(reassign[0], reassign[1])] = it + tenure
                    continue
                self.assign_tabu[(undo[0], undo[1])] = it + tenure  # not back to the old machine soon
            else:
                if chosen is None:
                    if not moves:
                        self._restart()
                        stats.restarts += 1
                        continue
                    chosen = rng.choice(moves)
                arcs = self._arcs(chosen)
                self._apply(chosen)
                if not g.evaluate():
                    self._undo(chosen)
                    g.evaluate()
                    continue
                for x, y in arcs:  # forbid restoring the reversed pairs (y before x)
                    tabu[y * n + x] = it + tenure
            if g.makespan < self.best:
                self.best = g.makespan
                self.best_seqs = [list(s) for s in g.seqs]
                self.best_schedule = g.schedule()
                stats.improvements += 1
                since = 0
                fruitless = 0
        stats.iterations = it
        stats.best = self.best
        stats.seconds = time.monotonic() - t0
        return stats

    def _restart(self) -> None:
        """Back to the best sequences, perturbed by a few random feasible block moves; tabu list cleared."""
        g, rng = self.g, self.rng
        g.set_sequences(self.best_seqs)
        g.evaluate()
        for _ in range(rng.randrange(self.kick[0], self.kick[1])):
            blocks = g.critical_blocks(rng)
            moves = [mv for mv in _moves(blocks, g.pos, g.mach) if self._feasible(mv)]
            if not moves:
                break
            mv = rng.choice(moves)
            self._apply(mv)
            if not g.evaluate():
                self._undo(mv)
                g.evaluate()
        self.tabu[:] = [0] * len(self.tabu)
        self.assign_tabu.clear()


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
    ``start``). ``patience`` > 0 stops the search after that many fruitless restarts.
    """
    if instance.n_operations == 0:
        return start
    ts = TabuSearch(instance, start, seed)
    result = ts.run(deadline, max_iterations, patience=patience)
    if stats is not None:
        for field in ("iterations", "improvements", "restarts", "start", "best", "seconds"):
            setattr(stats, field, getattr(result, field))
    best = ts.best_schedule
    if best.makespan > start.makespan:  # the semi-active start cannot be worse; keep the guarantee
        return start
    return best
