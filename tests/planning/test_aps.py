from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jejo.core.errors import ValidationError
from jejo.planning.aps import ApsProblem, Frozen, Order, Resource, Task, dispatch_plan, plan, plan_problems

SETUP = {("a", "b"): 2, ("b", "a"): 1}


@st.composite
def single_machine(draw: st.DrawFn) -> ApsProblem:
    orders = []
    for i in range(draw(st.integers(1, 5))):
        task = Task(f"t{i}", draw(st.integers(1, 6)), ("M",), draw(st.sampled_from("ab")))
        orders.append(
            Order(
                f"o{i}",
                (task,),
                due=draw(st.integers(0, 15)),
                weight=draw(st.integers(1, 3)),
                release=draw(st.integers(0, 4)),
            )
        )
    return ApsProblem((Resource("M"),), tuple(orders), dict(SETUP))


def brute_force_wt(problem: ApsProblem) -> int:
    best = None
    for perm in itertools.permutations(problem.orders):
        t, fam, wt = 0, None, 0
        for o in perm:
            task = o.tasks[0]
            s = max(o.release, t + (problem.setup_time(fam, task.family) if fam is not None else 0))
            t, fam = s + task.work, task.family
            wt += o.weight * max(0, t - o.due)
        best = wt if best is None else min(best, wt)
    assert best is not None
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(single_machine())
def test_weighted_tardiness_matches_brute_force(problem: ApsProblem) -> None:
    result = plan(problem, time_limit=5.0, workers=1)
    assert plan_problems(problem, result) == []
    assert result.weighted_tardiness == brute_force_wt(problem)
    start = dispatch_plan(problem, "ATCS")
    assert plan_problems(problem, start) == []
    assert start.weighted_tardiness >= result.weighted_tardiness


def test_alternative_machines_speeds_downtime_and_frozen() -> None:
    resources = (Resource("slow"), Resource("fast", speed=2.0, downtime=((0, 3),)))
    orders = (
        Order("A", (Task("A1", 10, ("slow", "fast")), Task("A2", 4, ("fast",))), due=100),
        Order("B", (Task("B1", 6, ("slow", "fast")),), due=100),
        Order("C", (Task("C1", 2, ("slow",)),), due=100),
    )
    problem = ApsProblem(resources, orders, frozen=(Frozen("C1", "slow", 1),))
    result = plan(problem, time_limit=5.0, workers=1)
    assert plan_problems(problem, result) == []
    by_task = {a.task: a for a in result.assignments}
    assert (by_task["C1"].resource, by_task["C1"].start) == ("slow", 1)
    assert all(a.start >= 3 for a in result.assignments if a.resource == "fast")
    # best: A1 on fast [3, 8), A2 on fast [8, 10), B1 on slow [3, 9): makespan 10
    assert result.makespan == 10
    assert result.optimal


def test_setups_are_minimised_after_makespan() -> None:
    tasks = [Task(f"t{i}", 2, ("M",), fam) for i, fam in enumerate("abab")]
    orders = tuple(Order(f"o{i}", (t,), due=100) for i, t in enumerate(tasks))
    problem = ApsProblem((Resource("M"),), orders, {("a", "b"): 3, ("b", "a"): 3})
    result = plan(problem, time_limit=5.0, workers=1)
    assert plan_problems(problem, result) == []
    assert result.setup_time == 3  # a a b b
    assert result.makespan == 11


def test_invalid_problem_names_the_field() -> None:
    problem = ApsProblem((Resource("M"),), (Order("o", (Task("t", 1, ("X",)),), due=1),))
    with pytest.raises(ValidationError) as err:
        plan(problem, 1.0)
    assert err.value.problems[0].field == "tasks.t.resources"


@st.composite
def small_plants(draw: st.DrawFn) -> ApsProblem:
    """Two machines (one faster, one with a downtime window), alternatives, sequence-dependent setups."""
    down = draw(st.sampled_from([(), ((2, 5),), ((0, 3), (8, 10))]))
    resources = (Resource("A"), Resource("B", speed=draw(st.sampled_from([1.0, 2.0])), downtime=down))
    orders = []
    for i in range(draw(st.integers(1, 3))):
        tasks = []
        for k in range(draw(st.integers(1, 2))):
            res = draw(st.sampled_from([("A",), ("B",), ("A", "B")]))
            speeds = (("A", 0.5),) if "A" in res and draw(st.booleans()) else ()
            tasks.append(
                Task(
                    f"o{i}t{k}",
                    draw(st.integers(1, 5)),
                    res,
                    draw(st.sampled_from("ab")),
                    draw(st.integers(0, 2)),
                    speeds,
                )
            )
        orders.append(
            Order(
                f"o{i}",
                tuple(tasks),
                due=draw(st.integers(0, 12)),
                weight=draw(st.integers(1, 3)),
                release=draw(st.integers(0, 3)),
            )
        )
    return ApsProblem(resources, tuple(orders), {("a", "b"): draw(st.integers(0, 2))})


