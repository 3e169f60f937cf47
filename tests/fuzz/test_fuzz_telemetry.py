"""Machine data decoders and the tag-map loader under hostile input: a clear ValidationError (naming the
field or line where it can), never another exception. The collector counts such a payload and goes on."""

from __future__ import annotations

import json

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from jejo.core.errors import ValidationError
from jejo.telemetry import sparkplug as spb
from jejo.telemetry.connectors.modbus import decode_registers
from jejo.telemetry.connectors.mqtt import JsonDecoder, SparkplugDecoder
from jejo.telemetry.model import REGISTER_WIDTH, Tag, parse_tag_map

GOOD_MAP = """\
company: ACME
sources:
  - name: press
    kind: modbus
    host: 127.0.0.1
  - name: line
    kind: mqtt
    url: mqtt://127.0.0.1:1883
    topics: ["spBv1.0/ACME/#"]
  - name: cnc
    kind: opcua
    endpoint: opc.tcp://127.0.0.1:4840
tags:
  - {tag: press.temp, source: press, address: "hr:0", type: float32, unit: degC}
  - {tag: press.count, source: press, address: "hr:2", type: uint32, role: good_count, equipment: P1}
  - {tag: line.speed, source: line, address: speed, device: EDGE1}
  - {tag: cnc.state, source: cnc, address: "ns=2;s=State", type: int16, role: state, equipment: C1,
     state_map: {"0": off, "1": running}}
"""

TAGS = [
    Tag(tag="line.speed", source="line", address="speed", device="EDGE1"),
    Tag(tag="line.count", source="line", address="count", device="EDGE1", type="int32"),
    Tag(tag="line.name", source="line", address="name", device="EDGE1", type="string"),
]


def _check_problem_fields(exc: ValidationError) -> None:
    assert str(exc)  # a message a person can read
    for p in exc.problems:
        assert p.reason


def test_the_good_map_loads() -> None:
    tm = parse_tag_map(GOOD_MAP)
    assert len(tm.tags) == 4


# ---- tag map ----------------------------------------------------------------------------------------

yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["off", "on", "yes", "~", "hr:40", "opc.tcp://x", "mqtt://h", "modbus", "sparkplug"]),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


@given(st.text(max_size=400))
@example("company: [")
@example("? [a, b]\n: c\n")  # a key that is a list
@example("&a [*a]")  # a self-referencing alias
@example("company: x\ntags:\n  - {tag: t, source: s, address: 1}\n")
@example("\ufeffcompany: ACME\n")
@example("company: ACME\nsources: 5\n")
def test_tag_map_text(text: str) -> None:
    try:
        parse_tag_map(text, origin="fuzz.yaml")
    except ValidationError as exc:
        _check_problem_fields(exc)


@given(yaml_values)
def test_tag_map_structures(value: object) -> None:
    text = yaml.safe_dump(value, allow_unicode=True)
    try:
        parse_tag_map(text)
    except ValidationError as exc:
        _check_problem_fields(exc)


@given(st.data())
def test_tag_map_mutations_of_a_good_map(data: st.DataObject) -> None:
    """Line-level edits of a valid map: delete, duplicate or garble lines."""
    lines = GOOD_MAP.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["drop", "dup", "garble", "indent"]))
        if op == "drop" and len(lines) > 1:
            lines.pop(i)
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "garble":
            lines[i] = data.draw(st.text(max_size=40))
        else:
            lines[i] = " " * data.draw(st.integers(0, 6)) + lines[i].lstrip()
    try:
        parse_tag_map("\n".join(lines))
    except ValidationError as exc:
        _check_problem_fields(exc)
        assert any(p.row is not None or p.field for p in exc.problems) or "YAML" in exc.detail or exc.detail


# ---- Sparkplug B -----------------------------------------------------------------------------------

metric_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)


