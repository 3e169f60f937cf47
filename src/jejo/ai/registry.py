"""The model registry: trained model versions, their artifacts, metrics and lifecycle.

A model is registered as a *candidate* (version = the next number for its name), with the reference
and time range of the data it was trained on, its features, its metrics on held-out data and who
trained it. The artifact (joblib, see :mod:`jejo.ai.base`) goes under ``<data folder>/ai/models/`` and
its SHA-256 is recorded; loading checks it, so a swapped or damaged file is refused. A person
*promotes* a version (it becomes the one active version of its name; the previous one is retired) and
can *roll back* to the version that was active before.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.ai.base import load_model, save_model
from jejo.ai.tables import AiModel
from jejo.core.errors import Conflict, NotFound, Problem, ValidationError
from jejo.core.timeutil import utcnow

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
STATUSES = ("candidate", "active", "retired")
MODEL_DIR = Path("ai") / "models"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def register(
    session: Session,
    company_id: int,
    folder: Path,
    *,
    name: str,
    model: Any,
    features: list[str],
    data_ref: str,
    metrics: dict[str, Any],
    created_by: str,
    data_start: datetime | None = None,
    data_end: datetime | None = None,
    equipment: str | None = None,
    scope: dict[str, Any] | None = None,
    note: str = "",
) -> AiModel:
    """Store ``model`` as the next candidate version of ``name``; returns the registry row."""
    if not NAME_RE.match(name):
        raise ValidationError(
            f"model name {name!r} is not valid",
            [Problem(field="name", reason="1-64 letters, digits, '.', '_' or '-'")],
        )
    if not getattr(model, "fitted_", False):
        raise ValidationError(
            "only a fitted model can be registered", [Problem(field="model", reason="not fitted")]
        )
    last = session.scalar(
        select(func.max(AiModel.version)).where(AiModel.company_id == company_id, AiModel.name == name)
    )
    version = int(last or 0) + 1
    rel = MODEL_DIR / str(company_id) / f"{name}-v{version}.joblib"
    path = save_model(model, Path(folder) / rel, name=name, version=version, features=list(features))
    params = model.get_params() if hasattr(model, "get_params") else {}
    row = AiModel(
        company_id=company_id,
        name=name,
        version=version,
        kind=str(getattr(model, "kind", type(model).__name__)),
        status="candidate",
        equipment_code=equipment,
        features=list(features),
        scope=scope or {},
        params={
            k: v if isinstance(v, (int, float, str, bool, type(None))) else str(v) for k, v in params.items()
        },
        metrics=metrics,
        data_ref=data_ref[:300],
        data_start=data_start,
        data_end=data_end,
        artifact=rel.as_posix(),
        sha256=sha256_of(path),
        created_by=created_by,
        created_at=utcnow(),
        note=note[:500],
    )
    session.add(row)
    session.flush()
    return row


def get_model(session: Session, company_id: int, name: str, version: int | None = None) -> AiModel:
    """A version of ``name``; without ``version``, the active one."""
    stmt = select(AiModel).where(AiModel.company_id == company_id, AiModel.name == name)
    stmt = (
        stmt.where(AiModel.version == version)
        if version is not None
        else stmt.where(AiModel.status == "active")
    )
    row = session.scalar(stmt)
    if row is None:
        what = f"version {version}" if version is not None else "an active version"
        raise NotFound(f"model {name!r} has no {what}")
    return row


def list_models(session: Session, company_id: int, name: str | None = None) -> list[AiModel]:
    stmt = select(AiModel).where(AiModel.company_id == company_id)
    if name:
        stmt = stmt.where(AiModel.name == name)
    return list(session.scalars(stmt.order_by(AiModel.name, AiModel.version.desc())))


def active_models(session: Session, company_id: int, kind: str | None = None) -> list[AiModel]:
    stmt = select(AiModel).where(AiModel.company_id == company_id, AiModel.status == "active")
    if kind:
        stmt = stmt.where(AiModel.kind == kind)
    return list(session.scalars(stmt.order_by(AiModel.name)))


def load(row: AiModel, folder: Path) -> Any:
    """The estimator of a registry row; refuses a file whose SHA-256 differs from the recorded one."""
    path = Path(folder) / row.artifact
    if not path.is_file():
        raise NotFound(f"model {row.name} v{row.version}: artifact {row.artifact} is missing")
    digest = sha256_of(path)
    if digest != row.sha256:
        raise ValidationError(
            f"model {row.name} v{row.version}: artifact checksum mismatch "
            "(the file changed since it was registered)",
            [Problem(field="sha256", reason=f"expected {row.sha256[:12]}…, found {digest[:12]}…")],
        )
    model, _ = load_model(path)
    return model


def require_features(row: AiModel, df: pd.DataFrame) -> None:
    """Refuse an input that lacks any of the model's features (each missing column is named)."""
    missing = [c for c in row.features if c not in df.columns]
    if missing:
        raise ValidationError(
            f"model {row.name} v{row.version} needs column(s) {', '.join(missing)}",
            [Problem(field=c, reason="missing column (a feature of the model)") for c in missing],
        )


