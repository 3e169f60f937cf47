"""A private database for each test: a restore replaces every table, so never the suite's shared one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from jejo.core.db import make_engine
from jejo.core.runtime import Runtime
from jejo.core.settings import Settings


def private_runtime(url: str, data_dir: Path) -> Runtime:
    rt = Runtime(Settings(database_url=url, data_dir=data_dir, secret_key="test-secret-key"))
    return rt


@pytest.fixture
def sqlite_rt(tmp_path: Path) -> Iterator[Runtime]:
    rt = private_runtime(f"sqlite:///{tmp_path / 'site.db'}", tmp_path)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def pg_rt(tmp_path: Path) -> Iterator[Runtime]:
    url = os.environ.get("JEJO_TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        pytest.skip("set JEJO_TEST_DATABASE_URL to a PostgreSQL database")
    schema = f"jejo_bk_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    rt = private_runtime(f"{url}{sep}options=-csearch_path%3D{schema}", tmp_path)
    yield rt
    rt.engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()
