"""Exact mode for small free-packing jobs: CP-SAT with one NoOverlap2D per sheet.

Asks whether the items fit in ``k`` sheets; the search calls it with one sheet fewer than its best
packing, so a *feasible* answer improves the packing and an *infeasible* one proves it optimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jejo.furniture.cutting.heuristics import PItem, PPlace

EXACT_MAX_ITEMS = 14


def fit_in_bins(
    items: Sequence[PItem], W: int, H: int, k: int, time_limit: float, seed: int = 0
) -> tuple[str, list[list[PPlace]] | None]:
    """``("feasible", bins)``, ``("infeasible", None)`` or ``("unknown", None)``."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    bins: list[list[tuple[int, Any, Any, Any, Any, int, int]]] = [[] for _ in range(k)]
    xs_boxes: list[list[Any]] = [[] for _ in range(k)]
    ys_boxes: list[list[Any]] = [[] for _ in range(k)]
    order = sorted(items, key=lambda it: -it[1] * it[2])
    for n, (idx, w, h, rot) in enumerate(order):
        r = m.new_bool_var(f"r{idx}") if rot and w != h else m.new_constant(0)
        ww = w + (h - w) * r
        hh = h + (w - h) * r
        x = m.new_int_var(0, W, f"x{idx}")
        y = m.new_int_var(0, H, f"y{idx}")
        xe = m.new_int_var(0, W, f"xe{idx}")
        ye = m.new_int_var(0, H, f"ye{idx}")
        m.add(xe == x + ww)
        m.add(ye == y + hh)
        pres = []
        for b in range(min(k, n + 1)):  # symmetry: the n-th largest item in one of the first n+1 sheets
            p = m.new_bool_var(f"p{idx}_{b}")
            pres.append(p)
            xs_boxes[b].append(m.new_optional_interval_var(x, ww, xe, p, f"ix{idx}_{b}"))
            ys_boxes[b].append(m.new_optional_interval_var(y, hh, ye, p, f"iy{idx}_{b}"))
            bins[b].append((idx, p, x, y, r, w, h))
        m.add_exactly_one(pres)
    for b in range(k):
        if xs_boxes[b]:
            m.add_no_overlap_2d(xs_boxes[b], ys_boxes[b])
        # area cut
        m.add(sum(w * h * p for _, p, _, _, _, w, h in bins[b]) <= W * H)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        return "infeasible", None
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "unknown", None
    out: list[list[PPlace]] = []
    for b in range(k):
        pl: list[PPlace] = []
        for idx, p, x, y, r, w, h in bins[b]:
            if solver.value(p):
                rr = bool(solver.value(r))
                pl.append((idx, solver.value(x), solver.value(y), h if rr else w, w if rr else h, rr))
        if pl:
            out.append(pl)
    return "feasible", out
