"""The work-order status machine (pure domain).

planned → released → in_progress → completed → closed, plus on_hold (from released or in_progress,
back to where it was) and cancelled (from planned, released or on_hold).
"""

from __future__ import annotations

from enum import StrEnum

from jejo.core.errors import IllegalTransition


class WOStatus(StrEnum):
    PLANNED = "planned"
    RELEASED = "released"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


#: command event type → statuses it may be applied in
COMMAND_FROM: dict[str, frozenset[WOStatus]] = {
    "work_order.released": frozenset({WOStatus.PLANNED}),
    "work_order.held": frozenset({WOStatus.RELEASED, WOStatus.IN_PROGRESS}),
    "work_order.resumed": frozenset({WOStatus.ON_HOLD}),
    "work_order.cancelled": frozenset({WOStatus.PLANNED, WOStatus.RELEASED, WOStatus.ON_HOLD}),
    "work_order.closed": frozenset({WOStatus.COMPLETED}),
}

#: statuses in which the floor may report work
WORKABLE = frozenset({WOStatus.RELEASED, WOStatus.IN_PROGRESS, WOStatus.COMPLETED})


def check_command(code: str, status: WOStatus, command: str) -> None:
    """Raise a clear error if ``command`` is not allowed for a work order in ``status``."""
    allowed = COMMAND_FROM.get(command)
    if allowed is None:
        raise ValueError(f"{command} is not a work-order command")
    if status not in allowed:
        verb = command.split(".")[1]
        raise IllegalTransition(
            f"work order {code} is {status.value}; it can be {verb} only when "
            + " or ".join(sorted(s.value for s in allowed)),
            current_status=status.value,
        )


def check_floor_event(code: str, status: WOStatus, event_type: str) -> None:
    if status not in WORKABLE:
        raise IllegalTransition(
            f"work order {code} is {status.value}; {event_type} can be reported only on a released, "
            "in-progress or completed work order",
            current_status=status.value,
        )


def status_after(status: WOStatus, event_type: str) -> WOStatus:
    """The status a work order is in after ``event_type`` (used to check events later in the same batch)."""
    if event_type == "work_order.released":
        return WOStatus.RELEASED
    if event_type == "work_order.held":
        return WOStatus.ON_HOLD
    if event_type == "work_order.resumed":
        return WOStatus.RELEASED
    if event_type == "work_order.cancelled":
        return WOStatus.CANCELLED
    if event_type == "work_order.closed":
        return WOStatus.CLOSED
    if event_type in ("operation.started", "quantity.reported") and status == WOStatus.RELEASED:
        return WOStatus.IN_PROGRESS
    return status
