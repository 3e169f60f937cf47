"""Request dependencies: the database session (one transaction per request) and the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from jejo.core.errors import Forbidden, Unauthorized
from jejo.core.runtime import Runtime
from jejo.masterdata.tables import User
from jejo.masterdata.users import TOKEN_PREFIX, Principal, principal_for_token, principal_for_user
from jejo.security.audit import set_session_actor

SESSION_COOKIE = "jejo_session"
SESSION_MAX_AGE_S = 12 * 3600


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def client_address(request: Request) -> str:
    """The caller's address (behind a reverse proxy: run uvicorn with ``--proxy-headers``)."""
    return request.client.host if request.client else "unknown"


def cookie_secure(request: Request) -> bool:
    """Session cookies carry the Secure flag when served over TLS or when the settings demand it."""
    return request.url.scheme == "https" or runtime(request).settings.secure_cookies


def db(request: Request) -> Iterator[Session]:
    with runtime(request).transaction() as session:
        yield session


#: One transaction per request, committed before the response is sent (``scope="function"``): a client
#: never hears "stored" for a write that then fails to commit, and a read right after a write sees it.
DB = Annotated[Session, Depends(db, scope="function")]


def signer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime(request).settings.effective_secret_key(), salt="jejo-session")


def issue_session_token(request: Request, user: User) -> str:
    return signer(request).dumps({"uid": user.id, "cid": user.company_id})


def principal_from_session_token(request: Request, session: Session, token: str) -> Principal:
    try:
        data = signer(request).loads(token, max_age=SESSION_MAX_AGE_S)
    except SignatureExpired as exc:
        raise Unauthorized("session expired; log in again") from exc
    except BadSignature as exc:
        raise Unauthorized("invalid session token") from exc
    user = session.get(User, int(data["uid"]))
    if user is None or not user.active or user.company_id != int(data["cid"]):
        raise Unauthorized("user no longer exists or is disabled")
    set_session_actor(session, user.username)
    return principal_for_user(user)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _from_own_page(request: Request) -> bool:
    """Sent by script from our own pages: a header that cross-site forms cannot send (CSRF check)."""
    return bool(request.headers.get("x-requested-with") or request.headers.get("hx-request"))


def principal(request: Request, session: DB) -> Principal:
    """The caller, from ``Authorization: Bearer`` (API token or session token) or the web session cookie."""
    who = _principal(request, session)
    set_session_actor(session, who.name)  # the audit log names the caller
    return who


def _principal(request: Request, session: Session) -> Principal:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
        if token.startswith(TOKEN_PREFIX):
            return principal_for_token(session, token)
        return principal_from_session_token(request, session, token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        if request.method not in SAFE_METHODS and not _from_own_page(request):
            # a cross-site form or image can carry the cookie, but it cannot set a custom header
            raise Forbidden(
                "a write with the session cookie needs the 'X-Requested-With' (or htmx's 'HX-Request') header"
            )
        return principal_from_session_token(request, session, cookie)
    raise Unauthorized("log in, or send 'Authorization: Bearer <token>'")


Caller = Annotated[Principal, Depends(principal)]

#: an integer in the path that names a row: within a 32-bit INTEGER column (PostgreSQL rejects more)
IntPath = Annotated[int, Path(ge=0, le=2_147_483_647)]


def require(scope: str) -> Any:
    def check(caller: Caller) -> Principal:
        if not caller.can(scope):
            raise Forbidden(f"this needs the '{scope}' permission")
        return caller

    return Depends(check)


class Page:
    def __init__(
        self, offset: int = Query(0, ge=0, le=1_000_000_000), limit: int = Query(100, ge=1, le=1000)
    ) -> None:
        self.offset = offset
        self.limit = limit


def paged(items: list[Any], total: int, page: Page) -> dict[str, object]:
    return {"items": items, "total": total, "offset": page.offset, "limit": page.limit}


PageQ = Annotated[Page, Depends()]
