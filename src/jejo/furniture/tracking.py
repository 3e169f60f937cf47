"""Part tracking rules: each panel's route through the plant and what a scan at a station means.

A panel is cut at the saw, banded at the edge bander only if it has edges to band, bored on the CNC
only if it has holes, then assembled and packed. A scan is accepted only at the panel's next station;
a scan at a station it already passed is a duplicate (no second count), a scan at a station not on its
route or out of order is refused, each with a clear message (Korean first, the station names shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SAW, EDGE, BORE, ASM, PACK = "WC-SAW", "WC-EDGE", "WC-BORE", "WC-ASM", "WC-PACK"
STATIONS: tuple[str, ...] = (SAW, EDGE, BORE, ASM, PACK)
STATION_KO = {SAW: "재단", EDGE: "엣지 밴딩", BORE: "CNC 보링", ASM: "조립", PACK: "포장"}
STATION_EN = {SAW: "saw", EDGE: "edge bander", BORE: "CNC boring", ASM: "assembly", PACK: "packing"}


def route(has_edges: bool, has_borings: bool) -> list[str]:
    """The stations a panel passes, in order."""
    out = [SAW]
    if has_edges:
        out.append(EDGE)
    if has_borings:
        out.append(BORE)
    return [*out, ASM, PACK]


def next_station(path: Sequence[str], done: Sequence[str]) -> str | None:
    """The first station of ``path`` not yet done (None: the part is finished)."""
    return next((s for s in path if s not in done), None)


@dataclass(frozen=True, slots=True)
class ScanDecision:
    accepted: bool
    outcome: str  # ok | duplicate | wrong_station | out_of_order | finished | unknown_part
    message: str  # Korean
    message_en: str
    next_station: str | None = None


def _name(station: str | None) -> str:
    return STATION_KO.get(station or "", station or "-")


def _name_en(station: str | None) -> str:
    return STATION_EN.get(station or "", station or "-")


def decide(part_id: str, path: Sequence[str] | None, done: Sequence[str], station: str) -> ScanDecision:
    """What a scan of ``part_id`` at ``station`` means, given its route and the stations it passed."""
    if path is None:
        return ScanDecision(
            False, "unknown_part", f"부품 {part_id}을(를) 찾을 수 없습니다.", f"Part {part_id} is not known."
        )
    nxt = next_station(path, done)
    if station in done:
        return ScanDecision(
            False,
            "duplicate",
            f"부품 {part_id}은(는) 이미 {_name(station)}({station})에서 스캔되었습니다. 다시 세지 않습니다.",
            f"Part {part_id} was already scanned at {_name_en(station)} ({station}); not counted again.",
            nxt,
        )
    if station not in path:
        return ScanDecision(
            False,
            "wrong_station",
            f"부품 {part_id}은(는) {_name(station)}({station}) 공정을 거치지 않습니다. "
            f"다음 공정: {_name(nxt)}({nxt or '-'}).",
            f"Part {part_id} does not go to {_name_en(station)} ({station}); "
            f"its next station is {_name_en(nxt)} ({nxt or '-'}).",
            nxt,
        )
    if station != nxt:
        return ScanDecision(
            False,
            "out_of_order",
            f"부품 {part_id}은(는) 먼저 {_name(nxt)}({nxt})을(를) 거쳐야 합니다.",
            f"Part {part_id} must pass {_name_en(nxt)} ({nxt}) first.",
            nxt,
        )
    after = next_station(path, [*done, station])
    return ScanDecision(
        True,
        "ok",
        f"부품 {part_id}: {_name(station)} 완료. 다음 공정: {_name(after) if after else '없음 (완료)'}.",
        f"Part {part_id}: {_name_en(station)} done; next: {_name_en(after) if after else 'none (finished)'}.",
        after,
    )
