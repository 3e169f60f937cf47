"""A disk buffer for store-and-forward: batches of samples kept in order in a SQLite file.

The collector writes every batch here first and deletes it only after the bus (or the store) has
taken it, so a broker or database outage loses nothing; because the store ignores a sample it already
holds (same tag and source timestamp), a batch sent twice after a crash is not doubled either.
The file is capped in size: past the cap the oldest batches go first, and the count is reported.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from jejo.telemetry.block import SampleBlock
from jejo.telemetry.model import Sample

log = logging.getLogger(__name__)


def encode_batch(samples: Sequence[Sample]) -> bytes:
    return SampleBlock.of(samples).to_bytes()


def decode_batch(raw: bytes) -> SampleBlock:
    return SampleBlock.from_bytes(raw)


class DiskBuffer:
    """FIFO of sample batches in one SQLite file; thread-safe; survives a restart of the process."""

    def __init__(self, path: str | Path, *, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.dropped_samples = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "n INTEGER NOT NULL, size INTEGER NOT NULL, body BLOB NOT NULL)"
        )
        # what the cap has dropped, kept across restarts (a count that a crash reset would hide the loss)
        self._db.execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)")
        row = self._db.execute(
            "SELECT COALESCE(SUM(size), 0), COUNT(*), COALESCE(SUM(n), 0) FROM batches"
        ).fetchone()
        self._bytes, self._batches, self._samples = int(row[0]), int(row[1]), int(row[2])
        got = self._db.execute("SELECT n FROM counters WHERE name = 'dropped_samples'").fetchone()
        self.dropped_samples = int(got[0]) if got else 0
        # this file's identity: batch numbers start again in a new file, and ingest must know
        self._db.execute(
            "INSERT OR IGNORE INTO counters (name, n) VALUES ('epoch', ?)", (secrets.randbelow(2**31) + 1,)
        )
        self.epoch = int(self._db.execute("SELECT n FROM counters WHERE name = 'epoch'").fetchone()[0])

    def put(self, samples: Sequence[Sample]) -> None:
        if not samples:
            return
        body = encode_batch(samples)
        with self._lock:
            self._db.execute(
                "INSERT INTO batches (n, size, body) VALUES (?, ?, ?)", (len(samples), len(body), body)
            )
            self._bytes += len(body)
            self._batches += 1
            self._samples += len(samples)
            dropped = 0
            while self._bytes > self.max_bytes and self._batches > 1:
                oldest = self._db.execute("SELECT id, n, size FROM batches ORDER BY id LIMIT 1").fetchone()
                self._db.execute("DELETE FROM batches WHERE id = ?", (oldest[0],))
                self._bytes -= oldest[2]
                self._batches -= 1
                self._samples -= oldest[1]
                dropped += oldest[1]
            if dropped:
                self.dropped_samples += dropped
                self._db.execute(
                    "INSERT INTO counters (name, n) VALUES ('dropped_samples', ?) "
                    "ON CONFLICT (name) DO UPDATE SET n = excluded.n",
                    (self.dropped_samples,),
                )
                log.warning(
                    "disk buffer %s over its cap of %d bytes: dropped the %d oldest samples (%d in all)",
                    self.path.name,
                    self.max_bytes,
                    dropped,
                    self.dropped_samples,
                )

    def count(self, name: str, n: int = 1) -> int:
        """Add ``n`` to the persistent counter ``name``; returns its new value."""
        with self._lock:
            self._db.execute(
                "INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + ?",
                (name, n, n),
            )
            return int(self._db.execute("SELECT n FROM counters WHERE name = ?", (name,)).fetchone()[0])

    def set_counter(self, name: str, n: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO counters (name, n) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET n = excluded.n",
                (name, n),
            )

    def counter(self, name: str) -> int:
        with self._lock:
            got = self._db.execute("SELECT n FROM counters WHERE name = ?", (name,)).fetchone()
        return int(got[0]) if got else 0

    def peek(self, limit: int = 1) -> list[tuple[int, SampleBlock]]:
        """The oldest ``limit`` batches with their ids (they stay until :meth:`ack`)."""
        with self._lock:
            rows = self._db.execute("SELECT id, body FROM batches ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [(int(i), decode_batch(body)) for i, body in rows]

    def peek_raw(self, limit: int = 1) -> list[tuple[int, int, bytes]]:
        """The oldest ``limit`` batches as stored: (id, number of samples, body), for a bus that
        sends the body on as it is (no decoding and encoding again)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, n, body FROM batches ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
        return [(int(i), int(n), bytes(body)) for i, n, body in rows]

    def ack(self, upto_id: int) -> None:
        """Forget every batch up to and including ``upto_id``."""
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(size), 0), COUNT(*), COALESCE(SUM(n), 0) FROM batches WHERE id <= ?",
                (upto_id,),
            ).fetchone()
            self._db.execute("DELETE FROM batches WHERE id <= ?", (upto_id,))
            self._bytes -= int(row[0])
            self._batches -= int(row[1])
            self._samples -= int(row[2])

    @property
    def pending_batches(self) -> int:
        return self._batches

    @property
    def pending_samples(self) -> int:
        return self._samples

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def close(self) -> None:
        with self._lock:
            self._db.close()
