"""The bus between collectors and ingest workers: in-process by default, MQTT when it grows.

``memory://`` calls the subscribers in the same process and returns only when they have taken the
batch (so a failing store pushes back to the collector's disk buffer). ``mqtt://host:port`` publishes
each batch with QoS 1 on ``jejo/telemetry/<company>`` and ingest workers subscribe through the MQTT 5
shared subscription ``$share/<group>/jejo/telemetry/#`` with a persistent session, so N workers split
the load and a worker that is away finds its messages waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlparse

from jejo.telemetry.model import Sample

log = logging.getLogger(__name__)

TOPIC_PREFIX = "jejo/telemetry"


@dataclass(frozen=True, slots=True)
class Batch:
    company: str
    samples: list[Sample]


Handler = Callable[[Batch], Awaitable[None]]


def encode(batch: Batch) -> bytes:
    return json.dumps({"c": batch.company, "s": batch.samples}, separators=(",", ":")).encode()


def decode(raw: bytes | bytearray | str) -> Batch:
    body = json.loads(raw)
    return Batch(str(body["c"]), [Sample(t, int(ts), v) for t, ts, v in body["s"]])


class Bus(Protocol):
    async def publish(self, batch: Batch) -> None: ...

    async def close(self) -> None: ...


class MemoryBus:
    """In-process bus: ``publish`` awaits every subscriber; an exception reaches the publisher."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def publish(self, batch: Batch) -> None:
        for h in self._handlers:
            await h(batch)

    async def close(self) -> None:
        self._handlers.clear()


def _host_port(url: str) -> tuple[str, int]:
    u = urlparse(url)
    return u.hostname or "127.0.0.1", u.port or 1883


class MqttBus:
    """Publisher side of the MQTT bus (QoS 1; ``publish`` returns once the broker has the batch)."""

    def __init__(self, url: str, *, client_id: str | None = None) -> None:
        self.url = url
        self.client_id = client_id
        self._client: object | None = None
        self._stack: object | None = None

    async def _connect(self) -> object:
        import aiomqtt

        if self._client is None:
            host, port = _host_port(self.url)
            client = aiomqtt.Client(
                host, port, identifier=self.client_id, protocol=aiomqtt.ProtocolVersion.V5, timeout=5
            )
            await client.__aenter__()
            self._client = client
        return self._client

    async def publish(self, batch: Batch) -> None:
        client = await self._connect()
        try:
            await client.publish(f"{TOPIC_PREFIX}/{batch.company}", encode(batch), qos=1)  # type: ignore[attr-defined]
        except Exception:
            await self.close()
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):  # already gone
                await client.__aexit__(None, None, None)  # type: ignore[attr-defined]


async def mqtt_subscribe(
    url: str,
    handler: Handler,
    *,
    group: str = "ingest",
    worker_id: str = "ingest-1",
    stop: asyncio.Event,
    on_connected: Callable[[], None] | None = None,
) -> None:
    """Run one ingest worker's subscription until ``stop``; reconnects with back-off.

    The handler is awaited for each batch before the next is read; a handler that raises is retried
    (the batch is never dropped), so the handler should buffer to disk if its store is away.
    """
    import aiomqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    host, port = _host_port(url)
    delay = 0.5

    async def handle(raw: bytes) -> None:
        batch = decode(raw)
        while True:
            try:
                await handler(batch)
                return
            except Exception as exc:  # store away: keep the batch, try again
                log.warning("ingest handler failed (%s); retrying", exc)
                await asyncio.sleep(1.0)

    while not stop.is_set():
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        client = aiomqtt.Client(
            host,
            port,
            identifier=worker_id,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=False,
            properties=props,
            timeout=5,
        )
        try:
            async with client:
                await client.subscribe(f"$share/{group}/{TOPIC_PREFIX}/#", qos=1)
                delay = 0.5
                if on_connected:
                    on_connected()
                stopper = asyncio.create_task(stop.wait())
                it = aiomqtt_messages(client)
                try:
                    while not stop.is_set():
                        nxt = asyncio.ensure_future(anext(it))
                        done, _ = await asyncio.wait({nxt, stopper}, return_when=asyncio.FIRST_COMPLETED)
                        if nxt not in done:
                            nxt.cancel()
                            break
                        await handle(bytes(nxt.result().payload))
                finally:
                    stopper.cancel()
                if stop.is_set():  # a clean stop leaves the group: its share goes to the others
                    await client.unsubscribe(f"$share/{group}/{TOPIC_PREFIX}/#")
        except aiomqtt.MqttError as exc:
            log.warning("bus %s unreachable (%s); retrying in %.1fs", url, exc, delay)
            for msg in received_but_unread(client):  # acknowledged to the broker already: never drop them
                await handle(bytes(msg.payload))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 30.0)
        for msg in received_but_unread(client):
            await handle(bytes(msg.payload))


def received_but_unread(client: object) -> list[Any]:
    """Messages the MQTT client received (and acknowledged) but the application has not read yet.

    aiomqtt keeps them in its queue and stops iterating when the connection drops; they must still be
    handled, or a broker outage would lose them."""
    queue = getattr(client, "_queue", None)
    out: list[Any] = []
    while queue is not None and not queue.empty():
        out.append(queue.get_nowait())
    return out


async def aiomqtt_messages(client: Any) -> AsyncIterator[Any]:
    async for msg in client.messages:
        yield msg


def make_bus(url: str, *, client_id: str | None = None) -> MemoryBus | MqttBus:
    if url.startswith("memory:"):
        return MemoryBus()
    if url.startswith("mqtt:"):
        return MqttBus(url, client_id=client_id)
    raise ValueError(f"unknown bus URL {url!r}; use memory:// or mqtt://host:port")
