"""Operator-terminal actions under N concurrent terminals: latency percentiles over HTTP.

Each simulated terminal logs in with its own operator, then works through its own work orders at its own
work center the way the terminal page does: every press is ``POST /api/v1/events`` (session cookie,
``X-Requested-With``, a fresh idempotency key), followed by the refresh of the queue and panel
(``GET /terminal/<wc>/body``) after a start, pause, resume or complete (the page counts good and scrap
itself). A cycle is start, 8 × good, scrap with a reason, pause, resume, complete.
Between presses a terminal waits a random think time (``--think``, seconds; 0 = as fast as it can).

The server is a separate uvicorn process (one worker, SQLite in a temporary folder, the way ``jejo demo``
runs); the clients share one asyncio loop in this process. The baseline, in the same run: ``GET /healthz``
(no database, no template) every 0.5 s to the same server.

    uv run python bench/web.py --terminals 50 --duration 60 [--think 0.5:1.5] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from jejo.core.net import free_port

HEADERS = {"X-Requested-With": "jejo-terminal", "Accept": "application/json"}
PASSWORD = "bench-pass-1"
GOOD_PER_CYCLE = 8


def make_plant(data_dir: Path, terminals: int, orders_each: int) -> None:
    """One company, a work center with a machine and an operator per terminal, released work orders."""
    os.environ["JEJO_DATA_DIR"] = str(data_dir)
    from jejo.core.runtime import Runtime
    from jejo.core.settings import Settings
    from jejo.execution import service as ex
    from jejo.masterdata import schemas, users
    from jejo.masterdata import service as md

    rt = Runtime(Settings(data_dir=data_dir, secret_key="bench-web"))
    rt.upgrade()
    due = datetime.now(UTC).date() + timedelta(days=3)
    with rt.transaction() as s:
        cid = users.create_company(s, "BENCH", "벤치 공장").id
        md.upsert_many(s, cid, "sites", [{"code": "S", "name": "공장"}])
        md.upsert_many(s, cid, "areas", [{"code": "A", "name": "가공동", "site": "S"}])
        md.upsert_many(s, cid, "lines", [{"code": "L", "name": "라인", "area": "A"}])
        md.upsert_many(
            s,
            cid,
            "work_centers",
            [{"code": f"W{i}", "name": f"작업장 {i}", "line": "L"} for i in range(terminals)],
        )
        md.upsert_many(
            s,
            cid,
            "equipment",
            [{"code": f"M{i}", "name": f"설비 {i}", "work_center": f"W{i}"} for i in range(terminals)],
        )
        md.upsert_many(
            s,
            cid,
            "items",
            [{"code": f"P{i}", "name": f"부품 {i}", "kind": "finished"} for i in range(terminals)],
        )
        md.upsert_many(
            s,
            cid,
            "reason_codes",
            [
                {"code": "SC-CHIP", "name": "모서리 깨짐", "category": "scrap"},
                {"code": "SC-DIM", "name": "치수 불량", "category": "scrap"},
                {"code": "DT-BREAK", "name": "고장", "category": "downtime"},
            ],
        )
        for i in range(terminals):
            md.save_routing(
                s,
                cid,
                schemas.RoutingIn(
                    item=f"P{i}",
                    operations=[
                        schemas.RoutingOperationIn(seq=10, name="가공", work_center=f"W{i}", cycle_time_s=30)
                    ],
                ),
            )
            users.create_user(s, cid, f"op{i}", PASSWORD, ["operator"], f"작업자 {i}")
            for k in range(orders_each):
                code = f"WO-{i}-{k}"
                ex.create_work_order(
                    s, cid, ex.WorkOrderIn(code=code, item=f"P{i}", quantity=100, due_date=due), "bench"
                )
                ex.command_work_order(s, cid, code, "release", "bench")
    rt.engine.dispose()


def cycle(wo: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The presses of one operation, as (action name, event type, payload)."""
    presses = [("start", "operation.started", {"seq": 10})]
    presses += [("good", "quantity.reported", {"seq": 10, "good": 1})] * GOOD_PER_CYCLE
    presses += [
        ("scrap", "quantity.reported", {"seq": 10, "scrap": 1, "reason_code": "SC-CHIP"}),
        ("pause", "operation.paused", {"seq": 10}),
        ("resume", "operation.resumed", {"seq": 10}),
        ("complete", "operation.completed", {"seq": 10}),
    ]
    return presses


