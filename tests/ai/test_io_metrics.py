"""CSV reading (delimiters, BOM, column errors) and the benchmark metrics."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jejo.ai.io import numeric_matrix, read_table, require_columns, sniff_delimiter, split_names
from jejo.ai.metrics import confusion, nab_normalised, nab_raw_score, onsets, phm08_score, rmse
from jejo.core.errors import ValidationError


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_read_table_detects_delimiter_and_strips_bom(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(
        ("\ufeff" + sep.join(["time", "a b", "c"]) + "\n" + sep.join(["t0", "1.5", "2"]) + "\n").encode(
            "utf-8"
        )
    )
    df = read_table(path)
    assert list(df.columns) == ["time", "a b", "c"]
    assert df["a b"].iloc[0] == 1.5


def test_sniff_prefers_the_delimiter_that_splits_the_header() -> None:
    assert sniff_delimiter("a;b;c,d") == ";"
    assert sniff_delimiter("a,b,c") == ","
    assert sniff_delimiter("single") == ","
    assert split_names(" a, b ,,") == ["a", "b"]


def test_missing_and_bad_columns_are_named() -> None:
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["1", "x"], "c": [1.0, np.nan]})
    with pytest.raises(ValidationError) as err:
        require_columns(df, ["a", "zz"])
    assert "zz" in str(err.value) and "a," not in str(err.value)
    with pytest.raises(ValidationError) as err:
        numeric_matrix(df, ["a", "b", "c"])
    text = str(err.value)
    assert "field=b" in text and "'x'" in text and "field=c" in text and "missing" in text
    assert numeric_matrix(df, ["a"]).tolist() == [[1.0], [2.0]]


def test_confusion_rates_follow_skab_definitions() -> None:
    c = confusion([1, 1, 0, 0, 1, 0], [1, 0, 0, 1, 1, 0])
    assert (c.tp, c.fp, c.fn, c.tn) == (2, 1, 1, 2)
    assert c.f1 == pytest.approx(2 / (2 + 1))
    assert c.far == pytest.approx(100 / 3)
    assert c.mar == pytest.approx(100 / 3)
    assert (c + c).tp == 4


def test_rmse_and_phm08() -> None:
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    # late by 10 -> e^1 - 1; early by 13 -> e^1 - 1
    assert phm08_score([20, 0], [10, 13]) == pytest.approx(2 * (math.e - 1))
    assert phm08_score([5], [5]) == 0.0


def test_nab_score_rewards_early_detection_and_punishes_false_alarms() -> None:
    windows = [(100, 199)]
    early = nab_raw_score([100], windows)
    late = nab_raw_score([190], windows)
    assert early == pytest.approx(1.0, abs=1e-6) and 0 < late < early
    assert nab_raw_score([], windows) == -1.0
    assert nab_raw_score([10, 100], windows) == pytest.approx(1.0 - 0.11)
    assert nab_raw_score([10], windows, start=50) == -1.0  # probationary rows are not scored
    assert nab_normalised(1.0, 1) == 100.0 and nab_normalised(-1.0, 1) == 0.0
    assert onsets([0, 1, 1, 0, 1]).tolist() == [1, 3, 4]


def test_nab_score_follows_the_sweeper_formulas() -> None:
    """Values computed by hand from NAB's sweeper: in-window position -(b - i + 1) / (b - a + 1),
    false positives after a window at (i - b) / (b - a), full A_fp from 3 window lengths on."""

    def sig(x: float) -> float:
        return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0

    windows = [(100, 199)]  # 100 rows wide
    assert nab_raw_score([149], windows) == pytest.approx(sig(-0.51) / sig(-1.0))
    assert nab_raw_score([199], windows) == pytest.approx(sig(-0.01) / sig(-1.0))
    assert nab_raw_score([149, 120], windows) == pytest.approx(sig(-0.80) / sig(-1.0))  # the earliest counts
    # a false positive 51 rows after the window costs less than one far away
    assert nab_raw_score([149, 250], windows) == pytest.approx(sig(-0.51) / sig(-1.0) + 0.11 * sig(51 / 99))
    assert nab_raw_score([496], windows) == pytest.approx(-1.0 - 0.11)  # 3 window lengths past: full A_fp
    assert nab_raw_score([10], [(100, 199)], profile="reward_low_fp") == pytest.approx(-1.0 - 0.22)
    assert nab_raw_score([], windows, profile="reward_low_fn") == -2.0
    # two windows, one hit at its first row, one missed: normalised 50
    assert nab_normalised(nab_raw_score([100], [(100, 199), (400, 499)]), 2) == pytest.approx(50.0)
