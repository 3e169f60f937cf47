"""A batch of samples column by column: what the collector's disk buffer keeps and the bus carries.

Per sample a plant sends a tag, a timestamp and (almost always) a float. Kept as three columns — the
batch's distinct tag codes with an index per sample, int64 epoch milliseconds, float64 values — a
batch is written and read without a Python object per sample: the ingest worker maps the distinct
tags to ids once and builds the database rows with array operations. Values that are not all floats
(state texts, ``None``, integers) travel as a JSON list beside the two numeric columns, so every value
comes back with its own type.

Binary layout (little-endian)::

    b"JSB1" | n uint32 | kind uint8 (0: float64 values, 1: JSON values) | 3 zero bytes
    | tags_len uint32 | tags (JSON list of the distinct codes, UTF-8)
    | index n × uint32 | ts_ms n × int64 | values: n × float64, or values_len uint32 + JSON list

A body that starts with ``[`` is the JSON list of ``[tag, ts_ms, value]`` that earlier versions wrote:
a disk buffer filled before an upgrade drains as it is.
"""

from __future__ import annotations

import json
import struct
from array import array
from collections.abc import Iterator, Sequence
from typing import cast, overload

import numpy as np

from jejo.telemetry.model import Sample

MAGIC = b"JSB1"
_HEAD = struct.Struct("<4sIB3xI")  # magic, n, kind, tags_len
_LEN = struct.Struct("<I")
FLOATS, OBJECTS = 0, 1
_VALUE_TYPES = {float, int, str, bool, type(None)}


class BlockError(ValueError):
    """A batch body that is not a sample block (names what is wrong)."""


