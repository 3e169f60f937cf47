"""Quality prediction from process parameters: defect / pass classification and quality regression.

Tables go in as pandas DataFrames. Numeric columns are used as they are (missing values allowed:
gradient boosting routes them); text columns with few distinct values are one-hot encoded; text
columns with many distinct values (identifiers, timestamps) are dropped and listed in
``dropped_columns_``. With few numeric columns, pairwise products and differences are added (physical
interactions such as power = torque × speed or a temperature difference are often what decides a
failure). Class imbalance is handled by weighting the rare class and by choosing the decision
threshold that maximises F1 on out-of-fold predictions of the training data.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from jejo.ai.base import JejoEstimator
from jejo.ai.metrics import confusion
from jejo.core.errors import Problem, ValidationError


class _TableFeatures(JejoEstimator):
    """Shared feature preparation (fitted on the training table, replayed on new tables)."""

    interactions: bool | str
    max_categories: int
    n_estimators: int
    learning_rate: float
    num_leaves: int
    min_child_samples: int
    colsample_bytree: float
    n_jobs: int
    random_state: int
    feature_names_: list[str]

    def _fit_features(self, X: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise ValidationError("input must be a table (pandas DataFrame)")
        if len(X) == 0:
            raise ValidationError("input has no rows")
        self.input_columns_ = [str(c) for c in X.columns]
        self.numeric_: list[str] = []
        self.categories_: dict[str, list[str]] = {}
        self.dropped_columns_: list[str] = []
        for c in X.columns:
            col = X[c]
            if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
                if col.notna().sum() == 0 or col.nunique(dropna=True) <= 1:
                    self.dropped_columns_.append(str(c))
                else:
                    self.numeric_.append(str(c))
                continue
            values = col.dropna().astype(str)
            numeric = pd.to_numeric(values, errors="coerce")
            if len(values) and numeric.notna().mean() > 0.95:  # numbers stored as text, a few typos
                bad = values[numeric.isna()]
                raise ValidationError(
                    f"column {c!r} is mostly numeric but holds text",
                    [Problem(field=str(c), row=int(bad.index[0]), reason=f"not a number: {bad.iloc[0]!r}")],
                )
            uniq = sorted(values.unique())
            if 1 < len(uniq) <= self.max_categories:
                self.categories_[str(c)] = uniq
            else:
                self.dropped_columns_.append(str(c))
        if not self.numeric_ and not self.categories_:
            raise ValidationError("no usable input columns (all constant, empty or identifiers)")
        use = (self.interactions == "auto" and 2 <= len(self.numeric_) <= 8) or self.interactions is True
        self.pairs_ = list(combinations(self.numeric_, 2)) if use else []
        return self._transform(X)

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        needed = self.numeric_ + list(self.categories_)
        missing = [c for c in needed if c not in X.columns]
        if missing:
            raise ValidationError(
                f"input lacks column(s) the model was trained on: {', '.join(missing)}",
                [Problem(field=c, reason="missing column") for c in missing],
            )
        parts: dict[str, Any] = {}
        problems: list[Problem] = []
        for c in self.numeric_:
            v = pd.to_numeric(X[c], errors="coerce")
            bad = v.isna() & X[c].notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                problems.append(Problem(field=c, row=row, reason=f"not a number: {X[c].iloc[row]!r}"))
            parts[c] = v.to_numpy(float)
        if problems:
            raise ValidationError("input has non-numeric values in numeric columns", problems)
        for a, b in self.pairs_:
            parts[f"{a}*{b}"] = parts[a] * parts[b]
            parts[f"{a}-{b}"] = parts[a] - parts[b]
        for c, cats in self.categories_.items():
            s = X[c].astype(str)
            for k in cats:
                parts[f"{c}={k}"] = (s == k).to_numpy(float)
        return pd.DataFrame(parts, index=X.index)

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self._transform(X)[self.feature_names_].to_numpy(float))

    def _lgb_params(self) -> dict[str, Any]:
        return dict(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            colsample_bytree=self.colsample_bytree,
            subsample=0.8,
            subsample_freq=1,
            reg_lambda=1.0,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            verbose=-1,
        )


def binary_target(y: pd.Series | np.ndarray, positive: Any = None, name: str = "target") -> np.ndarray:
    """Labels -> 0/1 with 1 = ``positive``; without it, 1 is the positive class of {0,1} or {-1,1}."""
    s = pd.Series(np.asarray(y))
    if s.isna().any():
        raise ValidationError(
            f"target column {name!r} has missing values", [Problem(field=name, reason="missing label")]
        )
    values = set(s.unique().tolist())
    if positive is None:
        if values <= {0, 1} or values <= {-1, 1} or values <= {"0", "1"} or values <= {"-1", "1"}:
            positive = 1
        else:
            raise ValidationError(
                f"target column {name!r} has values {sorted(map(str, values))[:5]}; say which is positive",
                [Problem(field=name, reason="give --positive VALUE")],
            )
    pos_str = str(positive)
    numeric = pd.to_numeric(s, errors="coerce")
    try:
        pos_num = float(positive)
    except (TypeError, ValueError):
        pos_num = None
    if pos_num is not None and numeric.notna().all():  # 1, 1.0 and "1" are the same label
        target = (numeric == pos_num).to_numpy(int)
    else:
        target = (s.astype(str) == pos_str).to_numpy(int)
    if target.sum() == 0 or target.sum() == len(target):
        raise ValidationError(
            f"target column {name!r} needs both classes; positive value {pos_str!r} "
            f"matches {int(target.sum())} of {len(target)} rows",
            [Problem(field=name, reason="only one class")],
        )
    return target


class QualityClassifier(_TableFeatures):
    """Defect / failure classifier (LightGBM) with class weighting and an F1-optimal threshold.

    Parameters
    ----------
    threshold: "f1" (choose by out-of-fold F1 on the training data) or a fixed probability.
    cv: folds for the out-of-fold threshold search.
    interactions: "auto" (pairwise products / differences when there are 2–8 numeric columns), True, False.
    max_categories: text columns with more distinct values are dropped as identifiers.
    """

    kind = "tabular-classifier"

    def __init__(
        self,
        threshold: str | float = "f1",
        cv: int = 5,
        interactions: bool | str = "auto",
        max_categories: int = 50,
        n_estimators: int = 400,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 10,
        colsample_bytree: float = 0.8,
        n_jobs: int = 1,
        random_state: int = 0,
    ) -> None:
        self.threshold = threshold
        self.cv = cv
        self.interactions = interactions
        self.max_categories = max_categories
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.colsample_bytree = colsample_bytree
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _model(self, y: np.ndarray) -> Any:
        import lightgbm as lgb

        pos = max(int(y.sum()), 1)
        return lgb.LGBMClassifier(scale_pos_weight=(len(y) - pos) / pos, **self._lgb_params())

    def fit(self, X: pd.DataFrame, y: Any, positive: Any = None) -> QualityClassifier:
        """Fit on a table and its labels (1 = the failure / defect class, see :func:`binary_target`)."""
        from sklearn.model_selection import StratifiedKFold

        if len(X) == 0:
            raise ValidationError("input has no rows")
        target = binary_target(y, positive, name=str(getattr(y, "name", None) or "target"))
        if len(target) != len(X):
            raise ValidationError(f"X has {len(X)} rows but y has {len(target)}")
        if target.sum() < 2 or (len(target) - target.sum()) < 2:
            raise ValidationError("need at least 2 rows of each class to fit")
        self.n_positive_ = int(target.sum())
        frame = self._fit_features(X)
        self.feature_names_ = list(frame.columns)
        F = frame.to_numpy(float)
        if isinstance(self.threshold, str):
            folds = max(2, min(self.cv, int(target.sum()), int(len(target) - target.sum())))
            oof = np.zeros(len(target))
            skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
            for tr, te in skf.split(F, target):
                oof[te] = self._model(target[tr]).fit(F[tr], target[tr]).predict_proba(F[te])[:, 1]
            self.threshold_ = best_f1_threshold(oof, target)
            self.oof_proba_ = oof
        else:
            self.threshold_ = float(self.threshold)
        self.model_ = self._model(target).fit(F, target)
        self.fitted_ = True
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of the positive (failure) class per row."""
        self._check_fitted()
        return np.asarray(self.model_.predict_proba(self._matrix(X))[:, 1])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X) >= self.threshold_).astype(int)

    def score(self, X: pd.DataFrame, y: Any) -> float:
        """F1 of the positive class (``y`` already 0/1)."""
        c = confusion(self.predict(X), np.asarray(y, int))
        return 2 * c.tp / max(2 * c.tp + c.fp + c.fn, 1)


