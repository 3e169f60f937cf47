"""Event types of quality: inspection results, lot holds and releases, nonconformance dispositions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InspectionRecorded(_Payload):
    inspection: str
    lot: str
    item: str
    stage: Literal["incoming", "in_process", "final"]
    sample_size: int = Field(ge=1)
    defectives: int = Field(ge=0)
    accept: int = Field(ge=0)
    result: Literal["passed", "failed"]


class LotHeld(_Payload):
    lot: str
    reason: str = Field(min_length=1, max_length=200)
    inspection: str | None = None
    ncr: str | None = None


class LotReleased(_Payload):
    lot: str
    reason: str = Field(min_length=1, max_length=200)
    ncr: str | None = None


class NcrDispositioned(_Payload):
    ncr: str
    lot: str
    disposition: Literal["scrap", "rework", "use_as_is", "return_to_supplier"]
    quantity: float = Field(gt=0)


PAYLOADS: dict[str, type[BaseModel]] = {
    "inspection.recorded": InspectionRecorded,
    "lot.held": LotHeld,
    "lot.released": LotReleased,
    "ncr.dispositioned": NcrDispositioned,
}


def held_lot_consumption(
    session: Any, company_id: int, events: list[tuple[int, str, dict[str, Any]]]
) -> list[Any]:
    """A lot on hold (a failed inspection, a manual hold) cannot be consumed into production."""
    wanted = {p["lot"] for _i, t, p in events if t == "material.consumed" and p.get("lot")}
    if not wanted:
        return []
    from jejo.core.errors import Problem
    from jejo.quality.service import held_lots

    held = held_lots(session, company_id, wanted)
    return [
        Problem(
            f"lot {p['lot']} is on hold ({held[p['lot']].reason}); "
            "release it or record its NCR disposition first",
            field=f"events.{i}.payload.lot" if len(events) > 1 else "payload.lot",
        )
        for i, t, p in events
        if t == "material.consumed" and p.get("lot") in held
    ]


GUARDS = [held_lot_consumption]
