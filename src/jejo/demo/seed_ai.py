"""The demo company's playbooks: a spindle / saw bearing anomaly opens a maintenance order planned
into the machine's next gap, a predicted defect puts the lot on hold, a measurement beyond its control
limits notifies quality. Machine-health models are trained on the factory's own history once it is
there (see :mod:`jejo.ai.schedule`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jejo.playbooks.service import parse_playbook, save_playbook

PLAYBOOKS = [
    {
        "code": "PB-SPINDLE-VIB",
        "name": "주축·톱 진동 이상 → 보전 작업지시",
        "trigger": {"kind": "anomaly", "equipment": "*", "signal": "vibration", "min_score": 1.0},
        "action": "maintenance_order",
        "params": {
            "kind": "request",
            "description": "베어링 점검 (AI 이상 감지)",
            "checklist": ["베어링 진동·온도 측정", "윤활 상태 확인", "필요 시 베어링 교체"],
            "plan_within_hours": 4,  # into the machine's first gap in the plan within 4 h
            "duration_minutes": 45,
        },
        "cooldown_minutes": 480,
    },
    {
        "code": "PB-DEFECT-HOLD",
        "name": "불량 위험 로트 보류",
        "trigger": {"kind": "quality", "min_score": 0.8},
        "action": "hold_lot",
        "params": {"reason": "AI 불량 예측 위험"},
        "cooldown_minutes": 60,
    },
    {
        "code": "PB-SPC-NOTIFY",
        "name": "관리도 이탈 → 품질 담당 알림",
        "trigger": {"kind": "spc", "min_score": 2.0},
        "action": "notify",
        "params": {"message": "관리도 한계를 벗어난 측정값 — 로트 확인 필요"},
        "cooldown_minutes": 60,
    },
    {
        "code": "PB-RUL-LOW",
        "name": "잔여 수명 48시간 이하 → 보전 계획",
        "trigger": {"kind": "rul", "max_score": 48},
        "action": "maintenance_order",
        "params": {
            "kind": "request",
            "description": "잔여 수명 임박 — 예방 보전",
            "plan_within_hours": 24,
            "duration_minutes": 120,
        },
        "cooldown_minutes": 1440,
    },
]


def seed_ai(session: Session, company_id: int) -> None:
    for data in PLAYBOOKS:
        save_playbook(session, company_id, parse_playbook(data), "demo")
