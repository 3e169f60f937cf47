"""MQTT connector (aiomqtt): Sparkplug B (births, aliases, seq checks, rebirth requests) or plain JSON,
QoS 1 with a persistent session (a fixed client id and clean_session off), reconnect with back-off.

Plain JSON payloads are either ``{"ts": <epoch ms>, "values": {"<address>": value, ...}}`` or a list of
``{"name": "<address>", "ts": <epoch ms>, "value": value}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from jejo.core.errors import Problem
from jejo.telemetry import sparkplug as spb
from jejo.telemetry.block import SampleBlock
from jejo.telemetry.bus import ack, manual_ack, received_but_unread
from jejo.telemetry.connectors import Backoff, Emit, Health
from jejo.telemetry.model import MAX_TS_MS, BadPayload, MqttSource, Sample, Tag

log = logging.getLogger(__name__)


def check_times(stamps: Sequence[int], where: str) -> None:
    """Refuse a message whose source timestamps lie before 1970 or after the year 9999 (a damaged or
    misconfigured clock): they could be neither stored nor shown."""
    if stamps and (min(stamps) < 0 or max(stamps) >= MAX_TS_MS):
        bad = next(t for t in stamps if t < 0 or t >= MAX_TS_MS)
        raise BadPayload(
            f"timestamp out of range in {where[:200]}",
            [Problem(reason=f"{bad} ms is not between 1970 and 9999", field="timestamp")],
        )


@dataclass
class _Node:
    seq: int | None = None
    born: bool = False
    aliases: dict[str | None, dict[int, str]] = field(default_factory=dict)
    datatypes: dict[str | None, dict[str, int]] = field(default_factory=dict)


class SparkplugDecoder:
    """Turns Sparkplug B messages into samples; tracks births and seq per edge node (host-application side).

    ``rebirths`` collects the (group, node) pairs that must be asked to send their births again (data
    before birth, or a gap in seq). Metrics that carry their names are taken even then (the store
    ignores a repeat), so a collector that starts after the edge node loses nothing; aliased metrics
    need the birth."""

    def __init__(self, tags: list[Tag]) -> None:
        self.tags = {(t.device, t.address): t for t in tags}
        # (owner, metric name) → (tag code, scale, offset): no model call per point
        self._scaling = {k: (t.tag, t.scale, t.offset) for k, t in self.tags.items()}
        self._plain: dict[str | None, dict[str | None, str]] = {}  # owner → metric → tag, unscaled tags
        for (owner, name), t in self.tags.items():
            if t.scale == 1.0 and t.offset == 0.0:
                self._plain.setdefault(owner, {})[name] = t.tag
        self.nodes: dict[tuple[str, str], _Node] = {}
        self.rebirths: list[tuple[str, str]] = []
        self.gaps = 0

    def feed(self, topic: str, raw: bytes) -> Sequence[Sample]:
        tp = spb.Topic.parse(topic)
        key = (tp.group, tp.edge_node)
        node = self.nodes.setdefault(key, _Node())
        mt = tp.message_type
        if mt == "NDEATH":
            node.born = False
            return []
        if mt in ("NCMD", "DCMD", "STATE", "DDEATH"):
            return []
        dev = tp.device
        birth = mt in ("NBIRTH", "DBIRTH")
        if birth:
            payload = spb.decode(raw, datatypes=node.datatypes.get(dev), aliases=node.aliases.get(dev))
            p_seq = payload.seq
            names: list[str | None] = [m.name for m in payload.metrics]
            stamps = [m.timestamp or payload.timestamp for m in payload.metrics]
            values: list[Any] = [m.value for m in payload.metrics]
        else:
            _, p_seq, names, stamps, values = spb.data_points(
                raw, datatypes=node.datatypes.get(dev), aliases=node.aliases.get(dev)
            )
        check_times(stamps, topic)
        if mt == "NBIRTH":
            node.born, node.seq = True, p_seq
            node.aliases, node.datatypes = {}, {}
        elif not node.born:
            # data before its birth: ask for a rebirth; metrics that carry their names are still taken
            if key not in self.rebirths:
                self.rebirths.append(key)
        else:
            expected = ((node.seq or 0) + 1) % 256
            if p_seq is not None and p_seq != expected:
                node.born = False
                self.gaps += 1
                if key not in self.rebirths:
                    self.rebirths.append(key)
            node.seq = p_seq
        if birth:
            node.aliases[dev] = {m.alias: m.name for m in payload.metrics if m.alias is not None and m.name}
            node.datatypes[dev] = {m.name: m.datatype for m in payload.metrics if m.name}
        owner = dev if dev is not None else tp.edge_node
        plain = self._plain.get(owner)
        if plain is not None:  # the common message: known, unscaled tags with float values, as columns
            codes = list(map(plain.get, names))
            if None not in codes and set(map(type, values)) == {float}:
                return SampleBlock.of_floats(codes, stamps, values)  # type: ignore[arg-type]
        out: list[Sample] = []
        append = out.append
        scaling = self._scaling
        for name, ts, v in zip(names, stamps, values, strict=True):
            if name is None:
                continue
            tag = scaling.get((owner, name))
            if tag is None:
                continue
            code, scale, offset = tag
            if v is None or isinstance(v, str):
                append(Sample(code, ts, v))
            elif scale == 1.0 and offset == 0.0:  # as Tag.scaled
                append(Sample(code, ts, float(v)))
            else:
                append(Sample(code, ts, float(v) * scale + offset))
        return out


class JsonDecoder:
    def __init__(self, tags: list[Tag]) -> None:
        self.tags = {t.address: t for t in tags}
        self._plain = {t.address: t.tag for t in tags if t.scale == 1.0 and t.offset == 0.0}

    def feed(self, topic: str, raw: bytes) -> Sequence[Sample]:
        try:
            return self._feed(raw)
        except BadPayload:
            raise
        except (ValueError, TypeError, KeyError, OverflowError, AttributeError) as exc:
            raise BadPayload(
                f"unreadable JSON payload on {topic[:200]}",
                [Problem(reason=f"{type(exc).__name__}: {str(exc)[:200]}", field="payload")],
            ) from exc

    def _feed(self, raw: bytes) -> Sequence[Sample]:
        body = json.loads(raw)
        out: list[Sample] = []
        if isinstance(body, list) and body and set(map(type, body)) == {dict}:
            # the common batch: known, unscaled tags, integer times and float values, as columns
            names = [p.get("name") for p in body]
            stamps = [p.get("ts") for p in body]
            values = [p.get("value") for p in body]
            if set(map(type, names)) == {str} and set(map(type, stamps)) == {int}:
                check_times(stamps, "JSON batch")
                codes = list(map(self._plain.get, names))
                if None not in codes and set(map(type, values)) == {float}:
                    return SampleBlock.of_floats(codes, stamps, values)  # type: ignore[arg-type]
        if isinstance(body, dict):
            ts = int(body["ts"])
            items = [(k, ts, v) for k, v in dict(body["values"]).items()]
        elif isinstance(body, list):
            items = [(str(p["name"]), int(p["ts"]), p["value"]) for p in body]
        else:
            raise BadPayload(
                "JSON payload must be an object with ts and values, or a list of points",
                [Problem(reason="neither an object nor a list", field="payload")],
            )
        check_times([ts for _, ts, _ in items], "JSON payload")
        for name, ts, v in items:
            tag = self.tags.get(name)
            if tag is None:
                continue
            if not (v is None or isinstance(v, str | int | float)):
                raise BadPayload(
                    f"value of {name} is not a number or text", [Problem(reason="bad value", field=name)]
                )
            out.append(Sample(tag.tag, ts, v if isinstance(v, str) else tag.scaled(v)))
        return out


def host_state(online: bool) -> bytes:
    """The Sparkplug 3.0 primary host STATE payload."""
    return json.dumps({"online": online, "timestamp": spb.now_ms()}).encode()


def rebirth_request(group: str, node: str) -> tuple[str, bytes]:
    payload = spb.Payload(
        timestamp=spb.now_ms(), metrics=[spb.Metric("Node Control/Rebirth", True, spb.BOOLEAN)]
    )
    return str(spb.Topic(group, "NCMD", node)), spb.encode(payload)


async def run_mqtt(
    source: MqttSource, tags: list[Tag], emit: Emit, health: Health, stop: asyncio.Event
) -> None:
    import aiomqtt

    u = urlparse(source.url)
    decoder: SparkplugDecoder | JsonDecoder = (
        SparkplugDecoder(tags) if source.format == "sparkplug" else JsonDecoder(tags)
    )
    backoff = Backoff()

    # A message is acknowledged once its samples are in the collector's disk buffer (not on receipt),
    # so a collector killed mid-stream finds what it had not yet written waiting in its session.
    defer = getattr(getattr(emit, "__self__", None), "after_flush", None)

    async def take(msg: Any, client: Any) -> None:
        try:
            samples = decoder.feed(str(msg.topic), bytes(msg.payload))
        except Exception as exc:  # bad payload: count it, keep going
            health.bad_payloads += 1
            health.last_error = f"bad payload on {msg.topic}: {exc}"[:300]
            log.warning("mqtt %s: %s", source.name, health.last_error)
            ack(client, msg)
            return
        if isinstance(decoder, SparkplugDecoder) and client is not None:
            while decoder.rebirths:
                group, node = decoder.rebirths.pop()
                topic, body = rebirth_request(group, node)
                await client.publish(topic, body, qos=0)
        if samples:
            health.samples += len(samples)
            emit(samples)
            if defer is not None:
                defer(lambda: ack(client, msg))
                return
        ack(client, msg)

    state_topic = f"{spb.NAMESPACE}/STATE/{source.host_id}" if source.host_id else None
    login = source.tls
    secure = u.scheme == "mqtts" or bool(login and (login.ca_file or login.cert_file))
    tls_params = (
        aiomqtt.TLSParameters(
            ca_certs=login.ca_file if login else None,
            certfile=login.cert_file if login else None,
            keyfile=login.key_file if login else None,
        )
        if secure
        else None
    )
    while not stop.is_set():
        will = aiomqtt.Will(state_topic, host_state(False), qos=1, retain=True) if state_topic else None
        client = aiomqtt.Client(
            u.hostname or "127.0.0.1",
            u.port or (8883 if secure else 1883),
            identifier=source.client_id or f"jejo-collector-{source.name}",
            tls_params=tls_params,
            username=login.username if login else None,
            password=login.password if login else None,
            clean_session=False,
            timeout=5,
            will=will,
        )
        manual_ack(client)
        try:
            async with client:
                for t in source.topics:
                    await client.subscribe(t, qos=source.qos)
                if state_topic:  # Sparkplug primary host: edge nodes wait for this before they publish
                    await client.publish(state_topic, host_state(True), qos=1, retain=True)
                health.connected, health.last_error = True, None
                backoff.reset()
                stopper = asyncio.ensure_future(stop.wait())
                it = client.messages.__aiter__()
                try:
                    while not stop.is_set():
                        nxt = asyncio.ensure_future(it.__anext__())
                        done, _ = await asyncio.wait({nxt, stopper}, return_when=asyncio.FIRST_COMPLETED)
                        if nxt not in done:
                            nxt.cancel()
                            break
                        await take(nxt.result(), client)
                        # what is already waiting goes without a task per message
                        queue = getattr(client, "_queue", None)
                        for _ in range(256):
                            if queue is None or queue.empty() or stop.is_set():
                                break
                            await take(queue.get_nowait(), client)
                finally:
                    stopper.cancel()
                if state_topic:
                    await client.publish(state_topic, host_state(False), qos=1, retain=True)
        except aiomqtt.MqttError as exc:
            health.error(exc)
            health.reconnects += 1
            log.info("mqtt %s: %s", source.name, health.last_error)
        # unacknowledged: the broker sends them again on the next connection of this session
        received_but_unread(client)
        if not stop.is_set():
            await backoff.wait(stop)
