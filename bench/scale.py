"""Scale-out on this machine: ingest throughput with 1, 2, 4 ingest workers, and API throughput with 1, 2
API processes; then the sizing model for 100 plants × 2,000 tags at 1 Hz from the measured rates.

Ingest: N ``jejo ingest`` processes (each its own process, as systemd runs them) share one group on a
private broker (Mosquitto, MQTT 5 shared subscription; or ``--bus nats``: nats-server with JetStream,
one durable pull consumer). The workers are paused (SIGSTOP) while ``--batches`` × ``--batch-size``
samples are published, then resumed (SIGCONT): samples/s = samples ÷ time from resume until the last
one is in the store (counted in the database). So the figure is the workers' and the database's, not
the publisher's. CPU = CPU-seconds per wall-second of each worker while draining (from /proc).

API: ``jejo serve --workers K`` on the demo plant; ``--clients`` closed-loop clients (asyncio + httpx,
in this process) post the load mix of ``bench/load.py`` (label scans, event posts) for ``--api-s``
seconds: requests/s and latency percentiles, and the CPU of server and load generator.

    uv run python bench/scale.py --workers 1,2,4 --api 1,2 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

The load average is printed with the figures: on a shared machine they are a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load as loadbench

PLANTS, TAGS_PER_PLANT, HZ = 100, 2000, 1.0


# ---- brokers --------------------------------------------------------------------------------------


def start_broker(kind: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = loadbench.free_port()
    if kind == "nats":
        proc = subprocess.Popen(
            [
                shutil.which("nats-server") or "nats-server",
                "-a",
                "127.0.0.1",
                "-p",
                str(port),
                "-js",
                "-sd",
                str(folder / "js"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"nats://127.0.0.1:{port}"
    else:
        conf = folder / "mosquitto.conf"
        conf.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
            f"log_dest file {folder}/mosquitto.log\nuser {getpass.getuser()}\n"
        )
        proc = subprocess.Popen(
            [shutil.which("mosquitto") or "mosquitto", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"mqtt://127.0.0.1:{port}"
    import socket

    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            time.sleep(0.3)
            return proc, url
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{kind} did not start")


# ---- ingest -------------------------------------------------------------------------------------------


def count(db_url: str, company: str) -> int:
    from sqlalchemy import func, select

    from jejo.core.db import make_engine
    from jejo.core.tenancy import Company
    from jejo.telemetry.tables import TsSample, TsTag

    engine = _ENGINES.get(db_url) or _ENGINES.setdefault(db_url, make_engine(db_url))
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(TsSample)
                .join(TsTag, TsTag.id == TsSample.tag_id)
                .join(Company, Company.id == TsTag.company_id)
                .where(Company.code == company)
            )
            or 0
        )


_ENGINES: dict[str, Any] = {}


def make_company(db_url: str, code: str) -> None:
    from jejo.core.db import make_engine
    from jejo.core.runtime import Runtime
    from jejo.core.settings import Settings
    from jejo.masterdata import users

    rt = Runtime(Settings(database_url=db_url), engine=make_engine(db_url))
    with rt.transaction() as s:
        users.create_company(s, code, code)
    rt.engine.dispose()


async def publish(url: str, company: str, batches: int, size: int, tags: int, t0: int) -> float:
    from jejo.telemetry.bus import Batch, make_bus
    from jejo.telemetry.model import Sample

    bus = make_bus(url, client_id=f"scale-pub-{company}")
    t = time.perf_counter()
    n = 0
    for _b in range(batches):
        samples = []
        for _ in range(size):
            samples.append(Sample(f"S.t{n % tags:05d}", t0 + (n // tags) * 1000, float(n % 977)))
            n += 1
        await bus.publish(Batch(company, samples))
    await bus.close()
    return time.perf_counter() - t


async def wait_ready(url: str, broker_folder: Path, ids: list[str], group: str) -> None:
    """Until every worker is connected and subscribed (Mosquitto's log; JetStream's waiting pulls)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if url.startswith("mqtt:"):
            log = broker_folder / "mosquitto.log"
            text = log.read_text() if log.exists() else ""
            if all(f" as {i} " in text for i in ids):
                await asyncio.sleep(1.5)
                return
        else:
            import nats

            nc = await nats.connect(url)
            try:
                info = await nc.jetstream().consumer_info("JEJO_TELEMETRY", group)
                if (info.num_waiting or 0) >= len(ids):
                    return
            except Exception:
                pass
            finally:
                await nc.close()
        await asyncio.sleep(0.3)
    raise RuntimeError("ingest workers did not get ready")


