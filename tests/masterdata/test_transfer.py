"""Master-data import and export: round trips, encodings, all-or-nothing rejection, the API."""

from __future__ import annotations

import codecs
import io
from datetime import time
from typing import Any

import pytest
from openpyxl import load_workbook
from tests.conftest import Tenant, build_plant
from tests.masterdata.helpers import counts, new_company, snapshot, xlsx

from jejo.core.errors import ValidationError
from jejo.core.runtime import Runtime
from jejo.masterdata import service as md
from jejo.masterdata import transfer
from jejo.masterdata.transfer.writer import GUIDE_SHEET

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _full_plant(t: Tenant) -> None:
    """The cabinet plant plus the kinds it lacks, with every kind of value (time, date, bool, None)."""
    build_plant(t)
    t.ok(
        t.post(
            "/masterdata/shifts",
            {"code": "DAY", "name": "주간", "start": "08:00", "end": "17:00", "break_minutes": 60},
        ),
        201,
    )
    t.ok(
        t.post(
            "/masterdata/shifts",
            {"code": "NIGHT", "name": "야간", "start": "22:00", "end": "06:00", "weekdays": "0,1,2,3"},
        ),
        201,
    )
    t.ok(t.post("/masterdata/calendar-exceptions", {"day": "2026-08-03", "note": "하계 휴가"}), 201)
    t.ok(t.post("/masterdata/calendar-exceptions", {"day": "2026-10-10", "working": True}), 201)
    t.ok(
        t.put(
            "/masterdata/equipment/PC-SAW-01",
            {
                "code": "PC-SAW-01",
                "name": "패널 재단기",
                "work_center": "WC-SAW",
                "manufacturer": "한국기계",
                "ideal_cycle_time_s": 42.5,
            },
        )
    )


def _upload(t: Tenant, name: str, data: bytes, **form: Any) -> Any:
    media = XLSX if name.endswith(".xlsx") else "text/csv"
    return t.post(
        "/masterdata/import",
        files={"file": (name, data, media)},
        data={k: str(v).lower() for k, v in form.items()},
    )


def _where(problems: list[dict[str, Any]]) -> set[tuple[Any, Any, Any]]:
    return {(p.get("sheet"), p.get("row"), p.get("column")) for p in problems}


def _import(runtime: Runtime, company_id: int, name: str, data: bytes, **kw: Any) -> transfer.ImportResult:
    with runtime.transaction() as s:
        return transfer.import_file(s, company_id, name, data, **kw)


@pytest.fixture
def company(runtime: Runtime) -> int:
    return new_company(runtime)


def test_round_trip_xlsx_and_csv(runtime: Runtime, tenant: Tenant) -> None:
    _full_plant(tenant)
    original = snapshot(runtime, tenant.company_id)
    assert counts(original)["_bom_lines"] == 3 and counts(original)["_routing_operations"] == 3

    r = tenant.get("/masterdata/export", params={"format": "xlsx"})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "attachment" in r.headers["content-disposition"]
    other = new_company(runtime)
    result = _import(runtime, other, "export.xlsx", r.content)
    assert result.applied["items"] == 4 and result.applied["boms"] == 2 and result.applied["routings"] == 1
    assert snapshot(runtime, other) == original
    # importing the same file again updates in place: nothing new, nothing lost
    _import(runtime, other, "export.xlsx", r.content)
    assert snapshot(runtime, other) == original

    files = []
    for kind in transfer.ORDER:
        r = tenant.get("/masterdata/export", params={"format": "csv", "kind": kind})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.content.startswith(codecs.BOM_UTF8), kind
        files.append((f"{kind}.csv", r.content))
    read = transfer.read_files(list(reversed(files)))  # the order of the files does not matter
    assert read.problems == []
    third = new_company(runtime)
    with runtime.transaction() as s:
        result = transfer.import_sheets(s, third, read)
    assert result.applied["calendar_exceptions"] == 2 and result.applied["shifts"] == 2
    assert snapshot(runtime, third) == original


