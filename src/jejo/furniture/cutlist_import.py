"""Cut lists from the spreadsheets small firms keep (jejo's template, .xlsx or CSV in UTF-8 or CP949)
and from OpenCutList's cut-list CSV export.

Reading never stops at the first bad row: every problem names the file, the row as Excel shows it
(the header is row 1) and the column letter. The CSV decoding and delimiter sniffing are the master-data
importer's (:mod:`jejo.masterdata.transfer.reader`).

The template's columns (Korean or English headers, any order; ``*`` required):
``부품명*`` name, ``재질*`` material, ``길이*`` length (mm, along the grain), ``폭*`` width (mm), ``두께``
thickness (18), ``수량`` qty (1), ``결`` grain (Y/N, 예/아니오; blank: the material's), ``엣지`` edges
(``L1 L2 W1 W2`` names, or a four-digit code like ``1100``; or one column per edge ``L1``…``W2`` with
1/Y/O), ``캐비닛`` cabinet (a group name) and ``비고`` note.

OpenCutList's export (``Number, Name, Count, Cutting length, Cutting width, Cutting thickness, …,
Material name, …, Edge …``): lengths carry their unit (``600 mm``, ``60 cm``, ``23.6"``; a decimal
comma is accepted), an edge column with an edge material's name means a banded edge. OpenCutList's
length runs along the grain; its ``ymin``/``ymax`` edges are the long ones (L1/L2), ``xmin``/``xmax``
the short ones (W1/W2).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from jejo.core.errors import Problem
from jejo.furniture.cabinets import EDGES
from jejo.masterdata.transfer.reader import decode, sniff_delimiter


@dataclass(frozen=True, slots=True)
class CutListRow:
    name: str
    material: str
    length: float
    width: float
    thickness: float = 18.0
    qty: int = 1
    grain: bool | None = None
    edges: tuple[str, ...] = ()
    cabinet: str = ""
    note: str = ""
    row: int = 0  # the source row (Excel numbering)


@dataclass
class CutListResult:
    rows: list[CutListRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    format: str = "template"


ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("부품명", "부품", "품명", "name", "part", "part name"),
    "material": ("재질", "자재", "material", "material name"),
    "length": ("길이", "length", "cutting length"),
    "width": ("폭", "너비", "width", "cutting width"),
    "thickness": ("두께", "thickness", "cutting thickness", "thick"),
    "qty": ("수량", "qty", "quantity", "count"),
    "grain": ("결", "결방향", "grain"),
    "edges": ("엣지", "엣지코드", "edges", "edge", "banding"),
    "cabinet": ("캐비닛", "가구", "cabinet", "group"),
    "note": ("비고", "메모", "note", "notes", "description"),
    "L1": ("l1", "엣지 l1"),
    "L2": ("l2", "엣지 l2"),
    "W1": ("w1", "엣지 w1"),
    "W2": ("w2", "엣지 w2"),
}
REQUIRED = ("name", "material", "length", "width")
TEMPLATE_HEADER = ["부품명", "재질", "길이", "폭", "두께", "수량", "결", "엣지", "캐비닛", "비고"]
TEMPLATE_EXAMPLE = [
    ["측판", "MEL-W18", 720, 560, 18, 2, "N", "L1", "하부장 1", ""],
    ["문짝", "MEL-OAK18", 717, 297, 18, 2, "Y", "L1 L2 W1 W2", "하부장 1", "결 세로"],
    ["선반", "MEL-W18", 562, 519, 18, 1, "", "1000", "하부장 1", ""],
]
YES = {"y", "yes", "1", "o", "예", "있음", "true", "t", "v", "○", "●"}
NO = {"n", "no", "0", "x", "아니오", "없음", "false", "f", "-", ""}


def _norm(s: Any) -> str:
    return re.sub(r"\s+", " ", str(s or "").replace("*", "").strip().lower())


def letter(index: int) -> str:
    """Excel column letter of a 0-based index."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _number(v: Any) -> float:
    """A length: a number, or text with a unit (mm, cm, m, ", in) and a decimal point or comma."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    s = str(v).strip().replace("\u00a0", " ")
    m = re.fullmatch(r"([0-9]+(?:[.,][0-9]+)?)\s*(mm|cm|m|\"|in|inch)?", s, re.IGNORECASE)
    if not m:
        raise ValueError(f"not a number: {s!r}")
    x = float(m.group(1).replace(",", "."))
    unit = (m.group(2) or "mm").lower()
    return x * {"mm": 1.0, "cm": 10.0, "m": 1000.0, '"': 25.4, "in": 25.4, "inch": 25.4}[unit]


def _edges(v: Any) -> tuple[str, ...]:
    s = str(v or "").strip().upper()
    if not s or s in ("-", "없음", "NONE"):
        return ()
    if re.fullmatch(r"[01]{4}", s):
        return tuple(e for e, c in zip(EDGES, s, strict=True) if c == "1")
    names = re.findall(r"[A-Z]+\d", s)
    if names and all(n in EDGES for n in names) and re.fullmatch(r"[\sLW12,;/+]*", s):
        return tuple(e for e in EDGES if e in names)
    if s in ("ALL", "전체", "4면", "사방"):
        return EDGES
    raise ValueError(f"edges {v!r}: use names like 'L1 W1', a code like '1100', or ALL")


def _flag(v: Any) -> bool:
    s = _norm(v)
    if s in YES:
        return True
    if s in NO:
        return False
    raise ValueError(f"{v!r} is not yes/no (Y/N, 예/아니오)")


def _grid_from_bytes(filename: str, data: bytes, problems: list[Problem]) -> list[list[Any]]:
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # a corrupt workbook: name it, do not crash
            problems.append(Problem(sheet=filename, reason=f"not a readable workbook ({exc})"))
            return []
        ws = next((w for w in wb.worksheets if not w.title.startswith("_")), wb.worksheets[0])
        return [list(r) for r in ws.iter_rows(values_only=True)]
    try:
        text, _ = decode(data)
    except UnicodeDecodeError:
        problems.append(Problem(sheet=filename, reason="the file is neither UTF-8 nor CP949/EUC-KR text"))
        return []
    lines = text.replace("\x00", "").splitlines()
    if lines and lines[0].lower().startswith("sep="):  # Excel's delimiter hint line
        lines = lines[1:]
    text = "\n".join(lines)
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))]


def read_cutlist(filename: str, data: bytes, default_material: str = "") -> CutListResult:
    """Read a template or OpenCutList file (recognised by its header)."""
    out = CutListResult()
    grid = _grid_from_bytes(filename, data, out.problems)
    start = next((i for i, r in enumerate(grid) if any(str(c or "").strip() for c in r)), None)
    if start is None:
        if not out.problems:
            out.problems.append(Problem(sheet=filename, reason="the file has no rows"))
        return out
    header = [_norm(c) for c in grid[start]]
    is_ocl = "cutting length" in header or ("number" in header and "count" in header)
    out.format = "opencutlist" if is_ocl else "template"
    cols: dict[str, int] = {}
    edge_cols: list[tuple[int, str]] = []
    for i, h in enumerate(header):
        if is_ocl and h.startswith("edge"):
            edge_cols.append((i, h))
            continue
        for key, names in ALIASES.items():
            if h in names and key not in cols:
                cols[key] = i
    if is_ocl:  # OpenCutList: length/width in the cutting columns; edges by their axis names or order
        for key, name in (
            ("length", "cutting length"),
            ("width", "cutting width"),
            ("thickness", "cutting thickness"),
        ):
            if name in header:
                cols[key] = header.index(name)
        for k, (i, h) in enumerate(edge_cols):
            named = next(
                (
                    e
                    for tag, e in (("ymin", "L1"), ("ymax", "L2"), ("xmin", "W1"), ("xmax", "W2"))
                    if tag in h
                ),
                None,
            )
            cols[named or EDGES[k % 4]] = i
    for key in REQUIRED:
        if key not in cols and not (key == "material" and default_material):
            wanted = "/".join(ALIASES[key][:2])
            out.problems.append(
                Problem(sheet=filename, row=start + 1, reason=f"missing column {wanted}", field=key)
            )
    if out.problems:
        return out

    for r_index in range(start + 1, len(grid)):
        cells = grid[r_index]
        if not any(str(c or "").strip() for c in cells):
            continue
        row_no = r_index + 1
        bad: list[Problem] = []

        def cell(key: str, cells: list[Any] = cells) -> Any:
            i = cols.get(key)
            return cells[i] if i is not None and i < len(cells) else None

        def fail(key: str, reason: str, row_no: int = row_no, bad: list[Problem] = bad) -> None:
            i = cols.get(key)
            bad.append(
                Problem(
                    sheet=filename,
                    row=row_no,
                    column=letter(i) if i is not None else None,
                    field=key,
                    reason=reason,
                )
            )

        name = str(cell("name") or "").strip()
        material = str(cell("material") or "").strip() or default_material
        if not name:
            fail("name", "part name is empty")
        if not material:
            fail("material", "material is empty")
        dims: dict[str, float] = {}
        for key in ("length", "width", "thickness"):
            v = cell(key)
            if v is None or str(v).strip() == "":
                if key == "thickness":
                    dims[key] = 18.0
                    continue
                fail(key, f"{key} is empty")
                continue
            try:
                dims[key] = _number(v)
            except ValueError as exc:
                fail(key, str(exc))
                continue
            if not 0 < dims[key] <= 6000:
                fail(key, f"{key} must be > 0 and ≤ 6000 mm")
        qty = 1
        q = cell("qty")
        if q is not None and str(q).strip() != "":
            try:
                qf = float(str(q).strip())
                if qf != int(qf) or not 1 <= qf <= 10000:
                    raise ValueError
                qty = int(qf)
            except (ValueError, OverflowError):  # text, NaN, infinity
                fail("qty", f"quantity {q!r} must be a whole number 1–10000")
        grain: bool | None = None
        g = cell("grain")
        if g is not None and str(g).strip() != "":
            try:
                grain = _flag(g)
            except ValueError as exc:
                fail("grain", str(exc))
        edges: tuple[str, ...] = ()
        try:
            if "edges" in cols:
                edges = _edges(cell("edges"))
            per_edge = [e for e in EDGES if e in cols]
            if per_edge:
                sel = []
                for e in per_edge:
                    v = cell(e)
                    if out.format == "opencutlist":
                        on = bool(str(v or "").strip())
                    else:
                        try:
                            on = _flag(v)
                        except ValueError as exc:
                            fail(e, str(exc))
                            on = False
                    if on:
                        sel.append(e)
                edges = tuple(e for e in EDGES if e in edges or e in sel)
        except ValueError as exc:
            fail("edges", str(exc))
        if bad:
            out.problems.extend(bad)
            continue
        out.rows.append(
            CutListRow(
                name=name,
                material=material,
                length=round(dims["length"], 1),
                width=round(dims["width"], 1),
                thickness=round(dims["thickness"], 1),
                qty=qty,
                grain=grain,
                edges=edges,
                cabinet=str(cell("cabinet") or "").strip(),
                note=str(cell("note") or "").strip(),
                row=row_no,
            )
        )
    if not out.rows and not out.problems:
        out.problems.append(Problem(sheet=filename, reason="the file has no parts"))
    return out


def template_csv() -> bytes:
    """The template as CSV in UTF-8 with BOM (Excel opens it with Korean intact)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(TEMPLATE_HEADER)
    w.writerows(TEMPLATE_EXAMPLE)
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The template workbook: a ``재단목록`` sheet with the header and examples, and a ``_안내`` guide."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "재단목록"
    ws.append(TEMPLATE_HEADER)
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDE6F0")
    for r in TEMPLATE_EXAMPLE:
        ws.append(r)
    for col, width in zip("ABCDEFGHIJ", (14, 12, 8, 8, 6, 6, 5, 14, 12, 16), strict=True):
        ws.column_dimensions[col].width = width
    guide = wb.create_sheet("_안내")
    for line in (
        "필수: 부품명, 재질, 길이(결 방향, mm), 폭(mm)",
        "두께 기본 18, 수량 기본 1, 결: Y/N (빈칸: 재질 기본값)",
        "엣지: L1 L2 W1 W2 (L=길이 방향 변, W=폭 방향 변) 또는 1100 같은 4자리 코드",
        "캐비닛: 같은 가구의 부품을 묶는 이름 (선택)",
    ):
        guide.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
