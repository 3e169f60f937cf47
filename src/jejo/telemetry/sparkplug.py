"""Sparkplug B (Eclipse Tahu) payloads and topics.

The protobuf schema is declared here from the public Sparkplug B specification's field numbers
(``org.eclipse.tahu.protobuf.Payload``) and built in a private descriptor pool, so it never clashes
with another copy of the same schema in the process. Only protobuf is needed, no compiler.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from jejo.core.errors import Problem
from jejo.telemetry.model import BadPayload

# Sparkplug B data types (spec table "Data Types")
INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64 = 1, 2, 3, 4, 5, 6, 7, 8
FLOAT, DOUBLE, BOOLEAN, STRING, DATETIME, TEXT = 9, 10, 11, 12, 13, 14

NAMESPACE = "spBv1.0"


def _build_payload_class() -> Any:
    F = descriptor_pb2.FieldDescriptorProto
    fd = descriptor_pb2.FileDescriptorProto(
        name="jejo_sparkplug_b.proto", package="org.eclipse.tahu.protobuf", syntax="proto2"
    )
    payload = fd.message_type.add(name="Payload")
    metric = payload.nested_type.add(name="Metric")
    metric.oneof_decl.add(name="value")
    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    for name, num, typ in (
        ("name", 1, F.TYPE_STRING),
        ("alias", 2, F.TYPE_UINT64),
        ("timestamp", 3, F.TYPE_UINT64),
        ("datatype", 4, F.TYPE_UINT32),
        ("is_historical", 5, F.TYPE_BOOL),
        ("is_transient", 6, F.TYPE_BOOL),
        ("is_null", 7, F.TYPE_BOOL),
    ):
        metric.field.add(name=name, number=num, type=typ, label=opt)
    for name, num, typ in (
        ("int_value", 10, F.TYPE_UINT32),
        ("long_value", 11, F.TYPE_UINT64),
        ("float_value", 12, F.TYPE_FLOAT),
        ("double_value", 13, F.TYPE_DOUBLE),
        ("boolean_value", 14, F.TYPE_BOOL),
        ("string_value", 15, F.TYPE_STRING),
        ("bytes_value", 16, F.TYPE_BYTES),
    ):
        metric.field.add(name=name, number=num, type=typ, label=opt, oneof_index=0)
    payload.field.add(name="timestamp", number=1, type=F.TYPE_UINT64, label=opt)
    payload.field.add(
        name="metrics",
        number=2,
        type=F.TYPE_MESSAGE,
        label=rep,
        type_name=".org.eclipse.tahu.protobuf.Payload.Metric",
    )
    payload.field.add(name="seq", number=3, type=F.TYPE_UINT64, label=opt)
    payload.field.add(name="uuid", number=4, type=F.TYPE_STRING, label=opt)
    payload.field.add(name="body", number=5, type=F.TYPE_BYTES, label=opt)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("org.eclipse.tahu.protobuf.Payload"))


PayloadPB: Any = _build_payload_class()

_VALUE_FIELD = {
    INT8: "int_value",
    INT16: "int_value",
    INT32: "int_value",
    UINT8: "int_value",
    UINT16: "int_value",
    UINT32: "int_value",
    INT64: "long_value",
    UINT64: "long_value",
    DATETIME: "long_value",
    FLOAT: "float_value",
    DOUBLE: "double_value",
    BOOLEAN: "boolean_value",
    STRING: "string_value",
    TEXT: "string_value",
}
_SIGNED_BITS = {INT8: 8, INT16: 16, INT32: 32, INT64: 64}


@dataclass(slots=True)
class Metric:
    name: str | None
    value: float | int | bool | str | None
    datatype: int = DOUBLE
    timestamp: int | None = None
    alias: int | None = None


@dataclass(slots=True)
class Payload:
    timestamp: int
    metrics: list[Metric] = field(default_factory=list)
    seq: int | None = None


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def encode(payload: Payload, *, with_datatype: bool = True) -> bytes:
    """Serialise a payload (metric datatypes are always sent in BIRTHs; DATA may leave them out)."""
    pb = PayloadPB()
    pb.timestamp = payload.timestamp
    if payload.seq is not None:
        pb.seq = payload.seq
    for m in payload.metrics:
        pm = pb.metrics.add()
        if m.name is not None:
            pm.name = m.name
        if m.alias is not None:
            pm.alias = m.alias
        if m.timestamp is not None:
            pm.timestamp = m.timestamp
        if with_datatype:
            pm.datatype = m.datatype
        if m.value is None:
            pm.is_null = True
            continue
        fname = _VALUE_FIELD[m.datatype]
        value: Any = m.value
        if m.datatype in _SIGNED_BITS and int(value) < 0:  # two's complement in the unsigned field
            bits = 32 if fname == "int_value" else 64
            value = int(value) + (1 << bits)
        setattr(pm, fname, value)
    return bytes(pb.SerializeToString())


def decode(
    raw: bytes, *, datatypes: dict[str, int] | None = None, aliases: dict[int, str] | None = None
) -> Payload:
    """Parse a payload; names of aliased metrics and missing datatypes come from the BIRTH certificate."""
    try:
        pb = PayloadPB.FromString(raw)
    except DecodeError as exc:
        raise BadPayload(
            "not a Sparkplug B payload", [Problem(reason="protobuf does not parse", field="payload")]
        ) from exc
    out = Payload(timestamp=int(pb.timestamp), seq=int(pb.seq) if pb.HasField("seq") else None)
    for pm in pb.metrics:
        name = pm.name if pm.HasField("name") else (aliases or {}).get(pm.alias)
        dt = pm.datatype if pm.HasField("datatype") else (datatypes or {}).get(name or "", 0)
        kind = pm.WhichOneof("value")
        value: Any = None if pm.is_null or kind is None else getattr(pm, kind)
        if kind == "bytes_value" and value is not None:
            raise BadPayload(
                "binary Sparkplug metrics are not supported",
                [Problem(reason="bytes value", field=f"metrics.{name or pm.alias}")],
            )
        if isinstance(value, int) and not isinstance(value, bool) and dt in _SIGNED_BITS:
            bits = 32 if kind == "int_value" else 64
            sbits = _SIGNED_BITS[dt]
            value &= (1 << bits) - 1
            if value >= 1 << (sbits - 1):
                value -= 1 << sbits
        out.metrics.append(
            Metric(
                name=name,
                value=value,
                datatype=int(dt),
                timestamp=int(pm.timestamp) if pm.HasField("timestamp") else None,
                alias=int(pm.alias) if pm.HasField("alias") else None,
            )
        )
    return out


def _parse(raw: bytes) -> Any:
    try:
        return PayloadPB.FromString(raw)
    except DecodeError as exc:
        raise BadPayload(
            "not a Sparkplug B payload", [Problem(reason="protobuf does not parse", field="payload")]
        ) from exc


def _value(pm: Any, kind: str | None, name: str | None, datatypes: dict[str, int] | None) -> Any:
    """A metric's value in the general case (integers get their sign back from the datatype)."""
    if pm.is_null or kind is None:
        return None
    value: Any = getattr(pm, kind)
    if kind == "bytes_value":
        raise BadPayload(
            "binary Sparkplug metrics are not supported",
            [Problem(reason="bytes value", field=f"metrics.{name or pm.alias}")],
        )
    if isinstance(value, int) and not isinstance(value, bool):
        dt = pm.datatype if pm.HasField("datatype") else (datatypes or {}).get(name or "", 0)
        if dt in _SIGNED_BITS:
            bits = 32 if kind == "int_value" else 64
            sbits = _SIGNED_BITS[dt]
            value &= (1 << bits) - 1
            if value >= 1 << (sbits - 1):
                value -= 1 << sbits
    return value


