"""`jejo quality sampling` (no database)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from jejo.cli import app


def test_sampling_command() -> None:
    r = CliRunner().invoke(app, ["quality", "sampling", "--lot-size", "1000", "--aql", "0.4", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["code_letter"], out["plan_letter"], out["sample_size"], out["accept"]) == ("J", "K", 125, 1)
    r = CliRunner().invoke(app, ["quality", "sampling", "--lot-size", "1000", "--aql", "3"])
    assert r.exit_code == 2 and "not a column" in r.stderr
