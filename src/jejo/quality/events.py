"""Event types of quality: inspection results, lot holds and releases, nonconformance dispositions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InspectionRecorded(_Payload):
    inspection: str
    lot: str
    item: str
    stage: Literal["incoming", "in_process", "final"]
    sample_size: int = Field(ge=1)
    defectives: int = Field(ge=0)
    accept: int = Field(ge=0)
    result: Literal["passed", "failed"]


class LotHeld(_Payload):
    lot: str
    reason: str = Field(min_length=1, max_length=200)
    inspection: str | None = None
    ncr: str | None = None


class LotReleased(_Payload):
    lot: str
    reason: str = Field(min_length=1, max_length=200)
    ncr: str | None = None


class NcrDispositioned(_Payload):
    ncr: str
    lot: str
    disposition: Literal["scrap", "rework", "use_as_is", "return_to_supplier"]
    quantity: float = Field(gt=0)


PAYLOADS: dict[str, type[BaseModel]] = {
    "inspection.recorded": InspectionRecorded,
    "lot.held": LotHeld,
    "lot.released": LotReleased,
    "ncr.dispositioned": NcrDispositioned,
}
