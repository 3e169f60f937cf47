"""Business-plan drafts (사업계획서 초안) from measured data.

A consultant drafts a plan for a firm and a program. The KPI baselines come from the firm's own jejo:
the indicators its instance measured over the chosen baseline period and shared with the center
(:mod:`jejo.center.federation`), each with its evidence (period, number of records, sample ids).
Sections are text the consultant edits in the browser; scope, schedule, budget and KPIs are structured
and validated: the budget's government / company cash / in-kind shares must add up per line and respect
the program's ratio and caps.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.center.indicators import BY_KEY, RESULT_INDICATORS, indicator
from jejo.center.results_tables import BusinessPlan, SharedResult
from jejo.center.tables import Firm
from jejo.core.errors import NotFound, Problem, ValidationError
from jejo.core.ids import is_valid_code
from jejo.core.timeutil import as_utc

#: the sections of a typical plan (the usual TIPA form), in order; text sections are edited freely
SECTIONS: tuple[tuple[str, str], ...] = (
    ("company", "1. 신청기업 현황"),
    ("problems", "2. 현장 문제점 및 도입 필요성"),
    ("goals", "3. 구축 목표 및 목표수준"),
    ("scope", "4. 공정별 구축 범위"),
    ("schedule", "5. 추진 일정"),
    ("budget", "6. 사업비"),
    ("kpis", "7. 성과지표 (KPI)"),
    ("operation", "8. 구축 후 운영·유지보수 계획"),
)
TEXT_SECTIONS = ("company", "problems", "goals", "scope", "schedule", "budget", "kpis", "operation")
LEVELS = ("기초", "중간1", "중간2", "고도화")
BUDGET_CATEGORIES = ("SW", "HW", "자동화", "AI", "컨설팅", "기타")
#: default improvement targets of a draft (the consultant sets the real ones)
DEFAULT_TARGETS = {"uph": 20.0, "defect_rate": 30.0, "lead_time": 20.0, "on_time_delivery": 10.0}
DEFAULT_KPIS = ("uph", "defect_rate", "lead_time")
DEFAULT_PROCESSES = ("재단", "엣지 밴딩", "CNC 보링", "조립", "포장")


@dataclass(frozen=True, slots=True)
class BudgetRules:
    """A program's cost rules: government share at most ``gov_ratio_max`` of the total, at most
    ``gov_cap_krw`` per round, the company's share at least ``cash_min_ratio`` in cash, the build at
    most ``max_months`` long."""

    gov_ratio_max: float = 0.5
    gov_cap_krw: int | None = 200_000_000
    cash_min_ratio: float | None = None
    max_months: int = 9
    source: str = "default"


def rules_for_program(session: Session, company_id: int, program: str) -> BudgetRules:
    """The budget rules of a program of the catalogue (``SF-LEAD`` or ``2026/SF-LEAD``): its government
    ratio, per-round (or per-year) cap, optional company-cash ratio and duration; the 2026 선도형 defaults
    (50 %, 2억, 9 months) where the plan names no program."""
    if not program:
        return BudgetRules()
    from jejo.center import catalogue

    year_s, _, code = program.rpartition("/")
    years = [int(year_s)] if year_s.isdigit() else sorted(catalogue.years(), reverse=True)
    for year in years:
        try:
            prog = catalogue.get_program(year, code)
        except NotFound:
            continue
        sup = prog.support or {}
        cap = sup.get("cap_per_round_krw", sup.get("cap_per_year_krw", sup.get("cap_total_krw")))
        return BudgetRules(
            gov_ratio_max=float(sup.get("government_ratio_max", 1.0)),
            gov_cap_krw=int(cap) if cap is not None else None,
            cash_min_ratio=float(sup["company_cash_ratio_min"]) if "company_cash_ratio_min" in sup else None,
            max_months=int(prog.duration_months_max or 12),
            source=f"{year}/{prog.code}",
        )
    raise ValidationError(
        "unknown program", [Problem(f"no program {program!r} in the catalogue", field="program")]
    )


# ---- validation -----------------------------------------------------------------------------------


def _int(value: Any, field: str, row: int | None, problems: list[Problem]) -> int:
    try:
        n = int(value if value not in (None, "") else 0)
    except (TypeError, ValueError):
        problems.append(Problem("must be a whole number of won", field=field, row=row))
        return 0
    if n < 0:
        problems.append(Problem("must not be negative", field=field, row=row))
    return n


def validate_budget(lines: list[dict[str, Any]], rules: BudgetRules) -> list[dict[str, Any]]:
    """Check the budget lines and the program's shares; the error names the field (and row, from 1).

    Per line, government + company cash + company in-kind must equal the line's total. Over the plan,
    the government share is at most ``gov_ratio_max`` of the total and at most ``gov_cap_krw``; the
    company's share is at least ``cash_min_ratio`` in cash."""
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    for i, line in enumerate(lines, start=1):
        item = str(line.get("item", "")).strip()
        if not item:
            problems.append(Problem("name the cost item", field="budget.item", row=i))
        category = str(line.get("category", "기타")) or "기타"
        if category not in BUDGET_CATEGORIES:
            problems.append(
                Problem(f"must be one of {', '.join(BUDGET_CATEGORIES)}", field="budget.category", row=i)
            )
        total = _int(line.get("total_krw"), "budget.total_krw", i, problems)
        gov = _int(line.get("government_krw"), "budget.government_krw", i, problems)
        cash = _int(line.get("cash_krw"), "budget.cash_krw", i, problems)
        kind = _int(line.get("in_kind_krw"), "budget.in_kind_krw", i, problems)
        if gov + cash + kind != total:
            problems.append(
                Problem(
                    f"government + cash + in-kind = {gov + cash + kind:,} won, "
                    f"but the total is {total:,} won",
                    field="budget.total_krw",
                    row=i,
                )
            )
        out.append(
            {
                "item": item,
                "category": category,
                "total_krw": total,
                "government_krw": gov,
                "cash_krw": cash,
                "in_kind_krw": kind,
            }
        )
    if problems:
        raise ValidationError("the budget does not add up", problems)
    t = budget_totals(out)
    if t["total_krw"] and t["government_krw"] > t["total_krw"] * rules.gov_ratio_max:
        problems.append(
            Problem(
                f"the government share is {t['government_ratio']:.1%} of the total; "
                f"the program allows at most {rules.gov_ratio_max:.0%}",
                field="budget.government_krw",
            )
        )
    if rules.gov_cap_krw is not None and t["government_krw"] > rules.gov_cap_krw:
        problems.append(
            Problem(
                f"the government share is {t['government_krw']:,} won; "
                f"the program's cap is {rules.gov_cap_krw:,} won",
                field="budget.government_krw",
            )
        )
    company = t["cash_krw"] + t["in_kind_krw"]
    if rules.cash_min_ratio is not None and company and t["cash_krw"] < company * rules.cash_min_ratio:
        problems.append(
            Problem(
                f"the company pays {t['cash_krw']:,} won in cash, less than "
                f"{rules.cash_min_ratio:.0%} of its share of {company:,} won",
                field="budget.cash_krw",
            )
        )
    if problems:
        raise ValidationError("the budget breaks the program's rules", problems)
    return out


