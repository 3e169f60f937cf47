"""Input schemas of costing (pydantic)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PriceIn(_In):
    item: str
    price: int = Field(ge=0, description="KRW per unit of the item")


class RateIn(_In):
    work_center: str
    machine_rate: int = Field(ge=0, description="KRW per machine hour")
    labour_rate: int = Field(ge=0, description="KRW per labour hour")


class ClockIn(_In):
    operator: str = Field(min_length=1, max_length=64)
    work_center: str | None = None
    at: datetime | None = None


class BookingIn(_In):
    operator: str = Field(min_length=1, max_length=64)
    work_order: str
    seq: int = Field(ge=1)
    labour_minutes: float = Field(gt=0, le=24 * 60)
    machine_minutes: float = Field(default=0.0, ge=0, le=24 * 60)
    at: datetime | None = None
