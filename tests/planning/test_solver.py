from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jejo.planning.cpsat import SolveStats, critical_operations, plain_model, solve
from jejo.planning.heuristics import RULES, best_dispatch, dispatch
from jejo.planning.jobshop import Instance, Job, Operation
from jejo.planning.parsers import read_instance
from jejo.planning.verify import check_schedule


def brute_force_makespan(instance: Instance) -> int:
    """Optimal makespan by enumerating every job-order sequence and machine choice (tiny instances only).

    Every semi-active schedule is produced by scheduling operations in some sequence that respects the
    job order, each as early as possible, so the minimum over all sequences is the optimum.
    """
    tokens = [j for j, job in enumerate(instance.jobs) for _ in job.operations]
    choices = [op.alternatives for job in instance.jobs for op in job.operations]
    best = None
    for assignment in itertools.product(*choices):
        chosen: dict[tuple[int, int], tuple[int, int]] = {}
        idx = 0
        for j, job in enumerate(instance.jobs):
            for k in range(len(job.operations)):
                chosen[(j, k)] = assignment[idx]
                idx += 1
        for seq in set(itertools.permutations(tokens)):
            nxt = [0] * instance.n_jobs
            job_ready = [job.release for job in instance.jobs]
            mach_ready = [0] * instance.n_machines
            for j in seq:
                m, d = chosen[(j, nxt[j])]
                s = max(job_ready[j], mach_ready[m])
                job_ready[j] = mach_ready[m] = s + d
                nxt[j] += 1
            value = max(job_ready)
            if best is None or value < best:
                best = value
    assert best is not None
    return best


@st.composite
def classic_instances(draw: st.DrawFn) -> Instance:
    n_jobs = draw(st.integers(1, 3))
    n_machines = draw(st.integers(1, 3))
    rows = []
    for _ in range(n_jobs):
        order = draw(st.permutations(range(n_machines)))
        n_ops = draw(st.integers(1, n_machines))
        rows.append([(m, draw(st.integers(0, 9))) for m in order[:n_ops]])
    return Instance.classic(rows)


@st.composite
def flexible_instances(draw: st.DrawFn) -> Instance:
    n_machines = draw(st.integers(1, 3))
    jobs = []
    for _ in range(draw(st.integers(1, 3))):
        ops = []
        for _ in range(draw(st.integers(1, 2))):
            machines = draw(st.lists(st.integers(0, n_machines - 1), min_size=1, max_size=2, unique=True))
            ops.append(Operation(tuple((m, draw(st.integers(1, 9))) for m in machines)))
        jobs.append(Job(tuple(ops), release=draw(st.integers(0, 3))))
    return Instance(tuple(jobs), n_machines)


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(classic_instances())
def test_solver_matches_brute_force(inst: Instance) -> None:
    result = solve(inst, 5.0, workers=1)
    assert check_schedule(inst, result) == result.makespan
    assert result.makespan == brute_force_makespan(inst)
    assert result.proven_optimal


@SETTINGS
@given(flexible_instances())
def test_flexible_solver_matches_brute_force(inst: Instance) -> None:
    result = solve(inst, 5.0, workers=1)
    check_schedule(inst, result)
    assert result.makespan == brute_force_makespan(inst)


@SETTINGS
@given(flexible_instances(), st.sampled_from(sorted(RULES)))
def test_dispatch_rules_give_feasible_schedules(inst: Instance, rule: str) -> None:
    sched = dispatch(inst, rule, seed=1)
    check_schedule(inst, sched)
    assert sched.makespan >= brute_force_makespan(inst)


@SETTINGS
@given(classic_instances())
def test_plain_baseline_is_feasible(inst: Instance) -> None:
    result = plain_model(inst, 5.0, workers=1)
    assert result is not None
    check_schedule(inst, result)


def test_ft06_optimum(jssp_dir: Path) -> None:
    inst = read_instance(jssp_dir / "instances" / "ft06")
    assert best_dispatch(inst).makespan >= 55
    result = solve(inst, 10.0, workers=2)
    assert check_schedule(inst, result) == 55


def test_time_limit_is_respected_and_lns_keeps_feasibility(jssp_dir: Path) -> None:
    import time

    inst = read_instance(jssp_dir / "instances" / "la21")
    start = best_dispatch(inst)
    for kwargs in ({}, {"lns_share": 0.0, "full_fraction": 0.2}):  # CP-SAT LNS, then jejo's own loop
        stats = SolveStats()
        t = time.monotonic()
        result = solve(inst, 2.0, workers=2, stats=stats, **kwargs)  # type: ignore[arg-type]
        assert time.monotonic() - t < 3.5
        check_schedule(inst, result)
        assert result.makespan <= start.makespan
    assert stats.lns_steps > 0


def test_critical_path_is_a_chain_ending_at_the_makespan(jssp_dir: Path) -> None:
    inst = read_instance(jssp_dir / "instances" / "ft10")
    sched = best_dispatch(inst)
    path = critical_operations(inst, sched)
    end = {
        (j, k): sched.starts[j][k] + op.duration_on(sched.machines[j][k])
        for j, job in enumerate(inst.jobs)
        for k, op in enumerate(job.operations)
    }
    assert end[path[0]] == sched.makespan
    for later, earlier in itertools.pairwise(path):
        assert end[earlier] == sched.starts[later[0]][later[1]]
        same_job = earlier[0] == later[0] and earlier[1] == later[1] - 1
        same_machine = sched.machines[earlier[0]][earlier[1]] == sched.machines[later[0]][later[1]]
        assert same_job or same_machine


def test_brandimarte_mk01(jssp_dir: Path) -> None:
    inst = read_instance(jssp_dir / "fjsp" / "brandimarte" / "mk01.fjs", "fjsp")
    result = solve(inst, 10.0, workers=2)
    check_schedule(inst, result)
    bks = {r["instance"]: r["ub"] for r in json.loads((jssp_dir / "fjsp" / "bks.json").read_text())}
    assert result.makespan <= bks["mk01"] * 1.01


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ft10", "la16", "orb01"])
def test_hard_classics_near_their_optimum(jssp_dir: Path, name: str) -> None:
    """A guard against regressions, not the benchmark: the 1 % target at 30 s is measured by
    ``bench/jssp.py`` on a quiet machine; here, with the test suite sharing the cores, within 3 %."""
    inst = read_instance(jssp_dir / "instances" / name)
    bks = {r["name"]: r["ub"] for r in json.loads((jssp_dir / "bks.json").read_text())}
    result = solve(inst, 30.0, workers=2)
    check_schedule(inst, result)
    assert result.makespan <= bks[name] * 1.03
