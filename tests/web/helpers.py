"""Web test helpers: one plant per module (two companies, a few work orders, users) and their sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import Tenant, build_plant

from jejo.core.runtime import Runtime

PASSWORD = "floor-pass-1"


def add_user(runtime: Runtime, t: Tenant, username: str, roles: list[str], locale: str = "ko") -> None:
    """Another user of ``t``'s company, with :data:`PASSWORD`."""
    from jejo.masterdata import users

    with runtime.transaction() as s:
        users.create_user(s, t.company_id, username, PASSWORD, roles, username, locale)


def web_login(client: TestClient, t: Tenant, username: str = "admin", password: str | None = None) -> Any:
    """Log ``client`` in through the login form (the session cookie stays in its jar)."""
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"company": t.code, "username": username, "password": password or t.password},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r


@dataclass
class Plant:
    """Company A with the cabinet plant and work orders; company B empty; a session cookie per user."""

    a: Tenant
    b: Tenant
    sessions: dict[str, str] = field(default_factory=dict)

    def use(self, client: TestClient, who: str = "a.admin") -> TestClient:
        client.cookies.clear()
        client.cookies.set("jejo_session", self.sessions[who])
        return client


def make_plant(runtime: Runtime, client: TestClient, work_orders: dict[str, str]) -> Plant:
    """Build the plant; ``work_orders`` maps codes to the command to apply (``""`` leaves it planned)."""
    a, b = Tenant(runtime, client), Tenant(runtime, client)
    build_plant(a)
    for i, (code, command) in enumerate(work_orders.items()):
        a.ok(
            a.post(
                "/work-orders",
                {"code": code, "item": "CAB-600", "quantity": 12 + i, "due_date": f"2026-12-{15 + i:02d}"},
            ),
            201,
        )
        if command:
            a.ok(a.post(f"/work-orders/{code}/{command}"))
    if work_orders:  # some floor activity on the first order: progress, a scrap reason, a machine state
        first = next(iter(work_orders))
        if not work_orders[first]:
            a.ok(a.post(f"/work-orders/{first}/release"))
        a.ok(
            a.post(
                "/events/batch",
                {
                    "events": [
                        {
                            "type": "operation.started",
                            "work_order": first,
                            "payload": {"seq": 10, "equipment": "PC-SAW-01"},
                        },
                        {
                            "type": "quantity.reported",
                            "work_order": first,
                            "payload": {"seq": 10, "good": 5, "scrap": 1, "reason_code": "SCR-CHIP"},
                        },
                        {
                            "type": "machine.state_changed",
                            "payload": {"equipment": "PC-SAW-01", "state": "running"},
                        },
                    ]
                },
            ),
            201,
        )
    add_user(runtime, a, "op1", ["operator"])
    add_user(runtime, a, "eng1", ["supervisor"], locale="en")
    plant = Plant(a, b)
    for key, tenant, user, password in (
        ("a.admin", a, "admin", None),
        ("b.admin", b, "admin", None),
        ("a.op1", a, "op1", PASSWORD),
        ("a.eng1", a, "eng1", PASSWORD),
    ):
        web_login(client, tenant, user, password)
        plant.sessions[key] = client.cookies["jejo_session"]
    client.cookies.clear()
    return plant


def nav_click(page: Any, name: str) -> None:
    """Follow a main-menu link by its name, opening its drop-down group first when it sits in one."""
    import re

    # by text: a link inside a closed <details> is not in the accessibility tree until the group opens
    link = page.locator("nav.mainnav a").filter(has_text=re.compile(f"^\\s*{re.escape(name)}\\s*$"))
    summary = link.evaluate_handle(
        "a => { const d = a.closest('details'); return d && !d.open ? d.querySelector('summary') : null; }"
    )
    element = summary.as_element()
    if element is not None:
        element.click()  # as a person would: open the group, then choose
    link.click()
