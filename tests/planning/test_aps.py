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