def best_f1_threshold(proba: np.ndarray, y: np.ndarray) -> float:
    """The probability cut that maximises F1 of the positive class (midpoint between scores)."""
    order = np.argsort(-proba)
    p, t = proba[order], y[order]
    tp = np.cumsum(t)
    fp = np.cumsum(1 - t)
    f1 = 2 * tp / (tp + fp + t.sum())
    k = int(np.argmax(f1))
    nxt = p[k + 1] if k + 1 < len(p) else p[k] / 2
    return float((p[k] + nxt) / 2)


class QualityRegressor(_TableFeatures):
    """Regression of a quality characteristic (LightGBM); ``score`` is R²."""

    kind = "tabular-regressor"

    def __init__(
        self,
        interactions: bool | str = "auto",
        max_categories: int = 50,
        n_estimators: int = 400,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 10,
        colsample_bytree: float = 0.8,
        n_jobs: int = 1,
        random_state: int = 0,
    ) -> None:
        self.interactions = interactions
        self.max_categories = max_categories
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.colsample_bytree = colsample_bytree
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Any) -> QualityRegressor:
        import lightgbm as lgb

        name = str(getattr(y, "name", None) or "target")
        target = pd.to_numeric(pd.Series(np.asarray(y)), errors="coerce")
        if target.isna().any():
            row = int(np.flatnonzero(target.isna().to_numpy())[0])
            raise ValidationError(
                f"target column {name!r} has missing or non-numeric values",
                [Problem(field=name, row=row, reason="missing or not a number")],
            )
        if len(target) != len(X):
            raise ValidationError(f"X has {len(X)} rows but y has {len(target)}")
        F = self._fit_features(X)
        self.feature_names_ = list(F.columns)
        self.model_ = lgb.LGBMRegressor(**self._lgb_params()).fit(F.to_numpy(float), target.to_numpy(float))
        self.fitted_ = True
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        self._check_fitted()
        return np.asarray(self.model_.predict(self._matrix(X)))

    def score(self, X: pd.DataFrame, y: Any) -> float:
        from sklearn.metrics import r2_score

        return float(r2_score(np.asarray(y, float), self.predict(X)))
