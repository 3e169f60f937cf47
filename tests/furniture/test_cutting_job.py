"""A fixed kitchen order (kerf, trim, grain, two stock sizes, remnants), checked independently."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jejo.cli import app
from jejo.core.errors import ValidationError
from jejo.furniture.cutting.job import Material, Part, SawSettings, Sheet, job_from_dict, plan_job
from jejo.furniture.cutting.verify import check_cut_plan

JOB = Path(__file__).parent / "data" / "kitchen_job.json"


def _parts(d: dict) -> list[tuple[str, float, float, int, bool]]:
    grain = {m["code"]: m["grain"] for m in d["materials"]}
    return [(p["id"], p["length"], p["width"], p["qty"], grain[p["material"]]) for p in d["parts"]]


@pytest.fixture(scope="module")
def planned() -> tuple[dict, dict]:
    d = json.loads(JOB.read_text())
    parts, stock, mats, saw = job_from_dict(d)
    plan = plan_job(parts, stock, mats, saw, time_limit=4.0)
    return d, plan.report(saw.min_offcut)


def test_kitchen_plan_is_valid(planned: tuple[dict, dict]) -> None:
    d, rep = planned
    assert check_cut_plan(rep, _parts(d), kerf=4.4, max_stages=3) == []


def test_grain_parts_never_rotate(planned: tuple[dict, dict]) -> None:
    d, rep = planned
    oak = {p["id"] for p in d["parts"] if p["material"] == "MEL18-OAK"}
    placed = [p for s in rep["per_sheet"] for p in s["parts"] if p["part"] in oak]
    assert placed and not any(p["rotated"] for p in placed)


def test_remnants_used_first_and_report_adds_up(planned: tuple[dict, dict]) -> None:
    d, rep = planned
    remnants = {s["id"] for s in d["stock"] if s.get("remnant")}
    used = [s["sheet"] for s in rep["per_sheet"]]
    assert remnants <= set(used)
    price = {s["id"]: s["cost"] for s in d["stock"]}
    assert rep["cost"] == pytest.approx(sum(price[s] for s in used))
    for s in d["stock"]:
        if s.get("count") is not None:
            assert used.count(s["id"]) <= s["count"]
    part_area = sum(p["length"] * p["width"] * p["qty"] for p in d["parts"])
    sheet_area = sum(s["length"] * s["width"] for s in rep["per_sheet"])
    assert rep["yield"] == pytest.approx(part_area / sheet_area, abs=1e-3)
    assert rep["cut_count"] == sum(len(s["cuts"]) for s in rep["per_sheet"])
    length = sum(c["end"] - c["start"] for s in rep["per_sheet"] for c in s["cuts"])
    assert rep["cut_length_mm"] == pytest.approx(length, abs=1.0)
    # a sane plan: better than one part per sheet and not far below the area bound
    assert 0.6 < rep["yield"] < 1.0
    assert all(s["trim"] == (0.0 if s["sheet"] in remnants else 10.0) for s in rep["per_sheet"])


def test_checker_rejects_broken_plans(planned: tuple[dict, dict]) -> None:
    d, rep = planned
    sheet = max(range(len(rep["per_sheet"])), key=lambda k: len(rep["per_sheet"][k]["parts"]))
    bad = copy.deepcopy(rep)
    p = bad["per_sheet"][sheet]["parts"][0]
    p["x"] += 2.0  # closer than the kerf to a neighbour or cut through
    assert check_cut_plan(bad, _parts(d), kerf=4.4) != []
    bad = copy.deepcopy(rep)
    cut = next(c for c in bad["per_sheet"][sheet]["cuts"] if not c["trim"] and c["stage"] == 1)
    cut["at"] -= 50.0  # a cut through parts
    assert check_cut_plan(bad, _parts(d), kerf=4.4) != []
    bad = copy.deepcopy(rep)
    bad["per_sheet"][sheet]["cuts"].pop()
    assert check_cut_plan(bad, _parts(d), kerf=4.4) != []
    bad = copy.deepcopy(rep)
    oak = next(s for s in bad["per_sheet"] if s["material"] == "MEL18-OAK" and s["parts"])
    q = oak["parts"][0]
    q["rotated"], q["length"], q["width"] = True, q["width"], q["length"]
    assert any("grain" in e for e in check_cut_plan(bad, _parts(d), kerf=4.4))


def test_two_stage_plan_and_cheaper_stock_choice() -> None:
    mats = [Material("M", grain=False)]
    stock = [Sheet("big", "M", 2800, 2070, 100.0), Sheet("small", "M", 2440, 1220, 45.0)]
    parts = [Part("a", "M", 600, 400, 6)]
    saw = SawSettings(kerf=4.4, trim=10.0, stages=2)
    plan = plan_job(parts, stock, mats, saw, time_limit=1.0)
    rep = plan.report()
    assert check_cut_plan(rep, [("a", 600, 400, 6, False)], kerf=4.4, max_stages=2) == []
    assert [s["sheet"] for s in rep["per_sheet"]] == ["small"]  # 6 parts fit one cheap sheet


def test_job_errors_name_the_part() -> None:
    mats = [Material("M")]
    with pytest.raises(ValidationError) as e:
        plan_job([Part("huge", "M", 3000, 3000)], [Sheet("s", "M", 2440, 1220, 1.0)], mats, time_limit=0.1)
    assert "huge" in str(e.value)
    with pytest.raises(ValidationError):
        plan_job([Part("p", "X", 10, 10)], [Sheet("s", "M", 2440, 1220, 1.0)], mats, time_limit=0.1)


def test_cli_plan(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["cut", "plan", str(JOB), "--time-limit", "1", "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert check_cut_plan(rep, _parts(json.loads(JOB.read_text())), kerf=4.4, max_stages=3) == []
    bad = tmp_path / "j.json"
    bad.write_text("{nope")
    assert CliRunner().invoke(app, ["cut", "plan", str(bad), "--json"]).exit_code == 2
