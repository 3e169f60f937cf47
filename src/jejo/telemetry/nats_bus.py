"""The bus on NATS JetStream: the other engine beside an MQTT 5 broker (``nats://host:4222``).

Collectors publish each batch to the subject ``jejo.telemetry.<company>`` of the stream
``JEJO_TELEMETRY`` (file storage, created on first use) and wait for the stream's acknowledgement, so a
batch leaves the collector's disk buffer only once JetStream holds it. Ingest workers share one durable
pull consumer (the group name): each fetches what it can take, stores it, and acknowledges it only
after the store has committed. A worker that dies holding messages loses nothing: the server delivers
them again to any worker once ``ack_wait`` has passed, and the store ignores what it already holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from jejo.telemetry.bus import Batch, Handler, Reject, decode_or_reject, encode, worker_method

log = logging.getLogger(__name__)

STREAM = "JEJO_TELEMETRY"
SUBJECT_PREFIX = "jejo.telemetry"


def _servers(url: str) -> list[str]:
    """``nats://a:4222,b:4222`` (a cluster) → each server's URL."""
    body = url.split("://", 1)[1] if "://" in url else url
    return [f"nats://{part}" for part in body.split(",") if part]


def _subject(company: str) -> str:
    # a NATS subject token may not hold '.', '*', '>' or whitespace; company codes normally have none
    safe = "".join("_" if ch in ".*> \t" else ch for ch in company)
    return f"{SUBJECT_PREFIX}.{safe}"


async def _connect(url: str, name: str) -> Any:
    import nats

    return await nats.connect(
        servers=_servers(url),
        name=name,
        connect_timeout=2,
        reconnect_time_wait=0.5,
        max_reconnect_attempts=-1,
        allow_reconnect=True,
    )


async def ensure_stream(js: Any, *, replicas: int = 1) -> None:
    """Create the telemetry stream if it is not there (file storage; limits by age, not by count)."""
    from nats.js.api import StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=STREAM,
                subjects=[f"{SUBJECT_PREFIX}.>"],
                storage=StorageType.FILE,
                num_replicas=replicas,
                max_age=7 * 86400.0,
                duplicate_window=120.0,
            )
        )


class NatsBus:
    """Publisher side: ``publish`` returns once the stream has stored the batch (its PubAck)."""

    def __init__(self, url: str, *, client_id: str | None = None, timeout_s: float = 5.0) -> None:
        self.url = url
        self.client_id = client_id or "jejo-collector"
        self.timeout_s = timeout_s
        self._nc: Any = None
        self._js: Any = None

    async def _ensure(self) -> Any:
        if self._nc is None or self._nc.is_closed:
            self._nc = await _connect(self.url, self.client_id)
            self._js = self._nc.jetstream(timeout=self.timeout_s)
            await ensure_stream(self._js)
        return self._js

    async def publish(self, batch: Batch) -> None:
        js = await self._ensure()
        if not self._nc.is_connected:  # reconnecting: do not queue in the client, keep it on disk
            raise ConnectionError(f"NATS {self.url} is not connected")
        await js.publish(_subject(batch.company), encode(batch), timeout=self.timeout_s)

    async def close(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        if nc is not None:
            with contextlib.suppress(Exception):
                await nc.close()


async def nats_subscribe(
    url: str,
    handler: Handler,
    *,
    group: str = "ingest",
    worker_id: str = "ingest-1",
    stop: asyncio.Event,
    on_connected: Callable[[], None] | None = None,
    fetch_batch: int = 16,
    ack_wait_s: float = 30.0,
) -> None:
    """Run one ingest worker on the durable pull consumer ``group`` until ``stop``.

    Each message is acknowledged after ``handler`` has returned; a handler that raises is retried (the
    message is never acknowledged unstored). Connection losses are ridden out by the client's own
    reconnect; the loop keeps fetching once the server is back."""
    from nats.errors import Error as NatsError
    from nats.errors import TimeoutError as NatsTimeout
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    reject: Reject | None = worker_method(handler, "reject")
    from nats.js.errors import Error as JsError

    delay = 0.5
    nc: Any = None
    while not stop.is_set():
        try:
            if nc is None:
                nc = await _connect(url, worker_id)
            js = nc.jetstream(timeout=5)
            await ensure_stream(js)
            sub = await js.pull_subscribe(
                f"{SUBJECT_PREFIX}.>",
                durable=group,
                stream=STREAM,
                config=ConsumerConfig(
                    ack_policy=AckPolicy.EXPLICIT,
                    deliver_policy=DeliverPolicy.ALL,
                    ack_wait=ack_wait_s,
                    max_ack_pending=1000,
                ),
            )
            delay = 0.5
            if on_connected:
                on_connected()
            while not stop.is_set():
                try:
                    msgs = await sub.fetch(fetch_batch, timeout=1.0)
                except (NatsTimeout, TimeoutError):
                    continue
                for msg in msgs:
                    batch = decode_or_reject(msg.data, reject)
                    while batch is not None:
                        try:
                            await handler(batch)
                            break
                        except Exception as exc:  # store away: keep the message, try again
                            log.warning("ingest handler failed (%s); retrying", exc)
                            await asyncio.sleep(1.0)
                    with contextlib.suppress(NatsError, JsError, TimeoutError):
                        # an ack lost with the connection only means a redelivery; the store ignores it
                        await msg.ack()
        except (NatsError, JsError, OSError, TimeoutError) as exc:
            log.warning("bus %s unreachable (%s); retrying in %.1fs", url, exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 30.0)
    if nc is not None:
        with contextlib.suppress(Exception):
            await nc.close()
