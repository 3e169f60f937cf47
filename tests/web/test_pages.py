"""The web pages through FastAPI's TestClient: login, Korean/English, lists, tenant isolation, actions."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.helpers import Plant, make_plant

from jejo.core.runtime import Runtime
from jejo.masterdata.service import KINDS

HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def plant(runtime: Runtime, app: object) -> Plant:
    with TestClient(app) as c:  # type: ignore[arg-type]
        return make_plant(
            runtime, c, {"WO-RUN": "release", "WO-A": "", "WO-B": "release", "WO-REL": "", "WO-OP": ""}
        )


@pytest.mark.parametrize("path", ["/", "/work-orders", "/work-orders/WO-1", "/masterdata/items"])
def test_pages_need_a_login(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")
    if path != "/":
        assert "next=" in r.headers["location"]


def test_htmx_request_without_session_gets_a_full_page_redirect(client: TestClient) -> None:
    r = client.get("/work-orders", headers=HX, follow_redirects=False)
    assert r.status_code == 401
    assert r.headers["HX-Redirect"].startswith("/login")


def test_login_page_is_korean_first(client: TestClient) -> None:
    r = client.get("/login")
    assert r.status_code == 200
    assert '<html lang="ko">' in r.text
    for label in ("회사 코드", "사용자 ID", "비밀번호", "로그인"):
        assert label in r.text


def test_wrong_password_shows_the_form_again(client: TestClient, plant: Plant) -> None:
    r = client.post("/login", data={"company": plant.a.code, "username": "admin", "password": "nope-nope"})
    assert r.status_code == 401
    assert "비밀번호가 맞지 않습니다" in r.text
    assert "jejo_session" not in client.cookies


def test_login_sets_the_session_cookie_and_goes_to_next(client: TestClient, plant: Plant) -> None:
    r = client.post(
        "/login",
        data={
            "company": plant.a.code,
            "username": "admin",
            "password": plant.a.password,
            "next": "/work-orders",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/work-orders"
    cookie = r.headers["set-cookie"]
    assert "jejo_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    page = client.get("/")
    assert page.status_code == 200
    assert "대시보드" in page.text and "관리자" in page.text
    assert "상태별 작업지시" in page.text
    # the same cookie works as the API's session
    assert client.get("/api/v1/auth/me").json()["name"] == "admin"
    # logout clears it
    client.post("/logout", follow_redirects=False)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_never_redirects_off_site(client: TestClient, plant: Plant) -> None:
    r = client.post(
        "/login",
        data={
            "company": plant.b.code,
            "username": "admin",
            "password": plant.b.password,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_dashboard_counts_work_orders_by_status(client: TestClient, plant: Plant) -> None:
    r = plant.use(client).get("/")
    assert re.search(
        r'status-released" href="/work-orders\?status=released">\s*<span class="tile-value">\d+</span>',
        r.text,
    )
    assert "/static/vendor/echarts.min.js" in r.text
    assert "PC-SAW-01" in r.text and "가동" in r.text  # machine states


def test_work_order_in_progress_shows_quantities_and_event_details(client: TestClient, plant: Plant) -> None:
    r = plant.use(client).get("/work-orders/WO-RUN")
    assert "진행 중" in r.text and "실적 보고" in r.text and "공정 시작" in r.text
    assert (
        "양품: <b>5</b>" in r.text
        and "사유: <b>SCR-CHIP</b>" in r.text
        and "설비: <b>PC-SAW-01</b>" in r.text
    )
    assert 'data-command="hold"' in r.text and 'data-command="release"' not in r.text


def test_masterdata_lists_render_korean_labels(client: TestClient, plant: Plant) -> None:
    plant.use(client)
    items = client.get("/masterdata/items")
    assert items.status_code == 200
    for text in ("품목", "코드", "이름", "하부장 600", "원자재", "반제품", "완제품"):
        assert text in items.text
    for kind in [*KINDS, "boms", "routings"]:
        r = client.get(f"/masterdata/{kind.replace('_', '-')}")
        assert r.status_code == 200, kind
    assert "PANEL-SIDE × 2" in client.get("/masterdata/boms").text
    assert "10 재단 (WC-SAW) → 20 엣지" in client.get("/masterdata/routings").text
    assert client.get("/masterdata/nothing").status_code == 404


def test_masterdata_search_returns_the_table_fragment(client: TestClient, plant: Plant) -> None:
    plant.use(client)
    r = client.get("/masterdata/items", params={"q": "엣지"}, headers=HX)
    assert r.status_code == 200
    assert "<html" not in r.text  # a fragment for htmx
    assert "EDGE-1" in r.text and "CAB-600" not in r.text
    assert "총 1건" in r.text
    assert "맞는 자료가 없습니다" in client.get("/masterdata/items", params={"q": "zzz"}, headers=HX).text


def test_work_order_list_filters_by_status(client: TestClient, plant: Plant) -> None:
    plant.use(client)
    page = client.get("/work-orders")
    assert "WO-A" in page.text and "WO-B" in page.text and "2026-12-15 (화)" in page.text
    released = client.get("/work-orders", params={"status": "released"}, headers=HX)
    assert "WO-B" in released.text and "WO-A" not in released.text and "지시됨" in released.text


def test_work_order_page_shows_operations_materials_and_timeline(client: TestClient, plant: Plant) -> None:
    r = plant.use(client).get("/work-orders/WO-A")
    assert r.status_code == 200
    for text in (
        "재단",
        "엣지",
        "조립",
        "WC-SAW",
        "PANEL-SIDE",
        "소요 자재",
        "이벤트 이력",
        "작업지시 생성",
        "계획",
    ):
        assert text in r.text
    # event times are stored in UTC and shown in Korea time, to the second
    assert re.search(r'<time datetime="[^"]+\+00:00">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</time>', r.text)
    assert 'data-command="release"' in r.text and 'data-command="close"' not in r.text


def test_release_via_htmx_and_conflict_message(client: TestClient, plant: Plant) -> None:
    plant.use(client)
    r = client.post("/work-orders/WO-REL/actions/release", headers=HX)
    assert r.status_code == 200
    assert "처리했습니다" in r.text and "작업지시 발행" in r.text and "지시됨" in r.text
    again = client.post("/work-orders/WO-REL/actions/release", headers=HX)
    assert again.status_code == 409
    assert "처리할 수 없습니다" in again.text and "‘지시됨’ 상태" in again.text
    assert client.post("/work-orders/WO-REL/actions/explode", headers=HX).status_code == 422
    # without the htmx header (as from a cross-site form) nothing happens
    assert client.post("/work-orders/WO-REL/actions/hold").status_code == 403
    assert plant.a.ok(plant.a.get("/work-orders/WO-REL"))["status"] == "released"


def test_operators_see_no_buttons_and_cannot_command(client: TestClient, plant: Plant) -> None:
    plant.use(client, "a.op1")
    assert "data-command=" not in client.get("/work-orders/WO-OP").text
    r = client.post("/work-orders/WO-OP/actions/release", headers=HX)
    assert r.status_code == 403 and "권한이 없습니다" in r.text


def test_company_b_cannot_open_company_a_work_order(client: TestClient, plant: Plant) -> None:
    plant.use(client, "b.admin")
    assert client.get("/work-orders/WO-OP").status_code == 404
    assert client.post("/work-orders/WO-OP/actions/release", headers=HX).status_code == 404
    assert "WO-OP" not in client.get("/work-orders").text
    assert "하부장 600" not in client.get("/masterdata/items").text
    assert plant.a.ok(plant.a.get("/work-orders/WO-OP"))["status"] == "planned"


def test_english_switch_is_remembered(client: TestClient, plant: Plant) -> None:
    plant.use(client)
    r = client.get("/work-orders?lang=en")
    assert '<html lang="en">' in r.text and "Work orders" in r.text and "Planned" in r.text
    assert "jejo_lang=en" in r.headers["set-cookie"]
    assert "Due date" in client.get("/work-orders").text  # the cookie keeps English
    assert "작업지시" in client.get("/work-orders?lang=ko").text


def test_users_own_locale_is_the_default(client: TestClient, plant: Plant) -> None:
    assert "Dashboard" in plant.use(client, "a.eng1").get("/").text


def test_api_errors_stay_problem_details(client: TestClient) -> None:
    r = client.get("/api/v1/work-orders/none")
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


def test_missing_vendor_assets_are_reported_clearly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from jejo.web.app import check_vendor_assets

    with caplog.at_level(logging.ERROR, logger="jejo.web"):
        assert check_vendor_assets(tmp_path) is False
    assert "scripts/build-web-assets.sh" in caplog.text and "htmx.min.js" in caplog.text


def test_static_files_are_served(client: TestClient) -> None:
    r = client.get("/static/css/jejo.css")
    assert r.status_code == 200 and "Noto Sans KR" in r.text


def test_lists_page_through_their_rows(
    client: TestClient, plant: Plant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jejo.web.routes import masterdata, work_orders

    monkeypatch.setattr(masterdata, "PAGE_SIZE", 3)
    monkeypatch.setattr(work_orders, "PAGE_SIZE", 2)
    plant.use(client)
    first = client.get("/masterdata/items")
    assert "1 / 2 쪽" in first.text and 'href="/masterdata/items?page=2"' in first.text
    second = client.get("/masterdata/items", params={"page": 2}, headers=HX)
    assert "2 / 2 쪽" in second.text and second.text.count("<tr>") == 2  # heading + the 4th item
    assert "이전" in second.text and "다음" not in second.text
    wo = client.get("/work-orders", params={"q": "WO-", "page": 2}, headers=HX)  # 5 orders, 2 a page
    assert (
        'href="/work-orders?q=WO-&amp;page=1"' in wo.text
        and 'href="/work-orders?q=WO-&amp;page=3"' in wo.text
    )
