"""SPC rule violations in the quality measurements become findings of kind ``spc`` on the lot, and a
playbook holds the lot — through the scheduled scorer (jejo.ai.spc_watch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from tests.conftest import Tenant, build_plant

from jejo.ai import findings as fd
from jejo.ai.scorer import score_due
from jejo.core.runtime import Runtime
from jejo.quality import service as qs
from jejo.quality.schemas import InspectionIn, MeasurementIn, ResultsIn

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def test_an_spc_violation_holds_its_lot(tenant: Tenant, runtime: Runtime) -> None:
    t = tenant
    build_plant(t)
    cid = t.company_id
    t.ok(
        t.put(
            "/quality/plans",
            {
                "code": "QP-PB",
                "item": "PB-18",
                "stage": "incoming",
                "aql": 2.5,
                "characteristics": [
                    {"name": "두께", "nominal": 18.0, "lower": 17.5, "upper": 18.5, "unit": "mm"}
                ],
            },
        )
    )
    rng = np.random.default_rng(1)
    # 24 lots inspected over the last weeks (the limits come from them), then 3 today; the last is thick
    plan = [(NOW - timedelta(days=30) + timedelta(days=k), 18.0) for k in range(24)]
    plan += [(NOW - timedelta(hours=h), 18.0) for h in (6, 4)] + [(NOW - timedelta(hours=1), 18.3)]
    lots = []
    for k, (at, level) in enumerate(plan):
        lot = f"PB-{k:02d}"
        lots.append(lot)
        t.ok(
            t.post(
                "/events",
                {
                    "type": "inventory.received",
                    "payload": {"item": "PB-18", "lot": lot, "quantity": 40, "location": "WH-RAW"},
                },
            ),
            201,
        )
        with runtime.transaction() as s:
            insp = qs.open_inspection(s, cid, InspectionIn(lot=lot, plan="QP-PB"))
            values = level + rng.normal(0, 0.03, insp.sample_size)
            body = ResultsIn(
                measurements=[
                    MeasurementIn(characteristic="두께", sample_no=i + 1, value=round(float(v), 3))
                    for i, v in enumerate(values)
                ]
            )
            assert qs.record_results(s, cid, insp.code, body, "검사원", at=at).result == "passed"  # in spec
    t.ok(
        t.put(
            "/ai/playbooks",
            {
                "code": "PB-SPC-HOLD",
                "name": "관리도 이탈 로트 보류",
                "trigger": {"kind": "spc", "min_score": 2.0},
                "action": "hold_lot",
                "params": {"reason": "두께 관리도 이탈"},
            },
        )
    )
    folder = runtime.settings.ensure_data_dir()
    with runtime.transaction() as s:
        run = score_due(s, cid, folder, NOW)
        assert not run.errors
        spc = [f for f in run.new_findings if f.kind == "spc"]
        critical = [f for f in spc if f.score == 2.0]  # beyond the I chart's limits
        assert [f.lot_code for f in critical] == [lots[-1]], [f.summary for f in spc]
        assert all(f.lot_code in lots[-3:] for f in spc)  # only today's points are looked at
        f = critical[0]
        assert f.score == 2.0 and "nelson:1" in f.summary and "두께" in f.summary and lots[-1] in f.summary
        assert f.explanation[0]["feature"] == "두께" and f.explanation[0]["value"] > f.explanation[0]["ucl"]
        assert [(a.action, a.status, a.target) for a in run.actions] == [("hold_lot", "done", lots[-1])]
        assert lots[-1] in qs.held_lots(s, cid, set(lots))
        # the next run finds nothing new: the same violation merges into the finding
        again = score_due(s, cid, folder, NOW + timedelta(minutes=30))
        assert not [x for x in again.new_findings if x.kind == "spc"] and not again.actions
        assert len(fd.list_findings(s, cid)) == len(spc)
