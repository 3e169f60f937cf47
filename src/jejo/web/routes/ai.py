"""AI pages (제조AI): the findings inbox with acknowledge / dismiss, a finding with its signal and anomaly
score chart, the model registry with promote / rollback, and the playbooks with the actions they took.
They call :mod:`jejo.ai` and :mod:`jejo.playbooks` directly; another company's record is a 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from jejo.ai import findings as fd
from jejo.ai import registry
from jejo.ai import scorer as sc
from jejo.api.deps import DB, runtime
from jejo.core.errors import Forbidden, JejoError
from jejo.playbooks import service as pbs
from jejo.web.actions import page_action
from jejo.web.context import CurrentViewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the page is rendered."""
    return message


LABELS: dict[str, str] = {
    # finding status
    "open": N_("Open"),
    "acknowledged": N_("Acknowledged"),
    "dismissed": N_("Dismissed"),
    # finding kinds
    "anomaly": N_("Anomaly"),
    "quality": N_("Quality"),
    "rul": N_("Remaining life"),
    # model status
    "candidate": N_("Candidate"),
    "active": N_("In service"),
    "retired": N_("Retired"),
    # actions and their outcome
    "maintenance_order": N_("Maintenance order"),
    "hold_lot": N_("Lot hold"),
    "notify": N_("Notice"),
    "done": N_("Done"),
    "skipped": N_("Skipped"),
    "failed": N_("Action failed"),
}


def _labels(viewer: CurrentViewer) -> dict[str, str]:
    return {k: viewer.tr.gettext(v) for k, v in LABELS.items()}


@router.get("/ai")
def findings_page(
    request: Request, viewer: CurrentViewer, session: DB, status: str | None = Query(None, max_length=16)
) -> HTMLResponse:
    status = status if status in fd.STATUSES else None
    rows = [fd.finding_out(f) for f in fd.list_findings(session, viewer.company_id, status)]
    return render(
        request,
        "ai/findings.html",
        viewer.tr,
        viewer=viewer,
        rows=rows,
        status=status or "",
        L=_labels(viewer),
    )


@router.get("/ai/findings/{code}")
def finding_page(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    f = fd.get_finding(session, viewer.company_id, code)
    chart: dict[str, Any]
    try:
        chart = sc.finding_series(session, viewer.company_id, runtime(request).settings.ensure_data_dir(), f)
    except JejoError as exc:  # the model's file is gone or changed: show the finding without its chart
        chart = {"times": [], "signals": {}, "score": [], "threshold": 1.0, "error": str(exc)}
    actions = [pbs.action_out(a) for a in pbs.list_actions(session, viewer.company_id, finding_id=f.id)]
    return render(
        request,
        "ai/finding.html",
        viewer.tr,
        viewer=viewer,
        f=fd.finding_out(f),
        chart=chart,
        actions=actions,
        L=_labels(viewer),
    )


@router.post("/ai/findings/{code}/{verdict}")
async def feedback_action(
    request: Request, code: str, verdict: str, viewer: CurrentViewer, session: DB
) -> HTMLResponse:
    """Acknowledge or dismiss (htmx); answers the finding's status cell."""
    page_action(request, viewer, "workorders:write")
    form = await request.form()
    note = str(form.get("note") or "").strip() or None
    if verdict == "acknowledge":
        f = fd.acknowledge(session, viewer.company_id, code, viewer.principal.name, note)
    elif verdict == "dismiss":
        f = fd.dismiss(session, viewer.company_id, code, viewer.principal.name, note)
    else:
        fd.get_finding(session, viewer.company_id, code)
        raise Forbidden(f"unknown action {verdict!r}")
    return render(
        request, "ai/_status.html", viewer.tr, viewer=viewer, f=fd.finding_out(f), L=_labels(viewer)
    )


def _models_ctx(session: Any, viewer: CurrentViewer) -> dict[str, Any]:
    rows = [registry.model_out(m) for m in registry.list_models(session, viewer.company_id)]
    metric_keys = sorted({k for r in rows for k in r["metrics"]})
    return {"rows": rows, "metric_keys": metric_keys, "L": _labels(viewer)}


@router.get("/ai/models")
def models_page(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    return render(request, "ai/models.html", viewer.tr, viewer=viewer, **_models_ctx(session, viewer))


@router.post("/ai/models/{name}/{version}/promote")
def promote_action(
    request: Request, name: str, version: int, viewer: CurrentViewer, session: DB
) -> HTMLResponse:
    page_action(request, viewer, "masterdata:write")
    registry.promote(session, viewer.company_id, name, version, viewer.principal.name)
    return render(request, "ai/_models_table.html", viewer.tr, viewer=viewer, **_models_ctx(session, viewer))


@router.post("/ai/models/{name}/rollback")
def rollback_action(request: Request, name: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    page_action(request, viewer, "masterdata:write")
    registry.rollback(session, viewer.company_id, name, viewer.principal.name)
    return render(request, "ai/_models_table.html", viewer.tr, viewer=viewer, **_models_ctx(session, viewer))


@router.get("/ai/playbooks")
def playbooks_page(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    books = [pbs.playbook_out(p) for p in pbs.list_playbooks(session, viewer.company_id)]
    actions = [pbs.action_out(a) for a in pbs.list_actions(session, viewer.company_id, limit=100)]
    return render(
        request,
        "ai/playbooks.html",
        viewer.tr,
        viewer=viewer,
        books=books,
        actions=actions,
        L=_labels(viewer),
    )
