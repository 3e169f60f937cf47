"""Factory APS on the job-shop engine: alternative machines with speeds, sequence-dependent setups,
calendars (planned downtime), release/due dates, weighted tardiness and frozen (started) operations.

A pure domain service: plain dataclasses in, a plan out; no database, no web. Objectives are
lexicographic — weighted tardiness, then makespan, then total setup time — and solved in that order
with CP-SAT, each stage warm-started with the previous stage's plan (the first stage with an EDD or
ATCS dispatching plan, whichever is better).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

from jejo.core.errors import Problem, ValidationError


@dataclass(frozen=True, slots=True)
class Resource:
    """A machine. ``speed`` divides standard work; ``downtime`` lists ``[start, end)`` periods off shift."""

    id: str
    speed: float = 1.0
    downtime: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Task:
    """One operation of an order: standard work, the resources able to run it, its setup family.

    ``setup`` is the changeover time needed before this task when the task before it on the same
    resource has another family (on top of the family matrix of the problem, the larger one counts);
    ``speeds`` overrides the resource's speed for this task (``(resource, speed)`` pairs), e.g. a
    machine that can also run another work center's operations, but slower.
    """

    id: str
    work: int
    resources: tuple[str, ...]
    family: str = ""
    setup: int = 0
    speeds: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Order:
    """A chain of tasks with release date, due date and tardiness weight."""

    id: str
    tasks: tuple[Task, ...]
    due: int
    weight: int = 1
    release: int = 0


@dataclass(frozen=True, slots=True)
class Frozen:
    """A task already started (or fixed by the planner): it keeps its resource and start time."""

    task: str
    resource: str
    start: int


@dataclass(frozen=True, slots=True)
class ApsProblem:
    resources: tuple[Resource, ...]
    orders: tuple[Order, ...]
    setup: dict[tuple[str, str], int] = field(default_factory=dict)  # (from family, to family) -> time
    frozen: tuple[Frozen, ...] = ()

    def duration(self, task: Task, resource: Resource) -> int:
        speed = next((v for r, v in task.speeds if r == resource.id), resource.speed)
        return max(1, math.ceil(task.work / speed)) if task.work > 0 else 0

    def setup_time(self, a: str, b: str) -> int:
        return 0 if a == b else self.setup.get((a, b), 0)

    def changeover(self, before: Task, after: Task) -> int:
        """Time needed between ``before`` and ``after`` when they run one after the other on a resource."""
        if before.family == after.family:
            return 0
        return max(self.setup.get((before.family, after.family), 0), after.setup)


@dataclass(frozen=True, slots=True)
class Assignment:
    task: str
    order: str
    resource: str
    start: int
    end: int


@dataclass(slots=True)
class ApsPlan:
    assignments: list[Assignment]
    weighted_tardiness: int
    makespan: int
    setup_time: int
    optimal: bool = False


def validate(problem: ApsProblem) -> None:
    """Raise ValidationError for unknown resources, duplicate ids or bad numbers."""
    problems: list[Problem] = []
    res_ids = {r.id for r in problem.resources}
    seen: set[str] = set()
    for r in problem.resources:
        if r.speed <= 0:
            problems.append(Problem("speed must be positive", field=f"resources.{r.id}.speed"))
    for o in problem.orders:
        for t in o.tasks:
            if t.id in seen:
                problems.append(Problem("duplicate task id", field=f"tasks.{t.id}"))
            seen.add(t.id)
            if not t.resources or any(r not in res_ids for r in t.resources):
                problems.append(Problem("unknown or missing resource", field=f"tasks.{t.id}.resources"))
            if t.work < 0:
                problems.append(Problem("work must not be negative", field=f"tasks.{t.id}.work"))
            if t.setup < 0 or any(v <= 0 for _, v in t.speeds):
                problems.append(Problem("setup and speeds must be positive", field=f"tasks.{t.id}"))
    for f in problem.frozen:
        if f.task not in seen or f.resource not in res_ids:
            problems.append(Problem("frozen task or resource unknown", field=f"frozen.{f.task}"))
    if problems:
        raise ValidationError("invalid planning problem", problems)


def plan_problems(problem: ApsProblem, plan: ApsPlan) -> list[str]:
    """Independent check of a plan: every rule the APS must respect, and its objective values."""
    out: list[str] = []
    res = {r.id: r for r in problem.resources}
    by_task = {a.task: a for a in plan.assignments}
    frozen = {f.task: f for f in problem.frozen}
    per_res: dict[str, list[tuple[int, int, str]]] = {}
    wt, mk, task_of = 0, 0, {}
    for o in problem.orders:
        ready = o.release
        for t in o.tasks:
            task_of[t.id] = t
            a = by_task.get(t.id)
            if a is None:
                out.append(f"task {t.id} not planned")
                continue
            if a.resource not in t.resources:
                out.append(f"task {t.id} on {a.resource}, which cannot run it")
                continue
            if a.end - a.start != problem.duration(t, res[a.resource]):
                out.append(f"task {t.id}: wrong duration")
            if a.start < ready and t.id not in frozen:
                out.append(f"task {t.id} starts at {a.start} before {ready}")
            if t.id in frozen and (a.start, a.resource) != (frozen[t.id].start, frozen[t.id].resource):
                out.append(f"frozen task {t.id} moved")
            for d0, d1 in res[a.resource].downtime:
                if a.start < d1 and d0 < a.end and a.end > a.start:
                    out.append(f"task {t.id} overlaps downtime [{d0}, {d1}) of {a.resource}")
            per_res.setdefault(a.resource, []).append((a.start, a.end, t.id))
            ready = a.end
        wt += o.weight * max(0, ready - o.due)
        mk = max(mk, ready)
    setup = 0
    for rid, items in per_res.items():
        items.sort()
        for (_, e0, t0), (s1, _, t1) in itertools.pairwise(items):
            need = problem.changeover(task_of[t0], task_of[t1])
            setup += need
            if e0 + need > s1:
                out.append(f"{rid}: {t1} starts at {s1} before {t0} ends at {e0} plus setup {need}")
    if not out and (wt, mk, setup) != (plan.weighted_tardiness, plan.makespan, plan.setup_time):
        out.append(
            f"objectives {(plan.weighted_tardiness, plan.makespan, plan.setup_time)} != {(wt, mk, setup)}"
        )
    return out


def dispatch_plan(problem: ApsProblem, rule: str = "EDD") -> ApsPlan:
    """Serial dispatching respecting setups, calendars and frozen tasks (rule ``EDD`` or ``ATCS``)."""
    res = {r.id: r for r in problem.resources}
    frozen = {f.task: f for f in problem.frozen}
    busy: dict[str, list[tuple[int, int, Task]]] = {r.id: [] for r in problem.resources}
    for o in problem.orders:
        for t in o.tasks:
            if t.id in frozen:
                f = frozen[t.id]
                busy[f.resource].append((f.start, f.start + problem.duration(t, res[f.resource]), t))
    nxt = {o.id: 0 for o in problem.orders}
    ready = {o.id: o.release for o in problem.orders}
    mean_p = max(
        1.0,
        sum(t.work for o in problem.orders for t in o.tasks)
        / max(1, sum(len(o.tasks) for o in problem.orders)),
    )
    assignments: list[Assignment] = []

    def earliest(rid: str, t: Task, at: int) -> int:
        d = problem.duration(t, res[rid])
        s = at
        changed = True
        while changed:
            changed = False
            items = sorted(busy[rid], key=lambda b: (b[0], b[1]))
            for b0, b1, other in items:
                before = problem.changeover(other, t)
                after = problem.changeover(t, other)
                if s < b1 + before and b0 < s + d + after:
                    s = b1 + before
                    changed = True
            for d0, d1 in res[rid].downtime:
                if s < d1 and d0 < s + d and d > 0:
                    s = d1
                    changed = True
        return s

    while any(nxt[o.id] < len(o.tasks) for o in problem.orders):
        best: tuple[float, int, Order, Task, str, int] | None = None
        for o in problem.orders:
            if nxt[o.id] >= len(o.tasks):
                continue
            t = o.tasks[nxt[o.id]]
            if t.id in frozen:
                f = frozen[t.id]
                cand = (-math.inf, 0, o, t, f.resource, f.start)
            else:
                rid = min(
                    t.resources, key=lambda r: earliest(r, t, ready[o.id]) + problem.duration(t, res[r])
                )
                s = earliest(rid, t, ready[o.id])
                remaining = sum(x.work for x in o.tasks[nxt[o.id] :])
                if rule == "ATCS":
                    slack = max(0, o.due - remaining - s)
                    key = -(o.weight / max(1, t.work)) * math.exp(-slack / (2 * mean_p))
                else:
                    key = o.due
                cand = (key, s, o, t, rid, s)
            if best is None or cand[:2] < best[:2]:
                best = cand
        assert best is not None
        _, _, o, t, rid, s = best
        e = s + problem.duration(t, res[rid])
        if t.id not in frozen:
            busy[rid].append((s, e, t))
        assignments.append(Assignment(t.id, o.id, rid, s, e))
        ready[o.id] = e
        nxt[o.id] += 1
    return _evaluate(problem, assignments)


def _evaluate(problem: ApsProblem, assignments: list[Assignment]) -> ApsPlan:
    by_task = {a.task: a for a in assignments}
    task_of = {t.id: t for o in problem.orders for t in o.tasks}
    wt = mk = 0
    for o in problem.orders:
        end = by_task[o.tasks[-1].id].end if o.tasks else o.release
        wt += o.weight * max(0, end - o.due)
        mk = max(mk, end)
    setup = 0
    per_res: dict[str, list[Assignment]] = {}
    for a in assignments:
        per_res.setdefault(a.resource, []).append(a)
    for items in per_res.values():
        items.sort(key=lambda a: (a.start, a.end))
        setup += sum(
            problem.changeover(task_of[a.task], task_of[b.task]) for a, b in itertools.pairwise(items)
        )
    return ApsPlan(sorted(assignments, key=lambda a: (a.start, a.resource)), wt, mk, setup)


def plan(problem: ApsProblem, time_limit: float = 10.0, workers: int = 2) -> ApsPlan:
    """Plan with CP-SAT: minimise weighted tardiness, then makespan, then setup time."""
    from ortools.sat.python import cp_model

    validate(problem)
    end_at = time.monotonic() + time_limit
    start_plan = min(
        (dispatch_plan(problem, r) for r in ("EDD", "ATCS")),
        key=lambda p: (p.weighted_tardiness, p.makespan, p.setup_time),
    )
    res = {r.id: r for r in problem.resources}
    frozen = {f.task: f for f in problem.frozen}
    # a better weighted tardiness may need a longer makespan than the dispatching plan: use a safe bound
    tasks = [t for o in problem.orders for t in o.tasks]
    latest = max(
        [
            0,
            *(o.release for o in problem.orders),
            *(d1 for r in problem.resources for _, d1 in r.downtime),
            *(f.start for f in problem.frozen),
        ]
    )
    max_setup = max([0, *problem.setup.values(), *(t.setup for o in problem.orders for t in o.tasks)])
    horizon = latest + sum(max(problem.duration(t, res[r]) + max_setup for r in t.resources) for t in tasks)
    horizon = max(horizon, start_plan.makespan, 1)
    m = cp_model.CpModel()
    starts: dict[str, cp_model.IntVar] = {}
    ends: dict[str, cp_model.IntVar] = {}
    lits: dict[tuple[str, str], cp_model.IntVar] = {}
    per_res: dict[str, list[tuple[str, cp_model.IntVar, cp_model.IntervalVar]]] = {
        r.id: [] for r in problem.resources
    }
    task_of: dict[str, Task] = {}
    tardy = []
    order_ends = []
    for o in problem.orders:
        prev = None
        for t in o.tasks:
            task_of[t.id] = t
            s = m.new_int_var(0, horizon, f"s_{t.id}")
            e = m.new_int_var(0, horizon, f"e_{t.id}")
            options = t.resources
            if t.id in frozen:
                options = (frozen[t.id].resource,)
                m.add(s == frozen[t.id].start)
            elif prev is None:
                m.add(s >= o.release)
            opt_lits = []
            for rid in options:
                lit = m.new_bool_var(f"x_{t.id}_{rid}")
                d = problem.duration(t, res[rid])
                iv = m.new_optional_fixed_size_interval_var(s, d, lit, f"i_{t.id}_{rid}")
                m.add(e == s + d).only_enforce_if(lit)
                lits[(t.id, rid)] = lit
                per_res[rid].append((t.id, lit, iv))
                opt_lits.append(lit)
            m.add_exactly_one(opt_lits)
            if prev is not None:
                m.add(s >= prev)
            prev = e
            starts[t.id], ends[t.id] = s, e
        if prev is not None:
            late = m.new_int_var(0, horizon + max(0, -o.due), f"late_{o.id}")
            m.add(late >= prev - o.due)
            tardy.append(o.weight * late)
            order_ends.append(prev)
    setup_terms = []
    for rid, items in per_res.items():
        intervals = [iv for _, _, iv in items]
        intervals += [
            m.new_fixed_size_interval_var(d0, d1 - d0, f"down_{rid}_{d0}") for d0, d1 in res[rid].downtime
        ]
        m.add_no_overlap(intervals)
        if any(
            problem.changeover(task_of[a], task_of[b]) for a, _, _ in items for b, _, _ in items if a != b
        ):
            arcs: list[tuple[int, int, cp_model.LiteralT]] = []
            for i, (a, la, _) in enumerate(items):
                arcs.append((0, i + 1, m.new_bool_var("")))  # first on the resource
                arcs.append((i + 1, 0, m.new_bool_var("")))  # last
                arcs.append((i + 1, i + 1, ~la))  # not on this resource
                for k, (b, _, _) in enumerate(items):
                    if a == b:
                        continue
                    arc = m.new_bool_var(f"{a}->{b}@{rid}")
                    need = problem.changeover(task_of[a], task_of[b])
                    m.add(starts[b] >= ends[a] + need).only_enforce_if(arc)
                    if need:
                        setup_terms.append(need * arc)
                    arcs.append((i + 1, k + 1, arc))
            m.add_circuit(arcs)
    makespan = m.new_int_var(0, horizon, "makespan")
    for e in order_ends:
        m.add(makespan >= e)
    wt_expr = sum(tardy)
    setup_expr = sum(setup_terms)

    def hint(p: ApsPlan) -> None:
        m.clear_hints()
        for a in p.assignments:
            m.add_hint(starts[a.task], a.start)
            m.add_hint(ends[a.task], a.end)
            for (tid, rid), lit in lits.items():
                if tid == a.task:
                    m.add_hint(lit, rid == a.resource)

    best = start_plan
    optimal = True
    for stage, objective in enumerate((wt_expr, makespan, setup_expr)):
        left = end_at - time.monotonic()
        if left <= 0.05:
            optimal = False
            break
        m.minimize(objective)
        hint(best)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = left / (3 - stage)
        solver.parameters.num_workers = workers
        status = solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            optimal = False
            break
        assignments = []
        for o in problem.orders:
            for t in o.tasks:
                rid = next(r for (tid, r), lit in lits.items() if tid == t.id and solver.boolean_value(lit))
                assignments.append(
                    Assignment(t.id, o.id, rid, solver.value(starts[t.id]), solver.value(ends[t.id]))
                )
        candidate = _evaluate(problem, assignments)
        key = (candidate.weighted_tardiness, candidate.makespan, candidate.setup_time)
        if key <= (best.weighted_tardiness, best.makespan, best.setup_time):
            best = candidate
        optimal = optimal and status == cp_model.OPTIMAL
        if not isinstance(objective, int):
            m.add(objective <= int(solver.value(objective)))
    best.optimal = optimal
    return best


def problem_to_json(problem: ApsProblem) -> dict[str, Any]:
    """The problem as plain JSON data (stored with each plan, so that it can be checked and re-run)."""
    return {
        "resources": [
            {"id": r.id, "speed": r.speed, "downtime": [list(d) for d in r.downtime]}
            for r in problem.resources
        ],
        "orders": [
            {
                "id": o.id,
                "due": o.due,
                "weight": o.weight,
                "release": o.release,
                "tasks": [
                    {
                        "id": t.id,
                        "work": t.work,
                        "resources": list(t.resources),
                        "family": t.family,
                        "setup": t.setup,
                        "speeds": [list(x) for x in t.speeds],
                    }
                    for t in o.tasks
                ],
            }
            for o in problem.orders
        ],
        "setup": [[a, b, v] for (a, b), v in problem.setup.items()],
        "frozen": [{"task": f.task, "resource": f.resource, "start": f.start} for f in problem.frozen],
    }


def problem_from_json(data: dict[str, Any]) -> ApsProblem:
    """The inverse of :func:`problem_to_json`."""
    return ApsProblem(
        resources=tuple(
            Resource(r["id"], float(r["speed"]), tuple((int(a), int(b)) for a, b in r["downtime"]))
            for r in data["resources"]
        ),
        orders=tuple(
            Order(
                o["id"],
                tuple(
                    Task(
                        t["id"],
                        int(t["work"]),
                        tuple(t["resources"]),
                        t.get("family", ""),
                        int(t.get("setup", 0)),
                        tuple((str(r), float(v)) for r, v in t.get("speeds", [])),
                    )
                    for t in o["tasks"]
                ),
                due=int(o["due"]),
                weight=int(o.get("weight", 1)),
                release=int(o.get("release", 0)),
            )
            for o in data["orders"]
        ),
        setup={(a, b): int(v) for a, b, v in data.get("setup", [])},
        frozen=tuple(Frozen(f["task"], f["resource"], int(f["start"])) for f in data.get("frozen", [])),
    )
