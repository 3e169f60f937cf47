"""More requests than database connections: they wait in the event loop, never in a thread that holds
the pool up (which used to stall the server for the pool's 30 s timeout and answer 500s)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool, QueuePool

from jejo.api.concurrency import DatabaseConcurrencyLimit, pool_capacity


def test_the_limit_is_the_pool_capacity(tmp_path: Path) -> None:
    queued = create_engine(f"sqlite:///{tmp_path / 'x.db'}", poolclass=QueuePool, pool_size=3, max_overflow=4)
    assert pool_capacity(queued) == 7
    assert pool_capacity(create_engine("sqlite://", poolclass=NullPool)) is None
    queued.dispose()


def test_requests_past_the_limit_wait_and_all_complete() -> None:
    inside, most = 0, 0

    async def app(scope: dict, receive: object, send: object) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= 1

    limited = DatabaseConcurrencyLimit(app, limit=3)

    async def main() -> None:
        scopes = [{"type": "http", "path": "/api/v1/events"} for _ in range(30)]
        await asyncio.gather(*(limited(s, None, None) for s in scopes))
        assert most == 3 and inside == 0
        # health checks never wait behind the database
        await asyncio.gather(*(limited({"type": "http", "path": "/healthz"}, None, None) for _ in range(10)))
        assert most == 10

    asyncio.run(main())
