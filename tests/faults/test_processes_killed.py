"""An ingest worker and a collector are killed with SIGKILL mid-stream and started again (as systemd
would, same id): each runs as its own ``jejo`` process. What a killed worker held unacknowledged comes
back from the broker (MQTT: its persistent session; JetStream: after ``ack_wait``); what a killed
collector had not yet written to its disk buffer comes back from the plant broker (it acknowledges a
plant message only once its samples are on disk). Afterwards every sample and every machine-state
event is stored exactly once."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from tests.faults.peers import Mosquitto, Nats
from tests.faults.plant import (
    Publisher,
    account,
    all_stored,
    count_samples,
    jejo,
    make_company,
    stored_samples,
    stored_state_events,
    tag_map,
    tagmap,
    wait_for,
    write_tag_map,
)

from jejo.core.runtime import Runtime
from jejo.telemetry.bus import make_bus, subscribe
from jejo.telemetry.collector import Collector
from jejo.telemetry.ingest import IngestWorker


def _wait_connected(broker: Mosquitto, ids: list[str], timeout: float = 30) -> None:
    """Until Mosquitto's log shows each client connected (then a moment for its subscription)."""
    log = broker.folder / "mosquitto.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if all(f" as {i} " in text for i in ids):
            time.sleep(1.0)
            return
        time.sleep(0.2)
    raise AssertionError(f"{ids} did not connect: {log.read_text()[-2000:]}")


async def _prepare_consumer(url: str, group: str, ack_wait_s: float) -> None:
    """Create the JetStream consumer up front with a short ack_wait (production: 30 s)."""
    import nats
    from nats.js.api import AckPolicy, ConsumerConfig

    from jejo.telemetry.nats_bus import STREAM, SUBJECT_PREFIX, ensure_stream

    nc = await nats.connect(url)
    js = nc.jetstream()
    await ensure_stream(js)
    await js.add_consumer(
        STREAM,
        ConsumerConfig(
            durable_name=group,
            name=group,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait_s,
            max_ack_pending=1000,
            filter_subject=f"{SUBJECT_PREFIX}.>",
        ),
    )
    await nc.close()


@pytest.mark.fault
@pytest.mark.broker
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mqtt", "nats"])
def test_ingest_worker_killed_mid_stream(
    runtime: Runtime, database_url: str, tmp_path: Path, kind: str
) -> None:
    cid, code = make_company(runtime)
    plant = Mosquitto(tmp_path / "plant")
    bus: Mosquitto | Nats = Mosquitto(tmp_path / "bus") if kind == "mqtt" else Nats(tmp_path / "nats")
    plant.start()
    bus.start()
    tm_data = tag_map(code, plant.url)
    tm_file = write_tag_map(tmp_path / "tags.yaml", tm_data)
    group = f"g-{code}"
    env = {"JEJO_DATABASE_URL": database_url, "JEJO_DATA_DIR": str(tmp_path / "data")}
    if kind == "nats":
        asyncio.run(_prepare_consumer(bus.url, group, ack_wait_s=2.0))

    def worker(wid: str) -> Any:
        args = [
            "ingest",
            "--bus-url",
            bus.url,
            "--group",
            group,
            "--worker-id",
            wid,
            "--tag-map",
            str(tm_file),
        ]
        return jejo(args, env, log=(tmp_path / f"{wid}.log").open("ab"))

    w1, w2 = worker("w1"), worker("w2")
    procs = [w1, w2]
    try:
        if isinstance(bus, Mosquitto):
            _wait_connected(bus, ["w1", "w2"])

        async def main() -> dict[str, Any]:
            tm = tagmap(tm_data)
            col = Collector(
                tm,
                make_bus(bus.url, client_id=f"pub-{code}"),
                tmp_path / "buf.db",
                flush_ms=50,
                batch_max=200,
            )
            stop_c = asyncio.Event()
            c_task = asyncio.create_task(col.run(stop_c))
            assert await wait_for(lambda: col.health["plant"].connected, 10)
            pub = Publisher(plant.url, code)
            p_task = asyncio.create_task(pub.run(600, rate_hz=60))
            await wait_for(lambda: count_samples(runtime, cid) > 0, 30)  # the workers are storing
            await asyncio.sleep(1.5)
            before = await asyncio.to_thread(count_samples, runtime, cid)
            w1.send_signal(signal.SIGKILL)
            w1.wait(10)
            await asyncio.sleep(1.5)
            procs.append(worker("w1"))  # systemd's Restart=always, same worker id
            await p_task
            await wait_for(lambda: all_stored(runtime, cid, pub.sent), 90)
            await asyncio.sleep(1.0)
            stop_c.set()
            await c_task
            await col.bus.close()
            return account(
                f"ingest worker killed ({kind}, 2 workers)",
                pub.sent,
                stored_samples(runtime, cid),
                stored_state_events(runtime, cid),
                stored_before_kill=before,
            )

        res = asyncio.run(main())
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(20)
        bus.stop()
        plant.stop()
    assert res["stored_before_kill"] > 0, res
    assert res["lost"] == res["duplicates"] == res["unexpected"] == 0 and res["digest_match"], res
    assert res["events_lost"] == res["events_duplicates"] == res["events_unexpected"] == 0, res


