"""Login throttling (OWASP ASVS V2.2.1): after repeated failures an account, or a client address, must
wait. Failures are rows in the database, so the limit holds across every API process of a deployment."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from jejo.core.errors import JejoError, Unauthorized
from jejo.core.timeutil import utcnow
from jejo.masterdata import users
from jejo.masterdata.tables import User
from jejo.security.tables import LoginFailure

log = logging.getLogger("jejo.security")


@dataclass(frozen=True)
class Limits:
    #: failed logins of one account within the window before it is locked
    per_account: int = 5
    #: failed logins from one client address within the window (password spraying)
    per_client: int = 20
    window_s: int = 15 * 60


LIMITS = Limits()


class TooManyAttempts(JejoError):
    status = 429
    title = "Too many failed logins"
    type_slug = "too-many-attempts"


def account_key(company: str | None, username: str) -> str:
    return f"{(company or '*').strip().lower()}/{username.strip().lower()}"[:200]


def check(session: Session, company: str | None, username: str, client: str, limits: Limits = LIMITS) -> None:
    """Refuse a login attempt while the account or the client address is locked."""
    since = utcnow() - timedelta(seconds=limits.window_s)
    for column, key, cap, who in (
        (LoginFailure.account, account_key(company, username), limits.per_account, "this account"),
        (LoginFailure.client, client[:64], limits.per_client, "your address"),
    ):
        count, first = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(column == key, LoginFailure.at > since)
        ).one()
        if count >= cap:
            wait_s = max(1, int((first - since).total_seconds())) if first is not None else limits.window_s
            minutes = max(1, (wait_s + 59) // 60)
            raise TooManyAttempts(
                f"too many failed logins for {who}; try again in {minutes} minute(s)",
                retry_after_s=wait_s,
            )


def record_failure(session: Session, company: str | None, username: str, client: str) -> None:
    prune(session)  # failures past the window count no more: the table stays small
    session.add(LoginFailure(account=account_key(company, username), client=client[:64]))


def record_success(session: Session, company: str | None, username: str) -> None:
    """A good password clears the account's failures (the client address keeps its count)."""
    session.execute(delete(LoginFailure).where(LoginFailure.account == account_key(company, username)))


def prune(session: Session, limits: Limits = LIMITS) -> int:
    """Delete failures older than the window; returns how many."""
    cut = utcnow() - timedelta(seconds=limits.window_s)
    result = session.execute(delete(LoginFailure).where(LoginFailure.at <= cut))
    return int(getattr(result, "rowcount", 0) or 0)


def authenticate(
    session: Session,
    separate_transaction: Callable[[], AbstractContextManager[Session]],
    company: str | None,
    username: str,
    password: str,
    client: str,
) -> User:
    """Check a password under the throttle. A failure is recorded in ``separate_transaction`` (it must
    stay when the caller's own transaction is rolled back for the error), then re-raised."""
    check(session, company, username, client)
    try:
        user = users.authenticate(session, company, username, password)
    except Unauthorized:
        log.warning("login failed for %s from %s", account_key(company, username), client)
        with separate_transaction() as other:
            record_failure(other, company, username, client)
        raise
    record_success(session, company, username)
    return user
