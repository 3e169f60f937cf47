"""Level self-diagnosis (수준 자가진단): a versioned item bank (4 areas, 10 domains, 1,000 points, level
cut-offs as configuration), answers by the firm or a consultant, pre-fill from what jejo measures in the
firm's own plant tenant, scores per area and domain, the level, gaps and the next program."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.center import catalogue, measured
from jejo.center import reference as ref
from jejo.center.firms import add_capability
from jejo.center.schemas import AnswerIn, CapabilityIn, DiagnosisIn
from jejo.center.tables import Diagnosis, DiagnosisAnswer, Firm
from jejo.core.errors import IllegalTransition, NotFound, Problem, ValidationError
from jejo.core.timeutil import to_local


@dataclass(frozen=True)
class Item:
    code: str
    domain: str
    area: str
    points: int
    question: str
    anchors: tuple[str, ...]
    source: str  # "jejo" for items written by jejo; otherwise the official reference
    prefill: str | None


@dataclass(frozen=True)
class Bank:
    version: str
    title: str
    basis: str
    levels: tuple[dict[str, Any], ...]
    recommend: dict[int, tuple[str, ...]]
    areas: tuple[dict[str, Any], ...]
    domains: tuple[dict[str, Any], ...]
    items: tuple[Item, ...]

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def level_for(self, total: float) -> dict[str, Any]:
        """The highest level whose cut-off the total reaches."""
        reached = [lv for lv in self.levels if total >= float(lv["min"])]
        return max(reached, key=lambda lv: int(lv["level"])) if reached else dict(self.levels[0])


def bank_versions() -> list[str]:
    folder = resources.files("jejo.center").joinpath("data", "diagnosis")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _validate_bank(raw: dict[str, Any]) -> None:
    areas = {a["code"]: a for a in raw["areas"]}
    domains = {d["code"]: d for d in raw["domains"]}
    if sum(a["points"] for a in raw["areas"]) != 1000:
        raise ValueError(f"bank {raw['version']}: areas must add up to 1,000 points")
    for a in areas:
        if sum(d["points"] for d in raw["domains"] if d["area"] == a) != areas[a]["points"]:
            raise ValueError(f"bank {raw['version']}: domains of {a} do not add up to the area's points")
    for d in domains:
        if sum(i["points"] for i in raw["items"] if i["domain"] == d) != domains[d]["points"]:
            raise ValueError(f"bank {raw['version']}: items of {d} do not add up to the domain's points")
    for i in raw["items"]:
        if len(i["anchors"]) != 5 or not i.get("source"):
            raise ValueError(f"bank {raw['version']}: item {i['code']} needs 5 anchors and a source")
        if i.get("prefill") and i["prefill"] not in measured.PROBES:
            raise ValueError(f"bank {raw['version']}: item {i['code']} has an unknown prefill {i['prefill']}")


@cache
def load_bank(version: str | None = None) -> Bank:
    """One version of the item bank (the newest without a version)."""
    versions = bank_versions()
    v = version or versions[-1]
    if v not in versions:
        raise NotFound(f"diagnosis item bank {v} not found")
    raw = ref.load_data("diagnosis", f"{v}.yaml")
    _validate_bank(raw)
    area_of = {d["code"]: d["area"] for d in raw["domains"]}
    return Bank(
        version=str(raw["version"]),
        title=str(raw["title"]),
        basis=str(raw.get("basis", "")),
        levels=tuple(sorted(raw["levels"], key=lambda lv: lv["min"])),
        recommend={int(k): tuple(v) for k, v in (raw.get("recommend") or {}).items()},
        areas=tuple(raw["areas"]),
        domains=tuple(raw["domains"]),
        items=tuple(
            Item(
                code=str(i["code"]),
                domain=str(i["domain"]),
                area=area_of[i["domain"]],
                points=int(i["points"]),
                question=str(i["question"]),
                anchors=tuple(str(a) for a in i["anchors"]),
                source=str(i["source"]),
                prefill=i.get("prefill"),
            )
            for i in raw["items"]
        ),
    )


# ---- running a diagnosis --------------------------------------------------------------------------


def get_diagnosis(session: Session, company_id: int, diagnosis_id: uuid.UUID | str) -> Diagnosis:
    try:
        did = diagnosis_id if isinstance(diagnosis_id, uuid.UUID) else uuid.UUID(str(diagnosis_id))
    except ValueError as exc:
        raise NotFound(f"diagnosis {diagnosis_id} not found") from exc
    d = session.get(Diagnosis, did)
    if d is None or d.company_id != company_id:
        raise NotFound(f"diagnosis {diagnosis_id} not found")
    return d


def list_diagnoses(session: Session, firm: Firm) -> list[Diagnosis]:
    return list(
        session.scalars(
            select(Diagnosis).where(Diagnosis.firm_id == firm.id).order_by(Diagnosis.started_at.desc())
        )
    )


def prefill(session: Session, firm: Firm, bank: Bank, at: datetime) -> dict[str, measured.Measure]:
    """Proposed answers for the items jejo can measure in the firm's plant tenant (none without one)."""
    if firm.plant_company_id is None:
        return {}
    out = {}
    for item in bank.items:
        if item.prefill:
            m = measured.measure(session, firm.plant_company_id, item.prefill, at)
            if m.rating is not None:
                out[item.code] = m
    return out


