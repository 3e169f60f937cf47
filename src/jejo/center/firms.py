"""Firms (기업): profile with validated 사업자등록번호, KSIC and 시·군, prior builds with their system level
per site, dated capability levels, and import from Excel."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from pydantic import ValidationError as PydanticError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jejo.center import reference as ref
from jejo.center.access import get_firm, visible_firm_ids
from jejo.center.schemas import BuildIn, CapabilityIn, FirmIn
from jejo.center.tables import Firm, FirmBuild, FirmCapability
from jejo.core.errors import Conflict, NotFound, Problem, ValidationError
from jejo.core.tenancy import Company
from jejo.masterdata.users import Principal


def firm_problems(body: FirmIn, row: int | None = None, sheet: str | None = None) -> list[Problem]:
    """Every domain problem of a firm profile (checksum, KSIC, 시·군), each naming its field."""
    out = []
    for p in (
        ref.business_number_problem(body.business_number),
        ref.ksic_problem(body.ksic_code),
        ref.sigungu_problem(body.sigungu),
    ):
        if p is not None:
            out.append(Problem(reason=p.reason, field=p.field, row=row, sheet=sheet))
    return out


def _plant_company_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    cid = session.scalar(select(Company.id).where(Company.code == code))
    if cid is None:
        raise ValidationError(
            "firm not saved", [Problem(reason=f"company {code!r} not found", field="plant_company")]
        )
    return cid


def _values(body: FirmIn) -> dict[str, Any]:
    ksic = ref.lookup_ksic(body.ksic_code)
    assert ksic is not None
    return {
        "business_number": ref.normalise_business_number(body.business_number),
        "name": body.name,
        "representative": body.representative,
        "sigungu": body.sigungu.strip(),
        "ksic_code": ksic.code,
        "employees": body.employees,
        "revenue_krw": body.revenue_krw,
        "factory_registered": body.factory_registered,
        "legend50": body.legend50,
        "main_products": body.main_products,
    }


def find_by_business_number(session: Session, company_id: int, business_number: str) -> Firm | None:
    """The center's firm with this 사업자등록번호 (dashes allowed), or None."""
    return session.scalar(
        select(Firm).where(
            Firm.company_id == company_id,
            Firm.business_number == ref.normalise_business_number(business_number),
        )
    )


def get_by_business_number(session: Session, company_id: int, business_number: str) -> Firm:
    firm = find_by_business_number(session, company_id, business_number)
    if firm is None:
        raise NotFound(f"firm {business_number} not found")
    return firm


def create_firm(session: Session, company_id: int, body: FirmIn) -> Firm:
    problems = firm_problems(body)
    if problems:
        raise ValidationError("firm not saved", problems)
    if find_by_business_number(session, company_id, body.business_number):
        raise Conflict(
            f"firm {ref.format_business_number(body.business_number)} already exists",
            [Problem(reason="already registered at this center", field="business_number")],
        )
    firm = Firm(company_id=company_id, **_values(body))
    firm.plant_company_id = _plant_company_id(session, body.plant_company)
    session.add(firm)
    session.flush()
    return firm


def update_firm(session: Session, company_id: int, firm_id: uuid.UUID, body: FirmIn) -> Firm:
    firm = get_firm(session, company_id, firm_id)
    problems = firm_problems(body)
    if problems:
        raise ValidationError("firm not saved", problems)
    other = find_by_business_number(session, company_id, body.business_number)
    if other is not None and other.id != firm.id:
        raise Conflict(
            "another firm has this 사업자등록번호",
            [Problem(reason="already registered at this center", field="business_number")],
        )
    for k, v in _values(body).items():
        setattr(firm, k, v)
    firm.plant_company_id = _plant_company_id(session, body.plant_company)
    session.flush()
    return firm


def list_firms(
    session: Session, who: Principal, query: str | None = None, sigungu: str | None = None
) -> list[Firm]:
    """The firms the caller may see, by name; ``query`` matches name, representative or number."""
    stmt = select(Firm).where(Firm.company_id == who.company_id)
    seen = visible_firm_ids(session, who)
    if seen is not None:
        if not seen:
            return []
        stmt = stmt.where(Firm.id.in_(seen))
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(
            or_(
                Firm.name.like(like),
                Firm.representative.like(like),
                Firm.business_number.like(f"%{ref.normalise_business_number(query)}%"),
            )
        )
    if sigungu:
        stmt = stmt.where(Firm.sigungu == sigungu)
    return list(session.scalars(stmt.order_by(Firm.name)))


def count_firms(session: Session, company_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Firm).where(Firm.company_id == company_id)) or 0


def add_build(session: Session, firm: Firm, body: BuildIn) -> FirmBuild:
    problems = []
    if body.level_before and ref.level_rank(body.level_before) > ref.level_rank(body.level_target):
        problems.append(Problem(reason="the target level is below the level before", field="level_target"))
    if problems:
        raise ValidationError("build not saved", problems)
    build = FirmBuild(company_id=firm.company_id, firm_id=firm.id, **body.model_dump())
    session.add(build)
    session.flush()
    session.refresh(firm)
    return build


def add_capability(
    session: Session, firm: Firm, body: CapabilityIn, diagnosis_id: uuid.UUID | None = None
) -> FirmCapability:
    cap = FirmCapability(
        company_id=firm.company_id, firm_id=firm.id, diagnosis_id=diagnosis_id, **body.model_dump()
    )
    session.add(cap)
    session.flush()
    session.refresh(firm)
    return cap


