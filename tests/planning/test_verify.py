from __future__ import annotations

import pytest

from jejo.planning.jobshop import Instance, Schedule
from jejo.planning.verify import check_schedule, schedule_problems

INST = Instance.classic([[(0, 3), (1, 2)], [(1, 2), (0, 4)]])


def sched(starts: list[list[int]]) -> Schedule:
    machines = [[op.alternatives[0][0] for op in job.operations] for job in INST.jobs]
    return Schedule.from_starts(INST, starts, machines)


def test_valid_schedule() -> None:
    assert check_schedule(INST, sched([[0, 3], [0, 3]])) == 7


@pytest.mark.parametrize(
    ("starts", "message"),
    [
        ([[0, 2], [0, 4]], "before"),  # job 0 op 1 starts before op 0 ends
        ([[0, 3], [0, 2]], "overlaps"),  # machine 0: job 0 [0,3) and job 1 op 1 [2,6)
        ([[0, 3], [0]], "expected 2 operations"),
    ],
)
def test_violations_are_found(starts: list[list[int]], message: str) -> None:
    s = Schedule(starts, [[0, 1], [1, 0]], 7)
    problems = schedule_problems(INST, s)
    assert any(message in p for p in problems), problems
    with pytest.raises(AssertionError):
        check_schedule(INST, s)


def test_wrong_makespan_and_wrong_machine() -> None:
    s = sched([[0, 3], [0, 3]])
    s.makespan = 6
    assert any("reported makespan" in p for p in schedule_problems(INST, s))
    bad = Schedule([[0, 3], [0, 3]], [[1, 1], [1, 0]], 7)
    assert any("cannot run" in p for p in schedule_problems(INST, bad))
