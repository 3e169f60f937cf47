"""Bad input to every estimator — missing columns, NaNs, wrong types, too few rows — gets a clear
ValidationError naming the column (and row where there is one), never a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.ai.conftest import cmapss_like, machine_table, telemetry

from jejo.ai.anomaly import DETECTORS
from jejo.ai.forecast import Forecaster
from jejo.ai.rul import RULRegressor
from jejo.ai.tabular import QualityClassifier, QualityRegressor
from jejo.core.errors import ValidationError

SMALL = {"n_estimators": 30}


def frame() -> pd.DataFrame:
    X, _ = telemetry()
    return pd.DataFrame(X, columns=["flow", "flow2", "pressure", "current", "temp"])


@pytest.mark.parametrize("name", list(DETECTORS))
def test_detectors_name_bad_columns(name: str) -> None:
    df = frame()
    text = df.astype(object)
    text.loc[12, "pressure"] = "n/a"
    with pytest.raises(ValidationError) as err:
        DETECTORS[name]().fit(text)
    assert [(p.field, p.row) for p in err.value.problems] == [("pressure", 12)]
    holes = df.copy()
    holes.loc[40, "current"] = np.nan
    with pytest.raises(ValidationError) as err:
        DETECTORS[name]().fit(holes)
    assert [(p.field, p.row) for p in err.value.problems] == [("current", 40)]
    with pytest.raises(ValidationError, match="rows; at least"):
        DETECTORS[name]().fit(df.iloc[:1])
    with pytest.raises(ValidationError, match="numbers only"):
        DETECTORS[name]().fit([["a", "b"], ["c", "d"]] * 10)
    det = DETECTORS[name]().fit(df.iloc[:300])
    with pytest.raises(ValidationError, match="fitted on 5"):
        det.score_samples(df.drop(columns=["temp"]))
    with pytest.raises(ValidationError) as err:
        det.score_samples(holes)
    assert err.value.problems[0].field == "current"


def test_rul_names_wrong_types_and_missing_sensors() -> None:
    train, _ = cmapss_like(units=4)
    bad = train.copy()
    bad["s7"] = bad["s7"].astype(object)
    bad.loc[3, "s7"] = "x"
    with pytest.raises(ValidationError) as err:
        RULRegressor(n_estimators=20, n_models=1, quantiles=None).fit(bad)
    assert [p.field for p in err.value.problems] == ["s7"]
    model = RULRegressor(n_estimators=20, n_models=1, quantiles=None).fit(train)
    with pytest.raises(ValidationError) as err:
        model.predict_last(train.drop(columns=[model.sensors_[0]]))
    assert model.sensors_[0] in {p.field for p in err.value.problems}
    with pytest.raises(ValidationError, match="no rows"):
        model.predict_last(train.iloc[:0])


def test_quality_models_name_the_target_and_need_both_classes() -> None:
    df = machine_table(300)
    X = df.drop(columns=["Machine failure"])
    y = df["Machine failure"].astype(float)
    y.iloc[9] = np.nan
    with pytest.raises(ValidationError) as err:
        QualityClassifier(**SMALL).fit(X, y)
    assert err.value.problems[0].field == "Machine failure"
    with pytest.raises(ValidationError, match="both classes"):
        QualityClassifier(**SMALL).fit(X, np.zeros(len(X)))
    few = df["Machine failure"].copy() * 0
    few.iloc[0] = 1
    with pytest.raises(ValidationError, match="at least 2 rows of each class"):
        QualityClassifier(**SMALL).fit(X, few)
    with pytest.raises(ValidationError, match="no rows"):
        QualityClassifier(**SMALL).fit(X.iloc[:0], df["Machine failure"].iloc[:0])
    target = pd.Series(np.arange(len(X), dtype=float), name="flatness")
    target.iloc[4] = np.nan
    with pytest.raises(ValidationError) as err:
        QualityRegressor(**SMALL).fit(X, target)
    assert [(p.field, p.row) for p in err.value.problems] == [("flatness", 4)]
    with pytest.raises(ValidationError, match="rows but y has"):
        QualityRegressor(**SMALL).fit(X, target.iloc[:10].fillna(0))


def test_forecaster_rejects_text() -> None:
    with pytest.raises(ValidationError) as err:
        Forecaster().fit(["12", "13", "many", "15", "16"])
    assert err.value.problems[0].field == "history"
