"""Sparkplug B payloads (checked against an independent decoder), Modbus register codecs, state derivation."""

from __future__ import annotations

from collections.abc import Sequence

import pysparkplug as psp
import pytest

from jejo.execution.events import MachineStateKind as S
from jejo.telemetry import sparkplug as spb
from jejo.telemetry.block import SampleBlock
from jejo.telemetry.connectors.modbus import decode_registers, encode_registers, plan_blocks
from jejo.telemetry.connectors.mqtt import JsonDecoder, SparkplugDecoder
from jejo.telemetry.model import Sample, Tag
from jejo.telemetry.state import counter_delta, derive_state, transitions


def test_sparkplug_payload_decodes_with_pysparkplug() -> None:
    metrics = [
        spb.Metric("temperature", 41.25, spb.DOUBLE, 1_700_000_000_001),
        spb.Metric("good", 12345678901, spb.INT64, 1_700_000_000_002),
        spb.Metric("delta", -7, spb.INT32, 1_700_000_000_003),
        spb.Metric("state", "running", spb.STRING, 1_700_000_000_004),
        spb.Metric("alarm", True, spb.BOOLEAN, 1_700_000_000_005),
    ]
    raw = spb.encode(spb.Payload(1_700_000_000_000, metrics, seq=17))
    theirs = psp.DData.decode(raw)
    assert theirs.seq == 17 and theirs.timestamp == 1_700_000_000_000
    assert [(m.name, m.value, m.timestamp) for m in theirs.metrics] == [
        (m.name, m.value, m.timestamp) for m in metrics
    ]
    ours = spb.decode(raw)
    assert [(m.name, m.value) for m in ours.metrics] == [(m.name, m.value) for m in metrics]


def test_pysparkplug_payload_decodes_with_ours() -> None:
    theirs = psp.DData(
        timestamp=5,
        seq=3,
        metrics=(
            psp.Metric(timestamp=4, name="x", datatype=psp.DataType.FLOAT, value=1.5),
            psp.Metric(timestamp=4, name="n", datatype=psp.DataType.INT16, value=-2),
        ),
    )
    ours = spb.decode(theirs.encode(include_dtypes=True))
    assert [(m.name, m.value) for m in ours.metrics] == [("x", 1.5), ("n", -2)]


def _tag(tag: str, address: str, device: str | None = None) -> Tag:
    return Tag(tag=tag, source="s", address=address, device=device)


def test_sparkplug_decoder_births_aliases_and_rebirth() -> None:
    d = SparkplugDecoder([_tag("M1.t", "temperature", "M1")])
    nbirth = spb.encode(spb.Payload(1, [spb.Metric("bdSeq", 0, spb.INT64)], seq=0))
    dbirth = spb.encode(spb.Payload(2, [spb.Metric("temperature", 20.0, spb.DOUBLE, 2, alias=7)], seq=1))
    # data before birth: asks for a rebirth; named metrics are still taken, aliased ones cannot be
    early = spb.encode(
        spb.Payload(3, [spb.Metric("temperature", 1.0), spb.Metric(None, 2.0, alias=7)], seq=5)
    )
    assert [s.value for s in d.feed("spBv1.0/g/DDATA/N/M1", early)] == [1.0]
    assert d.rebirths.pop() == ("g", "N")
    d.feed("spBv1.0/g/NBIRTH/N", nbirth)
    assert [s.value for s in d.feed("spBv1.0/g/DBIRTH/N/M1", dbirth)] == [20.0]
    aliased = spb.encode(
        spb.Payload(4, [spb.Metric(None, 21.5, spb.DOUBLE, 4, alias=7)], seq=2), with_datatype=False
    )
    assert [(s.tag, s.ts_ms, s.value) for s in d.feed("spBv1.0/g/DDATA/N/M1", aliased)] == [("M1.t", 4, 21.5)]
    gap = spb.encode(spb.Payload(5, [spb.Metric("temperature", 1.0, spb.DOUBLE, 5)], seq=9))
    assert len(d.feed("spBv1.0/g/DDATA/N/M1", gap)) == 1 and d.rebirths == [("g", "N")] and d.gaps == 1
    from jejo.telemetry.model import BadPayload

    with pytest.raises(
        BadPayload, match="not a Sparkplug B payload"
    ):  # a clear error, counted by the collector
        d.feed("spBv1.0/g/DDATA/N/M1", b"\xff\xff not protobuf")


