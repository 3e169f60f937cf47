"""The demo factory model: reproducible from its seed, with breakdowns, setups, tool wear that raises
scrap, a bearing that announces its failure hours ahead, and a furniture line whose parts are scanned."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from jejo.sim.config import (
    Bearing,
    Cabinet,
    Dist,
    Failures,
    FurnitureLine,
    Machine,
    PartsCell,
    Quality,
    SimConfig,
    load_sim_config,
)
from jejo.sim.plant import Plant

DEMO_YAML = Path(__file__).resolve().parents[2] / "src" / "jejo" / "demo" / "factory.yaml"


def config(seed: int = 5) -> SimConfig:
    return SimConfig(
        seed=seed,
        start=datetime(2026, 11, 2, tzinfo=UTC),
        sample_s=60,
        parts_cell=PartsCell(
            products=["A", "B"],
            batch=Dist(mean=40, sd=10),
            machines=[
                Machine(
                    code="MC-01",
                    protocol="opcua",
                    cycle_s=Dist(mean=90, sd=6),
                    failures=Failures(weibull_scale_h=8),
                    quality=Quality(tool_life_parts=300),
                    bearing=Bearing(life_scale_h=30, drift_h=6),
                ),
                Machine(code="MC-02", protocol="modbus", cycle_s=Dist(mean=60, sd=4)),
            ],
        ),
        furniture_line=FurnitureLine(
            cabinets=[Cabinet(item="BASE-600", parts=["SIDE-L", "SIDE-R", "BOTTOM", "BACK"])],
            stations=[
                Machine(code=c, protocol="modbus", kind=k, cycle_s=Dist(mean=ct, sd=2))
                for c, k, ct in (
                    ("SAW", "saw", 40),
                    ("EB", "edge", 30),
                    ("BORE", "boring", 25),
                    ("ASM", "station", 300),
                    ("PACK", "station", 90),
                )
            ],
        ),
    )


def run(cfg: SimConfig, hours: float) -> tuple[Plant, list[tuple[str, str, int, object]]]:
    plant = Plant(cfg)
    log: list[tuple[str, str, int, object]] = []
    plant.listeners.append(log.append)
    plant.run_until(hours * 3600)
    return plant, log


def test_same_seed_same_factory_other_seed_other_factory() -> None:
    _, a = run(config(5), 12)
    _, b = run(config(5), 12)
    _, c = run(config(6), 12)
    assert a == b and a != c


def test_breakdowns_setups_wear_and_bearing() -> None:
    plant, log = run(config(5), 72)
    mc = [(f, ts, v) for code, f, ts, v in log if code == "MC-01"]
    states = [v for f, _, v in mc if f == "state"]
    assert {"running", "idle", "setup", "down"} <= set(states)
    assert plant.machines["MC-01"].failures >= 2
    # tool wear raises the quality deviation: worn tools make more scrap than fresh ones
    wear = [v for f, _, v in mc if f == "tool_wear"]
    qual = [abs(v) for f, _, v in mc if f == "quality"]  # type: ignore[arg-type]
    pairs = list(zip(wear, qual, strict=False))
    fresh = [q for w, q in pairs if w < 30]  # type: ignore[operator]
    worn = [q for w, q in pairs if w > 80]  # type: ignore[operator]
    assert sum(worn) / len(worn) > 1.5 * sum(fresh) / len(fresh)
    # the bearing: vibration climbs in the hours before the BEARING alarm
    alarm_ts = next(ts for f, ts, v in mc if f == "alarm" and v == "BEARING")
    vib = [(ts, v) for f, ts, v in mc if f == "vibration"]
    early = [v for ts, v in vib if alarm_ts - 12 * 3_600_000 < ts < alarm_ts - 7 * 3_600_000]
    late = [v for ts, v in vib if alarm_ts - 3_600_000 < ts < alarm_ts]
    assert max(late) > 2 * (sum(early) / len(early))  # type: ignore[operator]


def test_furniture_parts_are_scanned_at_every_station() -> None:
    plant, _ = run(config(5), 24)
    by_part: dict[str, list[str]] = defaultdict(list)
    for s in plant.scans:
        by_part[s.part_id].append(s.station)
    finished = [p for p, st in by_part.items() if "ASM" in st]
    assert len(finished) >= 8
    for p in finished:
        assert by_part[p][:4] == ["SAW", "EB", "BORE", "ASM"]
    packed = [p for p, st in by_part.items() if st == ["PACK"]]  # packing scans the cabinet label
    assert packed and all(p.count("-") == 2 for p in packed)
    assert len(packed) - 1 <= plant.machines["PACK"].values["good"] <= len(packed)  # one may be in progress


def test_demo_yaml_is_valid() -> None:
    cfg = load_sim_config(DEMO_YAML)
    protocols = {m.protocol for m in cfg.machines()}
    assert protocols == {"opcua", "modbus", "sparkplug"}
    assert {m.code for m in cfg.machines()} >= {
        "PC-SAW-01",
        "EB-01",
        "CNC-BORE-01",
        "ASM-01",
        "PACK-01",
        "MC-01",
        "MC-02",
        "MC-03",
    }


def _mc01(seed: int = 5, **bearing: float) -> SimConfig:
    cfg = config(seed)
    assert cfg.parts_cell is not None
    mc = cfg.parts_cell.machines[0].model_copy(
        update={"bearing": Bearing(life_scale_h=30, drift_h=6, **bearing)}
    )
    return cfg.model_copy(
        update={"parts_cell": cfg.parts_cell.model_copy(update={"machines": [mc]}), "furniture_line": None}
    )


def test_planned_maintenance_replaces_the_bearing_before_it_fails() -> None:
    plant = Plant(_mc01())
    mc = plant.machines["MC-01"]
    plant.run_until(1)  # the bearing is fitted when the model starts
    first = mc.bearings[0]
    assert first.fail_s - first.drift_s == 6 * 3600
    plant.run_until(first.fail_s + 600)
    assert first.ended_by == "failure" and first.ended_s is not None and first.ended_s >= first.fail_s

    # the same seed, a planned stop asked for three hours into the drift
    plant = Plant(_mc01())
    mc = plant.machines["MC-01"]
    states: list[tuple[float, object]] = []
    alarms: list[object] = []
    plant.listeners.append(lambda u: alarms.append(u[3]) if u[:2] == ("MC-01", "alarm") else None)
    plant.listeners.append(
        lambda u: states.append((plant.env.now, u[3])) if u[:2] == ("MC-01", "state") else None
    )
    due = first.drift_s + 3 * 3600
    plant.run_until(due - 60)
    stop = mc.plan_maintenance(due, 45)
    plant.run_until(first.fail_s + 3600)
    assert stop.started_s is not None and stop.ended_s is not None and not stop.skipped
    assert due <= stop.started_s < due + 3600  # at the first new work after it is due
    assert stop.ended_s - stop.started_s >= 45 * 60
    assert (stop.started_s, "planned_stop") in states
    assert [b.ended_by for b in mc.bearings] == ["maintenance", ""]  # replaced, not failed
    assert mc.bearings[1].fitted_s == stop.started_s and mc.bearings[1].fail_s > first.fail_s
    assert "BEARING" not in alarms
    assert mc.bearing_progress() == 0.0  # the new bearing does not drift yet

    # asked for too late: the bearing fails first, is replaced in the repair, and the stop is skipped
    plant = Plant(_mc01())
    mc = plant.machines["MC-01"]
    plant.run_until(first.fail_s - 600)
    late = mc.plan_maintenance(first.fail_s + 3 * 3600, 30)
    plant.run_until(first.fail_s + 8 * 3600)
    assert late.started_s is None and "replaced after a failure" in late.skipped
    assert mc.bearings[0].ended_by == "failure"


def test_bearing_severity_and_noise_scale_the_drift() -> None:
    def vibration_before_failure(**bearing: float) -> tuple[float, float]:
        plant = Plant(_mc01(**bearing))
        mc = plant.machines["MC-01"]
        plant.run_until(1)
        fail = mc.bearings[0].fail_s
        vib: list[tuple[float, float]] = []
        plant.listeners.append(
            lambda u: vib.append((plant.env.now, float(u[3]))) if u[:2] == ("MC-01", "vibration") else None
        )
        plant.run_until(fail - 60)
        calm = [v for t, v in vib if t < fail - 7 * 3600]
        late = [v for t, v in vib if t > fail - 1800]
        spread = max(calm) - min(calm)
        return max(late), spread

    strong, _ = vibration_before_failure(severity=1.0)
    weak, _ = vibration_before_failure(severity=0.4)
    assert strong > 1.5 * weak
    _, quiet = vibration_before_failure(noise=0.2)
    _, noisy = vibration_before_failure(noise=3.0)
    assert noisy > quiet
