"""Finding a company's record by its human-readable code, the same way in every package."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import Conflict, NotFound, Problem


def get_by_code[T](session: Session, table: type[T], company_id: int, code: str, what: str) -> T:
    """The row of ``table`` with this ``code`` in this company, or ``NotFound`` naming what it is."""
    t = cast(Any, table)
    row = session.scalar(select(t).where(t.company_id == company_id, t.code == code))
    if row is None:
        raise NotFound(f"{what} {code} not found")
    return cast(T, row)


def list_by_code[T](session: Session, table: type[T], company_id: int) -> list[T]:
    """All of a company's rows of ``table``, ordered by code."""
    t = cast(Any, table)
    return list(session.scalars(select(t).where(t.company_id == company_id).order_by(t.code)))


def create_with_code[T](
    session: Session, table: type[T], company_id: int, values: dict[str, Any], what: str
) -> T:
    """Insert a row whose ``code`` must be new in this company; a taken code is a ``Conflict`` on ``code``."""
    t = cast(Any, table)
    code = values["code"]
    if session.scalar(select(t.id).where(t.company_id == company_id, t.code == code)):
        raise Conflict(f"{what} {code} already exists", [Problem(reason="already exists", field="code")])
    row = t(company_id=company_id, **values)
    session.add(row)
    session.flush()
    return cast(T, row)
