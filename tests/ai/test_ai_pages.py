"""The AI pages over HTTP: login, Korean pages, htmx-only actions, permissions, tenant isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.ai.test_registry_findings_playbooks import register_fitted
from tests.conftest import Tenant
from tests.web.helpers import PASSWORD, add_user, web_login

from jejo.ai import findings as fd
from jejo.core.runtime import Runtime

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
