"""`jejo center ...` as a user runs it: the catalogue, a firm's eligibility with reasons, Excel import
with row errors (exit 2, nothing imported), reminders."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from tests.center.center_setup import business_number, firm_body
from tests.conftest import Tenant
from typer.testing import CliRunner

from jejo.cli import app
from jejo.core.settings import reset_settings_cache


def test_center_cli(
    tenant: Tenant, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in {"JEJO_DATABASE_URL": database_url, "JEJO_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(k, v)
    reset_settings_cache()
    try:
        run = CliRunner()
        r = run.invoke(app, ["center", "programs", "--year", "2026", "--json"])
        assert r.exit_code == 0, r.output
        assert {p["code"] for p in json.loads(r.stdout)["programs"]} >= {"SF-LEAD", "AUTONOMOUS"}

        f = tenant.ok(tenant.post("/center/firms", firm_body(name="CLI가구")), 201)
        r = run.invoke(
            app,
            [
                "center",
                "eligibility",
                "--center",
                tenant.code,
                "--firm",
                f["business_number"],
                "--at",
                "2025-12-20T10:00:00+09:00",
                "--json",
            ],
        )
        assert r.exit_code == 0, r.output
        checks = {c["program"]: c for c in json.loads(r.stdout)["checks"]}
        assert checks["SF-LEAD"]["eligible"] and not checks["AUTONOMOUS"]["eligible"]

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["사업자등록번호", "기업명", "시군", "KSIC"])
        ws.append([business_number(), "좋은가구", "포천시", "C32"])
        ws.append([business_number(), "나쁜업종", "포천시", "C99"])
        buf = io.BytesIO()
        wb.save(buf)
        path = tmp_path / "firms.xlsx"
        path.write_bytes(buf.getvalue())
        r = run.invoke(app, ["center", "import-firms", str(path), "--center", tenant.code])
        assert r.exit_code == 2 and "row=3" in r.output and "ksic_code" in r.output
        assert [x["name"] for x in tenant.ok(tenant.get("/center/firms"))] == ["CLI가구"]

        r = run.invoke(app, ["center", "remind", "--center", tenant.code, "--json"])
        assert r.exit_code == 0 and json.loads(r.stdout) == {"reminders": []}
    finally:
        reset_settings_cache()
