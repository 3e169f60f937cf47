"""Input shapes of master data (shared by the API, the importer and the web forms).

References to other master data are by code (``site: "PLANT-1"``), never by database id, so that a
spreadsheet can be written by hand and read back.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SiteIn(_In):
    code: Code
    name: Name
    timezone: str = "Asia/Seoul"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        if v not in available_timezones():
            raise ValueError(f"unknown time zone {v!r}")
        return v


class AreaIn(_In):
    code: Code
    name: Name
    site: Code


class LineIn(_In):
    code: Code
    name: Name
    area: Code


class WorkCenterIn(_In):
    code: Code
    name: Name
    line: Code


class EquipmentIn(_In):
    code: Code
    name: Name
    work_center: Code
    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    ideal_cycle_time_s: float | None = Field(default=None, gt=0)


class ItemIn(_In):
    code: Code
    name: Name
    kind: Literal["raw", "semi", "finished"]
    uom: Annotated[str, StringConstraints(min_length=1, max_length=16)] = "EA"
    description: str | None = None


class ReasonCodeIn(_In):
    code: Code
    name: Name
    category: Literal["downtime", "scrap", "rework"]
    planned: bool = False
    oee_loss: Literal["availability", "performance", "quality", "none"] = "availability"


class ShiftIn(_In):
    code: Code
    name: Name
    start: time
    end: time
    break_minutes: int = Field(default=0, ge=0, le=600)
    weekdays: Annotated[str, StringConstraints(pattern=r"^[0-6](,[0-6])*$")] = "0,1,2,3,4"

    @field_validator("start", "end")
    @classmethod
    def _wall_clock(cls, v: time) -> time:
        if v.tzinfo is not None:
            raise ValueError("a shift time is the site's local clock time; leave out the time zone")
        return v


class CalendarExceptionIn(_In):
    day: date
    working: bool = False
    note: str | None = None


class LocationIn(_In):
    code: Code
    name: Name
    kind: Literal["storage", "wip", "shipping", "quarantine"] = "storage"


class BomLineIn(_In):
    component: Code
    quantity: float = Field(gt=0)
    scrap_factor: float = Field(default=0.0, ge=0, lt=1)


class BomIn(_In):
    item: Code
    version: str = "1"
    base_quantity: float = Field(default=1.0, gt=0)
    lines: list[BomLineIn] = Field(min_length=1)


class RoutingOperationIn(_In):
    seq: int = Field(ge=1)
    name: Name
    work_center: Code
    setup_time_s: float = Field(default=0.0, ge=0)
    cycle_time_s: float = Field(gt=0)


class RoutingIn(_In):
    item: Code
    version: str = "1"
    operations: list[RoutingOperationIn] = Field(min_length=1)

    @field_validator("operations")
    @classmethod
    def _unique_seq(cls, ops: list[RoutingOperationIn]) -> list[RoutingOperationIn]:
        seqs = [o.seq for o in ops]
        if len(seqs) != len(set(seqs)):
            raise ValueError("operation seq numbers must be unique")
        return sorted(ops, key=lambda o: o.seq)
