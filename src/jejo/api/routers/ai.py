"""AI: the model registry (train a machine-health model from telemetry, promote, roll back), findings
with people's feedback, the scheduled scorer, and playbooks with the actions they took."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from jejo.ai import findings as fd
from jejo.ai import registry
from jejo.ai import scorer as sc
from jejo.api.deps import DB, Caller, IntPath, require, runtime
from jejo.core.timeutil import utcnow
from jejo.playbooks import service as pbs
from jejo.playbooks.schemas import PlaybookIn

router = APIRouter(tags=["ai"])
WRITE = [require("workorders:write")]
ADMIN = [require("masterdata:write")]


class TrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    equipment: str = Field(min_length=1, max_length=64)
    start: datetime
    end: datetime
    signals: list[str] = Field(default_factory=lambda: list(sc.DEFAULT_SIGNALS), min_length=1, max_length=20)
    window_s: int = Field(default=600, ge=10, le=86_400)
    min_windows: int = Field(default=3, ge=1, le=100)
    name: str | None = Field(default=None, max_length=64)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str | None = Field(default=None, max_length=500)


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: datetime | None = None


def _folder(request: Request) -> Any:
    return runtime(request).settings.ensure_data_dir()


@router.get("/ai/models")
def list_models(caller: Caller, session: DB, name: str | None = None) -> list[dict[str, Any]]:
    return [registry.model_out(m) for m in registry.list_models(session, caller.company_id, name)]


@router.post("/ai/models/train", status_code=201, dependencies=ADMIN)
def train(body: TrainIn, request: Request, caller: Caller, session: DB) -> dict[str, Any]:
    """Fit a machine-health model on a period of normal operation; registered as a candidate."""
    row = sc.train_machine_model(
        session,
        caller.company_id,
        _folder(request),
        equipment=body.equipment,
        start=body.start,
        end=body.end,
        actor=caller.name,
        signals=body.signals,
        window_s=body.window_s,
        min_windows=body.min_windows,
        name=body.name,
    )
    return registry.model_out(row)


@router.get("/ai/models/{name}/{version}")
def get_model(name: str, version: IntPath, caller: Caller, session: DB) -> dict[str, Any]:
    return registry.model_out(registry.get_model(session, caller.company_id, name, version))


@router.post("/ai/models/{name}/{version}/promote", dependencies=ADMIN)
def promote(name: str, version: IntPath, caller: Caller, session: DB) -> dict[str, Any]:
    return registry.model_out(registry.promote(session, caller.company_id, name, version, caller.name))


@router.post("/ai/models/{name}/rollback", dependencies=ADMIN)
def rollback(name: str, caller: Caller, session: DB) -> dict[str, Any]:
    return registry.model_out(registry.rollback(session, caller.company_id, name, caller.name))


@router.post("/ai/score", dependencies=WRITE)
def score(body: ScoreIn, request: Request, caller: Caller, session: DB) -> dict[str, Any]:
    """Run the scorer now (what the schedule does): score new windows, raise findings, run playbooks."""
    run = sc.score_due(session, caller.company_id, _folder(request), body.until or utcnow())
    return {
        "models": run.models,
        "windows": run.windows,
        "new_findings": [f.code for f in run.new_findings],
        "updated_findings": [f.code for f in run.updated_findings],
        "actions": [pbs.action_out(a) for a in run.actions],
        "errors": run.errors,
    }


@router.get("/ai/findings")
def list_findings(
    caller: Caller,
    session: DB,
    status: str | None = None,
    equipment: str | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> list[dict[str, Any]]:
    return [fd.finding_out(f) for f in fd.list_findings(session, caller.company_id, status, equipment, limit)]


@router.get("/ai/findings/{code}")
def get_finding(code: str, request: Request, caller: Caller, session: DB) -> dict[str, Any]:
    f = fd.get_finding(session, caller.company_id, code)
    out = fd.finding_out(f)
    out["actions"] = [
        pbs.action_out(a) for a in pbs.list_actions(session, caller.company_id, finding_id=f.id)
    ]
    return out


@router.get("/ai/findings/{code}/series")
def finding_series(code: str, request: Request, caller: Caller, session: DB) -> dict[str, Any]:
    """The signals and the anomaly score around the finding (for its chart)."""
    f = fd.get_finding(session, caller.company_id, code)
    return sc.finding_series(session, caller.company_id, _folder(request), f)


@router.post("/ai/findings/{code}/acknowledge", dependencies=WRITE)
def acknowledge(code: str, body: FeedbackIn, caller: Caller, session: DB) -> dict[str, Any]:
    return fd.finding_out(fd.acknowledge(session, caller.company_id, code, caller.name, body.note))


@router.post("/ai/findings/{code}/dismiss", dependencies=WRITE)
def dismiss(code: str, body: FeedbackIn, caller: Caller, session: DB) -> dict[str, Any]:
    return fd.finding_out(fd.dismiss(session, caller.company_id, code, caller.name, body.note))


@router.get("/ai/feedback")
def feedback(caller: Caller, session: DB, model: str | None = None) -> list[dict[str, Any]]:
    """People's verdicts on findings, as labels for retraining."""
    return fd.feedback(session, caller.company_id, model)