def promote(session: Session, company_id: int, name: str, version: int, actor: str) -> AiModel:
    """Make a version the active one of its name; the previously active version is retired."""
    row = get_model(session, company_id, name, version)
    if row.status == "active":
        raise Conflict(f"model {name} v{version} is already active")
    now = utcnow()
    for other in session.scalars(
        select(AiModel).where(
            AiModel.company_id == company_id, AiModel.name == name, AiModel.status == "active"
        )
    ):
        other.status = "retired"
        other.retired_at = now
    session.flush()
    row.status = "active"
    row.approved_by = actor
    row.approved_at = now
    row.retired_at = None
    session.flush()
    return row


def rollback(session: Session, company_id: int, name: str, actor: str) -> AiModel:
    """Retire the active version and re-activate the one that was active before it (the one approved
    last before it); its approval stays as it was and the rollback is noted on it."""
    current = get_model(session, company_id, name)
    previous = None
    if current.approved_at is not None:
        previous = session.scalar(
            select(AiModel)
            .where(
                AiModel.company_id == company_id,
                AiModel.name == name,
                AiModel.status == "retired",
                AiModel.approved_at.is_not(None),
                AiModel.approved_at < current.approved_at,
                AiModel.id != current.id,
            )
            .order_by(AiModel.approved_at.desc(), AiModel.version.desc())
            .limit(1)
        )
    if previous is None:
        raise Conflict(f"model {name} has no earlier active version to roll back to")
    now = utcnow()
    current.status = "retired"
    current.retired_at = now
    session.flush()
    previous.status = "active"
    previous.retired_at = None
    previous.scored_until = current.scored_until
    stamp = f"rolled back from v{current.version} by {actor} at {now:%Y-%m-%d %H:%M} UTC"
    previous.note = f"{previous.note}; {stamp}"[-500:] if previous.note else stamp
    session.flush()
    return previous


def retire(session: Session, company_id: int, name: str, version: int) -> AiModel:
    row = get_model(session, company_id, name, version)
    row.status = "retired"
    row.retired_at = utcnow()
    return row


def model_out(m: AiModel) -> dict[str, Any]:
    return {
        "name": m.name,
        "version": m.version,
        "kind": m.kind,
        "status": m.status,
        "equipment": m.equipment_code,
        "features": m.features,
        "scope": m.scope,
        "params": m.params,
        "metrics": m.metrics,
        "data_ref": m.data_ref,
        "data_start": m.data_start,
        "data_end": m.data_end,
        "artifact": m.artifact,
        "sha256": m.sha256,
        "created_by": m.created_by,
        "created_at": m.created_at,
        "approved_by": m.approved_by,
        "approved_at": m.approved_at,
        "retired_at": m.retired_at,
        "scored_until": m.scored_until,
        "note": m.note,
    }