def test_korean_csv_in_cp949_and_utf8_bom(runtime: Runtime, company: int) -> None:
    text = (
        '품목 코드,품목명,품목 유형,단위,설명\r\nPB-18,PB 18mm 판재,raw,m2,"2440x1220, E0"\r\n'
        "CAB-600,하부장 600,finished,EA,\r\n"
    )
    _import(runtime, company, "items.csv", text.encode("cp949"))
    items = {i["code"]: i for i in snapshot(runtime, company)["items"]}
    assert items["PB-18"]["name"] == "PB 18mm 판재" and items["PB-18"]["description"] == "2440x1220, E0"
    assert items["CAB-600"]["name"] == "하부장 600"

    # the same kind from a UTF-8 file with BOM, semicolons, Korean short headers and a name to infer the kind
    text = "코드;이름;유형;단위\nCAB-900;하부장 900;finished;EA\nPB-18;파티클보드 18T;raw;m2\n"
    result = _import(runtime, company, "2026-품목.csv", codecs.BOM_UTF8 + text.encode())
    assert result.applied == {"items": 2}
    items = {i["code"]: i for i in snapshot(runtime, company)["items"]}
    assert items["CAB-900"]["name"] == "하부장 900" and items["PB-18"]["name"] == "파티클보드 18T"
    # a column left out keeps its value: the description was not in the second file
    assert items["PB-18"]["description"] == "2440x1220, E0"

    # EUC-KR (a subset of CP949), tab-separated, shifts with Korean times
    text = "code\tname\tstart\tend\t휴게(분)\nSWING\t오후조\t오후 2:00\t오후 10:30\t30\n"
    _import(runtime, company, "shifts.csv", text.encode("euc-kr"))
    (shift,) = snapshot(runtime, company)["shifts"]
    assert shift["start"] == time(14, 0) and shift["end"] == time(22, 30) and shift["break_minutes"] == 30


def test_bad_workbook_is_rejected_whole_with_every_problem(runtime: Runtime, company: int) -> None:
    with runtime.transaction() as s:
        md.upsert_many(s, company, "sites", [{"code": "OLD", "name": "기존 사업장"}])
        md.upsert_many(s, company, "items", [{"code": "P1", "name": "기존 품목", "kind": "raw"}])
    before = snapshot(runtime, company)
    data = xlsx(
        {
            "sites": [["code", "name"], ["S1", "새 사업장"], ["OLD", "이름 변경"]],
            "areas": [["code", "name", "site"], ["AR1", "구역1", "S1"], ["AR2", "구역2", "NOPE"]],
            "lines": [["code", "name"], ["L1", "라인"]],  # the area column is missing
            "items": [
                ["코드", "이름", "kind", "colour"],
                ["P1", "판재", "raw", "red"],
                ["P2", "x", "gold"],
                [],
                ["P1", "중복", "raw"],
            ],
            "boms": [["item", "component", "quantity"], ["P2", "P1", -1], ["P3", "GHOST", 1]],
            "Sheet1": [["anything"]],
        }
    )
    with pytest.raises(ValidationError) as info:
        _import(runtime, company, "bad.xlsx", data)
    found = [p.as_dict() for p in info.value.problems]
    assert _where(found) == {
        ("Sheet1", None, None),  # unknown sheet
        ("areas", 3, "site"),  # unknown reference
        ("lines", 1, "area"),  # missing required column
        ("items", 1, "colour"),  # unknown column
        ("items", 3, "kind"),  # bad enum
        ("items", 5, "code"),  # duplicate code (row 4 is empty and skipped)
        ("boms", 2, "quantity"),  # not > 0
        ("boms", 3, "component"),  # unknown item
        ("boms", 3, "item"),  # unknown item
    }, found
    reasons = {(p["sheet"], p.get("row"), p.get("column")): p["reason"] for p in found}
    assert "NOPE" in reasons[("areas", 3, "site")] and "row 2" in reasons[("items", 5, "code")]
    assert "raw" in reasons[("items", 3, "kind")] and "GHOST" in reasons[("boms", 3, "component")]
    assert snapshot(runtime, company) == before  # nothing half-applied


def test_references_into_failed_rows_are_not_reported_twice(runtime: Runtime, company: int) -> None:
    data = xlsx(
        {
            "sites": [["code", "name", "timezone"], ["S1", "사업장", "Mars/Olympus"]],
            "areas": [["code", "name", "site"], ["AR1", "구역", "S1"]],
            "lines": [["code", "name", "area"], ["L1", "라인", "AR1"]],
            "items": [["code", "name", "kind"], ["A", "a", "semi"], ["B", "b", "semi"]],
            "boms": [["item", "component", "quantity"], ["A", "B", 1], ["B", "A", 2]],  # a cycle
            "routings": [
                ["item", "seq", "name", "work_center", "cycle_time_s"],
                ["A", 10, "x", "WC", 5],
                ["A", 10, "y", "WC", 5],
            ],
        }
    )
    with pytest.raises(ValidationError) as info:
        _import(runtime, company, "chain.xlsx", data)
    found = [p.as_dict() for p in info.value.problems]
    # the bad time zone is the only problem of the hierarchy: areas and lines follow from it
    assert _where(found) == {("sites", 2, "timezone"), ("boms", 3, "component"), ("routings", 3, "seq")}, (
        found
    )
    assert any("cycle" in p["reason"] for p in found)


