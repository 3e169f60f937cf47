"""Who is looking at a page, in which language: the web session and the locale choice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from jejo.api.deps import DB, SESSION_COOKIE, principal_from_session_token
from jejo.core.errors import Unauthorized
from jejo.core.i18n import DEFAULT_LOCALE, Translator, normalise_locale, translator
from jejo.core.tenancy import Company
from jejo.masterdata.tables import User
from jejo.masterdata.users import Principal

LANG_COOKIE = "jejo_lang"
LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600


class LoginRequired(Exception):
    """Raised by page dependencies when no valid session cookie came; answered with a redirect."""


def chosen_locale(request: Request, user_locale: str | None = None) -> str:
    """``?lang=`` first, then the language cookie, then the user's own setting, then Korean."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), user_locale):
        lang = normalise_locale(candidate)
        if lang:
            return lang
    return DEFAULT_LOCALE


@dataclass(frozen=True)
class Viewer:
    """The logged-in user of a page request, with the company and the translator to use."""

    principal: Principal
    display_name: str
    company_code: str
    company_name: str
    tr: Translator

    @property
    def company_id(self) -> int:
        return self.principal.company_id

    @property
    def locale(self) -> str:
        return self.tr.locale

    def can(self, scope: str) -> bool:
        return self.principal.can(scope)

    @property
    def at_center(self) -> bool:
        """Holds a center role (the menu shows the center's pages to them, not to every plant admin)."""
        return "center:read" in self.principal.scopes


def viewer_for(request: Request, session: Session) -> Viewer:
    """The viewer from the ``jejo_session`` cookie; :class:`LoginRequired` without a valid one."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        who = principal_from_session_token(request, session, token)
    except Unauthorized as exc:
        raise LoginRequired from exc
    user = session.get(User, who.user_id) if who.user_id is not None else None
    company = session.get(Company, who.company_id)
    if user is None or company is None:
        raise LoginRequired
    return Viewer(
        who, user.display_name, company.code, company.name, translator(chosen_locale(request, user.locale))
    )


def _viewer(request: Request, session: DB) -> Viewer:
    return viewer_for(request, session)


CurrentViewer = Annotated[Viewer, Depends(_viewer)]
