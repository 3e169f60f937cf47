"""A savepoint nests in the caller's transaction on every database: rolling the caller back undoes it.

On SQLite, Python's driver opens a transaction only at the first write; a bare ``begin_nested()`` after
reads alone would make the savepoint a transaction of its own, committed by its RELEASE.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jejo.core.db import savepoint
from jejo.core.runtime import Runtime
from jejo.core.tenancy import Company
from jejo.masterdata import users


def _companies(runtime: Runtime, code: str) -> int:
    with runtime.transaction() as s:
        return len(list(s.scalars(select(Company.id).where(Company.code == code))))


def test_work_in_a_savepoint_is_undone_when_the_caller_rolls_back(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError), runtime.transaction() as s:
        s.execute(select(Company.id)).all()  # only reads so far
        with savepoint(s):
            users.create_company(s, "SP-ROLLBACK", "savepoint")
        raise RuntimeError("the caller fails after the savepoint was released")
    assert _companies(runtime, "SP-ROLLBACK") == 0


def test_a_failed_savepoint_keeps_what_came_before_it(runtime: Runtime) -> None:
    with runtime.transaction() as s:
        users.create_company(s, "SP-KEEP", "kept")
        with pytest.raises(RuntimeError), savepoint(s):
            users.create_company(s, "SP-DROP", "dropped")
            s.flush()
            raise RuntimeError("undo only this part")
    assert _companies(runtime, "SP-KEEP") == 1
    assert _companies(runtime, "SP-DROP") == 0
