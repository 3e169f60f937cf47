"""Display labels for codes the domain stores in English (statuses, event types, columns, enum values).

The strings are marked with ``N_`` so that Babel's extractor collects them; they are translated when a
page is rendered, in the caller's language.
"""

from __future__ import annotations

from jejo.core.i18n import Translator


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now."""
    return message


WORK_ORDER_STATUS: dict[str, str] = {
    "planned": N_("Planned"),
    "released": N_("Released"),
    "in_progress": N_("In progress"),
    "on_hold": N_("On hold"),
    "completed": N_("Completed"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
}

OPERATION_STATUS: dict[str, str] = {
    "pending": N_("Pending"),
    "running": N_("Running"),
    "paused": N_("Paused"),
    "completed": N_("Completed"),
}

MACHINE_STATE: dict[str, str] = {
    "running": N_("Running"),
    "idle": N_("Idle"),
    "down": N_("Down"),
    "setup": N_("Setup"),
    "planned_stop": N_("Planned stop"),
    "off": N_("Off"),
}

COMMANDS: dict[str, str] = {
    "release": N_("Release"),
    "hold": N_("Hold"),
    "resume": N_("Resume"),
    "cancel": N_("Cancel order"),
    "close": N_("Close"),
}

EVENT_TYPE: dict[str, str] = {
    "work_order.created": N_("Work order created"),
    "work_order.released": N_("Work order released"),
    "work_order.held": N_("Work order put on hold"),
    "work_order.resumed": N_("Work order resumed"),
    "work_order.cancelled": N_("Work order cancelled"),
    "work_order.closed": N_("Work order closed"),
    "operation.started": N_("Operation started"),
    "operation.paused": N_("Operation paused"),
    "operation.resumed": N_("Operation resumed"),
    "operation.completed": N_("Operation completed"),
    "quantity.reported": N_("Quantity reported"),
    "material.consumed": N_("Material consumed"),
    "lot.produced": N_("Lot produced"),
    "machine.state_changed": N_("Machine state changed"),
    "part.scanned": N_("Part scanned"),
    "inventory.received": N_("Stock received"),
    "inventory.issued": N_("Stock issued"),
    "inventory.transferred": N_("Stock transferred"),
    "inventory.adjusted": N_("Stock adjusted"),
}

#: Column headings of master-data lists and payload keys of events.
FIELD: dict[str, str] = {
    "code": N_("Code"),
    "name": N_("Name"),
    "timezone": N_("Time zone"),
    "site": N_("Site"),
    "area": N_("Area"),
    "line": N_("Line"),
    "work_center": N_("Work center"),
    "manufacturer": N_("Manufacturer"),
    "model": N_("Model"),
    "serial_number": N_("Serial number"),
    "ideal_cycle_time_s": N_("Ideal cycle time (s)"),
    "kind": N_("Kind"),
    "uom": N_("Unit"),
    "description": N_("Description"),
    "category": N_("Category"),
    "planned": N_("Planned"),
    "oee_loss": N_("OEE loss"),
    "start": N_("Start"),
    "end": N_("End"),
    "break_minutes": N_("Break (min)"),
    "weekdays": N_("Weekdays"),
    "day": N_("Day"),
    "working": N_("Working day"),
    "note": N_("Note"),
    "seq": N_("Op."),
    "good": N_("Good"),
    "scrap": N_("Scrap"),
    "rework": N_("Rework"),
    "reason_code": N_("Reason"),
    "equipment": N_("Equipment"),
    "item": N_("Item"),
    "lot": N_("Lot"),
    "quantity": N_("Quantity"),
    "location": N_("Location"),
    "from_location": N_("From"),
    "to_location": N_("To"),
    "state": N_("State"),
    "part_id": N_("Part"),
    "station": N_("Station"),
    "reason": N_("Reason"),
    "serial": N_("Serial"),
    "version": N_("Version"),
    "base_quantity": N_("Base quantity"),
    "components": N_("Components"),
    "operations": N_("Operations"),
    "active": N_("Active"),
}

#: Values of enumerated master-data columns, per column.
VALUE: dict[str, dict[str, str]] = {
    "kind": {
        "raw": N_("Raw material"),
        "semi": N_("Semi-finished"),
        "finished": N_("Finished good"),
        "storage": N_("Storage"),
        "wip": N_("WIP"),
        "shipping": N_("Shipping"),
        "quarantine": N_("Quarantine"),
    },
    "category": {"downtime": N_("Downtime"), "scrap": N_("Scrap"), "rework": N_("Rework")},
    "oee_loss": {
        "availability": N_("Availability"),
        "performance": N_("Performance"),
        "quality": N_("Quality"),
        "none": N_("None"),
    },
}

#: Master-data pages beyond the generic registry.
EXTRA_KINDS: dict[str, str] = {"boms": N_("BOMs"), "routings": N_("Routings")}

KIND_LABEL: dict[str, str] = {
    "sites": N_("Sites"),
    "areas": N_("Areas"),
    "lines": N_("Lines"),
    "work_centers": N_("Work centers"),
    "equipment": N_("Equipment"),
    "items": N_("Items"),
    "reason_codes": N_("Reason codes"),
    "shifts": N_("Shifts"),
    "locations": N_("Locations"),
    "calendar_exceptions": N_("Calendar exceptions"),
    **EXTRA_KINDS,
}

WEEKDAYS: tuple[str, ...] = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def label(table: dict[str, str], key: str | None, tr: Translator) -> str:
    """The translated label of ``key`` in ``table``; the key itself when it has none."""
    if key is None:
        return ""
    found = table.get(key)
    return tr.gettext(found) if found else key
