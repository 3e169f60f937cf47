"""Every route of the application, enumerated from the app itself, refuses the caller it must refuse:
anonymous callers everywhere but the few public routes, callers without the scope a route declares
(API: tokens holding every other scope; pages: users of a role without it), and other companies
(nothing of company A shows in any answer to company B). A new route fails this test until it is
classified here, so none can be added without an access decision."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from tests.conftest import Tenant, build_plant, unique

from jejo.core.runtime import Runtime
from jejo.masterdata import users
from jejo.masterdata.users import SCOPES

#: open to everyone: the login itself, the API description, health, static files
PUBLIC = {
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/healthz"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/masterdata"),  # a redirect to /masterdata/items, which needs a login
}
#: API routes that change nothing although they are not GET (computations on the posted data)
API_READ_POSTS = {("POST", "/api/v1/kpi/spc"), ("POST", "/api/v1/furniture/cutlist/preview")}
#: API writes that authenticate with a credential of their own instead of a user or token scope
OWN_CREDENTIAL = {("POST", "/api/v1/center/federation/push")}  # a firm instance's federation link
#: API writes decided by the caller's role inside the service: a playbook names the role that approves
#: its actions (tests/ai/test_registry_findings_playbooks.py checks who is refused)
ROLE_CHECKED = {
    ("POST", "/api/v1/ai/playbook-actions/{action_id}/approve"),
    ("POST", "/api/v1/ai/playbook-actions/{action_id}/reject"),
    ("POST", "/api/v1/ai/playbook-actions/{action_id}/revert"),
}
#: page routes that change something, and the scope each needs (checked inside the page handler)
PAGE_WRITES = {
    ("POST", "/ai/playbooks/new"): "masterdata:write",
    ("POST", "/ai/playbooks/{code:path}/edit"): "masterdata:write",
    # or the role the playbook names to approve (tests/ai/test_ai_pages.py)
    ("POST", "/ai/actions/{action_id}/{verb}"): "workorders:write",
    ("POST", "/work-orders/{code}/actions/{command}"): "workorders:write",
    ("POST", "/furniture/orders"): "workorders:write",
    ("POST", "/furniture/orders/{code}/plan"): "workorders:write",
    ("POST", "/furniture/orders/{code}/scan"): "events:write",
    ("POST", "/planning"): "workorders:write",
    ("POST", "/planning/{code}/replan"): "workorders:write",
    ("POST", "/planning/{code}/pin"): "workorders:write",
    ("POST", "/planning/{code}/machine-down"): "workorders:write",
    ("POST", "/ai/findings/{code}/{verdict}"): "workorders:write",
    ("POST", "/ai/models/{name}/{version}/promote"): "masterdata:write",
    ("POST", "/ai/models/{name}/rollback"): "masterdata:write",
    ("POST", "/center/plans"): "center:write",
    ("PUT", "/center/plans/{code}/sections/{key}"): "center:write",
    ("POST", "/maintenance/equipment/{code}/documents"): "workorders:write",
    ("POST", "/maintenance/orders/{code}/actions/start"): "workorders:write",
    ("POST", "/maintenance/orders/{code}/actions/complete"): "workorders:write",
    ("POST", "/quality/inspections/{code}/actions/results"): "workorders:write",
    ("POST", "/quality/ncrs/{code}/actions/disposition"): "workorders:write",
    ("POST", "/purchasing/actions/propose"): "workorders:write",
    ("POST", "/purchasing/orders/{code}/actions/place"): "workorders:write",
    ("POST", "/purchasing/orders/{code}/actions/receive"): "workorders:write",
    ("POST", "/twin/datasets"): "masterdata:write",
    # the center's pages: its users only (firm-level rights are tested in tests/center)
    ("POST", "/center/firms"): "center:read",
    ("POST", "/center/firms/import"): "center:read",
    ("POST", "/center/firms/{firm_id}/visits"): "center:read",
    ("POST", "/center/firms/{firm_id}/applications"): "center:read",
    ("POST", "/center/firms/{firm_id}/diagnoses"): "center:read",
    ("POST", "/center/diagnoses/{diagnosis_id}/answers"): "center:read",
    ("POST", "/center/applications/{app_id}/transition"): "center:read",
    ("POST", "/center/assignments/{assignment_id}/confirm"): "center:read",
    ("POST", "/center/assignments/{assignment_id}/visits"): "center:read",
}
#: page routes only administrators may open
PAGE_ADMIN = {("GET", "/admin/audit")}


def _scopes_of(dependant: Any) -> set[str]:
    """The scopes named by ``require(scope)`` anywhere in a route's dependencies."""
    found: set[str] = set()
    for dep in dependant.dependencies:
        call = dep.call
        if getattr(call, "__qualname__", "").startswith("require.") and call.__closure__:
            found |= {c.cell_contents for c in call.__closure__ if isinstance(c.cell_contents, str)}
        found |= _scopes_of(dep)
    return found