def brute_force_plant(problem: ApsProblem) -> tuple[int, int, int]:
    """Lexicographic optimum (weighted tardiness, makespan, setup) over every machine choice and every
    operation sequence, each operation placed as early as its order, its machine (with the changeover
    from the operation before it) and the machine's downtime allow: with a regular objective that covers
    an optimal plan."""
    res = {r.id: r for r in problem.resources}
    tasks = [t for o in problem.orders for t in o.tasks]
    tokens = [i for i, o in enumerate(problem.orders) for _ in o.tasks]
    best: tuple[int, int, int] | None = None
    for choice in itertools.product(*(t.resources for t in tasks)):
        on = {t.id: r for t, r in zip(tasks, choice, strict=True)}
        for seq in set(itertools.permutations(tokens)):
            nxt = [0] * len(problem.orders)
            ready = [o.release for o in problem.orders]
            last: dict[str, tuple[Task, int]] = {}
            setup = 0
            for i in seq:
                t = problem.orders[i].tasks[nxt[i]]
                r = on[t.id]
                d = problem.duration(t, res[r])
                s = ready[i]
                if r in last:
                    co = problem.changeover(last[r][0], t)
                    setup += co
                    s = max(s, last[r][1] + co)
                moved = True
                while moved:
                    moved = False
                    for a, b in res[r].downtime:
                        if s < b and a < s + d:
                            s, moved = b, True
                ready[i] = s + d
                last[r] = (t, s + d)
                nxt[i] += 1
            wt = sum(o.weight * max(0, ready[i] - o.due) for i, o in enumerate(problem.orders))
            value = (wt, max(ready), setup)
            best = value if best is None or value < best else best
    assert best is not None
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_plants())
def test_plant_plans_match_brute_force(problem: ApsProblem) -> None:
    result = plan(problem, time_limit=5.0, workers=1)
    assert plan_problems(problem, result) == []  # the checker: resources, durations, order, setups, downtime
    assert (result.weighted_tardiness, result.makespan, result.setup_time) == brute_force_plant(problem)
    start = dispatch_plan(problem, "EDD")
    assert plan_problems(problem, start) == []
    assert (start.weighted_tardiness, start.makespan) >= (result.weighted_tardiness, result.makespan)


def test_checker_finds_every_kind_of_fault() -> None:
    from jejo.planning.aps import ApsPlan, Assignment

    problem = ApsProblem(
        (Resource("A"), Resource("B", downtime=((0, 2),))),
        (
            Order("o", (Task("t1", 3, ("A",), "a"), Task("t2", 2, ("B",), "b", setup=1)), due=4),
            Order("p", (Task("u1", 2, ("A",), "b", setup=2),), due=9),
        ),
    )
    good = [
        Assignment("t1", "o", "A", 0, 3),
        Assignment("t2", "o", "B", 3, 5),
        Assignment("u1", "p", "A", 5, 7),
    ]
    assert plan_problems(problem, ApsPlan(good, 1, 7, 2)) == []
    cases = {
        "before": [good[0], Assignment("t2", "o", "B", 2, 4), good[2]],  # order precedence
        "wrong duration": [Assignment("t1", "o", "A", 0, 4), good[1], good[2]],
        "cannot run": [good[0], Assignment("t2", "o", "A", 3, 5), good[2]],
        "downtime": [Assignment("t1", "o", "A", 0, 1), Assignment("t2", "o", "B", 1, 3), good[2]],
        "plus setup": [good[0], good[1], Assignment("u1", "p", "A", 4, 6)],  # changeover a -> b is 2
        "not planned": good[:2],
    }
    for what, assignments in cases.items():
        faults = plan_problems(problem, ApsPlan(assignments, 1, 7, 2))
        assert any(what in f for f in faults), (what, faults)
    assert any("objectives" in f for f in plan_problems(problem, ApsPlan(good, 0, 7, 2)))
