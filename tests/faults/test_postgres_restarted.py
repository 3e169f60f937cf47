"""PostgreSQL is stopped the hard way (``pg_ctl stop -m immediate``: no checkpoint, like a crash) in the
middle of ingest and started again. The PostgreSQL here is a private cluster this test creates
(``initdb`` into a temporary folder, its own port), never the shared server. Workers keep the batches
they cannot store (unacknowledged on the bus) and retry; afterwards every sample and machine-state
event is stored exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.faults.peers import Mosquitto, Postgres
from tests.faults.plant import (
    Publisher,
    account,
    all_stored,
    count_samples,
    make_company,
    stored_samples,
    stored_state_events,
    tag_map,
    tagmap,
    wait_for,
)

from jejo.core.runtime import Runtime
from jejo.core.settings import Settings
from jejo.telemetry.bus import make_bus, subscribe
from jejo.telemetry.collector import Collector
from jejo.telemetry.ingest import IngestWorker


@pytest.fixture(scope="module")
def private_pg() -> Iterator[Postgres]:
    pg = Postgres()
    pg.start()
    yield pg
    pg.remove()


@pytest.mark.fault
@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.slow  # its own PostgreSQL whatever the suite runs on: once per CI run is enough
def test_postgres_restarted_mid_stream(private_pg: Postgres, tmp_path: Path) -> None:
    rt = Runtime(Settings(database_url=private_pg.url, data_dir=tmp_path / "data", secret_key="x"))
    rt.upgrade()
    cid, code = make_company(rt)
    plant, bus = Mosquitto(tmp_path / "plant"), Mosquitto(tmp_path / "bus")
    plant.start()
    bus.start()

    async def main() -> dict[str, Any]:
        tm = tagmap(tag_map(code, plant.url))
        workers = [IngestWorker(rt, tm.by_tag(), rollup_every_s=-1) for _ in range(1)]
        stop_w, stop_c = asyncio.Event(), asyncio.Event()
        w_tasks = [
            asyncio.create_task(
                subscribe(bus.url, w.handle, group=f"g-{code}", worker_id=f"w{i}-{code}", stop=stop_w)
            )
            for i, w in enumerate(workers)
        ]
        await asyncio.sleep(0.5)
        col = Collector(
            tm, make_bus(bus.url, client_id=f"pub-{code}"), tmp_path / "buf.db", flush_ms=50, batch_max=200
        )
        c_task = asyncio.create_task(col.run(stop_c))
        assert await wait_for(lambda: col.health["plant"].connected, 10)
        # readings flow before, during and after the outage, whatever the machine's load: each phase
        # waits for what it needs instead of sleeping a fixed time
        pub = Publisher(plant.url, code)
        await pub.run(120, rate_hz=60)
        assert await wait_for(lambda: count_samples(rt, cid) > 0, 30)  # flowing end to end
        before = await asyncio.to_thread(count_samples, rt, cid)
        await asyncio.to_thread(private_pg.stop, "immediate")
        await pub.run(240, rate_hz=60)  # four seconds of readings while the database is down
        await wait_for(lambda: sum(w.stats.failures for w in workers) > 0, 10)
        failures_during = sum(w.stats.failures for w in workers)
        await asyncio.to_thread(private_pg.start)
        await pub.run(240, rate_hz=60)
        await wait_for(lambda: all_stored(rt, cid, pub.sent), 90)
        await asyncio.sleep(0.5)
        stop_c.set()
        await c_task
        await col.bus.close()
        stop_w.set()
        await asyncio.gather(*w_tasks)
        return account(
            "PostgreSQL stopped (immediate) and restarted",
            pub.sent,
            stored_samples(rt, cid),
            stored_state_events(rt, cid),
            stored_before_stop=before,
            store_failures_during_outage=failures_during,
        )

    try:
        res = asyncio.run(main())
    finally:
        bus.stop()
        plant.stop()
        rt.engine.dispose()
    assert res["stored_before_stop"] > 0 and res["store_failures_during_outage"] > 0, res
    assert res["lost"] == res["duplicates"] == res["unexpected"] == 0 and res["digest_match"], res
    assert res["events_lost"] == res["events_duplicates"] == res["events_unexpected"] == 0, res
