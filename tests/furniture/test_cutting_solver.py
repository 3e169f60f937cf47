"""The 2BP solver: every placement checked, on random instances (hypothesis) and on benchmark files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jejo.cli import app
from jejo.furniture.cutting import Instance, Item, Placement, Solution, SolveOptions, solve
from jejo.furniture.cutting.bounds import lower_bound
from jejo.furniture.cutting.parsers import read_2bp
from jejo.furniture.cutting.verify import check_solution, is_guillotine, stages_needed


@st.composite
def instances(draw: st.DrawFn) -> tuple[Instance, bool]:
    W = draw(st.integers(5, 60))
    H = draw(st.integers(5, 60))
    rotate = draw(st.booleans())
    n = draw(st.integers(1, 25))
    items = []
    for _ in range(n):
        w = draw(st.integers(1, W))
        h = draw(st.integers(1, H))
        items.append(Item(w, h, rotate))
    return Instance(tuple(items), W, H), rotate


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.booleans())
def test_random_instances_are_packed_validly(case: tuple[Instance, bool], guillotine: bool) -> None:
    inst, rotate = case
    sol = solve(inst, SolveOptions(guillotine=guillotine, time_limit=0.05))
    assert check_solution(inst, sol, rotate=rotate, guillotine=guillotine) == []
    assert sol.bins >= lower_bound(inst.items, inst.W, inst.H)
    assert sol.bins <= len(inst.items)


@settings(max_examples=25, deadline=None)
@given(instances(), st.sampled_from([2, 3]))
def test_staged_patterns_have_at_most_the_stages(case: tuple[Instance, bool], stages: int) -> None:
    inst, rotate = case
    sol = solve(inst, SolveOptions(guillotine=True, stages=stages, time_limit=0.05))
    assert check_solution(inst, sol, rotate=rotate, guillotine=True) == []
    by_bin: dict[int, list[tuple[int, int, int, int]]] = {}
    for p in sol.placements:
        by_bin.setdefault(p.bin, []).append((p.x, p.y, p.x + p.w, p.y + p.h))
    for rects in by_bin.values():
        need = min(stages_needed(rects, 1) or 99, stages_needed(rects, 0) or 99)
        assert need <= stages


def _sol(pls: list[Placement], bins: int = 1) -> Solution:
    return Solution(pls, bins, False)


def test_checker_catches_every_kind_of_error() -> None:
    inst = Instance((Item(4, 2, True), Item(3, 3, False)), 6, 6)
    good = _sol([Placement(0, 0, 0, 0, 4, 2, False), Placement(1, 0, 0, 2, 3, 3, False)])
    assert check_solution(inst, good) == []
    overlap = _sol([Placement(0, 0, 0, 0, 4, 2, False), Placement(1, 0, 1, 1, 3, 3, False)])
    assert any("overlap" in e for e in check_solution(inst, overlap))
    outside = _sol([Placement(0, 0, 3, 0, 4, 2, False), Placement(1, 0, 0, 2, 3, 3, False)])
    assert any("outside" in e for e in check_solution(inst, outside))
    wrong = _sol([Placement(0, 0, 0, 0, 2, 4, False), Placement(1, 0, 3, 0, 3, 3, False)])
    assert any("size" in e for e in check_solution(inst, wrong))
    turned = _sol([Placement(0, 0, 0, 0, 4, 2, False), Placement(1, 0, 0, 2, 3, 3, True)])
    assert any("rotation" in e for e in check_solution(inst, turned))
    assert any(
        "rotation" in e
        for e in check_solution(
            inst, _sol([Placement(0, 0, 0, 0, 2, 4, True), Placement(1, 0, 2, 0, 3, 3, False)]), rotate=False
        )
    )
    missing = _sol([Placement(0, 0, 0, 0, 4, 2, False)])
    assert any("exactly once" in e for e in check_solution(inst, missing))
    bad_count = _sol([Placement(0, 0, 0, 0, 4, 2, False), Placement(1, 0, 0, 2, 3, 3, False)], bins=2)
    assert any("bins" in e for e in check_solution(inst, bad_count))


def test_pinwheel_is_not_guillotine() -> None:
    pinwheel = [(0, 0, 2, 1), (2, 0, 3, 2), (1, 2, 3, 3), (0, 1, 1, 3), (1, 1, 2, 2)]
    assert not is_guillotine(pinwheel)
    assert is_guillotine([(0, 0, 2, 1), (0, 1, 2, 3), (2, 0, 3, 3)])
    assert stages_needed([(0, 0, 2, 1), (0, 1, 1, 3), (1, 1, 2, 3)], 1) == 2


def test_lower_bound_and_stop_at_it() -> None:
    inst = Instance(tuple(Item(5, 5) for _ in range(8)), 10, 10)
    sol = solve(inst, SolveOptions(time_limit=5))
    assert sol.bins == 2 == sol.lower_bound
    assert float(sol.stats["seconds"]) < 2


def test_benchmark_instances_reach_best_known(data_2bp: Path) -> None:
    with open(data_2bp / "bks.csv") as fh:
        bks = {int(r["abs"]): r for r in csv.DictReader(fh)}
    for cls, ab in (("01", 1), ("03", 111), ("07", 301)):
        inst = read_2bp(data_2bp / f"Class_{cls}.2bp", ab)
        sol = solve(inst, SolveOptions(time_limit=5.0))  # stops at the lower bound, usually in < 1 s
        assert check_solution(inst, sol) == []
        assert sol.bins <= int(bks[ab]["bks_2bp_R_F_best"])
        gsol = solve(inst, SolveOptions(guillotine=True, time_limit=5.0))
        assert check_solution(inst, gsol, guillotine=True) == []
        assert gsol.bins <= int(bks[ab]["bks_3stage_nonexact_R"])


@pytest.mark.parametrize("flags", [[], ["--guillotine"], ["--no-rotate"], ["--guillotine", "--no-rotate"]])
def test_cli_contract(data_2bp: Path, flags: list[str]) -> None:
    f = data_2bp / "Class_07.2bp"
    res = CliRunner().invoke(
        app,
        [
            "cut",
            "solve",
            str(f),
            "--format",
            "2bp",
            "--instance",
            "311",
            *flags,
            "--time-limit",
            "0.5",
            "--workers",
            "2",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert set(obj) == {"bins", "placements", "guillotine"}
    assert obj["guillotine"] is ("--guillotine" in flags)
    rotate = "--no-rotate" not in flags
    inst = read_2bp(f, 311, rotate=rotate)
    assert check_solution(inst, obj, rotate=rotate, guillotine="--guillotine" in flags) == []


def test_cli_rejects_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.2bp"
    bad.write_text("    1 PROBLEM CLASS\n   2 N. OF ITEMS\n   1 1 REL ABS\n  10 10 HBIN,WBIN\n  3 x\n  2 2\n")
    res = CliRunner().invoke(app, ["cut", "solve", str(bad), "--format", "2bp", "--instance", "1", "--json"])
    assert res.exit_code == 2
    assert "row=5" in res.stderr
    res = CliRunner().invoke(app, ["cut", "solve", str(bad), "--format", "2bp", "--instance", "9", "--json"])
    assert res.exit_code == 2
    res = CliRunner().invoke(
        app, ["cut", "solve", str(bad), "--format", "2bp", "--instance", "1", "--workers", "-1", "--json"]
    )
    assert res.exit_code == 2 and "--workers" in res.stderr
    big = tmp_path / "big.2bp"
    big.write_text("1\n1\n1 1\n10 10\n11 2\n")
    res = CliRunner().invoke(app, ["cut", "solve", str(big), "--format", "2bp", "--instance", "1", "--json"])
    assert res.exit_code == 2 and "fits in no orientation" in res.stderr


def test_exact_mode_proves_small_jobs_optimal() -> None:
    # area and big-item bounds say 1 sheet; only the exact model shows that 3 parts of 7 x 4 need 2
    inst = Instance(tuple(Item(7, 4) for _ in range(3)), 10, 10)
    sol = solve(inst, SolveOptions(time_limit=8))
    assert check_solution(inst, sol) == []
    assert sol.bins == 2 and sol.lower_bound == 1
    assert sol.stats.get("proven_optimal") == 1