def test_dry_run_checks_everything_and_saves_nothing(runtime: Runtime, company: int) -> None:
    template = transfer.template()
    result = _import(runtime, company, "template.xlsx", template, dry_run=True)
    assert result.dry_run and result.applied["boms"] == 1 and result.applied["sites"] == 1
    assert counts(snapshot(runtime, company))["items"] == 0
    result = _import(runtime, company, "template.xlsx", template)
    assert not result.dry_run and len(result.applied) == len(transfer.ORDER)
    assert counts(snapshot(runtime, company))["items"] == 2


def test_template_layout() -> None:
    wb = load_workbook(io.BytesIO(transfer.template()))
    assert wb.sheetnames == [GUIDE_SHEET, *transfer.ORDER]
    items = wb["items"]
    assert [c.value for c in items[1]] == ["code", "name", "kind", "uom", "description"]
    assert [c.value for c in items[2]] == ["품목 코드", "품목명", "품목 유형", "단위", "설명"]
    assert items["A1"].font.b and items.freeze_panes == "A3"
    assert items["A3"].value == "PB-18" and items.column_dimensions["B"].width >= 8
    kinds = [dv for dv in items.data_validations.dataValidation if "C3" in str(dv.sqref)]
    assert kinds and kinds[0].formula1 == '"raw,semi,finished"'
    boms = wb["boms"]
    assert [c.value for c in boms[1]] == [
        "item",
        "version",
        "base_quantity",
        "component",
        "quantity",
        "scrap_factor",
    ]
    routings = wb["routings"]
    assert [c.value for c in routings[1]] == [
        "item",
        "version",
        "seq",
        "name",
        "work_center",
        "setup_time_s",
        "cycle_time_s",
    ]
    assert "필수" in items["A1"].comment.text


def test_api_rejects_a_bad_upload_with_problem_details(runtime: Runtime, tenant: Tenant) -> None:
    before = snapshot(runtime, tenant.company_id)
    data = xlsx(
        {
            "items": [["code", "name", "kind"], ["OK-1", "좋은 품목", "raw"], ["BAD 1", "", "gold"]],
            "areas": [["code", "name", "site"], ["AR1", "구역", "NOWHERE"]],
        }
    )
    r = _upload(tenant, "bad.xlsx", data)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 422 and "nothing was imported" in body["detail"]
    assert _where(body["errors"]) == {
        ("areas", 2, "site"),
        ("items", 3, "code"),
        ("items", 3, "name"),
        ("items", 3, "kind"),
    }
    assert all(set(e) == {"sheet", "row", "column", "reason"} for e in body["errors"])
    reasons = {(e["sheet"], e["row"], e["column"]): e["reason"] for e in body["errors"]}
    assert "letters, digits" in reasons[("items", 3, "code")] and "empty" in reasons[("items", 3, "name")]
    assert snapshot(runtime, tenant.company_id) == before

    r = _upload(tenant, "notes.txt", b"\xff\xfe\x00garbage", kind="nothing")
    assert r.status_code == 422
    r = _upload(tenant, "items.csv", "code,name,kind\nX-1,엑스,raw\n".encode("cp949"), dry_run=True)
    assert tenant.ok(r)["dry_run"] is True and tenant.ok(tenant.get("/masterdata/items"))["total"] == 0


def test_api_downloads(tenant: Tenant) -> None:
    r = tenant.get("/masterdata/template.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert load_workbook(io.BytesIO(r.content)).sheetnames[1] == "sites"
    r = tenant.get("/masterdata/export", params={"format": "csv"})
    assert r.status_code == 422  # a CSV holds one kind
    r = tenant.get("/masterdata/export", params={"format": "csv", "kind": "items"})
    assert r.content == codecs.BOM_UTF8 + b"code,name,kind,uom,description\r\n"
    assert tenant.client.get("/api/v1/masterdata/template.xlsx").status_code == 401
    r = tenant.get("/masterdata/export", params={"format": "xlsx", "kind": "items"})
    assert load_workbook(io.BytesIO(r.content)).sheetnames == ["items"]


def test_api_import_needs_masterdata_write(runtime: Runtime, tenant: Tenant) -> None:
    from jejo.masterdata.users import create_token

    with runtime.transaction() as s:
        _token, secret = create_token(s, tenant.company_id, "reader", ["read"])
    headers = {"Authorization": f"Bearer {secret}"}
    client = tenant.client
    assert client.get("/api/v1/masterdata/export", headers=headers).status_code == 200
    r = client.post(
        "/api/v1/masterdata/import",
        headers=headers,
        files={"file": ("template.xlsx", transfer.template(), XLSX)},
    )
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
