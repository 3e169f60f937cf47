"""The layout of a master-data workbook: which sheets, which columns, their Korean labels.

One sheet per kind of master data, named after the kind (``sites``, ``items``, ...), plus ``boms`` and
``routings`` as flat rows (one row per BOM line or routing operation). Row 1 holds the field names;
Korean labels (``코드``, ``품목``, ...) and English labels are accepted in their place, and a row of
Korean labels right below the header, as the template and the exports write it, is skipped on import.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from jejo.masterdata import schemas as s
from jejo.masterdata.service import KINDS

#: the order sheets are written in and applied in: every reference points to an earlier sheet
ORDER: tuple[str, ...] = (
    "sites",
    "areas",
    "lines",
    "work_centers",
    "equipment",
    "items",
    "boms",
    "routings",
    "reason_codes",
    "shifts",
    "locations",
    "calendar_exceptions",
)

#: Korean label of each field (the template's second row); a sheet may override one below
LABELS_KO: dict[str, str] = {
    "code": "코드",
    "name": "이름",
    "timezone": "시간대",
    "site": "사업장",
    "area": "구역",
    "line": "라인",
    "work_center": "작업장",
    "manufacturer": "제조사",
    "model": "모델",
    "serial_number": "일련번호",
    "ideal_cycle_time_s": "이론 사이클타임(초)",
    "kind": "유형",
    "uom": "단위",
    "description": "설명",
    "category": "분류",
    "planned": "계획 정지",
    "oee_loss": "OEE 손실",
    "start": "시작 시각",
    "end": "종료 시각",
    "break_minutes": "휴게(분)",
    "weekdays": "근무 요일",
    "day": "날짜",
    "working": "근무일",
    "note": "비고",
    "item": "품목",
    "version": "버전",
    "base_quantity": "기준 수량",
    "component": "구성 품목",
    "quantity": "수량",
    "scrap_factor": "손실률",
    "seq": "공정 순번",
    "setup_time_s": "준비 시간(초)",
    "cycle_time_s": "사이클타임(초)",
}

_SHEET_LABELS_KO: dict[str, dict[str, str]] = {
    "items": {"code": "품목 코드", "name": "품목명", "kind": "품목 유형"},
    "equipment": {"code": "설비 코드", "name": "설비명"},
    "locations": {"kind": "위치 유형"},
    "routings": {"name": "공정명"},
}

#: other headers people write for a field (compared without spaces, case or punctuation)
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("코드", "code", "id"),
    "name": ("이름", "명칭", "명", "name"),
    "timezone": ("타임존", "시간대"),
    "site": ("사업장", "공장", "사업장코드"),
    "area": ("구역", "구역코드"),
    "line": ("라인", "라인코드", "생산라인"),
    "work_center": ("작업장", "작업장코드", "워크센터"),
    "ideal_cycle_time_s": ("이론사이클타임", "표준사이클타임(초)", "ideal_cycle_time"),
    "kind": ("유형", "구분", "종류"),
    "uom": ("단위", "unit"),
    "description": ("설명", "규격"),
    "serial_number": ("일련번호", "시리얼번호", "s/n"),
    "category": ("분류", "구분"),
    "planned": ("계획정지", "계획"),
    "start": ("시작", "시작시각", "시작시간"),
    "end": ("종료", "종료시각", "종료시간"),
    "break_minutes": ("휴게", "휴게시간(분)", "휴식(분)"),
    "weekdays": ("요일", "근무요일"),
    "day": ("날짜", "일자", "date"),
    "working": ("근무", "근무일", "근무여부"),
    "note": ("비고", "메모"),
    "item": ("품목", "품목코드", "모품목", "제품"),
    "version": ("버전", "판", "rev", "revision"),
    "base_quantity": ("기준수량",),
    "component": ("구성품목", "구성품", "자품목", "자재", "하위품목"),
    "quantity": ("수량", "소요량", "qty"),
    "scrap_factor": ("손실률", "로스율", "스크랩률"),
    "seq": ("순번", "공정순번", "공정순서", "순서"),
    "setup_time_s": ("준비시간", "준비시간(초)", "셋업시간(초)", "setup_time"),
    "cycle_time_s": ("사이클타임", "사이클타임(초)", "표준시간(초)", "cycle_time"),
}

#: choices shown as Korean words next to the stored English ones, in the template's guide sheet
CHOICE_LABELS_KO: dict[str, str] = {
    "raw": "원자재",
    "semi": "반제품",
    "finished": "완제품",
    "downtime": "비가동",
    "scrap": "불량(폐기)",
    "rework": "재작업",
    "availability": "가용성",
    "performance": "성능",
    "quality": "품질",
    "none": "없음",
    "storage": "보관",
    "wip": "재공",
    "shipping": "출하",
    "quarantine": "격리",
}

ColumnType = type[str] | type[int] | type[float] | type[bool] | type[date] | type[time]


@dataclass(frozen=True)
class Column:
    """One column of a sheet: the field it fills and how it is shown."""

    name: str
    label_ko: str
    type: ColumnType
    required: bool
    choices: tuple[str, ...] = ()
    ref: str | None = None  # the sheet whose codes this column refers to
    aliases: tuple[str, ...] = ()

    def header_keys(self) -> set[str]:
        """Every header (normalised) that names this column."""
        return {norm(self.name), norm(self.label_ko), *(norm(a) for a in self.aliases)}


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: a kind of master data, its columns and an example for the template."""

    name: str
    label_ko: str
    label_en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    example: tuple[dict[str, Any], ...] = field(default=())

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def match_header(self, header: str) -> Column | None:
        """The column a header names (field name, Korean label, English label or an alias)."""
        key = norm(header)
        if not key:
            return None
        for col in self.columns:
            if key in col.header_keys():
                return col
        if "(" in header:  # "코드 (code)" or "code (코드)"
            outer, inner = header.split("(", 1)
            for part in (outer, inner.rstrip(") ")):
                found = self.match_header(part) if "(" not in part else None
                if found:
                    return found
        return None


