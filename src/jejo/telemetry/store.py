"""The time-series store: write samples (idempotently), keep last values and rollups, answer the UI's
queries (raw range, rollups, last value) and apply retention.

PostgreSQL: samples are COPY'd into a temporary stage and inserted with ``ON CONFLICT DO NOTHING`` into
the day-partitioned ``ts_samples``; partitions are created on demand and dropped by retention.
SQLite: ``INSERT OR IGNORE`` in one transaction.
"""

from __future__ import annotations

import functools
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jejo.core.timeutil import as_utc
from jejo.telemetry.block import SampleBlock
from jejo.telemetry.model import Sample, Tag
from jejo.telemetry.rollup import ms_to_dt
from jejo.telemetry.tables import TsLast, TsRollup1h, TsRollup1m, TsSample, TsTag

DAY_MS = 86_400_000


@functools.lru_cache(maxsize=4096)
def _second_text(s: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s))


def sqlite_ts(ms: int) -> str:
    """Epoch ms → the text SQLAlchemy keeps for a UTC datetime in SQLite."""
    return f"{_second_text(ms // 1000)}.{ms % 1000:03d}000"


def _insert(conn: Connection) -> Any:
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


class TagRegistry:
    """Tag code → id, per company; unknown tags are created on first sight."""

    def __init__(self) -> None:
        self._ids: dict[tuple[int, str], int] = {}

    def ids(
        self, conn: Connection, company_id: int, codes: Iterable[str], described: dict[str, Tag] | None = None
    ) -> dict[str, int]:
        want = set(codes)
        missing = [c for c in want if (company_id, c) not in self._ids]
        if missing:
            self._load(conn, company_id, missing)
            still = [c for c in missing if (company_id, c) not in self._ids]
            if still:
                rows = []
                for c in still:
                    t = (described or {}).get(c)
                    rows.append(
                        {
                            "company_id": company_id,
                            "code": c,
                            "equipment_code": t.equipment if t else None,
                            "unit": t.unit if t else None,
                            "role": t.role.value if t else "analog",
                            "description": t.description if t else None,
                            "created_at": datetime.now(UTC),
                        }
                    )
                conn.execute(_insert(conn)(TsTag).values(rows).on_conflict_do_nothing())
                self._load(conn, company_id, still)
        return {c: self._ids[(company_id, c)] for c in want}

    def _load(self, conn: Connection, company_id: int, codes: Sequence[str]) -> None:
        for i in range(0, len(codes), 500):
            for tid, code in conn.execute(
                select(TsTag.id, TsTag.code).where(
                    TsTag.company_id == company_id, TsTag.code.in_(codes[i : i + 500])
                )
            ):
                self._ids[(company_id, code)] = tid


_PARTITIONS: set[tuple[str, int]] = set()


def is_day_partition(name: str | None) -> bool:
    """``ts_samples_YYYYMMDD``: a day partition made as data arrives (PostgreSQL), not a declared table."""
    return name is not None and len(name) == 19 and name.startswith("ts_samples_") and name[11:].isdigit()


def _ensure_partitions(conn: Connection, days: set[int]) -> None:
    """Create the day partitions of ``ts_samples`` that these samples need (PostgreSQL)."""
    info = conn.connection.info  # lives as long as the database connection: ask its schema once
    schema = info.get("jejo_current_schema")
    if schema is None:
        schema = info["jejo_current_schema"] = conn.execute(text("SELECT current_schema()")).scalar_one()
    need = [d for d in days if (schema, d) not in _PARTITIONS]
    if not need:
        return
    conn.execute(text("SELECT pg_advisory_xact_lock(74657301)"))
    for d in need:
        start = ms_to_dt(d * DAY_MS)
        end = start + timedelta(days=1)
        name = f"ts_samples_{start:%Y%m%d}"
        conn.execute(
            text(
                f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF ts_samples FOR VALUES FROM '
                f"('{start.isoformat()}') TO ('{end.isoformat()}')"
            )
        )
        _PARTITIONS.add((schema, d))


_PG_EPOCH_MS = 946_684_800_000  # 2000-01-01T00:00:00Z, where PostgreSQL's binary timestamps count from
_COPY_HEAD = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TAIL = struct.pack(">h", -1)
_ROW_VALUE = struct.Struct(">hiiiqidi").pack  # tag_id int4, ts timestamptz, value float8, text NULL
_ROW_NULLS = struct.Struct(">hiiiqii").pack  # ... value NULL (then the text, or NULL)
_SAMPLES_COLUMNS = "(tag_id, ts, value, text)"


