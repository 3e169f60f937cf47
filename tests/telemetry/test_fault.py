"""Store-and-forward under a broker outage: the broker carrying both the machines' Sparkplug B traffic and
the collector → ingest bus is stopped mid-stream and restarted. Afterwards every sample the simulator
emitted is stored exactly once (count and checksum against the edge node's own log)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from jejo.core.runtime import Runtime
from jejo.sim.config import Dist, Endpoints, Machine, PartsCell, Quality, SimConfig
from jejo.sim.runner import FactorySim
from jejo.telemetry.bus import MqttBus, mqtt_subscribe
from jejo.telemetry.collector import Collector
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import TagMap
from jejo.telemetry.rollup import dt_to_ms
from jejo.telemetry.tables import TsSample, TsTag


def _digest(rows: set[tuple[str, int, Any]]) -> str:
    h = hashlib.sha256()
    for r in sorted(rows, key=lambda r: (r[0], r[1])):
        h.update(repr(r).encode())
    return h.hexdigest()


@pytest.mark.fault
@pytest.mark.broker
def test_broker_outage_loses_nothing_doubles_nothing(
    runtime: Runtime, company: tuple[int, str], tmp_path: Path, broker: Any
) -> None:
    cid, code = company
    cfg = SimConfig(
        company=code,
        seed=11,
        start=datetime(2026, 11, 27, tzinfo=UTC),
        sample_s=1.0,
        endpoints=Endpoints(mqtt_url=broker.url, sparkplug_group="fault", edge_node="EDGE-F"),
        parts_cell=PartsCell(
            products=["P1", "P2"],
            batch=Dist(mean=5, sd=1),
            machines=[
                Machine(
                    code="MC-F1",
                    protocol="sparkplug",
                    cycle_s=Dist(mean=15, sd=2),
                    setup_min=Dist(mean=1),
                    quality=Quality(),
                ),
                Machine(
                    code="MC-F2", protocol="sparkplug", cycle_s=Dist(mean=25, sd=2), setup_min=Dist(mean=1)
                ),
            ],
        ),
    )

    async def main() -> None:
        sim = FactorySim(cfg, protocols={"sparkplug"})
        await sim.start()
        assert sim.edge is not None
        await asyncio.wait_for(sim.edge.connected.wait(), 10)
        tm = TagMap.model_validate(sim.tag_map(code))
        worker = IngestWorker(runtime, tm.by_tag(), machine_events=False, rollup_every_s=-1)
        stop_w, stop_c, stop_s = asyncio.Event(), asyncio.Event(), asyncio.Event()
        w_task = asyncio.create_task(
            mqtt_subscribe(broker.url, worker.handle, group="fault", worker_id=f"ingest-{code}", stop=stop_w)
        )
        col = Collector(
            tm,
            MqttBus(broker.url, client_id=f"col-pub-{code}"),
            tmp_path / "buf.db",
            flush_ms=50,
            batch_max=200,
        )
        c_task = asyncio.create_task(col.run(stop_c))
        for _ in range(100):
            if all(h.connected for h in col.health.values()):
                break
            await asyncio.sleep(0.1)
        s_task = asyncio.create_task(sim.run(stop_s, speed=400))

        async def until(predicate: Callable[[], bool], timeout: float) -> None:
            """Wait for what the next step needs, not a fixed time (a loaded machine is slower)."""
            deadline = time.monotonic() + timeout
            while not predicate() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)

        await until(lambda: worker.stats.stored > 0, 30)  # flowing end to end
        await asyncio.sleep(1)
        before = worker.stats.stored
        await asyncio.to_thread(broker.stop)  # mid-stream
        await asyncio.sleep(3)
        await until(lambda: col.buffer.pending_samples + len(sim.edge._queue) > 0, 10)
        held = col.buffer.pending_samples + len(sim.edge._queue)
        await asyncio.to_thread(broker.start)
        await asyncio.sleep(3)
        stop_s.set()
        await s_task
        emitted = {
            (f"{c}.{f}", ts, float(v) if isinstance(v, (int, float)) else v)
            for c, f, ts, v in sim.edge.log
            if f != "state_code"
        }  # (not in the tag map)
        for _ in range(300):
            if (
                worker.stats.stored >= len(emitted)
                and not sim.edge._queue
                and col.buffer.pending_samples == 0
            ):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        stop_c.set()
        await c_task
        stop_w.set()
        await w_task
        await sim.stop()
        assert before > 0 and held > 0, (before, held)  # the outage really happened mid-stream
        with runtime.transaction() as s:
            rows = s.execute(
                select(TsTag.code, TsSample.ts, TsSample.value, TsSample.text)
                .join(TsTag, TsTag.id == TsSample.tag_id)
                .where(TsTag.company_id == cid)
            ).all()
        stored = [(tag, dt_to_ms(ts), txt if txt is not None else v) for tag, ts, v, txt in rows]
        missing = sorted(emitted - set(stored), key=lambda r: (r[1], r[0]))
        info = (len(stored), len(emitted), missing[:8], missing[-3:], worker.stats, sim.edge.births)
        assert len(stored) == len(set(stored)) == len(emitted), info
        assert _digest(set(stored)) == _digest(emitted)

    asyncio.run(main())
