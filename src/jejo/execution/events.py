"""The kinds of execution events and the shape of their payloads (pure domain; no database, no web).

Every event is append-only and carries: a UUIDv7 id, ``occurred_at`` (UTC, from its source),
``recorded_at``, actor, source and an idempotency key. The payload schema depends on the type.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from importlib import import_module
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator


class MachineStateKind(StrEnum):
    """Machine states after OPC 40001-1 (MachineryItemState) with the MES's planned stop and setup."""

    RUNNING = "running"
    IDLE = "idle"
    DOWN = "down"
    SETUP = "setup"
    PLANNED_STOP = "planned_stop"
    OFF = "off"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Empty(_Payload):
    reason: str | None = None


class OperationRef(_Payload):
    seq: int = Field(ge=1)
    equipment: str | None = None
    reason_code: str | None = None


class QuantityReported(_Payload):
    seq: int = Field(ge=1)
    good: float = Field(default=0.0, ge=0)
    scrap: float = Field(default=0.0, ge=0)
    rework: float = Field(default=0.0, ge=0)
    reason_code: str | None = None
    equipment: str | None = None

    @model_validator(mode="after")
    def _check(self) -> QuantityReported:
        if self.good == 0 and self.scrap == 0 and self.rework == 0:
            raise ValueError("at least one of good, scrap, rework must be above zero")
        if (self.scrap > 0 or self.rework > 0) and not self.reason_code:
            raise ValueError("scrap and rework need a reason_code")
        return self


class MaterialConsumed(_Payload):
    item: str
    lot: str
    quantity: float = Field(gt=0)
    location: str
    seq: int | None = Field(default=None, ge=1)


class LotProduced(_Payload):
    item: str
    lot: str
    quantity: float = Field(gt=0)
    location: str
    serial: bool = False


class MachineStateChanged(_Payload):
    equipment: str
    state: MachineStateKind
    reason_code: str | None = None


class PartScanned(_Payload):
    part_id: str = Field(min_length=1, max_length=64)
    station: str = Field(min_length=1, max_length=64)


class InventoryMove(_Payload):
    """Receipt or issue at one location."""

    item: str
    lot: str
    quantity: float = Field(gt=0)
    location: str
    reason_code: str | None = None
    serial: bool = False


class InventoryAdjustment(InventoryMove):
    """A stock correction (count difference, damage, expiry): always with a reason code."""

    quantity: float  # signed: negative takes stock away
    reason_code: str

    @model_validator(mode="after")
    def _nonzero(self) -> InventoryAdjustment:
        if self.quantity == 0:
            raise ValueError("an adjustment of zero changes nothing")
        return self


class InventoryTransfer(_Payload):
    item: str
    lot: str
    quantity: float = Field(gt=0)
    from_location: str
    to_location: str


EventType = Literal[
    "work_order.created",
    "work_order.released",
    "work_order.held",
    "work_order.resumed",
    "work_order.cancelled",
    "work_order.closed",
    "operation.started",
    "operation.paused",
    "operation.resumed",
    "operation.completed",
    "quantity.reported",
    "material.consumed",
    "lot.produced",
    "machine.state_changed",
    "part.scanned",
    "inventory.received",
    "inventory.issued",
    "inventory.transferred",
    "inventory.adjusted",
]

PAYLOADS: dict[str, type[BaseModel]] = {
    "work_order.created": Empty,
    "work_order.released": Empty,
    "work_order.held": Empty,
    "work_order.resumed": Empty,
    "work_order.cancelled": Empty,
    "work_order.closed": Empty,
    "operation.started": OperationRef,
    "operation.paused": OperationRef,
    "operation.resumed": OperationRef,
    "operation.completed": OperationRef,
    "quantity.reported": QuantityReported,
    "material.consumed": MaterialConsumed,
    "lot.produced": LotProduced,
    "machine.state_changed": MachineStateChanged,
    "part.scanned": PartScanned,
    "inventory.received": InventoryMove,
    "inventory.issued": InventoryMove,
    "inventory.transferred": InventoryTransfer,
    "inventory.adjusted": InventoryAdjustment,
}

#: The plant's daily modules (sales, quality, purchasing, costing, maintenance) add their own event types:
#: shipments and returns of lots, inspection results, holds, dispositions, receipts, labour, maintenance.
#: They name work orders, lots and customers in their payloads, so they leave work-order projections alone.
#: A module may also add guards: checks of a batch against its own records (quality: a lot on hold cannot
#: be consumed), called with (session, company id, [(index in the batch, type, payload)]) and returning
#: problems; the batch is refused when any guard finds one.
GUARDS: list[Callable[[Any, int, list[tuple[int, str, dict[str, Any]]]], list[Any]]] = []
for _module in ("sales", "quality", "purchasing", "costing", "maintenance"):
    _events = import_module(f"jejo.{_module}.events")
    for _type, _model in _events.PAYLOADS.items():
        if _type in PAYLOADS:
            raise RuntimeError(f"event type {_type} is defined twice")
        PAYLOADS[_type] = _model
    GUARDS.extend(getattr(_events, "GUARDS", ()))

#: Events that belong to a work order and need one.
WORK_ORDER_EVENTS = frozenset(
    t for t in PAYLOADS if t.split(".")[0] in ("work_order", "operation", "quantity")
)
WORK_ORDER_EVENTS |= {"material.consumed", "lot.produced"}
#: Work-order events that people or machines on the floor send (as opposed to planning commands).
FLOOR_EVENTS = frozenset(
    {
        "operation.started",
        "operation.paused",
        "operation.resumed",
        "operation.completed",
        "quantity.reported",
        "material.consumed",
        "lot.produced",
    }
)


class EventRecord(NamedTuple):
    """An event as stored: what projections fold over.

    Immutable; a named tuple rather than a frozen dataclass because every event posted or replayed makes
    one, and a tuple is made several times faster.
    """

    id: uuid.UUID
    type: str
    occurred_at: datetime
    payload: dict[str, Any]
    work_order_id: int | None = None
    equipment_code: str | None = None
    company_id: int = 0
    actor: str = ""
    source: str = ""
    idempotency_key: str = ""
    recorded_at: datetime | None = None

    @property
    def order_key(self) -> tuple[datetime, uuid.UUID]:
        """Events are applied in the order they happened; ties are broken by id."""
        return (self.occurred_at, self.id)