def norm(text: str) -> str:
    """A header or sheet name reduced for comparison: no case, spaces, underscores, dashes or dots."""
    return re.sub(r"[\s_\-.·]+", "", str(text)).lower()


def _base(annotation: Any) -> tuple[ColumnType, tuple[str, ...]]:
    """The plain type of a schema field (``str | None`` → ``str``) and its choices if it is a Literal."""
    origin = get_origin(annotation)
    if origin is Literal:
        return str, tuple(str(a) for a in get_args(annotation))
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _base(inner[0])
    if annotation in (str, int, float, bool, date, time):
        return annotation, ()
    return str, ()


_REF_SHEET = {
    "site": "sites",
    "area": "areas",
    "line": "lines",
    "work_center": "work_centers",
    "item": "items",
    "component": "items",
}


def _columns(
    sheet: str, schema: type[BaseModel], names: list[str] | None = None, required: set[str] | None = None
) -> tuple[Column, ...]:
    labels = {**LABELS_KO, **_SHEET_LABELS_KO.get(sheet, {})}
    out = []
    for name in names or list(schema.model_fields):
        info = schema.model_fields[name]
        typ, choices = _base(info.annotation)
        out.append(
            Column(
                name=name,
                label_ko=labels.get(name, name),
                type=typ,
                required=info.is_required() if required is None else name in required,
                choices=choices,
                ref=_REF_SHEET.get(name),
                aliases=ALIASES.get(name, ()),
            )
        )
    return tuple(out)


def _bom_columns() -> tuple[Column, ...]:
    head = _columns("boms", s.BomIn, ["item", "version", "base_quantity"], {"item"})
    lines = _columns(
        "boms", s.BomLineIn, ["component", "quantity", "scrap_factor"], {"component", "quantity"}
    )
    return head + lines


def _routing_columns() -> tuple[Column, ...]:
    head = _columns("routings", s.RoutingIn, ["item", "version"], {"item"})
    ops = _columns(
        "routings",
        s.RoutingOperationIn,
        ["seq", "name", "work_center", "setup_time_s", "cycle_time_s"],
        {"seq", "name", "work_center", "cycle_time_s"},
    )
    return head + ops


