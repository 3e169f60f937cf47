"""The simulator's real endpoints on loopback against the collector (no faked sockets): Modbus TCP
(pymodbus), OPC UA (asyncua, anonymous and Basic256Sha256), Sparkplug B and JSON over a real Mosquitto,
the MQTT bus with shared subscriptions; broken sources and bad payloads leave the rest running."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jejo.core.runtime import Runtime
from jejo.sim.config import Dist, Endpoints, Machine, PartsCell, Quality, SimConfig
from jejo.sim.runner import FactorySim
from jejo.telemetry import store
from jejo.telemetry.bus import Batch, MemoryBus, MqttBus, mqtt_subscribe
from jejo.telemetry.collector import Collector
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import TagMap, parse_tag_map
from jejo.telemetry.rollup import dt_to_ms


def cell(
    *machines: tuple[str, str], mqtt_url: str = "mqtt://127.0.0.1:1", sample_s: float = 2.0
) -> SimConfig:
    return SimConfig(
        company="X",
        seed=3,
        start=datetime(2026, 11, 26, tzinfo=UTC),
        sample_s=sample_s,
        endpoints=Endpoints(mqtt_url=mqtt_url, sparkplug_group="jejo-test", edge_node="EDGE-T"),
        parts_cell=PartsCell(
            products=["P1", "P2"],
            batch=Dist(mean=5, sd=1),
            machines=[
                Machine(
                    code=c, protocol=p, cycle_s=Dist(mean=20, sd=2), setup_min=Dist(mean=1), quality=Quality()
                )
                for c, p in machines
            ],
        ),
    )  # type: ignore[arg-type]


async def run_pipeline(
    runtime: Runtime,
    sim: FactorySim,
    tag_map: TagMap,
    tmp: Path,
    *,
    seconds: float,
    speed: float = 120.0,
    then: Callable[[], Awaitable[None]] | None = None,
) -> tuple[Collector, IngestWorker]:
    bus = MemoryBus()
    worker = IngestWorker(runtime, tag_map.by_tag(), rollup_every_s=-1)
    bus.subscribe(worker.handle)
    col = Collector(tag_map, bus, tmp / "buffer.db", flush_ms=100)
    stop_sim, stop_col = asyncio.Event(), asyncio.Event()
    t_col = asyncio.create_task(col.run(stop_col))
    for _ in range(100):  # let the sources connect (an MQTT subscriber sees only what comes after)
        if all(h.connected for h in col.health.values()):
            break
        await asyncio.sleep(0.1)
    t_sim = asyncio.create_task(sim.run(stop_sim, speed=speed))
    await asyncio.sleep(seconds)
    stop_sim.set()
    await t_sim
    if then is not None:
        await then()
    await asyncio.sleep(1.5)  # the last poll / publish
    stop_col.set()
    await t_col
    return col, worker


@pytest.mark.slow
def test_modbus_machine_to_store(runtime: Runtime, company: tuple[int, str], tmp_path: Path) -> None:
    cid, code = company

    async def main() -> None:
        sim = FactorySim(cell(("MC-02", "modbus")), protocols={"modbus"})
        await sim.start()
        try:
            tm = TagMap.model_validate(sim.tag_map(code))
            col, worker = await run_pipeline(runtime, sim, tm, tmp_path, seconds=4, speed=300)
        finally:
            await sim.stop()
        assert col.health["modbus-MC-02"].connected and worker.stats.failures == 0
        m = sim.plant.machines["MC-02"].values
        with runtime.transaction() as s:
            last = store.last_values(s, cid)
        assert last["MC-02.total"].value == m["total"] > 0
        assert last["MC-02.good"].value == m["good"]
        assert last["MC-02.state"].value == m["state_code"]
        assert last["MC-02.temperature"].value == pytest.approx(m["temperature"], abs=0.051)
        assert last["MC-02.cycle_time"].value == pytest.approx(m["cycle_time"], rel=1e-6)

    asyncio.run(main())


@pytest.mark.slow
def test_unreachable_sources_and_the_rest_keeps_running(
    runtime: Runtime, company: tuple[int, str], tmp_path: Path
) -> None:
    cid, code = company

    async def main() -> None:
        sim = FactorySim(cell(("MC-02", "modbus")), protocols={"modbus"})
        await sim.start()
        try:
            good = sim.tag_map(code)
            good["sources"] += [
                {"name": "dead-plc", "kind": "modbus", "host": "127.0.0.1", "port": 1, "poll_ms": 100},
                {"name": "dead-ua", "kind": "opcua", "endpoint": "opc.tcp://127.0.0.1:1/", "timeout_s": 1},
                {"name": "dead-mqtt", "kind": "mqtt", "url": "mqtt://127.0.0.1:1", "topics": ["x/#"]},
            ]
            good["tags"] += [
                {"tag": "D.1", "source": "dead-plc", "address": "hr:0"},
                {"tag": "D.2", "source": "dead-ua", "address": "ns=2;s=x"},
                {"tag": "D.3", "source": "dead-mqtt", "address": "x", "device": "x"},
            ]
            tm = TagMap.model_validate(good)
            col, _worker = await run_pipeline(runtime, sim, tm, tmp_path, seconds=3, speed=300)
        finally:
            await sim.stop()
        for name in ("dead-plc", "dead-ua", "dead-mqtt"):
            h = col.health[name]
            assert not h.connected and h.last_error and h.reconnects >= 1, h
        assert col.health["modbus-MC-02"].samples > 0
        with runtime.transaction() as s:
            assert store.last_values(s, cid)["MC-02.total"].value > 0

    asyncio.run(main())


@pytest.mark.slow
def test_opcua_machine_to_store_with_source_timestamps(
    runtime: Runtime, company: tuple[int, str], tmp_path: Path
) -> None:
    cid, code = company

    async def main() -> None:
        sim = FactorySim(cell(("MC-01", "opcua")), protocols={"opcua"})
        sent: list[tuple[str, str, int, Any]] = []
        sim.plant.listeners.append(sent.append)
        await sim.start()
        try:
            tm = TagMap.model_validate(sim.tag_map(code))
            col, worker = await run_pipeline(runtime, sim, tm, tmp_path, seconds=6, speed=120)
        finally:
            await sim.stop()
        assert col.health["opcua-MC-01"].samples > 0 and worker.stats.failures == 0
        m = sim.plant.machines["MC-01"].values
        with runtime.transaction() as s:
            last = store.last_values(s, cid)
            states = store.raw_range(
                s, cid, "MC-01.state", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
            )
        assert last["MC-01.total"].value == m["total"] > 0
        assert last["MC-01.state"].value == m["state"]
        sim_state_ts = {ts for c, f, ts, _ in sent if f == "state"} | {sim.plant.epoch_ms}
        stored_ts = {dt_to_ms(p.ts) for p in states}
        assert stored_ts - {min(stored_ts)} <= sim_state_ts  # stamped by the source, not the collector

    asyncio.run(main())


@pytest.mark.slow
def test_opcua_basic256sha256_with_certificates(
    runtime: Runtime, company: tuple[int, str], tmp_path: Path
) -> None:
    from asyncua.crypto.cert_gen import setup_self_signed_certificate
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from jejo.sim.endpoints.opcua_server import OpcUaMachineServer

    cid, code = company

    async def main() -> None:
        for who, use in (
            ("server", ExtendedKeyUsageOID.SERVER_AUTH),
            ("client", ExtendedKeyUsageOID.CLIENT_AUTH),
        ):
            await setup_self_signed_certificate(
                tmp_path / f"{who}.key.pem",
                tmp_path / f"{who}.der",
                f"urn:jejo:test:{who}",
                "localhost",
                [use],
                {"commonName": who},
            )
        sim = FactorySim(cell(("MC-01", "opcua")), protocols=set())
        srv = OpcUaMachineServer(
            [sim.plant.machines["MC-01"]],
            "127.0.0.1",
            0,
            certificate=str(tmp_path / "server.der"),
            private_key=str(tmp_path / "server.key.pem"),
            allow_anonymous_none=False,
        )
        await srv.start()
        sim.opcua["MC-01"] = srv
        try:
            data = sim.tag_map(code)
            data["sources"][0]["security"] = {
                "policy": "Basic256Sha256",
                "mode": "SignAndEncrypt",
                "certificate": str(tmp_path / "client.der"),
                "private_key": str(tmp_path / "client.key.pem"),
                "server_certificate": str(tmp_path / "server.der"),
            }
            plain = json.loads(json.dumps(data))  # the same, but pinned to the wrong server certificate
            plain["sources"][0]["name"] = "plain"
            plain["sources"][0]["security"]["server_certificate"] = str(tmp_path / "client.der")
            for t in plain["tags"]:
                t["source"], t["tag"] = "plain", "P." + t["tag"]
            data["sources"].append(plain["sources"][0])
            data["tags"] += plain["tags"]
            tm = TagMap.model_validate(data)
            col, _worker = await run_pipeline(runtime, sim, tm, tmp_path, seconds=5, speed=120)
        finally:
            await srv.stop()
        assert col.health["opcua-MC-01"].samples > 0, col.health
        assert col.health["plain"].samples == 0 and col.health["plain"].last_error  # refused, reported
        with runtime.transaction() as s:
            assert (
                store.last_values(s, cid)["MC-01.total"].value == sim.plant.machines["MC-01"].values["total"]
            )

    asyncio.run(main())


@pytest.mark.broker
def test_sparkplug_edge_node_to_store_and_independent_decode(
    runtime: Runtime, company: tuple[int, str], tmp_path: Path, broker: Any
) -> None:
    import paho.mqtt.client as paho
    import pysparkplug as psp

    cid, code = company
    seen: list[tuple[str, bytes]] = []
    spy = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="spy")
    spy.on_message = lambda c, u, m: seen.append((m.topic, m.payload))
    spy.connect("127.0.0.1", broker.port)
    spy.subscribe("spBv1.0/#", qos=1)
    spy.loop_start()

    async def main() -> None:
        sim = FactorySim(cell(("MC-03", "sparkplug"), mqtt_url=broker.url), protocols={"sparkplug"})
        await sim.start()
        assert sim.edge is not None
        try:
            await asyncio.wait_for(sim.edge.connected.wait(), 10)
            tm2 = TagMap.model_validate(sim.tag_map(code))
            _col, _worker = await run_pipeline(runtime, sim, tm2, tmp_path, seconds=4, speed=300)
        finally:
            await sim.stop()
        emitted = {(f"{c}.{f}", ts) for c, f, ts, _ in sim.edge.log if f != "state_code"}
        with runtime.transaction() as s:
            stored = set()
            for tag in {t for t, _ in emitted}:
                stored |= {
                    (tag, dt_to_ms(p.ts))
                    for p in store.raw_range(
                        s,
                        cid,
                        tag,
                        datetime(2026, 1, 1, tzinfo=UTC),
                        datetime(2027, 1, 1, tzinfo=UTC),
                        limit=100_000,
                    )
                }
        assert emitted and emitted <= stored

    asyncio.run(main())
    spy.loop_stop()
    assert any(t == "spBv1.0/STATE/jejo" for t, _ in seen)  # the collector announced itself as primary host
    seen[:] = [(t, p) for t, p in seen if "/STATE/" not in t]
    kinds = [t.split("/")[2] for t, _ in seen]
    assert kinds[0] == "NBIRTH" and "DBIRTH" in kinds and "DDATA" in kinds and kinds[-1] == "NDEATH"
    births = [psp.NBirth.decode(p) for t, p in seen if "/NBIRTH/" in t]
    death = psp.NDeath.decode(next(p for t, p in seen if "/NDEATH/" in t))
    bd = {m.name: m.value for m in births[0].metrics}["bdSeq"]
    assert death.bd_seq_metric.name == "bdSeq" and death.bd_seq_metric.value == bd
    expected = None  # NBIRTH carries seq 0, then every DBIRTH / DDATA the next one (mod 256)
    for t, p in seen:
        kind = t.split("/")[2]
        if kind == "NBIRTH":
            assert psp.NBirth.decode(p).seq == 0
            expected = 1
        elif kind in ("DBIRTH", "DDATA"):
            assert psp.DData.decode(p).seq == expected
            expected = (expected + 1) % 256
    dd = psp.DData.decode(next(p for t, p in seen if "/DDATA/" in t))
    assert all(m.timestamp and m.name for m in dd.metrics)


@pytest.mark.broker
def test_json_over_mqtt_and_a_bad_payload(
    runtime: Runtime, company: tuple[int, str], tmp_path: Path, broker: Any
) -> None:
    import paho.mqtt.publish as publish

    cid, code = company
    tm = parse_tag_map(f"""
