"""A plant whose numbers the tests know and the twin does not: the truth the fit is checked against."""

from __future__ import annotations

from datetime import UTC, datetime

from jejo.sim.config import Cabinet, Dist, Failures, FurnitureLine, Machine, PartsCell, SimConfig

START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
CABINETS = [
    Cabinet(
        item="BASE-600", parts=["SIDE-L", "SIDE-R", "BOTTOM", "RAIL-F", "RAIL-B", "BACK", "SHELF", "DOOR"]
    ),
    Cabinet(item="WALL-800", parts=["SIDE-L", "SIDE-R", "TOP", "BOTTOM", "BACK", "SHELF"]),
]


def truth(seed: int = 11) -> SimConfig:
    """Two CNC machines in a cell and a five-station furniture line that its order stream keeps busy."""
    return SimConfig(
        seed=seed,
        start=START,
        parts_cell=PartsCell(
            products=["A", "B", "C"],
            batch=Dist(mean=50, sd=10),
            machines=[
                Machine(
                    code="MC-01",
                    protocol="opcua",
                    cycle_s=Dist(mean=95, sd=7),
                    setup_min=Dist(mean=22, sd=5),
                    failures=Failures(
                        weibull_shape=1.3, weibull_scale_h=14, repair_median_min=18, repair_sigma=0.5
                    ),
                    quality=None,
                    scrap_p=0.03,
                ),
                Machine(
                    code="MC-02",
                    protocol="opcua",
                    cycle_s=Dist(mean=62, sd=4),
                    setup_min=Dist(mean=12, sd=3),
                    failures=Failures(
                        weibull_shape=1.6, weibull_scale_h=20, repair_median_min=10, repair_sigma=0.7
                    ),
                    quality=None,
                    scrap_p=0.015,
                ),
            ],
        ),
        furniture_line=FurnitureLine(
            order_every_min=Dist(mean=20, sd=5),
            order_size=Dist(mean=4, sd=2),
            cabinets=CABINETS,
            stations=[
                Machine(
                    code="SAW",
                    protocol="opcua",
                    kind="saw",
                    cycle_s=Dist(mean=40, sd=5),
                    setup_min=Dist(mean=5, sd=1.5),
                    failures=Failures(weibull_scale_h=18, repair_median_min=14),
                    scrap_p=0.02,
                ),
                Machine(
                    code="EB",
                    protocol="opcua",
                    kind="edge",
                    cycle_s=Dist(mean=43, sd=4),
                    failures=Failures(weibull_scale_h=12, repair_median_min=12),
                    scrap_p=0.01,
                ),
                Machine(
                    code="BORE",
                    protocol="opcua",
                    kind="boring",
                    cycle_s=Dist(mean=30, sd=3),
                    failures=Failures(weibull_scale_h=30, repair_median_min=10),
                ),
                Machine(
                    code="ASM",
                    protocol="opcua",
                    kind="station",
                    cycle_s=Dist(mean=280, sd=40),
                    micro_stop_p=0.0,
                    failures=None,
                ),
                Machine(
                    code="PACK",
                    protocol="opcua",
                    kind="station",
                    cycle_s=Dist(mean=100, sd=15),
                    failures=Failures(weibull_scale_h=40, repair_median_min=8),
                ),
            ],
        ),
    )


def structure() -> SimConfig:
    """What the twin starts from: the same plant layout and order stream, every fitted number wrong
    (the simulator's defaults and rough guesses)."""
    cfg = truth(seed=1)
    for m in cfg.machines():
        m.cycle_s = Dist(mean=m.cycle_s.mean * 1.25, sd=1)
        m.setup_min = Dist(mean=15, sd=3)
        m.failures = Failures()
        m.scrap_p = None
    return cfg


def true_scrap(m: Machine) -> float:
    if m.scrap_p is not None:
        return m.scrap_p
    return 0.0 if m.kind == "station" else 0.01  # the line's kit stations never scrap; others 1 %
