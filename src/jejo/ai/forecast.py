"""Forecasting demand and output (one series at a time) with statsforecast's classical models.

``Forecaster(method="auto-ets", season_length=7).fit(history).predict(h)`` gives the mean forecast;
``predict_interval(h, level)`` adds prediction intervals. Methods: ``auto-ets``, ``auto-arima``,
``auto-theta``, ``croston`` (intermittent demand: many zeros), ``seasonal-naive`` (the baseline).
``score(history_tail, actual)`` is the negative MAE (higher is better).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from jejo.ai.base import JejoEstimator
from jejo.core.errors import Problem, ValidationError

METHODS = ("auto-ets", "auto-arima", "auto-theta", "croston", "seasonal-naive")


class Forecaster(JejoEstimator):
    """A univariate forecaster for regular series (daily demand, shift output, ...)."""

    kind = "forecast"

    def __init__(self, method: str = "auto-ets", season_length: int = 1) -> None:
        self.method = method
        self.season_length = season_length

    def _model(self) -> Any:
        from statsforecast import models as m

        s = max(int(self.season_length), 1)
        if self.method == "auto-ets":
            return m.AutoETS(season_length=s)
        if self.method == "auto-arima":
            return m.AutoARIMA(season_length=s)
        if self.method == "auto-theta":
            return m.AutoTheta(season_length=s)
        if self.method == "croston":
            return m.CrostonOptimized()
        if self.method == "seasonal-naive":
            return m.SeasonalNaive(season_length=s)
        raise ValidationError(
            f"unknown forecasting method {self.method!r}",
            [Problem(field="method", reason="one of " + ", ".join(METHODS))],
        )

    def fit(self, y: ArrayLike, X: Any = None) -> Forecaster:
        """Fit on the history ``y`` (oldest first; no gaps, no missing values)."""
        try:
            arr = np.asarray(y, dtype=float).ravel()
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"history must hold numbers only ({exc})", [Problem(field="history", reason="not a number")]
            ) from exc
        if not np.isfinite(arr).all():
            raise ValidationError("history has missing or infinite values; fill or drop them first")
        need = max(2 * max(int(self.season_length), 1), 4)
        if len(arr) < need:
            raise ValidationError(f"history has {len(arr)} points; at least {need} are needed")
        self.model_ = self._model().fit(arr)
        self.n_obs_ = len(arr)
        self.fitted_ = True
        return self

    def predict(self, h: int) -> np.ndarray:
        """Mean forecast for the next ``h`` periods."""
        self._check_fitted()
        return np.asarray(self.model_.predict(h=int(h))["mean"], dtype=float)

    def predict_interval(self, h: int, level: int = 80) -> dict[str, np.ndarray]:
        """``{"mean", "lo", "hi"}`` for the next ``h`` periods at the given coverage level (%)."""
        self._check_fitted()
        try:
            out = self.model_.predict(h=int(h), level=[level])
            lo, hi = out[f"lo-{level}"], out[f"hi-{level}"]
        except Exception:  # models without intervals (Croston): a zero-width band
            out = self.model_.predict(h=int(h))
            lo = hi = out["mean"]
        mean = np.asarray(out["mean"], float)
        return {"mean": mean, "lo": np.asarray(lo, float), "hi": np.asarray(hi, float)}

    def score(self, X: Any, y: ArrayLike) -> float:
        """Negative MAE of the next ``len(y)`` forecasts against ``y`` (``X`` is ignored)."""
        actual = np.asarray(y, dtype=float).ravel()
        return -float(np.mean(np.abs(self.predict(len(actual)) - actual)))
