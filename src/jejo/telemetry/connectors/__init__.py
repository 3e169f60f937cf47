"""Protocol connectors: each reads one source of a tag map and hands samples to the collector.

A connector never stops on its own: it reconnects with bounded exponential back-off, and reports its
health (connected, last error, samples, bad payloads) so that one broken source never stops the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jejo.telemetry.model import Sample

Emit = Callable[[Sequence[Sample]], None]


@dataclass
class Health:
    source: str
    connected: bool = False
    samples: int = 0
    bad_payloads: int = 0
    reconnects: int = 0
    last_error: str | None = None

    def error(self, exc: BaseException | str) -> None:
        self.connected = False
        self.last_error = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


class Backoff:
    """Bounded exponential back-off: 0.5 s doubling to ``cap`` seconds; reset after a good connection."""

    def __init__(self, first: float = 0.5, cap: float = 30.0) -> None:
        self.first, self.cap, self.delay = first, cap, first

    def reset(self) -> None:
        self.delay = self.first

    async def wait(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), self.delay)
        self.delay = min(self.delay * 2, self.cap)
