"""Identifiers: UUIDv7 for events (time-ordered), stable human-readable codes for master data."""

from __future__ import annotations

import os
import re
import threading
import time
import uuid

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")


class _UUIDv7:
    """UUIDv7 (RFC 9562, section 6.2 method 1): 48-bit Unix milliseconds, a 12-bit counter, 62 random bits.

    Monotonic within the process: ids made in the same millisecond count up from a random start (in
    the lower half of the counter, so a burst has room), and a counter that runs out borrows the next
    millisecond. Random bits are read from the OS in blocks, as one read per id is the costliest part
    when events arrive by the thousand.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ms = 0
        self._counter = 0
        self._pool = b""
        self._at = 0

    def _random(self, nbytes: int) -> bytes:
        if nbytes > 512:
            return os.urandom(nbytes)
        if self._at + nbytes > len(self._pool):
            self._pool, self._at = os.urandom(4096), 0
        value = self._pool[self._at : self._at + nbytes]
        self._at += nbytes
        return value

    def __call__(self) -> uuid.UUID:
        return self.many(1)[0]

    def many(self, n: int) -> list[uuid.UUID]:
        """``n`` ids in one go (one clock read, one lock, one read of random bits): for a batch of events."""
        if n <= 0:
            return []
        values = []
        with self._lock:
            tails = self._random(8 * n)
            ms = time.time_ns() // 1_000_000
            if ms > self._ms:
                self._ms, self._counter = ms, int.from_bytes(self._random(2)) & 0x7FF
            else:
                self._counter += 1
            for i in range(n):
                if self._counter > 0xFFF:
                    self._ms, self._counter = self._ms + 1, 0
                tail = int.from_bytes(tails[8 * i : 8 * i + 8]) & 0x3FFF_FFFF_FFFF_FFFF
                values.append((self._ms << 80) | (0x7 << 76) | (self._counter << 64) | (0b10 << 62) | tail)
                self._counter += 1
            self._counter -= 1  # the last one used
        return [_uuid_of(v) for v in values]


_UUID, _SAFE, _new, _set = uuid.UUID, uuid.SafeUUID.unknown, object.__new__, object.__setattr__


def _uuid_of(value: int) -> uuid.UUID:
    """``uuid.UUID(int=value)`` for a value known to be a valid 128-bit UUID, without the checks of
    ``UUID.__init__`` (a third of the cost of an event id)."""
    u = _new(_UUID)
    _set(u, "int", value)
    _set(u, "is_safe", _SAFE)
    return u


new_event_id = _UUIDv7()
new_event_id.__doc__ = "A UUIDv7 (RFC 9562): sortable by creation time, unique without coordination."
new_event_ids = new_event_id.many


def is_valid_code(code: str) -> bool:
    """Master-data codes such as ``PC-SAW-01``: letters, digits and ``. _ - /``, at most 64 characters."""
    return bool(CODE_RE.match(code))
