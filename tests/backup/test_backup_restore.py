"""`jejo backup` / `jejo restore` round trip: every table's row count and content hash are the same after
a restore as at the backup, whatever changed in between; wrong files and unknown revisions are refused."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.conftest import Tenant, build_plant
from typer.testing import CliRunner

from jejo.api.app import create_app
from jejo.backup import dbcopy
from jejo.core.errors import Conflict, ValidationError
from jejo.core.runtime import Runtime


def _populate(rt: Runtime) -> Tenant:
    rt.upgrade()
    client = TestClient(create_app(rt, with_web=False))
    t = Tenant(rt, client)
    build_plant(t)
    t.ok(
        t.post("/work-orders", {"code": "WO-1", "item": "CAB-600", "quantity": 4, "due_date": "2026-12-31"}),
        201,
    )
    t.ok(t.post("/work-orders/WO-1/release"))
    t.ok(t.post("/tokens", {"name": "press-1", "scopes": ["events:write"]}), 201)
    return t


def _round_trip(rt: Runtime, target: Path) -> None:
    t = _populate(rt)
    before = dbcopy.fingerprint(rt.engine)
    assert before["items"].rows == 4 and before["audit_log"].rows > 10 and "alembic_version" in before
    result = dbcopy.backup(rt.engine, target)
    assert result.tables == before and result.revision == rt.current_revision()
    # change things after the backup: a new company, a deleted item, an edited name
    Tenant(rt, t.client)
    t.ok(t.delete("/masterdata/reason-codes/DT-BREAK"), 204)
    t.ok(t.put("/masterdata/items/PB-18", {"code": "PB-18", "name": "바뀐 이름", "kind": "raw", "uom": "m2"}))
    assert dbcopy.fingerprint(rt.engine) != before
    restored = dbcopy.restore(rt.engine, target, rt.alembic_config())
    after = dbcopy.fingerprint(rt.engine)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert not changed, f"tables differ after the restore: {sorted(changed)}"
    assert restored.revision == result.revision
    # the application works on the restored database
    r = t.get("/masterdata/items/PB-18")
    assert r.status_code == 200 and r.json()["name"] == "PB 18mm 판재"


def test_sqlite_round_trip_compares_every_table(sqlite_rt: Runtime, tmp_path: Path) -> None:
    _round_trip(sqlite_rt, tmp_path / "backups" / "site.db")


@pytest.mark.postgres
def test_postgres_round_trip_compares_every_table(pg_rt: Runtime, tmp_path: Path) -> None:
    _round_trip(pg_rt, tmp_path / "site.pgdump")
    assert (tmp_path / "site.pgdump").read_bytes()[:5] == b"PGDMP"


def test_sqlite_backup_is_consistent_while_writes_go_on(sqlite_rt: Runtime, tmp_path: Path) -> None:
    """The online backup copies a live database: the copy passes an integrity check and holds a prefix
    of the rows a writer keeps adding meanwhile."""
    sqlite_rt.upgrade()
    stop = threading.Event()
    written = []

    def writer() -> None:
        from jejo.masterdata import users

        i = 0
        while not stop.is_set():
            with sqlite_rt.transaction() as s:
                users.create_company(s, f"BUSY{i}", f"busy {i}")
            written.append(i)
            i += 1

    th = threading.Thread(target=writer)
    th.start()
    try:
        while len(written) < 5:
            threading.Event().wait(0.01)
        dbcopy.backup(sqlite_rt.engine, tmp_path / "live.db")
    finally:
        stop.set()
        th.join()
    con = sqlite3.connect(tmp_path / "live.db")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    codes = {r[0] for r in con.execute("SELECT code FROM companies")}
    con.close()
    assert codes == {f"BUSY{i}" for i in range(len(codes))} and len(codes) >= 5


def test_restore_refuses_an_unknown_revision(sqlite_rt: Runtime, tmp_path: Path) -> None:
    sqlite_rt.upgrade()
    newer = tmp_path / "newer.db"
    dbcopy.backup(sqlite_rt.engine, newer)
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    before = dbcopy.fingerprint(sqlite_rt.engine)
    with pytest.raises(Conflict, match="9999_future"):
        dbcopy.restore(sqlite_rt.engine, newer, sqlite_rt.alembic_config())
    assert dbcopy.fingerprint(sqlite_rt.engine) == before  # untouched


def test_restore_refuses_files_that_are_not_backups(sqlite_rt: Runtime, tmp_path: Path) -> None:
    sqlite_rt.upgrade()
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with pytest.raises(ValidationError, match="neither a SQLite backup"):
        dbcopy.restore(sqlite_rt.engine, junk, sqlite_rt.alembic_config())
    fake_pg = tmp_path / "x.pgdump"
    fake_pg.write_bytes(b"PGDMP" + b"\0" * 100)
    with pytest.raises(Conflict, match="postgresql backup but the database is sqlite"):
        dbcopy.restore(sqlite_rt.engine, fake_pg, sqlite_rt.alembic_config())


@pytest.mark.postgres
def test_pg_dump_older_than_the_server_is_refused(
    pg_rt: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client older than the server cannot dump it: said before anything runs. (A stand-in pg_dump
    that reports version 9 takes the place of the real one on PATH.)"""
    pg_rt.upgrade()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{shutil.os.environ['PATH']}")  # type: ignore[attr-defined]
    with pytest.raises(Conflict, match=r"install the PostgreSQL .* client tools"):
        dbcopy.backup(pg_rt.engine, tmp_path / "x.pgdump")


def test_cli_backup_and_restore(sqlite_rt: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jejo.cli import app
    from jejo.core.settings import reset_settings_cache

    sqlite_rt.upgrade()
    monkeypatch.setenv("JEJO_DATABASE_URL", sqlite_rt.settings.effective_database_url)
    monkeypatch.setenv("JEJO_DATA_DIR", str(tmp_path))
    reset_settings_cache()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["backup", str(tmp_path / "b.db"), "--json"])
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert out["dialect"] == "sqlite" and out["revision"] == sqlite_rt.current_revision()
        with sqlite_rt.engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
        r = runner.invoke(app, ["restore", str(tmp_path / "b.db"), "--yes", "--json"])
        assert r.exit_code == 0, r.output
        assert sqlite_rt.current_revision() == out["revision"]
        r = runner.invoke(app, ["restore", str(tmp_path / "missing.db"), "--yes"])
        assert r.exit_code == 2 and "not found" in r.output
    finally:
        reset_settings_cache()
