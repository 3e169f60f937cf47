"""The bus between collectors and ingest workers: in-process by default, MQTT or NATS when it grows.

``memory://`` calls the subscribers in the same process and returns only when they have taken the
batch (so a failing store pushes back to the collector's disk buffer). ``mqtt://host:port`` publishes
each batch with QoS 1 on ``jejo/telemetry/<company>`` and ingest workers subscribe through the MQTT 5
shared subscription ``$share/<group>/jejo/telemetry/#`` with a persistent session, so N workers split
the load and a worker that is away finds its messages waiting. ``nats://host:port`` is the same on
NATS JetStream (a durable pull consumer; see :mod:`jejo.telemetry.nats_bus`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlparse

from jejo.telemetry.block import BlockError, SampleBlock
from jejo.telemetry.model import Sample

log = logging.getLogger(__name__)

TOPIC_PREFIX = "jejo/telemetry"
NO_MATCHING_SUBSCRIBERS = 16  # MQTT 5 PUBACK reason code


class NoSubscribers(RuntimeError):
    """The broker took the batch but had nobody to give it to: it is not delivered."""


@dataclass(frozen=True, slots=True)
class Batch:
    """Samples of one company. A collector also says where the batch sits in its stream: its name,
    the batch's number in its disk buffer (``seq``), the number of the batch it forwarded before this
    one (``prev``; 0: none) and the identity of its buffer file (``epoch``). Ingest workers use these
    to turn a collector's machine states into events in the order they happened, whichever worker
    takes which batch."""

    company: str
    samples: Sequence[Sample]  # a list, or a SampleBlock (what the MQTT and NATS buses deliver)
    source: str | None = None
    seq: int = 0
    prev: int = 0
    epoch: int = 0


Handler = Callable[[Batch], Awaitable[None]]


_MSG_MAGIC = b"JTB1"
_U32 = struct.Struct("<I")


def encode(batch: Batch) -> bytes:
    return encode_parts(
        batch.company,
        [SampleBlock.of(batch.samples).to_bytes()],
        batch.source,
        batch.seq,
        batch.prev,
        batch.epoch,
    )


def encode_parts(
    company: str,
    bodies: Sequence[bytes],
    source: str | None = None,
    seq: int = 0,
    prev: int = 0,
    epoch: int = 0,
) -> bytes:
    """A bus message from batch bodies already encoded (:meth:`SampleBlock.to_bytes`, as the disk buffer
    keeps them): the collector forwards its buffer without decoding and encoding every sample again, and
    several waiting buffer batches go as one message. Layout: ``b"JTB1"``, a JSON header (company and,
    from a collector, its name and the stream numbers), the number of bodies, each body with its length."""
    head: dict[str, Any] = {"c": company}
    if source:
        head |= {"src": source, "seq": int(seq), "prev": int(prev), "ep": int(epoch)}
    raw = json.dumps(head, separators=(",", ":")).encode()
    parts = [_MSG_MAGIC, _U32.pack(len(raw)), raw, _U32.pack(len(bodies))]
    for body in bodies:
        parts += [_U32.pack(len(body)), body]
    return b"".join(parts)


def decode(raw: bytes | bytearray | str) -> Batch:
    """A bus message as a batch (its samples as one :class:`SampleBlock`); the JSON messages of earlier
    versions are read too. Raises :class:`BlockError` (a ``ValueError``) for a damaged message."""
    if isinstance(raw, str):
        raw = raw.encode()
    raw = bytes(raw)
    if raw[:1] == b"{":
        body = json.loads(raw)
        samples: Sequence[Sample] = SampleBlock.of([Sample(t, int(ts), v) for t, ts, v in body["s"]])
    else:
        if raw[:4] != _MSG_MAGIC:
            raise BlockError(f"bus message does not start with {_MSG_MAGIC!r} (got {raw[:4]!r})")
        try:
            (size,) = _U32.unpack_from(raw, 4)
            body = json.loads(raw[8 : 8 + size])
            at = 8 + size
            (count,) = _U32.unpack_from(raw, at)
            at += 4
            blocks = []
            for _ in range(count):
                (n,) = _U32.unpack_from(raw, at)
                blocks.append(SampleBlock.from_bytes(raw[at + 4 : at + 4 + n]))
                at += 4 + n
        except (struct.error, ValueError) as exc:
            if isinstance(exc, BlockError):
                raise
            raise BlockError(f"bus message cut short or damaged: {exc}") from exc
        samples = SampleBlock.concat(blocks)
    return Batch(
        str(body["c"]),
        samples,
        str(body["src"]) if body.get("src") else None,
        int(body.get("seq", 0)),
        int(body.get("prev", 0)),
        int(body.get("ep", 0)),
    )


Reject = Callable[[bytes, str], None]


def worker_method(handler: Handler, name: str) -> Any:
    """The method ``name`` of the object whose bound method ``handler`` is (an ingest worker's
    ``handle_many`` or ``reject``), or ``None``: a plain function handler has neither."""
    return getattr(getattr(handler, "__self__", None), name, None)


def decode_or_reject(raw: bytes, reject: Reject | None) -> Batch | None:
    """:func:`decode`, or ``None`` for a message that cannot be read: it is handed to ``reject`` (an ingest
    worker keeps it in a file) and logged, and the worker goes on with the next one instead of failing
    on it again at every redelivery."""
    try:
        return decode(raw)
    except (ValueError, KeyError, TypeError) as exc:  # BlockError is a ValueError
        reason = f"unreadable bus message ({len(raw)} bytes): {exc}"[:300]
        if reject is not None:
            reject(raw, reason)
        else:
            log.error("%s; dropped", reason)
        return None


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
        self._last_reason: Any = None

    async def _connect(self) -> object:
        import aiomqtt

        if self._client is None:
            host, port = _host_port(self.url)
            client = aiomqtt.Client(
                host, port, identifier=self.client_id, protocol=aiomqtt.ProtocolVersion.V5, timeout=5
            )
            await client.__aenter__()
            self._watch_pubacks(client)
            self._client = client
        return self._client

    def _watch_pubacks(self, client: Any) -> None:
        """Keep the reason code of each PUBACK (aiomqtt drops it): MQTT 5 brokers answer "no matching
        subscribers" (16) when no ingest worker is subscribed, e.g. right after a broker restart that
        did not keep the shared subscriptions; such a batch must stay in the collector's buffer."""
        paho = getattr(client, "_client", None)
        if paho is None:
            return
        inner = paho.on_publish

        def on_publish(c: Any, userdata: Any, mid: int, reason_code: Any, properties: Any) -> None:
            self._last_reason = reason_code
            inner(c, userdata, mid, reason_code, properties)

        paho.on_publish = on_publish

    async def publish(self, batch: Batch) -> None:
        await self.publish_encoded(batch.company, encode(batch))

    async def publish_encoded(self, company: str, payload: bytes) -> None:
        """Publish a batch already encoded (:func:`encode` / :func:`encode_parts`)."""
        client = await self._connect()
        self._last_reason = None
        try:
            await client.publish(f"{TOPIC_PREFIX}/{company}", payload, qos=1)  # type: ignore[attr-defined]
        except Exception:
            await self.close()
            raise
        if getattr(self._last_reason, "value", 0) == NO_MATCHING_SUBSCRIBERS:
            raise NoSubscribers(f"no ingest worker is subscribed on {self.url} (PUBACK reason 16)")

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
    max_group_points: int = 50_000,
    linger_from: int = 2_000,
    linger_s: float = 0.1,
) -> None:
    """Run one ingest worker's subscription until ``stop``; reconnects with back-off.

    The handler is awaited for each batch before the next is read; a handler that raises is retried
    (the batch is never dropped), so the handler should buffer to disk if its store is away. Each
    message is acknowledged (PUBACK) only after its handler has returned, so a worker killed while it
    holds messages finds them again in its persistent session when it comes back under the same id.

    When the handler is a bound method of an object that also has ``handle_many`` (an ingest worker),
    the messages that are already waiting when one arrives (never more than ``max_group_points``
    samples) are handed over together, stored in one transaction and then acknowledged: under load
    the commits grow, when it is quiet every message goes alone. A message of ``linger_from`` samples or
    more, or a previous group of several messages, means a heavy stream or a backlog: then the worker
    waits up to ``linger_s`` for more messages to join the group, because every transaction also
    rewrites the last value of each tag it holds, and with several workers sharing the stream each
    one's own queue is often empty. Single small messages (a quiet plant) never wait.
    """
    import aiomqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    host, port = _host_port(url)
    delay = 0.5
    many: Callable[[list[Batch]], Awaitable[None]] | None = worker_method(handler, "handle_many")

    async def handle_batches(batches: list[Batch]) -> None:
        while True:
            try:
                if many is not None and len(batches) > 1:
                    await many(batches)
                else:
                    for batch in batches:  # a repeat of one already stored is harmless
                        await handler(batch)
                return
            except Exception as exc:  # store away: keep the batches, try again
                log.warning("ingest handler failed (%s); retrying", exc)
                await asyncio.sleep(1.0)

    reject: Reject | None = worker_method(handler, "reject")

    async def handle(raw: bytes) -> None:
        batch = decode_or_reject(raw, reject)
        if batch is not None:
            await handle_batches([batch])

    busy = False

    async def handle_waiting(client: Any, first: Any) -> None:
        """Handle ``first`` with the messages queued behind it, then acknowledge them in order."""
        nonlocal busy
        msgs = [first]
        batches: list[Batch] = []
        if (batch := decode_or_reject(bytes(first.payload), reject)) is not None:
            batches.append(batch)
        n = sum(len(b.samples) for b in batches)
        queue = getattr(client, "_queue", None)
        loop = asyncio.get_running_loop()
        until = loop.time() + linger_s if n >= linger_from or busy else 0.0
        while many is not None and queue is not None and n < max_group_points:
            if queue.empty():
                left = until - loop.time()
                if left <= 0:
                    break
                try:
                    msg = await asyncio.wait_for(queue.get(), left)
                except TimeoutError:
                    break
            else:
                msg = queue.get_nowait()
            msgs.append(msg)
            if (batch := decode_or_reject(bytes(msg.payload), reject)) is not None:
                batches.append(batch)
                n += len(batch.samples)
        if batches:
            await handle_batches(batches)
        for msg in msgs:
            ack(client, msg)
        busy = len(msgs) > 1  # messages were waiting: the next group may wait for more

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
        manual_ack(client)
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
                        await handle_waiting(client, nxt.result())
                finally:
                    stopper.cancel()
                if stop.is_set():  # a clean stop leaves the group: its share goes to the others
                    await client.unsubscribe(f"$share/{group}/{TOPIC_PREFIX}/#")
                    for msg in received_but_unread(client):  # what it holds: store, then acknowledge
                        await handle(bytes(msg.payload))
                        ack(client, msg)
        except aiomqtt.MqttError as exc:
            log.warning("bus %s unreachable (%s); retrying in %.1fs", url, exc, delay)
            # not acknowledged: the broker sends them again on the next connection (the store would
            # ignore a second copy, so handling them now as well would only cost time)
            received_but_unread(client)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 30.0)
        received_but_unread(client)


