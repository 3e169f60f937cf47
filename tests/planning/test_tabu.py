from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jejo.planning.heuristics import best_dispatch, dispatch
from jejo.planning.jobshop import Instance, Job, Operation
from jejo.planning.parsers import read_instance
from jejo.planning.tabu import TabuSearch, TabuStats, tabu_search, warm_up
from jejo.planning.verify import check_schedule

from .test_solver import brute_force_makespan, classic_instances

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(classic_instances(), st.integers(0, 3))
def test_tabu_gives_a_valid_schedule_no_worse_than_its_start(inst: Instance, seed: int) -> None:
    start = dispatch(inst, "LPT", seed=seed)
    result = tabu_search(inst, start, time.monotonic() + 5.0, seed=seed, max_iterations=300)
    assert check_schedule(inst, result) == result.makespan
    assert result.makespan <= start.makespan
    assert result.makespan >= brute_force_makespan(inst)


@st.composite
def assigned_flexible_instances(draw: st.DrawFn) -> Instance:
    """Flexible jobs with releases, where consecutive operations of a job may share a machine."""
    n_machines = draw(st.integers(1, 3))
    jobs = []
    for _ in range(draw(st.integers(1, 3))):
        ops = []
        for _ in range(draw(st.integers(1, 3))):
            machines = draw(st.lists(st.integers(0, n_machines - 1), min_size=1, max_size=2, unique=True))
            ops.append(Operation(tuple((m, draw(st.integers(0, 9))) for m in machines)))
        jobs.append(Job(tuple(ops), release=draw(st.integers(0, 5))))
    return Instance(tuple(jobs), n_machines)


@SETTINGS
@given(assigned_flexible_instances(), st.integers(0, 3))
def test_tabu_on_flexible_instances_with_releases(inst: Instance, seed: int) -> None:
    start = dispatch(inst, "LPT", seed=seed)
    result = tabu_search(inst, start, time.monotonic() + 5.0, seed=seed, max_iterations=200)
    check_schedule(inst, result)
    assert result.makespan <= start.makespan
    assert result.makespan >= brute_force_makespan(inst)


def test_tabu_improves_ft10_and_stops_at_its_deadline(jssp_dir: Path) -> None:
    inst = read_instance(jssp_dir / "instances" / "ft10")
    start = best_dispatch(inst)
    tabu_search(inst, start, time.monotonic() + 60.0, max_iterations=1)  # compiled code loaded
    stats = TabuStats()
    t = time.monotonic()
    result = tabu_search(inst, start, t + 1.0, seed=1, stats=stats)
    assert time.monotonic() - t < 1.1
    check_schedule(inst, result)
    assert stats.iterations > 0
    assert stats.best == result.makespan < start.makespan


def test_tabu_heads_and_tails_agree_with_the_makespan(jssp_dir: Path) -> None:
    inst = read_instance(jssp_dir / "instances" / "la01")
    ts = TabuSearch(inst, best_dispatch(inst), seed=3)
    ts.run(time.monotonic() + 5.0, max_iterations=50)
    r, q, p = ts.heads_tails()
    n = inst.n_operations
    assert max(r[x] + p[x] + q[x] for x in range(n)) == ts.makespan
    assert all(r[x] + p[x] + q[x] <= ts.makespan for x in range(n))
    assert ts.schedule().makespan == ts.makespan
    check_schedule(inst, ts.schedule())


def test_tabu_is_deterministic_for_a_seed_and_a_number_of_steps(jssp_dir: Path) -> None:
    inst = read_instance(jssp_dir / "instances" / "la21")
    start = best_dispatch(inst)
    runs = []
    for slices in (1, 7):  # the same steps in one call or in several slices
        ts = TabuSearch(inst, start, seed=5)
        for _ in range(slices):
            ts.run(time.monotonic() + 60.0, max_iterations=3500 // slices)
        ts.run(time.monotonic() + 60.0, max_iterations=3500 - slices * (3500 // slices))
        runs.append((ts.best, ts.makespan, ts.best_schedule().starts))
    assert runs[0] == runs[1]
    other = TabuSearch(inst, start, seed=6)
    other.run(time.monotonic() + 60.0, max_iterations=3500)
    assert (other.best, other.makespan, other.best_schedule().starts) != runs[0]


def test_tabu_restarts_and_improves_a_larger_instance(jssp_dir: Path) -> None:
    inst = read_instance(jssp_dir / "instances" / "ta01")
    start = best_dispatch(inst)
    stats = TabuStats()
    result = tabu_search(inst, start, time.monotonic() + 60.0, seed=1, max_iterations=30000, stats=stats)
    assert check_schedule(inst, result) == result.makespan == stats.best
    assert stats.iterations == 30000
    assert stats.restarts > 0
    assert result.makespan < 0.9 * start.makespan


def test_tabu_reassigns_machines_on_brandimarte(jssp_dir: Path) -> None:
    inst = read_instance(jssp_dir / "fjsp" / "brandimarte" / "mk02.fjs", "fjsp")
    start = dispatch(inst, "FIFO")
    result = tabu_search(inst, start, time.monotonic() + 10.0, seed=2, max_iterations=400)
    check_schedule(inst, result)
    assert result.makespan < start.makespan
    assert result.machines != start.machines


def test_tabu_stops_on_a_single_machine() -> None:
    inst = Instance.classic([[(0, 3)], [(0, 4)], [(0, 5)]])
    start = dispatch(inst, "SPT")
    result = tabu_search(inst, start, time.monotonic() + 5.0)
    assert result.makespan == 12


def test_warm_up_lets_the_first_short_search_run(jssp_dir: Path) -> None:
    """After ``warm_up`` (as setup runs it) a search with less than ``LOAD_SECONDS`` left still runs."""
    assert warm_up() >= 0.0
    inst = read_instance(jssp_dir / "instances" / "ft06")
    start = dispatch(inst, "SPT", seed=0)
    stats = TabuStats()
    result = tabu_search(inst, start, time.monotonic() + 0.5, seed=0, stats=stats)
    assert stats.iterations > 0
    assert check_schedule(inst, result) == result.makespan <= start.makespan
