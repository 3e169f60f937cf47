"""Ingest: batches from the bus → time-series store (+ last values, rollups) and machine events.

A batch is written in one transaction; if the database is away the call raises, and the batch stays
with whoever holds it (the collector's disk buffer on the in-process bus, the worker's retry loop on
MQTT). Writing a batch again is harmless: samples and events are idempotent.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import NotFound
from jejo.core.runtime import Runtime
from jejo.core.tenancy import Company
from jejo.telemetry import store
from jejo.telemetry.block import SampleBlock
from jejo.telemetry.bus import Batch
from jejo.telemetry.machine import event_tags, process_machine_samples
from jejo.telemetry.model import Tag
from jejo.telemetry.rollup import ms_to_dt
from jejo.telemetry.tables import MachineCursor

log = logging.getLogger(__name__)


@dataclass
class IngestStats:
    batches: int = 0
    writes: int = 0  # transactions (several batches go in one when they wait together)
    received: int = 0
    stored: int = 0
    state_events: int = 0
    quantity_events: int = 0
    rejected_events: int = 0
    rejected_messages: int = 0  # bus messages that could not be read (kept in files, see reject)
    failures: int = 0
    order_waits: int = 0
    order_gaps: int = 0
    last_error: str | None = None
    problems: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


class IngestWorker:
    """Stateless apart from caches: any number of these may run against the same database."""

    def __init__(
        self,
        runtime: Runtime,
        tags: dict[str, Tag] | None = None,
        *,
        machine_events: bool = True,
        rollup_every_s: float = 10.0,
        track_latency: bool = False,
        scrap_reason: str = "SC-DIM",
        order_wait_s: float = 60.0,
    ) -> None:
        self.runtime = runtime
        self.order_wait_s = order_wait_s
        self.tags = tags or {}
        self._event_tags = event_tags(self.tags)
        self.machine_events = machine_events
        self.rollup_every_s = rollup_every_s
        self.track_latency = track_latency
        self.scrap_reason = scrap_reason
        self.stats = IngestStats()
        self._registry = store.TagRegistry()
        self._companies: dict[str, int] = {}
        self._dirty: tuple[int, int] | None = None
        self._last_rollup = time.monotonic()
        self._lock = threading.Lock()

    def company_id(self, code: str) -> int:
        cid = self._companies.get(code)
        if cid is None:
            with self.runtime.transaction() as s:
                cid = s.scalar(select(Company.id).where(Company.code == code))
            if cid is None:
                raise NotFound(f"company {code!r} does not exist")
            self._companies[code] = cid
        return cid

    def write(self, batch: Batch) -> int:
        """Store one batch synchronously. Returns the samples newly stored.

        Samples and machine events go in one transaction. When the batch comes from a collector and its
        predecessor in that collector's stream has not been applied yet (another worker holds it), the
        samples are committed at once and the events wait for it (up to ``order_wait_s``; past that
        the gap is logged and counted, and the events go ahead)."""
        return self.write_many([batch])

    def write_many(self, batches: Sequence[Batch]) -> int:
        """Store several batches in one transaction (one COPY for all their samples; machine events
        batch by batch, in the order given, as :meth:`write` does). Returns the samples newly stored.
        If it raises, none of them is stored."""
        with self._lock:
            try:
                cids = [self.company_id(b.company) for b in batches]
                events = self.machine_events and bool(self.tags)
                late: list[tuple[int, Batch]] = []
                # samples as blocks once, for the rows and for the machine events alike
                blocks = [SampleBlock.of(b.samples) for b in batches]
                batches = [replace(b, samples=k) for b, k in zip(batches, blocks, strict=True)]
                with self.runtime.transaction() as session:
                    conn = session.connection()
                    codes: dict[int, set[str]] = {}
                    for cid, block in zip(cids, blocks, strict=True):
                        codes.setdefault(cid, set()).update(block.tags)
                    ids = {cid: self._registry.ids(conn, cid, c, self.tags) for cid, c in codes.items()}
                    parts = [store.block_rows(b, ids[cid]) for cid, b in zip(cids, blocks, strict=True)]
                    added = store.write_samples(conn, store.join_rows(parts))
                    if events:
                        waiting: set[tuple[int, str | None]] = set()  # streams with a batch put off
                        for cid, batch in zip(cids, batches, strict=True):
                            if (cid, batch.source) not in waiting and self._in_order(session, cid, batch):
                                self._events(session, cid, batch)
                            else:  # after the commit, in order, once its predecessor is there
                                waiting.add((cid, batch.source))
                                late.append((cid, batch))
                for cid, batch in late:
                    self._events_in_order(cid, batch)
            except Exception as exc:
                self.stats.failures += 1
                self.stats.last_error = str(exc).splitlines()[0][:300]
                self._registry = store.TagRegistry()  # ids may belong to a rolled-back transaction
                raise
            self.stats.batches += len(batches)
            self.stats.writes += 1
            for block in blocks:
                if not len(block):
                    continue
                self.stats.received += len(block)
                if self.track_latency:
                    self.stats.latencies_ms.extend((time.time() * 1000 - block.ts_ms).tolist())
                lo, hi = int(block.ts_ms.min()), int(block.ts_ms.max())
                self._dirty = (
                    (lo, hi) if self._dirty is None else (min(lo, self._dirty[0]), max(hi, self._dirty[1]))
                )
            self.stats.stored += added
            if self.rollup_every_s >= 0 and time.monotonic() - self._last_rollup >= self.rollup_every_s:
                self.refresh_rollups()
            return added

    def _events(self, session: Session, company_id: int, batch: Batch) -> None:
        samples = SampleBlock.of(batch.samples).only(self._event_tags)
        ms = process_machine_samples(session, company_id, samples, self.tags, scrap_reason=self.scrap_reason)
        self.stats.state_events += ms.state_events
        self.stats.quantity_events += ms.quantity_events
        self.stats.rejected_events += ms.rejected
        self.stats.problems = (self.stats.problems + ms.problems)[-20:]
        if batch.source and batch.seq:
            c = _stream_cursor(session, company_id, batch.source, lock=False)
            if c is None:
                c = MachineCursor(
                    company_id=company_id,
                    equipment_code=_stream_key(batch.source),
                    state_ts_ms=0,
                    counters="{}",
                )
                session.add(c)
            if c.state != str(batch.epoch):
                c.state, c.state_ts_ms = str(batch.epoch), batch.seq
            else:
                c.state_ts_ms = max(c.state_ts_ms, batch.seq)

    def _in_order(self, session: Session, company_id: int, batch: Batch) -> bool:
        """May this batch's machine events be derived now? (Its predecessor has been applied, it is a
        replay, it starts a stream, or it does not come from a collector.)"""
        if not batch.source or not batch.seq:
            return True
        c = _stream_cursor(session, company_id, batch.source, lock=True)
        if c is None:  # the stream's first batch starts it; a later one waits for it
            return batch.prev == 0
        if c.state != str(batch.epoch):  # a new buffer file: its stream starts at its first batch
            return batch.prev == 0
        return batch.seq <= c.state_ts_ms or batch.prev <= c.state_ts_ms

    def _events_in_order(self, company_id: int, batch: Batch) -> None:
        self.stats.order_waits += 1
        deadline = time.monotonic() + self.order_wait_s
        while True:
            with self.runtime.transaction() as session:
                if self._in_order(session, company_id, batch):
                    self._events(session, company_id, batch)
                    return
                if time.monotonic() >= deadline:
                    self.stats.order_gaps += 1
                    log.warning(
                        "batch %d of collector %s: its predecessor %d never arrived within %.0f s; "
                        "deriving its machine events without it",
                        batch.seq,
                        batch.source,
                        batch.prev,
                        self.order_wait_s,
                    )
                    self._events(session, company_id, batch)
                    return
            time.sleep(0.02)

    def reject(self, raw: bytes, reason: str) -> None:
        """Keep a bus message that cannot be read (e.g. from a collector of a newer version) in a file
        under the data folder, log and count it; the worker goes on with the next message."""
        folder = self.runtime.settings.data_dir / "rejected-bus-messages"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{hashlib.sha256(raw).hexdigest()[:16]}.bin"
        (folder / name).write_bytes(raw)
        self.stats.rejected_messages += 1
        self.stats.last_error = reason
        self.stats.problems = ([*self.stats.problems, f"{reason} → {folder / name}"])[-20:]
        log.error("%s; kept in %s", reason, folder / name)

    def refresh_rollups(self) -> None:
        dirty, self._dirty = self._dirty, None
        self._last_rollup = time.monotonic()
        if dirty is None:
            return
        with self.runtime.transaction() as session:
            store.refresh_rollups(session.connection(), ms_to_dt(dirty[0]), ms_to_dt(dirty[1] + 1))

    async def handle(self, batch: Batch) -> None:
        await asyncio.to_thread(self.write, batch)

    async def handle_many(self, batches: list[Batch]) -> None:
        """Several batches in one transaction (the MQTT bus hands over what is waiting together)."""
        await asyncio.to_thread(self.write_many, batches)


def _stream_key(source: str) -> str:
    return f"~stream:{source}"[:64]


def _stream_cursor(session: Session, company_id: int, source: str, *, lock: bool) -> MachineCursor | None:
    """How far a collector's stream has been turned into machine events: kept in the machine-cursor
    table under the pseudo-equipment ``~stream:<collector>`` (``state_ts_ms``: the last batch number,
    ``state``: the buffer file's identity)."""
    q = select(MachineCursor).where(
        MachineCursor.company_id == company_id, MachineCursor.equipment_code == _stream_key(source)
    )
    return session.scalar(q.with_for_update() if lock else q)
