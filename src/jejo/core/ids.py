"""Identifiers: UUIDv7 for events (time-ordered), stable human-readable codes for master data."""

from __future__ import annotations

import re
import uuid

import uuid6

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")


def new_event_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): sortable by creation time, unique without coordination."""
    return uuid6.uuid7()  # a subclass of uuid.UUID


def is_valid_code(code: str) -> bool:
    """Master-data codes such as ``PC-SAW-01``: letters, digits and ``. _ - /``, at most 64 characters."""
    return bool(CODE_RE.match(code))