def manual_ack(client: Any) -> None:
    """Turn off paho's automatic PUBACK on receipt: the application acknowledges after handling."""
    paho = getattr(client, "_client", None)
    if paho is not None:
        paho.manual_ack_set(True)


def ack(client: Any, msg: Any) -> None:
    """Acknowledge one handled QoS 1/2 message (on a connection that is gone: nothing to do, the
    broker sends it again)."""
    paho = getattr(client, "_client", None)
    if paho is not None and getattr(msg, "qos", 0) > 0:
        with contextlib.suppress(Exception):
            paho.ack(msg.mid, msg.qos)


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


def make_bus(url: str, *, client_id: str | None = None) -> Bus:
    if url.startswith("memory:"):
        return MemoryBus()
    if url.startswith("mqtt:"):
        return MqttBus(url, client_id=client_id)
    if url.startswith("nats:"):
        from jejo.telemetry.nats_bus import NatsBus

        return NatsBus(url, client_id=client_id)
    raise ValueError(f"unknown bus URL {url!r}; use memory://, mqtt://host:port or nats://host:port")


async def subscribe(
    url: str,
    handler: Handler,
    *,
    group: str = "ingest",
    worker_id: str = "ingest-1",
    stop: asyncio.Event,
    on_connected: Callable[[], None] | None = None,
) -> None:
    """One ingest worker on whichever bus ``url`` names (MQTT 5 shared subscription or JetStream)."""
    if url.startswith("mqtt:"):
        await mqtt_subscribe(
            url, handler, group=group, worker_id=worker_id, stop=stop, on_connected=on_connected
        )
    elif url.startswith("nats:"):
        from jejo.telemetry.nats_bus import nats_subscribe

        await nats_subscribe(
            url, handler, group=group, worker_id=worker_id, stop=stop, on_connected=on_connected
        )
    else:
        raise ValueError(f"ingest workers need a broker: mqtt://host:port or nats://host:port, not {url!r}")
