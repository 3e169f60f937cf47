"""Helpers of the business-plan and results tests: the demo factory, a center tenant with firms, a
valid 사업자등록번호, and an HTTP transport that records what a firm's instance sends."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from jejo.core.runtime import Runtime
from jejo.core.timeutil import SEOUL, as_utc

_serial = itertools.count(1)
_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def business_number(seed: int | None = None) -> str:
    """A 사업자등록번호 with a right checksum (different on every call)."""
    n = seed if seed is not None else 12000000 + next(_serial) * 7919
    d = [int(c) for c in f"{n % 10**9:09d}"]
    total = sum(x * w for x, w in zip(d, _WEIGHTS, strict=True)) + (d[8] * 5) // 10
    return "".join(map(str, d)) + str((10 - total % 10) % 10)


def seed_demo(runtime: Runtime) -> int:
    """The demo factory (한빛가구, 포천) with five working days of history; seeded once per database."""
    from jejo.core.tenancy import Company
    from jejo.demo.seed import COMPANY
    from jejo.demo.seed import seed_demo as seed

    with runtime.transaction() as s:
        seed(s, days=5)
        cid = s.scalar(select(Company.id).where(Company.code == COMPANY))
    assert cid is not None
    return int(cid)


def history_span(runtime: Runtime, company_id: int) -> tuple[datetime, datetime]:
    """[first local midnight, last local midnight + 1 day) of the company's production reports."""
    from jejo.execution.tables import Event

    with runtime.transaction() as s:
        first, last = s.execute(
            select(func.min(Event.occurred_at), func.max(Event.occurred_at)).where(
                Event.company_id == company_id, Event.type == "quantity.reported"
            )
        ).one()
    a = as_utc(first).astimezone(SEOUL).replace(hour=0, minute=0, second=0, microsecond=0)
    b = as_utc(last).astimezone(SEOUL).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return a, b


def firm_body(
    name: str, sigungu: str = "포천시", ksic: str = "C32", plant: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "business_number": business_number(),
        "name": name,
        "representative": "김대표",
        "sigungu": sigungu,
        "ksic_code": ksic,
        "employees": 24,
        "revenue_krw": 3_800_000_000,
        "factory_registered": True,
        "main_products": "주방 가구 (하부장·상부장·키큰장)",
    }
    if plant:
        body["plant_company"] = plant
    return body


class RecordingTransport(httpx.BaseTransport):
    """Passes every request to the real transport and keeps what went on the wire."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[tuple[str, str, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        self.sent.append((request.method, str(request.url), body))
        return self.inner.handle_request(request)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(b) for _m, _u, b in self.sent if b]

    def close(self) -> None:
        self.inner.close()
