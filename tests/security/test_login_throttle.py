"""Login throttling (ASVS V2.2.1): repeated failures lock the account, and a client address that tries
many accounts; the lock lives in the database, so a second API process refuses as well."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from tests.conftest import unique

from jejo.api.app import create_app
from jejo.core.runtime import Runtime
from jejo.masterdata import users
from jejo.security import throttle
from jejo.security.tables import LoginFailure

PASSWORD = "right-pass-123"


@pytest.fixture
def address() -> Iterator[str]:
    """A client address of this test alone (the suite's other clients must not be locked out)."""
    import random

    addr = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    yield addr


@pytest.fixture
def company(runtime: Runtime) -> Iterator[str]:
    code = unique("LOCK")
    with runtime.transaction() as s:
        c = users.create_company(s, code, code)
        users.create_user(s, c.id, "kim", PASSWORD, ["operator"])
        users.create_user(s, c.id, "lee", PASSWORD, ["operator"])
    yield code
    with runtime.transaction() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.account.like(f"{code.lower()}/%")))


def _login(c: TestClient, company: str, username: str, password: str) -> object:
    return c.post("/api/v1/auth/login", json={"company": company, "username": username, "password": password})


def test_account_locks_after_repeated_failures_even_for_the_right_password(
    app: object, company: str, address: str
) -> None:
    with TestClient(app, client=(address, 40000)) as c:  # type: ignore[arg-type]
        for _ in range(throttle.LIMITS.per_account):
            r = _login(c, company, "kim", "wrong-password")
            assert r.status_code == 401  # type: ignore[attr-defined]
        r = _login(c, company, "kim", PASSWORD)
        assert r.status_code == 429, r.text  # type: ignore[attr-defined]
        body = r.json()  # type: ignore[attr-defined]
        assert r.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
        assert "too many failed logins" in body["detail"] and "minute" in body["detail"]
        assert 0 < body["retry_after_s"] <= throttle.LIMITS.window_s
        assert r.headers["retry-after"] == str(body["retry_after_s"])  # type: ignore[attr-defined]
        # another account of the same company is not locked
        assert _login(c, company, "lee", PASSWORD).status_code == 200  # type: ignore[attr-defined]


def test_success_clears_the_count(app: object, company: str, address: str) -> None:
    with TestClient(app, client=(address, 40000)) as c:  # type: ignore[arg-type]
        for _ in range(throttle.LIMITS.per_account - 1):
            assert _login(c, company, "kim", "wrong-password").status_code == 401  # type: ignore[attr-defined]
        assert _login(c, company, "kim", PASSWORD).status_code == 200  # type: ignore[attr-defined]
        for _ in range(throttle.LIMITS.per_account - 1):
            assert _login(c, company, "kim", "wrong-password").status_code == 401  # type: ignore[attr-defined]
        assert _login(c, company, "kim", PASSWORD).status_code == 200  # type: ignore[attr-defined]


def test_lock_holds_in_another_process(runtime: Runtime, app: object, company: str, address: str) -> None:
    """A second API process (its own engine and app on the same database) sees the failures."""
    other = Runtime(runtime.settings)
    try:
        with TestClient(app, client=(address, 40000)) as c:  # type: ignore[arg-type]
            for _ in range(throttle.LIMITS.per_account):
                _login(c, company, "kim", "nope-nope-nope")
        with TestClient(create_app(other, with_web=False), client=(address, 40001)) as c2:
            assert _login(c2, company, "kim", PASSWORD).status_code == 429  # type: ignore[attr-defined]
    finally:
        other.engine.dispose()


def test_one_address_trying_many_accounts_is_stopped(
    runtime: Runtime, app: object, company: str, address: str
) -> None:
    try:
        with TestClient(app, client=(address, 40000)) as c:  # type: ignore[arg-type]
            for i in range(throttle.LIMITS.per_client):
                r = _login(c, company, f"guess{i}", "password1")
                assert r.status_code == 401  # type: ignore[attr-defined]
            r = _login(c, company, "lee", PASSWORD)
            assert r.status_code == 429  # type: ignore[attr-defined]
            assert "your address" in r.json()["detail"]  # type: ignore[attr-defined]
        with TestClient(app, client=("10.255.255.1", 40000)) as c:  # type: ignore[arg-type]
            assert _login(c, company, "lee", PASSWORD).status_code == 200  # type: ignore[attr-defined]
    finally:
        with runtime.transaction() as s:
            s.execute(delete(LoginFailure).where(LoginFailure.client == address))


def test_web_login_form_says_to_wait(app: object, company: str, address: str) -> None:
    with TestClient(app, client=(address, 40000)) as c:  # type: ignore[arg-type]
        for _ in range(throttle.LIMITS.per_account):
            r = c.post("/login", data={"company": company, "username": "kim", "password": "bad-bad-bad"})
            assert r.status_code == 401
        r = c.post("/login", data={"company": company, "username": "kim", "password": PASSWORD})
        assert r.status_code == 429
        assert "로그인 실패가 너무 많습니다" in r.text
        assert "jejo_session" not in r.headers.get("set-cookie", "")


def test_prune_drops_old_failures(runtime: Runtime, company: str) -> None:
    from datetime import timedelta

    from jejo.core.timeutil import utcnow

    with runtime.transaction() as s:
        s.add(
            LoginFailure(account=f"{company.lower()}/kim", client="10.0.0.1", at=utcnow() - timedelta(days=1))
        )
    with runtime.transaction() as s:
        assert throttle.prune(s) >= 1
        throttle.check(s, company, "kim", "10.0.0.1")  # nothing left to lock it
