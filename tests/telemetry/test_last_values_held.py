"""A worker with ``last_every_s`` > 0 stores every sample at once and holds last values back: they are
written with the first batch after the interval, on a timer when no batch comes, and when it stops. A
held value never overwrites a newer stored one, and a batch that fails leaves nothing held."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from jejo.core.runtime import Runtime
from jejo.telemetry import store
from jejo.telemetry.bus import Batch
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import Sample
from jejo.telemetry.rollup import dt_to_ms, ms_to_dt

T0 = dt_to_ms(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))


def _batch(code: str, k: int, n_tags: int = 3) -> Batch:
    """Reading ``k`` of every tag: tag i has value 100·k + i at T0 + k seconds."""
    return Batch(code, [Sample(f"L.t{i}", T0 + k * 1000, float(100 * k + i)) for i in range(n_tags)])


def _last(runtime: Runtime, cid: int) -> dict[str, tuple[int, float]]:
    with runtime.transaction() as s:
        return {c: (dt_to_ms(p.ts), float(p.value)) for c, p in store.last_values(s, cid).items()}  # type: ignore[arg-type]


def _stored(runtime: Runtime, cid: int, tag: str) -> int:
    with runtime.transaction() as s:
        return len(store.raw_range(s, cid, tag, ms_to_dt(T0 - 1), ms_to_dt(T0 + 3_600_000)))


def test_held_last_values_are_written_with_a_later_batch_and_on_stop(
    runtime: Runtime, company: tuple[int, str]
) -> None:
    cid, code = company
    w = IngestWorker(runtime, machine_events=False, rollup_every_s=-1, last_every_s=3600)
    assert w.write(_batch(code, 1)) == 3
    assert w.write(_batch(code, 2)) == 3
    assert _stored(runtime, cid, "L.t0") == 2  # samples are never held back
    assert _last(runtime, cid) == {}  # the first write after start waits for the interval too
    w._last_written -= 3600  # the interval has passed: the next batch writes what is held, and its own
    assert w.write(_batch(code, 3)) == 3
    assert _last(runtime, cid) == {f"L.t{i}": (T0 + 3000, 300.0 + i) for i in range(3)}
    assert w.write(_batch(code, 5)) == 3
    assert w.write(_batch(code, 4)) == 3  # late: older than what is held
    assert _last(runtime, cid)["L.t1"] == (T0 + 3000, 301.0)
    w.flush_last()  # as a worker does when it stops
    assert _last(runtime, cid) == {f"L.t{i}": (T0 + 5000, 500.0 + i) for i in range(3)}
    w.flush_last()  # nothing held: nothing to do


def test_a_held_value_never_overwrites_a_newer_stored_one(runtime: Runtime, company: tuple[int, str]) -> None:
    cid, code = company
    now = IngestWorker(runtime, machine_events=False, rollup_every_s=-1)  # writes with every batch
    held = IngestWorker(runtime, machine_events=False, rollup_every_s=-1, last_every_s=3600)
    assert held.write(_batch(code, 1)) == 3
    assert now.write(_batch(code, 2)) == 3
    held.flush_last()
    assert _last(runtime, cid) == {f"L.t{i}": (T0 + 2000, 200.0 + i) for i in range(3)}


def test_held_values_are_written_on_a_timer_when_no_batch_comes(
    runtime: Runtime, company: tuple[int, str]
) -> None:
    cid, code = company
    w = IngestWorker(runtime, machine_events=False, rollup_every_s=-1, last_every_s=0.3)
    w._last_written = time.monotonic()
    assert w.write(_batch(code, 1)) == 3
    deadline = time.monotonic() + 10
    while _last(runtime, cid) == {} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _last(runtime, cid) == {f"L.t{i}": (T0 + 1000, 100.0 + i) for i in range(3)}
    assert w._pending_last == {}


def test_a_failed_batch_leaves_nothing_held(
    runtime: Runtime, company: tuple[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cid, code = company
    w = IngestWorker(runtime, machine_events=False, rollup_every_s=-1, last_every_s=3600)

    def database_away(*_a: object, **_k: object) -> int:
        raise ConnectionError("database away")

    with monkeypatch.context() as m:
        m.setattr(store, "write_samples", database_away)
        with pytest.raises(ConnectionError):
            w.write(_batch(code, 7))
    assert w._pending_last == {} and w.stats.failures == 1
    assert w.write(_batch(code, 1)) == 3
    w.flush_last()
    assert _last(runtime, cid) == {f"L.t{i}": (T0 + 1000, 100.0 + i) for i in range(3)}
