"""No secrets in logs (ASVS V7.1.1): logging in (right and wrong), creating and using an API token and
a session token leave none of the password, the token or the session token in any log record, at the
most verbose level of every logger."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from tests.conftest import unique

from jejo.core.runtime import Runtime
from jejo.masterdata import users


def test_login_and_tokens_leave_no_secret_in_the_logs(
    app: object, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    code, password, wrong = unique("LOG"), "Very-secret-pass-42", "Wrong-secret-pass-17"
    with runtime.transaction() as s:
        comp = users.create_company(s, code, code)
        users.create_user(s, comp.id, "admin", password, ["admin"])
    caplog.set_level(logging.DEBUG)  # root: every logger, the libraries' too
    secrets: list[str] = [password, wrong]
    with TestClient(app, client=("10.77.0.1", 1234), follow_redirects=False) as c:  # type: ignore[arg-type]
        r = c.post("/api/v1/auth/login", json={"company": code, "username": "admin", "password": wrong})
        assert r.status_code == 401
        r = c.post("/api/v1/auth/login", json={"company": code, "username": "admin", "password": password})
        session_token = r.json()["access_token"]
        secrets.append(session_token)
        h = {"Authorization": f"Bearer {session_token}"}
        tok = c.post("/api/v1/tokens", json={"name": "press", "scopes": ["events:write"]}, headers=h).json()
        secrets.append(tok["token"])
        assert (
            c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tok['token']}"}).status_code == 200
        )
        r = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tok['token']}x"})
        assert r.status_code == 401
        c.post("/login", data={"company": code, "username": "admin", "password": wrong})
        r = c.post("/login", data={"company": code, "username": "admin", "password": password})
        secrets.append(r.cookies.get("jejo_session") or "")
    records = caplog.records
    assert any("login failed" in rec.getMessage() for rec in records)  # failures are logged …
    for rec in records:
        text = rec.getMessage() + " " + str(rec.args) + " " + (rec.exc_text or "")
        for secret in filter(None, secrets):
            assert secret not in text, f"{rec.name}: a secret in {text[:200]!r}"
        assert "Very-secret" not in text and "Wrong-secret" not in text
