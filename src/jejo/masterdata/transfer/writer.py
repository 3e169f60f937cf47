"""Write master data as an .xlsx workbook (exports and the template) or as CSV (no database here).

Workbook: one sheet per kind in dependency order; row 1 = field names (bold, frozen, with a comment
giving the Korean label, whether the column is required and its choices); row 2 = Korean labels (the
importer skips it); data from row 3. Enumerations get a drop-down list, references a drop-down of the
codes in the referenced sheet (a suggestion only: codes already in the database are fine too).
CSV: one kind, header = field names, UTF-8 with BOM so that Excel opens Korean text correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from jejo.masterdata.transfer.layout import CHOICE_LABELS_KO, ORDER, SHEETS, Column, SheetSpec

GUIDE_SHEET = "_안내"
LABEL_ROW = 2
FIRST_DATA_ROW = 3
VALIDATION_ROWS = 2000
_HEADER_FILL = "DDEBF7"
_LABEL_FILL = "F2F2F2"


def cell_text(value: Any) -> str:
    """A value as CSV text: ISO dates and times, ``true``/``false``, ``600`` rather than ``600.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def write_csv(kind: str, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """One kind as CSV (header = field names), encoded UTF-8 with BOM, CRLF line ends (as Excel writes)."""
    spec = SHEETS[kind]
    names = [c.name for c in spec.columns]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(names)
    for r in rows:
        w.writerow([cell_text(r.get(n)) for n in names])
    return buf.getvalue().encode("utf-8-sig")


def write_workbook(data: Mapping[str, Sequence[Mapping[str, Any]]], *, template: bool = False) -> bytes:
    """Sheets for the kinds in ``data`` (all kinds for a template, with an example row each)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    if template:
        _guide(wb.create_sheet(GUIDE_SHEET))
    kinds = [k for k in ORDER if k in data or template]
    for kind in kinds:
        spec = SHEETS[kind]
        rows = list(data.get(kind, ())) or (list(spec.example) if template else [])
        _sheet(wb.create_sheet(kind), spec, rows, kinds)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_workbook() -> bytes:
    """The import template: guide sheet, every kind's sheet with headers, labels and an example row."""
    return write_workbook({}, template=True)


def _sheet(ws: Any, spec: SheetSpec, rows: list[Mapping[str, Any]], kinds: list[str]) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    label_font = Font(italic=True, color="595959")
    label_fill = PatternFill("solid", fgColor=_LABEL_FILL)
    for j, col in enumerate(spec.columns, start=1):
        h = ws.cell(row=1, column=j, value=col.name)
        h.font, h.fill = bold, header_fill
        h.comment = Comment(_hint(col), "jejo", width=260, height=110)
        lab = ws.cell(row=LABEL_ROW, column=j, value=col.label_ko)
        lab.font, lab.fill = label_font, label_fill
        lab.alignment = Alignment(horizontal="left")
    for i, row in enumerate(rows, start=FIRST_DATA_ROW):
        for j, col in enumerate(spec.columns, start=1):
            value = row.get(col.name)
            if value is None:
                continue
            if isinstance(value, str):  # control characters cannot be stored in a worksheet's XML
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            c = ws.cell(row=i, column=j, value=value)
            if col.type is time:
                c.number_format = "hh:mm"
            elif col.type is date:
                c.number_format = "yyyy-mm-dd"
            elif col.type is str:
                c.number_format = "@"
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
    for j, col in enumerate(spec.columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = _width(col, rows)
    _validations(ws, spec, kinds)


def _hint(col: Column) -> str:
    lines = [f"{col.label_ko} ({col.name})", "필수" if col.required else "선택 (비우면 기본값)"]
    if col.choices:
        lines.append("값: " + ", ".join(f"{c}={CHOICE_LABELS_KO.get(c, c)}" for c in col.choices))
    if col.ref:
        lines.append(f"{col.ref} 시트나 등록된 코드")
    if col.type is bool:
        lines.append("TRUE/FALSE (예/아니오)")
    elif col.type is time:
        lines.append("시각 HH:MM")
    elif col.type is date:
        lines.append("날짜 YYYY-MM-DD")
    return "\n".join(lines)


def _display_len(value: Any) -> int:
    """Rough width in Excel characters: Hangul and other wide characters count double."""
    text = value.strftime("%H:%M") if isinstance(value, time) else str(value)
    return sum(2 if ord(ch) > 0x1100 else 1 for ch in text)


def _width(col: Column, rows: list[Mapping[str, Any]]) -> float:
    longest = max(
        [
            len(col.name),
            _display_len(col.label_ko),
            *(_display_len(r[col.name]) for r in rows[:500] if r.get(col.name) is not None),
        ]
    )
    return float(min(max(longest + 2, 8), 48))


def _validations(ws: Any, spec: SheetSpec, kinds: list[str]) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    last = FIRST_DATA_ROW + VALIDATION_ROWS - 1
    for j, col in enumerate(spec.columns, start=1):
        rng = f"{get_column_letter(j)}{FIRST_DATA_ROW}:{get_column_letter(j)}{last}"
        dv: DataValidation | None = None
        if col.choices:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(col.choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=col.label_ko,
                error="목록에서 고르세요: " + ", ".join(col.choices),
            )
        elif col.type is bool:
            dv = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
        elif col.ref and col.ref in kinds and col.ref != spec.name:
            # the codes of the referenced sheet as a drop-down; other codes are fine (they may exist already)
            dv = DataValidation(
                type="list",
                formula1=f"={col.ref}!$A${FIRST_DATA_ROW}:$A${last}",
                allow_blank=True,
                showErrorMessage=False,
            )
        if dv is not None:
            dv.add(rng)
            ws.add_data_validation(dv)


def _guide(ws: Any) -> None:
    """The template's first sheet: how to fill it in, every sheet and column with its Korean label."""
    from openpyxl.styles import Font

    lines: list[tuple[Any, ...]] = [
        ("jejo 기준정보 가져오기 양식 (master-data import template)",),
        (),
        ("작성 방법",),
        ("1. 시트 하나가 기준정보 한 종류입니다. 시트 이름과 1행(필드 이름)은 바꾸지 마세요.",),
        ("2. 2행(한글 이름)은 설명용이며 가져오기 때 건너뜁니다. 3행의 예시는 고치거나 지우세요.",),
        ("3. 코드가 같으면 수정, 없으면 새로 등록합니다. 빈 행은 건너뜁니다.",),
        ("4. 문제가 하나라도 있으면 아무것도 반영되지 않고, 시트·행·열·사유가 모두 표시됩니다.",),
        ("5. BOM은 구성 품목마다 한 행, 라우팅은 공정마다 한 행입니다 (품목+버전이 같으면 한 묶음).",),
        ("6. 이름이 '_'로 시작하는 시트(이 시트 등)는 가져오지 않습니다.",),
        (),
        ("시트", "열 (필드)", "한글 이름", "필수", "값"),
    ]
    for kind in ORDER:
        spec = SHEETS[kind]
        for i, col in enumerate(spec.columns):
            choices = ", ".join(f"{c}={CHOICE_LABELS_KO.get(c, c)}" for c in col.choices)
            lines.append(
                (
                    f"{kind} ({spec.label_ko})" if i == 0 else "",
                    col.name,
                    col.label_ko,
                    "필수" if col.required else "",
                    choices or (f"→ {col.ref}" if col.ref else ""),
                )
            )
    for row in lines:
        ws.append(list(row))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A3"].font = Font(bold=True)
    for c in ws[11]:
        c.font = Font(bold=True)
    for letter, width in zip("ABCDE", (34, 22, 22, 8, 60), strict=True):
        ws.column_dimensions[letter].width = width
