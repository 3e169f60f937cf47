"""The command line as other tools use it: `--json` prints exactly one JSON object on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def jejo(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jejo.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("JEJO_")}
    e["JEJO_DATA_DIR"] = str(tmp_path)
    if os.environ.get("JEJO_TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("the CLI round trip uses its own SQLite file")
    return e


def one_json(out: str) -> dict[str, object]:
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1, f"stdout must hold one JSON object, got: {out!r}"
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj


def test_db_user_and_rebuild_commands(env: dict[str, str]) -> None:
    r = jejo(["db", "upgrade", "--json"], env)
    assert r.returncode == 0, r.stderr
    assert one_json(r.stdout)["revision"]
    r = jejo(
        ["user", "add", "kim", "--company", "PC01", "--roles", "supervisor,quality", "--json"],
        env,
        stdin="a-good-password\n",
    )
    assert r.returncode == 0, r.stderr
    assert one_json(r.stdout) == {"company": "PC01", "username": "kim", "roles": ["supervisor", "quality"]}
    r = jejo(["user", "add", "kim", "--company", "PC01", "--password", "a-good-password", "--json"], env)
    assert r.returncode == 2 and r.stdout == "" and "already exists" in r.stderr
    r = jejo(
        ["user", "add", "lee", "--company", "PC01", "--roles", "boss", "--password", "short", "--json"], env
    )
    assert r.returncode == 2 and "roles" in r.stderr and "password" in r.stderr
    r = jejo(["rebuild", "--json"], env)
    assert r.returncode == 0, r.stderr
    assert set(one_json(r.stdout)) == {"events", "work_orders", "seconds"}
