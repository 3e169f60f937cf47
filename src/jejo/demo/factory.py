"""The demo factory in one call: simulated machines on their real protocols (OPC UA, Modbus TCP,
Sparkplug B), the collector with its disk buffer, the bus and ingest — all on loopback.

``jejo demo`` runs :func:`run_demo_factory` in a background event loop next to the web server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from sqlalchemy import func, select

from jejo.core.runtime import Runtime
from jejo.sim.config import SimConfig, load_sim_config
from jejo.sim.plant import Plant, Scan
from jejo.sim.runner import FactorySim
from jejo.telemetry.bus import Batch, MemoryBus, MqttBus, mqtt_subscribe
from jejo.telemetry.collector import Collector
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import Sample, TagMap

log = logging.getLogger(__name__)

CONFIG = Path(__file__).with_name("factory.yaml")


def broker_reachable(url: str, timeout: float = 0.5) -> bool:
    u = urlparse(url)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 1883), timeout=timeout):
            return True
    except OSError:
        return False


def demo_config(*, speed: float, seed: int, config: Path = CONFIG, mqtt_url: str | None = None) -> SimConfig:
    """The demo YAML with speed and seed applied; without a reachable MQTT broker, the Sparkplug B
    machines are served over Modbus TCP instead (the demo stays embedded)."""
    cfg = load_sim_config(config)
    cfg = cfg.model_copy(
        update={"speed": speed, "seed": seed, "start": datetime.now(UTC).replace(microsecond=0)}
    )
    url = mqtt_url or cfg.endpoints.mqtt_url
    if not broker_reachable(url):
        log.warning("no MQTT broker at %s: the Sparkplug B machines are served over Modbus TCP instead", url)
        for m in cfg.machines():
            if m.protocol == "sparkplug":
                m.protocol = "modbus"
    else:
        cfg.endpoints.mqtt_url = url
    return cfg


def backfill(
    runtime: Runtime,
    cfg: SimConfig,
    tag_map: TagMap,
    *,
    days: float = 7.0,
    sample_s: float = 60.0,
    live_hours: float = 26.0,
    batch: int = 5000,
) -> int:
    """Write ``days`` of simulated machine history (values only) so that charts are not empty on first open.

    Skipped when the company already has samples. Runs the same plant model from ``now - days``: one
    sample a minute, and the last ``live_hours`` at the live machines' rate (``cfg.sample_s``), so that
    the first machine-health models can be trained on a day sampled like the data they will score
    (:func:`jejo.ai.schedule.bootstrap_model`) as soon as the demo starts."""
    from jejo.core.tenancy import Company
    from jejo.telemetry.tables import TsSample, TsTag

    with runtime.transaction() as s:
        cid = s.scalar(select(Company.id).where(Company.code == tag_map.company))
        if cid is None:
            return 0
        has = s.scalar(
            select(func.count())
            .select_from(TsSample)
            .join(TsTag, TsTag.id == TsSample.tag_id)
            .where(TsTag.company_id == cid)
            .limit(1)
        )
        if has:
            return 0
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=days)
    known = tag_map.by_tag()
    worker = IngestWorker(runtime, known, machine_events=False, rollup_every_s=-1)
    live_s = min(days * 86400, live_hours * 3600)
    written = 0
    for seed, begin, seconds, every in (
        (cfg.seed + 1, start, days * 86400 - live_s, sample_s),
        (cfg.seed + 2, now - timedelta(seconds=live_s), live_s, cfg.sample_s),
    ):
        if seconds > 0:
            written += simulate_history(cfg, tag_map, worker, begin, seconds, every, seed, batch)
    worker._dirty = (int(start.timestamp() * 1000), int(now.timestamp() * 1000))
    worker.refresh_rollups()
    return written


def simulate_history(
    cfg: SimConfig,
    tag_map: TagMap,
    worker: IngestWorker,
    start: datetime,
    seconds: float,
    sample_s: float,
    seed: int,
    batch: int,
) -> int:
    """Run the plant model for ``seconds`` from ``start``, sampling every ``sample_s``; store the values."""
    hist = Plant(cfg.model_copy(update={"start": start, "sample_s": sample_s, "seed": seed}))
    known = worker.tags
    pending: list[Sample] = []
    written = 0

    def take(u: tuple[str, str, int, Any]) -> None:
        code, fld, ts, v = u
        tag = f"{code}.{'state' if fld == 'state_code' and f'{code}.state' not in known else fld}"
        t = known.get(tag)
        if (
            t is None
            or (fld == "state_code" and t.type == "string")
            or (fld == "state" and t.type != "string")
        ):
            return
        pending.append(Sample(tag, ts, v if isinstance(v, str) else float(v)))

    hist.listeners.append(take)
    t = 0.0
    while t < seconds:
        t = min(t + 3600.0, seconds)
        hist.run_until(t)
        while len(pending) >= batch or (pending and t >= seconds):
            chunk, pending[:] = pending[:batch], pending[batch:]
            written += worker.write(Batch(tag_map.company, chunk))
    return written


def _post_scans(runtime: Runtime, company: str, scans: list[Scan]) -> None:
    from jejo.core.errors import JejoError
    from jejo.core.tenancy import Company
    from jejo.execution.service import NewEvent, post_events

    with runtime.transaction() as s:
        cid = s.scalar(select(Company.id).where(Company.code == company))
        if cid is None:
            return
        events = [
            NewEvent(
                type="part.scanned",
                occurred_at=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=sc.ts_ms),
                payload={"part_id": sc.part_id, "station": sc.station},
                idempotency_key=f"scan:{sc.station}:{sc.part_id}:{sc.ts_ms}",
            )
            for sc in scans
        ]
        try:
            post_events(s, cid, events, actor="operator-terminal", source="demo-scanner")
        except JejoError as exc:
            log.warning("part scans not stored: %s", exc)


def _dispatch(runtime: Runtime, company: str, now: datetime) -> None:
    """One round of the simulated operators (:mod:`jejo.demo.dispatch`), in its own transaction."""
    from jejo.core.errors import JejoError
    from jejo.core.tenancy import Company
    from jejo.demo.dispatch import dispatch

    try:
        with runtime.transaction() as s:
            cid = s.scalar(select(Company.id).where(Company.code == company))
            if cid is not None:
                dispatch(s, cid, now)
    except JejoError as exc:
        log.warning("operators could not start or complete operations: %s", exc)


async def run_demo_factory(
    runtime: Runtime,
    *,
    speed: float,
    seed: int,
    stop: asyncio.Event,
    config: Path = CONFIG,
    backfill_days: float = 7.0,
) -> None:
    """Start the simulator's endpoints, the collector and ingest on loopback; run until ``stop``."""
    bus_url = runtime.settings.bus_url
    cfg = demo_config(
        speed=speed, seed=seed, config=config, mqtt_url=bus_url if bus_url.startswith("mqtt:") else None
    )
    sim = FactorySim(cfg)
    await sim.start()
    folder = runtime.settings.ensure_data_dir() / "telemetry"
    folder.mkdir(parents=True, exist_ok=True)
    tm_data = sim.tag_map(cfg.company)
    (folder / "demo-tag-map.yaml").write_text(yaml.safe_dump(tm_data, allow_unicode=True, sort_keys=False))
    tag_map = TagMap.model_validate(tm_data)
    worker = IngestWorker(runtime, tag_map.by_tag(), rollup_every_s=30, scrap_reason="SC-DIM")
    tasks: list[asyncio.Task[Any]] = []
    bus: MemoryBus | MqttBus
    if bus_url.startswith("mqtt:"):
        bus = MqttBus(bus_url, client_id="jejo-demo-collector")
        tasks.append(
            asyncio.create_task(
                mqtt_subscribe(bus_url, worker.handle, worker_id="jejo-demo-ingest", stop=stop)
            )
        )
    else:
        mem = MemoryBus()
        mem.subscribe(worker.handle)
        bus = mem
    # reports its own counters like a deployed collector, so the data-collection page has them
    collector = Collector(tag_map, bus, folder / "collector-buffer.db", name="demo", health_every_s=10.0)
    scans: list[Scan] = []
    sim.scan_sinks.append(scans.extend)

    async def scan_poster() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 2.0)
            if scans:
                batch, scans[:] = list(scans), []
                await asyncio.to_thread(_post_scans, runtime, cfg.company, batch)

    async def operators() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 5.0)
            if not stop.is_set():
                now = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=sim.plant.now_ms())
                await asyncio.to_thread(_dispatch, runtime, cfg.company, now)

    if backfill_days > 0:
        tasks.append(
            asyncio.create_task(asyncio.to_thread(backfill, runtime, cfg, tag_map, days=backfill_days))
        )
    tasks += [
        asyncio.create_task(collector.run(stop)),
        asyncio.create_task(scan_poster()),
        asyncio.create_task(operators()),
    ]
    log.info(
        "demo factory: %d machines, %d tags, bus %s", len(sim.plant.machines), len(tag_map.tags), bus_url
    )
    try:
        await sim.run(stop, speed=speed)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await bus.close()
        await sim.stop()
        collector.buffer.close()