def ingest_run(
    kind: str, db_url: str, n_workers: int, batches: int, size: int, tags: int, folder: Path
) -> dict[str, Any]:
    broker, url = start_broker(kind, folder)
    company = f"SCALE{n_workers}-{uuid.uuid4().hex[:6]}"
    make_company(db_url, company)
    env = {**os.environ, "JEJO_DATABASE_URL": db_url, "JEJO_DATA_DIR": str(folder), "JEJO_LOG_LEVEL": "ERROR"}
    group = f"scale{n_workers}"
    ids = [f"{group}-w{i}" for i in range(n_workers)]
    workers = [
        subprocess.Popen(
            loadbench.jejo_cmd("ingest", "--bus-url", url, "--group", group, "--worker-id", wid),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for wid in ids
    ]
    try:
        asyncio.run(wait_ready(url, folder, ids, group))
        total = batches * size
        t0_ms = int(time.time() * 1000) - 86_400_000
        # a first batch through every worker's path (connections, tag ids, partitions)
        asyncio.run(publish(url, company, n_workers, 10, tags, t0_ms - 3_600_000))
        while count(db_url, company) < 10 * n_workers:
            time.sleep(0.2)
        warm = count(db_url, company)
        for w in workers:
            w.send_signal(signal.SIGSTOP)
        pub_s = asyncio.run(publish(url, company, batches, size, tags, t0_ms))
        cpu0 = [loadbench.tree_cpu_s(w.pid) for w in workers]
        t = time.perf_counter()
        for w in workers:
            w.send_signal(signal.SIGCONT)
        while count(db_url, company) < warm + total:
            if time.perf_counter() - t > 600:
                raise RuntimeError("ingest did not finish in 10 minutes")
            time.sleep(0.05)
        wall = time.perf_counter() - t
        cpu = [round((loadbench.tree_cpu_s(w.pid) - c) / wall, 2) for w, c in zip(workers, cpu0, strict=True)]
        rate = total / wall
        return {
            "bus": kind,
            "workers": n_workers,
            "samples": total,
            "seconds": round(wall, 2),
            "samples_per_s": round(rate),
            "per_worker_per_s": round(rate / n_workers),
            "cpu_per_worker": cpu,
            "publish_s": round(pub_s, 2),
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGCONT)
                w.terminate()
                try:
                    w.wait(20)
                except subprocess.TimeoutExpired:
                    w.kill()
        broker.terminate()
        broker.wait(10)


# ---- API ---------------------------------------------------------------------------------------------


async def closed_loop(server: loadbench.Server, clients: int, seconds: float) -> dict[str, Any]:
    import httpx

    scans, machines = loadbench.demo_work(server.env["JEJO_DATABASE_URL"])
    load = loadbench.Load(server.base, await loadbench.login(server.base), scans, machines)
    lat: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.base, timeout=30, limits=limits) as client:
        await load.step(client, 10, 1.0)  # warm-up
        until = time.perf_counter() + seconds
        counter = iter(range(10**9))

        async def one_client() -> None:
            while time.perf_counter() < until:
                _kind, path, body = load.next_request(next(counter))
                t = time.perf_counter()
                try:
                    r = await client.post(path, json=body, headers=load.headers)
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                    continue
                if r.status_code >= 500:
                    errors.append(str(r.status_code))
                    continue
                lat.append((time.perf_counter() - t) * 1000)

        cpu_s, cpu_self, t0 = (
            loadbench.tree_cpu_s(server.proc.pid),
            loadbench.self_cpu_s(),
            time.perf_counter(),
        )
        await asyncio.gather(*(one_client() for _ in range(clients)))
        wall = time.perf_counter() - t0
    return {
        "requests": len(lat),
        "requests_per_s": round(len(lat) / wall, 1),
        "p50_ms": loadbench.pct(lat, 0.5),
        "p99_ms": loadbench.pct(lat, 0.99),
        "errors": len(errors),
        "cpu_server": round((loadbench.tree_cpu_s(server.proc.pid) - cpu_s) / wall, 2),
        "cpu_loadgen": round((loadbench.self_cpu_s() - cpu_self) / wall, 2),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def api_run(db_kind: str, pg_url: str | None, processes: int, clients: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="jejo-bench-scale-api-") as tmp:
        db_url, drop = loadbench.database_for(db_kind, pg_url, Path(tmp))
        try:
            server = loadbench.start_server(db_url, Path(tmp), processes)
            try:
                out = asyncio.run(closed_loop(server, clients, seconds))
            finally:
                loadbench.stop_server(server)
        finally:
            drop()
    return {"database": db_kind, "api_processes": processes, "clients": clients, **out}


# ---- the model ---------------------------------------------------------------------------------------


def model(ingest: list[dict[str, Any]], headroom: float = 0.5) -> dict[str, Any]:
    """What 100 plants × 2,000 tags at 1 Hz need, from the best measured per-worker rate."""
    need = PLANTS * TAGS_PER_PLANT * HZ
    best = max(ingest, key=lambda r: r["per_worker_per_s"]) if ingest else None
    if best is None:
        return {"samples_per_s_needed": need}
    per_worker = best["per_worker_per_s"]
    cpu = max(sum(best["cpu_per_worker"]) / best["workers"], 0.05)
    per_core = per_worker / cpu
    return {
        "samples_per_s_needed": need,
        "per_worker_per_s_measured": per_worker,
        "per_worker_cpu": round(cpu, 2),
        "samples_per_core_s": round(per_core),
        "workers_needed_at_headroom": math.ceil(need / (per_worker * headroom)),
        "worker_cores_needed_at_headroom": math.ceil(need / (per_core * headroom)),
        "headroom": headroom,
        "rows_per_day": int(need * 86400),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--bus", default="mqtt", help="mqtt, nats or mqtt,nats")
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--tags", type=int, default=2000)
    ap.add_argument("--db", default="postgres", help="database of the ingest runs: postgres or sqlite")
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--api", default="1,2", help="API process counts (empty: skip)")
    ap.add_argument("--api-db", default="sqlite", help="database of the API runs: sqlite or postgres")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--api-s", type=float, default=10.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    result: dict[str, Any] = {
        "bench": "scale",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "ingest": [],
        "api": [],
    }
    with tempfile.TemporaryDirectory(prefix="jejo-bench-scale-") as tmp:
        db_url, drop = loadbench.database_for(args.db, args.postgres, Path(tmp))
        try:
            from jejo.core.db import make_engine
            from jejo.core.runtime import Runtime
            from jejo.core.settings import Settings

            rt = Runtime(Settings(database_url=db_url, data_dir=Path(tmp)), engine=make_engine(db_url))
            rt.upgrade()
            rt.engine.dispose()
            for kind in args.bus.split(","):
                for n in (int(x) for x in args.workers.split(",") if x):
                    folder = Path(tmp) / f"{kind}-{n}"
                    folder.mkdir()
                    row = ingest_run(kind, db_url, n, args.batches, args.batch_size, args.tags, folder)
                    print(json.dumps(row), file=sys.stderr)
                    result["ingest"].append(row)
        finally:
            drop()
    for k in (int(x) for x in args.api.split(",") if x):
        row = api_run(args.api_db, args.postgres, k, args.clients, args.api_s)
        print(json.dumps(row), file=sys.stderr)
        result["api"].append(row)
    result["model"] = model(result["ingest"])
    result["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
