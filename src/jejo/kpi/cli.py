"""`jejo kpi ...` (OEE / ISO 22400 KPIs, losses, SPC, PQCD) and `jejo report ...` (daily, weekly,
monthly reports as .xlsx or .pdf). With ``--json`` each command prints exactly one JSON object."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True, help="OEE and ISO 22400 KPIs, losses, SPC, PQCD before/after.")
report_app = typer.Typer(no_args_is_help=True, help="Daily production, weekly OEE and monthly PQCD reports.")

_SCOPE = "equipment | work_center | line | site"


def _scope(
    equipment: str | None, work_center: str | None, line: str | None, site: str | None
) -> tuple[str, str | None]:
    given = [
        (k, v)
        for k, v in (("equipment", equipment), ("work_center", work_center), ("line", line), ("site", site))
        if v
    ]
    if len(given) > 1:
        from jejo.core.errors import Problem, ValidationError

        raise ValidationError("one scope only", [Problem(f"give one of {_SCOPE}", field="scope")])
    return given[0] if given else ("site", None)


def _run(company: str, fn: Any) -> Any:
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company

    rt = Runtime()
    with rt.transaction() as session:
        cid = int(get_company(session, company).id)
        return fn(session, cid)


def _pct(v: Any) -> str:
    return "–" if v is None else f"{v:.1%}"


def _human_oee(r: dict[str, Any]) -> str:
    k, kr = r["kpi"]["iso"], r["kpi"]["korean"]
    lines = [
        f"{r['scope']} {r['code'] or '(all)'}  {r['from']} .. {r['to']}",
        f"OEE {_pct(k['oee'])} = A {_pct(k['availability'])} × E {_pct(k['effectiveness'])} × QR "
        f"{_pct(k['quality_ratio'])}",
        f"설비종합효율 {_pct(kr['oee'])} = 시간가동률 {_pct(kr['time_availability'])} × 성능가동률 "
        f"{_pct(kr['performance'])} × 양품률 {_pct(kr['quality'])}",
    ]
    for e in r["equipment"]:
        lines.append(f"  {e['equipment']:<14} OEE {_pct(e['kpi']['iso']['oee'])}")
    return "\n".join(lines)


@app.command("oee")
def oee(
    company: str = typer.Option(..., "--company", help="Company code"),
    date_from: str = typer.Option(..., "--from", help="First day (local date, YYYY-MM-DD) or date-time"),
    date_to: str = typer.Option(..., "--to", help="Day after the last (exclusive)"),
    equipment: str | None = typer.Option(None, "--equipment"),
    work_center: str | None = typer.Option(None, "--work-center"),
    line: str | None = typer.Option(None, "--line"),
    site: str | None = typer.Option(None, "--site"),
    micro_stop_s: float = typer.Option(
        120.0, "--micro-stop-s", help="Unexplained stops up to this are micro-stops"
    ),
    from_rollups: bool = typer.Option(False, "--rollups", help="Read the hourly rollups (fast; whole hours)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """OEE and every ISO 22400 KPI (with the Korean 설비종합효율 split) for a scope and period."""
    from jejo.kpi import service, sources

    with cli_errors():
        scope, code = _scope(equipment, work_center, line, site)
        period = sources.parse_period(date_from, date_to)
        if from_rollups:
            out = _run(company, lambda s, cid: service.oee_from_rollups(s, cid, scope, code, period))
        else:
            out = _run(company, lambda s, cid: service.oee_report(s, cid, scope, code, period, micro_stop_s))
    emit(out, as_json, _human_oee)


@app.command("rollup")
def rollup(
    company: str = typer.Option(..., "--company"),
    date_from: str = typer.Option(..., "--from"),
    date_to: str = typer.Option(..., "--to"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Rebuild the hourly KPI rollups (kpi_hourly) of every machine over the period, from the events."""
    from jejo.kpi import service, sources

    with cli_errors():
        period = sources.parse_period(date_from, date_to)
        n = _run(company, lambda s, cid: service.refresh_rollups(s, cid, period))
    emit({"rows": n, "from": period.start.isoformat(), "to": period.end.isoformat()}, as_json)


