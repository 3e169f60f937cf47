"""`jejo maintenance ...`: open the preventive orders that are due."""

from __future__ import annotations

from datetime import datetime

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True)


@app.command("check")
def check(
    company: str = typer.Option(..., "--company", help="Company code"),
    at: str | None = typer.Option(
        None, "--at", help="Time of the check (ISO 8601 with zone); now by default"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Check every plan (calendar, running hours, counter from machine data) and open what is due."""
    from jejo.core.runtime import Runtime
    from jejo.core.timeutil import utcnow
    from jejo.maintenance import service as ms
    from jejo.maintenance.schemas import CheckIn
    from jejo.masterdata.users import get_company

    with cli_errors(), Runtime().transaction() as s:
        when = datetime.fromisoformat(at) if at else utcnow()
        opened = ms.check_plans(s, get_company(s, company).id, CheckIn(at=when), actor="cli")
        out = {"opened": [{"order": o.code, "equipment": o.equipment.code} for o in opened]}
    emit(
        out,
        as_json,
        lambda o: "\n".join(f"{x['order']}\t{x['equipment']}" for x in o["opened"]) or "nothing due",
    )