def _tag_index(tags: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct tags in order of first sight, and each sample's position among them."""
    distinct = list(dict.fromkeys(tags))
    where = {t: i for i, t in enumerate(distinct)}
    return distinct, np.frombuffer(array("I", map(where.__getitem__, tags)), np.uint32)


class SampleBlock(Sequence[Sample]):
    """Samples as columns; also a read-only sequence of :class:`Sample` (made on first use)."""

    __slots__ = ("_samples", "tag_index", "tags", "ts_ms", "values")

    def __init__(
        self,
        tags: list[str],
        tag_index: np.ndarray,
        ts_ms: np.ndarray,
        values: np.ndarray | list[float | str | None],
    ) -> None:
        self.tags = tags  # the distinct tag codes
        self.tag_index = tag_index  # uint32: which of ``tags`` each sample belongs to
        self.ts_ms = ts_ms  # int64
        self.values = values  # float64 array when every value is a float, else the values as they are
        self._samples: list[Sample] | None = None

    # ---- building ----------------------------------------------------------------------------------

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> SampleBlock:
        """``samples`` as a block (a block is returned as it is)."""
        if isinstance(samples, SampleBlock):
            return samples
        if not samples:
            return cls([], np.zeros(0, np.uint32), np.zeros(0, np.int64), np.zeros(0, np.float64))
        values = [s[2] for s in samples]
        return cls.from_columns([s[0] for s in samples], [s[1] for s in samples], values)

    @classmethod
    def from_columns(
        cls, tags: Sequence[str], ts_ms: Sequence[int], values: Sequence[float | str | None]
    ) -> SampleBlock:
        """A block from a tag, a timestamp and a value per sample (e.g. a connector's decoded message)."""
        if set(map(type, values)) == {float}:
            return cls.of_floats(tags, ts_ms, cast(Sequence[float], values))
        distinct, index = _tag_index(tags)
        return cls(distinct, index, np.frombuffer(array("q", ts_ms), np.int64), list(values))

    @classmethod
    def of_floats(cls, tags: Sequence[str], ts_ms: Sequence[int], values: Sequence[float]) -> SampleBlock:
        """:meth:`from_columns` for values the caller knows to be Python floats (a decoder that has
        checked them already)."""
        distinct, index = _tag_index(tags)
        ts = np.frombuffer(array("q", ts_ms), np.int64)
        return cls(distinct, index, ts, np.frombuffer(array("d", values), np.float64))

    def part(self, start: int, stop: int) -> SampleBlock:
        """Samples ``start`` to ``stop`` (the tag list is shared)."""
        return SampleBlock(
            self.tags, self.tag_index[start:stop], self.ts_ms[start:stop], self.values[start:stop]
        )

    @classmethod
    def concat(cls, blocks: Sequence[SampleBlock]) -> SampleBlock:
        """One block holding ``blocks`` one after the other."""
        blocks = [b for b in blocks if len(b)]
        if len(blocks) == 1:
            return blocks[0]
        if not blocks:
            return cls.of([])
        distinct: dict[str, int] = {}
        indexes = []
        for b in blocks:
            remap = np.fromiter(
                (distinct.setdefault(t, len(distinct)) for t in b.tags), np.uint32, len(b.tags)
            )
            indexes.append(remap[b.tag_index])
        ts_ms = np.concatenate([b.ts_ms for b in blocks])
        if all(isinstance(b.values, np.ndarray) for b in blocks):
            values: np.ndarray | list[float | str | None] = np.concatenate([b.values for b in blocks])
        else:
            values = [v for b in blocks for v in b.object_values()]
        return cls(list(distinct), np.concatenate(indexes), ts_ms, values)

    # ---- bytes -------------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        n = len(self.tag_index)
        tags = json.dumps(self.tags, separators=(",", ":"), ensure_ascii=False).encode()
        floats = isinstance(self.values, np.ndarray)
        parts = [
            _HEAD.pack(MAGIC, n, FLOATS if floats else OBJECTS, len(tags)),
            tags,
            self.tag_index.astype("<u4", copy=False).tobytes(),
            self.ts_ms.astype("<i8", copy=False).tobytes(),
        ]
        if floats:
            parts.append(self.values.astype("<f8", copy=False).tobytes())  # type: ignore[union-attr]
        else:
            raw = json.dumps(self.values, separators=(",", ":"), ensure_ascii=False).encode()
            parts += [_LEN.pack(len(raw)), raw]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, raw: bytes | bytearray | memoryview) -> SampleBlock:
        raw = bytes(raw)
        if raw[:1] == b"[":  # the JSON list of earlier versions
            try:
                rows = json.loads(raw)
                return cls.of([Sample(str(t), int(ts), v) for t, ts, v in rows])
            except (ValueError, TypeError) as exc:
                raise BlockError(
                    f"batch body is neither a sample block nor a JSON sample list: {exc}"
                ) from exc
        if len(raw) < _HEAD.size or raw[:4] != MAGIC:
            raise BlockError(f"batch body does not start with {MAGIC!r} (got {raw[:4]!r})")
        _, n, kind, tags_len = _HEAD.unpack_from(raw)
        at = _HEAD.size
        try:
            tags = json.loads(raw[at : at + tags_len])
            at += tags_len
            index = np.frombuffer(raw, "<u4", n, at).astype(np.uint32, copy=False)
            at += 4 * n
            ts_ms = np.frombuffer(raw, "<i8", n, at).astype(np.int64, copy=False)
            at += 8 * n
            if kind == FLOATS:
                values: np.ndarray | list[float | str | None] = np.frombuffer(raw, "<f8", n, at).astype(
                    np.float64, copy=False
                )
                at += 8 * n
            elif kind == OBJECTS:
                (size,) = _LEN.unpack_from(raw, at)
                values = json.loads(raw[at + 4 : at + 4 + size])
                at += 4 + size
                if not isinstance(values, list) or len(values) != n:
                    raise BlockError(f"sample block: {n} samples but a value list of another length")
                if not set(map(type, values)) <= _VALUE_TYPES:
                    raise BlockError("sample block: a value is neither a number, a text nor empty")
            else:
                raise BlockError(f"sample block: unknown value kind {kind}")
        except (ValueError, struct.error) as exc:
            if isinstance(exc, BlockError):
                raise
            raise BlockError(f"sample block of {n} samples is cut short or damaged: {exc}") from exc
        if at != len(raw):
            raise BlockError(f"sample block: {len(raw) - at} bytes after the last column")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise BlockError("sample block: the tag list is not a list of texts")
        if n and int(index.max()) >= len(tags):
            raise BlockError("sample block: a tag index points past the tag list")
        return cls(tags, index, ts_ms, values)

    # ---- reading -----------------------------------------------------------------------------------

    def object_values(self) -> list[float | str | None]:
        return self.values.tolist() if isinstance(self.values, np.ndarray) else self.values

    def samples(self) -> list[Sample]:
        if self._samples is None:
            self._samples = self._make(None)
        return self._samples

    def only(self, tags: set[str]) -> list[Sample]:
        """The samples of these tags, in order (made for them alone)."""
        keep = [i for i, t in enumerate(self.tags) if t in tags]
        if len(keep) == len(self.tags):
            return self.samples()
        return self._make(np.flatnonzero(np.isin(self.tag_index, keep))) if keep else []

    def _make(self, rows: np.ndarray | None) -> list[Sample]:
        index, ts_ms, values = self.tag_index, self.ts_ms, self.values
        if rows is not None:
            index, ts_ms = index[rows], ts_ms[rows]
            values = values[rows] if isinstance(values, np.ndarray) else [values[i] for i in rows.tolist()]
        vals = values.tolist() if isinstance(values, np.ndarray) else values
        tags = map(self.tags.__getitem__, index.tolist())
        return list(map(Sample._make, zip(tags, ts_ms.tolist(), vals, strict=True)))

    def __len__(self) -> int:
        return len(self.tag_index)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples())

    @overload
    def __getitem__(self, i: int) -> Sample: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Sample]: ...

    def __getitem__(self, i: int | slice) -> Sample | Sequence[Sample]:
        return self.samples()[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self.samples() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SampleBlock({len(self)} samples, {len(self.tags)} tags)"