def copy_binary(rows: Sequence[tuple[int, int, float | None, str | None]]) -> bytes:
    """(tag_id, ts_ms, value, text) rows as a PostgreSQL binary COPY stream of (integer, timestamptz,
    float8, text): one ``struct.pack`` per row, no datetime objects."""
    parts = [_COPY_HEAD]
    append = parts.append
    for tid, ms, v, txt in rows:
        us = (ms - _PG_EPOCH_MS) * 1000
        if txt is None:
            if v is None:
                append(_ROW_NULLS(4, 4, tid, 8, us, -1, -1))
            else:
                append(_ROW_VALUE(4, 4, tid, 8, us, 8, v, -1))
        else:
            raw = txt.encode()
            append(_ROW_NULLS(4, 4, tid, 8, us, -1, len(raw)) + raw)
    append(_COPY_TAIL)
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class FloatRows:
    """Rows whose values are all floats, column by column (tag id, epoch ms, value): what ingest writes
    when a batch carries only floats, without a Python tuple per row."""

    tag_id: np.ndarray  # int64
    ts_ms: np.ndarray  # int64
    value: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.tag_id)

    def copy_binary(self) -> bytes:
        """The same bytes as :func:`copy_binary` of these rows, built with array operations."""
        out = np.empty(len(self.tag_id), _ROW_DTYPE)
        out["fields"], out["tag_len"], out["tag_id"] = 4, 4, self.tag_id
        out["ts_len"], out["ts_us"] = 8, (self.ts_ms - _PG_EPOCH_MS) * 1000
        out["value_len"], out["value"], out["text_len"] = 8, self.value, -1
        return _COPY_HEAD + out.tobytes() + _COPY_TAIL

    def newest(self) -> FloatRows:
        """The newest row per tag, in tag order (of rows with the same tag and time, the first, as
        :func:`newest` and the store keep)."""
        if not len(self.tag_id):
            return self
        order = np.lexsort((-np.arange(len(self.tag_id)), self.ts_ms, self.tag_id))
        tags = self.tag_id[order]
        last = order[np.append(tags[1:] != tags[:-1], True)]
        return FloatRows(self.tag_id[last], self.ts_ms[last], self.value[last])

    def tuples(self) -> list[tuple[int, int, float | None, str | None]]:
        return list(zip(self.tag_id.tolist(), self.ts_ms.tolist(), self.value.tolist(), repeat(None)))


_ROW_DTYPE = np.dtype(  # one row of a binary COPY of (integer, timestamptz, float8, text NULL), packed
    [
        ("fields", ">i2"),
        ("tag_len", ">i4"),
        ("tag_id", ">i4"),
        ("ts_len", ">i4"),
        ("ts_us", ">i8"),
        ("value_len", ">i4"),
        ("value", ">f8"),
        ("text_len", ">i4"),
    ]
)
Rows = Sequence[tuple[int, int, float | None, str | None]] | FloatRows

_STAGE = "(tag_id integer, ts timestamptz, value float8, text text) ON COMMIT DELETE ROWS"


