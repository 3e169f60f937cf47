"""Panel-cutting optimiser: guillotine (panel saw) and free (CNC nesting) rectangle packing.

Units: lengths in millimetres (any integer unit works for the classic benchmark instances), areas in
the square of that unit. ``x`` runs along a sheet's width ``W``, ``y`` along its height ``H``.
"""

from jejo.furniture.cutting.model import Bin, Instance, Item, Placement, Solution
from jejo.furniture.cutting.solver import SolveOptions, solve

__all__ = ["Bin", "Instance", "Item", "Placement", "Solution", "SolveOptions", "solve"]
