"""Sample blocks (the disk buffer's and the bus's batch body) and the column-wise store rows: every
sample comes back with its tag, time, value and the value's type; damaged bodies are refused by name;
the column-wise COPY stream and newest values are the same as the row-wise ones."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jejo.telemetry import store
from jejo.telemetry.block import BlockError, SampleBlock
from jejo.telemetry.bus import Batch, decode, encode, encode_parts
from jejo.telemetry.model import Sample

T0 = 1_790_000_000_000

tags = st.sampled_from(["a", "b", "라인1.온도", 'q"uote', "x" * 60])
times = st.integers(T0 - 10**9, T0 + 10**9)
floats = st.floats(allow_nan=False, width=64)
values = st.one_of(floats, st.text(max_size=12), st.none(), st.integers(-(2**40), 2**40), st.booleans())
float_samples = st.lists(st.builds(Sample, tags, times, floats), max_size=60)
any_samples = st.lists(st.builds(Sample, tags, times, values), max_size=60)


def _same(a: list[Sample], b: list[Sample]) -> None:
    assert b == a
    assert [type(s.value) for s in b] == [type(s.value) for s in a]  # 3 stays 3, True stays True


@settings(max_examples=150, deadline=None)
@given(any_samples)
def test_a_block_round_trips_every_sample_with_its_type(samples: list[Sample]) -> None:
    block = SampleBlock.from_bytes(SampleBlock.of(samples).to_bytes())
    assert len(block) == len(samples)
    _same(samples, list(block))
    assert isinstance(block.values, np.ndarray) == all(type(s.value) is float for s in samples)


@settings(max_examples=80, deadline=None)
@given(st.lists(any_samples, max_size=4), st.sets(tags))
def test_blocks_join_in_order_and_pick_tags(parts: list[list[Sample]], wanted: set[str]) -> None:
    joined = SampleBlock.concat([SampleBlock.of(p) for p in parts])
    everything = [s for p in parts for s in p]
    _same(everything, list(joined))
    _same([s for s in everything if s.tag in wanted], joined.only(wanted))
    # a bus message of several buffer bodies decodes to the same samples
    msg = encode_parts("CO", [SampleBlock.of(p).to_bytes() for p in parts], "line-1", 9, 8, 3)
    batch = decode(msg)
    _same(everything, list(batch.samples))
    assert (batch.company, batch.source, batch.seq, batch.prev, batch.epoch) == ("CO", "line-1", 9, 8, 3)


def test_bodies_and_messages_of_earlier_versions_are_read() -> None:
    samples = [
        Sample("a", T0, 1.5),
        Sample("b", T0 + 1, "가동"),
        Sample("c", T0 + 2, None),
        Sample("d", T0, 3),
    ]
    body = json.dumps(samples).encode()  # the disk buffer's JSON list
    _same(samples, list(SampleBlock.from_bytes(body)))
    old = json.dumps({"c": "CO", "s": samples, "src": "line-1", "seq": 4, "prev": 3, "ep": 7}).encode()
    assert decode(old) == Batch("CO", samples, "line-1", 4, 3, 7)
    assert decode(encode(Batch("CO", samples, "line-1", 4, 3, 7))) == Batch("CO", samples, "line-1", 4, 3, 7)


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        (lambda b: b"XXXX" + b[4:], "does not start with"),
        (lambda b: b[:-5], "cut short or damaged"),
        (lambda b: b + b"\x00", "bytes after the last column"),
        (lambda b: b[:2], "does not start with"),
        (lambda b: b"[1, 2", "neither a sample block nor a JSON sample list"),
    ],
)
def test_a_damaged_body_is_refused_with_what_is_wrong(cut: object, message: str) -> None:
    raw = SampleBlock.of([Sample("a", T0, 1.0), Sample("b", T0, "x")]).to_bytes()
    with pytest.raises(BlockError, match=message):
        SampleBlock.from_bytes(cut(raw))  # type: ignore[operator]


def test_a_tag_index_past_the_tag_list_is_refused() -> None:
    block = SampleBlock.of([Sample("a", T0, 1.0)])
    block.tag_index = np.array([5], np.uint32)
    with pytest.raises(BlockError, match="tag index"):
        SampleBlock.from_bytes(block.to_bytes())


def test_a_block_with_values_of_no_sample_type_is_refused() -> None:
    block = SampleBlock.of([Sample("a", T0, "x")])
    block.values = [{"nested": 1}]  # type: ignore[list-item]
    with pytest.raises(BlockError, match="neither a number, a text nor empty"):
        SampleBlock.from_bytes(block.to_bytes())
    block.values, block.tags = ["x"], [5]  # type: ignore[list-item]
    with pytest.raises(BlockError, match="tag list"):
        SampleBlock.from_bytes(block.to_bytes())


def test_a_damaged_bus_message_is_refused() -> None:
    msg = encode(Batch("CO", [Sample("a", T0, 1.0)]))
    with pytest.raises(BlockError, match="bus message"):
        decode(b"JTB2" + msg[4:])
    with pytest.raises(BlockError):
        decode(msg[:-3])


rows_st = st.lists(st.tuples(st.integers(1, 6), st.integers(T0, T0 + 20), floats), max_size=80)


@settings(max_examples=150, deadline=None)
@given(rows_st)
def test_float_columns_give_the_same_copy_stream_and_newest_values_as_tuples(
    rows: list[tuple[int, int, float]],
) -> None:
    tuples = [(t, ms, v, None) for t, ms, v in rows]
    cols = store.FloatRows(
        np.array([r[0] for r in rows], np.int64),
        np.array([r[1] for r in rows], np.int64),
        np.array([r[2] for r in rows], np.float64),
    )
    assert len(cols) == len(rows)
    assert cols.copy_binary() == store.copy_binary(tuples)
    top = cols.newest()
    expected = store.newest(tuples)  # of equal times, the first row: the one the store keeps
    assert top.tag_id.tolist() == sorted(expected)
    assert {
        t: (ms, v, None)
        for t, ms, v in zip(*(c.tolist() for c in (top.tag_id, top.ts_ms, top.value)), strict=True)
    } == expected
    assert cols.tuples() == tuples


def test_rows_of_blocks_join_as_columns_or_as_tuples() -> None:
    ids = {"a": 1, "b": 2}
    floats_only = SampleBlock.of([Sample("a", T0, 1.0), Sample("b", T0 + 1, 2.0)])
    mixed = SampleBlock.of([Sample("b", T0 + 2, "run"), Sample("a", T0 + 3, None), Sample("a", T0 + 4, 7)])
    a = store.block_rows(floats_only, ids)
    b = store.block_rows(mixed, ids)
    assert isinstance(a, store.FloatRows) and not isinstance(b, store.FloatRows)
    assert b == [(2, T0 + 2, None, "run"), (1, T0 + 3, None, None), (1, T0 + 4, 7.0, None)]
    both = store.join_rows([a, a])
    assert isinstance(both, store.FloatRows) and len(both) == 4
    assert store.join_rows([a, b]) == [(1, T0, 1.0, None), (2, T0 + 1, 2.0, None), *b]
