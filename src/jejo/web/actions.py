"""What the pages' htmx actions share: the guard each action passes first, the flash message a
refused input is answered with, and the answer itself (the refreshed part of the page).

Actions are htmx posts. The ``HX-Request`` header, which a plain cross-site form cannot send, keeps
the cookie session safe from CSRF; the role check follows (after any 404 the route gives first, so
that codes of other companies stay hidden).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError as PydanticError

from jejo.core.errors import Forbidden, JejoError
from jejo.masterdata.service import pydantic_problems
from jejo.web.context import Viewer
from jejo.web.templating import render


def htmx_only(request: Request) -> None:
    """Refuse a post that did not come from the page itself (403)."""
    if request.headers.get("HX-Request") != "true":
        raise Forbidden("page actions must come from the page itself")


def require_scope(viewer: Viewer, scope: str, refusal: str | None = None) -> None:
    """Refuse a viewer whose roles lack ``scope`` (403), with ``refusal`` or "needs <scope>" as the reason."""
    if not viewer.can(scope):
        raise Forbidden(refusal or f"needs {scope}")


def page_action(request: Request, viewer: Viewer, scope: str, refusal: str | None = None) -> None:
    """The guard of a page action: an htmx post (:func:`htmx_only`) by a viewer holding ``scope``."""
    htmx_only(request)
    require_scope(viewer, scope, refusal)


def action_failure(exc: Exception, viewer: Viewer) -> tuple[dict[str, Any], int]:
    """The flash message and status for an action the service refused or a form that did not validate;
    any other exception is raised again."""
    if isinstance(exc, JejoError):
        return {"ok": False, "message": exc.detail, "problems": exc.problems}, exc.status
    if isinstance(exc, PydanticError):
        problems = pydantic_problems(exc)
        return {"ok": False, "message": viewer.tr.gettext("Check the form."), "problems": problems}, 422
    raise exc


def answer_action(
    request: Request,
    viewer: Viewer,
    template: str,
    flash: dict[str, Any] | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The part of the page an action refreshes, with the action's flash message and status."""
    return render(request, template, viewer.tr, viewer=viewer, flash=flash, status_code=status, **context)