@app.command("losses")
def losses(
    company: str = typer.Option(..., "--company"),
    date_from: str = typer.Option(..., "--from"),
    date_to: str = typer.Option(..., "--to"),
    equipment: str | None = typer.Option(None, "--equipment"),
    work_center: str | None = typer.Option(None, "--work-center"),
    line: str | None = typer.Option(None, "--line"),
    site: str | None = typer.Option(None, "--site"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Six big losses, OEE waterfall, downtime and scrap Paretos, daily MTBF/MTTR."""
    from jejo.kpi import service, sources

    with cli_errors():
        scope, code = _scope(equipment, work_center, line, site)
        period = sources.parse_period(date_from, date_to)
        out = _run(company, lambda s, cid: service.losses_report(s, cid, scope, code, period))
    emit(out, as_json)


@app.command("spc")
def spc(
    chart: str = typer.Option("i_mr", "--chart", help="xbar_r | xbar_s | i_mr | p | np | c | u"),
    data: Path | None = typer.Option(
        None, "--data", help="JSON file: [values] or {values, sizes}; - for stdin"
    ),
    company: str | None = typer.Option(None, "--company", help="With --tag: read a telemetry tag"),
    tag: str | None = typer.Option(None, "--tag"),
    date_from: str | None = typer.Option(None, "--from"),
    date_to: str | None = typer.Option(None, "--to"),
    subgroup: int = typer.Option(5, "--subgroup", help="Subgroup size (X̄ charts) or n (np chart)"),
    baseline: int | None = typer.Option(None, "--baseline", help="Points (subgroups) the limits come from"),
    lsl: float | None = typer.Option(None, "--lsl"),
    usl: float | None = typer.Option(None, "--usl"),
    rules: str = typer.Option("nelson", "--rules", help="nelson | western_electric"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A control chart with run-rule findings and capability, over a file of values or a tag's samples."""
    from jejo.core.errors import Problem, ValidationError
    from jejo.kpi import service, sources

    with cli_errors():
        if tag:
            if not (company and date_from and date_to):
                raise ValidationError(
                    "tag needs scope", [Problem("--tag needs --company, --from, --to", field="tag")]
                )
            period = sources.parse_period(date_from, date_to)
            out = _run(
                company,
                lambda s, cid: service.spc_for_tag(
                    s, cid, tag, period, chart, subgroup, baseline, lsl, usl, rules
                ),
            )
        else:
            if data is None:
                raise ValidationError("no data", [Problem("give --data FILE (or -) or --tag", field="data")])
            raw = json.loads(sys.stdin.read() if str(data) == "-" else data.read_text(encoding="utf-8"))
            values = raw["values"] if isinstance(raw, dict) else raw
            sizes = raw.get("sizes") if isinstance(raw, dict) else None
            out = service.spc_compute(
                chart,
                values,
                subgroup=subgroup,
                sizes=sizes,
                baseline=baseline,
                lsl=lsl,
                usl=usl,
                rules=rules,
            )
    emit(out, as_json)


@app.command("pqcd")
def pqcd(
    company: str = typer.Option(..., "--company"),
    before_from: str = typer.Option(..., "--before-from"),
    before_to: str = typer.Option(..., "--before-to"),
    after_from: str = typer.Option(..., "--after-from"),
    after_to: str = typer.Option(..., "--after-to"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """PQCD before / after with the support programs' improvement rates (% and %p)."""
    from jejo.kpi import service, sources

    with cli_errors():
        b = sources.parse_period(before_from, before_to)
        a = sources.parse_period(after_from, after_to)
        out = _run(company, lambda s, cid: service.pqcd_report(s, cid, b, a))
    emit(out, as_json)


def _report(kind: str, company: str, day: str, fmt: str, output: Path | None, as_json: bool) -> None:
    from jejo.kpi import reports

    with cli_errors():

        def build(s: Any, cid: int) -> tuple[bytes, str, str]:
            rep = reports.build(s, cid, kind, day)
            content, media = reports.render(rep, fmt)
            return content, media, rep.filename(fmt)

        content, media, name = _run(company, build)
        path = output or Path(name)
        path.write_bytes(content)
    emit(
        {"report": kind, "format": fmt, "path": str(path), "bytes": len(content), "media_type": media},
        as_json,
        lambda o: f"{o['path']} ({o['bytes']:,} bytes)",
    )


_DAY = typer.Option(..., "--day", help="A day in the period (local date YYYY-MM-DD)")
_FMT = typer.Option("xlsx", "--format", help="xlsx | pdf")
_OUT = typer.Option(None, "--output", "-o", help="File to write (default: a name in the current folder)")


@report_app.command("daily")
def daily(
    company: str = typer.Option(..., "--company"),
    day: str = _DAY,
    fmt: str = _FMT,
    output: Path | None = _OUT,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """일일 생산 보고서: OEE, output, downtime and scrap Paretos of one day."""
    _report("daily", company, day, fmt, output, as_json)


@report_app.command("weekly")
def weekly(
    company: str = typer.Option(..., "--company"),
    day: str = _DAY,
    fmt: str = _FMT,
    output: Path | None = _OUT,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """주간 OEE 보고서 of the ISO week (Monday..Sunday) holding --day."""
    _report("weekly", company, day, fmt, output, as_json)


@report_app.command("monthly")
def monthly(
    company: str = typer.Option(..., "--company"),
    day: str = _DAY,
    fmt: str = _FMT,
    output: Path | None = _OUT,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """월간 PQCD 보고서 of the month holding --day against the month before."""
    _report("monthly", company, day, fmt, output, as_json)
