"""One exception hierarchy for the whole of jejo.

The API maps these to RFC 9457 problem details; the CLI prints them to stderr and exits non-zero.
Each error can name the fields (or sheet/row/column) it is about, so that a user can fix the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One specific problem with an input: where it is and why it is wrong."""

    reason: str
    field: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("field", self.field),
                ("sheet", self.sheet),
                ("row", self.row),
                ("column", self.column),
                ("reason", self.reason),
            )
            if v is not None
        }

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.as_dict().items() if k != "reason")
        return f"{where}: {self.reason}" if where else self.reason


class JejoError(Exception):
    """Base of every error jejo raises on purpose."""

    status = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, detail: str, problems: list[Problem] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems: list[Problem] = list(problems or [])
        self.extra = extra

    def __str__(self) -> str:
        if not self.problems:
            return self.detail
        lines = [self.detail, *(f"  - {p}" for p in self.problems)]
        return "\n".join(lines)


class ValidationError(JejoError):
    status = 422
    title = "Invalid input"
    type_slug = "validation"


class NotFound(JejoError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(JejoError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class IllegalTransition(Conflict):
    title = "Illegal state transition"
    type_slug = "illegal-transition"


class Unauthorized(JejoError):
    status = 401
    title = "Authentication required"
    type_slug = "unauthorized"


class Forbidden(JejoError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


@dataclass
class ProblemCollector:
    """Collects every problem of an input before failing, so the user sees them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, reason: str, **where: Any) -> None:
        self.problems.append(Problem(reason=reason, **where))

    def raise_if_any(self, detail: str) -> None:
        if self.problems:
            raise ValidationError(detail, self.problems)
