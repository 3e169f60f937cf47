"""Machine-data status page (수집 상태): what each collector reports about itself, losses first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jejo.api.deps import DB
from jejo.telemetry import health
from jejo.web.context import CurrentViewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/machine-data/status")
def status_page(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    rows = health.collectors(session, viewer.company_id)
    return render(
        request,
        "machine_data/status.html",
        viewer.tr,
        viewer=viewer,
        rows=rows,
        lost=sum(r.dropped for r in rows),
    )
