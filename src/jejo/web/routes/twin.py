"""Digital-twin pages. The what-if page (/twin/whatif): the plant model fitted to the company's recent
history, and the planner's scenarios (another machine beside one, another shift pattern, a rush order)
compared with the plant as it is, over replications, with confidence intervals."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from jejo.api.deps import DB
from jejo.core.db import savepoint
from jejo.core.errors import JejoError
from jejo.core.timeutil import utcnow
from jejo.sim.config import RushOrder, SimConfig, load_sim_config
from jejo.twin import whatif as wi
from jejo.web.actions import page_action
from jejo.web.context import CurrentViewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the page is rendered."""
    return message


LINE_LABELS = {wi.CELL: N_("CNC parts cell"), wi.LINE: N_("Furniture line")}
SHIFT_LABELS = {
    "keep": N_("As now"),
    "one": N_("One shift (08:30–17:30, weekdays)"),
    "two": N_("Two shifts (06:00–22:00, weekdays)"),
    "three": N_("Around the clock, weekdays"),
    "all_week": N_("Around the clock, every day"),
}


def twin_model() -> SimConfig:
    """The plant model whose numbers are fitted: the factory's simulator configuration."""
    from jejo.demo.factory import CONFIG

    return load_sim_config(CONFIG)


@router.get("/twin/whatif")
def whatif_page(
    request: Request,
    viewer: CurrentViewer,
    session: DB,
    run: int = Query(0, ge=0, le=1),
    add: str = Query("", max_length=64),
    shifts: str = Query("keep", max_length=16),
    rush_item: str = Query("", max_length=64),
    rush_cabinets: int = Query(0, ge=0, le=500),
    rush_at_h: float = Query(8.0, ge=0, le=1344),
    history_days: int = Query(7, ge=1, le=90),
    horizon_days: float = Query(7.0, ge=0.25, le=56),
    replications: int = Query(5, ge=2, le=50),
) -> HTMLResponse:
    tr = viewer.tr
    model = twin_model()
    machines = [m.code for m in model.machines()]
    items = [c.item for c in model.furniture_line.cabinets] if model.furniture_line else []
    form: dict[str, Any] = {
        "add": add,
        "shifts": shifts,
        "rush_item": rush_item,
        "rush_cabinets": rush_cabinets,
        "rush_at_h": rush_at_h,
        "history_days": history_days,
        "horizon_days": horizon_days,
        "replications": replications,
    }
    result: dict[str, Any] | None = None
    error: JejoError | None = None
    if run:
        scenarios: list[wi.Scenario] = []
        try:
            if add:
                scenarios.append(
                    wi.Scenario(
                        name=tr.gettext("Add a %(machine)s") % {"machine": add}, add_machines={add: 1}
                    )
                )
            pattern = wi.shift_pattern(shifts)
            if pattern is not None:
                scenarios.append(wi.Scenario(name=tr.gettext(SHIFT_LABELS[shifts]), shifts=pattern))
            if rush_item and rush_cabinets:
                scenarios.append(
                    wi.Scenario(
                        name=tr.gettext("Rush order: %(n)d × %(item)s")
                        % {"n": rush_cabinets, "item": rush_item},
                        rush_orders=[RushOrder(at_h=rush_at_h, item=rush_item, cabinets=rush_cabinets)],
                    )
                )
            end = utcnow()
            out = wi.plant_whatif(
                session,
                viewer.company_id,
                model,
                scenarios,
                history_start=end - timedelta(days=history_days),
                history_end=end,
                hours=horizon_days * 24,
                replications=replications,
            )
            result = _view(out, tr)
        except JejoError as exc:
            error = exc
    return render(
        request,
        "twin/whatif.html",
        tr,
        viewer=viewer,
        form=form,
        machines=machines,
        items=items,
        shift_labels={k: tr.gettext(v) for k, v in SHIFT_LABELS.items()},
        result=result,
        error=error,
        status_code=422 if error else 200,
    )


def _view(out: wi.PlantWhatIf, tr: Any) -> dict[str, Any]:
    comp = out.comparison
    base = comp.scenarios[0]
    names = [tr.gettext("Plant as it is") if s is base else s.name for s in comp.scenarios]
    lines = list(base.lines)
    rows = []
    for line in lines:
        for name, sc in zip(names, comp.scenarios, strict=True):
            figures = {}
            for k in wi.METRICS:
                iv, d = sc.lines[line][k], sc.versus_baseline[line][k]
                figures[k] = {
                    "value": iv.as_dict() if iv else None,
                    "diff": d.as_dict() if d else None,
                }
            rows.append({"line": tr.gettext(LINE_LABELS.get(line, line)), "scenario": name, "f": figures})
    chart = {
        "scenarios": names,
        "lines": [tr.gettext(LINE_LABELS.get(ln, ln)) for ln in lines],
        "throughput": [
            [
                [iv.mean, iv.low, iv.high] if (iv := sc.lines[ln]["throughput"]) else None
                for sc in comp.scenarios
            ]
            for ln in lines
        ],
        "lead": [
            [iv.mean, iv.low, iv.high] if (iv := sc.lines.get(wi.LINE, {}).get("lead_time_h")) else None
            for sc in comp.scenarios
        ],
        "labels": {"throughput": tr.gettext("Throughput per week"), "lead": tr.gettext("Lead time (h)")},
    }

    def est(e: Any) -> dict[str, Any] | None:
        if e is None:
            return None
        return {"value": e.value, "low": e.low, "high": e.high if math.isfinite(e.high) else None}

    fits = [
        {
            "code": code,
            "cycle": est(f.cycle_s),
            "setup": est(f.setup_min),
            "mtbf": est(f.failures.mtbf_h if f.failures else None),
            "mttr": est(f.repairs.mttr_min if f.repairs else None),
            "scrap": est(f.scrap),
        }
        for code, f in out.calibration.machines.items()
    ]
    return {
        "rows": rows,
        "chart": chart,
        "fits": fits,
        "kept": out.kept,
        "hours": comp.hours,
        "replications": comp.replications,
        "level": comp.level,
    }


