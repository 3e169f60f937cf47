"""The model registry (versions, artifacts with SHA-256, promote / rollback, feature check), findings
(deduplication, acknowledge / dismiss kept as labels) and playbooks (lot hold, idempotency, cooldown,
event triggers), on the real database; and the machine-health model's bad-input errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session
from tests.conftest import Tenant, build_plant

from jejo.ai import findings as fd
from jejo.ai import registry
from jejo.ai.machine import MachineAnomalyModel, describe, episodes, feature_names, window_features
from jejo.ai.tables import AiFinding, AiModel
from jejo.core.errors import Conflict, NotFound, ValidationError
from jejo.core.runtime import Runtime
from jejo.playbooks import service as pbs

FEATURES = feature_names(["vibration", "temperature"])
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def windows(n: int = 60, seed: int = 0, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.DatetimeIndex([T0 + timedelta(minutes=10 * i) for i in range(n)])
    vib = 1.8 + rng.normal(0, 0.05, n) + shift
    temp = 43 + rng.normal(0, 0.3, n)
    return pd.DataFrame(
        {
            "vibration_mean": vib,
            "vibration_max": vib + 0.2,
            "temperature_mean": temp,
            "temperature_max": temp + 0.5,
        },
        index=idx,
    )


def fitted() -> MachineAnomalyModel:
    return MachineAnomalyModel(features=FEATURES).fit(windows())


def register_fitted(
    s: Session, company_id: int, folder: Path, name: str, *, holdout_alarm_rate: float = 0.0, **row: Any
) -> AiModel:
    """A freshly fitted machine model registered as the next candidate of ``name`` (``row``: the rest
    of the registry row: data_ref, created_by, equipment, period)."""
    row = {"data_ref": "x", "created_by": "t", **row}
    metrics = {"holdout_alarm_rate": holdout_alarm_rate}
    return registry.register(
        s, company_id, folder, name=name, model=fitted(), features=FEATURES, metrics=metrics, **row
    )


def finding(
    s: Session,
    company_id: int,
    score: float,
    *,
    kind: str = "anomaly",
    start: timedelta = timedelta(0),
    end: timedelta | None = None,
    **subject: Any,
) -> tuple[AiFinding, bool]:
    """Raise a finding over the window ``T0 + start`` .. ``T0 + end`` (``end`` defaults to ``start``;
    ``subject``: equipment or lot, and a summary), as :func:`jejo.ai.findings.raise_finding` does."""
    window_end = T0 + (start if end is None else end)
    return fd.raise_finding(
        s, company_id, kind=kind, window_start=T0 + start, window_end=window_end, score=score, **subject
    )


def save_playbook(s: Session, company_id: int, spec: dict[str, Any]) -> None:
    """Store a playbook given as plain data (as in its YAML file), saved by the admin."""
    pbs.save_playbook(s, company_id, pbs.parse_playbook(spec), "admin")


def test_machine_model_scores_rises_and_explains_them() -> None:
    m = fitted()
    normal = m.score_samples(windows(40, seed=1))
    assert (normal <= 1.0).mean() > 0.95
    worn = windows(5, seed=2, shift=1.0)
    s = m.score_samples(worn)
    assert (s > 1.0).all()
    top = m.explain(worn.iloc[0])
    assert (
        top[0]["feature"].startswith("vibration") and top[0]["z"] > 5 and top[0]["value"] > top[0]["normal"]
    )
    assert "진동" in describe(top, "MC-01")
    quiet = windows(5, seed=3, shift=-1.0)  # an idle machine is quieter: not a fault
    assert (m.score_samples(quiet) < 1.0).all()
    assert episodes(np.array([0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1]), 3) == [(1, 3), (8, 11)]


def test_window_features_keep_only_complete_windows() -> None:
    idx = pd.DatetimeIndex([T0 + timedelta(minutes=i) for i in range(35)])
    s = pd.Series(np.arange(35.0), index=idx)
    df = window_features({"vibration": s}, T0, T0 + timedelta(minutes=35), 600)
    assert list(df.columns) == ["vibration_mean", "vibration_max"]
    assert len(df) == 3 and df["vibration_max"].tolist() == [9.0, 19.0, 29.0]


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        (windows().drop(columns=["temperature_max"]), "temperature_max"),  # a missing column
        (
            windows().assign(vibration_max=lambda d: d["vibration_max"].where(d.index != d.index[3])),
            "vibration_max",
        ),
        (windows().assign(temperature_mean="hot"), "temperature_mean"),  # the wrong type
    ],
)
def test_machine_model_bad_input_names_the_column(frame: pd.DataFrame, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        MachineAnomalyModel(features=FEATURES).fit(frame)
    assert field in {p.field for p in err.value.problems}
    with pytest.raises(ValidationError) as err:
        fitted().score_samples(frame)
    assert field in {p.field for p in err.value.problems}


def test_machine_model_needs_enough_rows_and_features() -> None:
    with pytest.raises(ValidationError, match="at least 24"):
        MachineAnomalyModel(features=FEATURES).fit(windows(10))
    with pytest.raises(ValidationError, match="no features"):
        MachineAnomalyModel().fit(windows())
    with pytest.raises(ValidationError, match="not fitted"):
        MachineAnomalyModel(features=FEATURES).score_samples(windows())


def test_registry_versions_promote_rollback_and_checksums(
    tenant: Tenant, runtime: Runtime, tmp_path: Path
) -> None:
    cid = tenant.company_id
    with runtime.transaction() as s:
        row: dict[str, Any] = dict(data_ref="telemetry:MC-01", created_by="정보전", equipment="MC-01")
        kw: dict[str, Any] = dict(name="health-MC-01", features=FEATURES, **row)
        v1 = register_fitted(s, cid, tmp_path, "health-MC-01", **row)
        v2 = register_fitted(
            s,
            cid,
            tmp_path,
            "health-MC-01",
            holdout_alarm_rate=0.01,
            data_start=T0,
            data_end=T0 + timedelta(days=1),
            **row,
        )
        assert (v1.version, v2.version, v1.status) == (1, 2, "candidate")
        assert (tmp_path / v2.artifact).is_file() and len(v2.sha256) == 64
        assert registry.sha256_of(tmp_path / v2.artifact) == v2.sha256
        with pytest.raises(NotFound):
            registry.get_model(s, cid, "health-MC-01")  # nothing active yet
        registry.promote(s, cid, "health-MC-01", 1, "박공장장")
        registry.promote(s, cid, "health-MC-01", 2, "박공장장")
        assert [m.status for m in registry.list_models(s, cid, "health-MC-01")] == ["active", "retired"]
        with pytest.raises(Conflict):
            registry.promote(s, cid, "health-MC-01", 2, "박공장장")
        back = registry.rollback(s, cid, "health-MC-01", "박공장장")
        assert back.version == 1 and registry.get_model(s, cid, "health-MC-01").version == 1
        assert registry.get_model(s, cid, "health-MC-01", 2).status == "retired"
        with pytest.raises(Conflict, match="no earlier"):
            registry.rollback(s, cid, "health-MC-01", "박공장장")
        out = registry.model_out(v2)
        assert out["metrics"] == {"holdout_alarm_rate": 0.01} and out["data_ref"] == "telemetry:MC-01"
        # the model refuses an input that lacks one of its features, naming the column
        model = registry.load(v1, tmp_path)
        with pytest.raises(ValidationError) as err:
            registry.require_features(v1, windows().drop(columns=["vibration_max"]))
        assert [p.field for p in err.value.problems] == ["vibration_max"]
        assert (model.score_samples(windows(5)) < 2).all()
        # a changed artifact is refused
        path = tmp_path / v1.artifact
        path.write_bytes(path.read_bytes() + b"x")
        with pytest.raises(ValidationError, match="checksum"):
            registry.load(v1, tmp_path)
        with pytest.raises(ValidationError, match="name"):
            registry.register(s, cid, tmp_path, **{**kw, "name": "bad name!"}, model=fitted(), metrics={})
        with pytest.raises(ValidationError, match="fitted"):
            registry.register(
                s, cid, tmp_path, **kw, model=MachineAnomalyModel(features=FEATURES), metrics={}
            )


def test_findings_deduplicate_and_keep_feedback(tenant: Tenant, runtime: Runtime) -> None:
    cid = tenant.company_id
    with runtime.transaction() as s:
        a, new_a = finding(s, cid, 1.4, end=timedelta(minutes=30), equipment="MC-02")
        b, new_b = finding(
            s,
            cid,
            2.5,
            start=timedelta(minutes=40),
            end=timedelta(minutes=60),
            equipment="MC-02",
            summary="더 높음",
        )
        assert new_a and not new_b and a.id == b.id
        assert (a.occurrences, a.score, a.summary, a.window_end) == (
            2,
            2.5,
            "더 높음",
            T0 + timedelta(minutes=60),
        )
        c, new_c = finding(s, cid, 1.1, start=timedelta(hours=5), end=timedelta(hours=6), equipment="MC-02")
        assert new_c and c.id != a.id
        fd.acknowledge(s, cid, a.code, "정보전", "베어링 소음 확인")
        fd.dismiss(s, cid, c.code, "정보전")
        with pytest.raises(Conflict):
            fd.dismiss(s, cid, c.code, "정보전")
        labels = fd.feedback(s, cid)
        assert [(x["finding"], x["label"]) for x in labels] == [
            (a.code, "confirmed"),
            (c.code, "false_alarm"),
        ]
        assert [f.code for f in fd.list_findings(s, cid, status="open")] == []
        with pytest.raises(ValidationError) as err:
            finding(s, cid, 1.0)  # names neither a machine nor a lot
        assert err.value.problems[0].field == "equipment"
        with pytest.raises(ValidationError):
            fd.list_findings(s, cid, status="whatever")
        with pytest.raises(NotFound):
            fd.get_finding(s, cid, "nope")


def test_playbooks_hold_a_lot_once_with_cooldown_and_react_to_events(
    tenant: Tenant, runtime: Runtime
) -> None:
    t = tenant
    build_plant(t)
    for lot in ("PB-L1", "PB-L2"):
        t.ok(
            t.post(
                "/events",
                {
                    "type": "inventory.received",
                    "payload": {"item": "PB-18", "lot": lot, "quantity": 10, "location": "WH-RAW"},
                },
            ),
            201,
        )
    cid = t.company_id
    with runtime.transaction() as s:
        save_playbook(
            s,
            cid,
            {
                "code": "PB-QUALITY-RISK",
                "name": "불량 위험 로트 보류",
                "trigger": {"kind": "quality", "min_score": 0.7},
                "action": "hold_lot",
                "params": {"reason": "불량 예측 위험"},
                "cooldown_minutes": 60,
            },
        )
        low, _ = finding(s, cid, 0.4, kind="quality", lot="PB-L1")
        high, _ = finding(s, cid, 0.9, kind="quality", start=timedelta(days=1), lot="PB-L1")
        other, _ = finding(s, cid, 0.95, kind="quality", start=timedelta(days=2), lot="PB-L1")
        acts = pbs.run_for_findings(s, cid, [low, high])
        assert [(a.status, a.target, a.finding_id) for a in acts] == [("done", "PB-L1", high.id)]
        assert pbs.run_for_findings(s, cid, [high]) == []  # idempotent: this pair already acted
        again = pbs.run_for_findings(s, cid, [other])  # same lot within the cooldown
        assert [(a.status, a.target) for a in again] == [("skipped", None)] and "대기" in again[0].detail
    holds = t.ok(t.get("/quality/holds"))
    assert [(h["lot"], h["reason"]) for h in holds] == [("PB-L1", "불량 예측 위험")]
    with runtime.transaction() as s:
        with pytest.raises(ValidationError) as err:
            pbs.parse_playbook({"code": "X", "name": "x", "action": "reboot"})
        assert err.value.problems[0].field == "action"
        with pytest.raises(ValidationError):
            bad = {"code": "X", "name": "x", "trigger": {"kind": "anomaly"}, "action": "hold_lot"}
            save_playbook(s, cid, bad)  # a lot is not held on a machine's anomaly
        # an event playbook: a lot-held event of another lot (from the event log) → a notice, once
        save_playbook(
            s,
            cid,
            {
                "code": "PB-NOTE",
                "name": "보류 알림",
                "trigger": {"source": "event", "event_type": "lot.held"},
                "action": "notify",
            },
        )
        from sqlalchemy import select

        from jejo.execution.tables import Event

        events = list(s.scalars(select(Event).where(Event.company_id == cid, Event.type == "lot.held")))
        assert len(events) == 1
        notes = pbs.run_for_events(s, cid, events)
        assert [(a.status, a.action, a.event_id) for a in notes] == [("done", "notify", str(events[0].id))]
        assert pbs.run_for_events(s, cid, events) == []


def test_ai_api_models_findings_and_playbooks(tenant: Tenant, runtime: Runtime) -> None:
    t = tenant
    cid = t.company_id
    folder = runtime.settings.ensure_data_dir()
    with runtime.transaction() as s:
        for _ in range(2):
            register_fitted(s, cid, folder, "health-EB-01")
        f, _ = finding(s, cid, 1.7, end=timedelta(minutes=30), equipment="EB-01")
        code = f.code
    models = t.ok(t.get("/ai/models"))
    assert [(m["name"], m["version"], m["status"]) for m in models] == [
        ("health-EB-01", 2, "candidate"),
        ("health-EB-01", 1, "candidate"),
    ]
    assert t.ok(t.post("/ai/models/health-EB-01/1/promote"))["status"] == "active"
    assert t.ok(t.post("/ai/models/health-EB-01/2/promote"))["approved_by"]
    assert t.ok(t.post("/ai/models/health-EB-01/rollback"))["version"] == 1
    assert t.post("/ai/models/health-EB-01/9/promote").status_code == 404
    assert t.ok(t.get("/ai/findings", params={"status": "open"}))[0]["code"] == code
    done = t.ok(t.post(f"/ai/findings/{code}/dismiss", {"note": "점검 중 진동"}))
    assert (done["status"], done["label"], done["feedback_note"]) == (
        "dismissed",
        "false_alarm",
        "점검 중 진동",
    )
    assert t.post(f"/ai/findings/{code}/dismiss", {}).status_code == 409
    assert t.ok(t.get("/ai/feedback"))[0]["label"] == "false_alarm"
    pb = {
        "code": "PB-VIB",
        "name": "진동",
        "trigger": {"kind": "anomaly", "equipment": "EB-*"},
        "action": "maintenance_order",
    }
    assert t.ok(t.put("/ai/playbooks", pb))["trigger"] == {
        "source": "finding",
        "kind": "anomaly",
        "equipment": "EB-*",
    }
    r = t.put("/ai/playbooks", {**pb, "cooldown_minutes": -1})
    assert r.status_code == 422 and "cooldown_minutes" in r.text
    run = t.ok(t.post("/ai/score", {}))
    assert run["models"] == 1 and "names no machine" in run["errors"][0]  # reported, the rest goes on
    r = t.post(
        "/ai/models/train",
        {"equipment": "NO-SUCH", "start": T0.isoformat(), "end": (T0 + timedelta(days=1)).isoformat()},
    )
    assert r.status_code == 422 and "NO-SUCH.vibration" in r.text


def test_a_short_remaining_life_schedules_maintenance(tenant: Tenant, runtime: Runtime) -> None:
    from jejo.core.timeutil import utcnow
    from jejo.demo.seed_ai import seed_ai
    from jejo.maintenance import service as ms

    t = tenant
    build_plant(t)
    cid = t.company_id
    with runtime.transaction() as s:
        seed_ai(s, cid)
        now = utcnow()
        long_life, _ = fd.raise_finding(
            s, cid, kind="rul", equipment="PC-SAW-01", window_start=now, window_end=now, score=300.0
        )
        short, _ = fd.raise_finding(
            s, cid, kind="rul", equipment="EB-01", window_start=now, window_end=now, score=30.0
        )
        acts = pbs.run_for_findings(s, cid, [long_life, short])
        assert [(a.subject, a.status) for a in acts] == [("EB-01", "done")]  # only RUL ≤ 48 h
        order = ms.get_order(s, cid, acts[0].target or "")
        assert order.kind == "request" and order.planned_start is not None and order.planned_end is not None
        # planned no later than 24 h before the predicted end of life (30 h away), for 2 h
        assert timedelta(hours=5.9) < order.planned_start - now < timedelta(hours=6.1)
        assert order.planned_end - order.planned_start == timedelta(minutes=120)
        busy = ms.unavailable(s, cid, now, now + timedelta(days=2))
        assert [u["equipment"] for u in busy] == ["EB-01"]


def _login(t: Tenant, runtime: Runtime, username: str, roles: list[str]) -> dict[str, str]:
    from jejo.masterdata import users

    with runtime.transaction() as s:
        users.create_user(s, t.company_id, username, "s3cret-pass", roles, username)
    r = t.client.post(
        "/api/v1/auth/login", json={"company": t.code, "username": username, "password": "s3cret-pass"}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_actions_wait_for_the_named_role_and_can_be_reverted(tenant: Tenant, runtime: Runtime) -> None:
    from jejo.maintenance import service as ms

    t = tenant
    build_plant(t)
    cid = t.company_id
    pb = {
        "code": "PB-ASK",
        "name": "진동 → 보전 (승인 필요)",
        "trigger": {"kind": "anomaly", "equipment": "*"},
        "action": "maintenance_order",
        "params": {"description": "베어링 점검", "plan_within_hours": 4, "duration_minutes": 30},
        "cooldown_minutes": 0,
        "approve_role": "maintenance",
    }
    assert t.ok(t.put("/ai/playbooks", pb))["approve_role"] == "maintenance"
    r = t.put("/ai/playbooks", {**pb, "approve_role": "operator"})
    assert r.status_code == 422 and "approve_role" in r.text
    r = t.put("/ai/playbooks", {**pb, "params": {"plan_within_hours": 0}})
    assert r.status_code == 422 and "plan_within_hours must be a number above 0" in r.text

    now = datetime.now(UTC)

    def finding(equipment: str, hours_ago: float = 0.0) -> Any:
        at = now - timedelta(hours=hours_ago)
        with runtime.transaction() as s:
            f, _ = fd.raise_finding(
                s, cid, kind="anomaly", equipment=equipment, window_start=at, window_end=at, score=2.0
            )
            return [pbs.action_out(a) for a in pbs.run_for_findings(s, cid, [f])]

    first = finding("PC-SAW-01")
    assert [(a["status"], a["target"]) for a in first] == [("pending", None)]
    assert "승인 대기 (maintenance)" in first[0]["detail"]
    assert t.ok(t.get("/maintenance/orders")) == []  # nothing done yet
    again = finding("PC-SAW-01", hours_ago=6)  # another finding on the machine while one waits
    assert again[0]["status"] == "skipped" and f"#{first[0]['id']}" in again[0]["detail"]

    supervisor = _login(t, runtime, "sup", ["supervisor"])
    fixer = _login(t, runtime, "fixer", ["maintenance"])
    aid = first[0]["id"]
    r = t.client.post(f"/api/v1/ai/playbook-actions/{aid}/approve", headers=supervisor)
    assert r.status_code == 403 and "maintenance role" in r.text
    r = t.client.post(f"/api/v1/ai/playbook-actions/{aid}/approve", headers=fixer)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "done" and done["decided_by"] == "fixer" and "승인 fixer" in done["detail"]
    with runtime.transaction() as s:
        order = ms.get_order(s, cid, done["target"])
        assert order.status == "open" and order.planned_start is not None
        assert order.equipment.code == "PC-SAW-01"
    r = t.client.post(f"/api/v1/ai/playbook-actions/{aid}/approve", headers=fixer)
    assert r.status_code == 409 and "only a pending one" in r.text

    # reverted: the order is cancelled and frees its planned window; not twice; not by an operator
    operator = _login(t, runtime, "op", ["operator"])
    r = t.client.post(f"/api/v1/ai/playbook-actions/{aid}/revert", json={}, headers=operator)
    assert r.status_code == 403 and "maintenance" in r.text
    reverted = t.ok(t.post(f"/ai/playbook-actions/{aid}/revert", {"note": "오탐"}))
    assert (
        reverted["status"] == "reverted"
        and reverted["reverted_by"] == "admin"
        and "오탐" in reverted["detail"]
    )
    with runtime.transaction() as s:
        assert ms.get_order(s, cid, done["target"]).status == "cancelled"
        assert ms.unavailable(s, cid, now - timedelta(hours=1), now + timedelta(days=1)) == []
    assert t.post(f"/ai/playbook-actions/{aid}/revert", {}).status_code == 409

    # rejected: nothing is done
    other = finding("EB-01")[0]
    rejected = t.ok(t.post(f"/ai/playbook-actions/{other['id']}/reject", {"note": "다음 주 정기 보전 때"}))
    assert rejected["status"] == "rejected" and "다음 주 정기 보전 때" in rejected["detail"]
    assert (
        rejected["target"] is None
        and t.post(f"/ai/playbook-actions/{other['id']}/approve").status_code == 409
    )

    # an order somebody has started is not cancelled by a revert
    third = finding("ASM-01")[0]
    started = t.ok(t.client.post(f"/api/v1/ai/playbook-actions/{third['id']}/approve", headers=fixer))
    with runtime.transaction() as s:
        ms.start_order(s, cid, started["target"])
    r = t.post(f"/ai/playbook-actions/{third['id']}/revert", {})
    assert r.status_code == 409 and "in_progress" in r.text
    assert t.post("/ai/playbook-actions/999999/approve").status_code == 404


def _edge_finding_actions(runtime: Runtime, cid: int, at: datetime) -> tuple[str, dict[str, dict[str, Any]]]:
    """A vibration finding on the edge bander at ``at`` and what the playbooks did with it (by code)."""
    with runtime.transaction() as s:
        f, _ = fd.raise_finding(
            s,
            cid,
            kind="anomaly",
            equipment="EB-01",
            window_start=at,
            window_end=at,
            score=1.7,
            summary="EB-01: 진동 평균 5.1 (평소 1.9)",
        )
        return f.code, {a.playbook.code: pbs.action_out(a) for a in pbs.run_for_findings(s, cid, [f])}


def test_notify_posts_to_a_webhook_and_records_a_failed_delivery(tenant: Tenant, runtime: Runtime) -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(500 if self.path == "/broken" else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    t = tenant
    build_plant(t)
    cid = t.company_id
    r = t.put(
        "/ai/playbooks",
        {"code": "PB-HOOK", "name": "n", "action": "notify", "params": {"channel": "webhook"}},
    )
    assert r.status_code == 422 and "params.url" in r.text
    try:
        for code, path in (("PB-HOOK", "/hook"), ("PB-BROKEN", "/broken")):
            t.ok(
                t.put(
                    "/ai/playbooks",
                    {
                        "code": code,
                        "name": "보전팀 메신저",
                        "trigger": {"kind": "anomaly", "equipment": "EB-*"},
                        "action": "notify",
                        "params": {"channel": "webhook", "url": base + path, "message": "엣지밴더 이상"},
                    },
                )
            )
        code, acts = _edge_finding_actions(runtime, cid, datetime.now(UTC))
        assert acts["PB-HOOK"]["status"] == "done" and "웹훅" in acts["PB-HOOK"]["detail"]
        assert acts["PB-BROKEN"]["status"] == "failed" and "/broken" in acts["PB-BROKEN"]["detail"]
        hook = next(b for b in received if b["playbook"] == "PB-HOOK")
        assert hook["subject"] == "EB-01" and hook["message"] == "엣지밴더 이상"
        assert hook["finding"]["code"] == code and hook["finding"]["summary"].startswith("EB-01")
    finally:
        server.shutdown()


def test_notify_mails_through_a_real_smtp_server(
    tenant: Tenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from email import message_from_bytes
    from email.policy import default

    from aiosmtpd.controller import Controller

    from jejo.core.net import free_port

    got: list[Any] = []

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            got.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default)))
            return "250 OK"

    port = free_port()
    smtp = Controller(Inbox(), hostname="127.0.0.1", port=port)
    smtp.start()
    t = tenant
    build_plant(t)
    cid = t.company_id
    r = t.put(
        "/ai/playbooks",
        {"code": "PB-MAIL", "name": "n", "action": "notify", "params": {"channel": "email", "to": ["nope"]}},
    )
    assert r.status_code == 422 and "params.to" in r.text
    t.ok(
        t.put(
            "/ai/playbooks",
            {
                "code": "PB-MAIL",
                "name": "보전팀 메일",
                "trigger": {"kind": "anomaly", "equipment": "EB-*"},
                "action": "notify",
                "params": {
                    "channel": "email",
                    "to": ["bojeon@example.kr", "jang@example.kr"],
                    "message": "엣지밴더 이상",
                },
                "cooldown_minutes": 0,
            },
        )
    )
    now = datetime.now(UTC)

    def notify(hours_ago: float) -> dict[str, Any]:
        return _edge_finding_actions(runtime, cid, now - timedelta(hours=hours_ago))[1]["PB-MAIL"]

    try:
        monkeypatch.delenv("JEJO_SMTP_HOST", raising=False)
        unset = notify(10)
        assert unset["status"] == "failed" and "JEJO_SMTP_HOST" in unset["detail"]
        monkeypatch.setenv("JEJO_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("JEJO_SMTP_PORT", str(port))
        monkeypatch.setenv("JEJO_SMTP_STARTTLS", "false")
        monkeypatch.setenv("JEJO_SMTP_FROM", "jejo@pocheon-gagu.kr")
        sent = notify(5)
        assert sent["status"] == "done" and "bojeon@example.kr" in sent["detail"]
        [(rcpt, msg)] = got
        assert rcpt == ["bojeon@example.kr", "jang@example.kr"]
        assert msg["From"] == "jejo@pocheon-gagu.kr" and msg["Subject"] == "[jejo] 엣지밴더 이상 — EB-01"
        assert "진동 평균 5.1" in msg.get_content() and "PB-MAIL" in msg.get_content()
    finally:
        smtp.stop()
    down = notify(0)  # the server is gone: the action fails and says where it tried
    assert down["status"] == "failed" and "not sent" in down["detail"]