def start_diagnosis(session: Session, firm: Firm, body: DiagnosisIn, by: str, at: datetime) -> Diagnosis:
    bank = load_bank(body.version)
    d = Diagnosis(
        company_id=firm.company_id,
        firm_id=firm.id,
        bank_version=bank.version,
        respondent=body.respondent,
        answered_by=by,
        site=body.site,
        started_at=at,
    )
    session.add(d)
    session.flush()
    if body.prefill:
        for code, m in prefill(session, firm, bank, at).items():
            d.answers.append(
                DiagnosisAnswer(
                    item_code=code, rating=m.rating, prefilled=True, confirmed=False, evidence=m.evidence
                )
            )
    session.flush()
    return d


def answer(session: Session, d: Diagnosis, answers: list[AnswerIn]) -> Diagnosis:
    """Record or change answers; each names its item, an unknown item is an error naming the row."""
    if d.status != "draft":
        raise IllegalTransition("a completed diagnosis cannot be changed; start a new one")
    bank = load_bank(d.bank_version)
    problems = [
        Problem(reason=f"unknown item {a.item!r} in {bank.version}", field="item", row=n)
        for n, a in enumerate(answers, start=1)
        if bank.item(a.item) is None
    ]
    if problems:
        raise ValidationError("answers not saved", problems)
    by_code = {a.item_code: a for a in d.answers}
    for a in answers:
        row = by_code.get(a.item)
        if row is None:
            row = DiagnosisAnswer(item_code=a.item)
            d.answers.append(row)
            by_code[a.item] = row
        row.rating = a.rating
        row.note = a.note
        row.confirmed = True
    session.flush()
    return d


def score(bank: Bank, ratings: dict[str, int | None]) -> dict[str, Any]:
    """Scores per domain and area and the total on 1,000 points. An item scores points × rating / 5; a
    domain with N/A items is rescaled over the items answered; a domain with none answered scores 0."""
    domains: dict[str, dict[str, float]] = {}
    for dm in bank.domains:
        items = [i for i in bank.items if i.domain == dm["code"]]
        answered = [i for i in items if ratings.get(i.code) is not None]
        got = sum(i.points * (ratings[i.code] or 0) / 5 for i in answered)
        base = sum(i.points for i in answered)
        value = float(dm["points"]) * got / base if base else 0.0
        domains[dm["code"]] = {"score": round(value, 1), "points": float(dm["points"])}
    areas = {
        a["code"]: {
            "score": round(sum(v["score"] for k, v in domains.items() if _area(bank, k) == a["code"]), 1),
            "points": float(a["points"]),
        }
        for a in bank.areas
    }
    total = round(sum(a["score"] for a in areas.values()), 1)
    return {"domains": domains, "areas": areas, "total": total}


def _area(bank: Bank, domain: str) -> str:
    return next(str(d["area"]) for d in bank.domains if d["code"] == domain)


