"""Multi-level BOM explosion (pure domain)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jejo.core.errors import ValidationError


@dataclass(frozen=True, slots=True)
class BomComponent:
    component: str
    quantity: float  # per ``base_quantity`` of the parent
    scrap_factor: float = 0.0


@dataclass(frozen=True, slots=True)
class BomDef:
    item: str
    base_quantity: float
    components: tuple[BomComponent, ...]


def component_quantity(c: BomComponent, parent_quantity: float, base_quantity: float) -> float:
    """Gross quantity of a component for ``parent_quantity`` parents, scrap allowance included."""
    return parent_quantity / base_quantity * c.quantity * (1.0 + c.scrap_factor)


def explode(
    boms: Mapping[str, BomDef], item: str, quantity: float, levels: int | None = None
) -> dict[str, float]:
    """Gross requirements of every component below ``item`` (all levels, or the first ``levels``).

    Semi-finished components with a BOM of their own are exploded further and also listed, since a work
    order will be needed for them; a cycle in the BOMs raises an error naming the path.
    """
    need: dict[str, float] = {}

    def walk(code: str, qty: float, path: tuple[str, ...], depth: int) -> None:
        bom = boms.get(code)
        if bom is None or (levels is not None and depth >= levels):
            return
        for c in bom.components:
            if c.component in path:
                raise ValidationError(f"BOM cycle: {' → '.join((*path, c.component))}")
            q = component_quantity(c, qty, bom.base_quantity)
            need[c.component] = need.get(c.component, 0.0) + q
            walk(c.component, q, (*path, c.component), depth + 1)

    walk(item, quantity, (item,), 0)
    return need
