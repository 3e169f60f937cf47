"""Input schemas of sales (pydantic): what the API, the CLI and the importer hand to the service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CODE = r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerIn(_In):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    business_number: str | None = Field(default=None, max_length=20)
    contact: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)


class OrderLineIn(_In):
    line: int | None = Field(default=None, ge=1, description="line number; 1, 2, … when left out")
    item: str
    quantity: float = Field(gt=0)
    unit_price: int = Field(ge=0, description="KRW per unit, VAT excluded")
    vat_percent: Literal[0, 10] = 10
    requested_date: date
    promised_date: date | None = None
    fulfilment: Literal["make", "stock"] = "make"


class SalesOrderIn(_In):
    code: str | None = Field(default=None, pattern=CODE)
    customer: str
    order_date: date
    customer_ref: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=500)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)


class PickIn(_In):
    line: int = Field(ge=1)
    lot: str
    location: str
    quantity: float = Field(gt=0)


class ShipmentIn(_In):
    code: str | None = Field(default=None, pattern=CODE)
    shipped_at: datetime | None = None
    note: str | None = Field(default=None, max_length=500)
    lines: list[PickIn] = Field(min_length=1, max_length=500)


class ReturnLineIn(PickIn):
    reason: str = Field(min_length=1, max_length=200)


class ReturnIn(_In):
    code: str | None = Field(default=None, pattern=CODE)
    returned_at: datetime | None = None
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=500)
