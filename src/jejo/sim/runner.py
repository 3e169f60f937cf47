"""Runs the demo factory in real time or accelerated: steps the SimPy model to ``wall time × speed`` and
hands every change to the machine's endpoint (OPC UA server, Modbus TCP server or Sparkplug B edge node).
Also writes the collector's tag map for the running endpoints (their actual ports)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from jejo.sim.config import SimConfig
from jejo.sim.endpoints.modbus_server import LAYOUT, ModbusMachineServer
from jejo.sim.endpoints.opcua_server import OpcUaMachineServer
from jejo.sim.endpoints.sparkplug_node import SparkplugEdgeNode
from jejo.sim.plant import FIELDS, Plant, Scan, SimMachine, Update

log = logging.getLogger(__name__)

ROLES = {
    "state": "state",
    "good": "good_count",
    "scrap": "scrap_count",
    "total": "total_count",
    "job": "job",
    "alarm": "alarm",
    "state_code": "state",
}
OPCUA_TAGS = {
    "state": "ManufacturerSpecific/MesState",
    "good": "State/Machine/Values/RunsGood",
    "scrap": "State/Machine/Values/RunsAborted",
    "total": "State/Machine/Values/RunsTotal",
    "job": "JobManagement/CurrentJobOrderID",
    "alarm": "Alarms/ActiveAlarm",
    "temperature": "Monitoring/Temperature",
    "vibration": "Monitoring/Vibration",
    "quality": "Monitoring/QualityDeviation",
    "tool_wear": "Monitoring/ToolWear",
    "cycle_time": "State/Machine/Values/ActualCycle",
}


class FactorySim:
    """The plant plus its endpoints. ``start`` opens the endpoints; ``run`` steps until ``stop``."""

    def __init__(
        self, cfg: SimConfig, *, mqtt_url: str | None = None, protocols: set[str] | None = None
    ) -> None:
        self.cfg = cfg
        self.plant = Plant(cfg)
        self.mqtt_url = mqtt_url or cfg.endpoints.mqtt_url
        self.protocols = protocols or {"opcua", "modbus", "sparkplug"}
        self.opcua: dict[str, OpcUaMachineServer] = {}
        self.modbus: dict[str, ModbusMachineServer] = {}
        self.edge: SparkplugEdgeNode | None = None
        self._pending: dict[str, list[Update]] = defaultdict(list)
        self.scan_sinks: list[Callable[[list[Scan]], None]] = []
        self.plant.listeners.append(self._on_update)
        self.sim_seconds = 0.0

    def _on_update(self, u: Update) -> None:
        self._pending[u[0]].append(u)

    def _by_protocol(self, proto: str) -> list[SimMachine]:
        return [m for m in self.plant.machines.values() if m.cfg.protocol == proto]

    async def start(self) -> None:
        host = self.cfg.endpoints.host
        if "opcua" in self.protocols:
            for m in self._by_protocol("opcua"):
                srv = OpcUaMachineServer([m], host, m.cfg.port)
                await srv.start()
                self.opcua[m.code] = srv
        if "modbus" in self.protocols:
            for m in self._by_protocol("modbus"):
                mb = ModbusMachineServer(m, host, m.cfg.port)
                await mb.start()
                self.modbus[m.code] = mb
        spb = self._by_protocol("sparkplug")
        if "sparkplug" in self.protocols and spb:
            self.edge = SparkplugEdgeNode(
                spb,
                self.mqtt_url,
                self.cfg.endpoints.sparkplug_group,
                self.cfg.endpoints.edge_node,
                primary_host=self.cfg.endpoints.primary_host,
            )
            for u in self.edge.initial_values():  # through the same path as changes (same-instant coalescing)
                self._pending[u[0]].append(u)
        self.plant.run_until(1e-6)  # what happens at the first instant belongs to the first values
        await self.flush()
        if self.edge is not None:
            await self.edge.start()

    async def flush(self) -> None:
        pending, self._pending = self._pending, defaultdict(list)
        for code, raw in pending.items():
            # a field that changed twice at the same simulated instant is sent once, with its final value
            last: dict[tuple[str, int], Update] = {}
            for u in raw:
                last.pop((u[1], u[2]), None)
                last[(u[1], u[2])] = u
            ups = list(last.values())
            if code in self.opcua:
                await self.opcua[code].push(ups)
            elif self.edge is not None and code in self.edge.machines:
                self.edge.push(ups)
        if self.plant.scans:
            scans, self.plant.scans = self.plant.scans, []
            for sink in self.scan_sinks:
                sink(scans)

    async def run(self, stop: asyncio.Event, *, speed: float | None = None, tick_s: float = 0.2) -> None:
        speed = speed or self.cfg.speed
        loop = asyncio.get_running_loop()
        t0, s0 = loop.time(), self.plant.env.now
        await self.flush()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick_s)
            self.plant.run_until(s0 + (loop.time() - t0) * speed)
            self.sim_seconds = self.plant.env.now
            await self.flush()

    async def stop(self) -> None:
        if self.edge is not None:
            await self.edge.stop()
        for srv in self.opcua.values():
            await srv.stop()
        for mb in self.modbus.values():
            await mb.stop()

    # -- the collector's view --------------------------------------------------------------------
    def tag_map(self, company: str | None = None) -> dict[str, Any]:
        """A tag map (as data, ready for YAML) that reads every running endpoint."""
        sources: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        for code, srv in self.opcua.items():
            name = f"opcua-{code}"
            sources.append(
                {"name": name, "kind": "opcua", "endpoint": srv.endpoint, "publishing_interval_ms": 200}
            )
            for fld, path in OPCUA_TAGS.items():
                t: dict[str, Any] = {
                    "tag": f"{code}.{fld}",
                    "source": name,
                    "address": f"ns={srv.ns};s={code}/{path}",
                    "equipment": code,
                    "unit": FIELDS[fld][1],
                }
                if fld == "cycle_time":
                    t["scale"] = 0.001
                if fld in ROLES:
                    t["role"] = ROLES[fld]
                tags.append(t)
        for code, mb in self.modbus.items():
            name = f"modbus-{code}"
            sources.append(
                {"name": name, "kind": "modbus", "host": mb.host, "port": mb.port, "unit": 1, "poll_ms": 500}
            )
            for fld, (addr, typ, scale) in LAYOUT.items():
                t = {
                    "tag": f"{code}.{'state' if fld == 'state_code' else fld}",
                    "source": name,
                    "address": addr,
                    "type": typ,
                    "scale": scale,
                    "equipment": code,
                    "unit": FIELDS[fld][1],
                }
                if fld in ROLES:
                    t["role"] = ROLES[fld]
                tags.append(t)
        if self.edge is not None:
            group, node = self.cfg.endpoints.sparkplug_group, self.cfg.endpoints.edge_node
            sources.append(
                {
                    "name": "sparkplug",
                    "kind": "mqtt",
                    "url": self.mqtt_url,
                    "format": "sparkplug",
                    "topics": [f"spBv1.0/{group}/+/{node}/#"],
                    "client_id": f"jejo-collector-{node}",
                    "host_id": self.cfg.endpoints.primary_host,
                }
            )
            for code in self.edge.machines:
                for fld in FIELDS:
                    if fld == "state_code":
                        continue
                    t = {
                        "tag": f"{code}.{fld}",
                        "source": "sparkplug",
                        "address": fld,
                        "device": code,
                        "equipment": code,
                        "unit": FIELDS[fld][1],
                        "type": {"string": "string", "int": "int64", "float": "float64"}[FIELDS[fld][0]],
                    }
                    if fld in ROLES:
                        t["role"] = ROLES[fld]
                    tags.append(t)
        for t in tags:
            if t["unit"] is None:
                del t["unit"]
        return {"company": company or self.cfg.company, "sources": sources, "tags": tags}
