"""A simulated machine served as a Modbus TCP server (pymodbus), device id 1.

Holding registers (read-only): 0 state code (0 off, 1 idle, 2 running, 3 down, 4 setup, 5 planned stop),
1-2 good count, 3-4 scrap count, 5-6 total count (uint32, high word first), 7 alarm (0 none,
1 breakdown, 2 bearing), 8-9 job number (uint32).
Input registers: 0 temperature ×10 °C (int16), 1 vibration ×100 mm/s (uint16), 2 quality deviation
×10000 mm (int16), 3 tool wear ×10 % (uint16), 4-5 cycle time s (float32).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from typing import Any

from jejo.core.net import free_port
from jejo.sim.plant import SimMachine
from jejo.telemetry.connectors.modbus import encode_registers

ALARMS = {"": 0, "BREAKDOWN": 1, "BEARING": 2}
HR_SIZE, IR_SIZE = 10, 6

#: The tag-map addresses of this layout: field → (address, type, scale).
LAYOUT: dict[str, tuple[str, str, float]] = {
    "state_code": ("hr:0", "uint16", 1.0),
    "good": ("hr:1", "uint32", 1.0),
    "scrap": ("hr:3", "uint32", 1.0),
    "total": ("hr:5", "uint32", 1.0),
    "temperature": ("ir:0", "int16", 0.1),
    "vibration": ("ir:1", "uint16", 0.01),
    "quality": ("ir:2", "int16", 0.0001),
    "tool_wear": ("ir:3", "uint16", 0.1),
    "cycle_time": ("ir:4", "float32", 1.0),
}


def holding(m: SimMachine) -> list[int]:
    v = m.values
    job = re.search(r"(\d+)$", str(v["job"]))
    return [
        int(v["state_code"]),
        *encode_registers(v["good"], "uint32"),
        *encode_registers(v["scrap"], "uint32"),
        *encode_registers(v["total"], "uint32"),
        ALARMS.get(v["alarm"], 9),
        *encode_registers(int(job.group(1)) if job else 0, "uint32"),
    ]


def inputs(m: SimMachine) -> list[int]:
    v = m.values
    return (
        encode_registers(round(v["temperature"] * 10), "int16")
        + encode_registers(min(65535, round(v["vibration"] * 100)), "uint16")
        + encode_registers(max(-32768, min(32767, round(v["quality"] * 10000))), "int16")
        + encode_registers(round(v["tool_wear"] * 10), "uint16")
        + encode_registers(float(v["cycle_time"]), "float32")
    )


class ModbusMachineServer:
    def __init__(self, machine: SimMachine, host: str, port: int) -> None:
        self.machine, self.host = machine, host
        self.port = port or free_port(host)
        self._server: Any = None
        self._task: asyncio.Task[None] | None = None

    async def _action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        current_registers: list[int],
        set_values: Any,
    ) -> None:
        if function_code == 3:
            regs = holding(self.machine)
        elif function_code == 4:
            regs = inputs(self.machine)
        else:
            return None
        for i, r in enumerate(regs):
            idx = i - start_address
            if 0 <= idx < len(current_registers):
                current_registers[idx] = r
        return None

    async def start(self) -> None:
        from pymodbus.server import ModbusTcpServer
        from pymodbus.simulator import DataType, SimData, SimDevice

        device = SimDevice(
            id=1,
            simdata=(
                [SimData(0, count=1, values=False, datatype=DataType.BITS)],
                [SimData(0, count=1, values=False, datatype=DataType.BITS)],
                [SimData(0, count=HR_SIZE, values=0, datatype=DataType.REGISTERS)],
                [SimData(0, count=IR_SIZE, values=0, datatype=DataType.REGISTERS)],
            ),
            action=self._action,
        )
        self._server = ModbusTcpServer(device, address=(self.host, self.port))
        self._task = asyncio.create_task(self._server.serve_forever())
        for _ in range(50):
            await asyncio.sleep(0.02)
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=0.2):
                return

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
