"""Read a master-data workbook (.xlsx) or CSV file into rows per sheet (no database here).

Reading never stops at the first problem: every problem of the file's shape (unknown sheets, unknown
or missing columns, an unreadable file) is collected as a :class:`Problem` with the sheet, the row as
Excel shows it (the header is row 1) and the column, and the rows that could be read are returned for
the apply step to validate.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from jejo.core.errors import Problem
from jejo.masterdata.transfer.layout import SHEETS, Column, SheetSpec, norm, sheet_for, sheet_for_filename
from jejo.masterdata.transfer.values import blank, coerce

#: a sheet whose name starts with this is ignored (the template's guide sheet is ``_안내``)
IGNORED_PREFIX = "_"
MAX_ROWS = 100_000


@dataclass
class SheetData:
    """The rows of one sheet (or one CSV file), keyed by field name, with their Excel row numbers."""

    spec: SheetSpec
    source: str  # the sheet's name in the workbook, or the CSV file's name: what problems name
    columns: set[str] = field(default_factory=set)
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    readable: bool = True  # False when a required column is missing: its rows are not applied

    def codes(self) -> set[str]:
        """The keys the sheet's rows name (as text), whether or not the rows are valid."""
        key = self.spec.key[0]
        return {str(r[key]) for _, r in self.rows if r.get(key) is not None}


@dataclass
class ReadResult:
    sheets: list[SheetData] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def add(self, other: ReadResult) -> None:
        self.sheets.extend(other.sheets)
        self.problems.extend(other.problems)

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sheets)


def read_table(spec: SheetSpec, source: str, rows: Iterable[Sequence[Any]]) -> ReadResult:
    """Turn a grid of cells (first non-empty row = header) into a :class:`SheetData`."""
    out = ReadResult()
    data = SheetData(spec, source)
    header: list[Column | None] | None = None
    header_row = 0
    label_row_possible = False
    orphan_cols: set[int] = set()
    titled: set[int] = set()
    for rownum, cells in enumerate(rows, start=1):
        if all(blank(c) for c in cells):
            continue
        if len(data.rows) >= MAX_ROWS:
            out.problems.append(Problem(sheet=source, row=rownum, reason=f"more than {MAX_ROWS} rows"))
            break
        if header is None:
            header, header_row = _header(spec, source, cells, rownum, out.problems), rownum
            titled = {i for i, c in enumerate(cells) if not blank(c)}
            data.columns = {c.name for c in header if c is not None}
            label_row_possible = True
            continue
        if label_row_possible and _is_label_row(header, cells):
            label_row_possible = False
            continue
        label_row_possible = False
        row: dict[str, Any] = {}
        for i, value in enumerate(cells):
            col = header[i] if i < len(header) else None
            if col is None:
                if not blank(value) and i not in orphan_cols and i not in titled:
                    orphan_cols.add(i)
                    out.problems.append(
                        Problem(
                            sheet=source,
                            row=header_row,
                            column=_letter(i),
                            reason="this column has values but no header",
                        )
                    )
                continue
            v = coerce(value, col)
            if v is not None:
                row[col.name] = v
        data.rows.append((rownum, row))
    if header is None:
        return out  # an empty sheet is fine: nothing to do
    missing = [name for name in spec.required if name not in data.columns]
    for name in missing:
        out.problems.append(
            Problem(
                sheet=source,
                row=header_row,
                column=name,
                reason=f"required column is missing ({spec.column(name).label_ko})",
            )
        )
    data.readable = not missing
    out.sheets.append(data)
    return out


def _header(
    spec: SheetSpec, source: str, cells: Sequence[Any], rownum: int, problems: list[Problem]
) -> list[Column | None]:
    out: list[Column | None] = []
    seen: dict[str, str] = {}
    for cell in cells:
        if blank(cell):
            out.append(None)
            continue
        text = str(cell).strip()
        col = spec.match_header(text)
        if col is None:
            known = ", ".join(c.name for c in spec.columns)
            problems.append(
                Problem(sheet=source, row=rownum, column=text, reason=f"unknown column; known: {known}")
            )
        elif col.name in seen:
            problems.append(
                Problem(
                    sheet=source,
                    row=rownum,
                    column=col.name,
                    reason=f"column appears twice (also as {seen[col.name]!r})",
                )
            )
            col = None
        else:
            seen[col.name] = text
        out.append(col)
    return out


def _is_label_row(header: list[Column | None], cells: Sequence[Any]) -> bool:
    """A row of labels under the header (as the template writes it) rather than data."""
    hits = 0
    for i, value in enumerate(cells):
        if blank(value):
            continue
        col = header[i] if i < len(header) else None
        if col is None or norm(str(value)) not in col.header_keys():
            return False
        hits += 1
    return hits > 0


