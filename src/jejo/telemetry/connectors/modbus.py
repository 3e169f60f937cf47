"""Modbus TCP connector (pymodbus): block reads of holding/input registers, coils and discrete inputs,
byte and word order per device, 32/64-bit values over two/four registers, reconnect with back-off.

Modbus carries no timestamps: a sample is stamped with the collector's clock when its block was read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import time
from dataclasses import dataclass

from jejo.core.errors import Problem
from jejo.telemetry.connectors import Backoff, Emit, Health
from jejo.telemetry.model import REGISTER_WIDTH, BadPayload, ModbusSource, Sample, Tag, modbus_address

log = logging.getLogger(__name__)

_FMT = {
    "int16": "h",
    "uint16": "H",
    "int32": "i",
    "uint32": "I",
    "float32": "f",
    "float64": "d",
    "int64": "q",
    "bool": "H",
}


def decode_registers(
    words: list[int], dtype: str, *, byte_order: str = "big", word_order: str = "big"
) -> float:
    """Registers (16-bit words as read) → number, after the device's byte and word order."""
    width = REGISTER_WIDTH.get(dtype)
    if width is None or dtype not in _FMT:
        raise BadPayload(f"Modbus cannot carry {dtype!r}", [Problem(reason="unknown type", field="type")])
    if len(words) != width or not all(isinstance(w, int) and 0 <= w <= 0xFFFF for w in words):
        raise BadPayload(
            f"{dtype} needs {width} registers of 0..65535; got {list(words)[:8]}",
            [Problem(reason="bad register words", field="registers")],
        )
    if byte_order not in ("big", "little") or word_order not in ("big", "little"):
        raise BadPayload(
            "byte and word order are big or little", [Problem(reason="bad order", field="order")]
        )
    ws = list(words)
    if word_order == "little":
        ws.reverse()
    raw = b"".join(w.to_bytes(2, "big") for w in ws)
    if byte_order == "little":
        raw = b"".join(raw[i + 1 : i + 2] + raw[i : i + 1] for i in range(0, len(raw), 2))
    return float(struct.unpack(">" + _FMT[dtype], raw)[0])


def encode_registers(
    value: float, dtype: str, *, byte_order: str = "big", word_order: str = "big"
) -> list[int]:
    """The inverse of :func:`decode_registers` (what a device would hold)."""
    v: float | int = int(value) if dtype not in ("float32", "float64") else value
    raw = struct.pack(">" + _FMT[dtype], v)
    if byte_order == "little":
        raw = b"".join(raw[i + 1 : i + 2] + raw[i : i + 1] for i in range(0, len(raw), 2))
    ws = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
    if word_order == "little":
        ws.reverse()
    return ws


@dataclass(frozen=True, slots=True)
class Block:
    table: str
    start: int
    count: int
    tags: tuple[tuple[Tag, int], ...]  # (tag, offset)


def plan_blocks(tags: list[Tag], max_block: int = 100) -> list[Block]:
    """Group tags into as few contiguous reads as possible (each at most ``max_block`` registers)."""
    by_table: dict[str, list[tuple[int, int, Tag]]] = {}
    for t in tags:
        table, off = modbus_address(t.address)
        width = 1 if table in ("co", "di") else REGISTER_WIDTH[t.type]
        by_table.setdefault(table, []).append((off, width, t))
    blocks: list[Block] = []
    for table, items in sorted(by_table.items()):
        items.sort(key=lambda x: x[0])
        cur: list[tuple[int, int, Tag]] = []
        for it in items:
            if cur and it[0] + it[1] - cur[0][0] > max_block:
                blocks.append(_block(table, cur))
                cur = []
            cur.append(it)
        if cur:
            blocks.append(_block(table, cur))
    return blocks


def _block(table: str, items: list[tuple[int, int, Tag]]) -> Block:
    start = items[0][0]
    end = max(off + w for off, w, _ in items)
    return Block(table, start, end - start, tuple((t, off - start) for off, _, t in items))


async def run_modbus(
    source: ModbusSource, tags: list[Tag], emit: Emit, health: Health, stop: asyncio.Event
) -> None:
    from pymodbus.client import AsyncModbusTcpClient

    blocks = plan_blocks(tags, source.max_block)
    backoff = Backoff()
    while not stop.is_set():
        client = AsyncModbusTcpClient(
            source.host, port=source.port, timeout=source.timeout_s, retries=0, reconnect_delay=0
        )
        try:
            if not await client.connect():
                raise ConnectionError(f"cannot connect to {source.host}:{source.port}")
            health.connected, health.last_error = True, None
            backoff.reset()
            while not stop.is_set():
                t0 = time.monotonic()
                samples: list[Sample] = []
                for b in blocks:
                    samples.extend(await _read_block(client, source, b))
                if samples:
                    health.samples += len(samples)
                    emit(samples)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        stop.wait(), max(0.0, source.poll_ms / 1000 - (time.monotonic() - t0))
                    )
        except Exception as exc:  # connection refused, timeout, exception response
            health.error(exc)
            health.reconnects += 1
            log.info("modbus %s: %s", source.name, health.last_error)
        finally:
            client.close()
        if not stop.is_set():
            await backoff.wait(stop)


async def _read_block(client: object, source: ModbusSource, b: Block) -> list[Sample]:
    fn = {
        "hr": "read_holding_registers",
        "ir": "read_input_registers",
        "co": "read_coils",
        "di": "read_discrete_inputs",
    }[b.table]
    rr = await getattr(client, fn)(b.start, count=b.count, device_id=source.unit)
    if rr.isError():
        raise ConnectionError(f"{source.name}: {b.table}:{b.start}+{b.count} answered {rr}")
    ts = time.time_ns() // 1_000_000
    out: list[Sample] = []
    if b.table in ("co", "di"):
        for t, off in b.tags:
            out.append(Sample(t.tag, ts, t.scaled(float(bool(rr.bits[off])))))
        return out
    regs = rr.registers
    for t, off in b.tags:
        w = REGISTER_WIDTH[t.type]
        raw = decode_registers(
            regs[off : off + w], t.type, byte_order=source.byte_order, word_order=source.word_order
        )
        out.append(Sample(t.tag, ts, t.scaled(raw)))
    return out
