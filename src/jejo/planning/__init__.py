"""Planning: finite-capacity scheduling.

The engine is split into small modules that the factory APS reuses:

- :mod:`jejo.planning.jobshop` — the instance and schedule model (plain dataclasses);
- :mod:`jejo.planning.parsers` — readers for the standard benchmark formats;
- :mod:`jejo.planning.heuristics` — dispatching rules and a critical-path local search;
- :mod:`jejo.planning.cpsat` — the CP-SAT model, the solver with warm start and large-neighbourhood search;
- :mod:`jejo.planning.verify` — an independent schedule checker.

Heavy libraries (OR-Tools) are imported only by :mod:`jejo.planning.cpsat`.
"""

from jejo.planning.jobshop import Instance, Job, Operation, Schedule

__all__ = ["Instance", "Job", "Operation", "Schedule"]
