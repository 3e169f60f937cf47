"""At most as many requests inside the application as the database pool has connections.

Sync endpoints and dependencies run in a thread pool (40 threads) while a request's session holds a
pooled connection between its dependencies and its endpoint. When more requests arrive than the pool
has connections, threads block waiting for a connection while the requests that hold one wait for a
thread: nothing moves until the pool's 30 s timeout answers them all with a 500. Found with
``bench/load.py`` on PostgreSQL at 80 requests/s. Waiting here instead, in the event loop, keeps the
server answering at the rate the database allows.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

Scope = dict[str, Any]

#: paths that never touch the database
OPEN_PATHS = ("/healthz", "/static/")


def pool_capacity(engine: Engine) -> int | None:
    """Connections the engine's pool can hand out at once (None: no fixed limit)."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        return max(1, pool.size() + max(0, pool._max_overflow))
    return None


class DatabaseConcurrencyLimit:
    """ASGI middleware: at most ``limit`` HTTP requests at a time past this point; the rest wait."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._sem: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.limit)
        async with self._sem:
            await self.app(scope, receive, send)
