"""A simulated machine served as an OPC UA server (asyncua), its address space laid out after
OPC 40001-1 Machinery and OPC 40550-1 Woodworking (browse names and structure; the companion
nodesets themselves are not loaded, so types are plain folders/objects in jejo's namespace):

``Objects/Machines/<code>/``
  ``Identification/`` Manufacturer, Model, SerialNumber, AssetId, ProductInstanceUri
  ``MachineryItemState/CurrentState`` (NotAvailable, OutOfService, NotExecuting, Executing)
  ``MachineryOperationMode/CurrentState`` (None, Maintenance, Setup, Processing)
  ``State/Machine/Overview/CurrentState`` (OFFLINE, STANDBY, READY, WORKING, ERROR)
  ``State/Machine/Flags/`` MachineOn, Error, Alarm, RecipeInRun, RecipeInSetup
  ``State/Machine/Values/`` PiecesOut, RunsGood, RunsAborted, RunsTotal, ActualCycle
  ``OperationCounters/OperationCycleCounter``
  ``JobManagement/`` CurrentJobOrderID, ProductId
  ``Monitoring/`` Temperature, Vibration, QualityDeviation, ToolWear
  ``Alarms/ActiveAlarm``
  ``ManufacturerSpecific/MesState`` (the MES state: running, idle, down, setup, planned_stop, off)

Node ids are strings: ``ns=2;s=<code>/<path>`` (e.g. ``ns=2;s=MC-01/State/Machine/Overview/CurrentState``).
Every value carries the simulator's timestamp as its SourceTimestamp.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from jejo.core.net import free_port
from jejo.sim.plant import WOODWORKING_STATE, SimMachine

NAMESPACE = "urn:jejo:demo-factory"
log = logging.getLogger(__name__)

ITEM_STATE = {
    "off": "OutOfService",
    "idle": "NotExecuting",
    "running": "Executing",
    "down": "OutOfService",
    "setup": "NotExecuting",
    "planned_stop": "NotExecuting",
}
OP_MODE = {
    "off": "None",
    "idle": "Processing",
    "running": "Processing",
    "down": "Maintenance",
    "setup": "Setup",
    "planned_stop": "None",
}

# field → [(path, converter, variant type)]
_Conv = tuple[str, Any, str]
MAP: dict[str, list[_Conv]] = {
    "state": [
        ("State/Machine/Overview/CurrentState", lambda v: WOODWORKING_STATE[v], "String"),
        ("ManufacturerSpecific/MesState", str, "String"),
        ("MachineryItemState/CurrentState", lambda v: ITEM_STATE[v], "String"),
        ("MachineryOperationMode/CurrentState", lambda v: OP_MODE[v], "String"),
        ("State/Machine/Flags/MachineOn", lambda v: v != "off", "Boolean"),
        ("State/Machine/Flags/Error", lambda v: v == "down", "Boolean"),
        ("State/Machine/Flags/RecipeInRun", lambda v: v == "running", "Boolean"),
        ("State/Machine/Flags/RecipeInSetup", lambda v: v == "setup", "Boolean"),
    ],
    "good": [("State/Machine/Values/RunsGood", int, "UInt64")],
    "scrap": [("State/Machine/Values/RunsAborted", int, "UInt64")],
    "total": [
        ("State/Machine/Values/RunsTotal", int, "UInt64"),
        ("State/Machine/Values/PiecesOut", int, "UInt64"),
        ("OperationCounters/OperationCycleCounter", int, "UInt64"),
    ],
    "cycle_time": [("State/Machine/Values/ActualCycle", lambda v: int(v * 1000), "UInt64")],
    "job": [("JobManagement/CurrentJobOrderID", str, "String")],
    "product": [("JobManagement/ProductId", str, "String")],
    "alarm": [("Alarms/ActiveAlarm", str, "String"), ("State/Machine/Flags/Alarm", bool, "Boolean")],
    "temperature": [("Monitoring/Temperature", float, "Double")],
    "vibration": [("Monitoring/Vibration", float, "Double")],
    "quality": [("Monitoring/QualityDeviation", float, "Double")],
    "tool_wear": [("Monitoring/ToolWear", float, "Double")],
}


def node_id(code: str, path: str, ns: int = 2) -> str:
    return f"ns={ns};s={code}/{path}"


class OpcUaMachineServer:
    """One OPC UA server for one or more machines (one per machine in the demo)."""

    def __init__(
        self,
        machines: list[SimMachine],
        host: str,
        port: int,
        *,
        certificate: str | None = None,
        private_key: str | None = None,
        allow_anonymous_none: bool = True,
    ) -> None:
        self.machines, self.host = machines, host
        self.port = port or free_port(host)
        self.certificate, self.private_key = certificate, private_key
        self.allow_none = allow_anonymous_none
        self.endpoint = f"opc.tcp://{host}:{self.port}/jejo/"
        self._server: Any = None
        self._nodes: dict[tuple[str, str], Any] = {}
        self.ns = 2

    async def start(self) -> None:
        from asyncua import Server
        from asyncua import ua as _ua

        ua: Any = _ua  # its annotations name wrapper types (String, Int16) where str and int are taken

        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_server_name(f"jejo demo {'/'.join(m.code for m in self.machines)}")
        if self.certificate and self.private_key:
            await server.load_certificate(self.certificate)
            await server.load_private_key(self.private_key)
            policies = [
                ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
                ua.SecurityPolicyType.Basic256Sha256_Sign,
            ]
            if self.allow_none:
                policies.append(ua.SecurityPolicyType.NoSecurity)
            server.set_security_policy(policies)
        else:
            server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        self.ns = await server.register_namespace(NAMESPACE)
        machines_folder = await server.nodes.objects.add_folder(ua.NodeId("Machines", self.ns), "Machines")
        for m in self.machines:
            await self._build(server, machines_folder, m)
        await server.start()
        self._server = server

    async def _build(self, server: Any, parent: Any, m: SimMachine) -> None:
        from asyncua import ua as _ua

        ua: Any = _ua

        ns = self.ns
        folders: dict[str, Any] = {}
        root = await parent.add_object(ua.NodeId(f"{m.code}", ns), m.code)
        folders[""] = root

        async def folder(path: str) -> Any:
            if path in folders:
                return folders[path]
            head, _, name = path.rpartition("/")
            p = await folder(head)
            folders[path] = await p.add_object(ua.NodeId(f"{m.code}/{path}", ns), name)
            return folders[path]

        start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=m.plant.now_ms())
        ident = {
            "Manufacturer": "jejo demo",
            "Model": m.cfg.kind,
            "SerialNumber": f"SN-{m.code}",
            "AssetId": m.code,
            "ProductInstanceUri": f"urn:jejo:demo:{m.code}",
        }
        for k, v in ident.items():
            await (await folder("Identification")).add_variable(
                ua.NodeId(f"{m.code}/Identification/{k}", ns), k, v
            )
        for fld, convs in MAP.items():
            for path, conv, vtype in convs:
                head, _, name = path.rpartition("/")
                f = await folder(head)
                value = conv(m.values[fld])
                var = await f.add_variable(
                    ua.NodeId(f"{m.code}/{path}", ns), name, ua.Variant(value, getattr(ua.VariantType, vtype))
                )
                await server.write_attribute_value(
                    var.nodeid,
                    ua.DataValue(  # stamped at the simulation's start
                        ua.Variant(value, getattr(ua.VariantType, vtype)),
                        SourceTimestamp=start,
                        ServerTimestamp=datetime.now(UTC),
                    ),
                )
                self._nodes[(m.code, path)] = (var, vtype)

    async def push(self, updates: list[tuple[str, str, int, Any]]) -> None:
        """Write the latest value of each changed field with its simulated timestamp."""
        from asyncua import ua as _ua

        ua: Any = _ua

        latest: dict[tuple[str, str], tuple[int, Any]] = {}
        for code, fld, ts, v in updates:
            latest[(code, fld)] = (ts, v)
        now = datetime.now(UTC)
        for (code, fld), (ts, v) in latest.items():
            for path, conv, vtype in MAP.get(fld, []):
                node = self._nodes.get((code, path))
                if node is None:
                    continue
                src = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ts)
                dv = ua.DataValue(
                    ua.Variant(conv(v), getattr(ua.VariantType, vtype)),
                    SourceTimestamp=src,
                    ServerTimestamp=now,
                )
                await self._server.write_attribute_value(node[0].nodeid, dv)

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None