def test_json_decoder_both_shapes() -> None:
    d = JsonDecoder([_tag("A", "a"), _tag("B", "b")])
    assert d.feed("t", b'{"ts": 10, "values": {"a": 1, "zz": 2}}') == [("A", 10, 1.0)]
    assert d.feed("t", b'[{"name": "b", "ts": 11, "value": 2.5}]') == [("B", 11, 2.5)]
    with pytest.raises(ValueError):
        d.feed("t", b'"nope"')


@pytest.mark.parametrize(
    "dtype,value",
    [
        ("int16", -1234),
        ("uint16", 65000),
        ("int32", -123456789),
        ("uint32", 4_000_000_000),
        ("float32", 1.5),
        ("float64", -2.25),
        ("int64", -(2**40)),
    ],
)
@pytest.mark.parametrize("byte_order", ["big", "little"])
@pytest.mark.parametrize("word_order", ["big", "little"])
def test_modbus_register_round_trip(dtype: str, value: float, byte_order: str, word_order: str) -> None:
    regs = encode_registers(value, dtype, byte_order=byte_order, word_order=word_order)
    assert decode_registers(regs, dtype, byte_order=byte_order, word_order=word_order) == value


def test_modbus_word_order_is_what_devices_send() -> None:
    # 0x12345678 as uint32: big-endian words [0x1234, 0x5678]; "little" word order swaps them
    assert decode_registers([0x1234, 0x5678], "uint32") == 0x12345678
    assert decode_registers([0x5678, 0x1234], "uint32", word_order="little") == 0x12345678
    assert decode_registers([0x3412, 0x7856], "uint32", byte_order="little") == 0x12345678


def test_block_planning_merges_and_splits() -> None:
    tags = [
        Tag(tag=f"t{i}", source="s", address=a, type=t)
        for i, (a, t) in enumerate(
            [
                ("hr:0", "uint16"),
                ("hr:1", "uint32"),
                ("hr:3", "float64"),
                ("hr:200", "uint16"),
                ("ir:5", "int16"),
            ]
        )
    ]
    blocks = plan_blocks(tags, max_block=100)
    assert [(b.table, b.start, b.count) for b in blocks] == [("hr", 0, 7), ("hr", 200, 1), ("ir", 5, 1)]


def test_state_derivation() -> None:
    assert derive_state("WORKING") is S.RUNNING
    assert derive_state("ERROR") is S.DOWN
    assert derive_state("setup") is S.SETUP
    assert derive_state(2.0) is S.RUNNING
    assert derive_state(5) is S.PLANNED_STOP
    assert derive_state(9) is None and derive_state("blah") is None
    assert derive_state(7.0, {"7": S.DOWN}) is S.DOWN
    assert counter_delta(None, 10) == 0 and counter_delta(10, 13) == 3 and counter_delta(13, 2) == 2
    trs = transitions(
        "M", S.IDLE, 100, [(90, S.DOWN), (110, S.IDLE), (120, S.RUNNING), (130, S.RUNNING), (140, S.DOWN)]
    )
    assert [(t.ts_ms, t.state) for t in trs] == [(120, S.RUNNING), (140, S.DOWN)]


