"""SPC rule violations in the quality measurements, as findings the playbooks act on.

The scheduled scorer calls :func:`watch` after the machine models: every characteristic of an item that
got new measurements in the period is charted (I-MR, Nelson rules, ``jejo.kpi.service.spc_compute``) over
its last measurements — limits from the measurements before the period where there are at least 20 of
them — and each violation at a new point becomes a finding of kind ``spc`` on the lot it was measured
on (one per lot and episode, merged like every finding), so a playbook can hold the lot or notify. The
score says how strong the signal is: 2 for a point beyond the I chart's limits (Nelson rule 1), 1 for the
other rules and for the moving-range chart, whose jumps between single pieces also come from noise alone
now and then — a playbook with ``min_score: 2`` acts on the first kind only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.ai import findings as fd
from jejo.ai.tables import AiFinding
from jejo.core.timeutil import as_utc
from jejo.kpi.service import spc_compute
from jejo.quality import service as qs
from jejo.quality.tables import Inspection, InspectionMeasurement

HISTORY = 200  # measurements charted per characteristic
MIN_BASELINE = 20  # measurements before the period needed to take the limits from them alone


def watch(
    session: Session, company_id: int, since: datetime, until: datetime
) -> list[tuple[AiFinding, bool]]:
    """Findings (new or merged) for the SPC violations at measurements inspected in (since, until]."""
    since, until = as_utc(since), as_utc(until)
    pairs = session.execute(
        select(Inspection.item_code, InspectionMeasurement.characteristic)
        .join(InspectionMeasurement, InspectionMeasurement.inspection_id == Inspection.id)
        .where(
            Inspection.company_id == company_id,
            Inspection.inspected_at > since,
            Inspection.inspected_at <= until,
            InspectionMeasurement.value.is_not(None),
        )
        .distinct()
    ).all()
    out: list[tuple[AiFinding, bool]] = []
    for item, characteristic in sorted(pairs):
        found = qs.measurements(session, company_id, item, characteristic, limit=HISTORY, until=until)
        rows = [(float(v), as_utc(at), lot) for v, _, lot, at in found if v is not None and at is not None]
        if len(rows) < 3:
            continue
        values = [v for v, _, _ in rows]
        times = [at for _, at, _ in rows]
        before = sum(1 for t in times if t <= since)
        chart = spc_compute(
            "i_mr",
            values,
            baseline=before if before >= MIN_BASELINE else None,
            rules="nelson",
            subject=f"{item}/{characteristic}",
            times=times,
        )
        for f in chart["findings"]:
            i = int(f["data"]["index"]) + (1 if f["data"]["chart"] == "mr" else 0)
            if i >= len(rows) or times[i] <= since:
                continue  # an old point: reported when it was new
            value, at, lot = rows[i]
            d = f["data"]
            if d["chart"] == "mr":  # a jump between two measurements
                what = f"이동범위 {d['value']:.4g}, 상한 {d['ucl']:.4g}"
            else:
                what = f"값 {value:g}, 관리한계 {d['lcl']:.4g}~{d['ucl']:.4g}"
            out.append(
                fd.raise_finding(
                    session,
                    company_id,
                    kind="spc",
                    lot=lot,
                    window_start=at,
                    window_end=at,
                    score=2.0 if f["severity"] == "critical" and d["chart"] != "mr" else 1.0,
                    explanation=[
                        {
                            "feature": characteristic,
                            "value": value,
                            "rule": f["rule"],
                            "chart": d["chart"],
                            "center": d["center"],
                            "ucl": d["ucl"],
                            "lcl": d["lcl"],
                        }
                    ],
                    summary=f"{item} {characteristic} 관리도 규칙 위반 ({f['rule']}): {what} — 로트 {lot}",
                )
            )
    return out
