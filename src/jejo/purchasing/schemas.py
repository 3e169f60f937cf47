"""Input schemas of purchasing (pydantic)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

CODE = r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SupplierIn(_In):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    business_number: str | None = Field(default=None, max_length=20)
    lead_time_days: int = Field(default=7, ge=0, le=365)
    contact: str | None = Field(default=None, max_length=100)


class SupplierItemIn(_In):
    item: str
    price: int = Field(default=0, ge=0, description="KRW per unit, VAT excluded")
    lead_time_days: int | None = Field(default=None, ge=0, le=365)
    priority: int = Field(default=1, ge=1)


class PurchaseLineIn(_In):
    item: str
    quantity: float = Field(gt=0)
    unit_price: int | None = Field(default=None, ge=0)


class PurchaseOrderIn(_In):
    code: str | None = Field(default=None, pattern=CODE)
    supplier: str
    order_date: date | None = None
    due_date: date
    lines: list[PurchaseLineIn] = Field(min_length=1, max_length=500)


class ReceiptLineIn(_In):
    line: int = Field(ge=1)
    lot: str = Field(min_length=1, max_length=64)
    quantity: float = Field(gt=0)
    location: str


class ReceiptIn(_In):
    received_at: datetime | None = None
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=500)
