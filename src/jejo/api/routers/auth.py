"""Login, the caller, API tokens and users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select

from jejo.api.deps import (
    DB,
    Caller,
    IntPath,
    PageQ,
    client_address,
    issue_session_token,
    paged,
    require,
    runtime,
)
from jejo.masterdata import users as accounts
from jejo.masterdata.tables import ApiToken, User
from jejo.security import throttle

router = APIRouter(tags=["auth"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company: str | None = None
    username: str
    password: str


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(min_length=1)
    expires_at: AwareDatetime | None = Field(
        default=None, description="When the token stops working (with its time zone); none: until revoked"
    )


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    password: str
    roles: list[str]
    display_name: str | None = None
    locale: str = Field(default="ko", pattern="^(ko|en|vi)$")


def user_out(u: User) -> dict[str, Any]:
    return {
        "username": u.username,
        "display_name": u.display_name,
        "roles": u.roles,
        "locale": u.locale,
        "active": u.active,
    }


@router.post("/auth/login")
def login(body: LoginIn, request: Request, session: DB) -> dict[str, Any]:
    """Exchange a password for a bearer token (valid 12 hours)."""
    user = throttle.authenticate(
        session,
        runtime(request).transaction,
        body.company,
        body.username,
        body.password,
        client_address(request),
    )
    return {
        "access_token": issue_session_token(request, user),
        "token_type": "bearer",
        "user": user_out(user),
    }


@router.get("/auth/me")
def me(caller: Caller) -> dict[str, Any]:
    return {
        "name": caller.name,
        "company_id": caller.company_id,
        "roles": list(caller.roles),
        "scopes": sorted(caller.scopes),
    }


@router.post("/tokens", status_code=201, dependencies=[require("admin")])
def create_token(body: TokenIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Create a scoped token for a machine, collector or integration. The secret is shown only here."""
    token, secret = accounts.create_token(session, caller.company_id, body.name, body.scopes, body.expires_at)
    return {"id": token.id, "name": token.name, "scopes": token.scopes, "token": secret}


@router.get("/tokens", dependencies=[require("admin")])
def list_tokens(caller: Caller, session: DB) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ApiToken).where(ApiToken.company_id == caller.company_id).order_by(ApiToken.id)
    )
    return [
        {
            "id": t.id,
            "name": t.name,
            "prefix": t.prefix,
            "scopes": t.scopes,
            "created_at": t.created_at,
            "expires_at": t.expires_at,
            "revoked_at": t.revoked_at,
        }
        for t in rows
    ]


@router.delete("/tokens/{token_id}", status_code=204, dependencies=[require("admin")])
def revoke_token(token_id: IntPath, caller: Caller, session: DB) -> None:
    accounts.revoke_token(session, caller.company_id, token_id)


@router.get("/users", dependencies=[require("admin")])
def list_users(caller: Caller, session: DB, page: PageQ) -> dict[str, Any]:
    from sqlalchemy import func

    stmt = select(User).where(User.company_id == caller.company_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(User.username).offset(page.offset).limit(page.limit))
    return paged([user_out(u) for u in rows], total, page)


@router.post("/users", status_code=201, dependencies=[require("admin")])
def create_user(body: UserIn, caller: Caller, session: DB) -> dict[str, Any]:
    user = accounts.create_user(
        session, caller.company_id, body.username, body.password, body.roles, body.display_name, body.locale
    )
    return user_out(user)
