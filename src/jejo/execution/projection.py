"""Projections as pure folds over events: work-order progress, machine state, part location, stock.

Each fold takes events in ``order_key`` order (when they happened). The live projector applies new
events incrementally when they come after what a projection has seen, and replays the aggregate when
one arrives out of order; ``jejo rebuild`` folds everything from scratch. Both give the same result.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from jejo.execution.events import EventRecord
from jejo.execution.statemachine import WOStatus

OrderKey = tuple[datetime, uuid.UUID]

#: Work-order events whose effect does not depend on when they are applied (sums, set-once flags,
#: sets, minimum times): a late one is applied on top; any other late event replays the work order.
ORDER_FREE = frozenset(
    {
        "quantity.reported",
        "material.consumed",
        "lot.produced",
        "work_order.created",
        "work_order.released",
        "work_order.cancelled",
        "work_order.closed",
    }
)
#: The other work-order events: what they decide depends on the order they are applied in.
ORDER_SENSITIVE = frozenset(
    {
        "work_order.held",
        "work_order.resumed",
        "operation.started",
        "operation.paused",
        "operation.resumed",
        "operation.completed",
    }
)
#: The events a work order's progress is folded from (a part scan or a machine state that names the
#: work order is not one of them).
WORK_ORDER_FOLD = ORDER_FREE | ORDER_SENSITIVE


@dataclass
class OperationProgress:
    seq: int
    status: str = "pending"  # pending | running | paused | completed
    good: float = 0.0
    scrap: float = 0.0
    rework: float = 0.0
    scrap_by_reason: dict[str, float] = field(default_factory=dict)
    equipment_code: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    run_seconds: float = 0.0
    running_since: datetime | None = None

    def _stop_clock(self, at: datetime) -> None:
        if self.running_since is not None:
            self.run_seconds += max(0.0, (at - self.running_since).total_seconds())
            self.running_since = None


@dataclass
class WorkOrderProgress:
    """The current state of one work order, folded from its events."""

    work_order_id: int
    company_id: int
    op_seqs: tuple[int, ...]
    released: bool = False
    held: bool = False
    cancelled: bool = False
    closed: bool = False
    ops: dict[int, OperationProgress] = field(default_factory=dict)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    last_key: OrderKey | None = None
    event_count: int = 0
    consumed_lots: list[str] = field(default_factory=list)
    produced_lots: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for seq in self.op_seqs:
            self.ops.setdefault(seq, OperationProgress(seq))

    @property
    def status(self) -> WOStatus:
        """Derived from what happened, not from the order events arrived in."""
        if self.cancelled:
            return WOStatus.CANCELLED
        if self.closed:
            return WOStatus.CLOSED
        if self.held:
            return WOStatus.ON_HOLD
        if not self.released:
            return WOStatus.PLANNED
        if self.op_seqs and all(o.status == "completed" for o in self.ops.values()):
            return WOStatus.COMPLETED
        return WOStatus.IN_PROGRESS if self.started_at is not None else WOStatus.RELEASED

    @property
    def good(self) -> float:
        """Good quantity of the work order: what the last operation reported good."""
        return self.ops[self.op_seqs[-1]].good if self.op_seqs else 0.0

    @property
    def scrap(self) -> float:
        return sum(op.scrap for op in self.ops.values())

    @property
    def rework(self) -> float:
        return sum(op.rework for op in self.ops.values())

    def wip(self) -> dict[int, float]:
        """Units at or inside each operation: good out of the previous one minus what left this one."""
        result: dict[int, float] = {}
        previous_good: float | None = None
        for seq in self.op_seqs:
            op = self.ops[seq]
            inflow = previous_good if previous_good is not None else op.good + op.scrap
            result[seq] = max(0.0, inflow - op.good - op.scrap)
            previous_good = op.good
        return result

    def apply(self, e: EventRecord) -> list[tuple[str, str]]:
        """Apply one event; returns genealogy links (parent lot, child lot) it creates.

        Events must come in ``order_key`` order, except those in ``ORDER_FREE`` which may come late.
        Events of other types (``WORK_ORDER_FOLD``) are ignored.
        """
        if e.type not in WORK_ORDER_FOLD:
            return []
        self.event_count += 1
        if self.last_key is None or e.order_key > self.last_key:
            self.last_key = e.order_key
        t, p = e.type, e.payload
        links: list[tuple[str, str]] = []
        if t == "work_order.released":
            self.released = True
        elif t == "work_order.held":
            self.held = True
        elif t == "work_order.resumed":
            self.held = False
        elif t == "work_order.cancelled":
            self.cancelled = True
        elif t == "work_order.closed":
            self.closed = True
        elif t.startswith("operation.") or t == "quantity.reported":
            self._apply_operation(e)
        elif t == "material.consumed":
            lot = p["lot"]
            if lot not in self.consumed_lots:
                self.consumed_lots = sorted([*self.consumed_lots, lot])
                links = [(lot, child) for child in self.produced_lots]
        elif t == "lot.produced":
            lot = p["lot"]
            if lot not in self.produced_lots:
                self.produced_lots = sorted([*self.produced_lots, lot])
                links = [(parent, lot) for parent in self.consumed_lots]
        return links

    def refold_ordered(self, events: Iterable[EventRecord]) -> None:
        """Fold the order-sensitive events again, in order, over what the order-free ones built.

        ``events``: every ``ORDER_SENSITIVE`` event of this work order, in ``order_key`` order (a late
        one among them). What only those events decide starts over (each operation's status, clock,
        start, end and machine; the hold; the completion time); sums, lots, the event count and the
        earliest start stay as they are. The result is the fold of the whole history in order, for a
        fraction of the reading.
        """
        count, last = self.event_count, self.last_key
        self.held, self.completed_at = False, None
        for op in self.ops.values():
            op.status, op.equipment_code = "pending", None
            op.started_at = op.completed_at = op.running_since = None
            op.run_seconds = 0.0
        for e in events:
            self.apply(e)
        self.event_count, self.last_key = count, last

    def _apply_operation(self, e: EventRecord) -> None:
        p = e.payload
        op = self.ops.get(int(p["seq"]))
        if op is None:  # validated on the way in; ignore rather than fail a rebuild
            return
        at = e.occurred_at
        if p.get("equipment") and e.type != "quantity.reported":
            op.equipment_code = p["equipment"]
        if e.type == "operation.started":
            if op.started_at is None or at < op.started_at:
                op.started_at = at
            if op.status != "completed":
                op.status = "running"
                op.running_since = op.running_since or at
            self._mark_in_progress(at)
        elif e.type == "operation.paused":
            if op.status == "running":
                op.status = "paused"
                op._stop_clock(at)
        elif e.type == "operation.resumed":
            if op.status == "paused":
                op.status = "running"
                op.running_since = at
        elif e.type == "operation.completed":
            op._stop_clock(at)
            op.status = "completed"
            op.completed_at = at
            if op.started_at is None:
                op.started_at = at
            self._mark_in_progress(at)
            if all(o.status == "completed" for o in self.ops.values()):
                self.completed_at = max(o.completed_at for o in self.ops.values() if o.completed_at)
        elif e.type == "quantity.reported":
            op.good += float(p.get("good", 0.0))
            op.scrap += float(p.get("scrap", 0.0))
            op.rework += float(p.get("rework", 0.0))
            lost = float(p.get("scrap", 0.0)) + float(p.get("rework", 0.0))
            if lost and p.get("reason_code"):
                reason = str(p["reason_code"])
                op.scrap_by_reason[reason] = op.scrap_by_reason.get(reason, 0.0) + lost
            self._mark_in_progress(at)

    def _mark_in_progress(self, at: datetime) -> None:
        if self.started_at is None or at < self.started_at:
            self.started_at = at


def stock_deltas(e: EventRecord) -> list[tuple[str, str, str, float]]:
    """(item, lot, location, signed quantity) for every stock movement an event implies."""
    p = e.payload
    if e.type in ("inventory.received", "lot.produced"):
        return [(p["item"], p["lot"], p["location"], float(p["quantity"]))]
    if e.type in ("inventory.issued", "material.consumed"):
        return [(p["item"], p["lot"], p["location"], -float(p["quantity"]))]
    if e.type == "inventory.adjusted":
        return [(p["item"], p["lot"], p["location"], float(p["quantity"]))]
    if e.type == "inventory.transferred":
        q = float(p["quantity"])
        return [(p["item"], p["lot"], p["from_location"], -q), (p["item"], p["lot"], p["to_location"], q)]
    return []


@dataclass(frozen=True)
class LotSighting:
    lot: str
    item: str
    origin: str
    at: datetime
    key: OrderKey
    serial: bool
    work_order_id: int | None


def lot_sighting(e: EventRecord) -> LotSighting | None:
    """A lot is created by the earliest receipt, production report or adjustment that names it."""
    origin = {
        "inventory.received": "receipt",
        "lot.produced": "production",
        "inventory.adjusted": "adjustment",
    }
    if e.type not in origin:
        return None
    p = e.payload
    wo = e.work_order_id if e.type == "lot.produced" else None
    return LotSighting(
        p["lot"], p["item"], origin[e.type], e.occurred_at, e.order_key, bool(p.get("serial")), wo
    )
