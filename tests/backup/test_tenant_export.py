"""`jejo tenant export`: all of a company's data, and only its own, as CSV (UTF-8 with BOM) and JSON per
table in one zip, with a manifest whose counts and hashes match the files."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient
from tests.conftest import Tenant, build_plant
from typer.testing import CliRunner

from jejo.api.app import create_app
from jejo.backup.export import export_company
from jejo.core.runtime import Runtime


def test_export_holds_all_and_only_the_company_data(sqlite_rt: Runtime, tmp_path: Path) -> None:
    sqlite_rt.upgrade()
    client = TestClient(create_app(sqlite_rt, with_web=False))
    a, b = Tenant(sqlite_rt, client), Tenant(sqlite_rt, client)
    for t in (a, b):
        build_plant(t)
    a.ok(
        a.post("/work-orders", {"code": "WO-A", "item": "CAB-600", "quantity": 2, "due_date": "2026-12-31"}),
        201,
    )
    a.ok(a.post("/tokens", {"name": "press-a", "scopes": ["read"]}), 201)
    a.ok(a.put("/masterdata/items/PB-18", {"code": "PB-18", "name": 'PB 18T "E0", 한국', "kind": "raw"}))
    result = export_company(sqlite_rt.engine, a.code, tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["company"] == a.code and manifest["tables"] == result.tables
        for name, digest in manifest["sha256"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == digest
        tables: dict[str, list[dict[str, str]]] = {}
        for table, count in manifest["tables"].items():
            raw = zf.read(f"csv/{table}.csv")
            assert raw.startswith(b"\xef\xbb\xbf"), table  # BOM: Excel reads the Korean text right
            rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
            js = json.loads(zf.read(f"json/{table}.json"))
            assert len(rows) == len(js["rows"]) == count, table
            tables[table] = rows
    assert [r["code"] for r in tables["companies"]] == [a.code]
    cid = tables["companies"][0]["id"]
    for table, rows in tables.items():
        for row in rows:
            if "company_id" in row:
                assert row["company_id"] == cid, f"{table} holds another company's row"
    assert {r["code"] for r in tables["items"]} == {"PB-18", "EDGE-1", "PANEL-SIDE", "CAB-600"}
    assert len(tables["bom_lines"]) == 3 and len(tables["routing_operations"]) == 3  # child tables too
    assert [r["code"] for r in tables["work_orders"]] == ["WO-A"]
    assert next(r for r in tables["items"] if r["code"] == "PB-18")["name"] == 'PB 18T "E0", 한국'
    # secrets stay behind
    assert "password_hash" not in tables["users"][0] and "token_hash" not in tables["api_tokens"][0]
    assert tables["api_tokens"][0]["name"] == "press-a"
    assert "alembic_version" not in tables and "login_failures" not in tables


def test_cli_tenant_export(sqlite_rt: Runtime, tmp_path: Path, monkeypatch: object) -> None:
    import pytest

    from jejo.cli import app
    from jejo.core.settings import reset_settings_cache

    mp: pytest.MonkeyPatch = monkeypatch  # type: ignore[assignment]
    sqlite_rt.upgrade()
    t = Tenant(sqlite_rt, TestClient(create_app(sqlite_rt, with_web=False)))
    mp.setenv("JEJO_DATABASE_URL", sqlite_rt.settings.effective_database_url)
    mp.setenv("JEJO_DATA_DIR", str(tmp_path))
    reset_settings_cache()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["tenant", "export", t.code, "-o", str(tmp_path / "out.zip"), "--json"])
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert out["company"] == t.code and out["rows"] >= 2 and Path(out["path"]).is_file()
        r = runner.invoke(app, ["tenant", "export", "NO-SUCH-CO", "-o", str(tmp_path / "x.zip")])
        assert r.exit_code == 2 and "not found" in r.output
    finally:
        reset_settings_cache()
