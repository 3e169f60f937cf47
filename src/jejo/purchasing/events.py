"""Event types of purchasing: a purchase-order line received into a lot (the stock itself moves with
``inventory.received`` in the same batch)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PurchaseReceived(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    purchase_order: str
    supplier: str
    line: int = Field(ge=1)
    item: str
    lot: str
    quantity: float = Field(gt=0)
    location: str


PAYLOADS: dict[str, type[BaseModel]] = {"purchase.received": PurchaseReceived}