def budget_totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    total = sum(int(x["total_krw"]) for x in lines)
    gov = sum(int(x["government_krw"]) for x in lines)
    cash = sum(int(x["cash_krw"]) for x in lines)
    kind = sum(int(x["in_kind_krw"]) for x in lines)
    return {
        "total_krw": total,
        "government_krw": gov,
        "cash_krw": cash,
        "in_kind_krw": kind,
        "government_ratio": gov / total if total else 0.0,
        "cash_ratio": cash / total if total else 0.0,
        "in_kind_ratio": kind / total if total else 0.0,
    }


def validate_schedule(rows: list[dict[str, Any]], max_months: int) -> list[dict[str, Any]]:
    problems: list[Problem] = []
    out = []
    for i, r in enumerate(rows, start=1):
        task = str(r.get("task", "")).strip()
        if not task:
            problems.append(Problem("name the task", field="schedule.task", row=i))
        try:
            start, end = int(r.get("start_month", 0)), int(r.get("end_month", 0))
        except (TypeError, ValueError):
            problems.append(Problem("months are whole numbers", field="schedule.start_month", row=i))
            continue
        if start < 1:
            problems.append(Problem("starts in month 1 or later", field="schedule.start_month", row=i))
        if end < start:
            problems.append(Problem("ends before it starts", field="schedule.end_month", row=i))
        if end > max_months:
            problems.append(
                Problem(f"the program allows at most {max_months} months", field="schedule.end_month", row=i)
            )
        out.append({"task": task, "start_month": start, "end_month": end})
    if problems:
        raise ValidationError("the schedule is not valid", problems)
    return out


