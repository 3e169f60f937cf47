"""Event types of sales: a lot shipped to a customer, a lot returned by one (pure; pydantic only).

Stock moves through the ordinary ``inventory.issued`` / ``inventory.received`` events posted in the
same batch; these events add who received the lot, so genealogy can answer "which customers got it".
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LotShipped(_Payload):
    customer: str
    sales_order: str
    shipment: str
    line: int = Field(ge=1)
    item: str
    lot: str
    quantity: float = Field(gt=0)
    location: str


class LotReturned(_Payload):
    customer: str
    sales_order: str
    sales_return: str
    line: int = Field(ge=1)
    item: str
    lot: str
    quantity: float = Field(gt=0)
    location: str
    reason: str = Field(min_length=1, max_length=200)


PAYLOADS: dict[str, type[BaseModel]] = {"lot.shipped": LotShipped, "lot.returned": LotReturned}