async def login(base: str, i: int) -> httpx.AsyncClient:
    """A terminal's HTTP client with operator ``op<i>``'s session cookie (logins happen before the clock)."""
    client = httpx.AsyncClient(base_url=base, timeout=30)
    r = await client.post("/login", data={"company": "BENCH", "username": f"op{i}", "password": PASSWORD})
    if r.status_code not in (200, 303):
        raise RuntimeError(f"login op{i}: {r.status_code}")
    return client


async def terminal(
    client: httpx.AsyncClient,
    i: int,
    orders_each: int,
    until: float,
    think: tuple[float, float],
    out: dict[str, list[float]],
    errors: list[str],
) -> None:
    rnd = random.Random(i)
    async with contextlib.aclosing(client):
        for k in range(orders_each):
            wo = f"WO-{i}-{k}"
            for _name, type_, payload in cycle(wo):
                if time.monotonic() >= until:
                    return
                if think[1] > 0:
                    await asyncio.sleep(rnd.uniform(*think))
                event = {
                    "type": type_,
                    "work_order": wo,
                    "payload": {**payload, "equipment": f"M{i}"} if type_ != "operation.paused" else payload,
                    "idempotency_key": str(uuid.uuid4()),
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "source": f"terminal:W{i}",
                }
                t0 = time.perf_counter()
                try:
                    r = await client.post("/api/v1/events", json=event, headers=HEADERS)
                except httpx.HTTPError as exc:
                    errors.append(f"{type_} {wo}: {exc!r}")
                    continue
                t1 = time.perf_counter()
                if r.status_code != 201:
                    errors.append(f"{type_} {wo}: {r.status_code} {r.text[:200]}")
                    continue
                out["action"].append((t1 - t0) * 1000)
                if type_ == "quantity.reported":  # the page counts on its own; statuses re-read the queue
                    continue
                try:
                    r = await client.get(
                        f"/terminal/W{i}/body", params={"wo": wo, "seq": 10}, headers={"HX-Request": "true"}
                    )
                except httpx.HTTPError as exc:
                    errors.append(f"body W{i}: {exc!r}")
                    continue
                out["refresh"].append((time.perf_counter() - t1) * 1000)
                if r.status_code != 200:
                    errors.append(f"body W{i}: {r.status_code}")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


async def run(
    base: str, terminals: int, orders_each: int, duration: float, think: tuple[float, float]
) -> dict[str, Any]:
    out: dict[str, list[float]] = {"action": [], "refresh": []}
    errors: list[str] = []
    clients = [await login(base, i) for i in range(terminals)]
    out["baseline_healthz"] = []
    t0 = time.monotonic()
    until = t0 + duration

    async def probe() -> None:
        """The baseline: an empty request every 0.5 s to the same server under the same load."""
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            while time.monotonic() < until:
                t = time.perf_counter()
                await client.get("/healthz")
                out["baseline_healthz"].append((time.perf_counter() - t) * 1000)
                await asyncio.sleep(0.5)

    await asyncio.gather(
        probe(), *(terminal(clients[i], i, orders_each, until, think, out, errors) for i in range(terminals))
    )
    wall = time.monotonic() - t0
    summary: dict[str, Any] = {"wall_s": round(wall, 1), "errors": len(errors), "first_errors": errors[:5]}
    for key, values in out.items():
        summary[key] = {
            "n": len(values),
            "per_s": round(len(values) / wall, 1),
            "p50_ms": round(pct(values, 0.50), 1),
            "p95_ms": round(pct(values, 0.95), 1),
            "p99_ms": round(pct(values, 0.99), 1),
            "max_ms": round(max(values), 1) if values else None,
        }
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--terminals", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--orders", type=int, default=20, help="work orders per terminal")
    parser.add_argument("--think", default="2:8", help="think time between presses, min:max seconds")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    lo, hi = (float(x) for x in args.think.split(":"))
    with tempfile.TemporaryDirectory(prefix="jejo-bench-web-") as tmp:
        data = Path(tmp)
        t = time.perf_counter()
        make_plant(data, args.terminals, args.orders)
        print(f"plant ready in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        port = free_port()
        env = {**os.environ, "JEJO_DATA_DIR": str(data), "JEJO_SECRET_KEY": "bench-web"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "jejo.api.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--timeout-keep-alive",
                "75",  # browsers keep connections open for a while; uvicorn's default is 5 s
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
            summary = asyncio.run(run(base, args.terminals, args.orders, args.duration, (lo, hi)))
        finally:
            server.terminate()
            server.wait(timeout=20)
    result = {
        "bench": "web",
        "terminals": args.terminals,
        "think_s": [lo, hi],
        "duration_s": args.duration,
        "database": "sqlite",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        **summary,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if not summary["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
