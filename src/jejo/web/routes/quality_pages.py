"""품질검사 on the pages: enter an inspection's results (a value per characteristic and sample, or the
number of nonconforming items), decide what happens to a nonconforming lot (NCR disposition), and
release a held lot. Each action is an htmx post answered with the refreshed part of the page; the
``HX-Request`` header keeps the cookie session safe from CSRF.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError as PydanticError

from jejo.api.deps import DB
from jejo.core.errors import JejoError, Problem, ValidationError
from jejo.quality import schemas as qschemas
from jejo.quality import service as qs
from jejo.web.actions import action_failure, answer_action, page_action
from jejo.web.context import CurrentViewer, Viewer
from jejo.web.routes.plant import _labels

router = APIRouter(include_in_schema=False)
_REFUSAL = "you may not record quality results"


def inspection_context(session: DB, viewer: Viewer, code: str) -> dict[str, Any]:
    insp = qs.get_inspection(session, viewer.company_id, code)
    return {
        "i": qs.inspection_out(insp, detail=True),
        "plan": qs.plan_out(insp.plan) if insp.plan else None,
        "ncrs": [
            qs.ncr_out(n) for n in qs.list_ncrs(session, viewer.company_id) if n.inspection_id == insp.id
        ],
        "L": _labels(viewer),
    }


@router.post("/quality/inspections/{code}/actions/results")
async def record_results(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    """The form's fields: ``m|<characteristic>|<sample>`` with a value each (empty: not measured), or
    ``nonconforming`` with a count."""
    qs.get_inspection(session, viewer.company_id, code)  # 404 before 403
    page_action(request, viewer, "workorders:write", _REFUSAL)
    form = await request.form()
    measurements: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for key, raw in form.multi_items():
        if not key.startswith("m|") or not str(raw).strip():
            continue
        _, name, sample = key.split("|", 2)
        try:
            value = float(str(raw).replace(",", "."))
        except ValueError:
            problems.append(Problem(f"{raw!r} is not a number", field=f"{name} #{sample}"))
            continue
        measurements.append({"characteristic": name, "sample_no": int(sample), "value": value})
    count = str(form.get("nonconforming") or "").strip()
    flash: dict[str, Any]
    status = 200
    try:
        if problems:
            raise ValidationError("results not recorded", problems)
        body = qschemas.ResultsIn.model_validate(
            {
                "measurements": measurements,
                "nonconforming": int(count) if count.isdigit() else (count or None),
            }
        )
        insp = qs.record_results(session, viewer.company_id, code, body, viewer.principal.name)
        if insp.result == "passed":
            message = viewer.tr.gettext("Passed: the lot is accepted.")
        else:
            message = viewer.tr.gettext("Failed: the lot is on hold and an NCR was opened.")
        flash = {"ok": insp.result == "passed", "message": message}
    except (JejoError, PydanticError) as exc:
        flash, status = action_failure(exc, viewer)
    return answer_action(
        request,
        viewer,
        "plant/_inspection_body.html",
        flash,
        status,
        **inspection_context(session, viewer, code),
    )


@router.post("/quality/ncrs/{code}/actions/disposition")
async def disposition(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    qs.get_ncr(session, viewer.company_id, code)
    page_action(request, viewer, "workorders:write", _REFUSAL)
    form = await request.form()
    status = 200
    try:
        body = qschemas.DispositionIn.model_validate(
            {"disposition": form.get("disposition"), "location": form.get("location") or None}
        )
        qs.disposition(session, viewer.company_id, code, body, viewer.principal.name)
        flash: dict[str, Any] = {"ok": True, "message": viewer.tr.gettext("The disposition is recorded.")}
    except (JejoError, PydanticError) as exc:
        flash, status = action_failure(exc, viewer)
    n = qs.get_ncr(session, viewer.company_id, code)
    return answer_action(
        request,
        viewer,
        "plant/_ncr_body.html",
        flash,
        status,
        n=qs.ncr_out(n),
        hold=qs.held_lots(session, viewer.company_id, {n.lot_code}).get(n.lot_code),
        L=_labels(viewer),
    )
