"""RUL, quality classification / regression and forecasting estimators on small synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jejo.ai.forecast import Forecaster
from jejo.ai.metrics import rmse
from jejo.ai.rul import RULRegressor, capped_rul
from jejo.ai.tabular import QualityClassifier, QualityRegressor, best_f1_threshold, binary_target
from jejo.core.errors import ValidationError

from .conftest import cmapss_like, machine_table

SMALL = dict(n_estimators=100, learning_rate=0.1, min_child_samples=20, n_jobs=1)


def test_capped_rul_target() -> None:
    df = pd.DataFrame({"unit": [1, 1, 1, 2, 2], "cycle": [1, 2, 3, 1, 2]})
    assert capped_rul(df, 1.5).tolist() == [1.5, 1.0, 0.0, 1.0, 0.0]


def test_rul_regressor_beats_the_mean_and_gives_intervals() -> None:
    train, _ = cmapss_like(units=20, seed=1)
    test, truth = cmapss_like(units=20, seed=2, truncate=True)
    model = RULRegressor(**SMALL, n_models=2).fit(train)
    assert len(model.models_) == 2
    assert "s1" not in model.sensors_ and "s2" in model.sensors_  # constant sensors dropped
    out = model.predict_last(test)
    assert out["unit"].tolist() == list(range(1, 21))
    assert (out["rul_lo"] <= out["rul"]).all() and (out["rul"] <= out["rul_hi"]).all()
    capped_truth = np.minimum(truth, model.rul_cap)
    err = rmse(out["rul"], capped_truth)
    baseline = rmse(np.full(len(truth), capped_truth.mean()), capped_truth)
    assert err < 0.6 * baseline, (err, baseline)
    assert model.score(test, capped_truth) == pytest.approx(-err)


def test_rul_bad_input_names_the_column() -> None:
    train, _ = cmapss_like(units=3)
    with pytest.raises(ValidationError, match="cycle"):
        RULRegressor(**SMALL, n_models=1).fit(train.drop(columns=["cycle"]))
    bad = train.copy()
    bad.loc[5, "s3"] = np.nan
    with pytest.raises(ValidationError, match="field=s3"):
        RULRegressor(**SMALL).fit(bad)
    with pytest.raises(ValidationError, match="at least 2 units"):
        RULRegressor(**SMALL).fit(train[train["unit"] == 1])


def test_quality_classifier_uses_interactions_and_an_f1_threshold() -> None:
    df = machine_table(1600, seed=3)
    X = df.drop(columns=["Machine failure", "PWF", "OSF"])
    y = df["Machine failure"]
    clf = QualityClassifier(**SMALL, cv=3).fit(X.iloc[:1200], y.iloc[:1200])
    assert {"UDI", "Product ID"} - set(clf.dropped_columns_) == {"UDI"}  # UDI is numeric: used
    assert "Product ID" in clf.dropped_columns_ and "Type" in clf.categories_
    proba = clf.predict_proba(X.iloc[1200:])
    assert ((proba >= 0) & (proba <= 1)).all()
    f1_with = clf.score(X.iloc[1200:], y.iloc[1200:])
    plain = QualityClassifier(**SMALL, cv=3, interactions=False).fit(X.iloc[:1200], y.iloc[:1200])
    assert f1_with > 0.8 and f1_with > plain.score(X.iloc[1200:], y.iloc[1200:])


def test_binary_target_and_threshold() -> None:
    assert binary_target(pd.Series([-1, 1, -1])).tolist() == [0, 1, 0]
    assert binary_target(pd.Series(["ok", "bad"]), positive="bad").tolist() == [0, 1]
    assert binary_target(pd.Series([0.0, 1.0, 2.0]), positive="1").tolist() == [0, 1, 0]
    with pytest.raises(ValidationError, match="say which is positive"):
        binary_target(pd.Series(["ok", "bad"]), name="label")
    with pytest.raises(ValidationError, match="both classes"):
        binary_target(pd.Series([0, 0]))
    thr = best_f1_threshold(np.array([0.9, 0.8, 0.3, 0.1]), np.array([1, 1, 0, 0]))
    assert 0.3 < thr < 0.8


def test_quality_classifier_names_bad_columns() -> None:
    df = machine_table(200)
    X = df.drop(columns=["Machine failure"])
    X["Torque [Nm]"] = X["Torque [Nm]"].astype(object)
    X.loc[7, "Torque [Nm]"] = "oops"
    with pytest.raises(ValidationError, match=r"Torque \[Nm\]"):
        QualityClassifier(**SMALL).fit(X, df["Machine failure"])
    clf = QualityClassifier(**SMALL, cv=2).fit(df.drop(columns=["Machine failure"]), df["Machine failure"])
    with pytest.raises(ValidationError, match="Tool wear"):
        clf.predict_proba(df.drop(columns=["Tool wear [min]"]))


def test_quality_regressor() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "temp": rng.normal(200, 5, 400),
            "speed": rng.normal(50, 5, 400),
            "line": rng.choice(["A", "B"], 400),
        }
    )
    y = 0.5 * X["temp"] - X["speed"] + np.where(X["line"] == "B", 3.0, 0.0) + rng.normal(0, 0.5, 400)
    reg = QualityRegressor(**SMALL).fit(X.iloc[:300], y.iloc[:300])
    assert reg.score(X.iloc[300:], y.iloc[300:]) > 0.8


@pytest.mark.parametrize(
    "method",
    [
        # the first auto-ETS / auto-ARIMA call in a process compiles numba code (10+ s)
        pytest.param("auto-ets", marks=pytest.mark.slow),
        pytest.param("auto-arima", marks=pytest.mark.slow),
        "croston",
        "seasonal-naive",
    ],
)
def test_forecaster_tracks_a_weekly_pattern(method: str) -> None:
    rng = np.random.default_rng(0)
    y = 20 + 5 * np.sin(np.arange(140) * 2 * np.pi / 7) + rng.normal(0, 0.5, 140)
    f = Forecaster(method, season_length=7).fit(y[:126])
    band = f.predict_interval(14, level=80)
    assert band["mean"].shape == (14,) and (band["lo"] <= band["hi"]).all()
    mae = -f.score(None, y[126:])
    flat = float(np.mean(np.abs(y[126:] - y[:126].mean())))
    if method == "croston":  # intermittent-demand model: a level, no season
        assert mae < 1.5 * flat
    else:
        assert mae < 0.5 * flat, (method, mae, flat)


def test_forecaster_rejects_short_or_missing_history() -> None:
    with pytest.raises(ValidationError, match="at least 14"):
        Forecaster(season_length=7).fit(np.arange(10.0))
    with pytest.raises(ValidationError, match="missing"):
        Forecaster().fit([1.0, np.nan, 2.0, 3.0, 4.0])
    with pytest.raises(ValidationError, match="unknown forecasting method"):
        Forecaster("magic").fit(np.arange(20.0))
