"""Reading files without a database: headers, values, encodings, file names."""

from __future__ import annotations

import codecs
from datetime import date, time

import pytest
from tests.masterdata.helpers import xlsx

from jejo.masterdata.transfer.layout import SHEETS, sheet_for, sheet_for_filename
from jejo.masterdata.transfer.reader import decode, read_csv, read_file, read_table, sniff_delimiter
from jejo.masterdata.transfer.values import coerce
from jejo.masterdata.transfer.writer import write_csv


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("items", "items"),
        ("품목", "items"),
        ("Work centers", "work_centers"),
        ("작업장", "work_centers"),
        ("BOM", "boms"),
        ("라우팅", "routings"),
        ("사유 코드", "reason_codes"),
        ("Sheet1", None),
    ],
)
def test_sheet_names(title: str, kind: str | None) -> None:
    spec = sheet_for(title)
    assert (spec.name if spec else None) == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("items", "items"),
        ("acme-items-2026", "items"),
        ("2026_work_centers", "work_centers"),
        ("품목_2026", "items"),
        ("lines", "lines"),
        ("calendar-exceptions", "calendar_exceptions"),
        ("export", None),
    ],
)
def test_kind_from_file_name(name: str, kind: str | None) -> None:
    spec = sheet_for_filename(name)
    assert (spec.name if spec else None) == kind


def test_headers_in_korean_and_label_row_skipped() -> None:
    spec = SHEETS["boms"]
    rows = [
        ["품목", "버전", "기준 수량", "구성품", "소요량", "손실률"],
        ["품목", "버전", "기준 수량", "구성 품목", "수량", "손실률"],  # a row of labels: skipped
        [1001, 2, None, "PB-18", "1,200", "5%"],
        [None, None, None, None, None, None],
        ["CAB-600", "1", 1, "EDGE", 3.2, 0],
    ]
    result = read_table(spec, "boms", rows)
    assert result.problems == []
    (sheet,) = result.sheets
    assert sheet.rows == [
        (3, {"item": "1001", "version": "2", "component": "PB-18", "quantity": 1200, "scrap_factor": 0.05}),
        (
            5,
            {
                "item": "CAB-600",
                "version": "1",
                "base_quantity": 1,
                "component": "EDGE",
                "quantity": 3.2,
                "scrap_factor": 0,
            },
        ),
    ]


def test_header_problems() -> None:
    rows = [["code", "name", "colour", "code", None], ["A", "a", "red", "B", "stray"]]
    result = read_table(SHEETS["items"], "items", rows)
    where = {(p.row, p.column): p.reason for p in result.problems}
    assert set(where) == {(1, "colour"), (1, "code"), (1, "E"), (1, "kind")}
    assert "unknown column" in where[(1, "colour")] and "twice" in where[(1, "code")]
    assert "missing" in where[(1, "kind")] and not result.sheets[0].readable


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("2026. 8. 3.", date, date(2026, 8, 3)),
        ("2026/08/03", date, date(2026, 8, 3)),
        ("2026년 8월 3일", date, date(2026, 8, 3)),
        ("오후 5:30", time, time(17, 30)),
        ("8:00", time, time(8)),
        ("오전 12:15", time, time(0, 15)),
        (0.75, time, time(18)),
        ("예", bool, True),
        ("X", bool, False),
        ("maybe", bool, "maybe"),
        (1001.0, str, "1001"),
        ("  ", str, None),
        ("1.5", float, 1.5),
    ],
)
def test_values(value: object, kind: type, expected: object) -> None:
    column = next(c for s in SHEETS.values() for c in s.columns if c.type is kind)
    assert coerce(value, column) == expected


def test_encodings_and_delimiters() -> None:
    text = "코드,이름\n가,나\n"
    assert decode(text.encode("cp949")) == (text, "cp949")
    assert decode(codecs.BOM_UTF8 + text.encode()) == (text, "utf-8-sig")
    assert decode(text.encode("utf-16")) == (text, "utf-16")
    assert sniff_delimiter('code;name;"a,b"\n') == ";" and sniff_delimiter("code\tname\n") == "\t"
    assert sniff_delimiter("code,name\n") == "," and sniff_delimiter("code\n") == ","


def test_written_csv_reads_back() -> None:
    rows = [
        {
            "code": "DAY",
            "name": "주간, 낮",
            "start": time(8),
            "end": time(17),
            "break_minutes": 60,
            "weekdays": "0,1,2,3,4",
        }
    ]
    data = write_csv("shifts", rows)
    assert data.startswith(codecs.BOM_UTF8) and data.endswith(b"\r\n")
    (sheet,) = read_csv(data, "x.csv", "shifts").sheets
    assert sheet.rows == [(2, rows[0])]


def test_unreadable_files() -> None:
    assert (
        "old .xls" in read_file("a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100).problems[0].reason
    )
    assert "not a readable" in read_file("a.xlsx", b"hello").problems[0].reason
    assert "unsupported" in read_file("a.pdf", b"%PDF").problems[0].reason
    assert "file name" in read_file("stuff.csv", b"code\n").problems[0].reason
    assert "neither" in read_csv(b"\x81\xff\xfe", "items.csv").problems[0].reason
    # a workbook with one sheet of any name, imported as one kind
    result = read_file(
        "export.xlsx", xlsx({"Sheet1": [["code", "name", "kind"], ["A", "a", "raw"]]}), "items"
    )
    assert result.problems == [] and result.sheets[0].rows == [(2, {"code": "A", "name": "a", "kind": "raw"})]
    assert read_file("export.xlsx", xlsx({"_notes": [["x"]]})).sheets == []
    assert "old .xls" in read_file("a.xls", b"\xd0\xcf").problems[0].reason
    # an upload without a known extension (a browser blob) is recognised as a workbook by its content
    assert read_file("blob", xlsx({"items": [["code", "name", "kind"], ["A", "a", "raw"]]})).problems == []
