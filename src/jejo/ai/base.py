"""The estimator protocol shared by jejo's models, and saving / loading them with metadata."""

from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import joblib
from sklearn.base import BaseEstimator

from jejo.core.errors import ValidationError

FORMAT = "jejo-ai-model/1"


@runtime_checkable
class Estimator(Protocol):
    """What every jejo estimator offers (scikit-learn conventions)."""

    def fit(self, X: Any, y: Any = None) -> Any: ...

    def predict(self, X: Any) -> Any: ...

    def score(self, X: Any, y: Any) -> float: ...

    def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def set_params(self, **params: Any) -> Any: ...


class JejoEstimator(BaseEstimator):
    """Base class: parameters live in ``__init__`` (get_params / set_params / clone work)."""

    kind: str = "estimator"

    def _check_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            raise ValidationError(f"{type(self).__name__} is not fitted yet; call fit() first")


def save_model(model: Any, path: str | Path, **metadata: Any) -> Path:
    """Store ``model`` with joblib, together with a metadata dict (kind, params, versions, time)."""
    import sklearn

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "kind": getattr(model, "kind", type(model).__name__),
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "params": model.get_params() if hasattr(model, "get_params") else {},
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
    }
    meta.update(metadata)
    joblib.dump({"meta": meta, "model": model}, path, compress=3)
    return path


def load_model(path: str | Path, kind: str | None = None) -> tuple[Any, dict[str, Any]]:
    """Load a model stored by :func:`save_model`; check its kind when ``kind`` is given."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        blob = joblib.load(path)
    except Exception as exc:  # a truncated or foreign file
        raise ValidationError(f"{path} is not a jejo model file ({exc})") from exc
    if not isinstance(blob, dict) or blob.get("meta", {}).get("format") != FORMAT:
        raise ValidationError(f"{path} is not a jejo model file")
    meta = blob["meta"]
    if kind is not None and meta.get("kind") != kind:
        raise ValidationError(f"{path} holds a '{meta.get('kind')}' model, not a '{kind}' model")
    return blob["model"], meta
