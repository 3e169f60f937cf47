"""`jejo center ...`: the program catalogue, a firm's eligibility, Excel import of firms and the
deadline reminders that are due."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True)

_COMPANY = typer.Option(..., "--center", help="Company code of the center's tenant")
_JSON = typer.Option(False, "--json", help="Print one JSON object")


def _at(at: str | None) -> datetime:
    from jejo.core.timeutil import as_utc, utcnow

    return as_utc(datetime.fromisoformat(at)) if at else utcnow()


@app.command("programs")
def programs(year: int = typer.Option(2026, "--year"), as_json: bool = _JSON) -> None:
    """The programs of a year with their support terms, windows and sources."""
    from jejo.center import catalogue

    with cli_errors():
        out = {"year": year, "programs": [catalogue.program_out(p) for p in catalogue.load_catalogue(year)]}
    emit(
        out,
        as_json,
        lambda o: "\n".join(
            f"{p['code']}\t{p['name']}\t{(p['window'] or {}).get('closes', '-')}" for p in o["programs"]
        ),
    )


@app.command("eligibility")
def eligibility(
    center: str = _COMPANY,
    firm: str = typer.Option(..., "--firm", help="사업자등록번호 of the firm"),
    year: int = typer.Option(2026, "--year"),
    at: str | None = typer.Option(None, "--at", help="When to check (ISO 8601 with zone); now by default"),
    as_json: bool = _JSON,
) -> None:
    """Every program of the year against the firm: each rule passed or failed, and why."""
    from jejo.center import catalogue, firms
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company

    with cli_errors(), Runtime().transaction() as s:
        f = firms.get_by_business_number(s, get_company(s, center).id, firm)
        out = {
            "firm": f.name,
            "checks": [catalogue.eligibility_out(e) for e in catalogue.check_all(f, year, _at(at))],
        }

    def human(o: dict[str, Any]) -> str:
        lines = []
        for e in o["checks"]:
            lines.append(f"{e['program']}\t{'eligible' if e['eligible'] else 'not eligible'}\t{e['name']}")
            lines += [f"  {'✔' if r['passed'] else '✘'} {r['rule']}: {r['reason']}" for r in e["rules"]]
        return "\n".join(lines)

    emit(out, as_json, human)


@app.command("import-firms")
def import_firms(
    file: Path = typer.Argument(..., help="Excel workbook (.xlsx), headers as in the template"),
    center: str = _COMPANY,
    as_json: bool = _JSON,
) -> None:
    """Import firms; any bad row (named with its row and field) means nothing is imported."""
    from jejo.center import firms
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company

    with cli_errors():
        data = file.read_bytes()
        with Runtime().transaction() as s:
            out = firms.import_excel(s, get_company(s, center).id, data)
    emit(out, as_json, lambda o: f"{o['created']} created, {o['updated']} updated")


@app.command("remind")
def remind(
    center: str = _COMPANY,
    at: str | None = typer.Option(
        None, "--at", help="The time of the run (ISO 8601 with zone); now by default"
    ),
    as_json: bool = _JSON,
) -> None:
    """The application deadlines whose reminder is due (each reminded once)."""
    from jejo.center import applications
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company

    with cli_errors(), Runtime().transaction() as s:
        due = applications.due_reminders(s, get_company(s, center).id, _at(at))
        out = {
            "reminders": [
                {
                    "application_id": str(d.application_id),
                    "stage": d.stage,
                    "title": d.title,
                    "due_at": d.due_at,
                }
                for d in due
            ]
        }
    emit(
        out,
        as_json,
        lambda o: "\n".join(f"{r['due_at']}\t{r['title']}" for r in o["reminders"]) or "none due",
    )
