"""`jejo quality ...`: ISO 2859-1 sampling plans, and holds."""

from __future__ import annotations

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True)


@app.command("sampling")
def sampling(
    lot_size: int = typer.Option(..., "--lot-size", help="Units in the lot"),
    aql: float = typer.Option(..., "--aql", help="AQL in percent nonconforming (0.010 to 10)"),
    level: str = typer.Option("II", "--level", help="I, II, III or S-1 … S-4"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """The single sampling plan for normal inspection (KS Q ISO 2859-1 Table 1 and 2-A)."""
    from jejo.quality.sampling import plan_for

    with cli_errors():
        p = plan_for(lot_size, aql, level)
    out = {
        "lot_size": p.lot_size,
        "level": p.level,
        "aql": p.aql,
        "code_letter": p.code_letter,
        "plan_letter": p.plan_letter,
        "sample_size": p.sample_size,
        "accept": p.accept,
        "reject": p.reject,
    }
    emit(
        out,
        as_json,
        lambda o: (
            f"{o['code_letter']}: n={o['sample_size']}, Ac={o['accept']}, Re={o['reject']}"
            + (f" (plan of {o['plan_letter']})" if o["plan_letter"] != o["code_letter"] else "")
        ),
    )


@app.command("holds")
def holds(
    company: str = typer.Option(..., "--company", help="Company code"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Lots on hold now."""
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company
    from jejo.quality import service as qs

    with cli_errors(), Runtime().transaction() as s:
        rows = [qs.hold_out(h) for h in qs.list_holds(s, get_company(s, company).id)]
    emit(
        {"holds": rows}, as_json, lambda o: "\n".join(f"{h['lot']}\t{h['reason']}" for h in o["holds"]) or "-"
    )
