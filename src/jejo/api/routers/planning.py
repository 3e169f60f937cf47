"""Planning (APS): production plans of the open work orders, their versions, re-planning, pins, and
re-planning around machines that went down."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from jejo.api.deps import DB, Caller, require
from jejo.planning import service as ps

router = APIRouter(tags=["planning"])
WRITE = [require("workorders:write")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanIn(_In):
    code: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$"
    )
    name: str | None = Field(default=None, max_length=200)
    time_limit: float = Field(default=5.0, gt=0, le=600)
    frozen_minutes: int = Field(default=120, ge=0, le=10080)


class ReplanIn(_In):
    time_limit: float | None = Field(default=None, gt=0, le=600)


class PinIn(_In):
    work_order: str
    seq: int = Field(ge=1)
    equipment: str | None = None
    start: datetime | None = None
    pinned: bool = True
    time_limit: float | None = Field(default=None, gt=0, le=600)


class DownIn(_In):
    equipment: str
    at: datetime | None = None
    repair_minutes: int | None = Field(default=None, ge=1, le=10080)
    time_limit: float | None = Field(default=None, gt=0, le=600)


class CapabilityIn(_In):
    equipment: str
    work_center: str
    speed: float = Field(default=1.0, gt=0, le=10)


@router.get("/planning/plans")
def list_plans(caller: Caller, session: DB) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in ps.plan_out(p).items() if k != "plan"}
        for p in ps.list_plans(session, caller.company_id)
    ]


@router.post("/planning/plans", status_code=201, dependencies=WRITE)
def create_plan(body: PlanIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Plan the released and in-progress work orders now (version 1)."""
    plan = ps.create_plan(
        session,
        caller.company_id,
        caller.name,
        code=body.code,
        name=body.name,
        time_limit=body.time_limit,
        frozen_minutes=body.frozen_minutes,
    )
    return ps.plan_out(plan)


@router.get("/planning/plans/{code}")
def get_plan(
    code: str, caller: Caller, session: DB, version: int | None = Query(None, ge=1)
) -> dict[str, Any]:
    """The plan with one version (default: the current one), its operations, KPIs and what moved."""
    return ps.plan_out(ps.get_plan(session, caller.company_id, code), version)


@router.get("/planning/plans/{code}/versions")
def list_versions(code: str, caller: Caller, session: DB) -> list[dict[str, Any]]:
    plan = ps.get_plan(session, caller.company_id, code)
    return [ps.version_out(v) for v in reversed(plan.versions)]


@router.post("/planning/plans/{code}/replan", status_code=201, dependencies=WRITE)
def replan(code: str, body: ReplanIn, caller: Caller, session: DB) -> dict[str, Any]:
    """A new version from the floor's current state (started operations, frozen horizon, pins kept)."""
    v = ps.replan(session, caller.company_id, code, caller.name, time_limit=body.time_limit)
    return ps.version_out(v, operations=True)


@router.post("/planning/plans/{code}/pin", status_code=201, dependencies=WRITE)
def pin(code: str, body: PinIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Pin an operation on a machine at a start (or unpin it with ``pinned: false``) and re-plan."""
    v = ps.pin_operation(
        session,
        caller.company_id,
        code,
        caller.name,
        work_order=body.work_order,
        seq=body.seq,
        equipment=body.equipment,
        start=body.start,
        pinned=body.pinned,
        time_limit=body.time_limit,
    )
    return ps.version_out(v, operations=True)


@router.post("/planning/plans/{code}/machine-down", status_code=201, dependencies=WRITE)
def machine_down(code: str, body: DownIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Re-plan around a machine that is down until its expected (or given) repair."""
    v = ps.machine_down(
        session,
        caller.company_id,
        code,
        caller.name,
        equipment=body.equipment,
        at=body.at,
        repair_minutes=body.repair_minutes,
        time_limit=body.time_limit,
    )
    return ps.version_out(v, operations=True)


@router.post("/planning/plans/{code}/sync", dependencies=WRITE)
def sync(code: str, body: ReplanIn, caller: Caller, session: DB) -> list[dict[str, Any]]:
    """Re-plan for the machines that went down since the plan last read the event log."""
    versions = ps.sync_events(session, caller.company_id, code, caller.name, time_limit=body.time_limit)
    return [ps.version_out(v) for v in versions]


@router.put("/planning/capabilities", dependencies=[require("masterdata:write")])
def save_capability(body: CapabilityIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Let a machine also run another work center's operations (an alternative machine)."""
    cap = ps.add_capability(session, caller.company_id, body.equipment, body.work_center, body.speed)
    return {"equipment": cap.equipment.code, "work_center": cap.work_center.code, "speed": cap.speed}
