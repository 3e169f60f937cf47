"""Machine-data ingest: points per second and end-to-end latency, MQTT → store and OPC UA → store.

Pipeline under test (each box its own process): publisher → Mosquitto → collector (Sparkplug B or JSON
decode, disk buffer) → Mosquitto (bus, QoS 1) → N ingest workers (MQTT 5 shared subscription) → store.
Beside it, in the same run, a raw COPY (PostgreSQL) / executemany (SQLite) of the same number of rows.

    nice uv run python bench/ingest.py --points 200000 --workers 1,2 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

A private Mosquitto is started on a free port; PostgreSQL runs in a schema of its own that is dropped at
the end. Prints one JSON document with every figure (and the CPU share of every process).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from jejo.core.net import free_port

COMPANY = "BENCH"
DEVICE = "DEV-1"
T_BASE = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)


# ---- infrastructure --------------------------------------------------------------------------------


def start_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = folder / "mosquitto.conf"
    import getpass

    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
        f"max_inflight_messages 0\nuser {getpass.getuser()}\n"
    )
    proc = subprocess.Popen(
        [shutil.which("mosquitto") or "mosquitto", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_s(url: str) -> float | None:
    """CPU seconds of every PostgreSQL server process on this machine (the workers' backends among them);
    None for SQLite, which runs inside the workers."""
    if not url.startswith("postgresql"):
        return None
    total = 0.0
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "comm").read_text().strip() == "postgres":
                    total += proc_cpu_s(int(d.name))
            except (OSError, ValueError):  # gone meanwhile
                continue
    return total


def runtime_for(url: str, schema: str | None) -> Any:
    from jejo.core.db import make_engine
    from jejo.core.runtime import Runtime
    from jejo.core.settings import Settings

    settings = Settings(database_url=url, data_dir=Path(tempfile.gettempdir()) / "jejo-bench")
    if schema:
        return Runtime(settings, engine=make_engine(url, connect_args={"options": f"-csearch_path={schema}"}))
    return Runtime(settings)


def tag_map(port: int, n_tags: int, fmt: str) -> dict[str, Any]:
    return {
        "company": COMPANY,
        "sources": [
            {
                "name": "plant",
                "kind": "mqtt",
                "url": f"mqtt://127.0.0.1:{port}",
                "format": fmt,
                "topics": ["spBv1.0/bench/#"] if fmt == "sparkplug" else ["bench/json/#"],
                "client_id": f"bench-collector-{fmt}-{uuid.uuid4().hex[:6]}",
            }
        ],
        "tags": [
            {
                "tag": f"B.t{i:05d}",
                "source": "plant",
                "address": f"t{i:05d}",
                **({"device": DEVICE} if fmt == "sparkplug" else {}),
            }
            for i in range(n_tags)
        ],
    }


# ---- child processes --------------------------------------------------------------------------------


def _report(path: str, data: dict[str, Any], t_wall: float) -> None:
    data |= {"cpu_s": time.process_time(), "wall_s": time.monotonic() - t_wall}
    Path(path).write_text(json.dumps(data))


def worker_main(url: str, schema: str | None, port: int, worker_id: str, stop_file: str, out: str) -> None:
    from jejo.telemetry.bus import mqtt_subscribe
    from jejo.telemetry.ingest import IngestWorker

    t0 = time.monotonic()
    rt = runtime_for(url, schema)
    w = IngestWorker(rt, machine_events=False, rollup_every_s=-1, track_latency=True)

    async def main() -> None:
        stop = asyncio.Event()

        async def watch() -> None:
            while not Path(stop_file).exists():
                await asyncio.sleep(0.1)
            stop.set()

        task = asyncio.create_task(watch())
        await mqtt_subscribe(
            f"mqtt://127.0.0.1:{port}",
            w.handle,
            group=f"bench-{worker_id.rsplit('-', 1)[1]}",
            worker_id=worker_id,
            stop=stop,
            on_connected=lambda: Path(out + ".ready").touch(),  # subscribed: the run may start
        )
        task.cancel()

    asyncio.run(main())
    lat = sorted(w.stats.latencies_ms)
    _report(
        out,
        {
            "batches": w.stats.batches,
            "writes": w.stats.writes,
            "stored": w.stats.stored,
            "failures": w.stats.failures,
            "latencies_ms": lat[:: max(1, len(lat) // 20000)],
        },
        t0,
    )


def collector_main(tm: dict[str, Any], port: int, buffer: str, stop_file: str, out: str) -> None:
    from jejo.telemetry.bus import MqttBus
    from jejo.telemetry.collector import Collector
    from jejo.telemetry.model import TagMap

    t0 = time.monotonic()
    bus = MqttBus(f"mqtt://127.0.0.1:{port}", client_id=f"bench-bus-{uuid.uuid4().hex[:6]}")
    col = Collector(TagMap.model_validate(tm), bus, buffer, batch_max=2000, flush_ms=50)

    async def main() -> None:
        stop = asyncio.Event()

        async def watch() -> None:
            while not Path(stop_file).exists():
                await asyncio.sleep(0.1)
            stop.set()

        async def ready() -> None:
            while not all(h.connected for h in col.health.values()):
                await asyncio.sleep(0.05)
            Path(out + ".ready").touch()

        task = asyncio.create_task(watch())
        ready_task = asyncio.create_task(ready())
        await col.run(stop)
        task.cancel()
        ready_task.cancel()
        await bus.close()

    asyncio.run(main())
    _report(out, {"forwarded": col.forwarded, "samples": sum(h.samples for h in col.health.values())}, t0)


def publisher_main(
    port: int, fmt: str, n_tags: int, n_points: int, rate: float, realtime_ts: bool, out: str
) -> None:
    """Publish ``n_points`` points, 100 per message (Sparkplug B DDATA or a JSON list), at ``rate`` points/s
    (0: as fast as possible). Timestamps: now (latency runs) or a synthetic unique clock (throughput)."""
    import paho.mqtt.client as paho

    from jejo.telemetry import sparkplug as spb

    t0 = time.monotonic()
    c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")
    c.max_inflight_messages_set(1000)
    c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port)
    c.loop_start()
    per = 100
    seq = 0
    if fmt == "sparkplug":
        c.publish(
            "spBv1.0/bench/NBIRTH/NODE",
            spb.encode(spb.Payload(spb.now_ms(), [spb.Metric("bdSeq", 0, spb.INT64)], seq=0)),
            qos=0,
        ).wait_for_publish()
        seq = 1
        birth_ts = spb.now_ms() if realtime_ts else T_BASE - 1
        births = [spb.Metric(f"t{i:05d}", 0.0, spb.DOUBLE, birth_ts) for i in range(n_tags)]
        c.publish(
            f"spBv1.0/bench/DBIRTH/NODE/{DEVICE}",
            spb.encode(spb.Payload(spb.now_ms(), births, seq=seq)),
            qos=0,
        ).wait_for_publish()
    topic = f"spBv1.0/bench/DDATA/NODE/{DEVICE}" if fmt == "sparkplug" else "bench/json/line1"

    def message(first: int) -> bytes:
        nonlocal seq
        k = min(per, n_points - first)
        now = spb.now_ms()
        pts = []
        for j in range(first, first + k):
            tag = j % n_tags
            ts = now if realtime_ts else T_BASE + j // n_tags
            pts.append((f"t{tag:05d}", ts, float(j % 1000) / 10))
        if fmt == "sparkplug":
            seq = (seq + 1) % 256
            return spb.encode(
                spb.Payload(now, [spb.Metric(n, v, spb.DOUBLE, ts) for n, ts, v in pts], seq=seq)
            )
        return json.dumps([{"name": n, "ts": ts, "value": v} for n, ts, v in pts]).encode()

    # throughput runs: the devices' messages are encoded before the clock starts (their encoding is the
    # plant's work, not the pipeline's, and would take a share of the same cores); latency runs stamp
    # every message when it leaves
    ready = (
        [message(first) for first in range(0, n_points, per)] if realtime_ts is False and rate <= 0 else None
    )
    sent = 0
    Path(out + ".start").write_text(repr(time.time()))  # the first point leaves now
    start = time.monotonic()
    infos = []
    while sent < n_points:
        body = ready[sent // per] if ready is not None else message(sent)
        infos.append(c.publish(topic, body, qos=1))
        sent += min(per, n_points - sent)
        if rate > 0:
            ahead = sent / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
        if len(infos) > 2000:
            infos.pop(0).wait_for_publish()
    for i in infos:
        i.wait_for_publish()
    c.loop_stop()
    c.disconnect()
    _report(
        out,
        {
            "sent": sent,
            "messages": -(-n_points // per),
            "points_per_message": per,
            "publish_s": time.monotonic() - start,
            "pre_encoded": ready is not None,
        },
        t0,
    )


# ---- one pipeline run --------------------------------------------------------------------------------


def count_samples(rt: Any) -> int:
    with rt.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM ts_samples")).scalar_one())


def tags_at(rt: Any, final_ms: int) -> int:
    """How many tags have their last value at or after ``final_ms`` (the last timestamp of a run)."""
    from jejo.telemetry.store import sqlite_ts

    with rt.engine.connect() as conn:
        t: Any = datetime.fromtimestamp(final_ms / 1000, UTC)
        if conn.dialect.name == "sqlite":
            t = sqlite_ts(final_ms)
        q = text("SELECT count(*) FROM ts_last WHERE ts >= :t")
        return int(conn.execute(q, {"t": t}).scalar_one())


def reset(rt: Any) -> None:
    """Empty the store between cases. PostgreSQL: TRUNCATE, not DELETE — deleted rows stay in the primary
    key's index until vacuumed, and every case writes the same (tag, time) keys again, so after a DELETE
    each insert would have to visit the dead row its key still points at; the raw baseline writes into a
    fresh table, and a plant's new samples never meet dead rows with their keys."""
    with rt.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE ts_samples, ts_last"))
        else:
            conn.execute(text("DELETE FROM ts_samples"))
            conn.execute(text("DELETE FROM ts_last"))


def pipeline(
    rt: Any,
    url: str,
    schema: str | None,
    port: int,
    work: Path,
    *,
    fmt: str,
    workers: int,
    n_points: int,
    n_tags: int,
    rate: float,
    realtime_ts: bool,
    timeout_s: float,
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    reset(rt)
    run = uuid.uuid4().hex[:6]
    stop_file = work / f"stop-{run}"
    outs = {f"worker{i}": work / f"w{i}-{run}.json" for i in range(workers)}
    outs["collector"] = work / f"c-{run}.json"
    outs["publisher"] = work / f"p-{run}.json"
    procs = [
        ctx.Process(
            target=worker_main,
            args=(url, schema, port, f"bench-w{i}-{run}", str(stop_file), str(outs[f"worker{i}"])),
        )
        for i in range(workers)
    ]
    tm = tag_map(port, n_tags, fmt)
    procs.append(
        ctx.Process(
            target=collector_main,
            args=(tm, port, str(work / f"buf-{run}.db"), str(stop_file), str(outs["collector"])),
        )
    )
    for p in procs:
        p.start()
    ready_deadline = time.monotonic() + 120  # every subscription in place before the first point
    while time.monotonic() < ready_deadline and not all(
        Path(f"{o}.ready").exists() for k, o in outs.items() if k != "publisher"
    ):
        time.sleep(0.05)
    pub = ctx.Process(
        target=publisher_main, args=(port, fmt, n_tags, n_points, rate, realtime_ts, str(outs["publisher"]))
    )
    t0 = time.monotonic()
    pub.start()
    names = [k for k in outs if k != "publisher"]
    cpu0 = {k: proc_cpu_s(p.pid) for k, p in zip(names, procs, strict=True) if p.pid}
    db0 = server_cpu_s(url)
    stored = 0
    deadline = t0 + timeout_s
    expected = n_points + (n_tags if fmt == "sparkplug" else 0)  # DBIRTH carries every tag's value once
    # throughput runs know each tag's last timestamp: until every tag's last value has reached it, ask
    # the small last-value table, not count(*) over the samples (a scan of up to n_points rows every
    # 50 ms would load the database the pipeline is writing to; the raw baseline has no such load)
    final = None if realtime_ts else T_BASE + (n_points - 1) // n_tags
    while time.monotonic() < deadline:
        if final is not None and tags_at(rt, final) < n_points - (n_points - 1) // n_tags * n_tags:
            time.sleep(0.05)
            continue
        stored = count_samples(rt)
        if stored >= expected:
            break
        time.sleep(0.05)
    t_done = time.monotonic() - t0
    done_wall = time.time()
    start_file = Path(f"{outs['publisher']}.start")
    if start_file.exists():  # measure from the first point published, not from the process start
        t_done = max(1e-3, done_wall - float(start_file.read_text()))
    cpu1 = {k: proc_cpu_s(p.pid) for k, p in zip(names, procs, strict=True) if p.pid}
    db1 = server_cpu_s(url)
    pub.join(60)
    stop_file.write_text("stop")
    for p in procs:
        p.join(60)
    res: dict[str, Any] = {
        "format": fmt,
        "workers": workers,
        "points": n_points,
        "tags": n_tags,
        "offered_rate": rate or "max",
        "stored": stored,
        "seconds": round(t_done, 3),
        "points_per_s": round(stored / t_done),
        "complete": stored == expected,
    }
    reports = {k: json.loads(v.read_text()) for k, v in outs.items() if v.exists()}
    lat: list[float] = []
    for k, r in reports.items():
        lat += r.pop("latencies_ms", [])
        # CPU seconds per wall second while the points flowed (start-up excluded; the publisher's whole life)
        used = cpu1[k] - cpu0[k] if k in cpu0 else r["cpu_s"]
        res[f"cpu_{k}"] = round(used / t_done, 3)
    if db0 is not None and db1 is not None:
        res["cpu_database"] = round((db1 - db0) / t_done, 3)
    res["points_per_message"] = reports.get("publisher", {}).get("points_per_message")
    writes = sum(r.get("writes", 0) for k, r in reports.items() if k.startswith("worker"))
    if writes:  # samples per ingest transaction (bus messages waiting together are written as one)
        res["points_per_write"] = round(stored / writes)
        res["messages_per_write"] = round(
            sum(r.get("batches", 0) for k, r in reports.items() if k.startswith("worker")) / writes, 2
        )
    if lat and realtime_ts:
        lat.sort()
        res["latency_p50_ms"] = round(statistics.median(lat), 1)
        res["latency_p99_ms"] = round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1)
    return res


# ---- baselines ------------------------------------------------------------------------------------


def raw_baseline(rt: Any, n_points: int, n_tags: int) -> dict[str, Any]:
    """The same rows written the plain way: COPY (PostgreSQL) / executemany (SQLite) into a table with the
    same primary key, no conflict handling, no last values."""
    rows = [(j % n_tags + 1, T_BASE + j // n_tags, float(j % 1000) / 10) for j in range(n_points)]
    with rt.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS raw_bench"))
        raw = conn.connection.driver_connection
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "CREATE TABLE raw_bench (tag_id integer, ts timestamptz, value float8, "
                    "PRIMARY KEY (tag_id, ts))"
                )
            )
            t0 = time.monotonic()
            with raw.cursor() as cur, cur.copy("COPY raw_bench (tag_id, ts, value) FROM STDIN") as copy:
                for t, ms, v in rows:
                    copy.write_row((t, datetime.fromtimestamp(ms / 1000, UTC), v))
            how = "COPY"
        else:
            conn.execute(
                text(
                    "CREATE TABLE raw_bench (tag_id integer, ts text, value real, "
                    "PRIMARY KEY (tag_id, ts)) WITHOUT ROWID"
                )
            )
            from jejo.telemetry.store import sqlite_ts

            t0 = time.monotonic()
            raw.executemany(
                "INSERT INTO raw_bench VALUES (?, ?, ?)", [(t, sqlite_ts(ms), v) for t, ms, v in rows]
            )
            how = "executemany"
    dt = time.monotonic() - t0
    with rt.engine.begin() as conn:
        conn.execute(text("DROP TABLE raw_bench"))
    return {"method": how, "points": n_points, "seconds": round(dt, 3), "points_per_s": round(n_points / dt)}


def store_only(rt: Any, n_points: int, n_tags: int, batch: int = 2000) -> dict[str, Any]:
    """The store's own write path (stage + ON CONFLICT, last values) without bus or collector."""
    from jejo.telemetry.bus import Batch
    from jejo.telemetry.ingest import IngestWorker
    from jejo.telemetry.model import Sample

    reset(rt)
    w = IngestWorker(rt, machine_events=False, rollup_every_s=-1)
    samples = [
        Sample(f"B.t{j % n_tags:05d}", T_BASE + j // n_tags, float(j % 1000) / 10) for j in range(n_points)
    ]
    w.write(Batch(COMPANY, samples[:batch]))  # tag ids
    reset(rt)
    t0 = time.monotonic()
    for i in range(0, n_points, batch):
        w.write(Batch(COMPANY, samples[i : i + batch]))
    dt = time.monotonic() - t0
    return {"points": n_points, "batch": batch, "seconds": round(dt, 3), "points_per_s": round(n_points / dt)}


def opcua_run(rt: Any, n_nodes: int, hz: float, seconds: float) -> dict[str, Any]:
    """An asyncua server changing ``n_nodes`` variables ``hz`` times a second; the collector subscribes
    (publishing interval 100 ms) and writes through the in-process bus into the store."""
    from asyncua import Server, ua

    from jejo.telemetry.bus import MemoryBus
    from jejo.telemetry.collector import Collector
    from jejo.telemetry.ingest import IngestWorker
    from jejo.telemetry.model import TagMap

    reset(rt)

    async def main() -> dict[str, Any]:
        port = free_port()
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/bench/")
        ns = await server.register_namespace("urn:jejo:bench")
        folder = await server.nodes.objects.add_folder(ua.NodeId("B", ns), "B")
        nodes = [await folder.add_variable(ua.NodeId(f"v{i}", ns), f"v{i}", 0.0) for i in range(n_nodes)]
        await server.start()
        tm = TagMap.model_validate(
            {
                "company": COMPANY,
                "sources": [
                    {
                        "name": "ua",
                        "kind": "opcua",
                        "endpoint": f"opc.tcp://127.0.0.1:{port}/bench/",
                        "publishing_interval_ms": 100,
                    }
                ],
                "tags": [
                    {"tag": f"U.v{i}", "source": "ua", "address": f"ns={ns};s=v{i}", "sampling_ms": 50}
                    for i in range(n_nodes)
                ],
            }
        )
        bus = MemoryBus()
        w = IngestWorker(rt, machine_events=False, rollup_every_s=-1)
        bus.subscribe(w.handle)
        col = Collector(tm, bus, Path(tempfile.mkdtemp()) / "ua.db", flush_ms=100)
        stop = asyncio.Event()
        task = asyncio.create_task(col.run(stop))
        while not col.health["ua"].connected:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        before = count_samples(rt)
        changes = 0
        t0 = time.monotonic()
        cpu0 = time.process_time()
        k = 0
        while time.monotonic() - t0 < seconds:
            k += 1
            for n in nodes:
                await n.write_value(float(k))
            changes += n_nodes
            await asyncio.sleep(max(0.0, k / hz - (time.monotonic() - t0)))
        await asyncio.sleep(1.0)
        stop.set()
        await task
        dt = time.monotonic() - t0
        stored = count_samples(rt) - before
        await server.stop()
        return {
            "nodes": n_nodes,
            "changes_per_s_offered": round(changes / seconds),
            "changes": changes,
            "stored": stored,
            "stored_per_s": round(stored / dt),
            "cpu_server_collector_ingest": round((time.process_time() - cpu0) / dt, 3),
        }

    return asyncio.run(main())


# ---- main ---------------------------------------------------------------------------------------


def bench_db(
    name: str, url: str, schema: str | None, port: int, work: Path, broker_pid: int, args: argparse.Namespace
) -> dict[str, Any]:
    from jejo.masterdata import users

    rt = runtime_for(url, schema)
    rt.upgrade()
    with rt.transaction() as s:
        users.create_company(s, COMPANY, "bench")
    out: dict[str, Any] = {
        "database": name,
        "raw": raw_baseline(rt, args.points, args.tags),
        "store_only": store_only(rt, args.points, args.tags),
        "mqtt": [],
        "latency": [],
    }
    for fmt in args.formats.split(","):
        for n in (int(x) for x in args.workers.split(",")):
            b0 = proc_cpu_s(broker_pid)
            r = pipeline(
                rt,
                url,
                schema,
                port,
                work,
                fmt=fmt,
                workers=n,
                n_points=args.points,
                n_tags=args.tags,
                rate=0,
                realtime_ts=False,
                timeout_s=args.timeout,
            )
            r["cpu_mosquitto"] = round((proc_cpu_s(broker_pid) - b0) / r["seconds"], 3)
            # of the machine's cores, how many the pipeline kept busy while the points flowed
            r["cpu_all"] = round(sum(v for k, v in r.items() if k.startswith("cpu_")), 2)
            r["vs_raw"] = round(r["points_per_s"] / out["raw"]["points_per_s"], 3)
            out["mqtt"].append(r)
            print(json.dumps(r), file=sys.stderr)
    for rate in (int(x) for x in args.latency_rates.split(",")):
        for n in (int(x) for x in args.workers.split(",")):
            r = pipeline(
                rt,
                url,
                schema,
                port,
                work,
                fmt="sparkplug",
                workers=n,
                n_points=int(rate * args.latency_seconds),
                n_tags=args.tags,
                rate=rate,
                realtime_ts=True,
                timeout_s=args.latency_seconds + args.timeout,
            )
            out["latency"].append(r)
            print(json.dumps(r), file=sys.stderr)
    if args.opcua_nodes:
        out["opcua"] = opcua_run(rt, args.opcua_nodes, args.opcua_hz, args.opcua_seconds)
        print(json.dumps(out["opcua"]), file=sys.stderr)
    rt.engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--tags", type=int, default=1000)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--formats", default="sparkplug,json")
    ap.add_argument("--latency-rates", default="1000,10000")
    ap.add_argument("--latency-seconds", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--opcua-nodes", type=int, default=200)
    ap.add_argument("--opcua-hz", type=float, default=10.0)
    ap.add_argument("--opcua-seconds", type=float, default=10.0)
    ap.add_argument("--postgres", default=None, help="SQLAlchemy URL of a PostgreSQL server")
    ap.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jejo-bench-ingest-"))
    broker, port = start_broker(work)
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "loadavg_start": os.getloadavg(),
        },
        "args": vars(args),
        "runs": [],
    }
    try:
        if args.sqlite:
            results["runs"].append(
                bench_db("sqlite", f"sqlite:///{work / 'bench.db'}", None, port, work, broker.pid, args)
            )
        if args.postgres:
            from jejo.core.db import make_engine

            schema = f"bench_ingest_{uuid.uuid4().hex[:6]}"
            admin = make_engine(args.postgres)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                results["runs"].append(
                    bench_db("postgresql", args.postgres, schema, port, work, broker.pid, args)
                )
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    finally:
        broker.terminate()
        broker.wait(10)
        results["machine"]["loadavg_end"] = os.getloadavg()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
