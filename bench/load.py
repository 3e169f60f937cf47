"""Load on a real ``jejo serve``: operator scans and event posts at rising rates until p99 > 100 ms.

The server is ``jejo serve`` in its own process (``--workers N`` API processes) on the demo plant
(``jejo demo --seed-only``: a week of history), on SQLite (a file in a temporary folder) and/or on
PostgreSQL (a schema of its own, dropped at the end). The load generator is an open-loop asyncio + httpx
client in this process: at each rate it starts requests on a fixed schedule whether or not the earlier
ones have finished, and measures each from its scheduled start (so a slow server cannot hide its queue).
The mix, half and half:

- a label scan, ``POST /api/v1/furniture/scans`` (each demo part at the next station of its route; once
  every part has passed every station, scans repeat and are answered ``duplicate``),
- an event post, ``POST /api/v1/events`` (``machine.state_changed`` of a demo machine, a fresh
  idempotency key).

Each step runs ``--step-s`` seconds; the run stops after the first step whose p99 is above ``--p99-ms``
or whose errors (5xx, timeouts, refused connections) pass 1 %. "Held" is the highest rate below both.
CPU: CPU-seconds per wall-second of the server's processes and of this generator (from /proc), and of
the whole machine (/proc/stat; 2.0 = both cores busy). The load average is printed with the figures.

    uv run python bench/load.py --db sqlite --rates 10,20,40,80,160 --step-s 10
    uv run python bench/load.py --db postgres --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from jejo.core.net import free_port

COMPANY, USER, PASSWORD = "DEMO", "operator", "jejo-demo-1234"


# ---- CPU accounting from /proc --------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and all its descendants now alive."""
    total, stack, tick = 0.0, [pid], os.sysconf("SC_CLK_TCK")
    while stack:
        p = stack.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        stack += _children(p)
    return total


def machine_busy_s() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat)."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    v = [int(x) for x in parts]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def self_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


# ---- the server ------------------------------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str
    env: dict[str, str]
    log: Path = Path("server.log")


def database_for(kind: str, pg_url: str | None, folder: Path) -> tuple[str, Any]:
    """The database URL for the server, and a function that removes it afterwards."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'jejo.db'}", lambda: None
    from sqlalchemy import create_engine, text

    assert pg_url, "--postgres URL needed"
    schema = f"jejo_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in pg_url else "?"
    return f"{pg_url}{sep}options=-csearch_path%3D{schema}", drop


def jejo_cmd(*args: str) -> list[str]:
    return [sys.executable, "-c", "from jejo.cli import main; main()", *args]


def start_server(db_url: str, folder: Path, workers: int) -> Server:
    env = {
        **os.environ,
        "JEJO_DATA_DIR": str(folder),
        "JEJO_DATABASE_URL": db_url,
        "JEJO_SECRET_KEY": "bench-load",
        "JEJO_LOG_LEVEL": "WARNING",
    }
    t = time.perf_counter()
    subprocess.run(jejo_cmd("demo", "--seed-only"), env=env, check=True, capture_output=True)
    print(f"demo plant seeded in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    port = free_port()
    proc = subprocess.Popen(
        jejo_cmd("serve", "--port", str(port), "--workers", str(workers), "--no-upgrade"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "server.log").open("ab"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            stop_server(Server(proc, base, env))
            log = (folder / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the server did not start:\n{log}")
        time.sleep(0.3)
    return Server(proc, base, env, folder / "server.log")


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(30)
    except subprocess.TimeoutExpired:
        server.proc.kill()


def demo_work(db_url: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(part, station) scans in route order, round by round, and the demo's machines."""
    from sqlalchemy import select

    from jejo.core.db import make_engine
    from jejo.core.tenancy import Company
    from jejo.furniture.tables import FurniturePart
    from jejo.masterdata.tables import Equipment

    engine = make_engine(db_url)
    with engine.connect() as conn:
        cid = conn.scalar(select(Company.id).where(Company.code == COMPANY))
        parts = conn.execute(
            select(FurniturePart.code, FurniturePart.route, FurniturePart.done).where(
                FurniturePart.company_id == cid
            )
        ).all()
        machines = list(conn.scalars(select(Equipment.code).where(Equipment.company_id == cid)))
    engine.dispose()
    rounds: list[list[tuple[str, str]]] = []
    for code, route, done in parts:
        for i, station in enumerate(list(route)[len(done or []) :]):
            while len(rounds) <= i:
                rounds.append([])
            rounds[i].append((code, station))
    scans = [s for r in rounds for s in r] or [(code, next(iter(route))) for code, route, _ in parts[:100]]
    return scans, machines


# ---- the load ---------------------------------------------------------------------------------------


@dataclass
class Step:
    rate: float
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"scan": [], "event": []})
    status: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * len(s)))], 1) if s else float("nan")


