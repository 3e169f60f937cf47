"""``jejo twin whatif``: fit the plant model to a company's history and compare scenarios (and, with
``--drift``, check whether the history shows a machine that changed)."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import typer

from jejo.cli_support import cli_errors, emit


def _rush(spec: str) -> Any:
    from jejo.core.errors import Problem, ValidationError
    from jejo.sim.config import RushOrder

    try:
        what, _, at = spec.partition("@")
        item, _, n = what.partition(":")
        return RushOrder(item=item, cabinets=int(n), at_h=float(at or 0))
    except ValueError as exc:
        raise ValidationError(
            "bad rush order", [Problem(reason=f"{spec!r}: write ITEM:CABINETS[@HOURS]", field="rush")]
        ) from exc


def _fmt(iv: dict[str, Any] | None, scale: float = 1.0) -> str:
    if not iv:
        return "-"
    return f"{iv['mean'] * scale:,.1f} [{iv['low'] * scale:,.1f} .. {iv['high'] * scale:,.1f}]"


def _human(out: dict[str, Any]) -> str:
    comp = out["comparison"]
    lines = [
        f"{comp['replications']} replications of {comp['hours']:.0f} h, {comp['level']:.0%} intervals",
        f"not calibrated (no history): {', '.join(out['not_calibrated']) or '-'}",
    ]
    for sc in comp["scenarios"]:
        lines.append(f"\n{sc['name']}")
        for line, figs in sc["lines"].items():
            diff = sc["versus_baseline"][line]
            tp, vs = _fmt(figs["throughput"]), _fmt(diff["throughput"])
            lines.append(f"  {line:5} throughput/week {tp}  vs baseline {vs}")
            lines.append(
                f"        lead time h     {_fmt(figs['lead_time_h'])}  OEE {_fmt(figs['oee'], 100)} %"
            )
            if figs.get("rush_lead_time_h"):
                lines.append(f"        rush lead time h {_fmt(figs['rush_lead_time_h'])}")
    if "drift" in out:
        flagged = out["drift"]["flagged"]
        lines.append(f"\ndrift: {len(flagged)} parameter(s) changed")
        for t in flagged:
            change = f"{t['before']:.3g} -> {t['after']:.3g}"
            lines.append(f"  {t['equipment']} {t['parameter']}: {change} (p={t['p_adjusted']:.2g})")
    return "\n".join(lines)


def whatif(
    company: str = typer.Option(..., "--company", help="Company code"),
    model: Path | None = typer.Option(
        None, "--model", help="Plant model (simulator YAML); the demo factory's by default"
    ),
    days: int = typer.Option(7, "--days", help="Days of history to fit, up to now"),
    add: list[str] = typer.Option(None, "--add", help="Add one machine beside this one (repeat)"),
    shifts: str = typer.Option("keep", "--shifts", help="keep | one | two | three | all_week"),
    rush: list[str] = typer.Option(None, "--rush", help="Rush order ITEM:CABINETS[@HOURS] (repeat)"),
    hours: float = typer.Option(168.0, "--hours", help="Simulated hours per replication"),
    replications: int = typer.Option(10, "--replications", help="Replications per scenario"),
    seed: int = typer.Option(1000, "--seed", help="Seed of the first replication"),
    drift: bool = typer.Option(False, "--drift", help="Also check the history for machines that changed"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Compare scenarios on the plant model fitted to the company's history."""
    from jejo.core.runtime import Runtime
    from jejo.core.timeutil import utcnow
    from jejo.masterdata.users import get_company
    from jejo.sim.config import load_sim_config
    from jejo.twin import whatif as wi

    with cli_errors():
        if model is None:
            from jejo.demo.factory import CONFIG

            model = CONFIG
        cfg = load_sim_config(model)
        scenarios = [wi.Scenario(name=f"add {code}", add_machines={code: 1}) for code in add or []]
        pattern = wi.shift_pattern(shifts)
        if pattern is not None:
            scenarios.append(wi.Scenario(name=f"shifts {shifts}", shifts=pattern))
        if rush:
            scenarios.append(wi.Scenario(name="rush order", rush_orders=[_rush(r) for r in rush]))
        end = utcnow()
        with Runtime().transaction() as s:
            cid = get_company(s, company).id
            result = wi.plant_whatif(
                s,
                cid,
                cfg,
                scenarios,
                history_start=end - timedelta(days=days),
                history_end=end,
                hours=hours,
                replications=replications,
                seed=seed,
            )
            out = result.as_dict()
            if drift:
                from jejo.twin.calibrate import load_history
                from jejo.twin.drift import check_drift

                hist = load_history(s, cid, end - timedelta(days=days), end, [m.code for m in cfg.machines()])
                out["drift"] = check_drift(hist).as_dict()
    emit(_clean(out), as_json, _human)


def _clean(v: Any) -> Any:
    """JSON has no infinity: an open interval end becomes null."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v