_EXAMPLES: dict[str, tuple[dict[str, Any], ...]] = {
    "sites": ({"code": "PLANT-1", "name": "본사 공장", "timezone": "Asia/Seoul"},),
    "areas": ({"code": "A1", "name": "가공동", "site": "PLANT-1"},),
    "lines": ({"code": "L1", "name": "캐비닛 라인", "area": "A1"},),
    "work_centers": ({"code": "WC-SAW", "name": "재단", "line": "L1"},),
    "equipment": (
        {
            "code": "PC-SAW-01",
            "name": "패널 재단기",
            "work_center": "WC-SAW",
            "manufacturer": "한국기계",
            "model": "PS-320",
            "serial_number": "SN-0001",
            "ideal_cycle_time_s": 45.0,
        },
    ),
    "items": (
        {"code": "PB-18", "name": "PB 18mm 판재", "kind": "raw", "uom": "m2", "description": "2440x1220"},
        {"code": "CAB-600", "name": "하부장 600", "kind": "finished", "uom": "EA", "description": None},
    ),
    "boms": (
        {
            "item": "CAB-600",
            "version": "1",
            "base_quantity": 1.0,
            "component": "PB-18",
            "quantity": 1.2,
            "scrap_factor": 0.1,
        },
    ),
    "routings": (
        {
            "item": "CAB-600",
            "version": "1",
            "seq": 10,
            "name": "재단",
            "work_center": "WC-SAW",
            "setup_time_s": 600.0,
            "cycle_time_s": 90.0,
        },
    ),
    "reason_codes": (
        {
            "code": "DT-BREAK",
            "name": "설비 고장",
            "category": "downtime",
            "planned": False,
            "oee_loss": "availability",
        },
    ),
    "shifts": (
        {
            "code": "DAY",
            "name": "주간",
            "start": time(8, 0),
            "end": time(17, 0),
            "break_minutes": 60,
            "weekdays": "0,1,2,3,4",
        },
    ),
    "locations": ({"code": "WH-RAW", "name": "원자재 창고", "kind": "storage"},),
    "calendar_exceptions": ({"day": date(2026, 8, 3), "working": False, "note": "하계 휴가"},),
}


def _build() -> dict[str, SheetSpec]:
    out: dict[str, SheetSpec] = {}
    for name in ORDER:
        if name == "boms":
            out[name] = SheetSpec(
                "boms",
                "BOM(자재명세서)",
                "BOMs",
                _bom_columns(),
                ("item", "version", "component"),
                _EXAMPLES[name],
            )
        elif name == "routings":
            out[name] = SheetSpec(
                "routings",
                "공정 순서(라우팅)",
                "Routings",
                _routing_columns(),
                ("item", "version", "seq"),
                _EXAMPLES[name],
            )
        else:
            k = KINDS[name]
            out[name] = SheetSpec(
                name, k.label_ko, k.label_en, _columns(name, k.schema), (k.key,), _EXAMPLES[name]
            )
    return out


SHEETS: dict[str, SheetSpec] = _build()

_SHEET_ALIASES: dict[str, str] = {
    "bom": "boms",
    "자재명세서": "boms",
    "routing": "routings",
    "라우팅": "routings",
    "공정순서": "routings",
    "공정": "routings",
    "설비목록": "equipment",
    "품목마스터": "items",
    "휴무일": "calendar_exceptions",
    "위치": "locations",
    "창고": "locations",
    "사유": "reason_codes",
}


def sheet_for(title: str) -> SheetSpec | None:
    """The sheet spec a workbook sheet (or a CSV file's name) stands for, if any."""
    key = norm(title)
    for spec in SHEETS.values():
        if key in {norm(spec.name), norm(spec.label_ko), norm(spec.label_en)}:
            return spec
    alias = {norm(k): v for k, v in _SHEET_ALIASES.items()}.get(key)
    return SHEETS[alias] if alias else None


def sheet_for_filename(stem: str) -> SheetSpec | None:
    """Infer the kind of a CSV file from its name: ``items.csv``, ``품목.csv``, ``acme-items-2026.csv``."""
    exact = sheet_for(stem)
    if exact:
        return exact
    words = [w for w in re.split(r"[\s\-._]+", stem.lower()) if w]
    spans = [words[i:j] for i in range(len(words)) for j in range(i + 1, len(words) + 1)]
    joined = {"_".join(p) for p in spans} | {"".join(p) for p in spans}
    best: SheetSpec | None = None
    for spec in SHEETS.values():
        names = {spec.name, spec.name.replace("_", ""), norm(spec.label_ko)}
        if names & joined and (best is None or len(spec.name) > len(best.name)):
            best = spec
    return best
