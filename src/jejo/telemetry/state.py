"""Machine-state derivation (pure): raw state values → MES machine states, counter readings → deltas.

Defaults, used when a state tag has no ``state_map``:
- OPC 40550 Woodworking ``CurrentState`` strings: OFFLINE → off, STANDBY/READY → idle, WORKING → running,
  ERROR → down;
- jejo's numeric state register (also what the demo's Modbus machines serve): 0 off, 1 idle, 2 running,
  3 down, 4 setup, 5 planned stop;
- the MES's own names (running, idle, down, setup, planned_stop, off).
"""

from __future__ import annotations

from dataclasses import dataclass

from jejo.execution.events import MachineStateKind as S

WOODWORKING = {"OFFLINE": S.OFF, "STANDBY": S.IDLE, "READY": S.IDLE, "WORKING": S.RUNNING, "ERROR": S.DOWN}
STATE_CODES = {0: S.OFF, 1: S.IDLE, 2: S.RUNNING, 3: S.DOWN, 4: S.SETUP, 5: S.PLANNED_STOP}
CODE_OF = {v: k for k, v in STATE_CODES.items()}


def derive_state(raw: float | str | None, state_map: dict[str, S] | None = None) -> S | None:
    """The MES state of a raw value, or None when the value means nothing known."""
    if raw is None:
        return None
    if state_map:
        key = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
        return state_map.get(key)
    if isinstance(raw, str):
        up = raw.strip().upper()
        if up in WOODWORKING:
            return WOODWORKING[up]
        try:
            return S(raw.strip().lower())
        except ValueError:
            return None
    if float(raw).is_integer():
        return STATE_CODES.get(int(raw))
    return None


def counter_delta(previous: float | None, current: float) -> float:
    """Parts counted since the previous reading; a counter that went back (reset, wrap) restarts at 0."""
    if previous is None:
        return 0.0
    if current >= previous:
        return current - previous
    return current


@dataclass(frozen=True, slots=True)
class Transition:
    equipment: str
    ts_ms: int
    previous: S | None
    state: S


def transitions(
    equipment: str, current: S | None, current_ts: int, readings: list[tuple[int, S]]
) -> list[Transition]:
    """State changes in time-ordered readings that come after ``current_ts`` (earlier ones are replays)."""
    out: list[Transition] = []
    for ts, st in sorted(readings):
        if ts <= current_ts:
            continue
        if st != current:
            out.append(Transition(equipment, ts, current, st))
            current = st
        current_ts = ts
    return out
