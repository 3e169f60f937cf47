"""Import and export of master data as whole files: what the CLI and the API call.

An import reads the file, applies every sheet in one transaction and either keeps all of it or, when
any row of any sheet has a problem, none of it: it then raises one :class:`ValidationError` listing
every problem (sheet, row, column, reason). A dry run validates everything against the database the
same way and keeps nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any, Literal

from sqlalchemy.orm import Session

from jejo.core.errors import Problem, ValidationError
from jejo.masterdata.transfer.apply import apply_sheets, collect
from jejo.masterdata.transfer.layout import ORDER, SHEETS
from jejo.masterdata.transfer.reader import ReadResult, read_file
from jejo.masterdata.transfer.writer import template_workbook, write_csv, write_workbook

Format = Literal["xlsx", "csv"]
MEDIA_TYPES: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass
class ImportResult:
    """What an import saved: records per sheet (a BOM or routing counts once, whatever its rows)."""

    applied: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"applied": self.applied, "rows": self.rows, "dry_run": self.dry_run}


def read_files(files: list[tuple[str, bytes]], kind: str | None = None) -> ReadResult:
    """Several files read as one import (e.g. a folder of CSV files, one per kind)."""
    result = ReadResult()
    for name, data in files:
        result.add(read_file(name, data, kind))
    taken: dict[str, str] = {}
    for sd in list(result.sheets):
        if sd.spec.name in taken:
            result.problems.append(
                Problem(sheet=sd.source, reason=f"{taken[sd.spec.name]!r} already holds {sd.spec.name}")
            )
            result.sheets.remove(sd)
        else:
            taken[sd.spec.name] = sd.source
    return result


def import_sheets(
    session: Session, company_id: int, read: ReadResult, *, dry_run: bool = False
) -> ImportResult:
    """Apply read sheets in the session's transaction, all or nothing.

    The import owns the transaction: on a problem, and after a dry run, it rolls the session back, so
    call it in a session of its own (as the CLI and the API do).
    """
    problems = list(read.problems)
    applied = apply_sheets(session, company_id, read.sheets, problems)
    if problems:
        session.rollback()
        problems = [_friendly(p) for p in problems]
        rank = {sd.source: ORDER.index(sd.spec.name) for sd in read.sheets}
        problems.sort(key=lambda p: (rank.get(p.sheet or "", -1), p.row or 0))
        raise ValidationError(f"{len(problems)} problem(s) in the file; nothing was imported", problems)
    if dry_run:
        session.rollback()
    else:
        session.flush()
    return ImportResult({k: applied[k] for k in ORDER if k in applied}, read.row_count, dry_run)


_CODE_PATTERN = "String should match pattern '^[A-Za-z0-9][A-Za-z0-9._\\-/]{0,63}$'"


def _friendly(p: Problem) -> Problem:
    """Reasons in a spreadsheet user's words (what a code may hold, not the schema's regular expression)."""
    if p.reason == _CODE_PATTERN:
        reason = "a code is 1 to 64 letters, digits and . _ - / (no spaces), starting with a letter or digit"
        return replace(p, reason=reason)
    if p.reason == "Field required" and p.row is not None:
        return replace(p, reason="required, but the cell is empty")
    return p


def import_file(
    session: Session,
    company_id: int,
    filename: str,
    data: bytes,
    *,
    kind: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Read one uploaded file (.xlsx or .csv) and import it (see :func:`import_sheets`)."""
    return import_sheets(session, company_id, read_files([(filename, data)], kind), dry_run=dry_run)


def export(session: Session, company_id: int, fmt: Format, kind: str | None = None) -> bytes:
    """Every kind as a workbook, or one kind (``kind``) as a workbook sheet or a CSV file."""
    if kind is not None and kind not in SHEETS:
        raise ValidationError(
            f"unknown kind {kind!r}", [Problem(field="kind", reason=f"known: {', '.join(SHEETS)}")]
        )
    if fmt == "csv":
        if kind is None:
            raise ValidationError(
                "a CSV file holds one kind of master data; name it",
                [Problem(field="kind", reason=f"one of {', '.join(SHEETS)}")],
            )
        return write_csv(kind, collect(session, company_id, [kind])[kind])
    return write_workbook(collect(session, company_id, [kind] if kind else None))


def template(fmt: Format = "xlsx", kind: str | None = None) -> bytes:
    """The import template (every kind, with an example each), or one kind's CSV header and example."""
    if fmt == "csv":
        if kind is None or kind not in SHEETS:
            raise ValidationError(
                "a CSV template holds one kind of master data; name it",
                [Problem(field="kind", reason=f"one of {', '.join(SHEETS)}")],
            )
        return write_csv(kind, list(SHEETS[kind].example))
    return template_workbook()


def format_of(filename: str) -> Format:
    """The format a file name asks for: .csv (and .txt/.tsv) → csv, everything else → xlsx."""
    return "csv" if PurePath(filename).suffix.lower() in (".csv", ".txt", ".tsv") else "xlsx"