_FLOATS = ("double_value", "float_value")


def data_points(
    raw: bytes, *, datatypes: dict[str, int] | None = None, aliases: dict[int, str] | None = None
) -> tuple[int, int | None, list[str | None], list[int], list[Any]]:
    """The fast path for DATA messages: (payload timestamp, seq, names, timestamps, values), one column
    each, with no object per metric. A metric without its own timestamp gets the payload's; names of
    aliased metrics come from the BIRTH certificate (None when it is not known). Values as
    :func:`decode` gives them."""
    pb = _parse(raw)
    ts = int(pb.timestamp)
    names: list[str | None] = []
    stamps: list[int] = []
    values: list[Any] = []
    name_of, stamp_of, value_of = names.append, stamps.append, values.append
    for pm in pb.metrics:
        name: str | None = pm.name
        if not name and not pm.HasField("name"):
            name = (aliases or {}).get(pm.alias)
        name_of(name)
        stamp_of(pm.timestamp or ts)
        kind = pm.WhichOneof("value")
        if kind in _FLOATS and not pm.is_null:
            value_of(getattr(pm, kind))
        else:
            value_of(_value(pm, kind, name, datatypes))
    return ts, (int(pb.seq) if pb.HasField("seq") else None), names, stamps, values


@dataclass(frozen=True, slots=True)
class Topic:
    group: str
    message_type: str
    edge_node: str
    device: str | None = None

    def __str__(self) -> str:
        base = f"{NAMESPACE}/{self.group}/{self.message_type}/{self.edge_node}"
        return f"{base}/{self.device}" if self.device else base

    @classmethod
    def parse(cls, topic: str) -> Topic:
        parts = topic.split("/")
        if len(parts) not in (4, 5) or parts[0] != NAMESPACE:
            raise BadPayload(
                f"not a Sparkplug B topic: {topic[:200]!r}",
                [Problem(reason=f"expected {NAMESPACE}/group/type/node[/device]", field="topic")],
            )
        return cls(parts[1], parts[2], parts[3], parts[4] if len(parts) == 5 else None)


def datatype_for(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INT64
    if isinstance(value, float):
        return DOUBLE
    return STRING