def all_routes(app: Any) -> list[tuple[str, str, set[str]]]:
    out = []
    for r in iter_route_contexts(app.routes):
        path = r.path
        if path is None or path.startswith("/static"):
            continue
        dependant = getattr(r, "dependant", None)
        scopes = _scopes_of(dependant) if dependant is not None else set()
        for method in sorted((r.methods or set()) - {"HEAD"}):
            out.append((method, path, scopes))
    return out


def fill(path: str, value: str = "1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_the_route_list_is_complete(app: Any) -> None:
    routes = all_routes(app)
    assert len(routes) > 150, len(routes)
    api = [r for r in routes if r[1].startswith("/api/v1/")]
    pages = [r for r in routes if not r[1].startswith("/api/") and (r[0], r[1]) not in PUBLIC]
    assert len(api) > 120 and len(pages) > 20
    # every API write declares the scope it needs
    undeclared = [
        (m, p)
        for m, p, scopes in api
        if m != "GET" and not scopes and (m, p) not in PUBLIC | API_READ_POSTS | OWN_CREDENTIAL | ROLE_CHECKED
    ]
    assert not undeclared, f"API writes without require(scope): {undeclared}"
    # every page write is classified
    page_writes = {(m, p) for m, p, _ in pages if m != "GET"}
    assert page_writes == set(PAGE_WRITES), f"classify these page writes: {page_writes ^ set(PAGE_WRITES)}"


def test_anonymous_is_refused_everywhere_but_the_public_routes(app: Any) -> None:
    with TestClient(app, follow_redirects=False) as c:
        for method, path, _ in all_routes(app):
            if (method, path) in PUBLIC:
                continue
            r = c.request(method, fill(path))
            if path.startswith("/api/"):
                assert r.status_code == 401, f"{method} {path}: {r.status_code}"
                assert r.headers["content-type"] == "application/problem+json"
                assert r.headers.get("www-authenticate") == "Bearer"
            else:
                assert r.status_code in (303, 401), f"{method} {path}: {r.status_code}"
                if r.status_code == 303:
                    assert r.headers["location"].startswith("/login"), f"{method} {path}"
            # htmx requests get a full-page redirect instead
            if not path.startswith("/api/") and method == "GET":
                r = c.request(method, fill(path), headers={"HX-Request": "true"})
                assert r.status_code in (303, 401) and (
                    r.status_code == 303 or r.headers.get("hx-redirect", "").startswith("/login")
                ), f"{method} {path}"


def test_bad_and_forged_credentials_are_refused(app: Any, tenant: Tenant) -> None:
    with TestClient(app, follow_redirects=False) as c:
        for header in (
            "Bearer jejo_not-a-real-token",
            "Bearer " + tenant.headers["Authorization"][7:-4] + "AAAA",  # signature broken
            "Basic YWRtaW46YWRtaW4=",
        ):
            r = c.get("/api/v1/auth/me", headers={"Authorization": header})
            assert r.status_code == 401, header
        c.cookies.set("jejo_session", "forged.value.here")
        assert c.get("/work-orders").status_code == 303


@pytest.fixture
def tokens_without(runtime: Runtime, tenant: Tenant) -> dict[str, str]:
    """For each scope: a token holding every other scope (never 'admin', which implies all)."""
    out = {}
    with runtime.transaction() as s:
        for scope in SCOPES:
            others = [x for x in SCOPES if x not in (scope, "admin")]
            _tok, secret = users.create_token(s, tenant.company_id, f"without-{scope}", others)
            out[scope] = secret
    return out


def test_api_routes_refuse_a_token_without_their_scope(app: Any, tokens_without: dict[str, str]) -> None:
    checked = 0
    with TestClient(app) as c:
        for method, path, scopes in all_routes(app):
            for scope in scopes:
                h = {"Authorization": f"Bearer {tokens_without[scope]}"}
                r = c.request(method, fill(path), headers=h)
                assert r.status_code == 403, f"{method} {path} without {scope}: {r.status_code} {r.text}"
                assert scope in r.json()["detail"]
                checked += 1
    assert checked > 80


def _can(roles: list[str], scope: str) -> bool:
    return users.Principal(0, "x", frozenset(users.scopes_for_roles(roles)), tuple(roles)).can(scope)


@pytest.fixture
def roles(runtime: Runtime, client: TestClient) -> Iterator[dict[str, TestClient]]:
    """A company with one logged-in browser per role."""
    code = unique("RBAC")
    with runtime.transaction() as s:
        comp = users.create_company(s, code, code)
        for role in users.ROLES:
            users.create_user(s, comp.id, role, "role-pass-123", [role])
    app = client.app
    clients: dict[str, TestClient] = {}
    for role in users.ROLES:
        c = TestClient(app, follow_redirects=False)
        r = c.post("/login", data={"company": code, "username": role, "password": "role-pass-123"})
        assert r.status_code == 303, r.text
        clients[role] = c
    yield clients
    for c in clients.values():
        c.close()


def test_page_writes_refuse_roles_without_the_scope(roles: dict[str, TestClient]) -> None:
    checked = 0
    for (method, path), scope in PAGE_WRITES.items():
        for role, c in roles.items():
            if _can([role], scope):
                continue
            # a file part too, so routes that take an upload reach their role check
            r = c.request(
                method, fill(path, "1"), headers={"HX-Request": "true"}, files={"file": ("x.txt", b"x")}
            )
            # a missing record answers 404 before the role is looked at (codes of other companies stay
            # hidden); an existing one answers 403. Either way nothing is written.
            assert r.status_code in (403, 404), f"{method} {path} as {role}: {r.status_code}"
            checked += 1
    assert checked >= 3


def test_page_writes_refuse_roles_on_existing_records(roles: dict[str, TestClient], runtime: Runtime) -> None:
    """An operator (no workorders:write) gets 403 from the furniture order form and the plan button."""
    op = roles["operator"]
    r = op.post("/furniture/orders", data={"customer": "x"}, headers={"HX-Request": "true"})
    assert r.status_code == 403, r.text


def test_admin_pages_refuse_other_roles(roles: dict[str, TestClient]) -> None:
    for method, path in PAGE_ADMIN:
        for role, c in roles.items():
            r = c.request(method, path)
            assert r.status_code == (200 if role == "admin" else 403), f"{path} as {role}"


# ---- tenant isolation ---------------------------------------------------------------------------------


def test_no_answer_to_company_b_contains_company_a_data(
    app: Any, tenant: Tenant, other_tenant: Tenant
) -> None:
    a, b = tenant, other_tenant
    build_plant(a)
    a.ok(
        a.post("/work-orders", {"code": "WO-A1", "item": "CAB-600", "quantity": 3, "due_date": "2026-12-31"}),
        201,
    )
    tok = a.ok(a.post("/tokens", {"name": "secret-line-token", "scopes": ["read"]}), 201)
    markers = ["포천 공장", "가공동", "하부장 600", "캐비닛 라인", "모서리 깨짐", a.code, "secret-line-token"]
    values = ["CAB-600", "POCHEON", "WC-SAW", "PC-SAW-01", "WO-A1", "A1", "L1", str(tok["id"]), "1"]
    checked, bad = 0, []
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as c:
        c.post("/login", data={"company": b.code, "username": "admin", "password": b.password})
        for method, path, _ in all_routes(app):
            if method != "GET" or (method, path) in PUBLIC:
                continue
            candidates = values if "{" in path else [""]
            for v in candidates:
                url = fill(path, v) if v else path
                if path.startswith("/api/"):
                    r = c.get(url, headers=b.headers)
                elif path == "/board/stream":
                    r = c.get(url, params={"once": "true"})
                else:
                    r = c.get(url)
                text = r.content.decode("utf-8", "replace")
                leaked = [m for m in markers if m in text]
                if leaked:
                    bad.append(f"GET {url} as company B shows {leaked}")
                if r.status_code >= 500:
                    bad.append(f"GET {url}: {r.status_code}")
                checked += 1
    assert not bad, "\n".join(bad)
    assert checked > 100
