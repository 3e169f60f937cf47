"""The FastAPI application: REST API under /api/v1 (OpenAPI at /api/openapi.json) and the web pages."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from jejo import __version__
from jejo.api import problems
from jejo.api.concurrency import DatabaseConcurrencyLimit, pool_capacity
from jejo.api.headers import SecurityHeaders
from jejo.api.routers import aas as aas_router
from jejo.api.routers import ai as ai_router
from jejo.api.routers import (
    auth,
    costing,
    execution,
    inventory,
    maintenance,
    masterdata,
    purchasing,
    quality,
    sales,
    transfer,
)
from jejo.api.routers import center as center_router
from jejo.api.routers import center_results as center_results_router
from jejo.api.routers import furniture as furniture_router
from jejo.api.routers import kpi as kpi_router
from jejo.api.routers import planning as planning_router
from jejo.api.routers import security as security_router
from jejo.api.routers import twin as twin_router
from jejo.core.runtime import Runtime


def create_app(runtime: Runtime | None = None, *, with_web: bool = True) -> FastAPI:
    rt = runtime or Runtime()
    app = FastAPI(
        title="jejo",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        description="jejo (제조) smart-factory platform API. Errors are RFC 9457 problem details.",
    )
    app.state.runtime = rt
    problems.install(app)
    api = APIRouter(prefix="/api/v1")
    for module in (auth, masterdata, transfer, execution, inventory):
        api.include_router(module.router)
    for module in (sales, quality, purchasing, costing, maintenance):
        api.include_router(module.router)
    api.include_router(kpi_router.router)
    api.include_router(furniture_router.router)
    api.include_router(center_router.router)
    api.include_router(center_results_router.router)
    api.include_router(planning_router.router)
    api.include_router(security_router.router)
    api.include_router(ai_router.router)
    api.include_router(twin_router.router)
    app.include_router(api)
    app.include_router(aas_router.router, prefix="/api/aas")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    if with_web:
        from jejo.web.app import mount_web

        mount_web(app)
    if (limit := pool_capacity(rt.engine)) is not None:
        app.add_middleware(DatabaseConcurrencyLimit, limit=limit)
    app.add_middleware(SecurityHeaders)
    return app
