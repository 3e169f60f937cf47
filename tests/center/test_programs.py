"""The program catalogue as data (2026 programs with sources), and the eligibility check that names each
rule passed or failed and why; a closed window is a clear error naming the field."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.center.center_setup import firm_body, problem_fields
from tests.conftest import Tenant

from jejo.center import catalogue

OPEN = "2025-12-20T01:00:00Z"  # inside the 1st round of 2026 (2025-12-08 → 2026-01-07 KST)
CLOSED = "2026-01-08T01:00:00Z"


def test_2026_catalogue_ships_as_data_with_sources() -> None:
    progs = {p.code: p for p in catalogue.load_catalogue(2026)}
    assert set(progs) == {"SF-LEAD", "MFG-AI", "AUTONOMOUS", "LEGEND50", "DX-MENTOR"}
    names = " ".join(p.name for p in progs.values())
    for word in ("선도형", "제조AI 특화", "자율형공장", "레전드 50+", "제조DX멘토단"):
        assert word in names
    for p in progs.values():
        assert p.sources and all(s["title"] for s in p.sources), p.code
    lead = progs["SF-LEAD"]
    assert lead.support["government_ratio_max"] == 0.5
    assert lead.support["cap_per_round_krw"] == 200_000_000
    assert lead.duration_months_max == 9 and lead.required_visits == 4
    assert lead.window is not None
    assert lead.window.is_open(datetime(2025, 12, 20, tzinfo=UTC))
    assert not lead.window.is_open(datetime(2026, 1, 7, 9, 0, tzinfo=UTC))  # 18:00 KST closes
    auto = progs["AUTONOMOUS"]
    assert {"rule": "prior_build", "min_level": "중간1", "registered": True}.items() <= auto.eligibility[
        1
    ].items()
    assert "AAS" in " ".join(auto.requirements)
    assert progs["LEGEND50"].window is None
    assert catalogue.years() == sorted(catalogue.years()) and 2026 in catalogue.years()


def _rules(e: dict) -> dict[str, dict]:
    return {r["rule"]: r for r in e["rules"]}


def test_eligibility_names_each_rule(tenant: Tenant) -> None:
    t = tenant
    f = t.ok(t.post("/center/firms", firm_body(employees=28, legend50=False)), 201)
    out = {e["program"]: e for e in t.ok(t.get(f"/center/firms/{f['id']}/eligibility/2026?at={OPEN}"))}
    assert out["SF-LEAD"]["eligible"] is True
    assert all(r["passed"] for r in out["SF-LEAD"]["rules"])
    auto = _rules(out["AUTONOMOUS"])
    assert out["AUTONOMOUS"]["eligible"] is False
    assert auto["manufacturing"]["passed"] and auto["window"]["passed"]
    assert not auto["prior_build"]["passed"] and "중간1" in auto["prior_build"]["reason"]
    assert not _rules(out["LEGEND50"])["legend50"]["passed"]
    assert "not announced" in _rules(out["LEGEND50"])["window"]["reason"]
    assert not _rules(out["MFG-AI"])["prior_build"]["passed"]

    # a registered build that reached 중간1 satisfies 자율형공장's prerequisite; 기초 would not
    t.ok(
        t.post(
            f"/center/firms/{f['id']}/builds",
            {"site": "본사", "year": 2022, "level_target": "중간1", "level_achieved": "기초"},
        ),
        201,
    )
    out = {e["program"]: e for e in t.ok(t.get(f"/center/firms/{f['id']}/eligibility/2026?at={OPEN}"))}
    assert not _rules(out["AUTONOMOUS"])["prior_build"]["passed"]
    assert "achieved 기초" in _rules(out["AUTONOMOUS"])["prior_build"]["reason"]
    assert out["MFG-AI"]["eligible"] is True
    t.ok(
        t.post(
            f"/center/firms/{f['id']}/builds",
            {
                "site": "본사",
                "year": 2024,
                "level_before": "기초",
                "level_target": "중간1",
                "level_achieved": "중간1",
            },
        ),
        201,
    )
    out = {e["program"]: e for e in t.ok(t.get(f"/center/firms/{f['id']}/eligibility/2026?at={OPEN}"))}
    assert out["AUTONOMOUS"]["eligible"] is True

    # too big for the SME rule, and after the window
    big = t.ok(t.post("/center/firms", firm_body(employees=450)), 201)
    out = {e["program"]: e for e in t.ok(t.get(f"/center/firms/{big['id']}/eligibility/2026?at={CLOSED}"))}
    lead = _rules(out["SF-LEAD"])
    assert not lead["max_employees"]["passed"] and "450" in lead["max_employees"]["reason"]
    assert not lead["window"]["passed"] and "closed" in lead["window"]["reason"]

    # the bonus items the firm qualifies for are marked
    leg = t.ok(t.post("/center/firms", firm_body(legend50=True)), 201)
    out = {e["program"]: e for e in t.ok(t.get(f"/center/firms/{leg['id']}/eligibility/2026?at={OPEN}"))}
    assert {b["code"]: b["applies"] for b in out["SF-LEAD"]["bonus"]}["legend50"] is True
    assert out["LEGEND50"]["eligible"] is False  # its window is not announced


def test_closed_window_is_a_clear_error(tenant: Tenant) -> None:
    t = tenant
    f = t.ok(t.post("/center/firms", firm_body()), 201)
    # creating an application for a program whose window closed already
    from jejo.center import applications
    from jejo.center.access import get_firm
    from jejo.center.schemas import ApplicationIn
    from jejo.core.errors import ValidationError

    with t.client.app.state.runtime.transaction() as s:  # type: ignore[attr-defined]
        firm = get_firm(s, t.company_id, f["id"])
        try:
            applications.create_application(
                s, firm, ApplicationIn(program="SF-LEAD", year=2026), "kim", datetime(2026, 2, 1, tzinfo=UTC)
            )
        except ValidationError as exc:
            assert [p.field for p in exc.problems] == ["program.window"]
            assert "closed 2026-01-07" in exc.problems[0].reason
        else:
            raise AssertionError("a closed window must be refused")

    # unknown program and wrong target level name their fields
    r = t.post(f"/center/firms/{f['id']}/applications", {"program": "NOPE", "year": 2026})
    assert r.status_code == 422 and problem_fields(r) == {"program"}
    r = t.post(
        f"/center/firms/{f['id']}/applications",
        {"program": "AUTONOMOUS", "year": 2026, "target_level": "기초"},
    )
    assert r.status_code in (422,) and problem_fields(r) <= {"target_level", "program.window"}
    assert "target_level" in problem_fields(r)
