"""Input schemas of quality (pydantic)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CODE = r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$"
Stage = Literal["incoming", "in_process", "final"]
Disposition = Literal["scrap", "rework", "use_as_is", "return_to_supplier"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CharacteristicIn(_In):
    name: str = Field(min_length=1, max_length=100)
    nominal: float | None = None
    lower: float | None = None
    upper: float | None = None
    unit: str | None = Field(default=None, max_length=16)

    @model_validator(mode="after")
    def _limits(self) -> CharacteristicIn:
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError("lower limit above the upper limit")
        return self


class InspectionPlanIn(_In):
    code: str = Field(pattern=CODE)
    item: str
    stage: Stage
    operation_seq: int | None = Field(default=None, ge=1)
    level: Literal["I", "II", "III", "S-1", "S-2", "S-3", "S-4"] = "II"
    aql: float = Field(default=1.0, gt=0)
    severity: Literal["normal"] = "normal"
    characteristics: list[CharacteristicIn] = Field(default_factory=list, max_length=100)


class InspectionIn(_In):
    code: str | None = Field(default=None, pattern=CODE)
    lot: str
    plan: str
    lot_size: int | None = Field(default=None, ge=2, description="units in the lot; its stock when left out")


class MeasurementIn(_In):
    characteristic: str
    sample_no: int = Field(ge=1)
    value: float | None = None
    ok: bool | None = Field(
        default=None, description="for attributes (go / no-go); a value is judged by its limits"
    )

    @model_validator(mode="after")
    def _one(self) -> MeasurementIn:
        if self.value is None and self.ok is None:
            raise ValueError("give a value or ok")
        return self


class ResultsIn(_In):
    measurements: list[MeasurementIn] = Field(default_factory=list, max_length=10_000)
    nonconforming: int | None = Field(
        default=None, ge=0, description="nonconforming items found, when not given item by item"
    )

    @model_validator(mode="after")
    def _some(self) -> ResultsIn:
        if not self.measurements and self.nonconforming is None:
            raise ValueError("give measurements or the number of nonconforming items")
        return self


class HoldIn(_In):
    reason: str = Field(min_length=1, max_length=200)


class NcrIn(_In):
    code: str | None = Field(default=None, pattern=CODE)
    lot: str
    quantity: float = Field(gt=0)
    description: str = Field(min_length=1, max_length=500)


class DispositionIn(_In):
    disposition: Disposition
    location: str | None = Field(
        default=None, description="for scrap / return: where the stock is taken from"
    )
