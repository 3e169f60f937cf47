"""Checks on the shared benchmark data (skipped when ../shared/data is absent).

The fast ones use a few files or a slice; the full benchmark figures come from bench/ai.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jejo.ai.anomaly import PCADetector
from jejo.ai.io import read_cmapss, read_table
from jejo.ai.metrics import Confusion, confusion, rmse
from jejo.ai.rul import RULRegressor

from .conftest import shared


def _skab(files: list) -> tuple[Confusion, Confusion]:
    ours, ref = Confusion(0, 0, 0, 0), Confusion(0, 0, 0, 0)
    plain = dict(slow_ratio=0.0, smooth=1, quantile=0.99, threshold_margin=1.0, alarm_filter=1)
    for f in files:
        df = pd.read_csv(f, sep=";")
        X = df.drop(columns=["datetime", "anomaly", "changepoint"]).to_numpy(float)
        y = df["anomaly"].to_numpy(int)
        ours = ours + confusion(PCADetector().fit(X[:400]).predict(X)[400:], y[400:])
        ref = ref + confusion(PCADetector(**plain).fit(X[:400]).predict(X)[400:], y[400:])
    return ours, ref


def test_skab_valve_files_beat_plain_t2q() -> None:
    files = sorted(shared("ai", "skab", "valve1").glob("*.csv"))[:4]
    ours, ref = _skab(files)
    assert ours.f1 > ref.f1 and ours.far < ref.far
    assert ours.f1 > 0.75 and ours.far < 25


@pytest.mark.slow
def test_skab_protocol_meets_the_target() -> None:
    files = [f for d in ("valve1", "other") for f in sorted(shared("ai", "skab", d).glob("*.csv"))]
    ours, ref = _skab(files)
    assert ours.f1 > 0.78 and ours.far < 20 and ours.f1 > ref.f1


def test_ai4i_reads_with_bom_and_has_the_documented_labels() -> None:
    df = read_table(shared("ai", "ai4i2020", "ai4i2020.csv"))
    assert df.columns[0] == "UDI" and len(df) == 10_000
    assert int(df["Machine failure"].sum()) == 339


@pytest.mark.slow
def test_ai4i_failure_f1_above_080() -> None:
    from sklearn.model_selection import train_test_split

    from jejo.ai.tabular import QualityClassifier

    df = read_table(shared("ai", "ai4i2020", "ai4i2020.csv"))
    y = df["Machine failure"].to_numpy(int)
    X = df.drop(columns=["Machine failure", "TWF", "HDF", "PWF", "OSF", "RNF", "UDI", "Product ID"])
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
    assert QualityClassifier().fit(Xtr, ytr).score(Xte, yte) >= 0.80


def test_cmapss_slice_learns_something() -> None:
    train = read_cmapss(shared("ai", "cmapss", "train_FD001.txt"))
    fit_units = train[train["unit"] <= 30]
    held = train[(train["unit"] > 80) & (train["unit"] <= 100)]
    # cut each held-out unit at a random point and predict the remaining life there
    rng = np.random.default_rng(0)
    parts, truth = [], []
    for _, g in held.groupby("unit"):
        stop = int(rng.integers(30, len(g) - 1))
        parts.append(g.iloc[:stop])
        truth.append(min(len(g) - stop, 125))
    model = RULRegressor(n_estimators=100, learning_rate=0.1, quantiles=None, n_models=1).fit(fit_units)
    err = rmse(model.predict(pd.concat(parts)), np.array(truth, float))
    assert err < 0.6 * np.std(truth), err


@pytest.mark.slow
def test_cmapss_fd001_rmse_at_most_13() -> None:
    d = shared("ai", "cmapss")
    model = RULRegressor().fit(read_cmapss(d / "train_FD001.txt"))
    truth = np.loadtxt(d / "RUL_FD001.txt")
    assert rmse(model.predict(read_cmapss(d / "test_FD001.txt")), truth) <= 13.0
