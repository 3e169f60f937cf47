"""The KPI API, the `jejo kpi` / `jejo report` commands and the reports (xlsx with formulas; PDF rendered
to PNG with readable Korean)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from tests.conftest import Tenant, build_plant
from typer.testing import CliRunner

from jejo.kpi import reports


def _plant_with_a_shift(t: Tenant) -> None:
    """Plant of conftest, no shifts (so planned time is round the clock). On 2026-11-17 (UTC):
    PC-SAW-01 sets up 00:00–00:30, runs 00:30–02:30, is down (DT-BREAK) 02:30–03:00, runs 03:00–04:00,
    then idles until 06:00. Work order WO-K1 reports 70 good and 2 scrap (SCR-CHIP) on op 10 (90 s).
    Period 2026-11-17T00:00Z..06:00Z: PBT = 21 600; APT = 10 800; AUST = 1 800; ADOT = 1 800;
    A = 0.5; E = 90 × 72 / 10 800 = 0.6; QR = 70/72; OEE = 0.5 × 0.6 × 70/72 = 0.291667."""
    build_plant(t)
    t.ok(
        t.post(
            "/work-orders", {"code": "WO-K1", "item": "CAB-600", "quantity": 72, "due_date": "2026-11-20"}
        ),
        201,
    )
    t.ok(t.post("/work-orders/WO-K1/release"))

    def ev(type_: str, at: str, payload: dict[str, Any], wo: str | None = None) -> dict[str, Any]:
        e: dict[str, Any] = {"type": type_, "occurred_at": f"2026-11-17T{at}:00+00:00", "payload": payload}
        if wo:
            e["work_order"] = wo
        return e

    saw = "PC-SAW-01"
    events = [
        ev("machine.state_changed", "00:00", {"equipment": saw, "state": "setup"}),
        ev("operation.started", "00:30", {"seq": 10, "equipment": saw}, "WO-K1"),
        ev("machine.state_changed", "00:30", {"equipment": saw, "state": "running"}),
        ev("machine.state_changed", "02:30", {"equipment": saw, "state": "down", "reason_code": "DT-BREAK"}),
        ev("machine.state_changed", "03:00", {"equipment": saw, "state": "running"}),
        ev(
            "quantity.reported",
            "04:00",
            {"seq": 10, "good": 70, "scrap": 2, "reason_code": "SCR-CHIP"},
            "WO-K1",
        ),
        ev("machine.state_changed", "04:00", {"equipment": saw, "state": "idle", "reason_code": "DT-BREAK"}),
    ]
    t.ok(t.post("/events/batch", {"events": events}), 201)


Q = {
    "scope": "equipment",
    "code": "PC-SAW-01",
    "from": "2026-11-17T00:00:00+00:00",
    "to": "2026-11-17T06:00:00+00:00",
}


def test_api_oee_losses_spc(tenant: Tenant, other_tenant: Tenant) -> None:
    """The worked example above through the API; the other company sees nothing of it."""
    t = tenant
    _plant_with_a_shift(t)
    r = t.ok(t.get("/kpi/oee", params=Q))
    te = r["time_elements_s"]
    assert (te["PBT"], te["APT"], te["AUST"]) == (21600, 10800, 1800)
    k = r["kpi"]["iso"]
    assert k["availability"] == pytest.approx(0.5) and k["effectiveness"] == pytest.approx(0.6)
    assert k["oee"] == pytest.approx(0.5 * 0.6 * 70 / 72)
    lo = t.ok(t.get("/kpi/losses", params=Q))
    assert lo["scrap_pareto"][0]["key"] == "SCR-CHIP"
    assert (
        lo["downtime_pareto"]["reason"][0]["key"] == "DT-BREAK"
    )  # 1 800 s down + 7 200 s idle with that reason
    assert t.ok(t.get("/kpi/definitions"))[0]["key"] == "oee"
    spc = t.ok(t.post("/kpi/spc", {"chart": "c", "values": [3, 5, 4, 4, 13], "baseline": 4}))
    assert spc["findings"] and spc["findings"][0]["rule"] == "nelson:1"
    # errors: unknown equipment, bad period, unknown tag
    bad = t.get("/kpi/oee", params=Q | {"code": "NOPE-1"})
    assert bad.status_code == 404 and bad.headers["content-type"].startswith("application/problem+json")
    assert t.get("/kpi/oee", params=Q | {"to": "2026-11-16"}).status_code == 422
    assert t.get("/kpi/oee", params=Q | {"from": "yesterday"}).status_code == 422
    assert t.get("/kpi/spc/tags/NO.TAG").status_code == 404
    # the other company: 404 for A's machine, nothing of A's in its own site view
    assert other_tenant.get("/kpi/oee", params=Q).status_code == 404
    mine = other_tenant.ok(other_tenant.get("/kpi/oee", params={"from": Q["from"], "to": Q["to"]}))
    assert mine["equipment"] == [] and mine["kpi"]["iso"]["oee"] is None


def test_api_reports(tenant: Tenant) -> None:
    t = tenant
    _plant_with_a_shift(t)
    r = t.get("/reports/daily", params={"day": "2026-11-17", "format": "xlsx"})
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    assert ws["A6"].value == "PC-SAW-01" or any(ws.cell(i, 1).value == "PC-SAW-01" for i in range(6, 12))
    assert t.get("/reports/daily", params={"day": "2026-13-45"}).status_code == 422


def _cli(args: list[str], db_url: str, data_dir: Path) -> Any:
    from jejo.cli import app

    return CliRunner().invoke(
        app, args, env={"JEJO_DATABASE_URL": db_url, "JEJO_DATA_DIR": str(data_dir)}, catch_exceptions=False
    )


def test_cli_on_demo(runtime: Any, demo: int, tmp_path: Path) -> None:
    """`jejo kpi oee --json` prints one object; unknown equipment exits 2 with a message."""
    url = runtime.settings.database_url
    if not url.startswith("sqlite"):
        pytest.skip("the CLI check uses the SQLite test file")
    res = _cli(
        [
            "kpi",
            "oee",
            "--equipment",
            "MC-01",
            "--from",
            (date.today() - timedelta(days=60)).isoformat(),  # the demo's history is the weeks before today
            "--to",
            (date.today() + timedelta(days=1)).isoformat(),
            "--company",
            "DEMO",
            "--json",
        ],
        url,
        tmp_path,
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["code"] == "MC-01" and 0 < out["kpi"]["iso"]["oee"] < 1
    bad = _cli(
        [
            "kpi",
            "oee",
            "--equipment",
            "MC-99",
            "--from",
            "2026-01-01",
            "--to",
            "2026-02-01",
            "--company",
            "DEMO",
        ],
        url,
        tmp_path,
    )
    assert bad.exit_code == 2 and "MC-99 not found" in bad.output
    res = _cli(
        ["kpi", "rollup", "--company", "DEMO", "--from", "2026-01-01", "--to", "2026-01-02", "--json"],
        url,
        tmp_path,
    )
    assert res.exit_code == 0 and json.loads(res.stdout)["rows"] == 8 * 24
    res = _cli(
        [
            "kpi",
            "oee",
            "--line",
            "L-CELL",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-02",
            "--rollups",
            "--company",
            "DEMO",
            "--json",
        ],
        url,
        tmp_path,
    )
    assert res.exit_code == 0 and json.loads(res.stdout)["source"] == "kpi_hourly"
    spc_file = tmp_path / "v.json"
    spc_file.write_text(json.dumps([10, 12, 11, 13, 12, 30]))
    res = _cli(
        ["kpi", "spc", "--chart", "i_mr", "--data", str(spc_file), "--baseline", "5", "--json"], url, tmp_path
    )
    assert res.exit_code == 0 and json.loads(res.stdout)["findings"]
    res = _cli(
        [
            "report",
            "daily",
            "--company",
            "DEMO",
            "--day",
            "2026-11-20",
            "-o",
            str(tmp_path / "d.xlsx"),
            "--json",
        ],
        url,
        tmp_path,
    )
    assert res.exit_code == 0 and (tmp_path / "d.xlsx").stat().st_size > 4000


@pytest.mark.slow
def test_reports_render_pdf_png_and_open_in_libreoffice(runtime: Any, demo: int, tmp_path: Path) -> None:
    """Weekly report of the demo: the .xlsx holds formulas (OEE = A × E × QR) and opens in LibreOffice
    (when installed); the PDF embeds Noto Sans CJK KR and renders to PNG with pdftoppm."""
    with runtime.transaction() as s:
        from jejo.kpi import sources

        start = sources.quantity_rows(s, demo, sources.parse_period("2020-01-01", "2030-01-01"))[0].at
        rep = reports.weekly_report(s, demo, start.date())
    xlsx = tmp_path / "w.xlsx"
    xlsx.write_bytes(reports.to_xlsx(rep))
    ws = load_workbook(xlsx).worksheets[1]
    formulas = [
        c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert any("G" in f and "H" in f and "I" in f for f in formulas)
    pdf = tmp_path / "w.pdf"
    pdf.write_bytes(reports.to_pdf(rep))
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "Noto-Sans-CJK-KR" in fonts
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
        )
        assert list(tmp_path.glob("p*.png"))
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        subprocess.run(
            [
                soffice,
                "--headless",
                "--convert-to",
                "csv:Text - txt - csv (StarCalc):44,34,76",
                "--outdir",
                str(tmp_path),
                str(xlsx),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        text = (tmp_path / "w.csv").read_text(encoding="utf-8", errors="replace")
        assert "설비" in text


def test_spc_over_a_telemetry_tag(runtime: Any, demo: int) -> None:
    """Samples of a tag (10.0 ± small noise, then a jump to 10.5 at sample 30): the I-MR chart with
    limits from the first 25 points flags the jump as Nelson rule 1 at sample 30, with its time."""
    from datetime import UTC, datetime

    from jejo.kpi import service, sources
    from jejo.telemetry.store import write_samples
    from jejo.telemetry.tables import TsTag

    t0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    with runtime.transaction() as s:
        tag = TsTag(company_id=demo, code="MC-01.bore_d", equipment_code="MC-01", unit="mm", role="analog")
        s.add(tag)
        s.flush()
        vals = [10.0 + (0.01 if i % 2 else -0.01) * (i % 3) for i in range(30)] + [10.5, 10.0]
        t0_ms = int(t0.timestamp() * 1000)
        # through the store, as the collector writes (it creates the day partitions on PostgreSQL)
        write_samples(s.connection(), [(tag.id, t0_ms + i * 60_000, v, None) for i, v in enumerate(vals)])
        out = service.spc_for_tag(
            s,
            demo,
            "MC-01.bore_d",
            sources.parse_period("2026-11-02", "2026-11-03"),
            "i_mr",
            baseline=25,
            lsl=9.9,
            usl=10.1,
        )
        f = [x for x in out["findings"] if x["rule"] == "nelson:1" and x["data"]["chart"] == "i"]
        assert f and f[0]["data"]["index"] == 30 and f[0]["at"].startswith("2026-11-02T01:30")
        assert out["capability"]["cp"] is not None
