"""Independent checks of a packing: inside the sheet, no overlap, sizes, rotation, guillotine, stages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jejo.furniture.cutting.model import Instance, Solution

Rect = tuple[int, int, int, int]  # x1, y1, x2, y2


def guillotine_cut(rects: Sequence[Rect], axis: int) -> int | None:
    """A coordinate where an edge-to-edge cut along ``axis`` (0: vertical cut at x, 1: at y) splits rects."""
    lo, hi = axis, axis + 2
    ends = sorted({r[hi] for r in rects})
    for c in ends[:-1]:
        if all(r[hi] <= c or r[lo] >= c for r in rects):
            return c
    return None


def is_guillotine(rects: Sequence[Rect]) -> bool:
    """True if the rectangles can be separated by recursive edge-to-edge cuts."""
    stack = [list(rects)]
    while stack:
        rs = stack.pop()
        if len(rs) <= 1:
            continue
        for axis in (0, 1):
            c = guillotine_cut(rs, axis)
            if c is not None:
                stack.append([r for r in rs if r[axis + 2] <= c])
                stack.append([r for r in rs if r[axis] >= c])
                break
        else:
            return False
    return True


def stages_needed(rects: Sequence[Rect], first_axis: int = 1) -> int | None:
    """Cut levels (alternating orientation, ``first_axis`` first: 1 = horizontal cuts along y) needed to
    isolate every rectangle; trim cuts that free a part from waste are not counted (non-exact). None if
    the rectangles are not guillotine."""

    def level(rs: list[Rect], axis: int, depth: int) -> int | None:
        if len(rs) <= 1:
            return depth - 1
        slices: list[list[Rect]] = []
        rest = sorted(rs, key=lambda r: r[axis])
        cur: list[Rect] = []
        reach = 0
        for r in rest:
            if cur and r[axis] >= reach:
                slices.append(cur)
                cur = []
            reach = max(reach, r[axis + 2]) if cur else r[axis + 2]
            cur.append(r)
        slices.append(cur)
        if len(slices) == 1:  # no cut in this orientation; try the other one at the next level
            if depth > 8:
                return None
            return level(rs, 1 - axis, depth + 1)
        worst = depth
        for sl in slices:
            d = level(sl, 1 - axis, depth + 1)
            if d is None:
                return None
            worst = max(worst, d)
        return worst

    if not is_guillotine(rects):
        return None
    return max(1, level(list(rects), first_axis, 1) or 1)


def check_solution(
    inst: Instance, sol: Solution | dict, rotate: bool = True, guillotine: bool = False
) -> list[str]:
    """Every error found (empty list: the solution is valid)."""
    d: dict[str, Any] = sol.as_dict() if isinstance(sol, Solution) else sol
    errors: list[str] = []
    pls = d["placements"]
    seen = sorted(p["item"] for p in pls)
    if seen != list(range(len(inst.items))):
        errors.append("every item must be placed exactly once")
    by_bin: dict[int, list[Rect]] = {}
    for p in pls:
        if not 0 <= p["item"] < len(inst.items):
            errors.append(f"unknown item {p['item']}")
            continue
        it = inst.items[p["item"]]
        if p["rotated"]:
            if not (rotate and it.rotate):
                errors.append(f"item {p['item']} rotated but rotation is not allowed")
            if (p["w"], p["h"]) != (it.h, it.w):
                errors.append(f"item {p['item']} rotated size {(p['w'], p['h'])} != {(it.h, it.w)}")
        elif (p["w"], p["h"]) != (it.w, it.h):
            errors.append(f"item {p['item']} size {(p['w'], p['h'])} != {(it.w, it.h)}")
        if p["x"] < 0 or p["y"] < 0 or p["x"] + p["w"] > inst.W or p["y"] + p["h"] > inst.H:
            errors.append(f"item {p['item']} outside the bin")
        by_bin.setdefault(p["bin"], []).append((p["x"], p["y"], p["x"] + p["w"], p["y"] + p["h"]))
    for b, rects in by_bin.items():
        rs = sorted(rects)
        for i, a in enumerate(rs):
            for c in rs[i + 1 :]:
                if c[0] >= a[2]:
                    break
                if a[1] < c[3] and c[1] < a[3]:
                    errors.append(f"overlap in bin {b}: {a} and {c}")
        if guillotine and not is_guillotine(rects):
            errors.append(f"bin {b} is not guillotine")
    if len(by_bin) != d["bins"] or sorted(by_bin) != list(range(len(by_bin))):
        errors.append(f"reported {d['bins']} bins, used {sorted(by_bin)}")
    return errors


def check_cut_plan(
    report: dict,
    parts: Sequence[tuple[str, float, float, int, bool]],
    kerf: float,
    max_stages: int | None = None,
    tol: float = 0.05,
) -> list[str]:
    """Check a furniture plan report independently; ``parts`` are (id, length, width, qty, grain).

    Every copy placed once with its size (turned only without grain), inside the trimmed sheet, at least
    ``kerf`` apart; then the cut sequence is replayed on the sheet: each cut must run edge to edge
    through one current piece, its kerf must miss every part, and at the end each part must be a piece
    of its own. Stage numbers must not exceed ``max_stages`` (trim cuts of a part not counted).
    """
    errors: list[str] = []
    want = {pid: (ln, wd, q, g) for pid, ln, wd, q, g in parts}
    seen: dict[str, list[int]] = {}
    for sh in report["per_sheet"]:
        L, Wd, trim = sh["length"], sh["width"], sh["trim"]
        boxes = []
        for p in sh["parts"]:
            seen.setdefault(p["part"], []).append(p["copy"])
            if p["part"] not in want:
                errors.append(f"unknown part {p['part']}")
                continue
            ln, wd, _, grain = want[p["part"]]
            if p["rotated"]:
                if grain:
                    errors.append(f"part {p['part']} has grain but is rotated")
                ok = abs(p["length"] - wd) <= tol and abs(p["width"] - ln) <= tol
            else:
                ok = abs(p["length"] - ln) <= tol and abs(p["width"] - wd) <= tol
            if not ok:
                errors.append(f"part {p['part']} placed as {p['length']} x {p['width']}")
            box = (p["x"], p["y"], p["x"] + p["length"], p["y"] + p["width"])
            if (
                box[0] < trim - tol
                or box[1] < trim - tol
                or box[2] > L - trim + tol
                or box[3] > Wd - trim + tol
            ):
                errors.append(f"part {p['part']} outside the trimmed sheet {sh['sheet']}")
            boxes.append(box)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                gap = max(b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3])
                if gap < kerf - tol:
                    errors.append(f"parts on sheet {sh['sheet']} closer than the kerf ({gap:.1f} mm)")
        errors += _replay(sh, boxes, kerf, max_stages, tol)
    for pid, (_, _, q, _) in want.items():
        if sorted(seen.get(pid, [])) != list(range(q)):
            errors.append(f"part {pid}: copies placed {sorted(seen.get(pid, []))}, want {q}")
    return errors


def _replay(
    sh: dict, boxes: list[tuple[float, float, float, float]], kerf: float, max_stages: int | None, tol: float
) -> list[str]:
    errors: list[str] = []
    pieces = [(0.0, 0.0, float(sh["length"]), float(sh["width"]))]
    for c in sh["cuts"]:
        if max_stages is not None and not c["trim"] and c["stage"] > max_stages:
            errors.append(f"sheet {sh['sheet']}: cut at stage {c['stage']} > {max_stages}")
        ax = 0 if c["axis"] == "x" else 1
        at, s, e = c["at"], c["start"], c["end"]
        host = None
        for k, pc in enumerate(pieces):
            if (
                pc[ax] - kerf - tol <= at <= pc[ax + 2] + tol
                and abs(pc[1 - ax] - s) <= tol
                and abs(pc[3 - ax] - e) <= tol
            ):
                host = k
                break
        if host is None:
            errors.append(f"sheet {sh['sheet']}: cut {c} does not run edge to edge through a piece")
            continue
        band = (at, s, at + kerf, e) if ax == 0 else (s, at, e, at + kerf)
        for b in boxes:
            if (
                b[0] < band[2] - tol
                and band[0] < b[2] - tol
                and b[1] < band[3] - tol
                and band[1] < b[3] - tol
            ):
                errors.append(f"sheet {sh['sheet']}: cut {c} runs through a part")
        pc = pieces.pop(host)
        lo = list(pc)
        hi = list(pc)
        lo[ax + 2] = max(pc[ax], at)
        hi[ax] = min(pc[ax + 2], at + kerf)
        pieces += [p for p in (tuple(lo), tuple(hi)) if p[ax + 2] - p[ax] > tol]  # type: ignore[misc]
    for b in boxes:
        inside = [
            pc
            for pc in pieces
            if pc[0] <= b[0] + tol and pc[1] <= b[1] + tol and b[2] <= pc[2] + tol and b[3] <= pc[3] + tol
        ]
        if len(inside) != 1 or any(abs(u - v) > tol for u, v in zip(inside[0], b, strict=True)):
            errors.append(f"sheet {sh['sheet']}: part at {b} is not cut free by the sequence")
    return errors
