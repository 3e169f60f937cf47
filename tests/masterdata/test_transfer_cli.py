"""`jejo import` / `jejo export` as a user runs them: a fresh database, one JSON object per --json run.

The commands run in-process through typer's CliRunner (a subprocess per command costs seconds)."""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jejo.cli import app
from jejo.core.settings import reset_settings_cache


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A data folder and SQLite file of the test's own, as ``JEJO_*`` variables."""
    values = {
        "JEJO_DATA_DIR": str(tmp_path / "data"),
        "JEJO_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "JEJO_NEW_PASSWORD": "s3cret-pass",
    }
    monkeypatch.delenv("JEJO_CONFIG", raising=False)
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    reset_settings_cache()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield values
    monkeypatch.undo()
    reset_settings_cache()
    for handler in list(root.handlers):  # the CLI logs to the runner's stderr, closed by now
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def _jejo(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any], str]:
    """Run ``jejo ARGS --json``; stdout must be exactly one JSON object."""
    result = CliRunner().invoke(app, [*args, "--json"], env=env, catch_exceptions=False)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, (result.stdout, result.stderr)
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return result.exit_code, obj, result.stderr


def test_cli_import_export_json(tmp_path: Path, env: dict[str, str]) -> None:
    rc, out, _ = _jejo(env, "db", "upgrade")
    assert rc == 0 and out["revision"]
    rc, out, _ = _jejo(env, "user", "add", "admin", "--company", "ACME", "--roles", "admin")
    assert rc == 0

    template = tmp_path / "template.xlsx"
    rc, out, _ = _jejo(env, "export", str(template), "--template")
    assert rc == 0 and out["files"] == [str(template)]
    assert [c.value for c in load_workbook(template)["sites"][1]] == ["code", "name", "timezone"]

    rc, out, _ = _jejo(env, "import", str(template), "--company", "ACME")
    assert rc == 0 and out["applied"]["items"] == 2 and out["applied"]["boms"] == 1 and not out["dry_run"]

    bad = tmp_path / "items.csv"
    bad.write_bytes("코드,이름,유형\nOK-1,좋은 품목,raw\nBAD-1,나쁜 품목,gold\n".encode("cp949"))
    rc, out, err = _jejo(env, "import", str(bad), "--company", "ACME")
    assert rc == 2 and "nothing was imported" in err
    assert out["problems"] == [
        {"sheet": "items.csv", "row": 3, "column": "kind", "reason": out["problems"][0]["reason"]}
    ]

    folder = tmp_path / "csv"
    rc, out, _ = _jejo(env, "export", str(folder), "--company", "ACME")
    assert rc == 0 and len(out["files"]) == 12
    items = (folder / "items.csv").read_bytes()
    assert items.startswith(codecs.BOM_UTF8) and "하부장 600".encode() in items
    rc, out, _ = _jejo(env, "import", str(folder), "--company", "ACME", "--dry-run")
    assert rc == 0 and out["dry_run"] and out["applied"]["routings"] == 1

    rc, out, _ = _jejo(env, "import", str(template), "--company", "NOBODY")
    assert rc == 2 and "NOBODY" in out["error"]
