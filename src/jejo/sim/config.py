"""The demo factory's configuration (YAML): seed, speed, endpoints, the parts cell and the furniture line."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from jejo.core.errors import Problem, ValidationError


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Dist(_M):
    """A normal spread around a mean (truncated at 10% of the mean)."""

    mean: float = Field(gt=0)
    sd: float = Field(default=0.0, ge=0)


class Failures(_M):
    """Breakdowns: time between failures ~ Weibull(shape, scale_h), repair time ~ lognormal(median, sigma)."""

    weibull_shape: float = Field(default=1.4, gt=0)
    weibull_scale_h: float = Field(default=20.0, gt=0)
    repair_median_min: float = Field(default=12.0, gt=0)
    repair_sigma: float = Field(default=0.6, ge=0)


class Bearing(_M):
    """A bearing that wears out: vibration and temperature drift for ``drift_h`` hours before it fails.

    ``severity`` scales how far they drift (1.0: vibration ×6 and +18 °C at the failure), ``noise`` the
    spread of both signals (1.0: 0.08 mm/s and 0.15 °C per sample)."""

    life_shape: float = Field(default=3.0, gt=0)
    life_scale_h: float = Field(default=60.0, gt=0)
    drift_h: float = Field(default=6.0, gt=0)
    repair_median_min: float = Field(default=90.0, gt=0)
    severity: float = Field(default=1.0, gt=0)
    noise: float = Field(default=1.0, ge=0)


class Quality(_M):
    """A measured characteristic (deviation from nominal, mm) with drift after setup and tool wear."""

    tolerance: float = Field(default=0.05, gt=0)
    noise_sd: float = Field(default=0.008, ge=0)
    drift_per_h: float = Field(default=0.004)
    wear_gain: float = Field(default=0.04)
    tool_life_parts: int = Field(default=400, ge=1)
    tool_change_min: float = Field(default=4.0, ge=0)


class Machine(_M):
    code: str
    name: str | None = None
    protocol: Literal["opcua", "modbus", "sparkplug"]
    port: int = Field(default=0, ge=0, le=65535)  # 0: a free port
    kind: Literal["cnc", "moulding", "saw", "edge", "boring", "station"] = "cnc"
    cycle_s: Dist = Dist(mean=60, sd=4)
    setup_min: Dist = Dist(mean=15, sd=3)
    micro_stop_p: float = Field(default=0.02, ge=0, le=1)
    micro_stop_s: Dist = Dist(mean=40, sd=15)
    failures: Failures | None = Failures()
    bearing: Bearing | None = None
    quality: Quality | None = None
    temperature_c: float = 35.0
    vibration_mm_s: float = 1.8
    # a fixed chance that a part is scrap (a rate fitted from history); None: the quality model decides
    # in the parts cell, 1 % on the furniture line
    scrap_p: float | None = Field(default=None, ge=0, le=1)
    parallel: int = Field(default=1, ge=1, le=20)  # identical machines side by side: CODE, CODE-2, ...


class PartsCell(_M):
    products: list[str] = Field(default_factory=lambda: ["BRKT-100"])
    batch: Dist = Dist(mean=60, sd=15)
    machines: list[Machine] = Field(default_factory=list)


class Cabinet(_M):
    item: str
    parts: list[str]


class RushOrder(_M):
    """An extra order put on the line at ``at_h`` hours into the run (worked first come, first served)."""

    at_h: float = Field(ge=0)
    item: str
    cabinets: int = Field(ge=1, le=500)


class ShiftWindow(_M):
    """Working time on the given weekdays (0 = Monday), local time; an end before the start runs past
    midnight. Outside every window machines take no new work (orders still arrive)."""

    start: time
    end: time
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])


class FurnitureLine(_M):
    stations: list[Machine] = Field(
        default_factory=list
    )  # in flow order: saw, edge, boring, assembly, packing
    cabinets: list[Cabinet] = Field(default_factory=list)
    order_every_min: Dist = Dist(mean=40, sd=10)
    order_size: Dist = Dist(mean=4, sd=2)
    rush_orders: list[RushOrder] = Field(default_factory=list)


class Endpoints(_M):
    host: str = "127.0.0.1"
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    sparkplug_group: str = "jejo"
    edge_node: str = "DEMO-EDGE"
    primary_host: str | None = "jejo"  # Sparkplug primary host id the edge node waits for (None: don't wait)


class SimConfig(_M):
    company: str = "DEMO"
    seed: int = 42
    speed: float = Field(default=60.0, gt=0)
    start: datetime | None = None
    sample_s: float = Field(default=5.0, gt=0)
    shifts: list[ShiftWindow] = Field(default_factory=list)  # empty: around the clock
    timezone: str = "Asia/Seoul"  # the shifts' local time
    endpoints: Endpoints = Endpoints()
    parts_cell: PartsCell | None = None
    furniture_line: FurnitureLine | None = None

    def machines(self) -> list[Machine]:
        out = list(self.parts_cell.machines) if self.parts_cell else []
        if self.furniture_line:
            out += self.furniture_line.stations
        return out


def side_by_side(m: Machine) -> list[Machine]:
    """The machines a configured machine stands for: itself, and its ``parallel - 1`` twins."""
    if m.parallel == 1:
        return [m]
    return [m.model_copy(update={"parallel": 1})] + [
        m.model_copy(update={"code": f"{m.code}-{k}", "parallel": 1, "port": 0})
        for k in range(2, m.parallel + 1)
    ]


def load_sim_config(path: str | Path) -> SimConfig:
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        return SimConfig.model_validate(data or {})
    except yaml.YAMLError as exc:
        raise ValidationError(f"{p} is not valid YAML", [Problem(reason=str(exc).splitlines()[0])]) from exc
    except PydanticError as exc:
        raise ValidationError(
            f"{p} has problems",
            [Problem(reason=e["msg"], field=".".join(map(str, e["loc"]))) for e in exc.errors()],
        ) from exc