def _letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based index (A, B, …, Z, AA, …), past Excel's last column too
    (a CSV row may be wider)."""
    n, out = index + 1, ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


# ---- .xlsx -----------------------------------------------------------------------------------------


def read_xlsx(data: bytes, filename: str = "workbook.xlsx") -> ReadResult:
    """Every sheet of a workbook; a sheet per kind, named after it (``items``, ``품목``, ...)."""
    from openpyxl import load_workbook

    out = ReadResult()
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # a damaged file fails deep in zlib, XML or openpyxl: name it, never crash
        reason = (
            "this is an old .xls file; save it as .xlsx (Excel workbook) first"
            if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            else f"not a readable .xlsx workbook ({exc})"
        )
        out.problems.append(Problem(sheet=filename, reason=reason))
        return out
    taken: dict[str, str] = {}
    for ws in wb.worksheets:
        title = ws.title
        if title.startswith(IGNORED_PREFIX):
            continue
        spec = sheet_for(title)
        if spec is None:
            out.problems.append(
                Problem(
                    sheet=title,
                    reason=f"unknown sheet; known: {', '.join(SHEETS)} "
                    f"(sheets whose name starts with {IGNORED_PREFIX!r} are ignored)",
                )
            )
            continue
        if spec.name in taken:
            out.problems.append(
                Problem(sheet=title, reason=f"sheet {taken[spec.name]!r} already holds {spec.name}")
            )
            continue
        taken[spec.name] = title
        out.add(read_table(spec, title, ws.iter_rows(min_row=1, values_only=True)))
    wb.close()
    return out


# ---- CSV -------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else CP949.

    CP949 is a superset of EUC-KR, which is what Korean Excel writes for "CSV (쉼표로 분리)".
    Raises :class:`UnicodeDecodeError` when none fits.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp949"), "cp949"


def sniff_delimiter(text: str) -> str:
    """``,`` unless the header line has more ``;`` or tabs (outside quotes)."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: 0 for d in ",;\t"}
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def read_csv(data: bytes, filename: str, kind: str | None = None) -> ReadResult:
    """One CSV file of one kind (``kind``, or inferred from the file name)."""
    out = ReadResult()
    stem = PurePath(filename).stem
    spec = SHEETS.get(kind) if kind else sheet_for_filename(stem)
    if spec is None:
        reason = f"unknown kind {kind!r}" if kind else "cannot tell the kind of data from the file name"
        out.problems.append(
            Problem(
                sheet=filename,
                reason=f"{reason}; name the file after one of "
                f"{', '.join(SHEETS)} (e.g. items.csv) or give the kind",
            )
        )
        return out
    try:
        text, _encoding = decode(data)
    except UnicodeDecodeError:
        out.problems.append(Problem(sheet=filename, reason="the file is neither UTF-8 nor CP949/EUC-KR text"))
        return out
    text = text.replace("\x00", "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        out.problems.append(
            Problem(sheet=filename, row=reader.line_num, reason=f"not a readable CSV file ({exc})")
        )
        return out
    return read_table(spec, filename, rows)


def read_file(filename: str, data: bytes, kind: str | None = None) -> ReadResult:
    """A workbook (.xlsx/.xlsm) or a CSV file (.csv/.txt/.tsv), by its extension (or, for a name
    without a known one, by its content: a zip is a workbook)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv", ".xls") and data[:4] == b"PK\x03\x04":
        suffix = ".xlsx"
    if suffix in (".xlsx", ".xlsm"):
        result = read_xlsx(data, filename)
        if kind:  # a workbook with one sheet of another name, imported as one kind
            result = _only_kind(result, data, filename, kind)
        return result
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(data, filename, kind)
    out = ReadResult()
    reason = "unsupported file type; use .xlsx or .csv"
    if suffix == ".xls":
        reason = "old .xls files are not supported; save it as .xlsx (Excel workbook) or .csv first"
    out.problems.append(Problem(sheet=filename, reason=reason))
    return out


def _only_kind(result: ReadResult, data: bytes, filename: str, kind: str) -> ReadResult:
    """With a kind given, keep that kind's sheet; a workbook with a single, unknown sheet is read as it."""
    from openpyxl import load_workbook

    spec = SHEETS.get(kind)
    if spec is None:
        out = ReadResult()
        out.problems.append(
            Problem(sheet=filename, reason=f"unknown kind {kind!r}; known: {', '.join(SHEETS)}")
        )
        return out
    mine = [s for s in result.sheets if s.spec.name == kind]
    if mine:
        return ReadResult(mine, [p for p in result.problems if p.sheet == mine[0].source])
    wb = load_workbook(io.BytesIO(data), data_only=True)
    sheets = [ws for ws in wb.worksheets if not ws.title.startswith(IGNORED_PREFIX)]
    if len(sheets) != 1:
        out = ReadResult()
        out.problems.append(Problem(sheet=filename, reason=f"no sheet named {kind!r} in the workbook"))
        return out
    return read_table(spec, sheets[0].title, sheets[0].iter_rows(min_row=1, values_only=True))
