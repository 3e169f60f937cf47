"""Single sampling plans by attributes after KS Q ISO 2859-1 (= MIL-STD-105E) (pure).

The tables are shipped as data (``data/mil_std_105e_table_1.csv`` and ``..._table_2a.csv``) with their
source: MIL-STD-105E is a work of the United States Government and in the public domain; its tables are
those of ISO 2859-1 (Table 1 and Table 2-A).

Implemented: sample size code letters for the general inspection levels I, II, III and the special levels
S-1 to S-4 (Table I), and single sampling for **normal** inspection (Table II-A), AQL 0.010 to 10 percent
nonconforming. Tightened (II-B) and reduced (II-C) inspection are not shipped yet and are refused with a
clear message rather than guessed.

An arrow in the table means "use the first plan below (or above) the arrow": the sample size and the
acceptance numbers of that plan. If the sample is as large as the lot or larger, the whole lot is
inspected (100 %) with the plan's acceptance number.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from jejo.core.errors import Problem, ValidationError

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
SEVERITIES = ("normal",)


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    lot_size: int
    level: str
    aql: str
    code_letter: str  # from Table I
    plan_letter: str  # the letter whose plan is used (after following arrows)
    sample_size: int
    accept: int
    reject: int

    def verdict(self, nonconforming: int) -> str:
        return "passed" if nonconforming <= self.accept else "failed"


def _rows(name: str) -> list[list[str]]:
    text = resources.files("jejo.quality").joinpath("data", name).read_text(encoding="utf-8")
    return [r for r in csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))]


@cache
def _table_1() -> tuple[list[str], list[tuple[int, int | None, dict[str, str]]]]:
    header, *rows = _rows("mil_std_105e_table_1.csv")
    levels = header[2:]
    out = [(int(r[0]), int(r[1]) if r[1] else None, dict(zip(levels, r[2:], strict=True))) for r in rows]
    return levels, out


@cache
def _table_2a() -> tuple[list[str], dict[str, int], dict[tuple[str, str], str]]:
    header, *rows = _rows("mil_std_105e_table_2a.csv")
    aqls = header[2:]
    letters = [r[0] for r in rows]
    sizes = {r[0]: int(r[1]) for r in rows}
    cells = {(r[0], a): v for r in rows for a, v in zip(aqls, r[2:], strict=True)}
    return letters, sizes, cells


@cache
def aqls() -> list[str]:
    """The AQL columns of the normal-inspection table, as printed (e.g. ``"0.65"``, ``"1.0"``, ``"10"``)."""
    return _rows("mil_std_105e_table_2a.csv")[0][2:]


def normalise_aql(aql: float | str) -> str:
    """The column of an AQL given as a number (``1`` → ``"1.0"``, ``0.1`` → ``"0.10"``)."""
    for col in aqls():
        if abs(float(col) - float(aql)) < 1e-9:
            return col
    raise ValidationError(
        f"AQL {aql} is not a column of ISO 2859-1 Table 2-A",
        [Problem(reason=f"use one of {', '.join(aqls())}", field="aql")],
    )


def code_letter(lot_size: int, level: str = "II") -> str:
    """Table I: the sample size code letter of a lot size at an inspection level."""
    if level not in LEVELS:
        raise ValidationError(
            "unknown inspection level", [Problem(reason=f"one of {', '.join(LEVELS)}", field="level")]
        )
    if lot_size < 2:
        raise ValidationError(
            "lot too small", [Problem(reason="a lot has at least 2 units", field="lot_size")]
        )
    for low, high, letters in _table_1()[1]:
        if lot_size >= low and (high is None or lot_size <= high):
            return letters[level]
    raise AssertionError("Table I covers every lot size")  # pragma: no cover


def plan_for(lot_size: int, aql: float | str, level: str = "II", severity: str = "normal") -> SamplingPlan:
    """The single sampling plan for a lot (ISO 2859-1 Table 1 and Table 2-A)."""
    if severity not in SEVERITIES:
        raise ValidationError(
            f"{severity} inspection is not available yet; jejo ships the normal-inspection table only",
            [Problem(reason=f"one of {', '.join(SEVERITIES)}", field="severity")],
        )
    col = normalise_aql(aql)
    letter = code_letter(lot_size, level)
    letters, sizes, cells = _table_2a()
    i = letters.index(letter)
    step = 0
    for _ in range(len(letters) + 1):
        cell = cells[(letters[i], col)]
        if cell in ("up", "down"):
            want = -1 if cell == "up" else 1
            if step and want != step:  # turned back: the arrow pointed off the table (see the data file)
                want = step
            if not 0 <= i + want < len(letters):
                want = -want
            step = want
            i += want
            continue
        ac, re_ = (int(x) for x in cell.split("/"))
        n = sizes[letters[i]]
        return SamplingPlan(lot_size, level, col, letter, letters[i], min(n, lot_size), ac, re_)
    raise AssertionError(f"no plan found for {letter}/{col}")  # pragma: no cover
