"""`jejo results ...`: a firm's instance re-measures its results projects and pushes what it shares to
the center (run it from cron: pushes that fail stay queued and go with the next run)."""

from __future__ import annotations

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True)


@app.command("push")
def push(
    company: str = typer.Option(..., "--company", help="Company code (the firm's own plant)"),
    project: list[str] = typer.Option([], "--project", help="Project code; every linked project by default"),
    measure: bool = typer.Option(True, "--measure/--no-measure", help="Re-measure before pushing"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Queue each project's shared indicators (and usage) and deliver every pending push, retried."""
    import httpx
    from sqlalchemy import select

    from jejo.center import results
    from jejo.center.results_tables import ResultProject
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company

    with cli_errors():
        rt = Runtime()
        with rt.transaction() as s:
            cid = get_company(s, company).id
            rows = list(
                s.scalars(
                    select(ResultProject).where(ResultProject.company_id == cid).order_by(ResultProject.code)
                )
            )
            chosen = [p for p in rows if (p.code in project if project else bool(p.center_token))]
            missing = sorted(set(project) - {p.code for p in rows})
            if missing:
                results.get_project(s, cid, missing[0])  # NotFound naming it
            queued = []
            for p in chosen:
                if measure:
                    results.measure_project(s, p)
                queued.append(results.queue_push(s, p).push_id)
        with httpx.Client(timeout=30) as client, rt.transaction() as s:
            out = results.deliver(s, cid, client) | {"queued": queued}
            out["pending"] = results.pending_count(s, cid)
    emit(out, as_json, lambda o: f"sent {len(o['sent'])}, failed {len(o['failed'])}, pending {o['pending']}")
    if out["failed"]:
        raise typer.Exit(1)