def validate_scope(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    problems: list[Problem] = []
    out = []
    for i, r in enumerate(rows, start=1):
        process = str(r.get("process", "")).strip()
        if not process:
            problems.append(Problem("name the process", field="scope.process", row=i))
        out.append(
            {
                "process": process,
                "function": str(r.get("function", "")).strip(),
                "data": str(r.get("data", "")).strip(),
                "method": str(r.get("method", "")).strip(),
            }
        )
    if problems:
        raise ValidationError("the build scope is not valid", problems)
    return out


def _float(value: Any, field: str, row: int, problems: list[Problem]) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        problems.append(Problem("must be a number", field=field, row=row))
        return None


def validate_kpis(
    rows: list[dict[str, Any]], old: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """KPI rows: a known indicator, a target; a changed baseline becomes self-reported (its evidence goes)."""
    problems: list[Problem] = []
    previous = {k["key"]: k for k in (old or [])}
    out = []
    seen: set[str] = set()
    for i, r in enumerate(rows, start=1):
        key = str(r.get("key", ""))
        if key not in BY_KEY:
            problems.append(Problem(f"must be one of {', '.join(BY_KEY)}", field="kpis.key", row=i))
            continue
        if key in seen:
            problems.append(Problem("listed twice", field="kpis.key", row=i))
        seen.add(key)
        ind = BY_KEY[key]
        baseline = _float(r.get("baseline"), "kpis.baseline", i, problems)
        target = _float(r.get("target"), "kpis.target", i, problems)
        if target is None:
            problems.append(Problem("set a target value", field="kpis.target", row=i))
        prev = previous.get(key, {})
        same = prev and prev.get("baseline") is not None and baseline is not None
        same = bool(same) and abs(float(prev["baseline"]) - float(baseline or 0)) < 1e-9
        source = prev.get("source", "self_reported") if same else "self_reported"
        out.append(
            {
                "key": key,
                "name": ind.name_ko,
                "group": ind.group,
                "unit": ind.unit,
                "baseline": baseline,
                "target": target,
                "method": str(r.get("method") or prev.get("method") or ind.formula),
                "source": source,
                "evidence": prev.get("evidence", {}) if same else {},
            }
        )
    if problems:
        raise ValidationError("the KPIs are not valid", problems)
    if not out:
        raise ValidationError("no KPI", [Problem("a plan needs at least one KPI", field="kpis")])
    return out


# ---- drafting -------------------------------------------------------------------------------------


def get_firm(session: Session, company_id: int, firm: str | uuid.UUID) -> Firm:
    """A firm of the center by id or 사업자등록번호 (dashes allowed)."""
    row: Firm | None = None
    try:
        fid = firm if isinstance(firm, uuid.UUID) else uuid.UUID(str(firm))
        row = session.get(Firm, fid)
    except ValueError:
        digits = str(firm).replace("-", "")
        row = session.scalar(
            select(Firm).where(Firm.company_id == company_id, Firm.business_number == digits)
        )
    if row is None or row.company_id != company_id:
        raise NotFound(f"firm {firm} not found")
    return row


def shared_baselines(session: Session, company_id: int, firm_id: uuid.UUID) -> dict[str, SharedResult]:
    """The latest shared baseline (before) of each indicator of a firm, measured ones first."""
    rows = session.scalars(
        select(SharedResult)
        .where(SharedResult.company_id == company_id, SharedResult.firm_id == firm_id)
        .order_by(SharedResult.received_at)
    ).all()
    out: dict[str, SharedResult] = {}
    for r in rows:
        if r.before is None:
            continue
        cur = out.get(r.indicator)
        if cur is None or r.source == "measured" or cur.source != "measured":
            out[r.indicator] = r
    return out


@dataclass(frozen=True, slots=True)
class _Local:
    """A baseline measured on this instance, shaped like a shared one."""

    before: float
    evidence: dict[str, Any]
    before_from: datetime
    before_to: datetime
    source: str = "measured"
    project: str = ""


def _fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit == "KRW" or unit == "KRW/EA":
        return f"{v:,.0f}원"
    return f"{v:,.2f} {unit}".replace(" %", "%")


def _target(key: str, baseline: float | None) -> float | None:
    if baseline is None:
        return None
    pct = DEFAULT_TARGETS.get(key, 10.0) / 100
    ind = BY_KEY[key]
    if ind.is_rate and ind.higher_is_better:
        return round(min(100.0, baseline + (100 - baseline) * pct), 2)
    return round(baseline * (1 + pct) if ind.higher_is_better else baseline * (1 - pct), 2)


def _company_text(firm: Firm) -> str:
    parts = [
        f"{firm.name} (대표 {firm.representative or '-'}), 사업자등록번호 {firm.business_number[:3]}-"
        f"{firm.business_number[3:5]}-{firm.business_number[5:]}",
        f"소재지 {firm.sigungu}, 업종 KSIC {firm.ksic_code}",
    ]
    if firm.employees is not None:
        parts.append(f"상시근로자 {firm.employees}명")
    if firm.revenue_krw is not None:
        parts.append(f"매출액 {firm.revenue_krw:,}원")
    if firm.main_products:
        parts.append(f"주생산품 {firm.main_products}")
    builds = [
        f"{b.year}년 {b.program or '구축'} ({b.site}): {b.level_before or '-'} → 목표 {b.level_target}"
        + (f", 달성 {b.level_achieved}" if b.level_achieved else "")
        for b in firm.builds
    ]
    text = ". ".join(parts) + "."
    if builds:
        text += " 기존 구축 이력: " + "; ".join(builds) + "."
    return text


def draft_plan(
    session: Session,
    company_id: int,
    firm: str | uuid.UUID,
    *,
    code: str,
    title: str | None = None,
    program: str = "",
    target_level: str = "중간1",
    kpi_keys: tuple[str, ...] | list[str] = DEFAULT_KPIS,
    processes: tuple[str, ...] | list[str] = DEFAULT_PROCESSES,
    baseline_from: datetime | None = None,
    baseline_to: datetime | None = None,
    created_by: str = "",
) -> BusinessPlan:
    """A first draft: company status from the firm record, quantified problems and KPI baselines from
    the firm's measured data with their evidence, targets, a schedule within the program's months.

    The baselines are measured over [baseline_from, baseline_to) when the firm's plant runs on this
    instance (the firm record names its plant company); otherwise they are the baselines the firm's own
    instance measured and shared with the center (:mod:`jejo.center.federation`)."""
    problems: list[Problem] = []
    if not is_valid_code(code):
        problems.append(Problem("letters, digits and . _ - only", field="code"))
    if target_level not in LEVELS:
        problems.append(Problem(f"must be one of {', '.join(LEVELS)}", field="target_level"))
    for k in kpi_keys:
        if k not in BY_KEY:
            problems.append(Problem(f"unknown indicator {k!r}", field="kpis"))
    if (baseline_from is None) != (baseline_to is None):
        problems.append(Problem("give both ends of the baseline period", field="baseline_to"))
    if problems:
        raise ValidationError("plan not drafted", problems)
    f = get_firm(session, company_id, firm)
    if session.scalar(
        select(BusinessPlan.id).where(BusinessPlan.company_id == company_id, BusinessPlan.code == code)
    ):
        from jejo.core.errors import Conflict

        raise Conflict(f"plan {code} already exists", [Problem("already exists", field="code")])
    rules = rules_for_program(session, company_id, program)
    base: dict[str, Any] = dict(shared_baselines(session, company_id, f.id))
    plant = getattr(f, "plant_company_id", None)
    if baseline_from is not None and baseline_to is not None:
        if plant is None:
            raise ValidationError(
                "no measured data here",
                [
                    Problem(
                        "the firm's plant does not run on this instance; use its shared baselines",
                        field="baseline_from",
                    )
                ],
            )
        from jejo.center.indicators import measure

        for key, m in measure(session, plant, as_utc(baseline_from), as_utc(baseline_to)).items():
            if m.value is not None:
                base[key] = _Local(m.value, m.evidence(), as_utc(baseline_from), as_utc(baseline_to))
    kpis: list[dict[str, Any]] = []
    needs: list[str] = []
    period_from: datetime | None = None
    period_to: datetime | None = None
    for key in kpi_keys:
        ind = indicator(key, "kpis")
        sr = base.get(key)
        baseline = sr.before if sr is not None else None
        ev: dict[str, Any] = {}
        if sr is not None:
            ev = dict(sr.evidence or {})
            ev["period"] = [
                as_utc(sr.before_from).isoformat() if sr.before_from else None,
                as_utc(sr.before_to).isoformat() if sr.before_to else None,
            ]
            if sr.project:
                ev["project"] = sr.project
            if sr.before_from and (period_from is None or as_utc(sr.before_from) < period_from):
                period_from = as_utc(sr.before_from)
            if sr.before_to and (period_to is None or as_utc(sr.before_to) > period_to):
                period_to = as_utc(sr.before_to)
        kpis.append(
            {
                "key": key,
                "name": ind.name_ko,
                "group": ind.group,
                "unit": ind.unit,
                "baseline": baseline,
                "target": _target(key, baseline),
                "method": ind.formula
                + (" — jejo 이벤트 로그에서 자동 산출" if ind.measured else " — 자료 제출"),
                "source": sr.source if sr is not None else "self_reported",
                "evidence": ev,
            }
        )
        if baseline is not None:
            n = ev.get("count")
            needs.append(
                f"{ind.name_ko} {_fmt(baseline, ind.unit)}"
                + (
                    f" (기준기간 실측, 근거 기록 {n}건)"
                    if sr is not None and sr.source == "measured"
                    else " (자체 보고)"
                )
            )
    months = rules.max_months
    schedule = [
        {"task": "착수 및 요구사항 분석", "start_month": 1, "end_month": 1},
        {"task": "공정별 상세 설계·데이터 수집 설계", "start_month": 1, "end_month": min(2, months)},
        {"task": "시스템 구축·설비 연동", "start_month": min(2, months), "end_month": max(1, months - 3)},
        {
            "task": "제조DX멘토단 구축지도 (4회)",
            "start_month": min(2, months),
            "end_month": max(1, months - 3),
        },
        {"task": "중간점검", "start_month": max(1, months - 4), "end_month": max(1, months - 4)},
        {"task": "시범 운영·안정화", "start_month": max(1, months - 2), "end_month": max(1, months - 1)},
        {"task": "완료 점검·성과 측정", "start_month": months, "end_month": months},
    ]
    scope = [
        {
            "process": p,
            "function": "작업지시·실적 자동 집계, 설비 가동 수집",
            "data": "수량·불량·설비 상태 (이벤트)",
            "method": "설비 연동 (OPC UA/Modbus) 및 바코드 스캔",
        }
        for p in processes
    ]
    sections = {
        "company": _company_text(f),
        "problems": (
            "기준기간 실측 현황: " + "; ".join(needs) + ". 수기 집계로 원인 분석과 즉시 대응이 어렵다."
            if needs
            else "현장 문제점을 정량적으로 기술한다 (기준기간 실측 자료 없음)."
        ),
        "goals": f"목표수준 {target_level}. 성과지표의 목표값을 사업 종료 시점까지 달성한다.",
        "scope": "공정별 구축 기능, 수집 데이터, 수집 방식은 아래 표와 같다.",
        "schedule": f"총 {months}개월 이내 (프로그램 최대 기간), 중간점검 전 멘토 구축지도 4회.",
        "budget": "정부지원금과 기업부담금 (현금·현물)은 아래 표와 같다.",
        "kpis": "기준값은 기업의 jejo가 측정한 실적이며, 같은 산출식으로 사업 후 측정한다.",
        "operation": (
            "전담 운영자 1명을 지정하고, 구축 후 3년간 데이터 수집과 월간 성과 점검을 지속한다. "
            "사용 기록(일별 기록 수)을 센터와 공유해 미사용을 조기에 발견한다."
        ),
    }
    plan = BusinessPlan(
        company_id=company_id,
        code=code,
        firm_id=f.id,
        program=program,
        title=title or f"{f.name} 스마트공장 구축 사업계획서",
        target_level=target_level,
        baseline_from=period_from,
        baseline_to=period_to,
        sections=sections,
        scope=scope,
        schedule=schedule,
        budget=[],
        kpis=kpis,
        created_by=created_by,
    )
    session.add(plan)
    session.flush()
    return plan


def get_plan(session: Session, company_id: int, code: str) -> BusinessPlan:
    plan = session.scalar(
        select(BusinessPlan).where(BusinessPlan.company_id == company_id, BusinessPlan.code == code)
    )
    if plan is None:
        raise NotFound(f"plan {code} not found")
    return plan


def list_plans(
    session: Session, company_id: int, firm_ids: set[uuid.UUID] | None = None
) -> list[BusinessPlan]:
    stmt = select(BusinessPlan).where(BusinessPlan.company_id == company_id).order_by(BusinessPlan.code)
    rows = list(session.scalars(stmt))
    return [p for p in rows if firm_ids is None or p.firm_id in firm_ids]


def update_section(plan: BusinessPlan, key: str, text: str) -> BusinessPlan:
    if key not in TEXT_SECTIONS:
        raise ValidationError(
            "unknown section", [Problem(f"must be one of {', '.join(TEXT_SECTIONS)}", field="section")]
        )
    if len(text) > 20_000:
        raise ValidationError("section too long", [Problem("at most 20,000 characters", field=key)])
    plan.sections = {**(plan.sections or {}), key: text}
    return plan


def update_budget(session: Session, plan: BusinessPlan, lines: list[dict[str, Any]]) -> BusinessPlan:
    plan.budget = validate_budget(lines, rules_for_program(session, plan.company_id, plan.program))
    return plan


def update_schedule(session: Session, plan: BusinessPlan, rows: list[dict[str, Any]]) -> BusinessPlan:
    plan.schedule = validate_schedule(
        rows, rules_for_program(session, plan.company_id, plan.program).max_months
    )
    return plan


def update_scope(plan: BusinessPlan, rows: list[dict[str, Any]]) -> BusinessPlan:
    plan.scope = validate_scope(rows)
    return plan


def update_kpis(plan: BusinessPlan, rows: list[dict[str, Any]]) -> BusinessPlan:
    plan.kpis = validate_kpis(rows, list(plan.kpis or []))
    return plan


def period_label(evidence: dict[str, Any]) -> str:
    """The evidence period as Seoul dates, first and last day: ``2026-11-18 ~ 2026-11-25``."""
    from datetime import timedelta

    from jejo.core.timeutil import SEOUL

    p = evidence.get("period") or []
    if len(p) != 2 or not p[0] or not p[1]:
        return ""
    a = datetime.fromisoformat(p[0]).astimezone(SEOUL)
    b = (datetime.fromisoformat(p[1]) - timedelta(seconds=1)).astimezone(SEOUL)  # [from, to)
    return f"{a.date().isoformat()} ~ {b.date().isoformat()}"


def plan_out(session: Session, plan: BusinessPlan) -> dict[str, Any]:
    firm = session.get(Firm, plan.firm_id)
    rules = rules_for_program(session, plan.company_id, plan.program)
    return {
        "code": plan.code,
        "title": plan.title,
        "status": plan.status,
        "program": plan.program,
        "target_level": plan.target_level,
        "firm": {
            "id": str(plan.firm_id),
            "name": firm.name if firm else "",
            "business_number": firm.business_number if firm else "",
            "sigungu": firm.sigungu if firm else "",
            "ksic_code": firm.ksic_code if firm else "",
        },
        "baseline_period": [
            as_utc(plan.baseline_from).isoformat() if plan.baseline_from else None,
            as_utc(plan.baseline_to).isoformat() if plan.baseline_to else None,
        ],
        "sections": [{"key": k, "title": t, "text": (plan.sections or {}).get(k, "")} for k, t in SECTIONS],
        "scope": list(plan.scope or []),
        "schedule": list(plan.schedule or []),
        "budget": list(plan.budget or []),
        "budget_totals": budget_totals(list(plan.budget or [])),
        "rules": {
            "gov_ratio_max": rules.gov_ratio_max,
            "gov_cap_krw": rules.gov_cap_krw,
            "cash_min_ratio": rules.cash_min_ratio,
            "max_months": rules.max_months,
        },
        "kpis": [k | {"period_label": period_label(k.get("evidence") or {})} for k in plan.kpis or []],
        "indicators": [{"key": i.key, "name": i.name_ko, "unit": i.unit} for i in RESULT_INDICATORS],
        "created_by": plan.created_by,
        "updated_at": as_utc(plan.updated_at).isoformat() if plan.updated_at else None,
    }


def firm_scope(session: Session, who: Any) -> set[uuid.UUID] | None:
    """Which firms a center user may see (``None`` = all): see :func:`jejo.center.access.visible_firm_ids`."""
    from jejo.center import access

    return access.visible_firm_ids(session, who)
