"""The operator terminal, the line board and the work-order sheet through FastAPI's TestClient."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.helpers import Plant, make_plant
from tests.web.test_i18n import page_messages

from jejo.core import i18n
from jejo.core.runtime import Runtime
from jejo.execution.tables import Event, MachineState

XRW = {"X-Requested-With": "jejo-terminal"}
TERMINAL_TEMPLATES = ("terminal/",)


@pytest.fixture(scope="module")
def plant(runtime: Runtime, app: object) -> Plant:
    with TestClient(app) as c:  # type: ignore[arg-type]
        return make_plant(runtime, c, {"WO-T1": "release", "WO-T2": "release", "WO-T3": ""})


def events_of(runtime: Runtime, company_id: int, key: str) -> list[Event]:
    with runtime.transaction() as s:
        return list(
            s.scalars(select(Event).where(Event.company_id == company_id, Event.idempotency_key == key))
        )


def test_terminal_lists_work_centers_and_the_queue(client: TestClient, plant: Plant) -> None:
    c = plant.use(client, "a.op1")
    r = c.get("/terminal")
    assert r.status_code == 200
    assert "작업자 단말기" in r.text and "/terminal/WC-SAW" in r.text
    r = c.get("/terminal/WC-SAW")
    assert r.status_code == 200, r.text
    # released orders wait at the saw; the planned one (WO-T3) does not
    assert 'data-wo="WO-T1"' in r.text and 'data-wo="WO-T2"' in r.text and 'data-wo="WO-T3"' not in r.text
    assert 'id="op-panel"' in r.text and "양품 보고" in r.text and "SCR-CHIP" in r.text
    assert (
        'data-status="running"' in r.text
    )  # WO-T1 op 10 was started by the plant fixture: first in the queue
    body = c.get("/terminal/WC-SAW/body", params={"wo": "WO-T2", "seq": 10})
    assert body.status_code == 200 and 'data-wo="WO-T2" data-seq="10"' in body.text
    assert "<html" not in body.text
    assert c.get("/terminal/NOPE").status_code == 404


def test_terminal_speaks_vietnamese_and_english(client: TestClient, plant: Plant) -> None:
    c = plant.use(client, "a.op1")
    vi = c.get("/terminal/WC-SAW", params={"lang": "vi"})
    assert vi.status_code == 200 and 'lang="vi"' in vi.text
    assert "Báo hàng đạt" in vi.text and "Máy trạm công nhân" in vi.text
    assert vi.cookies.get("jejo_lang") == "vi"
    en = c.get("/terminal/WC-SAW", params={"lang": "en"})
    assert "Report good" in en.text


def test_every_terminal_string_has_a_vietnamese_translation() -> None:
    vi = i18n.load_catalogue(i18n.CATALOGUE_DIR / "vi" / "LC_MESSAGES" / "messages.po", "vi")
    from babel.messages.extract import extract_from_dir

    web = Path(i18n.__file__).resolve().parent.parent / "web"
    found = extract_from_dir(
        str(web / "templates" / "terminal"),
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
    )
    wanted = {m if isinstance(m, str) else m[0] for _f, _l, m, _c, _x in found}
    wanted |= {"Pending", "Running", "Paused", "Completed", "Down", "Idle", "Setup"}
    assert len(wanted) > 40 and wanted - {"Down", "Idle", "Setup"} <= page_messages()
    missing = sorted(m for m in wanted if m not in vi.messages)
    assert not missing, f"add Vietnamese translations to vi/messages.po: {missing}"


def test_users_may_choose_vietnamese(client: TestClient, plant: Plant) -> None:
    name = f"vi{uuid.uuid4().hex[:6]}"
    user = {
        "username": name,
        "password": "floor-pass-1",
        "roles": ["operator"],
        "display_name": "Nguyen",
        "locale": "vi",
    }
    r = client.post("/api/v1/users", json=user, headers=plant.a.headers)
    assert r.status_code == 201, r.text
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"company": plant.a.code, "username": name, "password": "floor-pass-1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Báo hàng đạt" in client.get("/terminal/WC-SAW").text


def test_cookie_writes_need_the_custom_header(client: TestClient, plant: Plant) -> None:
    """CSRF: a cross-site form carries the cookie but cannot send X-Requested-With."""
    c = plant.use(client, "a.op1")
    key = f"term-{uuid.uuid4()}"
    ev = {
        "type": "quantity.reported",
        "work_order": "WO-T1",
        "payload": {"seq": 10, "good": 2, "equipment": "PC-SAW-01"},
        "idempotency_key": key,
    }
    assert c.post("/api/v1/events", json=ev).status_code == 403
    assert not events_of(c.app.state.runtime, plant.a.company_id, key)  # type: ignore[attr-defined]
    first = c.post("/api/v1/events", json=ev, headers=XRW)
    assert first.status_code == 201, first.text
    again = c.post("/api/v1/events", json=ev, headers=XRW)  # the retry after a lost answer
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert (
        c.post(
            "/api/v1/events", json={**ev, "idempotency_key": key + "x"}, headers={"HX-Request": "true"}
        ).status_code
        == 201
    )
    assert len(events_of(c.app.state.runtime, plant.a.company_id, key)) == 1  # type: ignore[attr-defined]
    # reads with the cookie need no header; bearer tokens need none either
    assert c.get("/api/v1/machines/state").status_code == 200


def test_a_stop_gets_its_reason_and_keeps_its_start(
    client: TestClient, runtime: Runtime, plant: Plant
) -> None:
    c = plant.use(client, "a.op1")
    stop = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=7)
    stopped = {
        "type": "machine.state_changed",
        "occurred_at": stop.isoformat(),
        "payload": {"equipment": "EB-01", "state": "down"},
    }
    assert client.post("/api/v1/events", json=stopped, headers=plant.a.headers).status_code == 201
    page = c.get("/terminal/WC-EDGE").text
    assert "설비 정지" in page and 'data-reason="DT-BREAK"' in page
    since = page.split('data-since="', 1)[1].split('"', 1)[0]
    assert datetime.fromisoformat(since) == stop
    r = c.post(
        "/api/v1/events",
        json={
            "type": "machine.state_changed",
            "occurred_at": since,
            "payload": {"equipment": "EB-01", "state": "down", "reason_code": "DT-BREAK"},
            "idempotency_key": str(uuid.uuid4()),
        },
        headers=XRW,
    )
    assert r.status_code == 201, r.text
    with runtime.transaction() as s:
        m = s.get(MachineState, (plant.a.company_id, "EB-01"))
        assert m is not None and m.state == "down" and m.reason_code == "DT-BREAK"
        assert m.since.replace(tzinfo=UTC) == stop  # the stop still started when the machine said so


def test_documents_of_an_operation(client: TestClient, runtime: Runtime, plant: Plant) -> None:
    folder = runtime.settings.data_dir / "documents" / plant.a.code / "CAB-600" / "10"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "작업표준.txt").write_text("1. 판재 방향 확인\n2. 톱날 점검", encoding="utf-8")
    (folder / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    c = plant.use(client, "a.op1")
    page = c.get("/terminal/WC-SAW", params={"wo": "WO-T2", "seq": 10}).text
    assert "판재 방향 확인" in page and "/terminal/documents/CAB-600/10/drawing.svg" in page
    r = c.get("/terminal/documents/CAB-600/10/drawing.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg")
    assert c.get("/terminal/documents/CAB-600/10/..%2F..%2Fsecret.txt").status_code == 404
    other = plant.use(client, "b.admin")
    assert other.get("/terminal/documents/CAB-600/10/drawing.svg").status_code == 404


def test_board_page_and_stream(client: TestClient, plant: Plant) -> None:
    c = plant.use(client, "a.op1")
    r = c.get("/board")
    assert r.status_code == 200 and "라인 현황판" in r.text and 'data-equipment="PC-SAW-01"' in r.text
    assert "EventSource" not in r.text and "/static/js/board.js" in r.text
    kiosk = c.get("/board", params={"kiosk": 1})
    assert 'class="topbar"' not in kiosk.text
    with c.stream("GET", "/board/stream", params={"once": 1}) as s:
        assert s.headers["content-type"].startswith("text/event-stream")
        text = "".join(s.iter_text())
    data = json.loads(text.split("data: ", 1)[1].split("\n\n", 1)[0])
    assert 'data-equipment="PC-SAW-01"' in data["html"] and "WO-T1" in data["html"]  # the job on the saw
    assert plant.use(client, "b.admin").get("/board").text.count("data-equipment=") == 0


def test_board_needs_a_login(client: TestClient) -> None:
    client.cookies.clear()
    assert client.get("/board", follow_redirects=False).status_code == 303
    assert client.get("/board/stream", follow_redirects=False).status_code == 303


def test_work_order_sheet_pdf(client: TestClient, plant: Plant, tmp_path: Path) -> None:
    c = plant.use(client, "a.admin")
    html = c.get("/work-orders/WO-T1/sheet")
    assert html.status_code == 200 and "작업지시서" in html.text and "data:image/svg+xml;base64" in html.text
    r = c.get("/work-orders/WO-T1/sheet.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert plant.use(client, "b.admin").get("/work-orders/WO-T1/sheet.pdf").status_code == 404
    out = Path(__file__).resolve().parents[2] / "out" / "web"
    out.mkdir(parents=True, exist_ok=True)
    (out / "work-order-sheet.pdf").write_bytes(r.content)
    if shutil.which("pdftoppm"):  # look at out/web/work-order-sheet-1.png after changing the sheet
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                str(out / "work-order-sheet.pdf"),
                str(out / "work-order-sheet"),
            ],
            check=True,
            timeout=60,
        )
        assert any(out.glob("work-order-sheet*.png"))
