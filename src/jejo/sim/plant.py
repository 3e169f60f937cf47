"""The demo factory as a discrete-event model (SimPy), reproducible from a seed.

Two lines: a CNC parts cell (cycle times with spread, micro-stops, Weibull breakdowns with lognormal
repairs, setups on product change, a quality characteristic that drifts after setup and with tool wear,
and a bearing whose vibration and temperature drift for hours before it fails, unless a planned
maintenance stop asked for in time replaces it) and a furniture line
(panel saw → edge bander → CNC boring → assembly → packing) working through cabinet orders part by part,
with operators scanning each part at each station.

The model only changes machine *values*; every change is recorded with its simulated timestamp and
handed to whoever listens (the protocol endpoints). Its trajectory depends on the seed (and the
maintenance stops asked for) alone, not on how fast it is run.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import simpy

from jejo.sim.config import Dist, Machine, SimConfig, side_by_side
from jejo.telemetry.state import CODE_OF, STATE_CODES

Update = tuple[str, str, int, Any]  # machine code, field, ts_ms, value

#: Every value a simulated machine exposes: field → (type, unit).
FIELDS: dict[str, tuple[str, str | None]] = {
    "state": ("string", None),
    "state_code": ("int", None),
    "good": ("int", "count"),
    "scrap": ("int", "count"),
    "total": ("int", "count"),
    "job": ("string", None),
    "product": ("string", None),
    "alarm": ("string", None),
    "temperature": ("float", "°C"),
    "vibration": ("float", "mm/s"),
    "quality": ("float", "mm"),
    "tool_wear": ("float", "%"),
    "cycle_time": ("float", "s"),
}

WOODWORKING_STATE = {
    "off": "OFFLINE",
    "idle": "READY",
    "running": "WORKING",
    "down": "ERROR",
    "setup": "STANDBY",
    "planned_stop": "STANDBY",
}


@dataclass(frozen=True, slots=True)
class Scan:
    ts_ms: int
    part_id: str
    station: str


@dataclass(slots=True)
class BearingLife:
    """One bearing fitted to a machine (simulated seconds): when it would fail if nothing is done, when
    its drift begins, and how it ended (``failure`` or ``maintenance``; "" while fitted)."""

    fitted_s: float
    fail_s: float
    drift_s: float
    ended_s: float | None = None
    ended_by: str = ""


@dataclass(slots=True)
class MaintenanceStop:
    """A planned maintenance stop asked for at ``requested_s``: done before the first new work at or after
    ``due_s`` (the bearing, if any, is replaced), or ``skipped`` with the reason."""

    requested_s: float
    due_s: float
    minutes: float
    started_s: float | None = None
    ended_s: float | None = None
    skipped: str = ""


class SimMachine:
    """One machine (or manual station): its values, its breakdowns and its bearing."""

    def __init__(self, plant: Plant, cfg: Machine, rng: random.Random) -> None:
        self.plant, self.cfg, self.rng, self.code = plant, cfg, rng, cfg.code
        self.env = plant.env
        self.values: dict[str, Any] = {
            "state": "off",
            "state_code": CODE_OF_STR["off"],
            "good": 0,
            "scrap": 0,
            "total": 0,
            "job": "",
            "product": "",
            "alarm": "",
            "temperature": cfg.temperature_c,
            "vibration": cfg.vibration_mm_s,
            "quality": 0.0,
            "tool_wear": 0.0,
            "cycle_time": 0.0,
        }
        self.worker: simpy.Process | None = None
        self.broken = False
        self.repaired = self.env.event()
        self.bearing_fail_at: float | None = None
        self.bearings: list[BearingLife] = []  # every bearing fitted, in order
        self.maintenance: list[MaintenanceStop] = []
        self.failures = 0

    # -- values
    def set(self, **kv: Any) -> None:
        if "state" in kv:
            kv["state_code"] = CODE_OF_STR[kv["state"]]
        for k, v in kv.items():
            if self.values.get(k) != v:
                self.values[k] = v
                self.plant.record(self.code, k, v)

    def count(self, good: int = 0, scrap: int = 0) -> None:
        v = self.values
        self.set(good=v["good"] + good, scrap=v["scrap"] + scrap, total=v["total"] + good + scrap)

    def draw(self, d: Dist) -> float:
        return max(d.mean * 0.1, self.rng.gauss(d.mean, d.sd)) if d.sd else d.mean

    # -- holding a state, with breakdowns
    def hold(self, seconds: float, state: str) -> Generator[simpy.Event, Any, None]:
        remaining = seconds
        while remaining > 1e-9:
            start = self.env.now
            self.set(state=state)
            try:
                yield self.env.timeout(remaining)
                remaining = 0.0
            except simpy.Interrupt as intr:
                remaining -= self.env.now - start
                yield from self.breakdown(str(intr.cause))
        self.set(state=state)

    def wait(self, event: simpy.Event, state: str = "idle") -> Generator[simpy.Event, Any, Any]:
        self.set(state=state)
        while True:
            try:
                value = yield event
                return value
            except simpy.Interrupt as intr:
                yield from self.breakdown(str(intr.cause))
                self.set(state=state)

    def breakdown(self, cause: str) -> Generator[simpy.Event, Any, None]:
        self.broken = True
        self.failures += 1
        if cause == "BEARING":
            self._end_bearing("failure")
        self.set(state="down", alarm=cause)
        if cause == "BEARING" and self.cfg.bearing:
            median = self.cfg.bearing.repair_median_min
            sigma = 0.3
        else:
            fl = self.cfg.failures
            median = fl.repair_median_min if fl else 10.0
            sigma = fl.repair_sigma if fl else 0.5
        yield self.env.timeout(60 * self.rng.lognormvariate(math.log(median), sigma))
        if cause == "BEARING":
            self._new_bearing()
        self.set(alarm="")
        self.broken = False
        self.repaired.succeed()
        self.repaired = self.env.event()

    # -- failure processes
    def failure_process(self) -> Generator[simpy.Event, Any, None]:
        fl = self.cfg.failures
        assert fl is not None
        while True:
            yield self.env.timeout(3600 * self.rng.weibullvariate(fl.weibull_scale_h, fl.weibull_shape))
            if self.broken:
                yield self.repaired
                continue
            if self.worker is not None and self.worker.is_alive:
                self.worker.interrupt("BREAKDOWN")
                yield self.repaired

    def _new_bearing(self) -> None:
        b = self.cfg.bearing
        if b is not None:
            life_h = max(b.drift_h * 1.5, self.rng.weibullvariate(b.life_scale_h, b.life_shape))
            self.bearing_fail_at = self.env.now + 3600 * life_h
            self.bearings.append(
                BearingLife(self.env.now, self.bearing_fail_at, self.bearing_fail_at - 3600 * b.drift_h)
            )

    def _end_bearing(self, how: str) -> None:
        if self.bearings and not self.bearings[-1].ended_by:
            self.bearings[-1].ended_s, self.bearings[-1].ended_by = self.env.now, how

    # -- planned maintenance
    def plan_maintenance(self, due_s: float, minutes: float) -> MaintenanceStop:
        """Ask for a planned stop of ``minutes`` at ``due_s`` (simulated seconds) or at the first new work
        after it — the machine finishes the part in hand first."""
        stop = MaintenanceStop(self.env.now, due_s, minutes)
        self.maintenance.append(stop)
        return stop

    def maintenance_due(self) -> Generator[simpy.Event, Any, None]:
        """Do the planned maintenance stops that are due: a planned stop; the bearing is replaced."""
        for stop in self.maintenance:
            if stop.started_s is not None or stop.skipped or stop.due_s > self.env.now:
                continue
            if self.bearings and self.bearings[-1].fitted_s > stop.requested_s:
                stop.skipped = "the bearing was replaced after a failure in the meantime"
                continue
            stop.started_s = self.env.now
            self._end_bearing("maintenance")
            self._new_bearing()
            yield from self.hold(60 * stop.minutes, "planned_stop")
            stop.ended_s = self.env.now

    def bearing_process(self) -> Generator[simpy.Event, Any, None]:
        self._new_bearing()
        while True:
            assert self.bearing_fail_at is not None
            yield self.env.timeout(max(1.0, self.bearing_fail_at - self.env.now))
            if self.bearing_fail_at > self.env.now + 1:
                continue
            if self.broken:
                yield self.repaired
            if self.worker is not None and self.worker.is_alive:
                self.worker.interrupt("BEARING")
                yield self.repaired

    def bearing_progress(self) -> float:
        b = self.cfg.bearing
        if b is None or self.bearing_fail_at is None:
            return 0.0
        start = self.bearing_fail_at - 3600 * b.drift_h
        return min(1.0, max(0.0, (self.env.now - start) / (3600 * b.drift_h)))

    def sample_signals(self, dt: float) -> None:
        p = self.bearing_progress()
        b = self.cfg.bearing
        severity, noise = (b.severity, b.noise) if b is not None else (1.0, 1.0)
        running = self.values["state"] == "running"
        target = self.cfg.temperature_c + (8.0 if running else 0.0) + 18.0 * severity * p**1.5
        alpha = 1 - math.exp(-dt / 900.0)
        temp = (
            self.values["temperature"]
            + alpha * (target - self.values["temperature"])
            + self.rng.gauss(0, 0.15 * noise)
        )
        vib = (self.cfg.vibration_mm_s * (1.0 if running else 0.3)) * (1 + 5 * severity * p * p) + abs(
            self.rng.gauss(0, 0.08 * noise)
        )
        self.set(temperature=round(temp, 3), vibration=round(vib, 3))


CODE_OF_STR = {k.value: v for k, v in CODE_OF.items()}
assert set(CODE_OF_STR.values()) == set(STATE_CODES)


class Plant:
    """The whole demo factory; step it with :meth:`run_until` (simulated seconds)."""

    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self.env = simpy.Environment()
        self.rng = random.Random(cfg.seed)
        start = cfg.start or datetime.now(UTC).replace(microsecond=0)
        self.epoch_ms = int(start.timestamp() * 1000)
        self.machines: dict[str, SimMachine] = {}
        self.listeners: list[Callable[[Update], None]] = []
        self.scans: list[Scan] = []
        self.updates = 0
        self._order = 0
        self.released: dict[str, float] = {}  # cabinet → when its order reached the line (sim seconds)
        self.finished: list[tuple[str, float, float]] = []  # cabinet, released, packed (sim seconds)
        self._tz = ZoneInfo(cfg.timezone)
        for m in cfg.machines():
            for one in side_by_side(m):
                self.machines[one.code] = SimMachine(self, one, random.Random(f"{cfg.seed}:{one.code}"))
        if cfg.parts_cell:
            for m in cfg.parts_cell.machines:
                for one in side_by_side(m):
                    self._start(self.machines[one.code], self._cell_worker(self.machines[one.code]))
        if cfg.furniture_line and cfg.furniture_line.stations:
            self._build_line()
        self.env.process(self._sampler())

    def now_ms(self) -> int:
        return self.epoch_ms + round(self.env.now * 1000)

    def record(self, code: str, fld: str, value: Any) -> None:
        self.updates += 1
        u = (code, fld, self.now_ms(), value)
        for cb in self.listeners:
            cb(u)

    def run_until(self, sim_seconds: float) -> None:
        if sim_seconds > self.env.now:
            self.env.run(until=sim_seconds)

    def off_shift_s(self) -> float:
        """Seconds until the next shift starts when now is outside every shift window, else 0."""
        if not self.cfg.shifts:
            return 0.0
        now = datetime.fromtimestamp(self.now_ms() / 1000, self._tz)
        day0 = now.replace(hour=0, minute=0, second=0, microsecond=0)
        nxt: datetime | None = None
        for d in range(-1, 9):
            day = day0 + timedelta(days=d)
            for w in self.cfg.shifts:
                if day.weekday() not in w.days:
                    continue
                start = day.replace(hour=w.start.hour, minute=w.start.minute, second=w.start.second)
                end = day.replace(hour=w.end.hour, minute=w.end.minute, second=w.end.second)
                if end <= start:
                    end += timedelta(days=1)
                if start <= now < end:
                    return 0.0
                if start > now and (nxt is None or start < nxt):
                    nxt = start
        return (nxt - now).total_seconds() if nxt is not None else 0.0

    def on_shift(self, m: SimMachine) -> Generator[simpy.Event, Any, None]:
        """Before new work: planned maintenance that is due, then, outside the shifts, the machine stands
        (planned stop) until the next one."""
        yield from m.maintenance_due()
        while (wait := self.off_shift_s()) > 0:
            yield from m.hold(wait, "planned_stop")

    def _start(self, m: SimMachine, gen: Generator[simpy.Event, Any, None]) -> None:
        m.set(state="idle")
        m.worker = self.env.process(gen)
        if m.cfg.failures:
            self.env.process(m.failure_process())
        if m.cfg.bearing:
            self.env.process(m.bearing_process())

    def _sampler(self) -> Generator[simpy.Event, Any, None]:
        dt = self.cfg.sample_s
        while True:
            yield self.env.timeout(dt)
            for m in self.machines.values():
                m.sample_signals(dt)

    # -- parts cell -----------------------------------------------------------------------------
    def _cell_worker(self, m: SimMachine) -> Generator[simpy.Event, Any, None]:
        cell = self.cfg.parts_cell
        assert cell is not None
        q = m.cfg.quality
        setup_at = 0.0
        on_tool = 0
        product = ""
        job_no = 0
        while True:
            new_product = m.rng.choice(cell.products)
            job_no += 1
            yield from self.on_shift(m)
            if new_product != product:
                yield from m.hold(60 * m.draw(m.cfg.setup_min), "setup")
                product, setup_at = new_product, self.env.now
            m.set(product=product, job=f"{m.code}-J{job_no:04d}")
            for _ in range(max(1, round(m.draw(cell.batch)))):
                yield from self.on_shift(m)
                if m.rng.random() < m.cfg.micro_stop_p:
                    yield from m.hold(m.draw(m.cfg.micro_stop_s), "idle")
                ct = m.draw(m.cfg.cycle_s)
                yield from m.hold(ct, "running")
                scrap = False
                if q is not None:
                    on_tool += 1
                    wear = on_tool / q.tool_life_parts
                    dev = (
                        q.drift_per_h * (self.env.now - setup_at) / 3600
                        + q.wear_gain * wear * wear
                        + m.rng.gauss(0, q.noise_sd)
                    )
                    scrap = abs(dev) > q.tolerance
                    m.set(quality=round(dev, 5), tool_wear=round(100 * wear, 2))
                if m.cfg.scrap_p is not None:
                    scrap = m.rng.random() < m.cfg.scrap_p
                m.set(cycle_time=round(ct, 2))
                m.count(good=0 if scrap else 1, scrap=1 if scrap else 0)
                if q is not None and on_tool >= q.tool_life_parts:
                    yield from m.hold(60 * q.tool_change_min, "setup")
                    on_tool, setup_at = 0, self.env.now
            yield from m.hold(m.rng.uniform(60, 300), "idle")  # waiting for material / the next job

    # -- furniture line -------------------------------------------------------------------------
    def _build_line(self) -> None:
        line = self.cfg.furniture_line
        assert line is not None
        # a station is one machine or several side by side, taking work from the same queue
        stations = [[self.machines[one.code] for one in side_by_side(s)] for s in line.stations]
        part_stations = stations[:-2] if len(stations) >= 3 else stations
        kit_stations = stations[len(part_stations) :]
        queues = [simpy.Store(self.env) for _ in stations]
        self._kits: dict[str, tuple[int, list[str]]] = {}
        self.env.process(self._orders(queues[0]))
        if line.rush_orders:
            self.env.process(self._rush_orders(queues[0]))
        for i, group in enumerate(part_stations):
            last = i == len(part_stations) - 1
            for m in group:
                self._start(
                    m, self._part_station(m, queues[i], queues[i + 1] if i + 1 < len(queues) else None, last)
                )
        for j, group in enumerate(kit_stations):
            i = len(part_stations) + j
            for m in group:
                self._start(
                    m, self._kit_station(m, queues[i], queues[i + 1] if i + 1 < len(queues) else None)
                )

    def _orders(self, first: simpy.Store) -> Generator[simpy.Event, Any, None]:
        line = self.cfg.furniture_line
        assert line is not None and line.cabinets
        rng = random.Random(f"{self.cfg.seed}:orders")
        while True:
            self._order += 1
            order = f"SO-{self._order:05d}"
            for n in range(1, max(1, round(rng.gauss(line.order_size.mean, line.order_size.sd))) + 1):
                cab = rng.choice(line.cabinets)
                cab_id = f"{order}-{n:02d}"
                parts = [f"{cab_id}-{p}" for p in cab.parts]
                self._kits[cab_id] = (len(parts), [])
                self.released[cab_id] = self.env.now
                for p in parts:
                    yield first.put((cab.item, cab_id, p))
            yield self.env.timeout(
                60 * max(1.0, rng.gauss(line.order_every_min.mean, line.order_every_min.sd))
            )

    def _rush_orders(self, first: simpy.Store) -> Generator[simpy.Event, Any, None]:
        line = self.cfg.furniture_line
        assert line is not None
        for k, rush in enumerate(sorted(line.rush_orders, key=lambda r: r.at_h), start=1):
            yield self.env.timeout(max(0.0, 3600 * rush.at_h - self.env.now))
            cab = next((c for c in line.cabinets if c.item == rush.item), line.cabinets[0])
            for n in range(1, rush.cabinets + 1):
                cab_id = f"RUSH-{k:02d}-{n:03d}"
                parts = [f"{cab_id}-{p}" for p in cab.parts]
                self._kits[cab_id] = (len(parts), [])
                self.released[cab_id] = self.env.now
                for p in parts:
                    yield first.put((cab.item, cab_id, p))

    def _scan(self, part: str, station: str) -> None:
        self.scans.append(Scan(self.now_ms(), part, station))

    def _part_station(
        self, m: SimMachine, inbox: simpy.Store, outbox: simpy.Store | None, last: bool
    ) -> Generator[simpy.Event, Any, None]:
        item = ""
        while True:
            got = yield from m.wait(inbox.get(), "idle")
            cab_item, cab_id, part = got
            yield from self.on_shift(m)
            if cab_item != item and m.cfg.kind == "saw":
                yield from m.hold(60 * m.draw(m.cfg.setup_min), "setup")
            item = cab_item
            m.set(job=cab_id.rsplit("-", 1)[0], product=cab_item)
            self._scan(part, m.code)
            if m.rng.random() < m.cfg.micro_stop_p:
                yield from m.hold(m.draw(m.cfg.micro_stop_s), "idle")
            ct = m.draw(m.cfg.cycle_s)
            yield from m.hold(ct, "running")
            scrap = m.rng.random() < (0.01 if m.cfg.scrap_p is None else m.cfg.scrap_p)
            m.set(cycle_time=round(ct, 2))
            m.count(good=0 if scrap else 1, scrap=1 if scrap else 0)
            if outbox is None:
                continue
            if last:
                need, have = self._kits[cab_id]
                have.append(part)
                if len(have) >= need:
                    yield outbox.put((cab_item, cab_id, have))
            else:
                yield outbox.put(got)

    def _kit_station(
        self, m: SimMachine, inbox: simpy.Store, outbox: simpy.Store | None
    ) -> Generator[simpy.Event, Any, None]:
        while True:
            got = yield from m.wait(inbox.get(), "idle")
            cab_item, cab_id, parts = got
            yield from self.on_shift(m)
            m.set(job=cab_id.rsplit("-", 1)[0], product=cab_item)
            for p in parts if outbox is not None else [cab_id]:
                self._scan(p, m.code)
            ct = m.draw(m.cfg.cycle_s)
            yield from m.hold(ct, "running")
            m.set(cycle_time=round(ct, 2))
            m.count(good=1)
            if outbox is not None:
                yield outbox.put(got)
            else:
                self._kits.pop(cab_id, None)
                self.finished.append((cab_id, self.released.pop(cab_id, self.env.now), self.env.now))
