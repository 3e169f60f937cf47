"""Log in with company code, username and password; log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jejo.api.deps import (
    DB,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    client_address,
    cookie_secure,
    issue_session_token,
    runtime,
)
from jejo.core.errors import Unauthorized
from jejo.core.i18n import translator
from jejo.security import throttle
from jejo.web.context import chosen_locale
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site may follow a login (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    tr = translator(chosen_locale(request))
    return render(
        request, "login.html", tr, next=safe_next(next), company=request.cookies.get("jejo_company", "")
    )


@router.post("/login")
def login(
    request: Request,
    session: DB,
    company: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    tr = translator(chosen_locale(request))
    try:
        user = throttle.authenticate(
            session,
            runtime(request).transaction,
            company.strip() or None,
            username.strip(),
            password,
            client_address(request),
        )
    except throttle.TooManyAttempts as exc:
        minutes = max(1, (int(exc.extra.get("retry_after_s", 60)) + 59) // 60)
        return render(
            request,
            "login.html",
            tr,
            status_code=429,
            next=safe_next(next),
            company=company,
            username=username,
            error=tr.gettext("Too many failed logins. Try again in %(minutes)d minute(s).")
            % {"minutes": minutes},
        )
    except Unauthorized:
        return render(
            request,
            "login.html",
            tr,
            status_code=401,
            next=safe_next(next),
            company=company,
            username=username,
            error=tr.gettext("Wrong company code, username or password."),
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    secure = cookie_secure(request)
    response.set_cookie(
        SESSION_COOKIE,
        issue_session_token(request, user),
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    # remembered so that a shared shop-floor tablet only asks for username and password next time
    response.set_cookie(
        "jejo_company", company.strip(), max_age=365 * 24 * 3600, httponly=True, samesite="lax", secure=secure
    )
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=cookie_secure(request))
    return response
