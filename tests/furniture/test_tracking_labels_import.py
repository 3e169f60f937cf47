"""Tracking rules, labels (ZPL text, PDF rendered to PNG), DXF, and cut-list import."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import ezdxf
import pytest

from jejo.furniture import tracking
from jejo.furniture.cabinets import CabinetSpec, explode
from jejo.furniture.cutlist_import import read_cutlist, template_csv, template_xlsx
from jejo.furniture.dxf import part_dxf
from jejo.furniture.labels import LabelData, labels_pdf, labels_zpl, zpl_label

SAW, EDGE, BORE, ASM, PACK = tracking.STATIONS


def test_routes_skip_what_a_part_does_not_need() -> None:
    assert tracking.route(True, True) == [SAW, EDGE, BORE, ASM, PACK]
    assert tracking.route(False, True) == [SAW, BORE, ASM, PACK]
    assert tracking.route(False, False) == [SAW, ASM, PACK]


def test_scan_decisions() -> None:
    path = tracking.route(False, True)  # a back rail: dowels, no edges
    ok = tracking.decide("P1", path, [], SAW)
    assert ok.accepted and ok.next_station == BORE
    dup = tracking.decide("P1", path, [SAW], SAW)
    assert not dup.accepted and dup.outcome == "duplicate" and "이미" in dup.message
    wrong = tracking.decide("P1", path, [SAW], EDGE)
    assert wrong.outcome == "wrong_station" and "WC-BORE" in wrong.message and "엣지" in wrong.message
    early = tracking.decide("P1", path, [SAW], ASM)
    assert early.outcome == "out_of_order" and "CNC 보링" in early.message
    assert tracking.decide("P1", None, [], SAW).outcome == "unknown_part"
    last = tracking.decide("P1", path, [SAW, BORE, ASM], PACK)
    assert last.accepted and last.next_station is None and "완료" in last.message


def _labels() -> list[LabelData]:
    parts = explode(CabinetSpec("base", 600, 720, 560), "K1-C01")
    return [
        LabelData(
            p.id,
            "K1",
            p.cabinet,
            "하부장 600×720×560",
            p.name,
            p.role,
            p.length,
            p.width,
            p.thickness,
            p.material,
            p.edges,
            tracking.route(bool(p.edges), bool(p.borings))[1],
            p.grain,
        )
        for p in parts
    ]


def test_zpl_content() -> None:
    door = next(lb for lb in _labels() if lb.role == "door")
    z = zpl_label(door)
    assert z.startswith("^XA") and z.rstrip().endswith("^XZ") and "^CI28" in z
    assert "^BQN,2,6^FDMA,K1-C01-08^FS" in z  # QR with the part id
    assert "717 x 597 x 18" in z and "EDGE L1 L2 W1 W2" in z and "NEXT WC-EDGE" in z
    assert "MEL-OAK18 GRAIN" in z
    z128 = zpl_label(door, "code128", korean_font="E:NANUMGOTHIC.TTF")
    assert "^BCN,70,N,N,N^FDK1-C01-08^FS" in z128 and "^A@N,34,34,E:NANUMGOTHIC.TTF^FD문짝^FS" in z128
    assert labels_zpl(_labels()).count("^XZ") == 8


def test_label_pdf_renders(tmp_path: Path) -> None:
    pdf = labels_pdf(_labels())
    assert pdf.startswith(b"%PDF")
    pytest.importorskip("weasyprint")
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm not installed")
    (tmp_path / "l.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "l.pdf"), str(tmp_path / "l")], check=True)
    pages = sorted(tmp_path.glob("l*.png"))
    assert len(pages) == 1  # 8 labels fit one 14-up sheet


def test_dxf_of_a_door() -> None:
    door = next(p for p in explode(CabinetSpec("base"), "K1-C01") if p.role == "door")
    doc = ezdxf.read(io.StringIO(part_dxf(door)))
    msp = doc.modelspace()
    circles = [e for e in msp if e.dxftype() == "CIRCLE"]
    assert len(circles) == 2 and {c.dxf.layer for c in circles} == {"DRILL_V_D35_T13"}
    assert {round(c.dxf.radius, 1) for c in circles} == {17.5}
    (poly,) = [e for e in msp if e.dxftype() == "LWPOLYLINE"]
    assert [tuple(p)[:2] for p in poly.get_points()][2] == (717, 597)


def test_template_csv_in_cp949_round_trip() -> None:
    data = template_csv().decode("utf-8-sig").encode("cp949")
    res = read_cutlist("목록.csv", data)
    assert res.problems == [] and res.format == "template"
    side, door, shelf = res.rows
    assert (side.name, side.qty, side.edges, side.grain) == ("측판", 2, ("L1",), False)
    assert door.edges == ("L1", "L2", "W1", "W2") and door.grain is True and door.cabinet == "하부장 1"
    assert shelf.edges == ("L1",) and shelf.grain is None
    assert read_cutlist("t.xlsx", template_xlsx()).rows == res.rows


def test_bad_rows_name_row_and_column() -> None:
    text = (
        "부품명,재질,길이,폭,수량,엣지\n측판,MEL-W18,720,560,2,L1\n"
        ",MEL-W18,abc,560,1.5,L7\n선반,MEL-W18,0,300,1,\n"
    )
    res = read_cutlist("cut.csv", text.encode("cp949"))
    assert len(res.rows) == 1
    where = {(p.row, p.column, p.field) for p in res.problems}
    assert where == {
        (3, "A", "name"),
        (3, "C", "length"),
        (3, "E", "qty"),
        (3, "F", "edges"),
        (4, "C", "length"),
    }
    missing = read_cutlist("cut.csv", "부품명,길이\n측판,720\n".encode())
    assert [p.field for p in missing.problems] == ["material", "width"]


OPENCUTLIST = """\
Number,Name,Count,Cutting length,Cutting width,Cutting thickness,Bbox length,Bbox width,Bbox thickness,\
Final area,Material name,Entity names,Labels,Edge ymax,Edge ymin,Edge xmin,Edge xmax
A,Side,2,720 mm,560 mm,18 mm,720 mm,560 mm,18 mm,"0,40 m²",Melamine White 18,"Side#1,Side#2",,,ABS White 1mm,,
B,Door,1,"717,0 mm",597 mm,18 mm,717 mm,597 mm,18 mm,"0,43 m²",Oak decor 18,Door,front,ABS Oak,ABS Oak,\
ABS Oak,ABS Oak
C,Shelf,1,56.2 cm,537 mm,18 mm,562 mm,537 mm,18 mm,"0,30 m²",Melamine White 18,Shelf,,,ABS White 1mm,,
D,Broken,1,,537 mm,18 mm,562 mm,537 mm,18 mm,,Melamine White 18,,,,,,
"""


def test_opencutlist_export() -> None:
    res = read_cutlist("cutlist.csv", OPENCUTLIST.encode("utf-8"))
    assert res.format == "opencutlist"
    assert [(p.row, p.column, p.field) for p in res.problems] == [(5, "D", "length")]
    side, door, shelf = res.rows
    assert (side.name, side.qty, side.length, side.width, side.material) == (
        "Side",
        2,
        720,
        560,
        "Melamine White 18",
    )
    assert side.edges == ("L1",)  # ymin: a long edge
    assert door.length == 717 and door.edges == ("L1", "L2", "W1", "W2")
    assert shelf.length == 562  # 56.2 cm


def test_code128_bars_follow_the_encoding() -> None:
    import re

    import barcode

    from jejo.furniture.labels import code128_svg

    modules = "".join(barcode.get_barcode_class("code128")("K1-C01-08").build())
    svg = code128_svg("K1-C01-08")
    widths = [int(w) for w in re.findall(r'<rect x="\d+" y="0" width="(\d+)"', svg)]
    assert widths == [len(run) for run in re.findall("1+", modules)]
    assert f'viewBox="0 0 {len(modules) + 20} 1"' in svg


def test_cli_explode_and_import(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from jejo.cli import app

    order = tmp_path / "order.json"
    order.write_text(json.dumps({"code": "K1", "cabinets": [{"kind": "wall", "width": 800}]}))
    r = CliRunner().invoke(app, ["furniture", "explode", str(order), "--json"])
    assert r.exit_code == 0, r.output
    assert [p["id"] for p in json.loads(r.output)["parts"]][:2] == ["K1-C01-01", "K1-C01-02"]
    bad = tmp_path / "cut.csv"
    bad.write_bytes("부품명,재질,길이,폭\n측판,MEL-W18,abc,560\n".encode("cp949"))
    r = CliRunner().invoke(app, ["furniture", "import-cutlist", str(bad)])
    assert r.exit_code == 2 and "row=2, column=C" in r.output
