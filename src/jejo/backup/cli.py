"""`jejo backup`, `jejo restore` and `jejo tenant export`.

``backup`` and ``restore`` are top-level commands (registered in ``jejo.cli._COMMANDS``); ``tenant`` is a
command group. With ``--json`` each prints exactly one JSON object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True, help="A company's data: export in open formats.")


def _runtime() -> Any:
    from jejo.core.runtime import Runtime

    return Runtime()


def backup_command(
    target: Path = typer.Argument(..., help="Backup file to write (SQLite file, or pg_dump custom format)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Back up the whole database while jejo runs (SQLite online backup; PostgreSQL pg_dump -Fc)."""
    from jejo.backup.dbcopy import backup

    with cli_errors():
        result = backup(_runtime().engine, target)
        emit(
            result.as_dict(),
            as_json,
            lambda o: (
                f"backup of {o['tables']} tables ({o['rows']} rows, revision {o['revision']}) "
                f"written to {o['path']} ({o['bytes']} bytes)"
            ),
        )


def restore_command(
    source: Path = typer.Argument(..., help="A file written by `jejo backup`"),
    yes: bool = typer.Option(False, "--yes", help="Replace the current database without asking"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Replace the database with a backup. Stop every jejo process of the site first."""
    from jejo.backup.dbcopy import restore

    with cli_errors():
        rt = _runtime()
        if not yes:
            shown = rt.engine.url.render_as_string(hide_password=True)
            typer.confirm(f"replace every table of {shown} with {source}?", abort=True)
        result = restore(rt.engine, source, rt.alembic_config())
        emit(
            result.as_dict(),
            as_json,
            lambda o: (
                f"restored {o['tables']} tables ({o['rows']} rows) at revision {o['revision']} "
                f"from {o['path']}; run `jejo db upgrade` if this release is newer"
            ),
        )


@app.command("export")
def tenant_export(
    company: str = typer.Argument(..., help="Company code"),
    output: Path = typer.Option(None, "--output", "-o", help="Zip file (default: <company>-export.zip)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Export all of a company's data: a zip of CSV (UTF-8 BOM) and JSON per table, with a manifest."""
    from jejo.backup.export import export_company

    with cli_errors():
        result = export_company(_runtime().engine, company, output or Path(f"{company}-export.zip"))
        emit(
            result.as_dict(),
            as_json,
            lambda o: f"{o['company']}: {o['rows']} rows of {o['tables']} tables written to {o['path']}",
        )