@st.composite
def sparkplug_payloads(draw: st.DrawFn) -> bytes:
    pb = spb.PayloadPB()
    pb.timestamp = draw(st.integers(0, 2**64 - 1))
    if draw(st.booleans()):
        pb.seq = draw(st.integers(0, 2**64 - 1))
    for _ in range(draw(st.integers(0, 5))):
        m = pb.metrics.add()
        if draw(st.booleans()):
            m.name = draw(st.sampled_from(["speed", "count", "name", "other", ""]) | st.text(max_size=8))
        if draw(st.booleans()):
            m.alias = draw(st.integers(0, 2**64 - 1))
        if draw(st.booleans()):
            m.datatype = draw(st.integers(0, 2**32 - 1) | st.integers(0, 20))
        if draw(st.booleans()):
            m.timestamp = draw(st.integers(0, 2**64 - 1))
        if draw(st.booleans()):
            m.is_null = True
        kind = draw(
            st.sampled_from(
                [
                    "int_value",
                    "long_value",
                    "float_value",
                    "double_value",
                    "boolean_value",
                    "string_value",
                    "bytes_value",
                    None,
                ]
            )
        )
        if kind == "int_value":
            m.int_value = draw(st.integers(0, 2**32 - 1))
        elif kind == "long_value":
            m.long_value = draw(st.integers(0, 2**64 - 1))
        elif kind == "float_value":
            m.float_value = draw(st.floats(width=32))
        elif kind == "double_value":
            m.double_value = draw(st.floats())
        elif kind == "boolean_value":
            m.boolean_value = draw(st.booleans())
        elif kind == "string_value":
            m.string_value = draw(st.text(max_size=20))
        elif kind == "bytes_value":
            m.bytes_value = draw(st.binary(max_size=20))
    return bytes(pb.SerializeToString())


topics = st.one_of(
    st.sampled_from(
        [
            "spBv1.0/ACME/NBIRTH/EDGE1",
            "spBv1.0/ACME/NDATA/EDGE1",
            "spBv1.0/ACME/DBIRTH/EDGE1/EDGE1",
            "spBv1.0/ACME/DDATA/EDGE1/EDGE1",
            "spBv1.0/ACME/NDEATH/EDGE1",
            "spBv1.0/ACME/STATE/host",
        ]
    ),
    st.text(max_size=40),
)


@given(st.lists(st.tuples(topics, st.one_of(sparkplug_payloads(), st.binary(max_size=120))), max_size=8))
def test_sparkplug_decoder_stream(messages: list[tuple[str, bytes]]) -> None:
    """A stream of births, data and garbage: samples, or a ValidationError per bad message."""
    dec = SparkplugDecoder(TAGS)
    for topic, raw in messages:
        try:
            samples = dec.feed(topic, raw)
        except ValidationError as exc:
            _check_problem_fields(exc)
            continue
        for s in samples:
            assert s.tag in {t.tag for t in TAGS}
            assert isinstance(s.ts_ms, int)
            assert s.value is None or isinstance(s.value, float | str)


@given(st.binary(max_size=200))
@example(b"\x0a\xff\xff\xff\xff\x0f")  # a length past the end
@example(b"\x12\x02\x20\x03")
def test_sparkplug_decode_bytes(raw: bytes) -> None:
    try:
        spb.decode(raw, datatypes={"x": spb.INT32}, aliases={1: "x"})
    except ValidationError as exc:
        _check_problem_fields(exc)


# ---- JSON over MQTT --------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=15,
)


@given(
    st.one_of(
        json_values.map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries({"ts": json_values, "values": json_values}).map(
            lambda v: json.dumps(v).encode()
        ),
        st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["speed", "x"]), "ts": json_values, "value": json_values}
            )
        ).map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=60),
    )
)
@example(b'{"ts": 1, "values": {"speed": [1]}}')
@example(b'{"ts": 1e400, "values": {}}')
@example(b'[{"name": "speed", "ts": "x", "value": 1}]')
def test_json_decoder(raw: bytes) -> None:
    dec = JsonDecoder(TAGS)
    try:
        samples = dec.feed("plant/line", raw)
    except ValidationError as exc:
        _check_problem_fields(exc)
        return
    for s in samples:
        assert isinstance(s.ts_ms, int)
        assert s.value is None or isinstance(s.value, float | str)


# ---- Modbus ------------------------------------------------------------------------------------------


@given(
    st.lists(st.integers(min_value=-(2**17), max_value=2**17), max_size=6),
    st.sampled_from([*REGISTER_WIDTH, "string", "nope"]),
    st.sampled_from(["big", "little", "middle"]),
    st.sampled_from(["big", "little"]),
)
def test_modbus_register_decoding(words: list[int], dtype: str, byte_order: str, word_order: str) -> None:
    try:
        value = decode_registers(words, dtype, byte_order=byte_order, word_order=word_order)
    except ValidationError as exc:
        _check_problem_fields(exc)
        return
    assert isinstance(value, float)
    assert len(words) == REGISTER_WIDTH[dtype] and all(0 <= w <= 0xFFFF for w in words)
