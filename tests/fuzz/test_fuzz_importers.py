"""Every file importer under hostile files: master data (.xlsx / .csv), sales orders, cut lists (and the
furniture order made from one), cutting instances (2BP, ROADEF batches, job JSON) and scheduling
instances. The outcome is a result, or a clear ValidationError (naming sheet, row or field), never
another exception, and never a half-import: after a refused import the database is as it was."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from jejo.backup.dbcopy import TablePrint, fingerprint, reflect
from jejo.core.errors import JejoError, ValidationError
from jejo.core.runtime import Runtime
from jejo.core.settings import Settings
from jejo.masterdata import users
from jejo.masterdata.transfer import service as transfer
from jejo.masterdata.transfer.layout import SHEETS

# ---- a private database, seeded with a small plant ---------------------------------------------------


class Site:
    def __init__(self, rt: Runtime, company_id: int) -> None:
        self.rt, self.company_id = rt, company_id
        self.meta = reflect(rt.engine)

    def snapshot(self) -> dict[str, TablePrint]:
        prints = fingerprint(self.rt.engine, self.meta)
        prints.pop("audit_log", None)  # its ids move on with every committed import, by design
        return prints


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    d = tmp_path_factory.mktemp("fuzz-db")
    rt = Runtime(Settings(database_url=f"sqlite:///{d / 'fuzz.db'}", data_dir=d, secret_key="k"))
    rt.upgrade()
    with rt.transaction() as s:
        company = users.create_company(s, "FUZZ", "퍼즈")
        cid = company.id
    with rt.transaction() as s:
        transfer.import_file(s, cid, "seed.xlsx", TEMPLATE_XLSX)
    yield Site(rt, cid)
    rt.engine.dispose()


def _no_half_import(site: Site, run: Any) -> Any:
    """Run an import in a transaction of its own; a refusal must leave every table as it was."""
    before = site.snapshot()
    try:
        with site.rt.transaction() as s:
            return run(s)
    except ValidationError as exc:
        assert exc.problems or exc.detail
        for p in exc.problems:
            assert p.reason and (p.sheet or p.row is not None or p.field or p.column), p
        after = site.snapshot()
        changed = [t for t in set(before) | set(after) if before.get(t) != after.get(t)]
        assert not changed, f"refused import changed {changed}"
        return exc
    except JejoError as exc:  # a conflict (e.g. an order code taken) is also a clear refusal
        assert site.snapshot() == before
        return exc


# ---- cells, grids, files -------------------------------------------------------------------------------

CODES = ["CAB-600", "PB-18", "EDGE-1", "PANEL-SIDE", "POCHEON", "WC-SAW", "A1", "L1", "x", "", " "]
cells = st.one_of(
    st.none(),
    st.sampled_from(CODES),
    st.sampled_from(["raw", "semi", "finished", "EA", "m2", "downtime", "scrap", "Y", "N", "예", "아니오"]),
    st.sampled_from(
        ["08:00", "25:61", "2026-11-27", "2026-02-30", "=1+1", "@SUM(A1)", "NaN", "inf", "1e309"]
    ),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=15),
    st.text(alphabet="가나다라마바사아자차카타파하 \t\r\n\"';,", max_size=20),
    st.just("x" * 300),
)


@st.composite
def grids(draw: st.DrawFn, header: list[str]) -> list[list[Any]]:
    cols = list(header)
    for _ in range(draw(st.integers(0, 2))):
        op = draw(st.sampled_from(["drop", "dup", "junk", "swap"]))
        if op == "drop" and cols:
            cols.pop(draw(st.integers(0, len(cols) - 1)))
        elif op == "dup" and cols:
            cols.append(draw(st.sampled_from(cols)))
        elif op == "junk":
            cols.insert(draw(st.integers(0, len(cols))), draw(st.text(max_size=8)))
        elif op == "swap" and len(cols) > 1:
            i, j = draw(st.integers(0, len(cols) - 1)), draw(st.integers(0, len(cols) - 1))
            cols[i], cols[j] = cols[j], cols[i]
    width = max(1, len(cols))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 1), max_size=6))
    return [cols, *rows]


def csv_bytes(grid: list[list[Any]], delimiter: str, encoding: str) -> bytes:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    for row in grid:
        w.writerow(["" if c is None else c for c in row])
    text = buf.getvalue()
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


def xlsx_bytes(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for title, grid in sheets:
        safe = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"
        while safe.lower() in used:
            safe = (safe[:29] + str(len(used)))[:31]
        used.add(safe.lower())
        ws = wb.create_sheet(safe)
        for row in grid:
            out = []
            for c in row:
                if isinstance(c, int) and abs(c) > 2**53:
                    c = str(c)
                if isinstance(c, str):
                    c = "".join(ch for ch in c if ch in "\t\n\r" or ord(ch) >= 32)  # XML-legal only
                out.append(c)
            ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def corrupt(data: bytes, draw: st.DrawFn) -> bytes:
    """Overwrite a few bytes and maybe cut the tail (positions as fractions: a workbook's length varies
    with its time stamp, and the draws must not depend on it)."""
    b = bytearray(data)
    scale = 1_000_000
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, scale - 1)) * len(b) // scale
        b[i] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        b = b[: draw(st.integers(0, scale)) * len(b) // scale]
    return bytes(b)


HEADERS = {k: [c.name for c in spec.columns] for k, spec in SHEETS.items()}
TEMPLATE_XLSX = transfer.template("xlsx")  # once: its bytes carry a time stamp


@st.composite
def masterdata_files(draw: st.DrawFn) -> tuple[str, bytes]:
    shape = draw(st.sampled_from(["csv", "xlsx", "corrupt-xlsx", "bytes"]))
    kind = draw(st.sampled_from(sorted(HEADERS)))
    if shape == "csv":
        grid = draw(grids(HEADERS[kind]))
        name = draw(st.sampled_from([f"{kind}.csv", f"{kind}.txt", "unknown.csv", f"{kind}.tsv"]))
        enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp949", "utf-16"]))
        return name, csv_bytes(grid, draw(st.sampled_from([",", ";", "\t"])), enc)
    if shape == "xlsx":
        kinds = draw(st.lists(st.sampled_from([*sorted(HEADERS), "junk"]), min_size=1, max_size=3))
        sheets = [(k, draw(grids(HEADERS.get(k, ["a", "b"])))) for k in kinds]
        return "masterdata.xlsx", xlsx_bytes(sheets)
    if shape == "corrupt-xlsx":
        return "masterdata.xlsx", corrupt(TEMPLATE_XLSX, draw)
    return draw(st.sampled_from(["a.xlsx", "items.csv", "b.xls", "c.bin"])), draw(st.binary(max_size=300))


@given(masterdata_files())
@example(("items.csv", b"code,name,kind\n" + b"A," * 70000))  # a huge row
@example(("items.csv", b'code,name,kind\n"unterminated'))
@example(("items.csv", b"\xef\xbb\xbf"))
@example(("boms.csv", b"item,component,quantity\nCAB-600,CAB-600,1\n"))  # a cycle
@example(("routings.csv", b"item,seq,name,work_center,cycle_time_s\nCAB-600,10,x,NOPE,-1\n"))
def test_masterdata_import(site: Site, file: tuple[str, bytes]) -> None:
    name, data = file
    _no_half_import(site, lambda s: transfer.import_file(s, site.company_id, name, data))


# ---- sales orders ------------------------------------------------------------------------------------

SALES_HEADER = [
    "order",
    "customer",
    "order_date",
    "customer_ref",
    "line",
    "item",
    "quantity",
    "unit_price",
    "vat_percent",
    "requested_date",
    "promised_date",
    "fulfilment",
    "note",
]


@st.composite
def sales_files(draw: st.DrawFn) -> tuple[str, bytes]:
    shape = draw(st.sampled_from(["csv", "xlsx", "bytes"]))
    grid = draw(grids(SALES_HEADER))
    if shape == "csv":
        enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp949"]))
        return "orders.csv", csv_bytes(grid, draw(st.sampled_from([",", ";", "\t"])), enc)
    if shape == "xlsx":
        data = xlsx_bytes([("orders", grid)])
        return "orders.xlsx", corrupt(data, draw) if draw(st.booleans()) else data
    return draw(st.sampled_from(["orders.xlsx", "orders.csv"])), draw(st.binary(max_size=300))


@given(sales_files())
@example(("orders.csv", b'order,customer,item,quantity\n"SO-1,"x'))
@example(
    (
        "orders.csv",
        b"order,customer,order_date,line,item,quantity\nSO-1,C1,2026-11-27,1,CAB-600,1e400\n",
    )
)
def test_sales_order_import(site: Site, file: tuple[str, bytes]) -> None:
    from jejo.sales.transfer import import_orders

    name, data = file
    _no_half_import(site, lambda s: import_orders(s, site.company_id, name, data))


# ---- cut lists and the furniture order made from one --------------------------------------------------

CUT_HEADER = ["부품명", "재질", "길이", "폭", "두께", "수량", "결", "엣지", "캐비닛", "비고"]
OCL_HEADER = [
    "Number",
    "Name",
    "Count",
    "Cutting length",
    "Cutting width",
    "Cutting thickness",
    "Material name",
]


@st.composite
def cutlist_files(draw: st.DrawFn) -> tuple[str, bytes]:
    grid = draw(grids(draw(st.sampled_from([CUT_HEADER, OCL_HEADER]))))
    shape = draw(st.sampled_from(["csv", "xlsx", "bytes"]))
    if shape == "csv":
        prefix = b"sep=;\n" if draw(st.booleans()) else b""
        return "cutlist.csv", prefix + csv_bytes(grid, draw(st.sampled_from([",", ";"])), "utf-8-sig")
    if shape == "xlsx":
        data = xlsx_bytes([(draw(st.sampled_from(["부품", "_hidden", "Sheet1"])), grid)])
        return "cutlist.xlsx", corrupt(data, draw) if draw(st.booleans()) else data
    return "cutlist.csv", draw(st.binary(max_size=300))


@given(cutlist_files())
@example(("cutlist.csv", "부품명,재질,길이,폭,수량\n측판,MEL,1e400,560,2\n".encode()))
@example(("cutlist.csv", "부품명,재질,길이,폭,수량\n측판,MEL,720,560,99999999999\n".encode()))
@example(("cutlist.csv", "부품명,재질,길이,폭,수량\n측판,MEL,-720,0,-1\n".encode()))
def test_cutlist_and_order(site: Site, file: tuple[str, bytes]) -> None:
    from dataclasses import asdict

    from jejo.furniture import service as furniture
    from jejo.furniture.cutlist_import import read_cutlist

    name, data = file
    res = read_cutlist(name, data)
    for p in res.problems:
        assert p.reason and (p.sheet or p.row is not None or p.column or p.field)
    for row in res.rows:
        assert row.length > 0 and row.width > 0 and row.qty >= 1
    if res.problems or not res.rows:
        return
    parts = [{k: v for k, v in asdict(r).items() if k not in ("row", "note")} for r in res.rows]
    for part in parts:
        part["edges"] = list(part["edges"])
    body = {"customer": "퍼즈", "due_date": "2026-12-31", "cabinets": [], "parts": parts}
    _no_half_import(site, lambda s: furniture.create_order(s, site.company_id, body, "fuzz"))


# ---- cutting and scheduling instances ---------------------------------------------------------------


def _lines(draw: st.DrawFn) -> str:
    token = st.one_of(
        st.integers(-5, 2000).map(str),
        st.sampled_from(["", "x", "1.5", "-", "#", "1e9", "99999999999999999999"]),
    )
    rows = draw(st.lists(st.lists(token, max_size=6).map(" ".join), max_size=12))
    return "\n".join(rows)


@given(st.data())
def test_2bp_instances(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    from jejo.furniture.cutting.parsers import read_2bp

    path = tmp_path_factory.mktemp("2bp") / "inst.txt"
    path.write_text(_lines(data.draw))
    try:
        inst = read_2bp(path, data.draw(st.integers(-1, 3)))
    except ValidationError as exc:
        assert exc.detail
        return
    assert inst is not None


@given(st.data())
def test_roadef_batches(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    from jejo.furniture.cutting.roadef import read_instance

    folder = tmp_path_factory.mktemp("roadef")
    token = st.one_of(st.integers(-3, 7000).map(str), st.sampled_from(["", "x", "1.5", "ITEM_ID"]))
    for name, header in (
        ("batch.csv", "ITEM_ID;LENGTH_ITEM;WIDTH_ITEM;STACK;SEQUENCE"),
        ("defects.csv", "DEFECT_ID;PLATE_ID;X;Y;WIDTH;HEIGHT"),
    ):
        rows = data.draw(st.lists(st.lists(token, min_size=0, max_size=7).map(";".join), max_size=6))
        if name == "batch.csv" or data.draw(st.booleans()):
            head = header if data.draw(st.integers(0, 4)) else data.draw(st.text(max_size=10))
            (folder / f"b_{name}").write_text("\n".join([head, *rows]))
    try:
        read_instance(folder / "b_batch.csv")
    except ValidationError as exc:
        assert exc.detail


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-10, 10_000) | st.floats() | st.text(max_size=6),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "sheets",
                        "parts",
                        "kerf",
                        "length",
                        "width",
                        "qty",
                        "material",
                        "name",
                        "thickness",
                        "grain",
                        "trim",
                        "x",
                    ]
                ),
                inner,
                max_size=6,
            )
        ),
        max_leaves=30,
    )
)
def test_cutting_job_json(doc: Any) -> None:
    from jejo.furniture.cutting.job import job_from_dict

    try:
        job_from_dict(doc)
    except ValidationError as exc:
        assert exc.detail


@given(st.data())
def test_scheduling_instances(data: st.DataObject) -> None:
    from jejo.planning.parsers import parse_fjsp, parse_jssp

    text = _lines(data.draw)
    for parse in (parse_jssp, parse_fjsp):
        try:
            parse(text, "fuzz")
        except ValidationError as exc:
            assert exc.detail