def best_achieved_level(firm: Firm, *, registered_only: bool = False) -> str | None:
    """The highest system level any site of the firm achieved in a prior build."""
    levels = [
        b.level_achieved for b in firm.builds if b.level_achieved and (b.registered or not registered_only)
    ]
    return max(levels, key=ref.level_rank) if levels else None


def latest_capability(firm: Firm) -> FirmCapability | None:
    return max(firm.capabilities, key=lambda c: (c.assessed_on, c.id.bytes), default=None)


def firm_out(firm: Firm) -> dict[str, Any]:
    ksic = ref.lookup_ksic(firm.ksic_code)
    cap = latest_capability(firm)
    return {
        "id": str(firm.id),
        "business_number": ref.format_business_number(firm.business_number),
        "name": firm.name,
        "representative": firm.representative,
        "sigungu": firm.sigungu,
        "gyeonggi_north": firm.sigungu in ref.gyeonggi_north(),
        "ksic_code": firm.ksic_code,
        "ksic_name": ksic.name if ksic else None,
        "employees": firm.employees,
        "revenue_krw": firm.revenue_krw,
        "factory_registered": firm.factory_registered,
        "legend50": firm.legend50,
        "main_products": firm.main_products,
        "plant_company_id": firm.plant_company_id,
        "builds": [
            {
                "id": str(b.id),
                "site": b.site,
                "year": b.year,
                "program": b.program,
                "level_before": b.level_before,
                "level_target": b.level_target,
                "level_achieved": b.level_achieved,
                "supplier": b.supplier,
                "registered": b.registered,
            }
            for b in firm.builds
        ],
        "capabilities": [
            {
                "level": c.level,
                "assessed_on": c.assessed_on.isoformat(),
                "method": c.method,
                "assessor": c.assessor,
            }
            for c in firm.capabilities
        ],
        "capability_level": cap.level if cap else None,
        "best_system_level": best_achieved_level(firm),
        "created_at": firm.created_at.isoformat(),
        "updated_at": firm.updated_at.isoformat(),
    }


# ---- Excel ----------------------------------------------------------------------------------------

#: column header (Korean, as in the template) → FirmIn field
EXCEL_COLUMNS = {
    "사업자등록번호": "business_number",
    "기업명": "name",
    "대표자": "representative",
    "시군": "sigungu",
    "KSIC": "ksic_code",
    "상시근로자": "employees",
    "매출액": "revenue_krw",
    "공장등록": "factory_registered",
    "레전드50": "legend50",
    "주생산품": "main_products",
}
_TRUE = {"y", "yes", "o", "예", "true", "1", "○", "v"}


def excel_template() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "기업"
    ws.append(list(EXCEL_COLUMNS))
    ws.append(
        [
            "124-81-00998",
            "예시가구(주)",
            "홍길동",
            "포천시",
            "C32029",
            25,
            3_200_000_000,
            "Y",
            "N",
            "주방가구",
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: Any, field: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if field in ("factory_registered", "legend50"):
        return str(value).strip().lower() in _TRUE if not isinstance(value, bool) else value
    if field in ("employees", "revenue_krw"):
        if isinstance(value, (int, float)):
            return int(value)
        return str(value).replace(",", "").strip()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def import_excel(session: Session, company_id: int, data: bytes) -> dict[str, Any]:
    """Import firms from the first sheet (headers as in :data:`EXCEL_COLUMNS`). A firm already registered
    (same 사업자등록번호) is updated. Every problem is reported with its row; nothing is saved then."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(
            "not an Excel workbook", [Problem(reason=str(exc) or "unreadable", field="file")]
        ) from exc
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise ValidationError("empty workbook", [Problem(reason="no header row", sheet=ws.title, row=1)])
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [h for h in ("사업자등록번호", "기업명", "시군", "KSIC") if h not in header]
    if missing:
        raise ValidationError(
            "firms not imported",
            [Problem(reason=f"column {h} is missing", sheet=ws.title, row=1, column=h) for h in missing],
        )
    problems: list[Problem] = []
    parsed: list[tuple[int, FirmIn]] = []
    seen: dict[str, int] = {}
    for r, values in enumerate(rows[1:], start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        raw: dict[str, Any] = {}
        for h, v in zip(header, values, strict=False):
            if h in EXCEL_COLUMNS:
                cell = _cell(v, EXCEL_COLUMNS[h])
                if cell is not None:
                    raw[EXCEL_COLUMNS[h]] = cell
        try:
            body = FirmIn.model_validate(raw)
        except PydanticError as exc:
            for e in exc.errors():
                field = str(e["loc"][0]) if e["loc"] else None
                column = next((h for h, f in EXCEL_COLUMNS.items() if f == field), None)
                problems.append(Problem(reason=e["msg"], field=field, sheet=ws.title, row=r, column=column))
            continue
        row_problems = firm_problems(body, row=r, sheet=ws.title)
        bn = ref.normalise_business_number(body.business_number)
        if bn in seen:
            row_problems.append(
                Problem(
                    reason=f"same 사업자등록번호 as row {seen[bn]}",
                    field="business_number",
                    sheet=ws.title,
                    row=r,
                )
            )
        seen.setdefault(bn, r)
        problems.extend(row_problems)
        if not row_problems:
            parsed.append((r, body))
    if problems:
        raise ValidationError(f"firms not imported: {len(problems)} problem(s)", problems)
    created = updated = 0
    for _r, body in parsed:
        firm = find_by_business_number(session, company_id, body.business_number)
        if firm is None:
            create_firm(session, company_id, body)
            created += 1
        else:
            update_firm(session, company_id, firm.id, body)
            updated += 1
    return {"created": created, "updated": updated, "rows": len(parsed)}
