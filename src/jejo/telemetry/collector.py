"""The collector: runs one connector per source of a tag map, applies deadbands, writes every batch to
its disk buffer first and forwards the buffer to the bus in order, acknowledging only what the bus took.

Nothing is lost while the bus (or, on the in-process bus, the database) is away: batches wait on disk
(size-capped) and drain when it returns. Nothing is doubled: the store ignores a (tag, time) it holds.

What cannot be kept is counted, logged and stored as the collector's own samples (system tags
``_collector.<name>.<counter>``, shown on the machine-data status page): samples the buffer's cap
dropped (``dropped_by_cap``) and, when ``max_skew_s`` is set, samples whose source clock ran ahead of the
collector's by more than that (``restamped``: kept, with the collector's time instead of an impossible
future one; leave it unset for a simulator that runs faster than real time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from jejo.telemetry.block import SampleBlock
from jejo.telemetry.buffer import DiskBuffer, decode_batch
from jejo.telemetry.bus import Batch, Bus, encode_parts
from jejo.telemetry.connectors import Backoff, Health
from jejo.telemetry.model import ModbusSource, MqttSource, OpcUaSource, Role, Sample, Source, Tag, TagMap

log = logging.getLogger(__name__)

Runner = Callable[
    [Source, list[Tag], Callable[[Sequence[Sample]], None], Health, asyncio.Event], Coroutine[Any, Any, None]
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
        name: str | None = None,
        max_skew_s: float | None = None,
        health_every_s: float = 0.0,
        forward_merge: int = 8,
        forward_max_samples: int = 10_000,
    ) -> None:
        self.tag_map = tag_map
        self.max_skew_ms = int(max_skew_s * 1000) if max_skew_s else None
        self.health_every_s = health_every_s
        self.retry_cap_s = retry_cap_s
        self.bus = bus
        self.buffer = DiskBuffer(buffer_path, max_bytes=max_buffer_bytes)
        self.batch_max = batch_max
        # on a bus that takes encoded batches, up to this many waiting buffer batches (and samples) go
        # as one message: its number is the last one's, it follows what was forwarded before the first
        self.forward_merge = max(1, forward_merge)
        self.forward_max_samples = forward_max_samples
        self.flush_ms = flush_ms
        self.health: dict[str, Health] = {s.name: Health(s.name) for s in tag_map.sources}
        self.forwarded = 0
        self.bus_errors = 0
        self.bus_error: str | None = None
        self._pending: list[Sequence[Sample]] = []  # what connectors emitted since the last flush
        self._pending_n = 0
        self._last: dict[str, float | str | None] = {}
        self._tags = tag_map.by_tag()
        self._deadbands = any(t.deadband > 0 and t.role is Role.ANALOG for t in self._tags.values())
        self._wake = asyncio.Event()
        self._after_flush: list[Callable[[], None]] = []
        self.name = name or self.buffer.path.stem
        self.restamped = self.buffer.counter("restamped")
        self._last_ts: dict[str, int] = {}
        self._skew_logged: set[str] = set()

    def emit(self, samples: Sequence[Sample]) -> None:
        """Connectors call this; analog values inside the tag's deadband are dropped; a sample stamped
        further ahead of this machine's clock than ``max_skew_s`` gets this machine's time."""
        if self.max_skew_ms is None and not self._deadbands:  # nothing to check: take them as they are
            self._take(samples)
            return
        now = int(time.time() * 1000)
        skewed = 0
        kept: list[Sample] = []
        for s in samples:
            if self.max_skew_ms is not None and s.ts_ms > now + self.max_skew_ms:
                if s.tag not in self._skew_logged:
                    self._skew_logged.add(s.tag)
                    log.warning(
                        "source clock of %s is %.1f s ahead; its samples get the collector's time",
                        s.tag,
                        (s.ts_ms - now) / 1000,
                    )
                s = Sample(s.tag, max(now, self._last_ts.get(s.tag, 0) + 1), s.value)
                skewed += 1
            self._last_ts[s.tag] = s.ts_ms
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
            kept.append(s)
        if skewed:
            self.restamped = self.buffer.count("restamped", skewed)
        self._take(kept)

    def _take(self, samples: Sequence[Sample]) -> None:
        """Hold samples for the next flush (a connector's block stays a block: no object per sample)."""
        if samples:  # a list is copied: the connector may use it again
            self._pending.append(samples if isinstance(samples, SampleBlock) else list(samples))
            self._pending_n += len(samples)
            if self._pending_n >= self.batch_max:
                self.flush()

    def health_samples(self) -> list[Sample]:
        """The collector's own counters as samples of its system tags (stored like any other)."""
        now = max(int(time.time() * 1000), self._last_ts.get("_health", 0) + 1)
        self._last_ts["_health"] = now
        prefix = f"_collector.{self.name}"
        return [
            Sample(f"{prefix}.dropped_by_cap", now, float(self.buffer.dropped_samples)),
            Sample(f"{prefix}.restamped", now, float(self.restamped)),
            Sample(f"{prefix}.buffered", now, float(self.buffer.pending_samples)),
            Sample(f"{prefix}.forwarded", now, float(self.forwarded)),
        ]

    async def _reporter(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._take(self.health_samples())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.health_every_s)

    def flush(self) -> None:
        pieces, self._pending, self._pending_n = self._pending, [], 0
        if pieces:
            held = SampleBlock.concat([SampleBlock.of(p) for p in pieces])
            for start in range(0, len(held), self.batch_max):
                self.buffer.put(held.part(start, start + self.batch_max))
        done, self._after_flush = self._after_flush, []
        for callback in done:  # what emitted them may now let go (e.g. acknowledge its MQTT message)
            callback()
        self._wake.set()

    def after_flush(self, callback: Callable[[], None], *, max_waiting: int = 16) -> None:
        """Call ``callback`` once what has been emitted so far is in the disk buffer. More than
        ``max_waiting`` waiting callbacks flush at once (a broker lets only so many messages wait for
        their acknowledgement)."""
        self._after_flush.append(callback)
        if len(self._after_flush) >= max_waiting:
            self.flush()

    async def _flusher(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.flush_ms / 1000)
            self.flush()

    async def _forwarder(self, stop: asyncio.Event) -> None:
        backoff = Backoff(min(0.2, self.retry_cap_s), self.retry_cap_s)
        last_id = self.buffer.counter("forwarded_id")  # what the next batch follows in this stream
        # a bus that takes encoded batches gets the buffer's bodies as they are (no decode, no encode)
        publish_encoded = getattr(self.bus, "publish_encoded", None)
        company = self.tag_map.company
        while True:
            raw = self.buffer.peek_raw(self.forward_merge if publish_encoded is not None else 1)
            if not raw:
                if stop.is_set():
                    return
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                continue
            bid, n, body = raw[0]
            bodies = [body]
            for next_id, next_n, next_body in raw[1:]:  # a backlog: the waiting batches go as one message
                if n + next_n > self.forward_max_samples:
                    break
                bid, n = next_id, n + next_n
                bodies.append(next_body)
            try:
                if publish_encoded is not None:
                    await publish_encoded(
                        company, encode_parts(company, bodies, self.name, bid, last_id, self.buffer.epoch)
                    )
                else:
                    samples = decode_batch(body)
                    await self.bus.publish(
                        Batch(company, samples, self.name, bid, last_id, self.buffer.epoch)
                    )
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
            self.buffer.set_counter("forwarded_id", bid)
            last_id = bid
            self.buffer.ack(bid)
            self.forwarded += n

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
        reporter = asyncio.create_task(self._reporter(conn_stop)) if self.health_every_s > 0 else None
        await stop.wait()
        conn_stop.set()
        await asyncio.gather(*tasks, flusher, *([reporter] if reporter else []), return_exceptions=True)
        if reporter is not None:
            self._take(self.health_samples())
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
            "restamped": self.restamped,
            "bus_error": self.bus_error,
        }