def current_scores(d: Diagnosis) -> dict[str, Any]:
    bank = load_bank(d.bank_version)
    return score(bank, {a.item_code: a.rating for a in d.answers})


def complete(
    session: Session, d: Diagnosis, firm: Firm, at: datetime, *, record_level: bool = True
) -> Diagnosis:
    """Score the diagnosis and fix it; every item must have an answer (a rating, or N/A). The level is
    recorded on the firm as a dated self-assessed capability level."""
    if d.status != "draft":
        raise IllegalTransition("the diagnosis is already completed")
    bank = load_bank(d.bank_version)
    answered = {a.item_code for a in d.answers}
    missing = [i.code for i in bank.items if i.code not in answered]
    if missing:
        raise ValidationError(
            f"{len(missing)} item(s) not answered",
            [Problem(reason="not answered (give a rating or mark N/A)", field=f"items.{c}") for c in missing],
        )
    for a in d.answers:
        a.confirmed = True
    s = score(bank, {a.item_code: a.rating for a in d.answers})
    level = bank.level_for(s["total"])
    d.scores = s
    d.total_score = s["total"]
    d.level = int(level["level"])
    d.status = "completed"
    d.completed_at = at
    session.flush()
    if record_level:
        add_capability(
            session,
            firm,
            CapabilityIn(
                level=d.level,
                assessed_on=to_local(at).date(),
                method="self",
                assessor=f"{d.answered_by} ({bank.version})",
            ),
            diagnosis_id=d.id,
        )
    return d


def gaps(bank: Bank, scores: dict[str, Any], top: int = 5) -> list[dict[str, Any]]:
    """Domains by the points they miss, largest first."""
    names = {d["code"]: d["name"] for d in bank.domains}
    out = [
        {
            "domain": code,
            "name": names[code],
            "score": v["score"],
            "points": v["points"],
            "missing": round(v["points"] - v["score"], 1),
            "percent": round(100 * v["score"] / v["points"], 1) if v["points"] else 0.0,
        }
        for code, v in scores["domains"].items()
    ]
    out.sort(key=lambda g: (-g["missing"], g["domain"]))
    return out[:top]


def recommend(bank: Bank, level: int, firm: Firm, at: datetime) -> list[catalogue.Eligibility]:
    """The programs the bank suggests for this level, in order, each with the firm's eligibility (of the
    catalogue year of ``at`` when it ships, else the newest)."""
    year = to_local(at).year
    years = catalogue.years()
    year = year if year in years else years[-1]
    out = []
    for code in bank.recommend.get(level, ()):
        try:
            program = catalogue.get_program(year, code)
        except NotFound:
            continue
        out.append(catalogue.check_eligibility(firm, program, at))
    return out


def radar(bank: Bank, scores: dict[str, Any]) -> dict[str, Any]:
    """ECharts radar data: one indicator per domain, values in percent of the domain's points."""
    return {
        "indicators": [{"name": d["name"], "max": 100} for d in bank.domains],
        "values": [
            round(100 * scores["domains"][d["code"]]["score"] / float(d["points"]), 1) for d in bank.domains
        ],
    }


def diagnosis_out(d: Diagnosis) -> dict[str, Any]:
    bank = load_bank(d.bank_version)
    s = d.scores if d.status == "completed" else current_scores(d)
    return {
        "id": str(d.id),
        "firm_id": str(d.firm_id),
        "version": d.bank_version,
        "respondent": d.respondent,
        "answered_by": d.answered_by,
        "status": d.status,
        "total": s["total"],
        "level": d.level if d.status == "completed" else int(bank.level_for(s["total"])["level"]),
        "areas": s["areas"],
        "domains": s["domains"],
        "gaps": gaps(bank, s),
        "answers": [
            {
                "item": a.item_code,
                "rating": a.rating,
                "note": a.note,
                "prefilled": a.prefilled,
                "confirmed": a.confirmed,
                "evidence": a.evidence,
            }
            for a in d.answers
        ],
        "started_at": d.started_at.isoformat(),
        "completed_at": d.completed_at.isoformat() if d.completed_at else None,
    }
