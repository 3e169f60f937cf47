"""Firms: 사업자등록번호 checksum, KSIC manufacturing codes, 시·군, prior builds with system levels per
site, dated capability levels, and Excel import that reports every bad row and saves nothing then."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from tests.center.center_setup import business_number, firm_body, problem_fields
from tests.conftest import Tenant

from jejo.center import reference as ref


def test_business_number_checksum() -> None:
    # published numbers of two listed companies (삼성전자, 네이버)
    for good in ("124-81-00998", "220-81-62517"):
        assert ref.business_number_problem(good) is None
        digits = ref.normalise_business_number(good)
        for pos in range(10):  # any single changed digit breaks the checksum
            bad = digits[:pos] + str((int(digits[pos]) + 1) % 10) + digits[pos + 1 :]
            assert ref.business_number_problem(bad) is not None, bad
    assert ref.business_number_problem("12-345") is not None
    assert ref.business_number_problem("124810099a") is not None


def test_ksic_and_sigungu_reference() -> None:
    divisions = ref.ksic_divisions()
    assert sorted(divisions) == [str(d) for d in range(10, 35)]
    assert divisions["32"] == "가구 제조업"
    assert "kssc.kostat.go.kr" in ref.ksic_source()["url"]
    assert ref.lookup_ksic("C32021").name.startswith("주방용")  # type: ignore[union-attr]
    assert ref.lookup_ksic("25").division_name.startswith("금속 가공")  # type: ignore[union-attr]
    for bad in ("C35", "47", "32999", "abc", ""):
        assert ref.lookup_ksic(bad) is None, bad
    north = ref.gyeonggi_north()
    assert len(north) == 10 and "포천시" in north and "연천군" in north
    assert ref.sigungu_problem("수원시") is None
    assert ref.sigungu_problem("충청북도 청주시") is None
    assert ref.sigungu_problem("포천") is not None


def test_firm_profile_builds_and_levels(tenant: Tenant) -> None:
    t = tenant
    f = t.ok(t.post("/center/firms", firm_body(name="나누리가구", sigungu="포천시", ksic_code="32029")), 201)
    assert f["gyeonggi_north"] is True and f["ksic_name"] == "기타 목재 가구 제조업"
    assert len(f["business_number"]) == 12 and f["business_number"][3] == "-"

    # the same 사업자등록번호 twice is a conflict on that field
    again = t.post("/center/firms", firm_body(business_number=f["business_number"]))
    assert again.status_code == 409 and problem_fields(again) == {"business_number"}

    fid = f["id"]
    t.ok(
        t.post(
            f"/center/firms/{fid}/builds",
            {
                "site": "본사 공장",
                "year": 2021,
                "program": "스마트공장 구축",
                "level_before": "기초",
                "level_target": "중간1",
                "level_achieved": "중간1",
            },
        ),
        201,
    )
    f = t.ok(
        t.post(
            f"/center/firms/{fid}/builds",
            {"site": "제2공장", "year": 2023, "level_target": "중간2", "level_achieved": "기초"},
        ),
        201,
    )
    assert [(b["site"], b["level_achieved"]) for b in f["builds"]] == [
        ("본사 공장", "중간1"),
        ("제2공장", "기초"),
    ]
    assert f["best_system_level"] == "중간1"
    bad = t.post(f"/center/firms/{fid}/builds", {"site": "x", "year": 2024, "level_target": "최고"})
    assert bad.status_code == 422 and "level_target" in problem_fields(bad)
    down = t.post(
        f"/center/firms/{fid}/builds",
        {"site": "x", "year": 2024, "level_before": "중간2", "level_target": "기초"},
    )
    assert down.status_code == 422 and problem_fields(down) == {"level_target"}

    t.ok(
        t.post(
            f"/center/firms/{fid}/capabilities", {"level": 2, "assessed_on": "2024-05-02", "method": "self"}
        ),
        201,
    )
    f = t.ok(
        t.post(
            f"/center/firms/{fid}/capabilities",
            {"level": 3, "assessed_on": "2025-09-10", "method": "external", "assessor": "한국표준협회"},
        ),
        201,
    )
    assert f["capability_level"] == 3
    assert [c["method"] for c in f["capabilities"]] == ["self", "external"]
    assert t.ok(t.get("/center/firms?q=나누리"))[0]["id"] == fid


def test_bad_firm_input_names_the_field(tenant: Tenant) -> None:
    t = tenant
    r = t.post("/center/firms", firm_body(business_number="124-81-00997"))
    assert r.status_code == 422 and problem_fields(r) == {"business_number"}
    assert "checksum" in r.text
    r = t.post("/center/firms", firm_body(ksic_code="C35"))
    assert r.status_code == 422 and problem_fields(r) == {"ksic_code"}
    assert "unknown KSIC code" in r.text
    r = t.post("/center/firms", firm_body(sigungu="서울"))
    assert r.status_code == 422 and problem_fields(r) == {"sigungu"}
    r = t.post("/center/firms", firm_body(business_number="1", ksic_code="99", sigungu="?"))
    assert problem_fields(r) == {"business_number", "ksic_code", "sigungu"}
    assert t.ok(t.get("/center/firms")) == []


def _workbook(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "기업"
    ws.append(
        ["사업자등록번호", "기업명", "대표자", "시군", "KSIC", "상시근로자", "매출액", "공장등록", "레전드50"]
    )
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_import_all_or_nothing(tenant: Tenant) -> None:
    t = tenant
    bn1, bn2 = business_number(), business_number()
    wrong = business_number()
    wrong = wrong[:-1] + str((int(wrong[-1]) + 3) % 10)  # a wrong check digit
    bad = _workbook(
        [
            [bn1, "가람가구", "이가람", "포천시", "C32021", 12, 1_500_000_000, "Y", "N"],
            [wrong, "틀린번호", "박", "양주시", "C25", 8, None, "N", "N"],
            [bn2, "업종오류", "최", "파주시", "C47", 9, None, "Y", "N"],
            [bn1, "중복", "정", "포천시", "C32", 3, None, "N", "N"],
        ]
    )
    r = t.client.post("/api/v1/center/firms/import", headers=t.headers, files={"file": ("firms.xlsx", bad)})
    assert r.status_code == 422, r.text
    errs = {(e["row"], e["field"]) for e in r.json()["errors"]}
    assert errs == {(3, "business_number"), (4, "ksic_code"), (5, "business_number")}
    assert t.ok(t.get("/center/firms")) == []  # nothing half-imported

    good = _workbook(
        [
            [bn1, "가람가구", "이가람", "포천시", "C32021", 12, 1_500_000_000, "Y", "N"],
            [bn2, "한빛금속", "최한빛", "양주시", "25", "31", "2,400,000,000", "예", "Y"],
        ]
    )
    out = t.ok(
        t.client.post("/api/v1/center/firms/import", headers=t.headers, files={"file": ("f.xlsx", good)})
    )
    assert out == {"created": 2, "updated": 0, "rows": 2}
    firms = {f["name"]: f for f in t.ok(t.get("/center/firms"))}
    assert firms["한빛금속"]["employees"] == 31 and firms["한빛금속"]["revenue_krw"] == 2_400_000_000
    assert firms["한빛금속"]["legend50"] is True and firms["가람가구"]["legend50"] is False
    # the same file again updates instead of duplicating
    out = t.ok(
        t.client.post("/api/v1/center/firms/import", headers=t.headers, files={"file": ("f.xlsx", good)})
    )
    assert out == {"created": 0, "updated": 2, "rows": 2}

    # the template downloads and opens as a workbook with the expected header
    tpl = t.client.get("/api/v1/center/firms/template.xlsx", headers=t.headers)
    ws = load_workbook(io.BytesIO(tpl.content)).active
    assert ws is not None and ws["A1"].value == "사업자등록번호"

    junk = t.client.post(
        "/api/v1/center/firms/import", headers=t.headers, files={"file": ("x.xlsx", b"not excel")}
    )
    assert junk.status_code == 422 and problem_fields(junk) == {"file"}
