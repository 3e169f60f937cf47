from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jejo.planning.cli import app
from jejo.planning.jobshop import Schedule
from jejo.planning.parsers import read_instance
from jejo.planning.verify import check_schedule

runner = CliRunner()

TINY = "# tiny\n3 3\n0 3 1 2 2 2\n0 2 2 1 1 4\n1 4 2 3 0 1\n"


def test_jssp_json_is_one_verified_object(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text(TINY)
    result = runner.invoke(app, ["jssp", str(path), "--time-limit", "1.5", "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)  # exactly one JSON object, nothing else
    inst = read_instance(path)
    machines = [[op.alternatives[0][0] for op in job.operations] for job in inst.jobs]
    sched = Schedule.from_starts(inst, out["starts"], machines)
    assert check_schedule(inst, sched) == out["makespan"]
    assert out["optimal"] and out["makespan"] == out["lower_bound"]


def test_fjsp_reports_one_based_machines(jssp_dir: Path) -> None:
    path = jssp_dir / "fjsp" / "brandimarte" / "mk01.fjs"
    result = runner.invoke(app, ["jssp", str(path), "--format", "fjsp", "--time-limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    inst = read_instance(path, "fjsp")
    sched = Schedule.from_starts(inst, out["starts"], [[m - 1 for m in row] for row in out["machines"]])
    assert check_schedule(inst, sched) == out["makespan"]
    assert min(min(row) for row in out["machines"]) >= 1


def test_bad_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("2 2\n0 1 1 2\n0 1 7 2\n")
    result = runner.invoke(app, ["jssp", str(path), "--time-limit", "1", "--json"])
    assert result.exit_code == 2
    assert "row=3" in result.stderr and "machine 7 out of range" in result.stderr
    assert result.stdout == ""


def test_missing_file_and_bad_limit(tmp_path: Path) -> None:
    assert runner.invoke(app, ["jssp", str(tmp_path / "none"), "--json"]).exit_code == 2
    path = tmp_path / "tiny.txt"
    path.write_text(TINY)
    assert runner.invoke(app, ["jssp", str(path), "--time-limit", "0", "--json"]).exit_code == 2


def test_make_show_and_sync_on_the_database(
    runtime: Any, tenant: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.planning.test_plant import ORDERS, make_plant

    make_plant(tenant)
    monkeypatch.setenv("JEJO_DATABASE_URL", runtime.settings.effective_database_url)
    monkeypatch.setenv("JEJO_DATA_DIR", str(tmp_path))
    made = runner.invoke(
        app, ["make", "--company", tenant.code, "--code", "PLAN-CLI", "--time-limit", "1.5", "--json"]
    )
    assert made.exit_code == 0, made.output
    out = json.loads(made.stdout)
    assert out["code"] == "PLAN-CLI" and len(out["plan"]["operations"]) == 3 * len(ORDERS)
    shown = runner.invoke(app, ["show", "--company", tenant.code])
    assert shown.exit_code == 0 and shown.stdout.startswith("PLAN-CLI v1 (created)")
    tenant.ok(
        tenant.post(
            "/events", {"type": "machine.state_changed", "payload": {"equipment": "EB-01", "state": "down"}}
        ),
        201,
    )
    synced = runner.invoke(
        app, ["sync", "PLAN-CLI", "--company", tenant.code, "--time-limit", "1.5", "--json"]
    )
    assert synced.exit_code == 0, synced.output
    assert [v["equipment"] for v in json.loads(synced.stdout)["new_versions"]] == ["EB-01"]
    missing = runner.invoke(app, ["show", "NO-PLAN", "--company", tenant.code, "--json"])
    assert missing.exit_code == 2 and missing.stdout == ""
