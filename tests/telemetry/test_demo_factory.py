"""``run_demo_factory`` starts the whole machine-data pipeline on loopback and fills the store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from jejo.core.runtime import Runtime
from jejo.core.settings import Settings
from jejo.demo.factory import CONFIG, run_demo_factory
from jejo.telemetry import store


@pytest.mark.slow
def test_demo_factory_runs_end_to_end(tmp_path: Path) -> None:
    from jejo.masterdata import users

    rt = Runtime(
        Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}", data_dir=tmp_path, bus_url="memory://")
    )
    rt.upgrade()
    cfg = yaml.safe_load(CONFIG.read_text())
    cfg["endpoints"]["mqtt_url"] = "mqtt://127.0.0.1:1"  # no broker: Sparkplug machines fall back to Modbus
    cfg["parts_cell"]["machines"] = [m for m in cfg["parts_cell"]["machines"] if m["protocol"] != "opcua"]
    cfg["furniture_line"]["stations"] = [
        dict(s, protocol="modbus") for s in cfg["furniture_line"]["stations"]
    ]
    cfg["parts_cell"]["machines"].append(
        {"code": "MC-09", "protocol": "opcua", "cycle_s": {"mean": 30, "sd": 2}}
    )
    small = tmp_path / "factory.yaml"
    small.write_text(yaml.safe_dump(cfg))
    with rt.transaction() as s:
        cid = users.create_company(s, "DEMO", "demo").id

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(
            run_demo_factory(rt, speed=600, seed=1, stop=stop, config=small, backfill_days=0.25)
        )
        await asyncio.sleep(12)
        stop.set()
        await asyncio.wait_for(task, 30)

    asyncio.run(main())
    from sqlalchemy import func, select

    from jejo.execution.tables import Event
    from jejo.telemetry.tables import TsRollup1h, TsSample

    with rt.transaction() as s:
        last = store.last_values(s, cid)
        assert s.scalar(select(func.count()).select_from(TsSample)) > 2000  # a quarter day of history + live
        assert s.scalar(select(func.count()).select_from(TsRollup1h)) > 0
        assert s.scalar(select(func.count()).select_from(Event).where(Event.type == "part.scanned")) > 0
    assert {"MC-02.total", "MC-09.total", "PACK-01.state", "PC-SAW-01.good"} <= set(last)
    # the demo's collector reports its counters (the data-collection page shows them)
    assert last["_collector.demo.forwarded"].value > 0 and last["_collector.demo.dropped_by_cap"].value == 0
    assert (tmp_path / "telemetry" / "demo-tag-map.yaml").exists()


@pytest.mark.slow
def test_backfill_samples_its_last_day_like_the_live_machines_so_first_models_train_at_once(
    tmp_path: Path,
) -> None:
    """The demo's history ends with a day at the live sampling rate: the first machine-health models
    are trained and active when the demo starts, not a simulated day later."""
    from sqlalchemy import select

    from jejo.ai.schedule import DEMO_MACHINES, bootstrap_model
    from jejo.core.tenancy import Company
    from jejo.demo.factory import backfill, demo_config, simulate_history
    from jejo.demo.seed import COMPANY, seed_demo
    from jejo.sim.runner import FactorySim
    from jejo.telemetry.ingest import IngestWorker
    from jejo.telemetry.model import TagMap

    rt = Runtime(Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}", data_dir=tmp_path))
    rt.upgrade()
    with rt.transaction() as s:
        seed_demo(s)
    cfg = demo_config(speed=60, seed=42)

    async def tag_map() -> TagMap:
        sim = FactorySim(cfg)
        await sim.start()
        try:
            return TagMap.model_validate(sim.tag_map(cfg.company))
        finally:
            await sim.stop()

    tm = asyncio.run(tag_map())
    assert backfill(rt, cfg, tm, days=1.5) > 0
    # the live machines' first simulated hour (the demo's clock runs ahead of the history)
    worker = IngestWorker(rt, tm.by_tag(), machine_events=False, rollup_every_s=-1)
    now = datetime.now(UTC).replace(microsecond=0)
    assert simulate_history(cfg, tm, worker, now, 3600, cfg.sample_s, 7, 5000) > 0
    with rt.transaction() as s:
        cid = s.scalar(select(Company.id).where(Company.code == COMPANY))
        assert cid is not None
        models = [bootstrap_model(s, cid, tmp_path, equipment) for equipment in DEMO_MACHINES]
    assert [m.name if m else None for m in models] == [f"health-{e}" for e in DEMO_MACHINES]