# ---- data standards: AAS, B2MML, KAMP datasets (/twin) -------------------------------------------


def _dataset_folder(request: Request, company_id: int) -> Any:
    from jejo.api.deps import runtime

    return runtime(request).settings.data_dir / "datasets" / str(company_id)


def _data_ctx(request: Request, session: Any, viewer: CurrentViewer) -> dict[str, Any]:
    from jejo.twin import aas, datasets

    rows = aas.machine_rows(session, viewer.company_id)
    folder = _dataset_folder(request, viewer.company_id)
    exports = datasets.list_exports(session, viewer.company_id, 20)
    return {
        "machines": rows,
        "processes": sorted({r["work_center"] for r in rows}),
        "exports": exports,
        "files": {x.id for x in exports if (folder / f"{x.id}.zip").is_file()},
    }


@router.get("/twin")
def data_page(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    """Digital twin / data: every machine's Asset Administration Shell, the B2MML documents, and
    KAMP datasets with the firm's consent."""
    from jejo.core.timeutil import to_local

    today = to_local(utcnow()).date()
    return render(
        request,
        "twin/data.html",
        viewer.tr,
        viewer=viewer,
        default_from=(today - timedelta(days=7)).isoformat(),
        default_to=today.isoformat(),
        **_data_ctx(request, session, viewer),
    )


@router.post("/twin/datasets")
async def dataset_action(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    """Export a dataset (htmx): the consent is recorded, the file kept for download."""
    from jejo.core.tenancy import Company
    from jejo.kpi.sources import parse_period, site_timezone
    from jejo.twin import datasets

    page_action(request, viewer, "masterdata:write", "this needs the 'masterdata:write' permission")
    form = await request.form()
    target = str(form.get("target") or "")
    scope, _, code = target.partition(":")
    error: JejoError | None = None
    record: dict[str, Any] | None = None
    try:
        end = str(form.get("to") or "")
        if len(end) == 10:  # the page's end date is inclusive
            from datetime import date

            end = (date.fromisoformat(end) + timedelta(days=1)).isoformat()
        period = parse_period(str(form.get("from") or ""), end, site_timezone(session, viewer.company_id))
        company = session.get(Company, viewer.company_id)
        assert company is not None
        key = None
        if form.get("anonymise"):
            from jejo.api.routers.twin import firm_key

            key = firm_key(request, company.code)
        sampling = str(form.get("sampling") or "cycle")
        with savepoint(session):
            ds = datasets.export_dataset(
                session,
                viewer.company_id,
                scope=scope or "equipment",
                code=code,
                period=period,
                consent=datasets.Consent(
                    str(form.get("consent_by") or ""),
                    str(form.get("purpose") or ""),
                    str(form.get("recipient") or "").strip() or None,
                ),
                actor=viewer.principal.name,
                sampling=sampling,
                step_s=float(str(form.get("step_s") or "60") or 60),
                key=key,
            )
        folder = _dataset_folder(request, viewer.company_id)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{ds.description['scope']['code']}-{sampling}"
        (folder / f"{ds.record_id}.zip").write_bytes(datasets.bundle(ds, name))
        record = {"id": ds.record_id, "rows": ds.description["file"]["rows"], "name": name}
    except JejoError as exc:
        error = exc
    except ValueError as exc:
        error = JejoError(str(exc))
    return render(
        request,
        "twin/_dataset_result.html",
        viewer.tr,
        viewer=viewer,
        record=record,
        error=error,
        status_code=200,
        **_data_ctx(request, session, viewer),
    )


@router.get("/twin/datasets/{record_id}.zip")
def dataset_download(record_id: int, request: Request, viewer: CurrentViewer, session: DB) -> Any:
    from fastapi.responses import FileResponse

    from jejo.core.errors import NotFound
    from jejo.twin.data_tables import DatasetExport

    rec = session.get(DatasetExport, record_id)
    path = _dataset_folder(request, viewer.company_id) / f"{record_id}.zip"
    if rec is None or rec.company_id != viewer.company_id or not path.is_file():
        raise NotFound(f"dataset {record_id} not found")
    return FileResponse(path, media_type="application/zip", filename=f"dataset-{record_id}.zip")