class Load:
    def __init__(self, base: str, token: str, scans: list[tuple[str, str]], machines: list[str]) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.scans = scans
        self.machines = machines or ["MC-01"]
        self.i_scan = 0
        self.i_event = 0

    def next_request(self, n: int) -> tuple[str, str, dict[str, Any]]:
        if n % 2 == 0:
            part, station = self.scans[self.i_scan % len(self.scans)]
            self.i_scan += 1
            return "scan", "/api/v1/furniture/scans", {"part_id": part, "station": station}
        self.i_event += 1
        body = {
            "type": "machine.state_changed",
            "payload": {
                "equipment": self.machines[self.i_event % len(self.machines)],
                "state": ("running", "idle")[self.i_event % 2],
            },
            "idempotency_key": str(uuid.uuid4()),
            "occurred_at": datetime.now(UTC).isoformat(),
            "source": "bench-load",
        }
        return "event", "/api/v1/events", body

    async def step(self, client: httpx.AsyncClient, rate: float, seconds: float) -> Step:
        st = Step(rate, seconds)
        total = int(rate * seconds)
        t0 = time.perf_counter() + 0.05
        tasks: list[asyncio.Task[None]] = []

        async def one(kind: str, path: str, body: dict[str, Any], scheduled: float) -> None:
            try:
                r = await client.post(path, json=body, headers=self.headers)
                code = r.status_code
            except httpx.HTTPError as exc:
                st.errors.append(f"{kind}: {type(exc).__name__}")
                return
            st.status[str(code)] = st.status.get(str(code), 0) + 1
            if code >= 500:
                st.errors.append(f"{kind}: {code} {r.text[:120]}")
                return
            st.latencies[kind].append((time.perf_counter() - scheduled) * 1000)

        for n in range(total):
            at = t0 + n / rate
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            kind, path, body = self.next_request(n)
            tasks.append(asyncio.create_task(one(kind, path, body, at)))
        await asyncio.gather(*tasks)
        return st


async def login(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        r = await c.post(
            "/api/v1/auth/login", json={"company": COMPANY, "username": USER, "password": PASSWORD}
        )
        r.raise_for_status()
        return str(r.json()["access_token"])


async def ramp(
    server: Server,
    scans: list[tuple[str, str]],
    machines: list[str],
    rates: list[float],
    step_s: float,
    p99: float,
) -> list[dict[str, Any]]:
    load = Load(server.base, await login(server.base), scans, machines)
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    out: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=server.base, timeout=30, limits=limits) as client:
        await load.step(client, 5, 1.0)  # warm-up: connections, caches
        for rate in rates:
            cpu_server, cpu_self, busy = tree_cpu_s(server.proc.pid), self_cpu_s(), machine_busy_s()
            t = time.perf_counter()
            st = await load.step(client, rate, step_s)
            wall = time.perf_counter() - t
            every = st.latencies["scan"] + st.latencies["event"]
            row = {
                "rate_per_s": rate,
                "done_per_s": round(len(every) / wall, 1),
                "p50_ms": pct(every, 0.5),
                "p99_ms": pct(every, 0.99),
                "scan_p99_ms": pct(st.latencies["scan"], 0.99),
                "event_p99_ms": pct(st.latencies["event"], 0.99),
                "errors": len(st.errors),
                "first_errors": st.errors[:3],
                "status": st.status,
                "cpu_server": round((tree_cpu_s(server.proc.pid) - cpu_server) / wall, 2),
                "cpu_loadgen": round((self_cpu_s() - cpu_self) / wall, 2),
                "cpu_machine": round((machine_busy_s() - busy) / wall, 2),
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }
            out.append(row)
            print(json.dumps(row), file=sys.stderr)
            if row["p99_ms"] > p99 or len(st.errors) > 0.01 * max(1, len(every)):
                if st.errors and server.log.exists():  # what the server said about it
                    row["server_log_tail"] = server.log.read_text(errors="replace")[-1500:]
                break
    return out


def held(rows: list[dict[str, Any]], p99: float) -> dict[str, Any] | None:
    ok = [r for r in rows if r["p99_ms"] <= p99 and r["errors"] <= 0.01 * max(1, r["done_per_s"])]
    return max(ok, key=lambda r: r["rate_per_s"]) if ok else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="sqlite", help="sqlite, postgres or sqlite,postgres")
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--rates", default="5,10,20,40,80,160,320", help="requests per second, rising")
    ap.add_argument("--step-s", type=float, default=10.0)
    ap.add_argument("--p99-ms", type=float, default=100.0)
    ap.add_argument("--workers", type=int, default=1, help="API processes (jejo serve --workers)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    result: dict[str, Any] = {
        "bench": "load",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "workers": args.workers,
        "p99_limit_ms": args.p99_ms,
        "step_s": args.step_s,
        "runs": {},
    }
    for kind in args.db.split(","):
        with tempfile.TemporaryDirectory(prefix="jejo-bench-load-") as tmp:
            db_url, drop = database_for(kind, args.postgres, Path(tmp))
            try:
                server = start_server(db_url, Path(tmp), args.workers)
                try:
                    scans, machines = demo_work(db_url)
                    rows = asyncio.run(ramp(server, scans, machines, rates, args.step_s, args.p99_ms))
                finally:
                    stop_server(server)
            finally:
                drop()
        result["runs"][kind] = {"steps": rows, "held": held(rows, args.p99_ms), "scans_available": len(scans)}
    result["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
