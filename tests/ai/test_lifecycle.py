"""Champion / challenger and drift of machine-health models on telemetry in the store (jejo.ai.lifecycle),
through the service, the API and the CLI; the PSI metric on its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from tests.conftest import Tenant, build_plant
from tests.web.helpers import web_login
from typer.testing import CliRunner

from jejo.ai import findings as fd
from jejo.ai import lifecycle, registry
from jejo.ai.metrics import psi
from jejo.ai.scorer import train_machine_model
from jejo.core.errors import NotFound, ValidationError
from jejo.core.runtime import Runtime
from jejo.telemetry.bus import Batch
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import Sample, Tag
from jejo.telemetry.tables import Downtime

T0 = datetime(2026, 3, 2, tzinfo=UTC)
MACHINE = "EB-01"
FAULT = (T0 + timedelta(days=2, hours=10), T0 + timedelta(days=2, hours=12))  # day 3: the bearing rattles
WARM = T0 + timedelta(days=3)  # day 4: a warm spell, the machine runs 3 °C hotter
BREAKDOWN = T0 + timedelta(days=2, hours=18)  # day 3, 18:00: it stops; it shook for two hours before


def test_psi_reads_stable_moved_and_drifted() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, 4000)
    assert psi(base, rng.normal(0, 1, 1000)) < 0.1
    assert 0.1 < psi(base, rng.normal(0.4, 1, 1000)) < 0.25 < psi(base, rng.normal(1.0, 1, 1000))
    assert psi(np.ones(50), np.ones(10)) == 0.0  # one value: one bin, no change
    with pytest.raises(ValueError):
        psi([], [1.0])


def _telemetry(runtime: Runtime, company: str) -> None:
    rng = np.random.default_rng(7)
    tags = {
        f"{MACHINE}.{s}": Tag(tag=f"{MACHINE}.{s}", source="sim", address=s, equipment=MACHINE)
        for s in ("vibration", "temperature")
    }
    worker = IngestWorker(runtime, tags, machine_events=False, rollup_every_s=-1)
    samples: list[Sample] = []
    for i in range(4 * 24 * 60):  # four days, a sample a minute
        at = T0 + timedelta(minutes=i)
        ms = int(at.timestamp() * 1000)
        vib = 1.8 + rng.normal(0, 0.05) + (1.6 if FAULT[0] <= at < FAULT[1] else 0.0)
        vib += 1.2 if BREAKDOWN - timedelta(hours=2) <= at < BREAKDOWN else 0.0
        temp = 43 + rng.normal(0, 0.3) + (3.0 if at >= WARM else 0.0)
        samples += [Sample(f"{MACHINE}.vibration", ms, vib), Sample(f"{MACHINE}.temperature", ms, temp)]
    worker.write(Batch(company, samples))


def test_champion_challenger_and_drift(tenant: Tenant, runtime: Runtime) -> None:
    t = tenant
    build_plant(t)
    cid = t.company_id
    _telemetry(runtime, t.code)
    folder = runtime.settings.ensure_data_dir()
    day = timedelta(days=1)
    with runtime.transaction() as s:
        # the champion is over-sensitive (alarm at 0.6 x the largest training deviation)
        v1 = train_machine_model(
            s, cid, folder, equipment=MACHINE, start=T0, end=T0 + day, actor="a", threshold_margin=0.6
        )
        registry.promote(s, cid, v1.name, v1.version, "박공장장")
        with pytest.raises(NotFound, match="needs an active version and a candidate"):
            lifecycle.challenge(s, cid, folder, v1.name, T0 + 2 * day, T0 + 3 * day)
        v2 = train_machine_model(s, cid, folder, equipment=MACHINE, start=T0, end=T0 + 2 * day, actor="a")
        # people confirmed the rattle on day 3
        f, _ = fd.raise_finding(
            s, cid, kind="anomaly", equipment=MACHINE, window_start=FAULT[0], window_end=FAULT[1], score=3.0
        )
        fd.acknowledge(s, cid, f.code, "김보전", "베어링 교체함")
        # and the breakdown at 18:00 is in the downtime records
        s.add(
            Downtime(
                company_id=cid,
                equipment_code=MACHINE,
                state="down",
                started_at=BREAKDOWN,
                ended_at=BREAKDOWN + timedelta(hours=1),
            )
        )
        s.flush()
        out = lifecycle.challenge(s, cid, folder, v1.name, T0 + 2 * day, T0 + 3 * day)
        assert out["windows"] == 144 and out["confirmed_windows"] >= 12
        assert out["breakdown_run_up_windows"] == 12  # 16:00-17:50, windows that end by the stop
        champ, chall = out["champion"], out["challenger"]
        assert (champ["version"], chall["version"]) == (v1.version, v2.version)
        assert chall["caught"] == champ["caught"] >= 22  # both see the rattle and the run-up
        assert chall["unwanted_alarms"] < champ["unwanted_alarms"]
        assert out["recommend"] == "challenger"
        assert (
            registry.get_model(s, cid, v1.name, v2.version).metrics["challenge"]["recommend"] == "challenger"
        )

        stable = lifecycle.drift(s, cid, v1.name, T0 + day, T0 + 2 * day)
        assert stable["status"] == "stable" and stable["version"] == v1.version
        assert (
            max(stable["psi"].values()) - stable["sampling_psi"] < 0.1 and stable["training_windows"] == 144
        )
        warm = lifecycle.drift(s, cid, v1.name, WARM, WARM + day)
        assert warm["status"] == "drifted" and warm["worst"].startswith("temperature")
        assert warm["psi"]["temperature_mean"] > 0.25 and warm["psi"]["vibration_mean"] < 0.1
        assert registry.get_model(s, cid, v1.name, v1.version).metrics["drift"]["status"] == "drifted"
        with pytest.raises(ValidationError, match="no telemetry"):
            lifecycle.drift(s, cid, v1.name, T0 + 10 * day, T0 + 11 * day)
        with pytest.raises(ValidationError, match="empty"):
            lifecycle.drift(s, cid, v1.name, T0 + day, T0 + day)

    # the same through the API
    period = {"start": (T0 + 2 * day).isoformat(), "end": (T0 + 3 * day).isoformat()}
    assert t.ok(t.post(f"/ai/models/{v1.name}/challenge", period))["recommend"] == "challenger"
    r = t.post(f"/ai/models/{v1.name}/drift", {"start": WARM.isoformat(), "end": (WARM + day).isoformat()})
    assert t.ok(r)["status"] == "drifted"
    assert t.post("/ai/models/nope/drift", period).status_code == 404

    # the registry page shows both under the models' metrics
    web_login(t.client, t)
    page = t.client.get("/ai/models").text
    assert "입력 드리프트 — 재학습 필요" in page and "temperature_mean" in page
    assert f"최근 데이터로 v{v1.version}와 비교: 이 후보로 전환 권장" in page
    assert "{&#39;" not in page and "{'" not in page  # no raw dicts among the metrics


def test_cli_challenge_and_drift(tenant: Tenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from jejo.cli import app

    t = tenant
    build_plant(t)
    _telemetry(runtime, t.code)
    folder = runtime.settings.ensure_data_dir()
    with runtime.transaction() as s:
        v1 = train_machine_model(
            s, t.company_id, folder, equipment=MACHINE, start=T0, end=T0 + timedelta(days=1), actor="a"
        )
        registry.promote(s, t.company_id, v1.name, v1.version, "a")
    monkeypatch.setenv("JEJO_DATABASE_URL", runtime.settings.effective_database_url)
    monkeypatch.setenv("JEJO_DATA_DIR", str(folder))
    runner = CliRunner()
    args = ["ai", "drift", "--company", t.code, "--name", v1.name, "--start", WARM.isoformat(), "--end"]
    r = runner.invoke(app, [*args, (WARM + timedelta(days=1)).isoformat(), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["status"] == "drifted"
    r = runner.invoke(app, [*args, "tomorrow"])
    assert r.exit_code != 0 and "--end" in r.output
