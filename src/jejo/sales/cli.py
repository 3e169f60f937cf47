"""`jejo sales ...`: import and export sales orders, the delivery figures, make-to-order work orders.

With ``--json`` each command prints exactly one JSON object on stdout; a rejected file prints
``{"error": ..., "problems": [...]}`` and exits with code 2.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True)


def _fail_json(exc: Exception, as_json: bool) -> None:
    from jejo.core.errors import JejoError

    if not as_json or not isinstance(exc, JejoError):
        raise exc
    sys.stderr.write(f"error: {exc.detail}\n")
    emit({"error": exc.detail, "problems": [p.as_dict() for p in exc.problems]}, True)
    raise typer.Exit(2) from exc


@app.command("import")
def import_orders(
    file: Path = typer.Argument(
        ..., help="An .xlsx workbook or a .csv file (UTF-8 or CP949), one row per line"
    ),
    company: str = typer.Option(..., "--company", help="Company code"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything; save nothing"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Import sales orders; a file with any problem is rejected as a whole, every row and column named."""
    from jejo.core.errors import JejoError
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company
    from jejo.sales.transfer import import_orders as run

    with cli_errors():
        data = file.read_bytes()
        try:
            with Runtime().transaction() as s:
                result = run(s, get_company(s, company).id, file.name, data, dry_run=dry_run)
        except JejoError as exc:
            _fail_json(exc, as_json)
    emit(
        result.as_dict(),
        as_json,
        lambda r: (
            f"{r['order_count']} order(s), {r['lines']} line(s)"
            + (" checked (dry run)" if r["dry_run"] else " imported")
        ),
    )


@app.command("export")
def export_orders(
    out: Path = typer.Argument(..., help="The file to write (.csv or .xlsx)"),
    company: str = typer.Option(..., "--company", help="Company code"),
    columns: str | None = typer.Option(None, "--columns", help="field=Header,... for the receiving ERP"),
    encoding: str = typer.Option("utf-8-sig", "--encoding", help="CSV encoding: utf-8-sig or cp949"),
) -> None:
    """Export order lines with amounts and delivery progress, columns mapped for the firm's ERP."""
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company
    from jejo.sales.transfer import export_orders as run
    from jejo.sales.transfer import parse_mapping

    with cli_errors(), Runtime().transaction() as s:
        fmt = "xlsx" if out.suffix.lower() == ".xlsx" else "csv"
        data, _, _ = run(s, get_company(s, company).id, fmt, parse_mapping(columns), encoding=encoding)
        out.write_bytes(data)
    sys.stdout.write(f"{out}\n")


@app.command("figures")
def figures(
    company: str = typer.Option(..., "--company", help="Company code"),
    start: str | None = typer.Option(None, "--start", help="First day (YYYY-MM-DD); this month by default"),
    end: str | None = typer.Option(None, "--end", help="Last day (YYYY-MM-DD)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """On-time delivery rate, order-to-shipment lead time, return rate and sales for a period."""
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company
    from jejo.sales import service as sv

    with cli_errors(), Runtime().transaction() as s:
        first, last = sv.period(
            date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None
        )
        out = sv.figures(s, get_company(s, company).id, first, last).as_dict()
    emit(out, as_json)


@app.command("make")
def make_work_orders(
    order: str = typer.Argument(..., help="Sales order code"),
    company: str = typer.Option(..., "--company", help="Company code"),
) -> None:
    """Create the make-to-order work orders of a sales order."""
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company
    from jejo.sales import service as sv

    with cli_errors(), Runtime().transaction() as s:
        made = sv.create_work_orders(s, get_company(s, company).id, order, actor="cli")
        codes = [wo.code for wo in made]
    sys.stdout.write("\n".join(codes) + ("\n" if codes else ""))
