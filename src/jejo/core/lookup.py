"""Finding a company's record by its human-readable code, the same way in every package."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import NotFound


def get_by_code[T](session: Session, table: type[T], company_id: int, code: str, what: str) -> T:
    """The row of ``table`` with this ``code`` in this company, or ``NotFound`` naming what it is."""
    t = cast(Any, table)
    row = session.scalar(select(t).where(t.company_id == company_id, t.code == code))
    if row is None:
        raise NotFound(f"{what} {code} not found")
    return cast(T, row)
