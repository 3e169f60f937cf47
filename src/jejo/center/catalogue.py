"""The program catalogue: programs per year as data files (``data/programs/<year>.yaml``), and the
eligibility check of a firm against one program, rule by rule, with the reason for each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from jejo.center import reference as ref
from jejo.center.firms import best_achieved_level, latest_capability
from jejo.center.tables import Firm
from jejo.core.errors import NotFound, Problem, ValidationError
from jejo.core.timeutil import as_utc

#: rule kinds a program may use in its ``eligibility`` list
RULES = (
    "manufacturing",
    "max_employees",
    "min_employees",
    "factory_registered",
    "prior_build",
    "legend50",
    "min_capability_level",
    "sigungu_in",
)


@dataclass(frozen=True)
class Window:
    opens: datetime
    closes: datetime
    round: str = ""
    verified: bool = False

    def is_open(self, at: datetime) -> bool:
        return self.opens <= as_utc(at) < self.closes


@dataclass(frozen=True)
class Program:
    code: str
    year: int
    name: str
    kind: str
    ministry: str
    operator: str
    summary: str
    verified: bool
    support: dict[str, Any]
    duration_months_max: int | None
    target_levels: tuple[str, ...]
    eligibility: tuple[dict[str, Any], ...]
    bonus: tuple[dict[str, Any], ...]
    documents: dict[str, list[str]]
    mandatory_visits: dict[str, Any] | None
    window: Window | None
    window_note: str
    requirements: tuple[str, ...]
    sources: tuple[dict[str, str], ...]
    stages: tuple[str, ...] = field(default=())

    @property
    def required_visits(self) -> int:
        return int((self.mandatory_visits or {}).get("count", 0))


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    reason: str  # English, for the API and the CLI; pages render ``rule`` + ``params`` in the user's language
    params: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Eligibility:
    program: Program
    results: tuple[RuleResult, ...]
    bonus: tuple[dict[str, Any], ...]

    @property
    def eligible(self) -> bool:
        return all(r.passed for r in self.results)


def _window(raw: dict[str, Any] | None) -> Window | None:
    if not raw:
        return None
    return Window(
        as_utc(datetime.fromisoformat(str(raw["opens"]))),
        as_utc(datetime.fromisoformat(str(raw["closes"]))),
        str(raw.get("round", "")),
        bool(raw.get("verified", False)),
    )


def _program(year: int, raw: dict[str, Any]) -> Program:
    for rule in raw.get("eligibility", []):
        if rule.get("rule") not in RULES:
            raise ValueError(f"program {raw.get('code')}: unknown eligibility rule {rule.get('rule')!r}")
    return Program(
        code=str(raw["code"]),
        year=year,
        name=str(raw["name"]),
        kind=str(raw.get("kind", "build")),
        ministry=str(raw.get("ministry", "")),
        operator=str(raw.get("operator", "")),
        summary=str(raw.get("summary", "")),
        verified=bool(raw.get("verified", False)),
        support=dict(raw.get("support") or {}),
        duration_months_max=raw.get("duration_months_max"),
        target_levels=tuple(raw.get("target_levels") or ()),
        eligibility=tuple(raw.get("eligibility") or ()),
        bonus=tuple(raw.get("bonus") or ()),
        documents={str(k): list(v) for k, v in (raw.get("documents") or {}).items()},
        mandatory_visits=raw.get("mandatory_visits"),
        window=_window(raw.get("window")),
        window_note=str(raw.get("window_note", "")),
        requirements=tuple(raw.get("requirements") or ()),
        sources=tuple(raw.get("sources") or ()),
        stages=tuple(raw.get("stages") or ()),
    )


def years() -> list[int]:
    """The years a catalogue file ships for."""
    folder = resources.files("jejo.center").joinpath("data", "programs")
    return sorted(int(p.name.removesuffix(".yaml")) for p in folder.iterdir() if p.name.endswith(".yaml"))


@cache
def load_catalogue(year: int) -> tuple[Program, ...]:
    if year not in years():
        raise NotFound(f"no program catalogue for {year}")
    data = ref.load_data("programs", f"{year}.yaml")
    return tuple(_program(year, p) for p in data["programs"])


def get_program(year: int, code: str) -> Program:
    for p in load_catalogue(year):
        if p.code == code:
            return p
    raise NotFound(f"program {code} of {year} not found")


def program_problem(year: int, code: str, field: str = "program") -> Problem | None:
    try:
        get_program(year, code)
    except NotFound as exc:
        return Problem(reason=str(exc), field=field)
    return None


def window_result(program: Program, at: datetime) -> RuleResult:
    w = program.window
    if w is None:
        return RuleResult(
            "window", False, "the application window is not announced", {"note": program.window_note}
        )
    params = {"opens": w.opens.isoformat(), "closes": w.closes.isoformat()}
    if as_utc(at) < w.opens:
        return RuleResult("window", False, f"the application window opens {w.opens.isoformat()}", params)
    if as_utc(at) >= w.closes:
        return RuleResult("window", False, f"the application window closed {w.closes.isoformat()}", params)
    return RuleResult("window", True, f"the window is open until {w.closes.isoformat()}", params)


def require_open_window(program: Program, at: datetime, field: str = "program.window") -> None:
    """A closed (or not yet open, or unannounced) window is a clear error naming the field."""
    r = window_result(program, at)
    if not r.passed:
        raise ValidationError(
            f"{program.name} ({program.code}): {r.reason}", [Problem(reason=r.reason, field=field)]
        )


def _rule(firm: Firm, rule: dict[str, Any]) -> RuleResult:
    kind = str(rule["rule"])
    note = str(rule.get("note", ""))
    if kind == "manufacturing":
        k = ref.lookup_ksic(firm.ksic_code)
        ok = k is not None
        why = (
            f"KSIC {firm.ksic_code} ({k.division_name}) is manufacturing"
            if k
            else f"KSIC {firm.ksic_code} is not manufacturing (section C, 10–34)"
        )
        return RuleResult(kind, ok, why, {"ksic": firm.ksic_code, "name": k.division_name if k else ""}, note)
    if kind in ("max_employees", "min_employees"):
        limit = int(rule["value"])
        if firm.employees is None:
            return RuleResult(kind, False, "the number of employees is not recorded", {"limit": limit}, note)
        ok = firm.employees <= limit if kind == "max_employees" else firm.employees >= limit
        sign = "≤" if kind == "max_employees" else "≥"
        return RuleResult(
            kind,
            ok,
            f"{firm.employees} employees, {sign} {limit} {'holds' if ok else 'does not hold'}",
            {"employees": firm.employees, "limit": limit},
            note,
        )
    if kind == "factory_registered":
        ok = firm.factory_registered
        return RuleResult(
            kind, ok, "factory registered" if ok else "no factory registration (공장등록)", {}, note
        )
    if kind == "prior_build":
        need = str(rule.get("min_level", "기초"))
        registered = bool(rule.get("registered", False))
        best = best_achieved_level(firm, registered_only=registered)
        ok = ref.level_rank(best) >= ref.level_rank(need)
        where = " registered in 사업관리시스템" if registered else ""
        why = (
            f"prior build{where} achieved {best}, {need} or above needed"
            if best
            else f"no prior build{where} with an achieved level; {need} or above needed"
        )
        return RuleResult(kind, ok, why, {"required": need, "best": best, "registered": registered}, note)
    if kind == "legend50":
        ok = firm.legend50
        return RuleResult(
            kind, ok, "selected for 레전드50+" if ok else "not selected for 레전드50+", {}, note
        )
    if kind == "min_capability_level":
        need_level = int(rule["value"])
        cap = latest_capability(firm)
        have = cap.level if cap else None
        ok = have is not None and have >= need_level
        return RuleResult(
            kind,
            ok,
            f"capability level {have}, {need_level} or above needed"
            if have
            else f"no capability level recorded; {need_level} or above needed",
            {"required": need_level, "level": have},
            note,
        )
    if kind == "sigungu_in":
        allowed = list(rule.get("values") or [])
        if rule.get("region") == "gyeonggi_north":
            allowed += ref.gyeonggi_north()
        ok = firm.sigungu in allowed
        return RuleResult(
            kind,
            ok,
            f"{firm.sigungu} is {'in' if ok else 'not in'} the program's region",
            {"sigungu": firm.sigungu},
            note,
        )
    raise ValueError(f"unknown rule {kind}")


def _bonus(firm: Firm, item: dict[str, Any]) -> dict[str, Any]:
    check = item.get("check")
    applies: bool | None
    if check == "legend50":
        applies = firm.legend50
    elif check == "capability_external":
        applies = any(c.method == "external" for c in firm.capabilities)
    else:
        applies = None  # the consultant checks it
    return {**item, "applies": applies}


def check_eligibility(firm: Firm, program: Program, at: datetime) -> Eligibility:
    """Every rule of the program against the firm, plus the application window at ``at``."""
    results = [_rule(firm, r) for r in program.eligibility]
    results.append(window_result(program, at))
    return Eligibility(program, tuple(results), tuple(_bonus(firm, b) for b in program.bonus))


def check_all(firm: Firm, year: int, at: datetime) -> list[Eligibility]:
    return [check_eligibility(firm, p, at) for p in load_catalogue(year)]


def program_out(p: Program) -> dict[str, Any]:
    return {
        "code": p.code,
        "year": p.year,
        "name": p.name,
        "kind": p.kind,
        "ministry": p.ministry,
        "operator": p.operator,
        "summary": p.summary,
        "verified": p.verified,
        "support": p.support,
        "duration_months_max": p.duration_months_max,
        "target_levels": list(p.target_levels),
        "eligibility": list(p.eligibility),
        "bonus": list(p.bonus),
        "documents": p.documents,
        "mandatory_visits": p.mandatory_visits,
        "window": {
            "opens": p.window.opens.isoformat(),
            "closes": p.window.closes.isoformat(),
            "round": p.window.round,
        }
        if p.window
        else None,
        "window_note": p.window_note,
        "requirements": list(p.requirements),
        "sources": list(p.sources),
    }


def eligibility_out(e: Eligibility) -> dict[str, Any]:
    return {
        "program": e.program.code,
        "name": e.program.name,
        "eligible": e.eligible,
        "rules": [
            {"rule": r.rule, "passed": r.passed, "reason": r.reason, "params": r.params, "note": r.note}
            for r in e.results
        ],
        "bonus": list(e.bonus),
    }