def test_sparkplug_decoder_gives_columns_for_plain_floats_and_samples_otherwise() -> None:
    tags = [
        _tag("M1.t", "t", "M1"),
        _tag("M1.p", "p", "M1"),
        Tag(tag="M1.s", source="s", address="s", device="M1", scale=2.0),
    ]
    d = SparkplugDecoder(tags)
    d.feed("spBv1.0/g/NBIRTH/N", spb.encode(spb.Payload(1, [spb.Metric("bdSeq", 0, spb.INT64)], seq=0)))
    d.feed("spBv1.0/g/DBIRTH/N/M1", spb.encode(spb.Payload(2, [spb.Metric("t", 1.0, spb.DOUBLE, 2)], seq=1)))

    def data(seq: int, *metrics: spb.Metric) -> Sequence[Sample]:
        return d.feed("spBv1.0/g/DDATA/N/M1", spb.encode(spb.Payload(9, list(metrics), seq=seq)))

    plain = data(
        2,
        spb.Metric("t", 20.5, spb.DOUBLE, 10),
        spb.Metric("p", 1.25, spb.DOUBLE),
        spb.Metric("t", 21.0, spb.DOUBLE, 11),
    )
    assert isinstance(plain, SampleBlock)  # no object per sample
    assert list(plain) == [("M1.t", 10, 20.5), ("M1.p", 9, 1.25), ("M1.t", 11, 21.0)]
    scaled = data(3, spb.Metric("t", 1.0, spb.DOUBLE, 12), spb.Metric("s", 3.0, spb.DOUBLE, 12))
    assert not isinstance(scaled, SampleBlock) and scaled == [("M1.t", 12, 1.0), ("M1.s", 12, 6.0)]
    unknown = data(4, spb.Metric("t", 2.0, spb.DOUBLE, 13), spb.Metric("zz", 3.0, spb.DOUBLE, 13))
    assert unknown == [("M1.t", 13, 2.0)]
    mixed = data(
        5,
        spb.Metric("t", 2.5, spb.DOUBLE, 14),
        spb.Metric("p", None, spb.DOUBLE, 14),
        spb.Metric("p", 7, spb.INT32, 15),
    )
    assert mixed == [("M1.t", 14, 2.5), ("M1.p", 14, None), ("M1.p", 15, 7.0)]


def test_json_decoder_gives_columns_for_plain_float_batches() -> None:
    d = JsonDecoder([_tag("A", "a"), _tag("B", "b"), Tag(tag="C", source="s", address="c", scale=10.0)])
    batch = b'[{"name": "a", "ts": 10, "value": 1.5}, {"name": "b", "ts": 11, "value": -2.0}]'
    got = d.feed("t", batch)
    assert isinstance(got, SampleBlock) and list(got) == [("A", 10, 1.5), ("B", 11, -2.0)]
    # a scaled tag, an unknown name, an integer value or a text time: the general path, same rules as before
    assert d.feed("t", b'[{"name": "a", "ts": 10, "value": 1.5}, {"name": "c", "ts": 11, "value": 2.0}]') == [
        ("A", 10, 1.5),
        ("C", 11, 20.0),
    ]
    assert d.feed("t", b'[{"name": "zz", "ts": 10, "value": 1.5}, {"name": "b", "ts": 12, "value": 3}]') == [
        ("B", 12, 3.0)
    ]
    assert d.feed("t", b'[{"name": "a", "ts": "10", "value": 1.5}]') == [("A", 10, 1.5)]


def test_timestamps_before_1970_or_after_9999_are_refused_with_the_message() -> None:
    from jejo.telemetry.model import BadPayload

    d = SparkplugDecoder([_tag("M.t", "t", "D")])
    d.feed("spBv1.0/g/NBIRTH/N", spb.encode(spb.Payload(1, [spb.Metric("bdSeq", 0, spb.INT64)], seq=0)))
    far = spb.encode(spb.Payload(5, [spb.Metric("t", 1.0, spb.DOUBLE, 2**64 - 1)], seq=1))
    with pytest.raises(BadPayload, match="timestamp out of range"):
        d.feed("spBv1.0/g/DDATA/N/D", far)
    j = JsonDecoder([_tag("A", "a")])
    for body in (
        b'[{"name": "a", "ts": 99999999999999999, "value": 1.5}]',
        b'{"ts": -5, "values": {"a": 1}}',
    ):
        with pytest.raises(BadPayload, match="timestamp out of range"):
            j.feed("t", body)
