"""Independent checker of a ROADEF/EURO 2018 solution file against the challenge rules.

Reads only the instance files and the solution CSV (not the solver's data structures) and checks: the
cut tree (children tile their parent with cuts of the right orientation, at most 3 stages plus a
trimming 4-cut), strip widths 100–3500 mm, row heights >= 100 mm, waste pieces >= 20 mm, every item
exactly once with its size (either orientation), no item over a defect, no cut through a defect,
stack sequences respected in production order, residual only at the end of the last plate. Returns the
errors and the waste (area of plates used − residual − item area).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

W, H = 6000, 3210


def check_roadef(batch: str | Path, solution: str | Path) -> tuple[list[str], int]:
    b = Path(batch)
    with b.open(newline="") as fh:
        items = {int(r["ITEM_ID"]): r for r in csv.DictReader(fh, delimiter=";")}
    defects: dict[int, list[tuple[float, float, float, float]]] = {}
    dp = b.with_name(b.name.replace("_batch.csv", "_defects.csv"))
    if dp.exists():
        with dp.open(newline="") as fh:
            for r in csv.DictReader(fh, delimiter=";"):
                defects.setdefault(int(r["PLATE_ID"]), []).append(
                    (float(r["X"]), float(r["Y"]), float(r["WIDTH"]), float(r["HEIGHT"]))
                )
    with Path(solution).open(newline="") as fh:
        nodes = [dict(r) for r in csv.DictReader(fh, delimiter=";")]
    errors: list[str] = []
    byid: dict[int, dict[str, Any]] = {}
    kids: dict[int, list[int]] = {}
    roots: list[int] = []
    for r in nodes:
        n: dict[str, Any] = {
            k: int(float(r[k])) for k in ("PLATE_ID", "NODE_ID", "X", "Y", "WIDTH", "HEIGHT", "TYPE", "CUT")
        }
        n["PARENT"] = int(r["PARENT"]) if r["PARENT"] not in ("", None) else None
        byid[n["NODE_ID"]] = n
        if n["PARENT"] is None:
            roots.append(n["NODE_ID"])
        else:
            kids.setdefault(n["PARENT"], []).append(n["NODE_ID"])
    plates = sorted({byid[r]["PLATE_ID"] for r in roots})
    if plates != list(range(len(plates))) or len(roots) != len(plates):
        errors.append(f"plates must be 0..k-1 with one root each, got {plates}")
    order: list[int] = []  # items in production order
    area_items = 0

    def hits(p: int, x1: float, y1: float, x2: float, y2: float) -> bool:
        return any(
            dx < x2 and x1 < dx + dw and dy < y2 and y1 < dy + dh for dx, dy, dw, dh in defects.get(p, [])
        )

    def cut_ok(p: int, axis: int, c: float, lo: float, hi: float) -> bool:
        for dx, dy, dw, dh in defects.get(p, []):
            if axis == 0 and dx < c < dx + dw and dy < hi and lo < dy + dh:
                return False
            if axis == 1 and dy < c < dy + dh and dx < hi and lo < dx + dw:
                return False
        return True

    def visit(nid: int) -> None:
        nonlocal area_items
        n = byid[nid]
        p, lvl, t = n["PLATE_ID"], n["CUT"], n["TYPE"]
        x, y, w, h = n["X"], n["Y"], n["WIDTH"], n["HEIGHT"]
        ch = sorted(kids.get(nid, []), key=lambda k: (byid[k]["X"], byid[k]["Y"]))
        if t >= 0:
            it = items.get(t)
            if it is None:
                errors.append(f"node {nid}: unknown item {t}")
            else:
                if sorted((w, h)) != sorted((int(it["LENGTH_ITEM"]), int(it["WIDTH_ITEM"]))):
                    errors.append(f"node {nid}: item {t} size {w}x{h}")
                if hits(p, x, y, x + w, y + h):
                    errors.append(f"node {nid}: item {t} covers a defect")
                order.append(t)
                area_items += w * h
            if ch:
                errors.append(f"node {nid}: an item has children")
            if lvl < 1:
                errors.append(f"node {nid}: item at level {lvl}")
            return
        if t == -1 and ((lvl in (1, 3) and w < 20) or (lvl in (2, 4) and h < 20)):
            errors.append(f"node {nid}: waste piece thinner than 20 mm")
        if t == -3 and lvl != 1:
            errors.append(f"node {nid}: residual must be a 1-cut piece")
        if t in (-1, -3) and ch:
            errors.append(f"node {nid}: waste/residual with children")
        if t == -2 and not ch:
            errors.append(f"node {nid}: branch without children")
        if not ch:
            return
        if lvl >= 4:
            errors.append(f"node {nid}: cut below level 4")
            return
        axis = 0 if lvl in (0, 2) else 1  # children of the plate and of rows are side by side (x)
        pos = x if axis == 0 else y
        for k in ch:
            c = byid[k]
            if c["CUT"] != lvl + 1 or c["PLATE_ID"] != p:
                errors.append(f"node {k}: level {c['CUT']} under level {lvl}")
            if axis == 0:
                ok = c["X"] == pos and c["Y"] == y and c["HEIGHT"] == h
                pos += c["WIDTH"]
            else:
                ok = c["Y"] == pos and c["X"] == x and c["WIDTH"] == w
                pos += c["HEIGHT"]
            if not ok:
                errors.append(f"node {k}: does not tile its parent {nid}")
            if pos < (x + w if axis == 0 else y + h) and not (
                cut_ok(p, 0, pos, y, y + h) if axis == 0 else cut_ok(p, 1, pos, x, x + w)
            ):
                errors.append(f"node {k}: cut at {pos} crosses a defect")
        if pos != (x + w if axis == 0 else y + h):
            errors.append(f"node {nid}: children do not cover it")
        if lvl == 3 and sum(byid[k]["TYPE"] >= 0 for k in ch) > 2:
            errors.append(f"node {nid}: more than two items under a 4-cut")
        for k in ch:
            c = byid[k]
            if c["CUT"] == 1 and c["TYPE"] != -3 and (c["TYPE"] != -1) and not 100 <= c["WIDTH"] <= 3500:
                errors.append(f"node {k}: 1-cut strip width {c['WIDTH']} outside 100..3500")
            if c["CUT"] == 2 and c["TYPE"] != -1 and c["HEIGHT"] < 100:
                errors.append(f"node {k}: 2-cut row height {c['HEIGHT']} < 100")
            visit(k)

    residual = 0
    for p in plates:
        root = next(r for r in roots if byid[r]["PLATE_ID"] == p)
        n = byid[root]
        if (n["X"], n["Y"], n["WIDTH"], n["HEIGHT"], n["CUT"]) != (0, 0, W, H, 0):
            errors.append(f"plate {p}: root must be the whole plate at level 0")
        visit(root)
        ch = sorted(kids.get(root, []), key=lambda k: byid[k]["X"])
        for k in ch:
            if byid[k]["TYPE"] == -3:
                if p != plates[-1] or k != ch[-1]:
                    errors.append(f"node {k}: residual only at the end of the last plate")
                residual = byid[k]["WIDTH"] * H
    if sorted(order) != sorted(items):
        errors.append("every item must be cut exactly once")
    last: dict[str, int] = {}
    for t in order:
        it = items[t]
        s, q = it["STACK"], int(it["SEQUENCE"])
        if q < last.get(s, 0):
            errors.append(f"item {t}: stack {s} out of sequence")
        last[s] = q
    waste = (
        len(plates) * W * H
        - residual
        - sum(int(i["LENGTH_ITEM"]) * int(i["WIDTH_ITEM"]) for i in items.values())
    )
    return errors, waste
