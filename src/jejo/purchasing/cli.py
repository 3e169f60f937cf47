"""`jejo purchasing ...`: material shortages (MRP) and purchase proposals."""

from __future__ import annotations

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True)


@app.command("mrp")
def mrp(
    company: str = typer.Option(..., "--company", help="Company code"),
    propose: bool = typer.Option(
        False, "--propose", help="Create proposed purchase orders for the shortages"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Shortages of open work orders against stock and open purchase orders; optionally propose orders."""
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company
    from jejo.purchasing import service as ps

    with cli_errors(), Runtime().transaction() as s:
        cid = get_company(s, company).id
        short = [ps.shortage_out(x) for x in ps.shortages(s, cid).values()]
        made, orphans = ps.propose(s, cid) if propose else ([], [])
        out = {
            "shortages": short,
            "proposed": [p.code for p in made],
            "no_supplier": [o.item for o in orphans],
        }
    emit(
        out,
        as_json,
        lambda o: (
            "\n".join(f"{x['item']}\t{x['quantity']:g}\t{x['need_date']}" for x in o["shortages"])
            or "no shortages"
        ),
    )
