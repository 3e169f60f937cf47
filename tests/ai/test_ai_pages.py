"""The AI pages over HTTP: login, Korean pages, htmx-only actions, permissions, tenant isolation; the
playbook editor and the approve / reject / revert buttons of the playbooks' actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from tests.ai.test_registry_findings_playbooks import register_fitted
from tests.conftest import Tenant, build_plant
from tests.web.helpers import PASSWORD, add_user, web_login

from jejo.ai import findings as fd
from jejo.core.runtime import Runtime
from jejo.maintenance import service as ms
from jejo.playbooks import service as pbs

HX = {"HX-Request": "true"}
T0 = datetime(2026, 3, 3, tzinfo=UTC)


def test_ai_pages(client: TestClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant) -> None:
    assert client.get("/ai", follow_redirects=False).status_code == 303
    t = tenant
    folder = runtime.settings.ensure_data_dir()
    with runtime.transaction() as s:
        for _ in range(2):
            register_fitted(
                s, t.company_id, folder, "health-EB-01", data_ref="telemetry:EB-01", created_by="정보전"
            )
        f, _ = fd.raise_finding(
            s,
            t.company_id,
            kind="anomaly",
            equipment="EB-01",
            window_start=T0,
            window_end=T0 + timedelta(minutes=30),
            score=1.6,
            summary="EB-01: 평소보다 높은 신호",
        )
        theirs, _ = fd.raise_finding(
            s,
            other_tenant.company_id,
            kind="anomaly",
            equipment="EB-01",
            window_start=T0,
            window_end=T0,
            score=2.0,
        )
    web_login(client, t)
    page = client.get("/ai")
    assert page.status_code == 200 and "발견 사항" in page.text and "EB-01: 평소보다 높은 신호" in page.text
    assert "오탐 처리" in page.text
    detail = client.get(f"/ai/findings/{f.code}")
    assert detail.status_code == 200 and "주요 기여 신호" in detail.text
    assert "이 기간의 설비 데이터가 없습니다." in detail.text  # no model / telemetry behind this one
    assert client.get(f"/ai/findings/{theirs.code}").status_code == 404
    assert client.post(f"/ai/findings/{theirs.code}/dismiss", headers=HX).status_code == 404
    assert client.post(f"/ai/findings/{f.code}/acknowledge").status_code == 403  # not from the page
    r = client.post(f"/ai/findings/{f.code}/acknowledge", headers=HX)
    assert r.status_code == 200 and "확인됨" in r.text and "오탐 처리" not in r.text
    models = client.get("/ai/models")
    assert (
        models.status_code == 200
        and models.text.count("운영 전환") == 2
        and "holdout_alarm_rate" in models.text
    )
    r = client.post("/ai/models/health-EB-01/1/promote", headers=HX)
    assert r.status_code == 200 and "운영 중" in r.text and "되돌리기" in r.text
    assert client.get("/ai/playbooks").status_code == 200
    assert "Findings" in client.get("/ai?lang=en").text
    # an operator sees the pages but may not promote or judge findings
    add_user(runtime, t, "op-ai", ["operator"])
    web_login(client, t, "op-ai", PASSWORD)
    assert client.get("/ai/models").status_code == 200
    assert "운영 전환" not in client.get("/ai/models").text
    assert client.post("/ai/models/health-EB-01/2/promote", headers=HX).status_code == 403


#: the editor's form for a maintenance playbook that waits for the maintenance staff's approval
FORM = {
    "code": "PB-WEB-VIB",
    "name": "진동 이상 → 보전 (승인 후)",
    "enabled": "on",
    "trigger.source": "finding",
    "trigger.kind": "anomaly",
    "trigger.equipment": "EB-*",
    "trigger.signal": "vibration",
    "trigger.min_score": "1.2",
    "trigger.event_type": "",
    "action": "maintenance_order",
    "params.kind": "preventive",
    "params.description": "베어링 점검",
    "params.checklist": "진동 측정\r\n\r\n윤활 확인\r\n",
    "params.plan_within_hours": "4",
    "params.duration_minutes": "45",
    "params.reason": "",
    "params.message": "",
    "params.channel": "web",
    "params.url": "",
    "params.out_minutes": "",
    "cooldown_minutes": "120",
    "approve_role": "maintenance",
}


def stored(runtime: Runtime, t: Tenant, code: str) -> dict[str, Any]:
    with runtime.transaction() as s:
        return pbs.playbook_out(pbs.get_playbook(s, t.company_id, code))


def test_playbook_editor_creates_edits_and_shows_field_errors(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    t = tenant
    web_login(client, t)
    page = client.get("/ai/playbooks")
    assert "새 플레이북" in page.text and "플레이북이 없습니다." in page.text
    form = client.get("/ai/playbooks/new")
    assert form.status_code == 200 and "새 플레이북" in form.text and 'name="params.checklist"' in form.text
    assert client.post("/ai/playbooks/new", data=FORM).status_code == 403  # not from the page
    r = client.post("/ai/playbooks/new", data=FORM, headers=HX)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == "/ai/playbooks?saved=PB-WEB-VIB"
    pb = stored(runtime, t, "PB-WEB-VIB")
    assert pb["trigger"] == {
        "source": "finding",
        "kind": "anomaly",
        "equipment": "EB-*",
        "signal": "vibration",
        "min_score": 1.2,
    }
    assert pb["params"] == {
        "kind": "preventive",
        "description": "베어링 점검",
        "checklist": ["진동 측정", "윤활 확인"],
        "plan_within_hours": 4,
        "duration_minutes": 45,
    }
    assert (pb["approve_role"], pb["cooldown_minutes"], pb["enabled"], pb["updated_by"]) == (
        "maintenance",
        120,
        True,
        "admin",
    )
    listed = client.get("/ai/playbooks?saved=PB-WEB-VIB").text
    assert "PB-WEB-VIB을(를) 저장했습니다" in listed and "보전 담당" in listed
    assert 'href="/ai/playbooks/PB-WEB-VIB/edit"' in listed
    # the edit page shows what is stored; the code cannot be changed
    edit = client.get("/ai/playbooks/PB-WEB-VIB/edit")
    assert edit.status_code == 200 and "플레이북 편집" in edit.text
    assert 'value="PB-WEB-VIB"' in edit.text and "readonly" in edit.text
    assert "진동 측정\n윤활 확인</textarea>" in edit.text
    assert '<option value="maintenance" selected>' in edit.text
    # a bad value: the form comes back as typed, the problem next to its field, nothing saved
    url = "/ai/playbooks/PB-WEB-VIB/edit"
    bad = {**FORM, "name": "바뀐 이름", "params.plan_within_hours": "0"}
    r = client.post(url, data=bad, headers=HX)
    assert r.status_code == 422 and "저장하지 못했습니다" in r.text
    assert 'id="err-f-params-plan_within_hours">0보다 큰 숫자를 입력하세요.' in r.text
    assert 'value="바뀐 이름"' in r.text and 'name="params.plan_within_hours" value="0"' in r.text
    assert stored(runtime, t, "PB-WEB-VIB")["name"] == FORM["name"]
    webhook = {**FORM, "action": "notify", "params.message": "진동 알림", "params.channel": "webhook"}
    r = client.post(url, data=webhook, headers=HX)
    assert r.status_code == 422 and "http:// 또는 https://로 시작하는 주소" in r.text
    assert 'value="진동 알림"' in r.text and '<option value="webhook" selected>' in r.text
    r = client.post(url, data={**FORM, "action": "hold_lot"}, headers=HX)  # a machine's anomaly names no lot
    assert r.status_code == 422 and 'id="err-f-trigger-kind">로트 보류에는' in r.text
    r = client.post(url, data={**FORM, "cooldown_minutes": "반나절"}, headers=HX)
    assert r.status_code == 422 and "43200" in r.text
    # edited: a web notice that acts at once; the code in the form is ignored
    ok = {**webhook, "params.channel": "web", "approve_role": "", "code": "OTHER", "enabled": ""}
    assert client.post(url, data=ok, headers=HX).status_code == 204
    pb = stored(runtime, t, "PB-WEB-VIB")
    assert (pb["action"], pb["params"], pb["approve_role"], pb["enabled"]) == (
        "notify",
        {"message": "진동 알림", "channel": "web"},
        None,
        False,
    )
    # a re-plan around the machine, keeping it free for 90 minutes
    replan = {**FORM, "code": "PB-WEB-REPLAN", "action": "replan", "params.out_minutes": "0"}
    r = client.post("/ai/playbooks/new", data=replan, headers=HX)
    assert r.status_code == 422 and "1에서 10080(7일) 사이의 분을 입력하세요." in r.text
    replan["params.out_minutes"] = "90"
    assert client.post("/ai/playbooks/new", data=replan, headers=HX).status_code == 204
    assert stored(runtime, t, "PB-WEB-REPLAN")["params"] == {"out_minutes": 90}
    # a notice by e-mail: one address a line; a bad address comes back at its field
    mail = {**FORM, "code": "PB-WEB-MAIL", "action": "notify", "params.channel": "email"}
    r = client.post("/ai/playbooks/new", data={**mail, "params.to": "bojeon"}, headers=HX)
    assert r.status_code == 422 and 'id="err-f-params-to">메일 주소를 한 줄에 하나씩' in r.text
    assert "bojeon</textarea>" in r.text
    mail["params.to"] = "bojeon@example.kr\njang@example.kr"
    assert client.post("/ai/playbooks/new", data=mail, headers=HX).status_code == 204
    assert stored(runtime, t, "PB-WEB-MAIL")["params"] == {
        "channel": "email",
        "to": ["bojeon@example.kr", "jang@example.kr"],
    }
    assert (
        "bojeon@example.kr\njang@example.kr</textarea>" in client.get("/ai/playbooks/PB-WEB-MAIL/edit").text
    )
    # an event playbook; the same code again is refused
    event = {**FORM, "code": "PB-WEB-EVENT", "trigger.source": "event", "trigger.event_type": "lot.held"}
    assert client.post("/ai/playbooks/new", data=event, headers=HX).status_code == 204
    assert stored(runtime, t, "PB-WEB-EVENT")["trigger"] == {
        "source": "event",
        "equipment": "EB-*",
        "event_type": "lot.held",
    }
    r = client.post("/ai/playbooks/new", data={**FORM, "name": "둘째"}, headers=HX)
    assert r.status_code == 422 and "같은 코드의 플레이북이 이미 있습니다." in r.text
    r = client.post("/ai/playbooks/new", data={**FORM, "code": "bad code!"}, headers=HX)
    assert r.status_code == 422 and 'id="err-f-code"' in r.text
    assert client.get("/ai/playbooks/NOPE/edit").status_code == 404
    english = client.get(f"{url}?lang=en").text  # English second
    assert "Edit playbook" in english and "Maintenance staff" in english
    # a supervisor sees the playbooks but may not edit them
    add_user(runtime, t, "sup-pb", ["supervisor"])
    web_login(client, t, "sup-pb", PASSWORD)
    page = client.get("/ai/playbooks")
    assert page.status_code == 200 and "PB-WEB-VIB" in page.text and "새 플레이북" not in page.text
    assert "/edit" not in page.text
    assert client.get("/ai/playbooks/new").status_code == 403
    assert client.get(url).status_code == 403
    assert client.post(url, data={**FORM, "name": "몰래"}, headers=HX).status_code == 403
    assert client.post("/ai/playbooks/new", data={**FORM, "code": "PB-X"}, headers=HX).status_code == 403
    assert stored(runtime, t, "PB-WEB-VIB")["name"] == FORM["name"]


def pending_and_done(runtime: Runtime, t: Tenant) -> dict[str, int]:
    """Two actions waiting for the maintenance staff (EB-01, PC-SAW-01) and one done at once (ASM-01):
    their ids by machine."""
    now = datetime.now(UTC)
    with runtime.transaction() as s:
        for spec in (
            {
                "code": "PB-APPROVE",
                "name": "진동 이상 → 보전 (승인 후)",
                "trigger": {"kind": "anomaly", "min_score": 1.5},
                "action": "maintenance_order",
                "params": {"description": "베어링 점검", "checklist": ["진동 측정"]},
                "approve_role": "maintenance",
            },
            {
                "code": "PB-AT-ONCE",
                "name": "조립기 이상 → 보전",
                "trigger": {"kind": "anomaly", "equipment": "ASM-*", "max_score": 1.5},
                "action": "maintenance_order",
            },
        ):
            pbs.save_playbook(s, t.company_id, pbs.parse_playbook(spec), "admin")
        findings = [
            fd.raise_finding(
                s,
                t.company_id,
                kind="anomaly",
                equipment=machine,
                window_start=now,
                window_end=now,
                score=score,
            )[0]
            for machine, score in (("EB-01", 2.0), ("PC-SAW-01", 2.0), ("ASM-01", 1.0))
        ]
        acts = pbs.run_for_findings(s, t.company_id, findings)
        assert sorted((a.subject, a.status) for a in acts) == [
            ("ASM-01", "done"),
            ("EB-01", "pending"),
            ("PC-SAW-01", "pending"),
        ]
        return {a.subject: a.id for a in acts}


def action(runtime: Runtime, t: Tenant, action_id: int) -> dict[str, Any]:
    with runtime.transaction() as s:
        a = pbs.action_out(pbs.get_action(s, t.company_id, action_id))
        if a["target"]:
            a["order_status"] = ms.get_order(s, t.company_id, a["target"]).status
        return a


def test_playbook_actions_are_approved_rejected_and_reverted_on_the_page(
    client: TestClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    t = tenant
    build_plant(t)
    ids = pending_and_done(runtime, t)
    eb, saw, asm = ids["EB-01"], ids["PC-SAW-01"], ids["ASM-01"]
    add_user(runtime, t, "maint", ["maintenance"])
    add_user(runtime, t, "sup", ["supervisor"])
    # a supervisor may revert, but only the maintenance staff (or an admin) approve
    web_login(client, t, "sup", PASSWORD)
    page = client.get("/ai/playbooks").text
    assert page.count("승인 대기") == 2 and "승인 필요: 보전 담당" in page
    assert f"/ai/actions/{eb}/approve" not in page and f"/ai/actions/{asm}/revert" in page
    assert client.post(f"/ai/actions/{eb}/approve", headers=HX).status_code == 403
    web_login(client, t, "maint", PASSWORD)
    page = client.get("/ai/playbooks").text
    assert f'hx-post="/ai/actions/{eb}/approve"' in page and f'hx-post="/ai/actions/{saw}/reject"' in page
    assert f"/ai/actions/{asm}/revert" not in page  # no workorders:write
    assert client.post(f"/ai/actions/{eb}/approve").status_code == 403  # not from the page
    r = client.post(f"/ai/actions/{eb}/approve", headers=HX)
    assert r.status_code == 200 and 'id="actions-table"' in r.text and "승인했습니다" in r.text
    assert "승인자 maint" in r.text and f"/ai/actions/{eb}/revert" in r.text  # its approver may revert it
    a = action(runtime, t, eb)
    assert (a["status"], a["decided_by"], a["order_status"]) == ("done", "maint", "open")
    assert a["target"].startswith("MO-") and a["decided_at"] is not None
    r = client.post(f"/ai/actions/{eb}/approve", headers=HX)  # already decided
    assert r.status_code == 409 and "상태가 이미 바뀌었습니다" in r.text
    r = client.post(f"/ai/actions/{saw}/reject", data={"note": "센서 교체 중"}, headers=HX)
    assert r.status_code == 200 and "반려했습니다" in r.text and "반려자 maint" in r.text
    a = action(runtime, t, saw)
    assert (a["status"], a["target"]) == ("rejected", None) and "센서 교체 중" in a["detail"]
    assert client.post(f"/ai/actions/{asm}/revert", headers=HX).status_code == 403
    assert client.post(f"/ai/actions/{asm}/dance", headers=HX).status_code == 403
    # the supervisor reverts the order made at once: it is cancelled
    web_login(client, t, "sup", PASSWORD)
    r = client.post(f"/ai/actions/{asm}/revert", data={"note": "오탐"}, headers=HX)
    assert r.status_code == 200 and "되돌렸습니다" in r.text and "되돌린 사람 sup" in r.text
    a = action(runtime, t, asm)
    assert (a["status"], a["reverted_by"], a["order_status"]) == ("reverted", "sup", "cancelled")
    r = client.post(f"/ai/actions/{asm}/revert", headers=HX)
    assert r.status_code == 409 and "처리하지 못했습니다" in r.text
    # another company's action is not there
    web_login(client, other_tenant)
    assert client.post(f"/ai/actions/{eb}/revert", headers=HX).status_code == 404
    assert client.post(f"/ai/actions/{saw}/approve", headers=HX).status_code == 404
