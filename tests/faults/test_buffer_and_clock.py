"""Past a cap, and with a wrong clock.

- The bus is away long enough for the collector's disk buffer to pass its cap: the oldest batches go, and
  the loss is counted exactly (what is missing from the store is what the counter says), logged, stored
  as the collector's own status samples and shown on the machine-data status page. Nothing that was kept
  is stored twice.
- A source's clock is an hour ahead (a PLC with a wrong clock) or ten minutes behind: samples from the
  future get the collector's time (counted as ``restamped``), samples from the past keep their stamps;
  either way every sample and every machine-state change is stored exactly once, and the last value
  shown is the newest one, not one stuck in the future.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import Tenant
from tests.faults.peers import Mosquitto
from tests.faults.plant import (
    EQUIPMENT,
    Publisher,
    Sent,
    account,
    add_machine,
    count_samples,
    make_company,
    stored_samples,
    stored_state_events,
    tag_map,
    tagmap,
    wait_for,
)
from tests.web.helpers import web_login

from jejo.core.runtime import Runtime
from jejo.telemetry import health, store
from jejo.telemetry.bus import make_bus, subscribe
from jejo.telemetry.collector import Collector
from jejo.telemetry.ingest import IngestWorker


@pytest.mark.fault
@pytest.mark.broker
def test_buffer_cap_loss_is_counted_logged_and_shown(
    runtime: Runtime, tenant: Tenant, client: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cid, code = tenant.company_id, tenant.code
    add_machine(runtime, cid)
    plant, bus = Mosquitto(tmp_path / "plant"), Mosquitto(tmp_path / "bus")
    plant.start()
    bus.start()
    caplog.set_level(logging.WARNING, logger="jejo.telemetry.buffer")

    async def main() -> dict[str, Any]:
        tm = tagmap(tag_map(code, plant.url))
        worker = IngestWorker(runtime, tm.by_tag(), rollup_every_s=-1)
        stop_w, stop_c = asyncio.Event(), asyncio.Event()
        w_task = asyncio.create_task(
            subscribe(bus.url, worker.handle, group=f"g-{code}", worker_id=f"w-{code}", stop=stop_w)
        )
        await asyncio.sleep(0.5)
        col = Collector(
            tm,
            make_bus(bus.url, client_id=f"pub-{code}"),
            tmp_path / "buf.db",
            flush_ms=50,
            batch_max=45,
            max_buffer_bytes=40_000,
            retry_cap_s=0.5,
            name="line1",
            health_every_s=60,  # one status report now, the next as it stops: none dropped in between
        )
        c_task = asyncio.create_task(col.run(stop_c))
        assert await wait_for(lambda: col.health["plant"].connected, 10)
        await asyncio.to_thread(bus.kill)  # the bus is away for the whole burst
        pub = Publisher(plant.url, code)
        await pub.run(500, rate_hz=250)
        await wait_for(lambda: col.health["plant"].samples >= len(pub.sent.samples), 20)
        await asyncio.sleep(0.3)
        dropped = col.buffer.dropped_samples
        await asyncio.to_thread(bus.start)
        await wait_for(
            lambda: count_samples(runtime, cid) + col.buffer.dropped_samples >= len(pub.sent.samples), 60
        )
        await asyncio.sleep(0.5)
        stop_c.set()
        await c_task  # its last status samples go out as it stops
        await col.bus.close()
        await wait_for(
            lambda: bool(_health(runtime, cid)) and _health(runtime, cid)[0].dropped == dropped, 10
        )
        stop_w.set()
        await w_task
        stored = stored_samples(runtime, cid)
        kept = {(ts, v) for tag, ts, v in stored if tag == f"{EQUIPMENT}.state"}
        stored_keys = {(t, ts) for t, ts, _ in stored}
        sent_kept = Sent(
            [r for r in pub.sent.samples if (r[0], r[1]) in stored_keys],
            [st for st in pub.sent.states if st in kept],
        )
        res = account(
            "disk buffer past its cap (bus away)",
            pub.sent,
            stored,
            dropped_counted=col.buffer.dropped_samples,
            buffer_cap_bytes=col.buffer.max_bytes,
        )
        res |= {"kept": account("  … of what was kept", sent_kept, stored, stored_state_events(runtime, cid))}
        return res

    try:
        res = asyncio.run(main())
    finally:
        bus.stop()
        plant.stop()
    assert res["dropped_counted"] > 0, res
    assert res["lost"] == res["dropped_counted"], res  # the counter is the loss, exactly
    assert res["duplicates"] == res["unexpected"] == 0, res
    kept = res["kept"]
    assert kept["lost"] == kept["duplicates"] == kept["unexpected"] == 0, kept
    assert kept["events_lost"] == kept["events_duplicates"] == kept["events_unexpected"] == 0, kept
    assert any("dropped the" in r.getMessage() for r in caplog.records)  # logged
    (line1,) = _health(runtime, cid)
    assert line1.name == "line1" and line1.dropped == res["dropped_counted"]
    web_login(client, tenant)
    page = client.get("/machine-data/status")
    assert page.status_code == 200
    assert 'id="data-loss"' in page.text and f'data-lost="{res["dropped_counted"]}"' in page.text


def _health(runtime: Runtime, cid: int) -> list[health.CollectorHealth]:
    with runtime.transaction() as s:
        return health.collectors(s, cid)


@pytest.mark.fault
@pytest.mark.broker
@pytest.mark.parametrize("offset_s", [3600, -600], ids=["ahead-1h", "behind-10min"])
def test_skewed_source_clock(runtime: Runtime, tmp_path: Path, offset_s: int) -> None:
    cid, code = make_company(runtime)
    plant, bus = Mosquitto(tmp_path / "plant"), Mosquitto(tmp_path / "bus")
    plant.start()
    bus.start()

    async def main() -> tuple[dict[str, Any], Any, Publisher, Collector, float, float]:
        tm = tagmap(tag_map(code, plant.url))
        worker = IngestWorker(runtime, tm.by_tag(), rollup_every_s=-1)
        stop_w, stop_c = asyncio.Event(), asyncio.Event()
        w_task = asyncio.create_task(
            subscribe(bus.url, worker.handle, group=f"g-{code}", worker_id=f"w-{code}", stop=stop_w)
        )
        await asyncio.sleep(0.5)
        col = Collector(
            tm,
            make_bus(bus.url, client_id=f"pub-{code}"),
            tmp_path / "buf.db",
            flush_ms=50,
            batch_max=200,
            name="line1",
            max_skew_s=60,
            health_every_s=0.5,
        )
        c_task = asyncio.create_task(col.run(stop_c))
        assert await wait_for(lambda: col.health["plant"].connected, 10)
        t_start = time.time()
        pub = Publisher(plant.url, code, t0_ms=int(t_start * 1000) - 40_000)
        await pub.run(300, rate_hz=60, clock=lambda k: offset_s * 1000)
        await wait_for(lambda: count_samples(runtime, cid) >= len(pub.sent.samples), 30)
        t_end = time.time()
        await asyncio.sleep(0.3)
        stop_c.set()
        await c_task
        await col.bus.close()
        stop_w.set()
        await w_task
        stored = stored_samples(runtime, cid)
        with runtime.transaction() as s:
            last = store.last_values(s, cid, ["F.a0"])["F.a0"]
        ahead = offset_s > 0
        # an hour ahead, times are the collector's: compare each tag's n-th sample (time order) instead
        res = account(
            f"source clock {offset_s:+d} s",
            Sent(_ranked(pub.sent.samples)) if ahead else pub.sent,
            _ranked(stored) if ahead else stored,
            restamped=col.restamped,
        )
        return res, (stored, last, stored_state_events(runtime, cid)), pub, col, t_start, t_end

    try:
        res, (stored, last, events), pub, _col, t_start, t_end = asyncio.run(main())
    finally:
        bus.stop()
        plant.stop()
    assert res["lost"] == res["duplicates"] == res["unexpected"] == 0 and res["digest_match"], res
    n = len(pub.sent.samples)
    # the newest value is the one shown, and it is not in the future
    assert last.value == max(v for t, _, v in pub.sent.samples if t == "F.a0")
    assert last.ts.timestamp() <= t_end + 1
    states_in_order = [st for _, st in sorted((ts, st) for t, ts, st in stored if t == f"{EQUIPMENT}.state")]
    want = Sent(states=list(enumerate(st for _, st in sorted(pub.sent.states)))).transitions()
    have = [st for _, st in sorted(events)]
    assert states_in_order == [st for _, st in sorted(pub.sent.states)]
    assert have == [st for _, st in want], (have, want)
    if offset_s > 0:
        assert res["restamped"] == n  # every sample came from the future
        assert all(t_start - 1 <= ts / 1000 <= t_end + 1 for _, ts, _ in stored)
    else:
        assert res["restamped"] == 0
        assert sorted(events) == pub.sent.transitions()


def _ranked(rows: list[tuple[str, int, Any]]) -> list[tuple[str, int, Any]]:
    """(tag, n, value): the n-th sample of each tag in time order."""
    out: list[tuple[str, int, Any]] = []
    seen: dict[str, int] = {}
    for tag, _ts, v in sorted(rows, key=lambda r: (r[0], r[1])):
        seen[tag] = seen.get(tag, -1) + 1
        out.append((tag, seen[tag], v))
    return out
