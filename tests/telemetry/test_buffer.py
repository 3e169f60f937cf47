"""The disk buffer keeps batches in order across restarts and honours its size cap."""

from __future__ import annotations

from pathlib import Path

from jejo.telemetry.buffer import DiskBuffer
from jejo.telemetry.model import Sample


def test_fifo_ack_and_restart(tmp_path: Path) -> None:
    b = DiskBuffer(tmp_path / "buf.db")
    for i in range(5):
        b.put([Sample("t", i * 10 + j, float(j)) for j in range(3)])
    first = b.peek(2)
    assert [s.ts_ms for s in first[0][1]] == [0, 1, 2]
    b.ack(first[1][0])
    assert b.pending_batches == 3 and b.pending_samples == 9
    b.close()
    again = DiskBuffer(tmp_path / "buf.db")
    assert again.pending_samples == 9
    assert [s.ts_ms for _, batch in again.peek(10) for s in batch] == [20, 21, 22, 30, 31, 32, 40, 41, 42]


def test_size_cap_drops_oldest_and_counts(tmp_path: Path) -> None:
    b = DiskBuffer(tmp_path / "buf.db", max_bytes=2000)
    for i in range(50):
        b.put([Sample("tag-with-a-name", i, 1.0)] * 5)
    assert b.size_bytes <= 2000
    assert b.dropped_samples > 0
    assert b.dropped_samples + b.pending_samples == 250
    assert b.peek(1)[0][1][0].ts_ms == 50 - b.pending_batches


def test_collector_holds_batches_while_the_store_is_away(tmp_path: Path) -> None:
    """On the in-process bus a failing store pushes back: batches wait on disk, then drain in order."""
    import asyncio

    from jejo.telemetry.bus import Batch, MemoryBus
    from jejo.telemetry.collector import Collector
    from jejo.telemetry.model import TagMap

    got: list[Sample] = []
    down = {"left": 5}

    async def store(batch: Batch) -> None:
        if down["left"] > 0:
            down["left"] -= 1
            raise ConnectionError("database is away")
        got.extend(batch.samples)

    async def main() -> Collector:
        bus = MemoryBus()
        bus.subscribe(store)
        col = Collector(
            TagMap(company="X"), bus, tmp_path / "c.db", batch_max=10, flush_ms=10, retry_cap_s=0.1
        )
        stop = asyncio.Event()
        task = asyncio.create_task(col.run(stop))
        for i in range(100):
            col.emit([Sample("t", i, float(i))])
            await asyncio.sleep(0)
        for _ in range(200):
            await asyncio.sleep(0.05)
            if len(got) >= 100:
                break
        stop.set()
        await task
        return col

    col = asyncio.run(main())
    assert col.bus_errors == 5
    assert [s.ts_ms for s in got] == list(range(100))
    assert col.buffer.pending_samples == 0


def test_collector_keeps_blocks_and_lists_in_the_order_emitted(tmp_path: Path) -> None:
    """Connectors hand over column blocks (Sparkplug floats) or lists of samples; a flush joins them in
    order into disk-buffer batches of at most ``batch_max``."""
    from jejo.telemetry.block import SampleBlock
    from jejo.telemetry.bus import MemoryBus
    from jejo.telemetry.collector import Collector
    from jejo.telemetry.model import TagMap

    col = Collector(TagMap(company="X"), MemoryBus(), tmp_path / "c.db", batch_max=7)
    emitted: list[Sample] = []
    for i in range(6):
        part = [Sample(f"t{j % 3}", 10 * i + j, float(j) if i % 2 else "on") for j in range(i + 2)]
        col.emit(SampleBlock.of(part) if i % 2 else part)
        emitted += part
    col.flush()
    batches = [batch for _, batch in col.buffer.peek(100)]
    assert all(len(b) <= 7 for b in batches)
    assert [s for b in batches for s in b] == emitted
