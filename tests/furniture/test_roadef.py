"""ROADEF/EURO 2018: the rules checker (official best solutions, broken ones) and our solutions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jejo.cli import app
from jejo.furniture.cutting.roadef_check import check_roadef

HEAD = "PLATE_ID;NODE_ID;X;Y;WIDTH;HEIGHT;TYPE;CUT;PARENT"


def test_checker_accepts_the_official_best_solutions(roadef_dir: Path) -> None:
    with open(roadef_dir / "best_waste.csv") as fh:
        published = {r["instance"]: r for r in csv.DictReader(fh)}
    for k in range(1, 21):
        errors, waste = check_roadef(
            roadef_dir / "instances" / f"A{k}_batch.csv", roadef_dir / "solutions_best" / f"A{k}_solution.csv"
        )
        assert errors == [], (k, errors[:3])
        row = published[f"A{k}"]
        assert waste in {int(row["waste_best"]), int(row["waste_ff_3600s"])}, k


def _write(tmp: Path, defects: str, nodes: list[str]) -> tuple[Path, Path]:
    batch = tmp / "T_batch.csv"
    batch.write_text("ITEM_ID;LENGTH_ITEM;WIDTH_ITEM;STACK;SEQUENCE\n0;900;500;0;1\n1;1000;500;0;2\n")
    (tmp / "T_defects.csv").write_text("DEFECT_ID;PLATE_ID;X;Y;WIDTH;HEIGHT\n" + defects)
    sol = tmp / "T_solution.csv"
    sol.write_text("\n".join([HEAD, *nodes]) + "\n")
    return batch, sol


GOOD = [
    "0;0;0;0;6000;3210;-2;0;",
    "0;1;0;0;1000;3210;-2;1;0",
    "0;2;0;0;1000;500;-2;2;1",
    "0;3;0;0;900;500;0;3;2",
    "0;4;900;0;100;500;-1;3;2",
    "0;5;0;500;1000;500;1;2;1",
    "0;6;0;1000;1000;2210;-1;2;1",
    "0;7;1000;0;5000;3210;-3;1;0",
]


def test_checker_on_a_small_case(tmp_path: Path) -> None:
    b, s = _write(tmp_path, "", GOOD)
    errors, waste = check_roadef(b, s)
    assert errors == []
    assert waste == 1000 * 3210 - 900 * 500 - 1000 * 500


@pytest.mark.parametrize(
    ("defects", "change", "message"),
    [
        ("0;0;950;499;2;2\n", {}, "crosses a defect"),
        ("0;0;100;100;5;5\n", {}, "covers a defect"),
        ("", {3: "0;3;0;0;900;500;1;3;2", 5: "0;5;0;500;1000;500;0;2;1"}, "size"),
        ("", {4: "0;4;900;0;10;500;-1;3;2", 3: "0;3;0;0;990;500;0;3;2"}, "size"),
        ("", {6: "0;6;0;1000;1000;2200;-1;2;1"}, "cover"),
        ("", {7: "0;7;1000;0;5000;3210;-1;1;0"}, ""),
        ("", {1: "0;1;0;0;1000;3210;-2;2;0"}, "level"),
    ],
)
def test_checker_rejects_broken_solutions(
    tmp_path: Path, defects: str, change: dict[int, str], message: str
) -> None:
    nodes = [change.get(k, n) for k, n in enumerate(GOOD)]
    b, s = _write(tmp_path, defects, nodes)
    errors, waste = check_roadef(b, s)
    if change.get(7):  # residual turned into waste: valid, but the waste grows
        assert errors == [] and waste == 6000 * 3210 - 900 * 500 - 1000 * 500
        return
    assert any(message in e for e in errors), errors


def test_checker_enforces_stack_order_and_min_waste(tmp_path: Path) -> None:
    swapped = list(GOOD)
    swapped[2:6] = [
        "0;2;0;0;1000;500;1;2;1",
        "0;3;0;500;1000;500;-2;2;1",
        "0;4;0;500;900;500;0;3;3",
        "0;5;900;500;100;500;-1;3;3",
    ]
    b, s = _write(tmp_path, "", swapped)
    assert any("out of sequence" in e for e in check_roadef(b, s)[0])
    thin = list(GOOD)
    thin[6] = "0;6;0;1000;1000;10;-1;2;1"
    thin.insert(7, "0;8;0;1010;1000;2200;-1;2;1")
    b, s = _write(tmp_path, "", thin)
    assert any("20 mm" in e for e in check_roadef(b, s)[0])


@pytest.mark.parametrize("name", ["A1", "A3", "A20"])
def test_cli_solutions_follow_the_rules(roadef_dir: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / f"{name}_solution.csv"
    batch = roadef_dir / "instances" / f"{name}_batch.csv"
    res = CliRunner().invoke(
        app,
        [
            "cut",
            "solve",
            str(batch),
            "--format",
            "roadef2018",
            "--time-limit",
            "1",
            "--solution-out",
            str(out),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    errors, waste = check_roadef(batch, out)
    assert errors == []
    assert obj["waste"] == waste
    assert obj["plates"] == len({line.split(";")[0] for line in out.read_text().splitlines()[1:]})
