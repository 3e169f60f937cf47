"""Web pages (Jinja2 + htmx), mounted on the API's FastAPI app.

Pages call the domain services directly, scoped to the logged-in user's company. Errors on page
routes are answered with pages (a redirect to the login for a missing session); API routes keep
their RFC 9457 problem details.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from jejo.core import i18n
from jejo.core.errors import JejoError, Unauthorized
from jejo.web.context import LoginRequired, Viewer, chosen_locale, viewer_for
from jejo.web.routes import (
    admin,
    auth,
    board,
    dashboard,
    dashboards,
    equipment,
    furniture,
    machine_data,
    masterdata,
    plant,
    purchasing_pages,
    quality_pages,
    sheets,
    terminal,
    work_orders,
)
from jejo.web.templating import is_htmx, render

log = logging.getLogger("jejo.web")
STATIC = Path(__file__).resolve().parent / "static"
VENDOR_FILES = ("htmx.min.js", "echarts.min.js", "zxing-browser.min.js")
API_PREFIXES = ("/api/", "/healthz")

Handler = Callable[[Request, Any], Awaitable[Response] | Response]


def missing_vendor_files(static: Path | None = None) -> list[str]:
    """Front-end files the build step should have put into ``static/vendor/``."""
    folder = (static or STATIC) / "vendor"
    return [name for name in VENDOR_FILES if not (folder / name).is_file()]


def check_vendor_assets(static: Path | None = None) -> bool:
    """Log a clear error (pages still render) when the vendored front-end files are missing."""
    missing = missing_vendor_files(static)
    if missing:
        log.error(
            "web assets missing from src/jejo/web/static/vendor (%s): run scripts/build-web-assets.sh; "
            "pages still render, but without htmx, charts and camera scanning",
            ", ".join(missing),
        )
    return not missing


def is_page_request(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def login_redirect(request: Request) -> Response:
    """Send the browser to the login page, and back here afterwards (htmx: a full-page redirect)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login" if target == "/" else f"/login?{urlencode({'next': target})}"
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def viewer_or_none(request: Request) -> Viewer | None:
    """The logged-in viewer for an error page (so it keeps the menu), or ``None``."""
    try:
        with request.app.state.runtime.transaction() as session:
            return viewer_for(request, session)
    except LoginRequired:
        return None


def error_page(request: Request, status: int, detail: str) -> Response:
    viewer = viewer_or_none(request)
    tr = viewer.tr if viewer else i18n.translator(chosen_locale(request))
    titles = {
        404: tr.gettext("Not found"),
        403: tr.gettext("Not allowed"),
        409: tr.gettext("Conflict"),
        422: tr.gettext("Invalid input"),
    }
    explain = {
        404: tr.gettext("It does not exist, or you cannot see it."),
        403: tr.gettext("Your role does not allow this."),
    }
    return render(
        request,
        "error.html",
        tr,
        viewer=viewer,
        status_code=status,
        status=status,
        title=titles.get(status, tr.gettext("Something went wrong")),
        explain=explain.get(status, ""),
        detail=detail,
    )


def _install_error_pages(app: FastAPI) -> None:
    """Page routes answer errors with pages; the API's handlers stay as they are for API routes."""
    api_jejo: Handler | None = app.exception_handlers.get(JejoError)
    api_http: Handler | None = app.exception_handlers.get(StarletteHTTPException)
    api_validation: Handler | None = app.exception_handlers.get(RequestValidationError)

    async def delegate(handler: Handler | None, request: Request, exc: Exception) -> Response:
        if handler is None:
            raise exc
        result = handler(request, exc)
        return await result if isinstance(result, Awaitable) else result

    async def on_login_required(request: Request, exc: Exception) -> Response:
        return login_redirect(request)

    async def on_jejo(request: Request, exc: Exception) -> Response:
        if not is_page_request(request):
            return await delegate(api_jejo, request, exc)
        assert isinstance(exc, JejoError)
        if isinstance(exc, Unauthorized):
            return login_redirect(request)
        return error_page(request, exc.status, exc.detail)

    async def on_http(request: Request, exc: Exception) -> Response:
        if not is_page_request(request):
            return await delegate(api_http, request, exc)
        assert isinstance(exc, StarletteHTTPException)
        return error_page(request, exc.status_code, str(exc.detail))

    async def on_validation(request: Request, exc: Exception) -> Response:
        if not is_page_request(request):
            return await delegate(api_validation, request, exc)
        assert isinstance(exc, RequestValidationError)
        return error_page(request, 422, "; ".join(str(e.get("msg", "")) for e in exc.errors()))

    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(JejoError, on_jejo)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)


def mount_web(app: FastAPI) -> None:
    """Add the pages, their static files and their error pages to ``app``."""
    i18n.load_all()  # a broken catalogue fails at start-up, not on the first page
    check_vendor_assets()
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    for module in (auth, dashboard, masterdata, work_orders, terminal, board, sheets, furniture):
        app.include_router(module.router)
    app.include_router(plant.router)
    app.include_router(dashboards.router)
    app.include_router(equipment.router)
    app.include_router(quality_pages.router)
    app.include_router(purchasing_pages.router)
    from jejo.web.routes import planning as planning_pages

    app.include_router(planning_pages.router)
    app.include_router(machine_data.router)
    from jejo.web.routes import center as center_pages

    app.include_router(center_pages.router)
    from jejo.web.routes import center_results as center_results_pages

    app.include_router(center_results_pages.router)
    app.include_router(admin.router)
    from jejo.web.routes import ai as ai_pages

    app.include_router(ai_pages.router)
    from jejo.web.routes import twin as twin_pages

    app.include_router(twin_pages.router)
    _install_error_pages(app)
