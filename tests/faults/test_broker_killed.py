"""The bus broker is killed (SIGKILL) mid-stream and restarted: MQTT 5 (a private Mosquitto) and NATS
JetStream (a private nats-server). The collector holds what the bus would not take in its disk buffer;
afterwards every sample and every machine-state event is stored exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.faults.peers import Mosquitto, Nats
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
from jejo.telemetry.bus import make_bus, subscribe
from jejo.telemetry.collector import Collector
from jejo.telemetry.ingest import IngestWorker


@pytest.mark.fault
@pytest.mark.broker
@pytest.mark.parametrize("kind", ["mqtt", "nats"])
def test_bus_broker_killed_mid_stream(runtime: Runtime, tmp_path: Path, kind: str) -> None:
    cid, code = make_company(runtime)
    plant = Mosquitto(tmp_path / "plant")
    bus: Mosquitto | Nats = Mosquitto(tmp_path / "bus") if kind == "mqtt" else Nats(tmp_path / "nats")
    plant.start()
    bus.start()

    async def main() -> dict[str, object]:
        tm = tagmap(tag_map(code, plant.url))
        worker = IngestWorker(runtime, tm.by_tag(), rollup_every_s=-1)
        stop_w, stop_c = asyncio.Event(), asyncio.Event()
        w_task = asyncio.create_task(
            subscribe(bus.url, worker.handle, group=f"g-{code}", worker_id=f"w-{code}", stop=stop_w)
        )
        col = Collector(
            tm, make_bus(bus.url, client_id=f"pub-{code}"), tmp_path / "buf.db", flush_ms=50, batch_max=200
        )
        c_task = asyncio.create_task(col.run(stop_c))
        assert await wait_for(lambda: col.health["plant"].connected, 10)
        # readings flow before, during and after the outage, whatever the machine's load: each phase
        # waits for what it needs instead of sleeping a fixed time
        pub = Publisher(plant.url, code)
        await pub.run(120, rate_hz=60)
        assert await wait_for(lambda: count_samples(runtime, cid) > 0, 30)  # flowing end to end
        stored_before = await asyncio.to_thread(count_samples, runtime, cid)
        await asyncio.to_thread(bus.kill)  # mid-stream, no chance to save anything
        await pub.run(240, rate_hz=60)  # four seconds of readings while the bus is down
        await wait_for(lambda: col.buffer.pending_samples > 0, 10)
        held = col.buffer.pending_samples
        await asyncio.to_thread(bus.start)
        await pub.run(240, rate_hz=60)
        await wait_for(lambda: all_stored(runtime, cid, pub.sent), 60)
        await asyncio.sleep(0.5)
        stop_c.set()
        await c_task
        await col.bus.close()
        stop_w.set()
        await w_task
        res = account(
            f"bus broker killed ({kind})",
            pub.sent,
            stored_samples(runtime, cid),
            stored_state_events(runtime, cid),
            stored_before_kill=stored_before,
            held_in_buffer=held,
            bus_errors=col.bus_errors,
            redelivered=worker.stats.received - worker.stats.stored,
        )
        return res

    try:
        res = asyncio.run(main())
    finally:
        bus.stop()
        plant.stop()
    assert res["stored_before_kill"] and res["held_in_buffer"], res  # the outage really was mid-stream
    assert res["lost"] == res["duplicates"] == res["unexpected"] == 0 and res["digest_match"], res
    assert res["events_lost"] == res["events_duplicates"] == res["events_unexpected"] == 0, res
