"""`jejo plan …` commands."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import typer

from jejo.cli_support import available_cores, cli_errors, emit
from jejo.core.errors import Problem, ValidationError

app = typer.Typer(no_args_is_help=True, help="Finite-capacity scheduling and job-shop benchmarks.")


def _process_age() -> float:
    """Seconds since this process started (Linux ``/proc``; 0 elsewhere), so start-up counts too."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, min(10.0, uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")))
    except (OSError, ValueError, IndexError):
        return 0.0


def _import_cp_sat() -> None:
    """Import CP-SAT without pandas when pandas is not loaded yet.

    ``ortools.sat.python.cp_model`` imports pandas only for its ``*_series`` helpers (which jejo does not
    use); pandas is most of its import time (1 s on an idle machine, several under load), and the time
    limit counts from the process start. A placeholder module stands in for pandas during that import
    and is removed right after, so any later ``import pandas`` loads the real package. Only done when
    the process is the ``jejo`` command itself (not when the command runs inside another program).
    """
    import sys
    import types

    if "pandas" in sys.modules or "ortools.sat.python.cp_model" in sys.modules:
        return
    if Path(sys.argv[0]).name not in ("jejo", "cli.py"):  # only in the `jejo` process itself
        return
    stub = types.ModuleType("pandas")
    stub.Index = type("Index", (), {})  # type: ignore[attr-defined]
    stub.Series = type("Series", (), {})  # type: ignore[attr-defined]
    sys.modules["pandas"] = stub
    try:
        import ortools.sat.python.cp_model  # noqa: F401
    except Exception:  # fall back to the normal import below
        sys.modules.pop("ortools.sat.python.cp_model", None)
    finally:
        if sys.modules.get("pandas") is stub:
            del sys.modules["pandas"]


@app.callback()
def _plan() -> None:
    """Finite-capacity scheduling and job-shop benchmarks."""


def _human(result: dict[str, Any]) -> str:
    lines = [f"makespan {result['makespan']}" + (" (optimal)" if result.get("optimal") else "")]
    for j, row in enumerate(result["starts"]):
        machines = result.get("machines")
        if machines:
            lines.append(f"job {j}: " + " ".join(f"{s}@M{m}" for s, m in zip(row, machines[j], strict=True)))
        else:
            lines.append(f"job {j}: " + " ".join(str(s) for s in row))
    return "\n".join(lines)


