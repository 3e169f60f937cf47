"""Pre-consulting visits with action items; an application through its whole workflow, with the
program's documents per stage, the submission window, the mandatory mentor visits before the mid-check,
and deadlines whose reminders go out once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.center.center_setup import firm_body, problem_fields
from tests.conftest import Tenant

from jejo.center import applications, catalogue
from jejo.center.access import get_firm
from jejo.center.schemas import ApplicationIn
from jejo.core.runtime import Runtime

IN_WINDOW = datetime(2025, 12, 15, 2, 0, tzinfo=UTC)


def attach(t: Tenant, app_id: str, kind: str, stage: str | None = None) -> dict:
    data = {"kind": kind} | ({"stage": stage} if stage else {})
    r = t.client.post(
        f"/api/v1/center/applications/{app_id}/documents",
        headers=t.headers,
        data=data,
        files={"file": (f"{kind}.pdf", f"%PDF-1.4 {kind}".encode(), "application/pdf")},
    )
    return t.ok(r, 201)


def test_visits_and_action_items(tenant: Tenant) -> None:
    t = tenant
    f = t.ok(t.post("/center/firms", firm_body()), 201)
    v = t.ok(
        t.post(
            f"/center/firms/{f['id']}/visits",
            {
                "visited_at": "2025-11-20T05:00:00Z",
                "attendees": "대표, 생산팀장",
                "notes": "재단 공정 부재 누락 월 12건; 판재 수율 미측정",
                "recommended_program": "SF-LEAD",
                "actions": [
                    {"text": "판재 사용량 1개월 기록", "owner": "생산팀장", "due_on": "2025-12-01"},
                    {"text": "견적 2곳 받기", "owner": "대표"},
                ],
            },
        ),
        201,
    )
    assert [a["text"] for a in v["actions"]] == ["판재 사용량 1개월 기록", "견적 2곳 받기"]
    t.ok(t.post(f"/center/actions/{v['actions'][0]['id']}/done"))
    visits = t.ok(t.get(f"/center/firms/{f['id']}/visits"))
    assert visits[0]["actions"][0]["done_at"] is not None and visits[0]["actions"][1]["done_at"] is None
    bad = t.post(
        f"/center/firms/{f['id']}/visits", {"visited_at": "2025-11-20T05:00:00Z", "recommended_program": "XX"}
    )
    assert bad.status_code == 422 and problem_fields(bad) == {"recommended_program"}


def test_application_workflow(tenant: Tenant, runtime: Runtime) -> None:
    t = tenant
    f = t.ok(t.post("/center/firms", firm_body()), 201)
    with runtime.transaction() as s:  # drafted inside the window
        app = applications.create_application(
            s,
            get_firm(s, t.company_id, f["id"]),
            ApplicationIn(program="SF-LEAD", year=2026, target_level="중간1"),
            "kim",
            IN_WINDOW,
        )
        app_id = str(app.id)
    a = t.ok(t.get(f"/center/applications/{app_id}"))
    assert a["status"] == "draft" and a["next"] == ["submitted", "withdrawn"]
    needed = catalogue.get_program(2026, "SF-LEAD").documents["draft"]
    assert a["missing_documents"] == needed

    # not without the documents of the draft stage, and not after the window closed
    r = t.post(f"/center/applications/{app_id}/transition", {"to": "submitted", "at": IN_WINDOW.isoformat()})
    assert r.status_code == 422 and problem_fields(r) == {"documents.draft"}
    for kind in needed:
        a = attach(t, app_id, kind)
    assert a["missing_documents"] == []
    r = t.post(f"/center/applications/{app_id}/transition", {"to": "submitted", "at": "2026-01-07T09:00:01Z"})
    assert r.status_code == 422 and problem_fields(r) == {"program.window"} and "closed" in r.text
    a = t.ok(
        t.post(f"/center/applications/{app_id}/transition", {"to": "submitted", "at": IN_WINDOW.isoformat()})
    )
    assert a["status"] == "submitted" and a["submitted_at"].startswith("2025-12-15")

    # illegal jumps are refused
    r = t.post(f"/center/applications/{app_id}/transition", {"to": "build"})
    assert r.status_code == 409
    selected_at = datetime(2026, 3, 2, tzinfo=UTC)
    a = t.ok(
        t.post(f"/center/applications/{app_id}/transition", {"to": "selected", "at": selected_at.isoformat()})
    )
    assert [(d["stage"], d["title"]) for d in a["deadlines"]] == [("agreement", "협약 체결")]
    a = t.ok(
        t.post(f"/center/applications/{app_id}/transition", {"to": "agreement", "at": "2026-03-10T00:00:00Z"})
    )
    assert a["deadlines"][0]["done_at"] is not None  # reaching the stage meets its deadline
    for kind in catalogue.get_program(2026, "SF-LEAD").documents["agreement"]:
        attach(t, app_id, kind)
    build_at = datetime(2026, 4, 1, tzinfo=UTC)
    a = t.ok(t.post(f"/center/applications/{app_id}/transition", {"to": "build", "at": build_at.isoformat()}))
    due = {d["stage"]: datetime.fromisoformat(d["due_at"]) for d in a["deadlines"] if d["done_at"] is None}
    assert (
        build_at + timedelta(days=130) < due["mid_check"] < build_at + timedelta(days=140)
    )  # half of 9 months
    assert build_at + timedelta(days=270) < due["completed"] < build_at + timedelta(days=278)

    # the mid-check needs the 4 mandatory build guidance visits
    r = t.post(f"/center/applications/{app_id}/transition", {"to": "mid_check"})
    assert r.status_code == 422 and problem_fields(r) == {"mentor_visits"} and "0 of 4" in r.text
    t.ok(
        t.put("/center/mentors", {"code": "M-1", "name": "박멘토", "expertise": ["MES"], "sigungu": "포천시"})
    )
    asg = t.ok(
        t.post(
            f"/center/firms/{f['id']}/mentors", {"mentor": "M-1", "stage": "build", "application_id": app_id}
        ),
        201,
    )
    for n in range(3):
        t.ok(
            t.post(
                f"/center/assignments/{asg['id']}/visits",
                {"visited_at": f"2026-0{5 + n}-10T01:00:00Z", "summary": f"구축지도 {n + 1}회"},
            ),
            201,
        )
    r = t.post(f"/center/applications/{app_id}/transition", {"to": "mid_check"})
    assert r.status_code == 422 and "3 of 4" in r.text
    t.ok(t.post(f"/center/assignments/{asg['id']}/visits", {"visited_at": "2026-08-10T01:00:00Z"}), 201)
    assert t.ok(t.get(f"/center/applications/{app_id}"))["build_visits"] == 4
    a = t.ok(t.post(f"/center/applications/{app_id}/transition", {"to": "mid_check"}))
    assert a["status"] == "mid_check"
    for kind in catalogue.get_program(2026, "SF-LEAD").documents["mid_check"]:
        attach(t, app_id, kind)
    t.ok(t.post(f"/center/applications/{app_id}/transition", {"to": "completed"}))
    for kind in catalogue.get_program(2026, "SF-LEAD").documents["completed"]:
        attach(t, app_id, kind)
    a = t.ok(t.post(f"/center/applications/{app_id}/transition", {"to": "aftercare"}))
    assert [h["to"] for h in a["history"]] == [
        "draft",
        "submitted",
        "selected",
        "agreement",
        "build",
        "mid_check",
        "completed",
        "aftercare",
    ]
    doc = a["documents"][0]
    body = t.client.get(f"/api/v1/center/applications/{app_id}/documents/{doc['id']}", headers=t.headers)
    assert body.content.startswith(b"%PDF") and len(body.content) == doc["size"]


def test_deadline_reminders_go_out_once(tenant: Tenant, runtime: Runtime) -> None:
    t = tenant
    f = t.ok(t.post("/center/firms", firm_body()), 201)
    with runtime.transaction() as s:
        app = applications.create_application(
            s,
            get_firm(s, t.company_id, f["id"]),
            ApplicationIn(program="DX-MENTOR", year=2026),
            "kim",
            datetime(2026, 2, 1, tzinfo=UTC),
        )
        app_id = str(app.id)
    t.ok(
        t.post(
            f"/center/applications/{app_id}/deadlines",
            {"stage": "draft", "title": "신청서 보완", "due_at": "2026-03-10T09:00:00Z", "remind_days": 3},
        ),
        201,
    )
    bad = t.post(
        f"/center/applications/{app_id}/deadlines",
        {"stage": "nowhere", "title": "x", "due_at": "2026-03-10T09:00:00Z"},
    )
    assert bad.status_code == 422 and problem_fields(bad) == {"stage"}
    assert t.ok(t.post("/center/reminders?at=2026-03-06T00:00:00Z")) == []
    due = t.ok(t.post("/center/reminders?at=2026-03-07T10:00:00Z"))
    assert [(d["application_id"], d["title"]) for d in due] == [(app_id, "신청서 보완")]
    assert t.ok(t.post("/center/reminders?at=2026-03-08T00:00:00Z")) == []
