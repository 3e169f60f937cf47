"""Remaining useful life (RUL) from run-to-failure histories (C-MAPSS style), with uncertainty.

Input: a table with ``unit``, ``cycle``, operating settings and sensor columns (one row per unit and
cycle). Training units run to failure, so their RUL at cycle t is (last cycle − t), capped
piecewise-linearly at ``rul_cap`` (early life looks healthy and is not predictable). Sensors are
normalised per operating condition (settings rounded), constant sensors are dropped, and each cycle
gets trailing-window features (level, means, slopes, spread) per sensor. A LightGBM regressor
predicts the capped RUL; two quantile models, conformalised on held-out units, give an interval
(``rul_lo`` / ``rul_hi``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from jejo.ai.base import JejoEstimator
from jejo.ai.io import require_columns
from jejo.ai.metrics import rmse
from jejo.core.errors import Problem, ValidationError


def capped_rul(df: pd.DataFrame, cap: float) -> np.ndarray:
    """Training target: (last cycle of the unit − cycle), capped at ``cap``."""
    last = df.groupby("unit")["cycle"].transform("max")
    return np.minimum((last - df["cycle"]).to_numpy(float), cap)


def _roll_mean(x: np.ndarray, pos: np.ndarray, w: int) -> np.ndarray:
    """Trailing mean over the last ``w`` rows of the same unit (rows sorted by unit, cycle)."""
    cs = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(len(x))
    lo = i - np.minimum(pos, w - 1)
    return np.asarray((cs[i + 1] - cs[lo]) / (i + 1 - lo))


def _unit_baseline(x: np.ndarray, units: np.ndarray, pos: np.ndarray, n: int) -> np.ndarray:
    """Mean of the first ``n`` cycles of each unit, broadcast to its rows (the unit's own normal)."""
    early = pd.Series(x[pos < n]).groupby(units[pos < n]).mean()
    return np.asarray(pd.Series(units).map(early).to_numpy(float))


class RULRegressor(JejoEstimator):
    """Gradient-boosted RUL model on trailing-window features.

    Parameters
    ----------
    rul_cap: piecewise-linear cap of the training target (cycles).
    windows: trailing window lengths (cycles) for the rolling means.
    slope_window: window length for the rolling least-squares slope.
    baseline_cycles: the first cycles of each unit that define its own normal (for drift features).
    n_estimators, learning_rate, num_leaves, min_child_samples, colsample_bytree: LightGBM settings.
    n_models: point models averaged (bagging seeds ``random_state + k``; lowers the seed spread).
    quantiles: lower / upper quantile of the interval (None = no interval models); the interval is
        conformalised on held-out units, so it aims at (upper − lower) coverage of the capped RUL.
    n_jobs: LightGBM threads (1 by default: on a busy machine more threads than free cores slow
        OpenMP down by an order of magnitude).
    """

    kind = "rul"

    def __init__(
        self,
        rul_cap: float = 125.0,
        windows: Sequence[int] = (5, 10, 20, 30),
        slope_window: int = 30,
        baseline_cycles: int = 30,
        n_estimators: int = 600,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 50,
        colsample_bytree: float = 0.5,
        quantiles: tuple[float, float] | None = (0.1, 0.9),
        n_models: int = 3,
        n_jobs: int = 1,
        random_state: int = 0,
    ) -> None:
        self.rul_cap = rul_cap
        self.windows = windows
        self.slope_window = slope_window
        self.baseline_cycles = baseline_cycles
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.colsample_bytree = colsample_bytree
        self.quantiles = quantiles
        self.n_models = n_models
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- features -----------------------------------------------------------------------------
    @staticmethod
    def _check(df: pd.DataFrame, what: str) -> None:
        require_columns(df, ["unit", "cycle"], what)
        if df.empty:
            raise ValidationError(f"{what}: no rows")
        problems = [
            Problem(field=c, reason="not numeric / has missing values")
            for c in df.columns
            if not pd.api.types.is_numeric_dtype(df[c]) or df[c].isna().any()
        ]
        if problems:
            raise ValidationError(f"{what}: bad columns", problems)

    def _conditions(self, df: pd.DataFrame) -> pd.Series:
        if not self.settings_:
            return pd.Series(0, index=df.index)
        decimals = zip(self.settings_, self.setting_decimals_, strict=True)
        parts = [df[c].round(d).astype(str) for c, d in decimals]
        key = parts[0]
        for p in parts[1:]:
            key = key + "|" + p
        return key

    def _normalise(self, df: pd.DataFrame) -> pd.DataFrame:
        cond = self._conditions(df)
        out = pd.DataFrame(index=df.index)
        for c in self.sensors_:
            mu = cond.map(self.cond_mean_[c]).fillna(self.global_mean_[c])
            sd = cond.map(self.cond_std_[c]).fillna(self.global_std_[c])
            out[c] = (df[c] - mu) / sd
        return out

    def _features(self, df: pd.DataFrame) -> pd.DataFrame:
        df = df.sort_values(["unit", "cycle"], kind="stable")
        z = self._normalise(df)
        units = df["unit"].to_numpy()
        pos = df.groupby("unit", sort=False).cumcount().to_numpy()
        t = df["cycle"].to_numpy(float)
        feats: dict[str, np.ndarray] = {"cycle": t}
        w = self.slope_window
        mt, mtt = _roll_mean(t, pos, w), _roll_mean(t * t, pos, w)
        var_t = mtt - mt * mt
        hi = (z[self.sensors_].to_numpy() * self.sign_).mean(axis=1)
        for c, s in [*((c, z[c].to_numpy()) for c in self.sensors_), ("hi", hi)]:
            feats[c] = s
            for win in self.windows:
                feats[f"{c}_m{win}"] = _roll_mean(s, pos, win)
            ms = _roll_mean(s, pos, w)
            cov = _roll_mean(s * t, pos, w) - ms * mt
            feats[f"{c}_slope"] = np.where(var_t > 1e-9, cov / np.maximum(var_t, 1e-9), 0.0)
            msq = _roll_mean(s * s, pos, 10)
            m10 = _roll_mean(s, pos, 10)
            feats[f"{c}_sd10"] = np.sqrt(np.maximum(msq - m10 * m10, 0.0))
            base = _unit_baseline(s, units, pos, self.baseline_cycles)
            feats[f"{c}_drift"] = feats[f"{c}_m{max(self.windows)}"] - base
        out = pd.DataFrame(feats, index=df.index)
        out.insert(0, "unit", units)
        return out

    # -- API ----------------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: Any = None) -> RULRegressor:
        """Fit on run-to-failure histories (``y`` ignored: the target comes from the cycles)."""
        import lightgbm as lgb

        self._check(X, "training data")
        counts = X.groupby("unit")["cycle"].count()
        if len(counts) < 2 or counts.min() < 2:
            raise ValidationError("training data: need at least 2 units with at least 2 cycles each")
        cols = [c for c in X.columns if c not in ("unit", "cycle")]
        self.settings_ = [c for c in cols if c.startswith("setting")]
        self.setting_decimals_ = [0, 2, 0][: len(self.settings_)] + [1] * max(0, len(self.settings_) - 3)
        sensors = [c for c in cols if c not in self.settings_]
        cond = self._conditions(X)
        self.global_mean_ = X[sensors].mean()
        self.global_std_ = X[sensors].std().replace(0, 1.0).fillna(1.0)
        grp = X[sensors].groupby(cond)
        self.cond_mean_ = {c: grp[c].mean() for c in sensors}
        self.cond_std_ = {c: grp[c].std().where(lambda s: s > 1e-8) for c in sensors}
        # informative sensors: not constant within conditions
        self.sensors_ = sensors
        z = self._normalise(X)
        std = z.std()
        self.sensors_ = [c for c in sensors if np.isfinite(std[c]) and std[c] > 1e-3 and z[c].nunique() > 2]
        if not self.sensors_:
            raise ValidationError("training data: every sensor is constant; nothing to learn from")
        target = capped_rul(X, self.rul_cap)
        corr = np.array([np.corrcoef(z[c].fillna(0.0), target)[0, 1] for c in self.sensors_])
        self.sign_ = np.where(np.nan_to_num(corr) >= 0, 1.0, -1.0)
        F = self._features(X)
        yt = pd.Series(target, index=X.index).loc[F.index].to_numpy()
        Xf = F.drop(columns=["unit"])
        self.feature_names_ = list(Xf.columns)
        common: dict[str, Any] = dict(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=self.colsample_bytree,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            verbose=-1,
        )
        self.models_ = [
            lgb.LGBMRegressor(**{**common, "random_state": self.random_state + k}).fit(Xf, yt)
            for k in range(max(1, self.n_models))
        ]
        self.quantile_models_: list[Any] = []
        self.interval_margin_ = 0.0
        if self.quantiles:
            self._fit_interval(Xf, yt, F["unit"].to_numpy(), common)
        self.n_units_ = len(counts)
        self.fitted_ = True
        return self

    def _fit_interval(
        self, Xf: pd.DataFrame, yt: np.ndarray, units: np.ndarray, common: dict[str, Any]
    ) -> None:
        """Conformalised quantile regression: quantile models on 80 % of the units, the interval then
        widened by the margin that makes it cover the other 20 % units' rows at the nominal level."""
        import lightgbm as lgb

        rng = np.random.default_rng(self.random_state)
        uniq = np.unique(units)
        calib_units = rng.choice(uniq, size=max(1, len(uniq) // 5), replace=False)
        calib = np.isin(units, calib_units)
        params = {**common, "n_estimators": max(100, self.n_estimators // 2)}
        for q in self.quantiles or ():
            qmodel = lgb.LGBMRegressor(objective="quantile", alpha=q, **params)
            self.quantile_models_.append(qmodel.fit(Xf[~calib], yt[~calib]))
        lo = self.quantile_models_[0].predict(Xf[calib])
        hi = self.quantile_models_[1].predict(Xf[calib])
        conformity = np.maximum(lo - yt[calib], yt[calib] - hi)
        level = (
            min(1.0, (self.quantiles[1] - self.quantiles[0]) * (1 + 1 / calib.sum()))
            if self.quantiles
            else 0.8
        )
        self.interval_margin_ = max(0.0, float(np.quantile(conformity, level)))

    def predict_last(self, X: pd.DataFrame) -> pd.DataFrame:
        """One row per unit at its last cycle: ``unit, rul`` (+ ``rul_lo, rul_hi`` with quantiles)."""
        self._check_fitted()
        self._check(X, "test data")
        require_columns(X, self.sensors_ + self.settings_, "test data")
        F = self._features(X)
        last = F.groupby("unit", sort=True).tail(1).sort_values("unit")
        Xf = last[self.feature_names_]
        out = pd.DataFrame({"unit": last["unit"].astype(int).to_numpy()})
        point = np.mean([m.predict(Xf) for m in self.models_], axis=0)
        out["rul"] = np.clip(point, 0.0, self.rul_cap)
        if self.quantile_models_:
            m = self.interval_margin_
            lo = np.clip(self.quantile_models_[0].predict(Xf) - m, 0.0, self.rul_cap)
            hi = np.clip(self.quantile_models_[1].predict(Xf) + m, 0.0, self.rul_cap)
            out["rul_lo"] = np.minimum(lo, out["rul"])
            out["rul_hi"] = np.maximum(hi, out["rul"])
        return out

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted RUL at the last cycle of each unit (units in ascending order)."""
        return np.asarray(self.predict_last(X)["rul"].to_numpy())

    def score(self, X: pd.DataFrame, y: Any) -> float:
        """Negative RMSE against the true RUL per unit (higher is better, scikit-learn convention)."""
        return -rmse(self.predict(X), np.asarray(y, float))