@app.command("jssp")
def jssp(
    file: Path = typer.Argument(
        ..., help="Instance file (OR-Library job shop, or Brandimarte with --format fjsp)."
    ),
    time_limit: float = typer.Option(
        10.0, "--time-limit", help="Seconds for the whole solve (may be fractional)."
    ),
    workers: int = typer.Option(0, "--workers", help="CP-SAT worker threads (0: one per core, at most 8)."),
    fmt: str = typer.Option("jssp", "--format", help="Instance format: jssp or fjsp."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the heuristics and the neighbourhood search."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Minimise the makespan of a job-shop instance within a time limit."""
    started = time.monotonic() - _process_age()
    with cli_errors():
        if not time_limit > 0:
            raise ValidationError("bad option", [Problem("must be a positive number", field="--time-limit")])
        if fmt not in ("jssp", "fjsp"):
            raise ValidationError("bad option", [Problem("use 'jssp' or 'fjsp'", field="--format")])
        from jejo.planning.parsers import read_instance

        instance = read_instance(file, fmt)
        _import_cp_sat()
        from jejo.planning.cpsat import solve

        n_workers = workers if workers > 0 else available_cores()
        # the limit counts from the process start (imports included); under heavy load keep a minimum
        # solving time so that a short limit still gets past the dispatching rules
        deadline = max(started + time_limit + 0.5, time.monotonic() + min(0.5, time_limit / 2))
        schedule = solve(instance, time_limit, workers=n_workers, seed=seed, deadline=deadline)
        result: dict[str, Any] = {"makespan": schedule.makespan, "starts": schedule.starts}
        if fmt == "fjsp":
            result["machines"] = [[m + 1 for m in row] for row in schedule.machines]
        result["optimal"] = schedule.proven_optimal
        result["lower_bound"] = schedule.lower_bound
        emit(result, as_json, _human)


def _version_line(out: dict[str, Any]) -> str:
    p = out["plan"]
    k = p["kpis"]
    lines = [
        f"{out['code']} v{p['version']} ({p['reason']}): {k['orders']} orders, {k['operations']} operations, "
        f"done by {k['makespan_at']}, lateness {k['tardiness_hours']} h, "
        f"late {', '.join(k['late_orders']) or '-'}"
    ]
    for o in p.get("operations", []):
        flags = "".join(
            f for f, on in (("S", o["status"] == "started"), ("P", o["pinned"]), ("F", o["frozen"])) if on
        )
        lines.append(f"{o['start']}  {o['equipment']:<12} {o['work_order']}/{o['seq']} {o['name']} {flags}")
    return "\n".join(lines)


@app.command("make")
def make_plan(
    company: str = typer.Option(..., "--company", help="Company code"),
    time_limit: float = typer.Option(5.0, "--time-limit", help="Seconds for the solver."),
    frozen_minutes: int = typer.Option(120, "--frozen-minutes", help="Frozen horizon of later re-plans."),
    code: str | None = typer.Option(None, "--code", help="Plan code (default PLAN-YYYYMMDD-NNN)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Plan the company's released and in-progress work orders on its machines (a new plan)."""
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company
    from jejo.planning import service as ps

    with cli_errors(), Runtime().transaction() as s:
        plan = ps.create_plan(
            s,
            get_company(s, company).id,
            "cli",
            code=code,
            time_limit=time_limit,
            frozen_minutes=frozen_minutes,
        )
        out = ps.plan_out(plan)
    emit(out, as_json, _version_line)


@app.command("show")
def show_plan(
    company: str = typer.Option(..., "--company", help="Company code"),
    code: str | None = typer.Argument(None, help="Plan code (default: the latest plan)."),
    version: int | None = typer.Option(None, "--version", help="Version (default: the current one)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """A plan's version: its operations by start, KPIs and what moved."""
    from jejo.core.errors import NotFound
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company
    from jejo.planning import service as ps

    with cli_errors(), Runtime().transaction() as s:
        cid = get_company(s, company).id
        plan = ps.get_plan(s, cid, code) if code else ps.latest_plan(s, cid)
        if plan is None:
            raise NotFound(f"company {company} has no plan yet")
        out = ps.plan_out(plan, version)
    emit(out, as_json, _version_line)


@app.command("sync")
def sync_plan(
    company: str = typer.Option(..., "--company", help="Company code"),
    code: str | None = typer.Argument(None, help="Plan code (default: the latest plan)."),
    time_limit: float = typer.Option(5.0, "--time-limit", help="Seconds for each re-plan."),
    every: float = typer.Option(0.0, "--every", help="Keep watching: look again every SECONDS (0: once)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout (once only)."),
) -> None:
    """Re-plan around the machines that went down since the plan last read the event log."""
    from jejo.core.errors import NotFound
    from jejo.core.runtime import Runtime
    from jejo.masterdata.users import get_company
    from jejo.planning import service as ps

    runtime = Runtime()
    while True:
        with cli_errors(), runtime.transaction() as s:
            cid = get_company(s, company).id
            plan = ps.get_plan(s, cid, code) if code else ps.latest_plan(s, cid)
            if plan is None:
                raise NotFound(f"company {company} has no plan yet")
            versions = ps.sync_events(s, cid, plan.code, "cli", time_limit=time_limit)
            news: list[dict[str, Any]] = [
                {"version": v.version, "equipment": v.detail.get("equipment"), "moved": len(v.moved)}
                for v in versions
            ]
            out: dict[str, Any] = {"plan": plan.code, "new_versions": news}
        if every <= 0:
            emit(
                out,
                as_json,
                lambda o: (
                    "\n".join(
                        f"{o['plan']} v{v['version']}: {v['equipment']} down, {v['moved']} operations moved"
                        for v in o["new_versions"]
                    )
                    or "no new breakdown"
                ),
            )
            return
        for n in news:
            sys.stdout.write(f"{out['plan']} v{n['version']}: {n['equipment']} down, {n['moved']} moved\n")
            sys.stdout.flush()
        time.sleep(every)
