"""The collector: runs one connector per source of a tag map, applies deadbands, writes every batch to
its disk buffer first and forwards the buffer to the bus in order, acknowledging only what the bus took.

Nothing is lost while the bus (or, on the in-process bus, the database) is away: batches wait on disk
(size-capped) and drain when it returns. Nothing is doubled: the store ignores a (tag, time) it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from jejo.telemetry.buffer import DiskBuffer
from jejo.telemetry.bus import Batch, Bus
from jejo.telemetry.connectors import Backoff, Health
from jejo.telemetry.model import ModbusSource, MqttSource, OpcUaSource, Role, Sample, Source, Tag, TagMap

log = logging.getLogger(__name__)

Runner = Callable[
    [Source, list[Tag], Callable[[list[Sample]], None], Health, asyncio.Event], Coroutine[Any, Any, None]
]


def _runner(source: Source) -> Runner:
    if isinstance(source, OpcUaSource):
        from jejo.telemetry.connectors.opcua import run_opcua

        return run_opcua  # type: ignore[return-value]
    if isinstance(source, ModbusSource):
        from jejo.telemetry.connectors.modbus import run_modbus

        return run_modbus  # type: ignore[return-value]
    if isinstance(source, MqttSource):
        from jejo.telemetry.connectors.mqtt import run_mqtt

        return run_mqtt  # type: ignore[return-value]
    raise TypeError(source)


class Collector:
    def __init__(
        self,
        tag_map: TagMap,
        bus: Bus,
        buffer_path: str | Path,
        *,
        batch_max: int = 1000,
        flush_ms: int = 200,
        max_buffer_bytes: int = 256 * 1024 * 1024,
        retry_cap_s: float = 10.0,
    ) -> None:
        self.tag_map = tag_map
        self.retry_cap_s = retry_cap_s
        self.bus = bus
        self.buffer = DiskBuffer(buffer_path, max_bytes=max_buffer_bytes)
        self.batch_max = batch_max
        self.flush_ms = flush_ms
        self.health: dict[str, Health] = {s.name: Health(s.name) for s in tag_map.sources}
        self.forwarded = 0
        self.bus_errors = 0
        self.bus_error: str | None = None
        self._pending: list[Sample] = []
        self._last: dict[str, float | str | None] = {}
        self._tags = tag_map.by_tag()
        self._wake = asyncio.Event()

    def emit(self, samples: list[Sample]) -> None:
        """Connectors call this; analog values inside the tag's deadband are dropped."""
        for s in samples:
            t = self._tags.get(s.tag)
            if t is not None and t.deadband > 0 and t.role is Role.ANALOG:
                prev = self._last.get(s.tag)
                if (
                    isinstance(prev, float)
                    and isinstance(s.value, float)
                    and abs(s.value - prev) < t.deadband
                ):
                    continue
            self._last[s.tag] = s.value
            self._pending.append(s)
        if len(self._pending) >= self.batch_max:
            self.flush()

    def flush(self) -> None:
        while self._pending:
            chunk, self._pending = self._pending[: self.batch_max], self._pending[self.batch_max :]
            self.buffer.put(chunk)
        self._wake.set()

    async def _flusher(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.flush_ms / 1000)
            self.flush()

    async def _forwarder(self, stop: asyncio.Event) -> None:
        backoff = Backoff(min(0.2, self.retry_cap_s), self.retry_cap_s)
        while True:
            batches = self.buffer.peek(1)
            if not batches:
                if stop.is_set():
                    return
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                continue
            bid, samples = batches[0]
            try:
                await self.bus.publish(Batch(self.tag_map.company, samples))
            except Exception as exc:  # bus or store away: keep it on disk and try again
                self.bus_errors += 1
                self.bus_error = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
                log.warning(
                    "forwarding held (%s); %d samples buffered", self.bus_error, self.buffer.pending_samples
                )
                if stop.is_set():
                    return
                await backoff.wait(stop)
                continue
            backoff.reset()
            self.bus_error = None
            self.buffer.ack(bid)
            self.forwarded += len(samples)

    async def run(self, stop: asyncio.Event, *, drain_timeout_s: float = 5.0) -> None:
        """Run every source until ``stop``; then flush and try to drain the buffer for a moment."""
        conn_stop = asyncio.Event()
        fwd_stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = [
            asyncio.create_task(
                _runner(s)(s, self.tag_map.tags_of(s.name), self.emit, self.health[s.name], conn_stop),
                name=f"source:{s.name}",
            )
            for s in self.tag_map.sources
        ]
        flusher = asyncio.create_task(self._flusher(conn_stop))
        forwarder = asyncio.create_task(self._forwarder(fwd_stop))
        await stop.wait()
        conn_stop.set()
        await asyncio.gather(*tasks, flusher, return_exceptions=True)
        self.flush()
        fwd_stop.set()
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(forwarder, drain_timeout_s)

    def status(self) -> dict[str, object]:
        return {
            "sources": {k: vars(v) for k, v in self.health.items()},
            "buffered": self.buffer.pending_samples,
            "forwarded": self.forwarded,
            "dropped_by_cap": self.buffer.dropped_samples,
            "bus_error": self.bus_error,
        }
