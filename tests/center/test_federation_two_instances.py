"""Two jejo instances, two databases: the center runs as a real ``jejo serve`` process on its own SQLite
file; the firm (the demo factory) is this test process with the test database. The firm measures its
results, chooses a consent per indicator and pushes over HTTP with the center's signed token; the push
is retried while the center is down and is idempotent. What the firm kept private never goes on the wire
(every request body is recorded) and never reaches the center; the results-day booklet shows what was
published and leaves out the rest."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.center.results_helpers import RecordingTransport, firm_body, history_span, seed_demo
from tests.ports import free_port

from jejo.center import results
from jejo.center.indicators import measure

OUT = Path(__file__).resolve().parents[2] / "out" / "center"
JEJO = Path(sys.executable).parent / "jejo"
PASSWORD = "center-pass-1"


class CenterProcess:
    """``jejo serve`` for the center, with its own database file and secret key."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "JEJO_DATABASE_URL": f"sqlite:///{folder / 'center.db'}",
            "JEJO_DATA_DIR": str(folder),
            "JEJO_SECRET_KEY": "center-instance-secret-key",
        }
        self.env.pop("JEJO_CONFIG", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "center.log"

    def jejo(self, *args: str) -> None:
        subprocess.run([str(JEJO), *args], env=self.env, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(JEJO), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
            assert self.proc.poll() is None, self.log.read_text()
        raise RuntimeError("the center did not start: " + self.log.read_text()[-2000:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CenterProcess]:
    c = CenterProcess(tmp_path_factory.mktemp("center"))
    c.jejo("db", "upgrade")
    c.jejo(
        "user",
        "add",
        "consultant",
        "--company",
        "GN-CENTER",
        "--company-name",
        "경기북부스마트제조혁신센터",
        "--roles",
        "consultant",
        "--password",
        PASSWORD,
    )
    c.start()
    yield c
    c.stop()


class Api:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url + "/api/v1", timeout=30)
        r = self.http.post(
            "/auth/login", json={"company": "GN-CENTER", "username": "consultant", "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def ok(self, r: httpx.Response, status: int = 200) -> Any:
        assert r.status_code == status, f"{r.status_code}: {r.text}"
        return r.json()


def test_consented_results_travel_to_the_center_and_only_those(runtime: Any, center: CenterProcess) -> None:
    demo = seed_demo(runtime)
    api = Api(center.url)
    # the center's firm records: the demo factory and three more furniture makers, one elsewhere
    hanbit = api.ok(api.http.post("/center/firms", json=firm_body("한빛가구 주식회사")), 201)["id"]
    others = [
        api.ok(api.http.post("/center/firms", json=firm_body(name, sigungu)), 201)["id"]
        for name, sigungu in (
            ("나무마루가구", "포천시"),
            ("솔숲퍼니처", "포천시"),
            ("연천목공", "연천군"),
            ("비공개가구", "포천시"),
        )
    ]
    link = api.ok(
        api.http.post("/center/federation/links", json={"firm": hanbit, "label": "한빛가구 jejo"}), 201
    )
    assert link["token"].startswith("jejofed_")

    # the firm's instance: a project with a baseline (first days) and an after period (last days)
    start, end = history_span(runtime, demo)
    mid = start + (end - start) / 2
    mid = mid.replace(hour=0, minute=0, second=0, microsecond=0)
    with runtime.transaction() as s:
        p = results.create_project(
            s,
            demo,
            code="SF-2026-01",
            title="2026 선도형 스마트공장",
            program="SF-LEAD",
            year=2026,
            before_from=start,
            before_to=mid,
            after_from=mid,
            after_to=end,
            center_url=center.url,
            center_token=link["token"],
            case_study=True,
        )
        results.measure_project(s, p)
        results.set_value(s, p, "employment", 22, 25)  # typed in: self-reported
        results.set_value(s, p, "safety", 3, 1)
        for key, consent in (
            ("uph", "public"),
            ("defect_rate", "public"),
            ("employment", "public"),
            ("lead_time", "center"),
            ("on_time_delivery", "private"),
            ("sales", "private"),
            ("safety", "private"),
        ):
            results.set_consent(s, p, key, consent)
        values = {v.indicator: v for v in p.values}
        before = measure(s, demo, start, mid)
        assert values["uph"].before == pytest.approx(before["uph"].value)
        private = {k: (values[k].before, values[k].after) for k in ("on_time_delivery", "safety")}
        assert values["on_time_delivery"].before is not None
        queued = results.queue_push(s, p).push_id

    recorder = RecordingTransport()
    with httpx.Client(transport=recorder, timeout=5) as client:
        # the center is down: three tries with back-off, the push stays queued
        center.stop()
        waits: list[float] = []
        with runtime.transaction() as s:
            out = results.deliver(s, demo, client, tries=3, backoff_s=0.2, sleep=waits.append)
        assert out == {"sent": [], "failed": [queued]} and waits == [0.2, 0.4]
        with runtime.transaction() as s:
            box = results.outbox(s, demo)
        assert (
            box[-1]["status"] == "pending" and box[-1]["attempts"] == 3 and "Connect" in box[-1]["last_error"]
        )

        center.start()  # back: the same push goes through
        with runtime.transaction() as s:
            out = results.deliver(s, demo, client)
        assert out["sent"] == [queued]
        # delivered twice (the answer was lost, say): the center takes it once
        sent_body = recorder.bodies()[-1]
        again = client.post(
            center.url + results.PUSH_PATH,
            json=sent_body,
            headers={"Authorization": f"Bearer {link['token']}"},
        )
        assert again.status_code == 200 and again.json()["duplicate"] is True
        # a forged token is refused
        forged = client.post(
            center.url + results.PUSH_PATH,
            json=sent_body | {"push_id": "x" * 20},
            headers={"Authorization": "Bearer " + link["token"][:-3] + "abc"},
        )
        assert forged.status_code == 401
    recorder.close()

    # on the wire: no private indicator, no private value, in any request the firm sent
    bodies = recorder.bodies()
    assert len(bodies) >= 3
    for body in bodies:
        sent = {i["indicator"]: i for i in body["indicators"]}
        assert set(sent) == {"uph", "defect_rate", "employment", "lead_time"}
        assert all(i["consent"] in ("center", "public") for i in body["indicators"])
    raw = b"".join(b for _m, _u, b in recorder.sent)
    for body in bodies:
        numbers = {i[k] for i in body["indicators"] for k in ("before", "after")}
        assert not numbers & {x for pair in private.values() for x in pair if x is not None}
    assert b"on_time_delivery" not in raw and b"safety" not in raw and b"sales" not in raw

    # what the center holds for the firm
    held = {r["indicator"]: r for r in api.ok(api.http.get(f"/center/results/firms/{hanbit}"))}
    assert set(held) == {"uph", "defect_rate", "employment", "lead_time"}
    assert held["uph"]["source"] == "measured" and held["employment"]["source"] == "self_reported"
    assert held["uph"]["before"] == pytest.approx(values_before_uph(runtime, demo, start, mid))
    assert held["defect_rate"]["change_pp"] == pytest.approx(
        held["defect_rate"]["after"] - held["defect_rate"]["before"]
    )
    assert held["employment"]["improvement_pct"] == pytest.approx((25 - 22) / 22 * 100)

    # three more firms report on paper (typed in at the center): two public, one for the center only
    for fid, uph, dr, consent in (
        (others[0], (10, 12), (3.0, 2.0), "public"),
        (others[1], (8, 10), (4.0, 3.0), "public"),
        (others[2], (5, 6), (5.0, 4.5), "public"),
        (others[3], (9, 18), (6.0, 1.0), "center"),
    ):
        for key, (b, a) in (("uph", uph), ("defect_rate", dr)):
            api.ok(
                api.http.put(
                    f"/center/results/{fid}/P-2025/{key}",
                    json={"year": 2026, "before": b, "after": a, "consent": consent, "program": "SF-LEAD"},
                )
            )

    day = api.ok(api.http.get("/center/results-day"))
    by_sigungu = {(i["group"], i["indicator"]): i for i in day["by"]["sigungu"]}
    assert by_sigungu[("포천시", "uph")]["firms"] == 3 and not by_sigungu[("포천시", "uph")]["suppressed"]
    assert by_sigungu[("연천군", "uph")]["suppressed"] and "median_pct" not in by_sigungu[("연천군", "uph")]
    assert not any(i["indicator"] == "lead_time" for i in day["overall"])  # shared with the center only
    assert [c["firm"] for c in day["cases"]] == ["한빛가구 주식회사"]
    internal = api.ok(api.http.get("/center/results-day", params={"internal": True}))
    assert internal["firms"] == 5 and day["firms"] == 4

    # the booklet: the published figures and the case page, nothing that was not consented
    r = api.http.get("/center/results-day/booklet.pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    OUT.mkdir(parents=True, exist_ok=True)
    pdf = OUT / "booklet.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "성과공유회" in text and "우수사례 — 한빛가구 주식회사" in text
    assert "비공개가구" not in text and "제조리드타임" not in text and "납기준수율" not in text
    assert "산업재해" not in text
    assert "공개하지 않음" in text  # 연천군: fewer than three firms
    median_uph = next(i for i in day["overall"] if i["indicator"] == "uph")["median_pct"]
    assert f"{median_uph:+.1f}%" in text
    for old in OUT.glob("booklet-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(OUT / "booklet")], check=True, timeout=120)
    assert len(list(OUT.glob("booklet-*.png"))) >= 3

    # the workbook: same figures; the data sheet is anonymised
    from openpyxl import load_workbook

    r = api.http.get("/center/results-day/workbook.xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:2] == ["요약", "지원사업별"] and "익명 자료" in wb.sheetnames
    anon = [row for row in wb["익명 자료"].iter_rows(values_only=True)][1:]
    assert anon and {str(r[0]).split()[0] for r in anon} == {"기업"}
    cells = " ".join(
        str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None
    )
    assert (
        "비공개가구" not in cells and "나무마루가구" not in cells and "한빛가구" in cells
    )  # only its case sheet

    # usage: the demo factory's jejo is in use; a linked firm that never pushed shows as unused
    api.ok(api.http.post("/center/federation/links", json={"firm": others[0]}), 201)
    usage = {u["firm"]: u for u in api.ok(api.http.get("/center/usage"))}
    assert usage["한빛가구 주식회사"]["records_30d"] > 0 and usage["한빛가구 주식회사"]["unused"] is False
    assert usage["한빛가구 주식회사"]["modules_30d"]
    assert usage.get("나무마루가구", {}).get("unused") is True, usage

    # a plan drafted at the center from the baselines the firm shared (private ones stay empty)
    plan = api.ok(
        api.http.post(
            "/center/plans",
            json={"firm": hanbit, "code": "PLAN-FED", "kpis": ["uph", "lead_time", "on_time_delivery"]},
        ),
        201,
    )
    kp = {k["key"]: k for k in plan["kpis"]}
    assert kp["uph"]["baseline"] == pytest.approx(held["uph"]["before"]) and kp["uph"]["source"] == "measured"
    assert kp["lead_time"]["baseline"] == pytest.approx(held["lead_time"]["before"])
    assert kp["on_time_delivery"]["baseline"] is None and kp["on_time_delivery"]["source"] == "self_reported"

    # the firm withdraws a consent: the next push removes that indicator at the center
    with runtime.transaction() as s:
        p = results.get_project(s, demo, "SF-2026-01")
        results.set_consent(s, p, "lead_time", "private")
    # this push goes from another process: the firm's cron job, `jejo results push`, on the firm's database
    env = {
        **os.environ,
        "JEJO_DATABASE_URL": runtime.settings.database_url,
        "JEJO_DATA_DIR": str(runtime.settings.data_dir),
        "JEJO_SECRET_KEY": "test-secret-key",
    }
    env.pop("JEJO_CONFIG", None)
    run = subprocess.run(
        [
            str(JEJO),
            "results",
            "push",
            "--company",
            "DEMO",
            "--project",
            "SF-2026-01",
            "--no-measure",
            "--json",
        ],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr.decode()
    pushed = json.loads(run.stdout)
    assert pushed["failed"] == [] and len(pushed["sent"]) == 1 and pushed["pending"] == 0
    held = {r["indicator"] for r in api.ok(api.http.get(f"/center/results/firms/{hanbit}"))}
    assert held == {"uph", "defect_rate", "employment"}


def values_before_uph(runtime: Any, demo: int, start: Any, end: Any) -> float:
    with runtime.transaction() as s:
        v = measure(s, demo, start, end)["uph"].value
    assert v is not None
    return v


def test_a_push_with_a_private_value_is_refused(runtime: Any, center: CenterProcess) -> None:
    api = Api(center.url)
    fid = api.ok(api.http.post("/center/firms", json=firm_body("검증가구")), 201)["id"]
    token = api.ok(api.http.post("/center/federation/links", json={"firm": fid}), 201)["token"]
    body = {
        "push_id": "p" * 16,
        "project": {"code": "X", "year": 2026},
        "indicators": [
            {"indicator": "uph", "before": 1.0, "after": 2.0, "source": "measured", "consent": "private"}
        ],
    }
    r = httpx.post(center.url + results.PUSH_PATH, json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "indicators.consent"
    assert api.ok(api.http.get(f"/center/results/firms/{fid}")) == []
