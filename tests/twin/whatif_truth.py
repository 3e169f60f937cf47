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


def cnc_cell(mc01_scale_h: float, mc02_scale_h: float) -> PartsCell:
    """The parts cell of two CNC machines, MC-01 and MC-02, with the Weibull scales (hours) of their
    breakdowns given; the rest of their numbers are fixed."""
    machines = [
        Machine(
            code=code,
            protocol="opcua",
            cycle_s=Dist(mean=cycle_mean, sd=cycle_sd),
            setup_min=Dist(mean=setup_mean, sd=setup_sd),
            failures=Failures(
                weibull_shape=shape, weibull_scale_h=scale_h, repair_median_min=repair_min, repair_sigma=sigma
            ),
            quality=None,
            scrap_p=scrap_p,
        )
        # code, cycle s (mean, sd), setup min (mean, sd), Weibull shape and scale h, repair median min
        # and sigma, scrap share
        for code, cycle_mean, cycle_sd, setup_mean, setup_sd, shape, scale_h, repair_min, sigma, scrap_p in (
            ("MC-01", 95, 7, 22, 5, 1.3, mc01_scale_h, 18, 0.5, 0.03),
            ("MC-02", 62, 4, 12, 3, 1.6, mc02_scale_h, 10, 0.7, 0.015),
        )
    ]
    return PartsCell(products=["A", "B", "C"], batch=Dist(mean=50, sd=10), machines=machines)


def truth(seed: int = 11) -> SimConfig:
    """Two CNC machines in a cell and a five-station furniture line that its order stream keeps busy."""
    return SimConfig(
        seed=seed,
        start=START,
        parts_cell=cnc_cell(mc01_scale_h=14, mc02_scale_h=20),
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
