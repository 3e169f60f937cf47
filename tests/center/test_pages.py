"""The center pages render in Korean for each role, with the access rules of the API: staff see every
firm, the firm user its own, the mentor the firms assigned to them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import unique

from jejo.center.demo import CENTER_USERS, PASSWORD, seed_center
from jejo.center.tables import Application, Diagnosis, Firm
from jejo.core.runtime import Runtime
from jejo.core.timeutil import utcnow


@pytest.fixture(scope="module")
def center(runtime: Runtime, app: Any) -> dict[str, Any]:
    code = unique("CTR")
    with runtime.transaction() as s:
        cid = seed_center(s, None, utcnow().date(), code=code)
        firms = {f.name: str(f.id) for f in s.scalars(select(Firm).where(Firm.company_id == cid))}
        diag = s.scalar(select(Diagnosis.id).where(Diagnosis.company_id == cid))
        apps = {
            a.program_code: str(a.id)
            for a in s.scalars(select(Application).where(Application.company_id == cid))
        }
    return {"code": code, "firms": firms, "diagnosis": str(diag), "apps": apps}


def as_user(client: TestClient, center: dict[str, Any], username: str) -> TestClient:
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"company": center["code"], "username": username, "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def test_staff_pages_render_in_korean(client: TestClient, center: dict[str, Any]) -> None:
    c = as_user(client, center, "consultant")
    demo = center["firms"]["한빛가구 주식회사 (데모)"]
    pages = {
        "/center/firms": ["기업", "나누리가구", "사업자등록번호", "엑셀"],
        f"/center/firms/{demo}": ["수준 진단", "지원 자격 확인", "사전 컨설팅"],
        f"/center/diagnoses/{center['diagnosis']}": ["역량 수준", "영역별 달성률", "radar-data", "해당 없음"],
        f"/center/firms/{demo}/eligibility?year=2026": ["자율형공장", "통과", "미충족", "출처"],
        "/center/programs": ["선도형", "레전드 50+", "제조DX멘토단", "접수 기간"],
        "/center/applications": ["신청", "선정"],
        f"/center/applications/{center['apps']['SF-LEAD']}": ["견적 비교", "북부스마트솔루션", "협약"],
        "/center/mentors": ["멘토", "박멘토 위원", "확정"],
        "/center/suppliers": ["공급기업", "FurniMES"],
    }
    for path, words in pages.items():
        r = c.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        for w in words:
            assert w in r.text, (path, w)
        title = r.text.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<" not in title and title.endswith("jejo 제조"), (path, title[:200])
        assert r.text.count('name="visited_at"') <= 1, path  # each form once, in the page's body


def test_firm_user_and_mentor_pages_follow_access(client: TestClient, center: dict[str, Any]) -> None:
    demo = center["firms"]["한빛가구 주식회사 (데모)"]
    other = center["firms"]["나누리가구"]
    c = as_user(client, center, "firm")
    r = c.get("/center/firms")
    assert "한빛가구" in r.text and "나누리가구" not in r.text
    assert c.get(f"/center/firms/{other}").status_code == 404
    assert c.get(f"/center/firms/{demo}").status_code == 200
    assert c.get("/center/mentors").status_code == 403
    c = as_user(client, center, "mentor")
    r = c.get("/center/firms")
    assert "한빛가구" in r.text and "나누리가구" not in r.text  # only the confirmed assignment
    assert c.get(f"/center/firms/{other}").status_code == 404
    assert "박멘토 위원" in c.get("/center/mentors").text


def test_page_actions_need_htmx_and_report_problems(client: TestClient, center: dict[str, Any]) -> None:
    c = as_user(client, center, "consultant")
    assert c.post("/center/firms", data={"name": "x"}).status_code == 403  # not from the page itself
    r = c.post(
        "/center/firms",
        data={"business_number": "124-81-00997", "name": "틀린가구", "sigungu": "포천시", "ksic_code": "C99"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422 and "business_number" in r.text and "ksic_code" in r.text
    assert {u for u, _n, _r in CENTER_USERS} == {"center", "consultant", "mentor", "firm"}


def test_plant_admin_is_told_where_the_center_lives(client: TestClient, runtime: Runtime) -> None:
    from tests.conftest import Tenant

    plant = Tenant(runtime, client)  # a factory's company: its admin may open the center pages
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"company": plant.code, "username": "admin", "password": plant.password},
        follow_redirects=False,
    )
    assert r.status_code == 303
    html = client.get("/center/firms").text
    assert "이 회사는 혁신센터가 아니라 공장입니다." in html and 'class="empty"' not in html
    assert "기업 등록" in html  # its admin could still start a center here


def test_page_forms_record_visits_and_refuse_a_closed_window(
    client: TestClient, center: dict[str, Any]
) -> None:
    hx = {"HX-Request": "true"}
    firm = center["firms"]["파주목공"]
    c = as_user(client, center, "consultant")
    r = c.post(
        f"/center/firms/{firm}/visits",
        data={
            "visited_at": "2026-11-20T14:00",
            "attendees": "대표",
            "notes": "창호 가공 라인 실사",
            "actions": "견적 요청\n도면 정리",
        },
        headers=hx,
    )
    assert r.status_code == 204 and r.headers["HX-Redirect"] == f"/center/firms/{firm}"
    page = c.get(f"/center/firms/{firm}").text
    assert "창호 가공 라인 실사" in page and "2026-11-20 14:00" in page and "도면 정리" in page
    bad = c.post(f"/center/firms/{firm}/visits", data={"visited_at": "언젠가"}, headers=hx)
    assert bad.status_code == 422 and "visited_at" in bad.text
    # 정부일반형's 1st round closed on 2026-01-07: a clear error naming the field
    r = c.post(f"/center/firms/{firm}/applications", data={"program": "SF-LEAD", "year": "2026"}, headers=hx)
    assert r.status_code == 422 and "program.window" in r.text and "2026-01-07" in r.text

    # the mentor logs a visit on their own assignment from the mentors page
    m = as_user(client, center, "mentor")
    html = m.get("/center/mentors").text
    import re

    ids = re.findall(r'hx-post="/center/assignments/([0-9a-f-]+)/visits"', html)
    assert ids
    r = m.post(
        f"/center/assignments/{ids[0]}/visits",
        data={"visited_at": "2026-11-24T10:00", "mode": "onsite", "summary": "보링 공정 지도"},
        headers=hx,
    )
    assert r.status_code == 204
    assert "보링 공정 지도" in m.get("/center/mentors").text
