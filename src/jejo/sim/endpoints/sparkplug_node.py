"""Simulated machines published by one Sparkplug B edge node (aiomqtt) through a real MQTT broker.

NBIRTH (with ``bdSeq`` and ``Node Control/Rebirth``), one DBIRTH per machine, DDATA per change with the
simulator's timestamps, NDEATH as the MQTT will (same ``bdSeq``); ``seq`` runs 0..255 across the node's
messages. A rebirth command (NCMD ``Node Control/Rebirth``) is answered with fresh births. While the
broker is away, changes are kept and sent after the births as historical metrics, so nothing the
simulator emitted is lost. ``log`` holds every (device, metric, ts, value) the node emitted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from typing import Any
from urllib.parse import urlparse

from jejo.sim.plant import FIELDS, SimMachine
from jejo.telemetry import sparkplug as spb

log = logging.getLogger(__name__)

DTYPES = {"string": spb.STRING, "int": spb.INT64, "float": spb.DOUBLE}


class SparkplugEdgeNode:
    def __init__(
        self,
        machines: list[SimMachine],
        url: str,
        group: str,
        node: str,
        *,
        max_metrics: int = 100,
        keep_log: bool = True,
        primary_host: str | None = None,
    ) -> None:
        self.machines = {m.code: m for m in machines}
        self.url, self.group, self.node = url, group, node
        self.max_metrics = max_metrics
        self.primary_host = primary_host
        self.host_online = asyncio.Event()
        if primary_host is None:
            self.host_online.set()
        self.keep_log = keep_log
        self.log: list[tuple[str, str, int, Any]] = []
        self.connected = asyncio.Event()
        self.bd_seq = 0
        self.seq = 0
        self.births = 0
        self.sent_messages = 0
        self._queue: deque[tuple[str, str, int, Any]] = deque()
        self._last_ts: dict[tuple[str, str], int] = {}
        self._wake = asyncio.Event()
        self._rebirth = False
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def push(self, updates: list[tuple[str, str, int, Any]]) -> None:
        for u in updates:
            if u[0] in self.machines and u[1] in FIELDS:
                self._queue.append(u)
                self._last_ts[(u[0], u[1])] = u[2]
                if self.keep_log:
                    self.log.append(u)
        self._wake.set()

    def _next_seq(self) -> int:
        s = self.seq
        self.seq = (self.seq + 1) % 256
        return s

    def _topic(self, kind: str, device: str | None = None) -> str:
        return str(spb.Topic(self.group, kind, self.node, device))

    async def _births(self, client: Any) -> None:
        self.seq = 0
        ts = next(iter(self.machines.values())).plant.now_ms() if self.machines else spb.now_ms()
        nb = spb.Payload(
            ts,
            [
                spb.Metric("bdSeq", self.bd_seq, spb.INT64, ts),
                spb.Metric("Node Control/Rebirth", False, spb.BOOLEAN, ts),
            ],
            seq=self._next_seq(),
        )
        await client.publish(self._topic("NBIRTH"), spb.encode(nb), qos=0)
        for code, m in self.machines.items():
            # each value carries the time it took that value (births repeat what was sent before)
            metrics = [
                spb.Metric(
                    f, m.values[f], DTYPES[FIELDS[f][0]], self._last_ts.get((code, f), ts), alias=i + 1
                )
                for i, f in enumerate(FIELDS)
            ]
            await client.publish(
                self._topic("DBIRTH", code), spb.encode(spb.Payload(ts, metrics, seq=self._next_seq())), qos=0
            )
        self.births += 1

    async def _send_pending(self, client: Any) -> None:
        """Send queued changes, at most ``max_metrics`` per DDATA; a change leaves the queue only once the
        broker has acknowledged it (QoS 1), so a broker that goes away mid-send loses nothing."""
        while self._queue:
            take = min(len(self._queue), self.max_metrics)
            by_dev: dict[str, list[spb.Metric]] = {}
            for i in range(take):
                code, fld, ts, v = self._queue[i]
                by_dev.setdefault(code, []).append(spb.Metric(fld, v, DTYPES[FIELDS[fld][0]], ts))
            for code, ms in by_dev.items():
                payload = spb.Payload(spb.now_ms(), ms, seq=self._next_seq())
                await client.publish(self._topic("DDATA", code), spb.encode(payload), qos=1)
                self.sent_messages += 1
            for _ in range(take):
                self._queue.popleft()

    async def run(self) -> None:
        import aiomqtt

        u = urlparse(self.url)
        delay = 0.2
        while not self._stop.is_set():
            death = spb.encode(spb.Payload(spb.now_ms(), [spb.Metric("bdSeq", self.bd_seq, spb.INT64)]))
            will = aiomqtt.Will(self._topic("NDEATH"), death, qos=1)
            try:
                async with aiomqtt.Client(
                    u.hostname or "127.0.0.1",
                    u.port or 1883,
                    identifier=f"edge-{self.node}",
                    will=will,
                    clean_session=True,
                    timeout=5,
                ) as client:
                    await client.subscribe(self._topic("NCMD"), qos=0)
                    if self.primary_host:
                        self.host_online.clear()
                        await client.subscribe(f"{spb.NAMESPACE}/STATE/{self.primary_host}", qos=1)
                    listener = asyncio.create_task(self._commands(client))
                    self.connected.set()
                    delay = 0.2
                    born = False
                    try:
                        while not self._stop.is_set():
                            if not self.host_online.is_set():  # wait for the primary host (Sparkplug 3.0)
                                born = False
                                try:
                                    await asyncio.wait_for(self.host_online.wait(), 0.5)
                                except TimeoutError:
                                    if listener.done():
                                        listener.result()
                                    continue
                            if not born:
                                await self._births(client)
                                born = True
                            if self._rebirth:
                                self._rebirth = False
                                await self._births(client)
                            await self._send_pending(client)
                            self._wake.clear()
                            with contextlib.suppress(TimeoutError):
                                await asyncio.wait_for(self._wake.wait(), 0.5)
                            if listener.done():
                                listener.result()
                        await self._send_pending(client)
                        await client.publish(self._topic("NDEATH"), death, qos=1)
                    finally:
                        listener.cancel()
            except aiomqtt.MqttError as exc:
                self.connected.clear()
                log.info("edge node %s: broker away (%s)", self.node, exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), delay)
                delay = min(delay * 2, 5.0)
            self.bd_seq = (self.bd_seq + 1) % 256

    async def _commands(self, client: Any) -> None:
        async for msg in client.messages:
            if "/STATE/" in str(msg.topic):
                try:
                    online = bool(json.loads(bytes(msg.payload)).get("online"))
                except (ValueError, AttributeError):
                    continue
                if online:
                    self.host_online.set()
                else:
                    self.host_online.clear()
                self._wake.set()
                continue
            try:
                p = spb.decode(bytes(msg.payload))
            except Exception:
                continue
            if any(m.name == "Node Control/Rebirth" and m.value for m in p.metrics):
                self._rebirth = True
                self._wake.set()

    def initial_values(self) -> list[tuple[str, str, int, Any]]:
        """Every field's current value, stamped now (what the node publishes first)."""
        now = next(iter(self.machines.values())).plant.now_ms() if self.machines else spb.now_ms()
        return [(code, f, now, m.values[f]) for code, m in self.machines.items() for f in FIELDS]

    async def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 5)
            except (TimeoutError, Exception):
                self._task.cancel()
