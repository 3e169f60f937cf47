"""The whole OpenAPI of the API, fuzzed by schemathesis with a token holding every scope: no answer is
a server error (5xx), and every 4xx is RFC 9457 problem+json; a 422 names the field at fault.

Budget: ``JEJO_API_FUZZ_EXAMPLES`` generated cases per operation (default 4) on a company with a small
plant, so codes like CAB-600 and WC-SAW exist and requests get past the lookups."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import delete
from tests.conftest import Tenant, build_plant

from jejo.core.runtime import Runtime
from jejo.masterdata import users
from jejo.security.tables import LoginFailure

EXAMPLES = int(os.environ.get("JEJO_API_FUZZ_EXAMPLES", "4"))


def _problems(op: str, case: Any, response: Any) -> list[str]:
    status = response.status_code
    where = f"{op} {case.path_parameters or ''} {case.query or ''} body={str(case.body)[:120]!r}"
    if status >= 500:
        return [f"{where}: {status} {response.text[:300]}"]
    if 400 <= status < 500 and case.operation.path.startswith("/api/v1/"):
        # (the Asset Administration Shell API under /api/aas answers in the AAS result format instead)
        if response.headers.get("content-type", "").split(";")[0] != "application/problem+json":
            return [f"{where}: {status} is not problem+json ({response.headers.get('content-type')})"]
        body = response.json()
        if not (body.get("title") and body.get("detail") and body.get("status") == status):
            return [f"{where}: {status} problem lacks title/detail/status: {body}"]
        if status == 422:
            errors = body.get("errors") or []
            unnamed = [e for e in errors if not any(k in e for k in ("field", "sheet", "row", "column"))]
            if not errors or unnamed:
                return [f"{where}: 422 does not name the field: {body}"]
    return []


def _fuzz(operation: Any, client: TestClient, auth: dict[str, str], failures: list[str]) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    sent = ("headers", "params", "json", "content", "data", "files", "cookies")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=auth)
        method, url = kwargs.pop("method"), kwargs.pop("url")
        response = client.request(method, url, **{k: v for k, v in kwargs.items() if k in sent})
        found = _problems(label, case, response)
        if found and response.status_code >= 500:  # replay it to name the exception
            with TestClient(client.app, client=("10.66.6.7", 4000)) as replay:
                try:
                    replay.request(method, url, **{k: v for k, v in kwargs.items() if k in sent})
                except Exception as exc:
                    tb = exc.__traceback__
                    while tb and tb.tb_next:
                        tb = tb.tb_next
                    at = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
                    found = [f"{found[0][:400]} -- {type(exc).__name__}: {str(exc)[:200]} at {at}"]
        failures.extend(found)

    run()


@pytest.mark.slow
def test_openapi_fuzz_finds_no_server_error(app: Any, runtime: Runtime, tenant: Tenant) -> None:
    build_plant(tenant)
    tenant.ok(
        tenant.post(
            "/work-orders", {"code": "WO-1", "item": "CAB-600", "quantity": 2, "due_date": "2026-12-31"}
        ),
        201,
    )
    with runtime.transaction() as s:
        _tok, secret = users.create_token(s, tenant.company_id, "fuzz-all-scopes", list(users.SCOPES))
    auth = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    operations = 0
    # an address of its own: the fuzzed logins fail, and must not lock out the suite's other clients
    address = "10.66.6.6"
    with TestClient(app, raise_server_exceptions=False, client=(address, 4000)) as client:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            _fuzz(operation, client, auth, failures)
    with runtime.transaction() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.client == address))
    assert operations > 120
    assert not failures, f"{len(failures)} failing request(s):\n" + "\n".join(dict.fromkeys(failures))
