"""Reading tables for the AI commands: delimiter sniffing, UTF-8 BOM, clear column errors."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from jejo.core.errors import Problem, ValidationError

_DELIMITERS = (";", ",", "\t", "|")

CMAPSS_COLUMNS = [
    "unit",
    "cycle",
    "setting1",
    "setting2",
    "setting3",
    *(f"s{i}" for i in range(1, 22)),
]


def sniff_delimiter(header: str) -> str:
    """Pick the delimiter that splits the header line into the most fields (``;`` wins ties)."""
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a delimited text file (``;``, ``,``, tab or ``|``, detected), with or without a BOM."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")
    text = path.read_text(encoding="utf-8-sig", errors="strict")
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise ValidationError(f"{path} is empty or has no header line")
    sep = sniff_delimiter(first)
    df = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True)
    df.columns = [str(c).strip() for c in df.columns]
    dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dupes:
        raise ValidationError(
            f"{path}: duplicate column names", [Problem(field=c, reason="duplicate column") for c in dupes]
        )
    return df


def split_names(text: str | None) -> list[str]:
    """``"a, b"`` -> ``["a", "b"]``; empty or None -> ``[]``."""
    if not text:
        return []
    return [t.strip() for t in text.split(",") if t.strip()]


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str = "input") -> None:
    """Raise a ValidationError naming every column of ``columns`` that ``df`` lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValidationError(
            f"{what}: missing column(s) {', '.join(missing)}",
            [Problem(field=c, reason="missing column") for c in missing],
        )


def numeric_matrix(
    df: pd.DataFrame, columns: Sequence[str], what: str = "input", allow_nan: bool = False
) -> np.ndarray:
    """Columns as a float matrix; every non-numeric (or, unless allowed, missing) column is named."""
    require_columns(df, columns, what)
    problems: list[Problem] = []
    out = np.empty((len(df), len(columns)), dtype=float)
    for j, col in enumerate(columns):
        raw = df[col]
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() & raw.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            problems.append(Problem(field=col, row=row, reason=f"not a number: {raw.iloc[row]!r}"))
            continue
        if not allow_nan and values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            problems.append(Problem(field=col, row=row, reason="missing value (NaN / empty cell)"))
            continue
        out[:, j] = values.to_numpy(dtype=float)
    if problems:
        raise ValidationError(f"{what}: bad values in {len(problems)} column(s)", problems)
    return out


def read_cmapss(path: str | Path) -> pd.DataFrame:
    """Read a C-MAPSS text file (space separated, no header, 26 columns) into named columns."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")
    df = pd.read_csv(path, sep=r"\s+", header=None, engine="python")
    if df.shape[1] != len(CMAPSS_COLUMNS):
        raise ValidationError(
            f"{path}: expected {len(CMAPSS_COLUMNS)} space-separated columns (unit, cycle, 3 settings, "
            f"21 sensors), found {df.shape[1]}"
        )
    df.columns = CMAPSS_COLUMNS
    numeric_matrix(df, CMAPSS_COLUMNS, what=str(path.name))
    df["unit"] = df["unit"].astype(int)
    df["cycle"] = df["cycle"].astype(int)
    return df


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a comma-separated file with a header, creating the parent folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path
