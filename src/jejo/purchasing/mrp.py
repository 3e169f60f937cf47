"""Material requirements netting (pure).

Demands (what open work orders still need, by need date) are met from a pool of available quantities
(stock on hand that is not on hold, plus, for planning, what is already on order). What a demand cannot
get is a shortage; a shortage of an item that is made in-house (it has a BOM and is not bought) is
exploded one level into its components, which are netted in turn. Shortages of bought items are what
purchasing must order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from jejo.masterdata.bom import BomDef, component_quantity

EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Demand:
    work_order: str
    item: str
    quantity: float
    need_date: date


@dataclass
class Shortage:
    item: str
    quantity: float
    need_date: date
    work_orders: set[str] = field(default_factory=set)


def net(
    demands: Iterable[Demand],
    boms: Mapping[str, BomDef],
    available: Mapping[str, float],
    bought: set[str],
    *,
    keep_order: bool = False,
) -> dict[str, Shortage]:
    """Shortages by item after netting ``demands`` (earliest need first, or as given with ``keep_order``)
    against ``available``."""
    pool = dict(available)
    out: dict[str, Shortage] = {}

    def take(d: Demand, depth: int = 0) -> None:
        have = max(0.0, pool.get(d.item, 0.0))
        used = min(have, d.quantity)
        pool[d.item] = have - used
        missing = d.quantity - used
        if missing <= EPS:
            return
        bom = boms.get(d.item)
        if bom is not None and d.item not in bought and depth < 20:
            for c in bom.components:
                q = component_quantity(c, missing, bom.base_quantity)
                take(Demand(d.work_order, c.component, q, d.need_date), depth + 1)
            return
        s = out.get(d.item)
        if s is None:
            out[d.item] = Shortage(d.item, missing, d.need_date, {d.work_order})
        else:
            s.quantity += missing
            s.need_date = min(s.need_date, d.need_date)
            s.work_orders.add(d.work_order)

    for d in demands if keep_order else sorted(demands, key=lambda d: (d.need_date, d.work_order, d.item)):
        take(d)
    return out