def _pg_write(cur: Any, rows: Rows, last: bool) -> int:
    """PostgreSQL: COPY straight into ``ts_samples`` inside a savepoint; only when some row is already
    there (a batch delivered again) go the slow way: stage, then ``INSERT ... ON CONFLICT DO NOTHING``.
    Statements without parameters travel together (one round trip each group)."""
    from psycopg.errors import UniqueViolation

    data = rows.copy_binary() if isinstance(rows, FloatRows) else copy_binary(rows)
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS ts_last_stage {_STAGE}; SAVEPOINT ts_copy")
    try:
        with cur.copy(f"COPY ts_samples {_SAMPLES_COLUMNS} FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(data)
    except UniqueViolation:
        cur.execute(f"ROLLBACK TO SAVEPOINT ts_copy; CREATE TEMP TABLE IF NOT EXISTS ts_stage_bin {_STAGE}")
        with cur.copy(f"COPY ts_stage_bin {_SAMPLES_COLUMNS} FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(data)
        cur.execute(
            f"INSERT INTO ts_samples {_SAMPLES_COLUMNS} SELECT tag_id, ts, value, text FROM ts_stage_bin "
            "ON CONFLICT DO NOTHING"
        )
        added = int(cur.rowcount)
        cur.execute("TRUNCATE ts_stage_bin")
    else:
        added = len(rows)
    if not last:
        cur.execute("RELEASE SAVEPOINT ts_copy")
        return added
    # the newest sample per tag, picked here: one row per tag reaches the server
    if isinstance(rows, FloatRows):
        top = rows.newest().copy_binary()
    else:
        newest_of = newest(rows)
        top = copy_binary([(t, *newest_of[t]) for t in sorted(newest_of)])
    with cur.copy(f"COPY ts_last_stage {_SAMPLES_COLUMNS} FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(top)
    cur.execute(  # in tag order: two writers lock the same rows in the same order
        "RELEASE SAVEPOINT ts_copy; "
        "INSERT INTO ts_last (tag_id, ts, value, text) SELECT tag_id, ts, value, text "
        "FROM ts_last_stage ORDER BY tag_id ON CONFLICT (tag_id) DO UPDATE SET ts = excluded.ts, "
        "value = excluded.value, text = excluded.text WHERE excluded.ts > ts_last.ts; "
        "TRUNCATE ts_last_stage"
    )
    return added


def write_samples(conn: Connection, rows: Rows, *, last: bool = True) -> int:
    """Store (tag_id, ts_ms, value, text) rows (tuples, or :class:`FloatRows`); rows already stored are
    skipped. Returns rows added.

    With ``last``, the newest value per tag is kept up to date too (a late sample never overwrites a
    newer one)."""
    if not len(rows):
        return 0
    if conn.dialect.name == "postgresql":
        days = (
            set((rows.ts_ms // DAY_MS).tolist())
            if isinstance(rows, FloatRows)
            else {r[1] // DAY_MS for r in rows}
        )
        _ensure_partitions(conn, days)
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            return _pg_write(cur, rows, last)
    raw = conn.connection.driver_connection
    assert raw is not None
    tuples = rows.tuples() if isinstance(rows, FloatRows) else rows
    before = raw.total_changes
    raw.executemany(
        "INSERT OR IGNORE INTO ts_samples (tag_id, ts, value, text) VALUES (?, ?, ?, ?)",
        [(t, sqlite_ts(ms), v, s) for t, ms, v, s in tuples],
    )
    added = int(raw.total_changes - before)
    if last:
        raw.executemany(
            "INSERT INTO ts_last (tag_id, ts, value, text) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (tag_id) DO UPDATE SET ts = excluded.ts, value = excluded.value, "
            "text = excluded.text WHERE excluded.ts > ts_last.ts",
            [(t, sqlite_ts(ms), v, s) for t, (ms, v, s) in sorted(newest(tuples).items())],
        )
    return added


def newest(
    rows: Sequence[tuple[int, int, float | None, str | None]],
) -> dict[int, tuple[int, float | None, str | None]]:
    """The newest (ts_ms, value, text) per tag id among ``rows``."""
    out: dict[int, tuple[int, float | None, str | None]] = {}
    for t, ms, v, s in rows:
        cur = out.get(t)
        if cur is None or ms > cur[0]:
            out[t] = (ms, v, s)
    return out


def to_rows(
    samples: Iterable[Sample], ids: dict[str, int]
) -> list[tuple[int, int, float | None, str | None]]:
    out: list[tuple[int, int, float | None, str | None]] = []
    append = out.append
    for tag, ms, v in samples:
        if v.__class__ is float:  # the common case first
            append((ids[tag], ms, v, None))
        elif isinstance(v, str):
            append((ids[tag], ms, None, v[:200]))
        else:
            append((ids[tag], ms, None if v is None else float(v), None))
    return out


def block_rows(block: SampleBlock, ids: dict[str, int]) -> Rows:
    """A block's rows: column by column when every value is a float, else as tuples (:func:`to_rows`)."""
    if isinstance(block.values, np.ndarray):
        tag_ids = np.fromiter(map(ids.__getitem__, block.tags), np.int64, len(block.tags))
        return FloatRows(tag_ids[block.tag_index], block.ts_ms, block.values)
    return to_rows(block, ids)


def join_rows(parts: Sequence[Rows]) -> Rows:
    """Several batches' rows as one write (columns stay columns when every part has them)."""
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(p, FloatRows) for p in parts):
        floats: list[FloatRows] = parts  # type: ignore[assignment]
        return FloatRows(
            np.concatenate([p.tag_id for p in floats]),
            np.concatenate([p.ts_ms for p in floats]),
            np.concatenate([p.value for p in floats]),
        )
    out: list[tuple[int, int, float | None, str | None]] = []
    for p in parts:
        out += p.tuples() if isinstance(p, FloatRows) else p
    return out


# ---- rollups ------------------------------------------------------------------------------------

_BUCKET = {
    ("postgresql", "1m"): "date_bin('1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
    ("postgresql", "1h"): "date_bin('1 hour', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
    ("sqlite", "1m"): "strftime('%Y-%m-%d %H:%M:00.000000', ts)",
    ("sqlite", "1h"): "strftime('%Y-%m-%d %H:00:00.000000', ts)",
}


def refresh_rollups(conn: Connection, start: datetime, end: datetime) -> None:
    """Recompute the 1-minute and 1-hour rollups of every bucket that touches [start, end)."""
    dialect = "postgresql" if conn.dialect.name == "postgresql" else "sqlite"
    for width, table, step in (("1m", "ts_rollup_1m", 60), ("1h", "ts_rollup_1h", 3600)):
        s = as_utc(start)
        s = s - timedelta(seconds=s.timestamp() % step)
        e = as_utc(end)
        lo: Any = s if dialect == "postgresql" else s.strftime("%Y-%m-%d %H:%M:%S.%f")
        hi: Any = e if dialect == "postgresql" else e.strftime("%Y-%m-%d %H:%M:%S.%f")
        bucket = _BUCKET[(dialect, width)]
        conn.execute(
            text(
                f"INSERT INTO {table} (tag_id, bucket, n, sum, min, max) "
                f"SELECT tag_id, {bucket} AS b, count(*), sum(value), min(value), max(value) FROM ts_samples "
                f"WHERE ts >= :lo AND ts < :hi AND value IS NOT NULL GROUP BY tag_id, b "
                f"ON CONFLICT (tag_id, bucket) DO UPDATE SET n = excluded.n, sum = excluded.sum, "
                f"min = excluded.min, max = excluded.max"
            ),
            {"lo": lo, "hi": hi},
        )


# ---- queries ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    ts: datetime
    value: float | str | None


@dataclass(frozen=True, slots=True)
class RollupPoint:
    bucket: datetime
    n: int
    mean: float
    min: float
    max: float


def tag_id(session: Session, company_id: int, code: str) -> int | None:
    return session.scalar(select(TsTag.id).where(TsTag.company_id == company_id, TsTag.code == code))


def raw_range(
    session: Session, company_id: int, code: str, start: datetime, end: datetime, limit: int = 10_000
) -> list[Point]:
    tid = tag_id(session, company_id, code)
    if tid is None:
        return []
    rows = session.execute(
        select(TsSample.ts, TsSample.value, TsSample.text)
        .where(TsSample.tag_id == tid, TsSample.ts >= start, TsSample.ts < end)
        .order_by(TsSample.ts)
        .limit(limit)
    )
    return [Point(ts, txt if txt is not None else v) for ts, v, txt in rows]


def rollup_range(
    session: Session, company_id: int, code: str, start: datetime, end: datetime, width: str = "1m"
) -> list[RollupPoint]:
    table: type[TsRollup1m] | type[TsRollup1h] = TsRollup1m if width == "1m" else TsRollup1h
    tid = tag_id(session, company_id, code)
    if tid is None:
        return []
    rows = session.execute(
        select(table.bucket, table.n, table.sum, table.min, table.max)
        .where(table.tag_id == tid, table.bucket >= start, table.bucket < end)
        .order_by(table.bucket)
    )
    return [RollupPoint(b, n, s / n if n else float("nan"), lo, hi) for b, n, s, lo, hi in rows]


def last_values(session: Session, company_id: int, codes: Iterable[str] | None = None) -> dict[str, Point]:
    q = (
        select(TsTag.code, TsLast.ts, TsLast.value, TsLast.text)
        .join(TsLast, TsLast.tag_id == TsTag.id)
        .where(TsTag.company_id == company_id)
    )
    if codes is not None:
        q = q.where(TsTag.code.in_(list(codes)))
    return {code: Point(ts, txt if txt is not None else v) for code, ts, v, txt in session.execute(q)}


# ---- retention ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Retention:
    raw_days: int = 30
    rollup_1m_days: int = 180
    rollup_1h_days: int = 3650


def apply_retention(conn: Connection, retention: Retention, now: datetime | None = None) -> dict[str, int]:
    """Delete what is older than the retention settings; on PostgreSQL whole day partitions are dropped."""
    now = as_utc(now or datetime.now(UTC))
    out: dict[str, int] = {}
    raw_cut = now - timedelta(days=retention.raw_days)
    if conn.dialect.name == "postgresql":
        names = (
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace "
                    "WHERE p.relname = 'ts_samples' AND n.nspname = current_schema()"
                )
            )
            .scalars()
            .all()
        )
        dropped = 0
        for name in names:
            day = datetime.strptime(name.rsplit("_", 1)[1], "%Y%m%d").replace(tzinfo=UTC)
            if day + timedelta(days=1) <= raw_cut:
                conn.execute(text(f'DROP TABLE "{name}"'))
                dropped += 1
                _PARTITIONS.discard(
                    (
                        conn.execute(text("SELECT current_schema()")).scalar_one(),
                        int(day.timestamp()) * 1000 // DAY_MS,
                    )
                )
        out["raw_partitions_dropped"] = dropped
    else:
        out["raw_deleted"] = conn.execute(delete(TsSample).where(TsSample.ts < raw_cut)).rowcount
    out["rollup_1m_deleted"] = conn.execute(
        delete(TsRollup1m).where(TsRollup1m.bucket < now - timedelta(days=retention.rollup_1m_days))
    ).rowcount
    out["rollup_1h_deleted"] = conn.execute(
        delete(TsRollup1h).where(TsRollup1h.bucket < now - timedelta(days=retention.rollup_1h_days))
    ).rowcount
    return out
