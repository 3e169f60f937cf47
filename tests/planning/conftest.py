"""Shared fixtures of the planning tests: the benchmark data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def shared_data() -> Path:
    env = os.environ.get("JEJO_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def jssp_dir() -> Path:
    path = shared_data() / "jssp"
    if not (path / "instances").is_dir():
        pytest.skip(f"benchmark data not found at {path}")
    return path
