"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from jejo.core.errors import JejoError

PROBLEM = "application/problem+json"
TYPE_BASE = "https://jejo.dev/problems/"


def problem_response(
    status: int,
    title: str,
    detail: str,
    type_slug: str,
    instance: str,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 429 and extra.get("retry_after_s"):
        headers = {"Retry-After": str(int(extra["retry_after_s"]))}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts
    return ".".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(JejoError)
    async def _jejo(request: Request, exc: JejoError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            exc.type_slug,
            request.url.path,
            [p.as_dict() for p in exc.problems],
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            reason = "unknown field" if err.get("type") == "extra_forbidden" else err.get("msg", "invalid")
            errors.append({"field": _loc(tuple(err.get("loc", ()))), "reason": reason})
        return problem_response(
            422,
            "Invalid input",
            f"{len(errors)} problem(s) in the request; nothing changed",
            "validation",
            request.url.path,
            errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            401: "Authentication required",
            403: "Forbidden",
            404: "Not found",
            405: "Method not allowed",
        }
        return problem_response(
            exc.status_code,
            titles.get(exc.status_code, "Error"),
            str(exc.detail),
            f"http-{exc.status_code}",
            request.url.path,
        )
