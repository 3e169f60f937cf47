"""Mentor matching: the CP-SAT optimiser respects conflicts of interest and capacity and finds the best
total score (checked against every possible assignment); proposals are confirmed by a consultant; visit
logs count per assignment."""

from __future__ import annotations

import itertools
import uuid

from tests.center.center_setup import business_number, firm_body, problem_fields
from tests.conftest import Tenant

from jejo.center import mentors
from jejo.center.access import get_firm
from jejo.core.runtime import Runtime


def _pool(t: Tenant, conflict_bn: str) -> None:
    for m in (
        {
            "code": "M-KIM",
            "name": "김가구",
            "expertise": ["MES", "재단최적화"],
            "industries": ["32"],
            "sigungu": "포천시",
            "capacity": 1,
        },
        {
            "code": "M-LEE",
            "name": "이품질",
            "expertise": ["품질", "AI"],
            "industries": ["25", "32"],
            "sigungu": "양주시",
            "capacity": 2,
            "conflicts": [conflict_bn],
        },
        {
            "code": "M-PARK",
            "name": "박설비",
            "expertise": ["설비보전", "MES"],
            "industries": ["29"],
            "sigungu": "수원시",
            "capacity": 2,
        },
        {
            "code": "M-OFF",
            "name": "최휴직",
            "expertise": ["MES", "품질", "AI"],
            "industries": ["32"],
            "sigungu": "포천시",
            "available": False,
        },
    ):
        t.ok(t.put("/center/mentors", m))


def test_optimiser_respects_conflicts_capacity_and_is_optimal(tenant: Tenant, runtime: Runtime) -> None:
    t = tenant
    fa = t.ok(t.post("/center/firms", firm_body(name="포천가구", sigungu="포천시", ksic_code="32")), 201)
    fb = t.ok(t.post("/center/firms", firm_body(name="양주금속", sigungu="양주시", ksic_code="25")), 201)
    fc = t.ok(t.post("/center/firms", firm_body(name="파주가구", sigungu="파주시", ksic_code="32021")), 201)
    _pool(t, conflict_bn=fb["business_number"])  # 이품질 is tied to 양주금속
    reqs = [
        mentors.MatchRequest(uuid.UUID(fa["id"]), "build", ("MES",)),
        mentors.MatchRequest(uuid.UUID(fb["id"]), "build", ("품질", "AI")),
        mentors.MatchRequest(uuid.UUID(fc["id"]), "planning", ("품질",)),
    ]
    with runtime.transaction() as s:
        props = mentors.optimise(s, t.company_id, reqs)
        got = {p.request.firm_id: (p.mentor.code if p.mentor else None, p.score) for p in props}
        assert got[uuid.UUID(fb["id"])][0] != "M-LEE"  # conflict of interest
        assert all(code != "M-OFF" for code, _ in got.values())  # not available
        # brute force over every assignment that keeps conflicts, availability and capacity
        pool = [m for m in mentors.list_mentors(s, t.company_id) if m.available]
        firms = {r.firm_id: get_firm(s, t.company_id, r.firm_id) for r in reqs}
        best = -1
        for combo in itertools.product([None, *pool], repeat=len(reqs)):
            used: dict[str, int] = {}
            total = 0
            ok = True
            for r, m in zip(reqs, combo, strict=True):
                if m is None:
                    continue
                sc, _ = mentors.pair_score(m, firms[r.firm_id], r, 0)
                used[m.code] = used.get(m.code, 0) + 1
                if sc is None or used[m.code] > m.capacity:
                    ok = False
                    break
                total += 1000 + sc
            if ok:
                best = max(best, total)
        assert sum(1000 + sc for code, sc in got.values() if code) == best
        assert got[uuid.UUID(fa["id"])][0] == "M-KIM"  # MES + furniture + same 시·군
        assert all(code for code, _ in got.values())

    bad = t.post("/center/mentors/propose", {"requests": [{"firm_id": fa["id"], "stage": "later"}]})
    assert bad.status_code == 422 and problem_fields(bad) == {"stage"}
    bad = t.put("/center/mentors", {"code": "M-X", "name": "x", "industries": ["99"], "conflicts": ["123"]})
    assert bad.status_code == 422 and problem_fields(bad) == {"industries", "conflicts"}


def test_propose_confirm_capacity_and_visits(tenant: Tenant) -> None:
    t = tenant
    fa = t.ok(t.post("/center/firms", firm_body(sigungu="포천시")), 201)
    fb = t.ok(t.post("/center/firms", firm_body(sigungu="포천시")), 201)
    t.ok(
        t.put(
            "/center/mentors",
            {
                "code": "M-ONE",
                "name": "한멘토",
                "expertise": ["MES"],
                "industries": ["32"],
                "sigungu": "포천시",
                "capacity": 1,
            },
        )
    )
    props = t.ok(
        t.post(
            "/center/mentors/propose",
            {
                "requests": [
                    {"firm_id": fa["id"], "stage": "build", "needs": ["MES"]},
                    {"firm_id": fb["id"], "stage": "build", "needs": ["MES"]},
                ]
            },
        )
    )
    assert len(props) == 1 and props[0]["status"] == "proposed"  # capacity 1: one match only
    assert any("expertise: MES" in r for r in props[0]["reasons"])
    a = t.ok(t.post(f"/center/assignments/{props[0]['id']}/confirm"))
    assert a["status"] == "confirmed" and a["confirmed_by"] == "admin"
    assert t.post(f"/center/assignments/{props[0]['id']}/confirm").status_code == 409
    # the mentor is now full: a direct assignment is refused
    other = fb if a["firm_id"] == fa["id"] else fa
    full = t.post(f"/center/firms/{other['id']}/mentors", {"mentor": "M-ONE", "stage": "build"})
    assert full.status_code == 409
    v = t.ok(
        t.post(
            f"/center/assignments/{a['id']}/visits",
            {"visited_at": "2026-05-01T01:00:00Z", "summary": "재단 공정 점검", "confirmed_by_firm": True},
        ),
        201,
    )
    assert [x["n"] for x in v["visits"]] == [1]
    assert t.ok(t.get("/center/mentors"))[0]["load"] == 1

    # a conflict of interest is refused at confirmation too
    conflicted = t.ok(t.post("/center/firms", firm_body()), 201)
    t.ok(
        t.put(
            "/center/mentors",
            {"code": "M-TIE", "name": "관계인", "conflicts": [conflicted["business_number"]]},
        )
    )
    r = t.post(f"/center/firms/{conflicted['id']}/mentors", {"mentor": "M-TIE", "stage": "planning"})
    assert r.status_code == 409 and "conflict of interest" in r.text
    assert business_number() != conflicted["business_number"]
