"""Access: a firm user sees only its own firm; a mentor only the firms of their confirmed assignments;
neither edits; another tenant sees nothing; roles without a center role are refused."""

from __future__ import annotations

from tests.center.center_setup import Login, firm_body, login
from tests.conftest import Tenant

from jejo.core.runtime import Runtime


def test_firm_user_and_mentor_see_only_their_firms(
    tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    t = tenant
    consultant = login(runtime, t, "consultant1", ["consultant"], "김컨설턴트")
    mine = consultant.ok(consultant.post("/center/firms", firm_body(name="우리가구")), 201)
    other = consultant.ok(consultant.post("/center/firms", firm_body(name="남의가구")), 201)
    third = consultant.ok(consultant.post("/center/firms", firm_body(name="셋째가구")), 201)

    firm_user = login(runtime, t, "firmuser1", ["firm_user"])
    consultant.ok(consultant.post(f"/center/firms/{mine['id']}/users", {"username": "firmuser1"}))
    assert [f["name"] for f in firm_user.ok(firm_user.get("/center/firms"))] == ["우리가구"]
    assert firm_user.ok(firm_user.get(f"/center/firms/{mine['id']}"))["name"] == "우리가구"
    for path in (
        f"/center/firms/{other['id']}",
        f"/center/firms/{other['id']}/eligibility/2026",
        f"/center/firms/{other['id']}/visits",
    ):
        assert firm_user.get(path).status_code == 404, path  # existence does not leak
    assert firm_user.post("/center/firms", firm_body()).status_code == 403
    assert firm_user.put(f"/center/firms/{mine['id']}", firm_body(name="바꿈")).status_code == 403
    # the firm answers its own diagnosis, but not another's
    d = firm_user.ok(firm_user.post(f"/center/firms/{mine['id']}/diagnoses", {"respondent": "firm"}), 201)
    firm_user.ok(
        firm_user.put(f"/center/diagnoses/{d['id']}/answers", {"answers": [{"item": "S01", "rating": 2}]})
    )
    od = consultant.ok(consultant.post(f"/center/firms/{other['id']}/diagnoses", {}), 201)
    assert firm_user.get(f"/center/diagnoses/{od['id']}").status_code == 404
    assert firm_user.post(f"/center/firms/{other['id']}/diagnoses", {}).status_code == 404
    assert firm_user.get("/center/mentors").status_code == 403
    # linking a user without the firm_user role is refused, naming the field
    r = consultant.post(f"/center/firms/{mine['id']}/users", {"username": "consultant1"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"

    mentor = login(runtime, t, "mentor1", ["mentor"], "박멘토")
    consultant.ok(
        consultant.put(
            "/center/mentors", {"code": "M-P", "name": "박멘토", "username": "mentor1", "sigungu": "포천시"}
        )
    )
    assert mentor.ok(mentor.get("/center/firms")) == []  # nothing assigned yet
    props = consultant.ok(
        consultant.post("/center/mentors/propose", {"requests": [{"firm_id": other["id"], "stage": "build"}]})
    )
    assert mentor.ok(mentor.get("/center/firms")) == []  # a proposal is not an assignment
    consultant.ok(consultant.post(f"/center/assignments/{props[0]['id']}/confirm"))
    assert [f["name"] for f in mentor.ok(mentor.get("/center/firms"))] == ["남의가구"]
    assert mentor.get(f"/center/firms/{third['id']}").status_code == 404
    assert mentor.get(f"/center/firms/{mine['id']}").status_code == 404
    assert (
        mentor.post(f"/center/firms/{other['id']}/visits", {"visited_at": "2026-05-01T00:00:00Z"}).status_code
        == 403
    )
    # the mentor logs visits on their own assignment only
    mentor.ok(
        mentor.post(
            f"/center/assignments/{props[0]['id']}/visits",
            {"visited_at": "2026-05-01T00:00:00Z", "summary": "1회"},
        ),
        201,
    )
    assert [a["firm"] for a in mentor.ok(mentor.get("/center/assignments"))] == ["남의가구"]
    asg = consultant.ok(
        consultant.post(f"/center/firms/{third['id']}/mentors", {"mentor": "M-P", "stage": "planning"}), 201
    )
    mentor2 = login(runtime, t, "mentor2", ["mentor"])
    assert (
        mentor2.post(
            f"/center/assignments/{asg['id']}/visits", {"visited_at": "2026-05-01T00:00:00Z"}
        ).status_code
        == 404
    )
    # applications follow the firm
    assert all(a["firm"] == "우리가구" for a in firm_user.ok(firm_user.get("/center/applications")))

    # another tenant sees none of it; a plant operator of this tenant has no center access
    assert other_tenant.ok(other_tenant.get("/center/firms")) == []
    assert other_tenant.get(f"/center/firms/{mine['id']}").status_code == 404
    operator = login(runtime, t, "op1", ["operator"])
    assert operator.get("/center/firms").status_code == 403
    assert isinstance(operator, Login)
