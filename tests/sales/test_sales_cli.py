"""`jejo sales import` as a user runs it: a bad file is one JSON object naming rows and columns, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import Tenant, build_plant
from typer.testing import CliRunner

from jejo.cli import app
from jejo.core.settings import reset_settings_cache


def test_cli_import_rejects_bad_rows(
    tenant: Tenant, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_plant(tenant)
    tenant.ok(tenant.post("/sales/customers", {"code": "HANSAM-DL", "name": "한빛"}), 201)
    bad = tmp_path / "orders.csv"
    bad.write_bytes(
        "수주번호,거래처,수주일,품목,수량,단가,납기요청일\n"
        "SO-9,HANSAM-DL,2026-11-02,NO-SUCH-ITEM,1,1000,2026-11-20\n".encode("cp949")
    )
    env = {"JEJO_DATABASE_URL": database_url, "JEJO_DATA_DIR": str(tmp_path)}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    reset_settings_cache()
    try:
        r = CliRunner().invoke(
            app, ["sales", "import", str(bad), "--company", tenant.code, "--json"], env=env
        )
        assert r.exit_code == 2, r.stdout
        out = json.loads(r.stdout.strip())
        assert out["problems"] == [
            {
                "sheet": "orders.csv",
                "row": 2,
                "column": "item",
                "reason": "item 'NO-SUCH-ITEM' does not exist",
            }
        ]
        good = tmp_path / "good.csv"
        good.write_text(
            "order,customer,order_date,item,quantity,unit_price,requested_date\n"
            "SO-9,HANSAM-DL,2026-11-02,CAB-600,1,1000,2026-11-20\n",
            encoding="utf-8",
        )
        r = CliRunner().invoke(
            app, ["sales", "import", str(good), "--company", tenant.code, "--json"], env=env
        )
        assert r.exit_code == 0 and json.loads(r.stdout)["orders"] == ["SO-9"]
    finally:
        monkeypatch.undo()
        reset_settings_cache()