@router.get("/ai/playbooks")
def list_playbooks(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return [pbs.playbook_out(p) for p in pbs.list_playbooks(session, caller.company_id)]


@router.put("/ai/playbooks", dependencies=ADMIN)
def save_playbook(body: PlaybookIn, caller: Caller, session: DB) -> dict[str, Any]:
    return pbs.playbook_out(pbs.save_playbook(session, caller.company_id, body, caller.name))


@router.get("/ai/playbook-actions")
def list_actions(caller: Caller, session: DB, playbook: str | None = None) -> list[dict[str, Any]]:
    return [pbs.action_out(a) for a in pbs.list_actions(session, caller.company_id, playbook)]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str | None = Field(default=None, max_length=300)


@router.post("/ai/playbook-actions/{action_id}/approve")
def approve_action(action_id: IntPath, caller: Caller, session: DB) -> dict[str, Any]:
    """Approve an action that waits for the caller's role (or an admin); it is done at once."""
    action = pbs.approve_action(session, caller.company_id, action_id, caller.name, caller.roles)
    return pbs.action_out(action)


@router.post("/ai/playbook-actions/{action_id}/reject")
def reject_action(action_id: IntPath, body: DecisionIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Reject an action that waits for the caller's role (or an admin): nothing is done."""
    return pbs.action_out(
        pbs.reject_action(session, caller.company_id, action_id, caller.name, caller.roles, body.note)
    )


@router.post("/ai/playbook-actions/{action_id}/revert")
def revert_action(action_id: IntPath, body: DecisionIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Undo a done action: its maintenance order cancelled, its lot released, its notice withdrawn. Needs
    the right to change work orders, or the playbook's approving role."""
    roles = None if caller.can("workorders:write") else caller.roles
    return pbs.action_out(
        pbs.revert_action(session, caller.company_id, action_id, caller.name, body.note, roles=roles)
    )


class PeriodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: datetime
    end: datetime
    version: int | None = Field(default=None, ge=1, description="drift: this version (default: active)")


@router.post("/ai/models/{name}/challenge", dependencies=ADMIN)
def challenge(name: str, body: PeriodIn, request: Request, caller: Caller, session: DB) -> dict[str, Any]:
    """Champion (active) against the newest candidate on fresh telemetry, judged by people's verdicts."""
    from jejo.ai import lifecycle

    return lifecycle.challenge(session, caller.company_id, _folder(request), name, body.start, body.end)


@router.post("/ai/models/{name}/drift", dependencies=WRITE)
def drift(name: str, body: PeriodIn, caller: Caller, session: DB) -> dict[str, Any]:
    """How far each feature of [start, end) moved from the model's training windows (PSI)."""
    from jejo.ai import lifecycle

    return lifecycle.drift(session, caller.company_id, name, body.start, body.end, body.version)
