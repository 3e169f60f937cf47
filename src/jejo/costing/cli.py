"""`jejo costing ...`: standard vs actual cost of a work order."""

from __future__ import annotations

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True)


@app.command("work-order")
def work_order(
    code: str = typer.Argument(..., help="Work order code"),
    company: str = typer.Option(..., "--company", help="Company code"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Standard and actual cost (material, labour, machine), in total and per good unit (KRW)."""
    from jejo.core.runtime import Runtime
    from jejo.costing import service as cs
    from jejo.masterdata.users import get_company

    with cli_errors(), Runtime().transaction() as s:
        out = cs.work_order_cost(s, get_company(s, company).id, code)
    emit(out, as_json)