@pytest.mark.fault
@pytest.mark.broker
@pytest.mark.slow
def test_collector_killed_mid_stream(runtime: Runtime, database_url: str, tmp_path: Path) -> None:
    cid, code = make_company(runtime)
    plant, bus = Mosquitto(tmp_path / "plant"), Mosquitto(tmp_path / "bus")
    plant.start()
    bus.start()
    tm_data = tag_map(code, plant.url, client_id=f"col-{code}")
    tm_file = write_tag_map(tmp_path / "tags.yaml", tm_data)
    env = {"JEJO_DATABASE_URL": database_url, "JEJO_DATA_DIR": str(tmp_path / "data")}
    args = ["telemetry", "collect", "--tag-map", str(tm_file), "--bus-url", bus.url]
    args += ["--buffer", str(tmp_path / "buf.db"), "--name", "line1"]
    procs: list[Any] = []

    def collector() -> Any:
        procs.append(jejo(args, env, log=(tmp_path / "collector.log").open("ab")))
        return procs[-1]

    try:

        async def main() -> dict[str, Any]:
            worker = IngestWorker(runtime, tagmap(tm_data).by_tag(), rollup_every_s=-1)
            stop_w = asyncio.Event()
            w_task = asyncio.create_task(
                subscribe(bus.url, worker.handle, group=f"g-{code}", worker_id=f"w-{code}", stop=stop_w)
            )
            await asyncio.sleep(0.5)
            col = collector()
            await asyncio.to_thread(_wait_connected, plant, [f"col-{code}"])
            pub = Publisher(plant.url, code)
            p_task = asyncio.create_task(pub.run(600, rate_hz=60))
            await wait_for(lambda: count_samples(runtime, cid) > 0, 30)  # flowing end to end
            await asyncio.sleep(1.0)
            before = await asyncio.to_thread(count_samples, runtime, cid)
            col.send_signal(signal.SIGKILL)
            col.wait(10)
            await asyncio.sleep(1.5)
            collector()  # same tag map, same buffer file, same plant session
            await p_task
            await wait_for(lambda: all_stored(runtime, cid, pub.sent), 90)
            await asyncio.sleep(1.0)
            stop_w.set()
            await w_task
            return account(
                "collector killed (SIGKILL, restarted)",
                pub.sent,
                stored_samples(runtime, cid),
                stored_state_events(runtime, cid),
                stored_before_kill=before,
                redelivered=worker.stats.received - worker.stats.stored,
            )

        res = asyncio.run(main())
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(20)
        bus.stop()
        plant.stop()
    assert res["stored_before_kill"] > 0, res
    assert res["lost"] == res["duplicates"] == res["unexpected"] == 0 and res["digest_match"], res
    assert res["events_lost"] == res["events_duplicates"] == res["events_unexpected"] == 0, res
