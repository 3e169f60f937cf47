"""Small synthetic data for the AI tests, and the location of the shared benchmark data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SHARED_DATA = Path(
    os.environ.get("JEJO_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data")
)


def shared(*parts: str) -> Path:
    """A path inside the shared benchmark data; skips the test when it is not there."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found: {path}")
    return path


def telemetry(
    n: int = 600, start: int = 350, stop: int = 500, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Four correlated noisy channels and a slowly drifting temperature; a collective anomaly
    (shifted flow and broken correlation) between ``start`` and ``stop``."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 1, n)
    X = np.column_stack(
        [
            base + rng.normal(0, 0.3, n),
            2 * base + rng.normal(0, 0.3, n),
            rng.normal(5, 0.2, n),
            rng.normal(32, 0.5, n),
            60 + 0.02 * np.arange(n) + rng.normal(0, 0.01, n),  # slow thermal drift
        ]
    )
    y = np.zeros(n, int)
    y[start:stop] = 1
    X[start:stop, 3] -= 3.0
    X[start:stop, 1] -= 2.5
    return X, y


def cmapss_like(units: int = 24, seed: int = 0, truncate: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """Run-to-failure histories in C-MAPSS layout (unit, cycle, 3 settings, 21 sensors).

    With ``truncate`` every unit stops before failure and the true RUL at its last cycle is returned.
    """
    from jejo.ai.io import CMAPSS_COLUMNS

    rng = np.random.default_rng(seed)
    rows, ruls = [], []
    for u in range(1, units + 1):
        life = int(rng.integers(80, 160))
        stop = int(rng.integers(30, life - 5)) if truncate else life
        for t in range(1, stop + 1):
            wear = np.exp(4.0 * t / life) / np.exp(4.0)
            sensors = [500.0, 640.0 + 3 * wear, 1590.0 + 20 * wear, 1400.0 - 15 * wear, 14.62]
            sensors += [21.6, 554.0 - 4 * wear, 2388.0 + 0.2 * wear, 9050.0 + 30 * wear, 1.3]
            sensors += [47.5 + 1.0 * wear, 522.0 - 3 * wear, 2388.0, 8140.0, 8.42 + 0.1 * wear]
            sensors += [0.03, 392.0 + 3 * wear, 2388.0, 100.0, 39.0 - 0.5 * wear, 23.4 - 0.3 * wear]
            noise = (
                rng.normal(0, 1, 21)
                * np.array(
                    [
                        0 if s in (500.0, 14.62, 21.6, 1.3, 2388.0, 8140.0, 0.03, 100.0) else 0.05
                        for s in sensors
                    ]
                )
                * np.abs(sensors)
                / 100
            )
            rows.append(
                [u, t, rng.normal(0, 0.002), rng.normal(0, 0.0003), 100.0, *(np.array(sensors) + noise)]
            )
        ruls.append(life - stop)
    return pd.DataFrame(rows, columns=CMAPSS_COLUMNS), np.array(ruls, float)


def write_cmapss(df: pd.DataFrame, path: Path) -> Path:
    """Write in NASA's text layout (space separated, no header, trailing spaces)."""
    lines = [" ".join(f"{v:g}" for v in row) + "  " for row in df.to_numpy()]
    path.write_text("\n".join(lines) + "\n")
    return path


def machine_table(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """AI4I-like table: failures come from interactions (power band, overstrain), plus ids and mode flags."""
    rng = np.random.default_rng(seed)
    speed = rng.normal(1500, 150, n)
    torque = rng.normal(40, 9, n)
    wear = rng.uniform(0, 240, n)
    air = rng.normal(300, 2, n)
    proc = air + rng.normal(10, 1, n)
    power = speed * torque * 2 * np.pi / 60
    pwf = (power < 4200) | (power > 8400)
    osf = wear * torque > 10500
    fail = (pwf | osf).astype(int)
    return pd.DataFrame(
        {
            "UDI": np.arange(1, n + 1),
            "Product ID": [f"X{i:05d}" for i in range(n)],
            "Type": rng.choice(["L", "M", "H"], n),
            "Air temperature [K]": air.round(1),
            "Process temperature [K]": proc.round(1),
            "Rotational speed [rpm]": speed.round(0),
            "Torque [Nm]": torque.round(1),
            "Tool wear [min]": wear.round(0),
            "Machine failure": fail,
            "PWF": pwf.astype(int),
            "OSF": osf.astype(int),
        }
    )
