"""Shared fixtures of the furniture tests: where the benchmark data live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def shared_data() -> Path:
    env = os.environ.get("JEJO_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def data_2bp() -> Path:
    d = shared_data() / "cutting" / "2bp"
    if not d.exists():
        pytest.skip("shared 2BP data not present")
    return d


@pytest.fixture
def roadef_dir() -> Path:
    d = shared_data() / "cutting" / "roadef2018"
    if not d.exists():
        pytest.skip("shared ROADEF 2018 data not present")
    return d
