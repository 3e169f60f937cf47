"""A small plant whose saw has run a work order for two hours with machine data: state, good and scrap
counters and two analog tags, ingested through the real ingest path (so the quantity reports, machine
states and downtime are the ones the MES derives from telemetry)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.conftest import Tenant, build_plant

from jejo.core.runtime import Runtime
from jejo.telemetry.bus import Batch
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import Role, Sample, Tag

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # Friday 10:00 in Seoul
T0_MS = int(T0.timestamp() * 1000)
CYCLES = 120
CYCLE_MS = 60_000
EQ = "PC-SAW-01"

TAGS = {
    t.tag: t
    for t in [
        Tag(tag=f"{EQ}.state", source="s", address="a", role=Role.STATE, equipment=EQ, type="uint16"),
        Tag(tag=f"{EQ}.good", source="s", address="b", role=Role.GOOD_COUNT, equipment=EQ),
        Tag(tag=f"{EQ}.scrap", source="s", address="c", role=Role.SCRAP_COUNT, equipment=EQ),
        Tag(
            tag=f"{EQ}.spindle_temp", source="s", address="d", unit="°C", equipment=EQ, description="spindle"
        ),
        Tag(tag=f"{EQ}.load", source="s", address="e", unit="kW", equipment=EQ, description="motor load"),
    ]
}


def is_scrap(i: int) -> bool:
    """Cycles whose spindle ran hot make scrap (what a model should learn)."""
    return i % 9 == 4 or i % 13 == 7


def temp_of(i: int) -> float:
    return 41.0 + 3.0 * math.sin(i / 7) + (9.0 if is_scrap(i) else 0.0)


def load_of(i: int) -> float:
    return 5.5 + 0.4 * math.cos(i / 5)


@dataclass
class Plant:
    tenant: Tenant
    company_id: int
    code: str
    work_order: str
    scrap_cycles: int
    good_cycles: int


def _samples() -> list[Sample]:
    out = [Sample(f"{EQ}.state", T0_MS - 1000, 2.0)]
    good = scrap = 0
    for i in range(CYCLES):
        ts = T0_MS + (i + 1) * CYCLE_MS
        if i == 60:  # a 10-minute breakdown in the middle
            out.append(Sample(f"{EQ}.state", ts - 30_000, 3.0))
            out.append(Sample(f"{EQ}.state", ts - 20_000, 2.0))
        if is_scrap(i):
            scrap += 1
        else:
            good += 1
        out.append(Sample(f"{EQ}.spindle_temp", ts - 1000, temp_of(i)))
        out.append(Sample(f"{EQ}.load", ts - 1000, load_of(i)))
        out.append(Sample(f"{EQ}.good", ts, float(good)))
        out.append(Sample(f"{EQ}.scrap", ts, float(scrap)))
    # counters start from their first reading: send zero readings first
    return [Sample(f"{EQ}.good", T0_MS - 500, 0.0), Sample(f"{EQ}.scrap", T0_MS - 500, 0.0), *out]


def make_plant(runtime: Runtime, t: Tenant) -> Plant:
    build_plant(t)
    ok = t.ok
    ok(
        t.put(
            f"/masterdata/equipment/{EQ}",
            {
                "code": EQ,
                "name": "패널쏘 1호기",
                "work_center": "WC-SAW",
                "manufacturer": "Holzma",
                "model": "HPP 300",
                "serial_number": "SN-4711",
                "ideal_cycle_time_s": 55.0,
            },
        )
    )
    ok(
        t.post(
            "/masterdata/reason-codes",
            {"code": "SC-DIM", "name": "치수 불량", "category": "scrap", "oee_loss": "quality"},
        ),
        201,
    )
    ok(
        t.post(
            "/masterdata/shifts",
            {"code": "DAY", "name": "주간", "start": "08:00", "end": "20:00", "weekdays": "0,1,2,3,4,5,6"},
        ),
        201,
    )
    wo = ok(
        t.post(
            "/work-orders",
            {"code": "WO-TWIN-1", "item": "CAB-600", "quantity": 150, "due_date": "2026-11-30"},
        ),
        201,
    )
    assert wo["code"] == "WO-TWIN-1"
    ok(t.post("/work-orders/WO-TWIN-1/release"))
    ok(
        t.post(
            "/events",
            {
                "type": "operation.started",
                "work_order": "WO-TWIN-1",
                "occurred_at": (T0 - timedelta(minutes=2)).isoformat(),
                "payload": {"seq": 10, "equipment": EQ},
            },
        ),
        201,
    )
    worker = IngestWorker(runtime, TAGS, rollup_every_s=-1)
    samples = _samples()
    for i in range(0, len(samples), 200):
        worker.write(Batch(t.code, samples[i : i + 200]))
    with runtime.transaction() as s:
        from sqlalchemy import select

        from jejo.core.tenancy import Company

        cid = s.scalar(select(Company.id).where(Company.code == t.code))
    n_scrap = sum(1 for i in range(CYCLES) if is_scrap(i))
    return Plant(t, int(cid or 0), t.code, "WO-TWIN-1", n_scrap, CYCLES - n_scrap)


@pytest.fixture
def plant(runtime: Runtime, tenant: Tenant) -> Plant:
    return make_plant(runtime, tenant)


@pytest.fixture
def cli_env(runtime: Runtime, tmp_path: Any) -> Any:
    """The environment of a ``jejo`` command run in a test: the test database, a data folder of its own
    (and fresh settings before and after, since they are cached per process)."""
    from jejo.core.settings import reset_settings_cache

    data = tmp_path / "cli-data"
    data.mkdir()
    reset_settings_cache()
    yield {"JEJO_DATABASE_URL": str(runtime.settings.database_url), "JEJO_DATA_DIR": str(data)}
    reset_settings_cache()


def now_after() -> datetime:
    return T0 + timedelta(hours=3)


def fields(obj: Any, *names: str) -> tuple[Any, ...]:
    return tuple(getattr(obj, n) for n in names)
