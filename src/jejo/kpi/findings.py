"""Findings: what the KPI side noticed that someone (or a playbook) should act on.

A violated SPC rule becomes a ``Finding``: a plain, serialisable record that the playbook engine
consumes (open a quality check, hold a lot, notify the line leader). Nothing is stored here; the
caller decides where findings go.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from jejo.kpi.spc import Chart, ChartPair


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # e.g. "spc.rule_violation"
    severity: str  # info | warning | critical
    subject: str  # what was watched: a tag, a characteristic, a machine
    message: str
    rule: str = ""
    at: datetime | None = None
    equipment: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = self.at.isoformat() if self.at else None
        return d


def _severity(rule: int, ruleset: str) -> str:
    return "critical" if rule == 1 else "warning"


def spc_findings(
    chart: Chart | ChartPair,
    subject: str,
    times: list[datetime] | None = None,
    equipment: str | None = None,
) -> list[Finding]:
    """One finding per rule violation of a chart (or of both charts of a pair)."""
    charts = [chart.location, chart.dispersion] if isinstance(chart, ChartPair) else [chart]
    out: list[Finding] = []
    for ch in charts:
        for v in ch.violations:
            at = times[v.index] if times and v.index < len(times) else None
            if ch.kind == "mr" and times and v.index + 1 < len(times):
                at = times[v.index + 1]
            out.append(
                Finding(
                    kind="spc.rule_violation",
                    severity=_severity(v.rule, v.ruleset),
                    subject=subject,
                    message=f"{ch.kind} chart: {v.ruleset} rule {v.rule}: {v.description}",
                    rule=f"{v.ruleset}:{v.rule}",
                    at=at,
                    equipment=equipment,
                    data={
                        "chart": ch.kind,
                        "index": v.index,
                        "points": list(v.points),
                        "value": ch.points[v.index],
                        "center": ch.center,
                        "ucl": ch.ucl[v.index],
                        "lcl": ch.lcl[v.index],
                    },
                )
            )
    return out
