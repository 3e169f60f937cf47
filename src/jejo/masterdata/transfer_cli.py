"""`jejo import` and `jejo export`: master data from and to .xlsx workbooks and CSV files.

Mounted by ``jejo.cli`` as top-level commands. With ``--json`` each prints exactly one JSON object on
stdout: the result, or ``{"error": ..., "problems": [...]}`` (exit code 2) when the file is rejected.
Heavy libraries (openpyxl, SQLAlchemy) are imported inside the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from jejo.cli_support import cli_errors, emit

_KINDS_HELP = (
    "sites, areas, lines, work_centers, equipment, items, boms, routings, reason_codes, shifts, "
    "locations, calendar_exceptions"
)
_CSV_SUFFIXES = (".csv", ".txt", ".tsv")


@contextmanager
def _json_errors(as_json: bool) -> Iterator[None]:
    """With ``--json``, a rejected file is still one JSON object on stdout (and the message on stderr)."""
    from jejo.core.errors import JejoError

    try:
        yield
    except (JejoError, OSError) as exc:
        if not as_json:
            raise
        detail = exc.detail if isinstance(exc, JejoError) else str(exc)
        problems = [p.as_dict() for p in exc.problems] if isinstance(exc, JejoError) else []
        sys.stderr.write(f"error: {detail}\n")
        emit({"error": detail, "problems": problems}, True)
        raise typer.Exit(2) from exc


def _company_id(session: Any, code: str) -> int:
    from jejo.masterdata.users import get_company

    return int(get_company(session, code).id)


def _input_files(path: Path) -> list[tuple[str, bytes]]:
    """One file, or every CSV/.xlsx file of a folder (read as one import)."""
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.suffix.lower() in (*_CSV_SUFFIXES, ".xlsx") and p.is_file()
        )
        if not files:
            from jejo.core.errors import ValidationError

            raise ValidationError(f"no .csv or .xlsx files in {path}")
        return [(p.name, p.read_bytes()) for p in files]
    return [(path.name, path.read_bytes())]


def import_command(
    file: Path = typer.Argument(
        ..., help="An .xlsx workbook, a .csv file, or a folder of CSV files (one per kind)"
    ),
    company: str = typer.Option(..., "--company", help="Company code"),
    kind: str | None = typer.Option(
        None, "--kind", help=f"Kind of a CSV file, else from its name: {_KINDS_HELP}"
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check everything against the database; save nothing"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Import master data; a file with any problem is rejected as a whole, every problem listed."""
    from jejo.core.runtime import Runtime
    from jejo.masterdata.transfer import import_sheets, read_files

    with cli_errors(), _json_errors(as_json):
        files = _input_files(file)
        read = read_files(files, kind)
        rt = Runtime()
        with rt.transaction() as session:
            result = import_sheets(session, _company_id(session, company), read, dry_run=dry_run)
        out = {"file": str(file), "company": company, **result.as_dict()}
        emit(out, as_json, _human_import)


def _human_import(o: dict[str, Any]) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in o["applied"].items()) or "nothing"
    verb = "would import" if o["dry_run"] else "imported"
    return f"{verb} into {o['company']}: {counts} ({o['rows']} rows read from {o['file']})"


def export_command(
    file: Path = typer.Argument(
        ..., help="Target: .xlsx (all kinds), .csv (one kind) or a folder (a CSV per kind)"
    ),
    company: str | None = typer.Option(None, "--company", help="Company code (not needed with --template)"),
    kind: str | None = typer.Option(None, "--kind", help=f"Only this kind (a .csv needs one): {_KINDS_HELP}"),
    template: bool = typer.Option(False, "--template", help="Write the empty import template with examples"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Export master data (or the import template) as .xlsx or CSV (UTF-8 with BOM, for Excel)."""
    from jejo.core.errors import ValidationError
    from jejo.masterdata import transfer
    from jejo.masterdata.transfer.layout import SHEETS, sheet_for_filename

    with cli_errors(), _json_errors(as_json):
        if kind is not None and kind not in SHEETS:
            raise ValidationError(f"unknown kind {kind!r}; known: {_KINDS_HELP}")
        folder = file.is_dir() or (not file.suffix and not file.exists())
        fmt = "csv" if folder else transfer.format_of(file.name)
        if fmt == "csv" and not folder and kind is None:
            spec = sheet_for_filename(file.stem)
            kind = spec.name if spec else None
            if kind is None:
                raise ValidationError(f"which kind goes into {file.name}? give --kind ({_KINDS_HELP})")
        targets: dict[Path, bytes] = {}
        if template:
            if folder:
                targets = {
                    file / f"{k}.csv": transfer.template("csv", k) for k in ([kind] if kind else SHEETS)
                }
            else:
                targets = {file: transfer.template(fmt, kind)}
        else:
            if company is None:
                raise ValidationError("give --company (or --template for the empty template)")
            from jejo.core.runtime import Runtime

            with Runtime().transaction() as session:
                cid = _company_id(session, company)
                if folder:
                    targets = {
                        file / f"{k}.csv": transfer.export(session, cid, "csv", k)
                        for k in ([kind] if kind else SHEETS)
                    }
                else:
                    targets = {file: transfer.export(session, cid, fmt, kind)}
        for path, data in targets.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        out = {
            "files": [str(p) for p in targets],
            "format": fmt,
            "template": template,
            "company": company,
            "kind": kind,
            "bytes": sum(len(d) for d in targets.values()),
        }
        emit(out, as_json, lambda o: f"wrote {', '.join(o['files'])}")
