"""Tag maps and samples (pure domain: no protocol libraries, no database).

A *tag map* is YAML: the company it belongs to, the sources to read (OPC UA servers, Modbus TCP
devices, MQTT brokers) and the tags, each with its address on its source, type, scaling, unit,
deadband and role. Loading one checks every entry and reports every problem with its line and key.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticError

from jejo.core.errors import Problem, ValidationError
from jejo.execution.events import MachineStateKind


class BadPayload(ValidationError, ValueError):
    """A message from a machine or broker that cannot be read (also a ``ValueError`` for old callers)."""


MAX_TS_MS = (
    253_402_300_800_000  # 10000-01-01T00:00:00Z: source timestamps must lie before it (and after 1970)
)


class Sample(NamedTuple):
    """One value of one tag at the time its source stamped it (epoch milliseconds, UTC)."""

    tag: str
    ts_ms: int
    value: float | str | None


class Role(StrEnum):
    """What a tag means to the MES; analog tags only go to the time-series store."""

    ANALOG = "analog"
    STATE = "state"
    GOOD_COUNT = "good_count"
    SCRAP_COUNT = "scrap_count"
    TOTAL_COUNT = "total_count"
    JOB = "job"
    ALARM = "alarm"


DataType = Literal["bool", "int16", "uint16", "int32", "uint32", "float32", "float64", "int64", "string"]

REGISTER_WIDTH: dict[str, int] = {
    "bool": 1,
    "int16": 1,
    "uint16": 1,
    "int32": 2,
    "uint32": 2,
    "float32": 2,
    "float64": 4,
    "int64": 4,
}

_TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,127}$")
_MODBUS_RE = re.compile(r"^(hr|ir|co|di):(\d{1,5})$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Security(_Model):
    """OPC UA security: ``None`` (anonymous) or Basic256Sha256 with client certificate and key (PEM/DER);
    the server is pinned (``server_certificate``) or checked against a trust list (``trust_list``)."""

    policy: Literal["None", "Basic256Sha256"] = "None"
    mode: Literal["Sign", "SignAndEncrypt"] = "SignAndEncrypt"
    certificate: str | None = None
    private_key: str | None = None
    server_certificate: str | None = None
    #: a folder of trusted certificates (the server's own, or the CA that signed it; PEM or DER): the
    #: server's certificate must chain to one of them (OPC UA Part 4 trust list)
    trust_list: str | None = None
    #: a folder of certificate revocation lists of those CAs (PEM or DER)
    revocation_list: str | None = None
    username: str | None = None
    password: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Security:
        if self.policy != "None" and not (self.certificate and self.private_key):
            raise ValueError("Basic256Sha256 needs certificate and private_key")
        return self


class OpcUaSource(_Model):
    name: str
    kind: Literal["opcua"]
    endpoint: str = Field(pattern=r"^opc\.tcp://")
    security: Security = Security()
    publishing_interval_ms: int = Field(default=500, ge=10, le=600_000)
    timeout_s: float = Field(default=5.0, gt=0)


class ModbusSource(_Model):
    name: str
    kind: Literal["modbus"]
    host: str
    port: int = Field(default=502, ge=1, le=65535)
    unit: int = Field(default=1, ge=0, le=255)
    poll_ms: int = Field(default=1000, ge=10, le=600_000)
    byte_order: Literal["big", "little"] = "big"
    word_order: Literal["big", "little"] = "big"
    max_block: int = Field(default=100, ge=1, le=125)
    timeout_s: float = Field(default=3.0, gt=0)


class MqttTls(_Model):
    """MQTT over TLS (``mqtts://``, port 8883 by default): the broker's certificate is checked against
    ``ca_file`` (else the system's trusted CAs); ``cert_file`` and ``key_file`` add a client certificate
    for brokers that require one (mutual TLS). ``username``/``password`` log in to the broker."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    username: str | None = None
    password: str | None = None

    @model_validator(mode="after")
    def _pair(self) -> MqttTls:
        if bool(self.cert_file) != bool(self.key_file):
            raise ValueError("a client certificate needs both cert_file and key_file")
        return self


class MqttSource(_Model):
    name: str
    kind: Literal["mqtt"]
    url: str = Field(pattern=r"^mqtts?://")
    tls: MqttTls | None = Field(default=None, description="TLS and login; mqtts:// alone uses the system CAs")
    format: Literal["sparkplug", "json"] = "sparkplug"
    topics: list[str] = Field(min_length=1)
    client_id: str | None = None
    qos: Literal[0, 1] = 1
    host_id: str | None = Field(
        default=None, description="Sparkplug primary host id: publish STATE online/offline"
    )


Source = OpcUaSource | ModbusSource | MqttSource


class Tag(_Model):
    """One tag: where it lives on its source and how to turn the raw value into an SI value."""

    tag: str
    source: str
    address: str
    type: DataType = "float64"
    scale: float = 1.0
    offset: float = 0.0
    unit: str | None = None
    deadband: float = Field(default=0.0, ge=0)
    sampling_ms: int | None = Field(default=None, ge=10)
    equipment: str | None = None
    device: str | None = None
    role: Role = Role.ANALOG
    state_map: dict[str, MachineStateKind] | None = None
    description: str | None = None

    @field_validator("tag")
    @classmethod
    def _tag(cls, v: str) -> str:
        if not _TAG_RE.match(v):
            raise ValueError("tag must be 1-128 letters, digits or . _ - / and start with a letter or digit")
        return v

    @field_validator("state_map", mode="before")
    @classmethod
    def _keys(cls, v: Any) -> Any:
        # YAML 1.1 reads a bare ``off`` as false: take it for the state it names
        if not isinstance(v, dict):
            return v
        return {str(k): ("off" if s is False else s) for k, s in v.items()}

    def scaled(self, raw: float | int | bool | str | None) -> float | str | None:
        """Apply scale and offset (strings pass through)."""
        if raw is None or isinstance(raw, str):
            return raw
        if self.scale == 1.0 and self.offset == 0.0:
            return float(raw)
        return float(raw) * self.scale + self.offset


class TagMap(_Model):
    company: str
    scrap_reason: str = Field(default="SC-DIM", description="reason code of scrap counted by machines")
    sources: list[Source] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)

    def tags_of(self, source: str) -> list[Tag]:
        return [t for t in self.tags if t.source == source]

    def by_tag(self) -> dict[str, Tag]:
        return {t.tag: t for t in self.tags}


# ---- loading with line numbers -------------------------------------------------------------------


def _to_python(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _to_python(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def _line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    # pydantic puts the union member's tag into loc (e.g. 'OpcUaSource'); drop what the YAML lacks
    path: tuple[Any, ...] = ()
    for part in loc:
        if (*path, part) in lines:
            path = (*path, part)
    return lines.get(path)


def _key_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p[:1].isupper() and "Source" in p)]
    return ".".join(parts)


def parse_tag_map(text: str, origin: str = "<tag map>") -> TagMap:
    """Parse and check a tag map; every problem is reported with its line and key."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ValidationError(
            f"{origin} is not valid YAML", [Problem(reason=str(exc).splitlines()[0], field=origin, row=line)]
        ) from exc
    if root is None:
        raise ValidationError(f"{origin} is empty", [Problem(reason="empty document", field=origin)])
    lines: dict[tuple[Any, ...], int] = {}
    try:
        data = _to_python(root, (), lines)
    except (yaml.YAMLError, TypeError, ValueError, RecursionError) as exc:
        # keys that are lists or maps, aliases that refer to themselves: YAML allows them, a tag map not
        raise ValidationError(
            f"{origin} is not a tag map",
            [Problem(reason=f"unsupported YAML structure: {str(exc).splitlines()[0][:200]}", field=origin)],
        ) from exc
    problems: list[Problem] = []
    try:
        tag_map = TagMap.model_validate(data)
    except PydanticError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(Problem(reason=err["msg"], field=_key_of(loc), row=_line_of(loc, lines)))
        raise ValidationError(f"{origin} has {len(problems)} problem(s)", problems) from exc
    names = [s.name for s in tag_map.sources]
    for i, s in enumerate(tag_map.sources):
        if names.count(s.name) > 1:
            problems.append(
                Problem(
                    reason=f"source name {s.name!r} is used twice",
                    field=f"sources.{i}.name",
                    row=lines.get(("sources", i, "name")),
                )
            )
    seen: set[str] = set()
    for i, t in enumerate(tag_map.tags):
        row = lines.get(("tags", i))
        if t.tag in seen:
            problems.append(
                Problem(
                    reason=f"tag {t.tag!r} is defined twice",
                    field=f"tags.{i}.tag",
                    row=lines.get(("tags", i, "tag")),
                )
            )
        seen.add(t.tag)
        if t.source not in names:
            problems.append(
                Problem(
                    reason=f"unknown source {t.source!r}; known: {', '.join(names) or 'none'}",
                    field=f"tags.{i}.source",
                    row=lines.get(("tags", i, "source")),
                )
            )
            continue
        src = tag_map.source(t.source)
        if isinstance(src, ModbusSource):
            m = _MODBUS_RE.match(t.address)
            if not m:
                problems.append(
                    Problem(
                        reason="Modbus address must look like hr:40 or ir:0 (table:offset)",
                        field=f"tags.{i}.address",
                        row=lines.get(("tags", i, "address")),
                    )
                )
            elif t.type == "string":
                problems.append(
                    Problem(
                        reason="Modbus tags cannot be strings",
                        field=f"tags.{i}.type",
                        row=lines.get(("tags", i, "type")),
                    )
                )
        if isinstance(src, MqttSource) and src.format == "sparkplug" and not t.device:
            problems.append(
                Problem(
                    reason="Sparkplug tags need the device (edge node/device id)",
                    field=f"tags.{i}.device",
                    row=row,
                )
            )
        if t.role is Role.STATE and not t.equipment:
            problems.append(
                Problem(
                    reason="state tags need the equipment they describe",
                    field=f"tags.{i}.equipment",
                    row=row,
                )
            )
        if t.role in (Role.GOOD_COUNT, Role.SCRAP_COUNT, Role.TOTAL_COUNT) and not t.equipment:
            problems.append(
                Problem(
                    reason="counter tags need the equipment they count for",
                    field=f"tags.{i}.equipment",
                    row=row,
                )
            )
    if problems:
        raise ValidationError(f"{origin} has {len(problems)} problem(s)", problems)
    return tag_map


def load_tag_map(path: str | Path) -> TagMap:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(
            f"tag map {p} cannot be read", [Problem(reason=str(exc), field=str(p))]
        ) from exc
    return parse_tag_map(text, origin=str(p))


def modbus_address(address: str) -> tuple[str, int]:
    """``"hr:40"`` → ``("hr", 40)``."""
    m = _MODBUS_RE.match(address)
    if not m:
        raise ValueError(f"bad Modbus address {address!r}")
    return m.group(1), int(m.group(2))