company: {code}
sources:
  - {{name: plant, kind: mqtt, url: "{broker.url}", format: json, topics: ["plant/#"]}}
tags:
  - {{tag: J.a, source: plant, address: a}}
  - {{tag: J.b, source: plant, address: b, scale: 10}}
""")

    async def main() -> None:
        bus = MemoryBus()
        worker = IngestWorker(runtime, tm.by_tag(), rollup_every_s=-1)
        bus.subscribe(worker.handle)
        col = Collector(tm, bus, tmp_path / "b.db", flush_ms=50)
        stop = asyncio.Event()
        task = asyncio.create_task(col.run(stop))
        for _ in range(50):
            await asyncio.sleep(0.1)
            if col.health["plant"].connected:
                break
        msgs = [
            ("plant/1", json.dumps({"ts": 1_000, "values": {"a": 1, "b": 2}})),
            ("plant/1", b"\x00garbage{"),
            ("plant/2", json.dumps([{"name": "a", "ts": 2_000, "value": 3.5}])),
        ]
        for topic, body in msgs:
            await asyncio.to_thread(
                publish.single, topic, body, qos=1, hostname="127.0.0.1", port=broker.port
            )
        for _ in range(50):
            await asyncio.sleep(0.1)
            if worker.stats.stored >= 3:
                break
        stop.set()
        await task
        assert col.health["plant"].bad_payloads == 1
        with runtime.transaction() as s:
            last = store.last_values(s, cid)
        assert last["J.a"].value == 3.5 and last["J.b"].value == 20.0

    asyncio.run(main())


@pytest.mark.broker
def test_mqtt_bus_shared_subscription_splits_the_load(
    runtime: Runtime, company: tuple[int, str], broker: Any
) -> None:
    _cid, code = company
    n_batches, per = 40, 25

    async def main() -> None:
        workers = [IngestWorker(runtime, rollup_every_s=-1) for _ in range(2)]
        stop = asyncio.Event()
        ready = [asyncio.Event(), asyncio.Event()]
        tasks = [
            asyncio.create_task(
                mqtt_subscribe(
                    broker.url,
                    w.handle,
                    group="t",
                    worker_id=f"w{i}-{code}",
                    stop=stop,
                    on_connected=ready[i].set,
                )
            )
            for i, w in enumerate(workers)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 10)
        bus = MqttBus(broker.url)
        from jejo.telemetry.model import Sample

        for b in range(n_batches):
            await bus.publish(Batch(code, [Sample(f"S.{i}", 1_000_000 + b, float(b)) for i in range(per)]))
        await bus.close()
        for _ in range(100):
            await asyncio.sleep(0.1)
            if sum(w.stats.stored for w in workers) >= n_batches * per:
                break
        stop.set()
        await asyncio.gather(*tasks)
        assert all(w.stats.batches > 0 for w in workers), [w.stats.batches for w in workers]
        assert sum(w.stats.stored for w in workers) == n_batches * per

    asyncio.run(main())


async def _worker_on_bus(
    runtime: Runtime, url: str, name: str, send: Callable[[MqttBus], Awaitable[None]], want: int, **kw: Any
) -> IngestWorker:
    """One ingest worker subscribed on the MQTT bus while ``send`` publishes; returns it once it has
    stored ``want`` samples (or after 5 s) and stopped."""
    worker = IngestWorker(runtime, rollup_every_s=-1)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        mqtt_subscribe(
            url, worker.handle, group=name, worker_id=name, stop=stop, on_connected=ready.set, **kw
        )
    )
    await asyncio.wait_for(ready.wait(), 10)
    bus = MqttBus(url)
    await send(bus)
    await bus.close()
    for _ in range(100):
        if worker.stats.stored >= want:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    return worker


@pytest.mark.broker
def test_mqtt_worker_lets_a_heavy_stream_gather_into_one_transaction(
    runtime: Runtime, company: tuple[int, str], broker: Any
) -> None:
    """A large bus message (a heavy stream or a collector's backlog) waits a moment for the next one to
    join its transaction; a small one (a quiet plant) is written at once."""
    _cid, code = company
    from jejo.telemetry.model import Sample

    def two_messages(per: int, start: int) -> Callable[[MqttBus], Awaitable[None]]:
        async def send(bus: MqttBus) -> None:
            for b in range(2):
                await bus.publish(Batch(code, [Sample(f"L.{i}", start + b, float(b)) for i in range(per)]))
                await asyncio.sleep(0.2)

        return send

    def run(per: int, start: int) -> IngestWorker:
        worker = asyncio.run(
            _worker_on_bus(
                runtime,
                broker.url,
                f"linger{per}-{code}",
                two_messages(per, start),
                2 * per,
                linger_from=100,
                linger_s=2.0,
            )
        )
        assert worker.stats.stored == 2 * per
        return worker

    heavy = run(150, 3_000_000)
    assert (heavy.stats.batches, heavy.stats.writes) == (2, 1)
    quiet = run(20, 4_000_000)
    assert (quiet.stats.batches, quiet.stats.writes) == (2, 2)


@pytest.mark.broker
def test_mqtt_worker_keeps_an_unreadable_bus_message_aside_and_goes_on(
    runtime: Runtime, company: tuple[int, str], broker: Any
) -> None:
    """A bus message no version of jejo can read is kept in a file, logged and counted, and acknowledged:
    it does not stop the worker, and the messages after it are stored."""
    _cid, code = company
    from jejo.telemetry.model import Sample

    async def send(bus: MqttBus) -> None:
        await bus.publish_encoded(code, b"JTB1\x00\x00\x00\xffnot a header")
        await bus.publish(Batch(code, [Sample("R.a", 5_000_000, 1.0), Sample("R.b", 5_000_000, 2.0)]))

    worker = asyncio.run(_worker_on_bus(runtime, broker.url, f"bad-{code}", send, 2))
    assert worker.stats.stored == 2 and worker.stats.rejected_messages == 1
    kept = list((runtime.settings.data_dir / "rejected-bus-messages").iterdir())
    assert [p.read_bytes() for p in kept] == [b"JTB1\x00\x00\x00\xffnot a header"]
    assert "unreadable bus message" in (worker.stats.last_error or "")
