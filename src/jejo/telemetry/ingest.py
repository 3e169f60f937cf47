"""Ingest: batches from the bus → time-series store (+ last values, rollups) and machine events.

A batch is written in one transaction; if the database is away the call raises, and the batch stays
with whoever holds it (the collector's disk buffer on the in-process bus, the worker's retry loop on
MQTT). Writing a batch again is harmless: samples and events are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import select

from jejo.core.errors import NotFound
from jejo.core.runtime import Runtime
from jejo.core.tenancy import Company
from jejo.telemetry import store
from jejo.telemetry.bus import Batch
from jejo.telemetry.machine import process_machine_samples
from jejo.telemetry.model import Tag
from jejo.telemetry.rollup import ms_to_dt

log = logging.getLogger(__name__)


@dataclass
class IngestStats:
    batches: int = 0
    received: int = 0
    stored: int = 0
    state_events: int = 0
    quantity_events: int = 0
    rejected_events: int = 0
    failures: int = 0
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
    ) -> None:
        self.runtime = runtime
        self.tags = tags or {}
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
        """Store one batch synchronously (one transaction). Returns the samples newly stored."""
        with self._lock:
            try:
                company_id = self.company_id(batch.company)
                with self.runtime.transaction() as session:
                    conn = session.connection()
                    ids = self._registry.ids(conn, company_id, {s.tag for s in batch.samples}, self.tags)
                    rows = store.to_rows(batch.samples, ids)
                    added = store.write_samples(conn, rows)
                    if self.machine_events and self.tags:
                        ms = process_machine_samples(
                            session, company_id, batch.samples, self.tags, scrap_reason=self.scrap_reason
                        )
                        self.stats.state_events += ms.state_events
                        self.stats.quantity_events += ms.quantity_events
                        self.stats.rejected_events += ms.rejected
                        self.stats.problems = (self.stats.problems + ms.problems)[-20:]
            except Exception as exc:
                self.stats.failures += 1
                self.stats.last_error = str(exc).splitlines()[0][:300]
                self._registry = store.TagRegistry()  # ids may belong to a rolled-back transaction
                raise
            self.stats.batches += 1
            self.stats.received += len(batch.samples)
            self.stats.stored += added
            if self.track_latency and batch.samples:
                now = time.time() * 1000
                self.stats.latencies_ms.extend(now - s.ts_ms for s in batch.samples)
            if batch.samples:
                lo = min(s.ts_ms for s in batch.samples)
                hi = max(s.ts_ms for s in batch.samples)
                self._dirty = (
                    (lo, hi) if self._dirty is None else (min(lo, self._dirty[0]), max(hi, self._dirty[1]))
                )
            if self.rollup_every_s >= 0 and time.monotonic() - self._last_rollup >= self.rollup_every_s:
                self.refresh_rollups()
            return added

    def refresh_rollups(self) -> None:
        dirty, self._dirty = self._dirty, None
        self._last_rollup = time.monotonic()
        if dirty is None:
            return
        with self.runtime.transaction() as session:
            store.refresh_rollups(session.connection(), ms_to_dt(dirty[0]), ms_to_dt(dirty[1] + 1))

    async def handle(self, batch: Batch) -> None:
        await asyncio.to_thread(self.write, batch)
