"""Event types of costing: operators clocking in and out, and time booked to a work-order operation."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clock(_Payload):
    operator: str = Field(min_length=1, max_length=64)
    work_center: str | None = None


class LabourBooked(_Payload):
    operator: str = Field(min_length=1, max_length=64)
    work_order: str
    seq: int = Field(ge=1)
    work_center: str
    labour_minutes: float = Field(ge=0)
    machine_minutes: float = Field(default=0.0, ge=0)


PAYLOADS: dict[str, type[BaseModel]] = {
    "labour.clocked_in": Clock,
    "labour.clocked_out": Clock,
    "labour.booked": LabourBooked,
}
