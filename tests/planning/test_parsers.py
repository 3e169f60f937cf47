from __future__ import annotations

from pathlib import Path

import pytest

from jejo.core.errors import ValidationError
from jejo.planning.parsers import parse_fjsp, parse_jssp, read_instance

JSSP = """# a comment
# another
2 3
0 3 1 2 2 2
1 4 0 1 2 3
"""


def test_parse_jssp() -> None:
    inst = parse_jssp(JSSP, "tiny")
    assert inst.n_jobs == 2 and inst.n_machines == 3 and inst.n_operations == 6
    assert inst.jobs[1].operations[0].alternatives == ((1, 4),)
    assert not inst.is_flexible
    assert inst.lower_bound() == 8  # job 1: 4 + 1 + 3


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("2 3\n0 3 1 2 2 2\n", 2, "expected 2 job lines"),
        ("1 3\n0 3 1 x 2 2\n", 2, "expected integers"),
        ("1 3\n0 3 1 2 2\n", 2, "pairs"),
        ("1 3\n0 3 5 2\n", 2, "machine 5 out of range"),
        ("# only comments\n", 1, "empty"),
    ],
)
def test_parse_jssp_errors_name_the_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_jssp(text)
    problem = err.value.problems[0]
    assert problem.row == line
    assert reason in problem.reason


FJSP = """2 3 1.5
2 1 1 4 2 2 3 3 5
1 1 3 2
"""


def test_parse_fjsp_converts_machines_to_zero_based() -> None:
    inst = parse_fjsp(FJSP)
    assert inst.n_jobs == 2 and inst.n_machines == 3
    assert inst.jobs[0].operations[0].alternatives == ((0, 4),)
    assert inst.jobs[0].operations[1].alternatives == ((1, 3), (2, 5))
    assert inst.is_flexible


@pytest.mark.parametrize(
    ("text", "reason"),
    [("1 3\n2 1 1 4 1\n", "ends before"), ("1 3\n1 1 4 4\n", "out of range"), ("1 3\n1 1 1 4 9\n", "extra")],
)
def test_parse_fjsp_errors(text: str, reason: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_fjsp(text)
    assert err.value.problems[0].row == 2
    assert reason in err.value.problems[0].reason


def test_read_all_shared_instances(jssp_dir: Path) -> None:
    for path in sorted((jssp_dir / "instances").iterdir()):
        inst = read_instance(path)
        assert inst.n_operations == inst.n_jobs * inst.n_machines
    for path in sorted((jssp_dir / "fjsp" / "brandimarte").glob("*.fjs")):
        assert read_instance(path, "fjsp").is_flexible
