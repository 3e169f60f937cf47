"""`jejo cut ...`: the panel-cutting optimiser on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from jejo.cli_support import available_cores, cli_errors, emit
from jejo.core.errors import Problem, ValidationError

app = typer.Typer(no_args_is_help=True, help="Panel cutting optimisation (guillotine / nesting).")


def _human(obj: dict[str, Any]) -> str:
    if "plates" in obj:
        return f"waste {obj['waste']} mm², plates {obj['plates']}"
    lines = [f"bins: {obj['bins']}  guillotine: {obj['guillotine']}"]
    for p in obj["placements"]:
        rot = " (rotated)" if p["rotated"] else ""
        lines.append(
            f"  item {p['item']:>4} -> bin {p['bin']:>3} at ({p['x']}, {p['y']}) {p['w']}x{p['h']}{rot}"
        )
    return "\n".join(lines)


@app.command("solve")
def solve_cmd(
    file: Path = typer.Argument(..., help="Instance file."),
    fmt: str = typer.Option("2bp", "--format", help="Instance format: 2bp or roadef2018."),
    instance: int | None = typer.Option(
        None, "--instance", help="2bp: absolute instance number in the file."
    ),
    guillotine: bool = typer.Option(False, "--guillotine", help="Only saw-feasible (guillotine) patterns."),
    stages: int | None = typer.Option(None, "--stages", help="Limit guillotine patterns to 2 or 3 stages."),
    no_rotate: bool = typer.Option(False, "--no-rotate", help="Items keep their orientation."),
    time_limit: float = typer.Option(10.0, "--time-limit", help="Seconds (may be fractional)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    workers: int = typer.Option(
        0, "--workers", help="2bp: threads for the search (0: one per available core)."
    ),
    solution_out: Path | None = typer.Option(
        None, "--solution-out", help="roadef2018: solution CSV to write."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Solve one cutting instance and print the packing."""
    with cli_errors():
        if time_limit < 0:
            raise ValidationError("bad option", [Problem("must be >= 0", field="--time-limit")])
        if workers < 0:
            raise ValidationError("bad option", [Problem("must be >= 0", field="--workers")])
        if fmt == "2bp":
            from jejo.furniture.cutting.parsers import read_2bp
            from jejo.furniture.cutting.solver import SolveOptions, solve

            if instance is None:
                raise ValidationError(
                    "missing option", [Problem("required with --format 2bp", field="--instance")]
                )
            if stages is not None and stages not in (2, 3):
                raise ValidationError("bad option", [Problem("2 or 3", field="--stages")])
            inst = read_2bp(file, instance, rotate=not no_rotate)
            opts = SolveOptions(
                guillotine=guillotine or stages is not None,
                stages=stages,
                time_limit=time_limit,
                seed=seed,
                workers=workers or available_cores(),
            )
            try:
                sol = solve(inst, opts)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
            emit(sol.as_dict(), as_json, _human)
        elif fmt == "roadef2018":
            from jejo.furniture.cutting.roadef import read_instance, solve_roadef, write_solution

            if solution_out is None:
                raise ValidationError(
                    "missing option", [Problem("required with --format roadef2018", field="--solution-out")]
                )
            rinst = read_instance(file)
            try:
                lay = solve_roadef(rinst, time_limit, seed)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
            write_solution(rinst, lay, solution_out)
            emit({"waste": lay.waste(rinst), "plates": len(lay.plates)}, as_json, _human)
        else:
            raise ValidationError("unknown format", [Problem("use 2bp or roadef2018", field="--format")])


@app.command("plan")
def plan_cmd(
    file: Path = typer.Argument(..., help="Job file (JSON: materials, stock, parts, saw)."),
    time_limit: float = typer.Option(5.0, "--time-limit", help="Seconds for the whole job."),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Plan a furniture cutting job: sheets, cut sequences, cost, yield, cut count and length."""
    with cli_errors():
        import json

        from jejo.furniture.cutting.job import job_from_dict, plan_job

        try:
            data = json.loads(file.read_text())
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{file}: not JSON", [Problem(exc.msg, row=exc.lineno)]) from exc
        parts, stock, mats, saw = job_from_dict(data)
        plan = plan_job(parts, stock, mats, saw, time_limit=time_limit, seed=seed)
        rep = plan.report(saw.min_offcut)

        def human(o: dict[str, Any]) -> str:
            return (
                f"cost {o['cost']}, sheets {o['sheets']} (remnants {o['remnants_used']}), "
                f"yield {o['yield']:.1%}, cuts {o['cut_count']}, cut length {o['cut_length_mm'] / 1000:.1f} m"
            )

        emit(rep, as_json, human)
