"""The demo factory, seeded once per test run, for the KPI tests that read real history."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from jejo.core.tenancy import Company
from jejo.demo.seed import COMPANY, seed_demo


@pytest.fixture(scope="session")
def demo(runtime: Any) -> int:
    with runtime.transaction() as s:
        seed_demo(s, days=5)
        cid = s.scalar(select(Company.id).where(Company.code == COMPANY))
    assert cid is not None
    return int(cid)
