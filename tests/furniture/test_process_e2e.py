"""The furniture process end to end: a 30-cabinet kitchen order → panels, MES work orders, cutting plan,
labels (PDF and ZPL), diagrams, scans at every station → a complete tracking board."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import unique

from jejo.furniture import service, tracking
from jejo.furniture.cutting.verify import check_cut_plan
from jejo.masterdata import service as md
from jejo.masterdata import users

KITCHEN: list[dict[str, Any]] = [
    {"kind": "base", "width": 600, "qty": 6},
    {"kind": "base", "width": 800, "qty": 4},
    {"kind": "base", "width": 450, "qty": 2, "back": "overlay"},
    {"kind": "drawer", "width": 600, "drawers": 3, "qty": 3},
    {"kind": "wall", "width": 600, "qty": 6},
    {"kind": "wall", "width": 800, "qty": 4},
    {"kind": "tall", "width": 600, "qty": 2},
    {"kind": "shelf", "width": 800, "height": 1800, "qty": 3},
]


def furniture_plant(s: Any, cid: int) -> None:
    md.upsert_many(s, cid, "sites", [{"code": "POCHEON", "name": "포천 공장"}])
    md.upsert_many(s, cid, "areas", [{"code": "A1", "name": "가공동", "site": "POCHEON"}])
    md.upsert_many(s, cid, "lines", [{"code": "L-FURN", "name": "가구 라인", "area": "A1"}])
    md.upsert_many(
        s,
        cid,
        "work_centers",
        [{"code": wc, "name": tracking.STATION_KO[wc], "line": "L-FURN"} for wc in tracking.STATIONS],
    )


def _order_code(s: Any, cid: int) -> str:
    order = service.create_order(
        s,
        cid,
        {"code": "K30", "customer": "포천 주방", "due_date": date(2026, 12, 10), "cabinets": KITCHEN},
        "tester",
    )
    return order.code


@pytest.mark.slow
def test_thirty_cabinet_kitchen(runtime: Any, tmp_path: Path) -> None:
    assert sum(c["qty"] for c in KITCHEN) == 30
    with runtime.transaction() as s:
        cid = users.create_company(s, unique("FURN"), "포천 가구").id
        furniture_plant(s, cid)
        code = _order_code(s, cid)
        o = service.get_order(s, cid, code)
        assert len({p.cabinet for p in o.parts}) == 30
        assert len(o.work_orders) == 8  # one per cabinet type
        n_parts = len(o.parts)
        rep = service.plan_order(s, cid, code, time_limit=4.0)
        placed = {pp["part"] for sh in rep["per_sheet"] for pp in sh["parts"]}
        assert placed == {p.code for p in o.parts}
        plan = service.plan_of(o)
        spec = [(p.code, p.length, p.width, 1, p.grain) for p in o.parts]
        assert check_cut_plan(rep, spec, kerf=4.4, max_stages=3) == []
        assert 0.6 < rep["yield"] < 1.0
        labels = service.labels(s, cid, code)
        assert len(labels) == n_parts

    from jejo.furniture.diagram import plan_pdf
    from jejo.furniture.labels import labels_pdf, labels_zpl

    pdf = labels_pdf(labels[:14])
    assert pdf.startswith(b"%PDF")
    zpl = labels_zpl(labels)
    assert zpl.count("^XA") == n_parts
    (tmp_path / "labels.pdf").write_bytes(pdf)
    (tmp_path / "plan.pdf").write_bytes(plan_pdf(plan, f"{code} 재단 계획"))
    if shutil.which("pdftoppm"):
        from PIL import Image

        for name in ("labels", "plan"):
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "50",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-png",
                    str(tmp_path / f"{name}.pdf"),
                    str(tmp_path / name),
                ],
                check=True,
            )
            (png,) = tmp_path.glob(f"{name}*.png")
            img = Image.open(png).convert("L")
            assert (
                img.width > img.height if name == "plan" else img.height > img.width
            )  # landscape / portrait
            dark = sum(img.histogram()[:128]) / (img.width * img.height)
            assert 0.02 < dark < 0.5, f"{name}: {dark:.1%} dark pixels"

    # scan every part through its route; a repeat and a wrong station are refused
    with runtime.transaction() as s:
        o = service.get_order(s, cid, code)
        first = o.parts[0]
        for p in o.parts:
            for st in p.route:
                d = service.scan(s, cid, p.code, st, actor="tester")
                assert d.accepted, d.message
        again = service.scan(s, cid, first.code, tracking.SAW, actor="tester")
        assert again.outcome == "duplicate" and "이미" in again.message
        b = service.board(s, cid, code)
        assert b["complete"] and b["parts_done"] == n_parts
        assert b["per_station"][tracking.SAW] == n_parts
        assert b["per_station"] == b["expected_per_station"]
