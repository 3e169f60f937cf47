"""A consultant drafts a business plan whose KPI baselines are the demo factory's measured data, edits it,
and exports it to HWPX, DOCX and PDF; each export is opened again (python-hwpx, LibreOffice, pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.center.results_helpers import firm_body, history_span, seed_demo
from tests.conftest import Tenant

from jejo.center import plan_export
from jejo.core.timeutil import as_utc
from jejo.kpi import pqcd, service
from jejo.kpi.timeelements import Period

OUT = Path(__file__).resolve().parents[2] / "out" / "center"


@pytest.fixture(scope="module")
def demo(runtime: Any) -> int:
    return seed_demo(runtime)


def _center(runtime: Any, client: Any) -> tuple[Tenant, str]:
    t = Tenant(runtime, client)
    firm = t.ok(t.post("/center/firms", firm_body("한빛가구 주식회사", plant="DEMO")), 201)
    return t, str(firm["id"])


def test_plan_baselines_are_the_demo_factorys_measured_kpis(runtime: Any, client: Any, demo: int) -> None:
    t, firm = _center(runtime, client)
    start, end = history_span(runtime, demo)
    plan = t.ok(
        t.post(
            "/center/plans",
            {
                "firm": firm,
                "code": "PLAN-DEMO-1",
                "program": "2026/SF-LEAD",
                "target_level": "중간2",
                "kpis": ["uph", "defect_rate", "lead_time", "on_time_delivery"],
                "baseline_from": start.isoformat(),
                "baseline_to": end.isoformat(),
            },
        ),
        201,
    )
    # the same figures, computed here straight from the KPI service over the same period
    with runtime.transaction() as s:
        data = service.pqcd_data(s, demo, "baseline", Period(start, end))
    expected = pqcd.values(data)
    kpis = {k["key"]: k for k in plan["kpis"]}
    assert set(kpis) == {"uph", "defect_rate", "lead_time", "on_time_delivery"}
    for key, k in kpis.items():
        assert expected[key] is not None, key
        assert k["baseline"] == pytest.approx(expected[key]), key
        assert k["source"] == "measured"
        assert k["evidence"]["count"] == len(data.evidence[key]) > 0
        assert k["evidence"]["period"] == [as_utc(start).isoformat(), as_utc(end).isoformat()]
    assert 0 < kpis["defect_rate"]["baseline"] < 100
    # draft targets point the right way: more output, fewer defects, shorter lead time
    assert kpis["uph"]["target"] > kpis["uph"]["baseline"]
    assert kpis["defect_rate"]["target"] < kpis["defect_rate"]["baseline"]
    assert kpis["lead_time"]["target"] < kpis["lead_time"]["baseline"]
    problems = next(s["text"] for s in plan["sections"] if s["key"] == "problems")
    assert "공정불량률" in problems and "기준기간 실측" in problems
    assert plan["rules"]["gov_ratio_max"] == 0.5 and plan["rules"]["gov_cap_krw"] == 200_000_000
    assert plan["rules"]["max_months"] == 9


def test_budget_shares_must_add_up_and_keep_to_the_program(runtime: Any, client: Any, demo: int) -> None:
    t, firm = _center(runtime, client)
    t.ok(t.post("/center/plans", {"firm": firm, "code": "PLAN-B", "program": "SF-LEAD"}), 201)
    line = {"item": "MES 구축", "category": "SW", "total_krw": 100_000_000}
    r = t.put(
        "/center/plans/PLAN-B/budget",
        {"rows": [line | {"government_krw": 50_000_000, "cash_krw": 30_000_000}]},
    )
    assert r.status_code == 422
    assert {"field": "budget.total_krw", "row": 1}.items() <= r.json()["errors"][0].items()
    r = t.put(
        "/center/plans/PLAN-B/budget",
        {"rows": [line | {"government_krw": 60_000_000, "cash_krw": 30_000_000, "in_kind_krw": 10_000_000}]},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "budget.government_krw"
    assert "50%" in r.json()["errors"][0]["reason"]
    big = {"item": "설비 연동", "category": "HW", "total_krw": 500_000_000}
    r = t.put(
        "/center/plans/PLAN-B/budget",
        {"rows": [big | {"government_krw": 250_000_000, "cash_krw": 200_000_000, "in_kind_krw": 50_000_000}]},
    )
    assert r.status_code == 422 and "200,000,000" in r.json()["errors"][0]["reason"]  # the 2억 cap
    r = t.put(
        "/center/plans/PLAN-B/budget", {"rows": [line | {"government_krw": -1, "cash_krw": 100_000_001}]}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "budget.government_krw"
    ok = t.ok(
        t.put(
            "/center/plans/PLAN-B/budget",
            {
                "rows": [
                    line | {"government_krw": 50_000_000, "cash_krw": 40_000_000, "in_kind_krw": 10_000_000}
                ]
            },
        )
    )
    assert ok["budget_totals"]["government_ratio"] == pytest.approx(0.5)
    r = t.put(
        "/center/plans/PLAN-B/schedule", {"rows": [{"task": "구축", "start_month": 2, "end_month": 11}]}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "schedule.end_month"
    r = t.post("/center/plans", {"firm": firm, "code": "PLAN-C", "program": "NO-SUCH"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "program"


def _render(pdf: Path, stem: str) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(OUT / stem)], check=True, timeout=120)
    pages = sorted(OUT.glob(f"{stem}-*.png"))
    assert pages and all(p.stat().st_size > 5_000 for p in pages)
    return pages


def test_exports_open_in_hwpx_libreoffice_and_pdftoppm(
    runtime: Any, client: Any, demo: int, tmp_path: Path
) -> None:
    t, firm = _center(runtime, client)
    start, end = history_span(runtime, demo)
    t.ok(
        t.post(
            "/center/plans",
            {
                "firm": firm,
                "code": "PLAN-EXP",
                "program": "SF-LEAD",
                "baseline_from": start.isoformat(),
                "baseline_to": end.isoformat(),
            },
        ),
        201,
    )
    t.ok(
        t.put(
            "/center/plans/PLAN-EXP/sections/goals",
            {"text": "목표수준 중간2. 재단·엣지 공정의 실시간 실적 집계."},
        )
    )
    t.ok(
        t.put(
            "/center/plans/PLAN-EXP/budget",
            {
                "rows": [
                    {
                        "item": "MES·POP",
                        "category": "SW",
                        "total_krw": 120_000_000,
                        "government_krw": 60_000_000,
                        "cash_krw": 48_000_000,
                        "in_kind_krw": 12_000_000,
                    },
                    {
                        "item": "설비 데이터 수집",
                        "category": "HW",
                        "total_krw": 80_000_000,
                        "government_krw": 40_000_000,
                        "cash_krw": 40_000_000,
                        "in_kind_krw": 0,
                    },
                ]
            },
        )
    )
    plan = t.ok(t.get("/center/plans/PLAN-EXP"))
    uph = next(k for k in plan["kpis"] if k["key"] == "uph")
    OUT.mkdir(parents=True, exist_ok=True)

    r = t.get("/center/plans/PLAN-EXP/export.hwpx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    text = plan_export.hwpx_text(r.content)  # python-hwpx reads it back
    for wanted in (
        "한빛가구 주식회사",
        "7. 성과지표 (KPI)",
        "시간당 생산량",
        f"{uph['baseline']:,.2f}",
        "200,000,000",
        "목표수준 중간2",
        "jejo 실측",
    ):
        assert wanted in text, wanted

    r = t.get("/center/plans/PLAN-EXP/export.docx")
    assert r.status_code == 200
    docx = tmp_path / "plan.docx"
    docx.write_bytes(r.content)
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.fail("LibreOffice is needed to open the DOCX (scripts/setup.sh --dev installs it)")
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
        check=True,
        timeout=180,
        capture_output=True,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    converted = tmp_path / "plan.pdf"
    assert converted.stat().st_size > 10_000
    txt = subprocess.run(["pdftotext", str(converted), "-"], capture_output=True, check=True).stdout.decode()
    assert "성과지표" in txt and "한빛가구" in txt
    (OUT / "plan-docx.pdf").write_bytes(converted.read_bytes())
    _render(converted, "plan-docx")

    r = t.get("/center/plans/PLAN-EXP/export.pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    pdf = OUT / "plan.pdf"
    pdf.write_bytes(r.content)
    txt = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert "사업비" in txt and "시간당 생산량" in txt and "50.0%" in txt
    assert len(_render(pdf, "plan-pdf")) >= 2


def test_a_firm_user_sees_only_its_own_firms_plans(runtime: Any, client: Any, demo: int) -> None:
    import uuid

    from jejo.center import access
    from jejo.masterdata import users

    t, firm = _center(runtime, client)
    other = t.ok(t.post("/center/firms", firm_body("다른가구")), 201)["id"]
    t.ok(t.post("/center/plans", {"firm": firm, "code": "PLAN-OWN"}), 201)
    t.ok(t.post("/center/plans", {"firm": other, "code": "PLAN-OTHER"}), 201)
    with runtime.transaction() as s:
        users.create_user(s, t.company_id, "firmuser", "firm-pass-1", ["firm_user"])
        access.link_firm_user(s, t.company_id, "firmuser", uuid.UUID(firm))
    r = client.post(
        "/api/v1/auth/login", json={"company": t.code, "username": "firmuser", "password": "firm-pass-1"}
    )
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert [p["code"] for p in client.get("/api/v1/center/plans", headers=h).json()] == ["PLAN-OWN"]
    assert client.get("/api/v1/center/plans/PLAN-OWN", headers=h).status_code == 200
    assert client.get("/api/v1/center/plans/PLAN-OTHER", headers=h).status_code == 404
    assert client.get("/api/v1/center/plans/PLAN-OTHER/export.pdf", headers=h).status_code == 404
    assert client.get(f"/api/v1/center/results/firms/{other}", headers=h).status_code == 404
    assert client.put("/api/v1/center/plans/PLAN-OWN/budget", json={"rows": []}, headers=h).status_code == 403
    assert client.get("/api/v1/center/results-day", headers=h).status_code == 403


def test_the_firm_side_api_measures_types_in_and_keeps_consent(runtime: Any, client: Any, demo: int) -> None:
    from tests.conftest import unique

    from jejo.demo.seed import ADMIN, COMPANY, PASSWORD

    r = client.post("/api/v1/auth/login", json={"company": COMPANY, "username": ADMIN, "password": PASSWORD})
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    start, end = history_span(runtime, demo)
    code = unique("PRJ")
    body = {
        "code": code,
        "title": "선도형 구축",
        "year": 2026,
        "before_from": start.isoformat(),
        "before_to": end.isoformat(),
    }
    r = client.post("/api/v1/results/projects", json=body, headers=h)
    assert r.status_code == 201, r.text
    vals = {v["indicator"]: v for v in r.json()["values"]}
    assert vals["uph"]["source"] == "measured" and vals["uph"]["before"] > 0
    assert all(v["consent"] == "private" for v in vals.values())  # nothing is shared until the firm says so
    r = client.put(
        f"/api/v1/results/projects/{code}/values/employment", json={"before": 22, "after": 25}, headers=h
    )
    assert r.json()["source"] == "self_reported" and r.json()["improvement_pct"] == pytest.approx(300 / 22)
    r = client.put(f"/api/v1/results/projects/{code}/consents/uph", json={"consent": "everyone"}, headers=h)
    assert r.status_code == 422
    r = client.put(f"/api/v1/results/projects/{code}/consents/uph", json={"consent": "public"}, headers=h)
    assert r.json()["consent"] == "public"
    r = client.post(f"/api/v1/results/projects/{code}/push", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "center_token"
    r = client.post(
        "/api/v1/results/projects",
        json=body | {"code": unique("PRJ"), "before_to": start.isoformat()},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "before_to"


def test_the_demo_center_has_shared_results_and_a_plan_from_measured_data(runtime: Any, demo: int) -> None:
    from sqlalchemy import select

    from jejo.center import plans, resultsday
    from jejo.center.demo_results import PLAN
    from jejo.core.tenancy import Company

    with runtime.transaction() as s:
        center = s.scalar(select(Company.id).where(Company.code == "CENTER"))
        assert center is not None
        plan = plans.plan_out(s, plans.get_plan(s, center, PLAN))
        assert all(k["source"] == "measured" and k["baseline"] is not None for k in plan["kpis"])
        assert plan["budget_totals"]["government_ratio"] == pytest.approx(0.5)
        day = resultsday.summary(s, center)
    assert day["firms"] == 5 and [c["firm"] for c in day["cases"]] == ["한빛가구 주식회사 (데모)"]
    assert not any(i["indicator"] == "lead_time" for i in day["overall"])  # shared with the center only
