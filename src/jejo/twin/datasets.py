"""Datasets in the KAMP convention (the national manufacturing-AI platform's CSV layout), both ways.

Export: a machine's or a process's (work center's, line's) history as one CSV (UTF-8 with BOM, comma
separated, one header row) and a data description (columns with units and meaning, sampling, label,
period, consent, anonymisation, checksum):

- ``cycle`` sampling: one row per cycle (each quantity report of a machine), with the process values
  of the machine's analog tags as they stood when the cycle ended, the cycle time, and the label
  ``PassOrFail`` (``Y`` good, ``N`` scrap or rework) with its ``Reason``;
- ``time`` sampling: one row per time step (e.g. 60 s) per machine, with the tags' means over the step,
  the parts counted, the machine state at the step's start, and the label ``Fault`` (1 when the machine
  was down at any moment of the step).

Nothing leaves without the firm's consent: the person who gave it and the purpose are required and
recorded (``twin_dataset_exports``) with the file's SHA-256. With a key, machine, product and work-order
codes are replaced by pseudonyms (HMAC-SHA256 of the code under the key): stable across exports made
with the same key, not reversible without it.

Import: KAMP-style CSVs (UTF-8, UTF-8 with BOM or CP949; ``,`` ``;`` tab or ``|``) with a label column
such as ``PassOrFail``, ready for :class:`jejo.ai.tabular.QualityClassifier`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo import __version__
from jejo.ai.io import sniff_delimiter
from jejo.core.errors import Problem, ValidationError
from jejo.core.timeutil import as_utc
from jejo.execution.tables import WorkOrder
from jejo.kpi import sources
from jejo.kpi.timeelements import Period
from jejo.masterdata.tables import Item
from jejo.telemetry.tables import TsSample, TsTag
from jejo.twin.data_tables import DatasetExport

FORMAT = "jejo-dataset/1 (KAMP CSV convention)"
SAMPLINGS = ("cycle", "time")
SCOPES = ("equipment", "work_center", "line")
MAX_PERIOD = timedelta(days=400)
MAX_TIME_ROWS = 2_000_000
#: label columns KAMP datasets use, and how their values read (1 = defect / fault)
LABEL_COLUMNS = (
    "PassOrFail",
    "Pass/Fail",
    "PASS_FAIL",
    "양품여부",
    "불량여부",
    "Fault",
    "Label",
    "label",
    "defect",
)
GOOD_VALUES = {"y", "yes", "ok", "pass", "p", "good", "양품", "합격", "정상", "0", "0.0", "false"}
BAD_VALUES = {"n", "no", "ng", "fail", "f", "bad", "defect", "불량", "불합격", "이상", "1", "1.0", "true"}
#: columns that restate the label (a model must not see them)
LEAKY_COLUMNS = ("Reason", "Scrap_Qty", "Rework_Qty", "Good_Qty", "불량사유", "불량유형")


@dataclass(frozen=True, slots=True)
class Consent:
    """The firm's consent to let this dataset out: who gave it, for what, to whom."""

    given_by: str
    purpose: str
    recipient: str | None = None

    def check(self) -> None:
        problems = []
        if not self.given_by.strip():
            problems.append(Problem(reason="name the person who gave the firm's consent", field="consent_by"))
        if not self.purpose.strip():
            problems.append(Problem(reason="say what the data is for", field="purpose"))
        if problems:
            raise ValidationError("no dataset without the firm's consent", problems)


@dataclass
class Dataset:
    csv: bytes
    description: dict[str, Any]
    record_id: int
    frame: pd.DataFrame = field(repr=False)

    @property
    def description_json(self) -> bytes:
        return json.dumps(self.description, ensure_ascii=False, indent=2).encode("utf-8")


def firm_key(secret: str, company_code: str) -> bytes:
    """The firm's pseudonymisation key: derived from the installation's secret and the company, so the
    same code gets the same pseudonym in every export of that company and a different one elsewhere."""
    return hmac.new(
        secret.encode(), f"jejo-dataset-pseudonyms:{company_code}".encode(), hashlib.sha256
    ).digest()


def pseudonym(key: bytes, kind: str, code: str) -> str:
    """A stable pseudonym of ``code`` under ``key`` (HMAC-SHA256; ``kind`` keeps spaces apart)."""
    prefix = {"equipment": "EQ", "item": "P", "work_order": "WO"}.get(kind, "X")
    digest = hmac.new(key, f"{kind}:{code}".encode(), hashlib.sha256).hexdigest()
    return f"{prefix}-{digest[:10].upper()}"


# ---- loading ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tag:
    id: int
    code: str
    equipment: str
    column: str
    unit: str | None
    description: str | None


def _feature_tags(session: Session, company_id: int, equipment: Sequence[str]) -> list[_Tag]:
    rows = session.scalars(
        select(TsTag)
        .where(TsTag.company_id == company_id, TsTag.equipment_code.in_(equipment), TsTag.role == "analog")
        .order_by(TsTag.code)
    )
    out = []
    for t in rows:
        eq = t.equipment_code or ""
        col = t.code[len(eq) + 1 :] if t.code.startswith(eq + ".") else t.code
        out.append(_Tag(t.id, t.code, eq, col, t.unit, t.description))
    return out


def _samples(session: Session, tags: Sequence[_Tag], start: datetime, end: datetime) -> pd.DataFrame:
    """Samples of the tags in [start - 1 h, end), as (ts, tag_id, value)."""
    if not tags:
        return pd.DataFrame({"ts": pd.Series(dtype="datetime64[ns, UTC]"), "tag_id": [], "value": []})
    rows = session.execute(
        select(TsSample.ts, TsSample.tag_id, TsSample.value)
        .where(
            TsSample.tag_id.in_([t.id for t in tags]),
            TsSample.ts >= start - timedelta(hours=1),
            TsSample.ts < end,
            TsSample.value.is_not(None),
        )
        .order_by(TsSample.ts)
    ).all()
    df = pd.DataFrame(rows, columns=["ts", "tag_id", "value"])
    df["ts"] = pd.to_datetime(df["ts"], utc=True)
    return df


def _check(scope: str, sampling: str, period: Period, step_s: float) -> None:
    problems = []
    if scope not in SCOPES:
        problems.append(Problem(reason=f"one of {', '.join(SCOPES)}", field="scope"))
    if sampling not in SAMPLINGS:
        problems.append(Problem(reason=f"one of {', '.join(SAMPLINGS)}", field="sampling"))
    if period.end - period.start > MAX_PERIOD:
        problems.append(Problem(reason="a dataset may span at most 400 days", field="to"))
    if sampling == "time" and not 1 <= step_s <= 86_400:
        problems.append(Problem(reason="the time step must be 1 s to 1 day", field="step_s"))
    elif sampling == "time" and period.seconds / step_s > MAX_TIME_ROWS:
        problems.append(
            Problem(reason=f"more than {MAX_TIME_ROWS} time steps; use a longer step", field="step_s")
        )
    if problems:
        raise ValidationError("dataset not exported", problems)


def _local(ts: pd.Series, tz: str) -> pd.Series:
    return ts.dt.tz_convert(ZoneInfo(tz)).dt.strftime("%Y-%m-%d %H:%M:%S")


def _cycle_frame(
    session: Session,
    company_id: int,
    equipment: list[sources.EquipmentInfo],
    period: Period,
    tags: list[_Tag],
) -> tuple[pd.DataFrame, dict[str, str]]:
    codes = [e.code for e in equipment]
    rows = sources.quantity_rows(session, company_id, period, codes)
    wo_items = dict(
        session.execute(
            select(WorkOrder.code, Item.code)
            .join(Item, Item.id == WorkOrder.item_id)
            .where(WorkOrder.company_id == company_id, WorkOrder.code.in_({r.work_order for r in rows}))
        ).all()
    )
    df = pd.DataFrame(
        {
            "ts": pd.to_datetime([r.at for r in rows], utc=True),
            "EQUIP_CD": [r.equipment for r in rows],
            "PART_NO": [wo_items.get(r.work_order, "") for r in rows],
            "WORK_ORDER": [r.work_order for r in rows],
            "OP_SEQ": [r.seq for r in rows],
            "Good_Qty": [r.good for r in rows],
            "Scrap_Qty": [r.scrap for r in rows],
            "Rework_Qty": [r.rework for r in rows],
            "Reason": [r.reason_code or "" for r in rows],
            "Std_Cycle_Time": [r.cycle_time_s for r in rows],
        }
    )
    df = df.sort_values(["EQUIP_CD", "ts"], kind="stable").reset_index(drop=True)
    parts = (df["Good_Qty"] + df["Scrap_Qty"] + df["Rework_Qty"]).replace(0, np.nan)
    gap = df.groupby("EQUIP_CD")["ts"].diff().dt.total_seconds()
    df["Cycle_Time"] = (gap / parts).round(3)
    samples = _samples(session, tags, period.start, period.end)
    columns = sorted({t.column for t in tags})
    for col in columns:
        df[col] = np.nan
    for eq in codes:
        mask = df["EQUIP_CD"] == eq
        if not mask.any():
            continue
        left = df.loc[mask, ["ts"]].reset_index()
        for t in (t for t in tags if t.equipment == eq):
            s = samples[samples["tag_id"] == t.id][["ts", "value"]]
            if s.empty:
                continue
            joined = pd.merge_asof(
                left.sort_values("ts"),
                s,
                on="ts",
                direction="backward",
                tolerance=pd.Timedelta(3600, unit="s"),
            )
            df.loc[joined["index"].to_numpy(), t.column] = joined["value"].to_numpy()
    df["PassOrFail"] = np.where((df["Scrap_Qty"] > 0) | (df["Rework_Qty"] > 0), "N", "Y")
    df = df.sort_values(["ts", "EQUIP_CD"], kind="stable").reset_index(drop=True)
    units = {t.column: t.unit or "" for t in tags}
    return df, units


def _time_frame(
    session: Session,
    company_id: int,
    equipment: list[sources.EquipmentInfo],
    period: Period,
    tags: list[_Tag],
    step_s: float,
) -> tuple[pd.DataFrame, dict[str, str]]:
    codes = [e.code for e in equipment]
    step = pd.Timedelta(step_s, unit="s")
    grid = pd.date_range(pd.Timestamp(period.start), pd.Timestamp(period.end), freq=step, inclusive="left")
    intervals = sources.state_intervals(session, company_id, codes, period)
    rows = sources.quantity_rows(session, company_id, period, codes)
    samples = _samples(session, tags, period.start, period.end)
    samples = samples[samples["ts"] >= pd.Timestamp(period.start)]
    columns = sorted({t.column for t in tags})
    frames = []
    for eq in codes:
        f = pd.DataFrame({"ts": grid})
        f["EQUIP_CD"] = eq
        state = np.array([""] * len(grid), dtype=object)
        fault = np.zeros(len(grid), dtype=int)
        for iv in intervals.get(eq, []):
            a = (pd.Timestamp(as_utc(iv.start)) - grid[0]) / step if len(grid) else 0
            b = (pd.Timestamp(as_utc(iv.end)) - grid[0]) / step if len(grid) else 0
            lo, hi = max(0, int(np.floor(a))), min(len(grid), int(np.ceil(b)))
            if hi <= lo:
                continue
            first_full = max(0, int(np.ceil(a)))
            state[first_full:hi] = iv.state
            if lo < first_full and state[lo] == "":
                state[lo] = iv.state
            if iv.state == "down":
                fault[lo:hi] = 1
        f["State"] = state
        good = np.zeros(len(grid))
        scrap = np.zeros(len(grid))
        for r in rows:
            if r.equipment != eq:
                continue
            i = int((pd.Timestamp(r.at) - grid[0]) / step)
            if 0 <= i < len(grid):
                good[i] += r.good
                scrap[i] += r.scrap + r.rework
        f["Good_Qty"] = good
        f["Scrap_Qty"] = scrap
        for col in columns:
            f[col] = np.nan
        for t in (t for t in tags if t.equipment == eq):
            s = samples[samples["tag_id"] == t.id]
            if s.empty:
                continue
            idx = ((s["ts"] - grid[0]) / step).astype(int)
            means = s.groupby(idx.to_numpy())["value"].mean()
            means = means[(means.index >= 0) & (means.index < len(grid))]
            vals = f[t.column].to_numpy(copy=True)
            vals[means.index.to_numpy()] = means.to_numpy()
            f[t.column] = vals
        f["Fault"] = fault
        frames.append(f)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["ts", "EQUIP_CD"])
    df = df.sort_values(["ts", "EQUIP_CD"], kind="stable").reset_index(drop=True)
    return df, {t.column: t.unit or "" for t in tags}


# ---- export -------------------------------------------------------------------------------------

_FIXED: dict[str, tuple[str, str, str, str]] = {
    # name: (description, unit, type, role)
    "_id": ("row number", "", "integer", "id"),
    "TimeStamp": (
        "when the cycle ended / the time step began (local time, see timezone)",
        "",
        "datetime",
        "time",
    ),
    "EQUIP_CD": ("machine code", "", "string", "id"),
    "PART_NO": ("product (item) code", "", "string", "id"),
    "WORK_ORDER": ("work order code", "", "string", "id"),
    "OP_SEQ": ("operation number in the routing", "", "integer", "id"),
    "Good_Qty": ("good parts counted", "EA", "number", "outcome"),
    "Scrap_Qty": ("scrapped parts counted", "EA", "number", "outcome"),
    "Rework_Qty": ("parts sent to rework", "EA", "number", "outcome"),
    "Reason": ("reason code of scrap or rework (empty for good cycles)", "", "string", "outcome"),
    "Std_Cycle_Time": ("standard (ideal) cycle time of the machine or operation", "s", "number", "feature"),
    "Cycle_Time": ("actual time per part since the machine's previous cycle", "s", "number", "feature"),
    "State": (
        "machine state at the start of the step (running, idle, down, setup, planned_stop, off)",
        "",
        "string",
        "feature",
    ),
    "PassOrFail": ("label: Y = good cycle, N = scrap or rework in the cycle", "", "string", "label"),
    "Fault": ("label: 1 = the machine was down at some moment of the step, else 0", "", "integer", "label"),
}


def export_dataset(
    session: Session,
    company_id: int,
    *,
    scope: str,
    code: str,
    period: Period,
    consent: Consent,
    actor: str,
    sampling: str = "cycle",
    step_s: float = 60.0,
    key: bytes | None = None,
) -> Dataset:
    """Export a dataset and record the export with the consent. ``key`` turns on pseudonymisation."""
    consent.check()
    _check(scope, sampling, period, step_s)
    equipment = sources.resolve_equipment(session, company_id, scope, code)
    tz = sources.site_timezone(session, company_id)
    tags = _feature_tags(session, company_id, [e.code for e in equipment])
    if sampling == "cycle":
        df, units = _cycle_frame(session, company_id, equipment, period, tags)
    else:
        df, units = _time_frame(session, company_id, equipment, period, tags, step_s)
    ts = df.pop("ts")
    df.insert(0, "TimeStamp", _local(ts, tz) if len(ts) else pd.Series(dtype=str))
    df.insert(0, "_id", np.arange(1, len(df) + 1))
    label = "PassOrFail" if sampling == "cycle" else "Fault"
    df = df[[c for c in df.columns if c != label] + [label]]
    anonymised: list[str] = []
    scope_code = code
    if key is not None:
        for col, kind in (("EQUIP_CD", "equipment"), ("PART_NO", "item"), ("WORK_ORDER", "work_order")):
            if col in df.columns:
                mapping = {v: pseudonym(key, kind, v) for v in df[col].unique() if v}
                df[col] = df[col].map(lambda v, m=mapping: m.get(v, v))
                anonymised.append(col)
        renames = {}
        for c in df.columns:
            new = c
            for e in equipment:
                new = new.replace(e.code, pseudonym(key, "equipment", e.code))
            if new != c:
                renames[c] = new
        df = df.rename(columns=renames)
        units = {renames.get(k, k): v for k, v in units.items()}
        scope_code = pseudonym(key, scope if scope == "equipment" else "scope", code)
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\r\n", float_format="%.6g")
    data = buf.getvalue().encode("utf-8-sig")
    sha = hashlib.sha256(data).hexdigest()
    record = DatasetExport(
        company_id=company_id,
        scope=scope,
        code=code,
        sampling=sampling,
        period_start=period.start,
        period_end=period.end,
        consent_by=consent.given_by.strip(),
        purpose=consent.purpose.strip(),
        recipient=consent.recipient,
        exported_by=actor,
        anonymised=key is not None,
        rows=len(df),
        sha256=sha,
    )
    session.add(record)
    session.flush()
    descriptions = {t.column: (t.description or f"tag {t.column}") for t in tags}
    columns = []
    for c in df.columns:
        if c in _FIXED:
            d, u, typ, role = _FIXED[c]
        else:
            d, u, typ, role = descriptions.get(c, f"tag {c}"), units.get(c, ""), "number", "feature"
            if sampling == "time":
                d += f" (mean over the {step_s:g} s step)"
            else:
                d += " (last value at the end of the cycle)"
        columns.append({"name": c, "description": d, "unit": u, "type": typ, "role": role})
    description: dict[str, Any] = {
        "format": FORMAT,
        "generator": f"jejo {__version__}",
        "title": f"{'cycles' if sampling == 'cycle' else 'time steps'} of {scope} {scope_code}",
        "scope": {"kind": scope, "code": scope_code, "machines": len(equipment)},
        "period": {"from": as_utc(period.start).isoformat(), "to": as_utc(period.end).isoformat()},
        "timezone": tz,
        "sampling": (
            {"unit": "cycle", "description": "one row per quantity report (cycle) of a machine"}
            if sampling == "cycle"
            else {
                "unit": "time_step",
                "step_s": step_s,
                "aggregation": "mean",
                "description": "one row per machine and time step",
            }
        ),
        "file": {
            "encoding": "UTF-8 with BOM",
            "delimiter": ",",
            "line_end": "CRLF",
            "header": True,
            "rows": len(df),
            "sha256": sha,
        },
        "columns": columns,
        "label": (
            {
                "column": "PassOrFail",
                "values": {"Y": "good cycle", "N": "scrap or rework in the cycle"},
                "positive": "N",
            }
            if sampling == "cycle"
            else {
                "column": "Fault",
                "values": {"0": "no breakdown in the step", "1": "the machine was down in the step"},
                "positive": "1",
            }
        ),
        "anonymisation": {
            "applied": key is not None,
            "method": "HMAC-SHA256 of the code under the firm's key, first 10 hex digits"
            if key is not None
            else None,
            "columns": anonymised,
        },
        "consent": {
            "given_by": record.consent_by,
            "purpose": record.purpose,
            "recipient": record.recipient,
            "recorded_at": as_utc(record.created_at).isoformat(timespec="seconds"),
            "record": record.id,
        },
    }
    return Dataset(data, description, record.id, df)


def bundle(ds: Dataset, name: str) -> bytes:
    """The CSV and its data description in one ZIP (``<name>.csv``, ``<name>.description.json``)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{name}.csv", ds.csv)
        z.writestr(f"{name}.description.json", ds.description_json)
    return buf.getvalue()


def export_out(r: DatasetExport) -> dict[str, Any]:
    return {
        "id": r.id,
        "created_at": as_utc(r.created_at).isoformat(),
        "scope": r.scope,
        "code": r.code,
        "sampling": r.sampling,
        "from": as_utc(r.period_start).isoformat(),
        "to": as_utc(r.period_end).isoformat(),
        "consent_by": r.consent_by,
        "purpose": r.purpose,
        "recipient": r.recipient,
        "exported_by": r.exported_by,
        "anonymised": r.anonymised,
        "rows": r.rows,
        "sha256": r.sha256,
    }


def list_exports(session: Session, company_id: int, limit: int = 50) -> list[DatasetExport]:
    return list(
        session.scalars(
            select(DatasetExport)
            .where(DatasetExport.company_id == company_id)
            .order_by(DatasetExport.created_at.desc(), DatasetExport.id.desc())
            .limit(limit)
        )
    )


# ---- reading ------------------------------------------------------------------------------------


def decode(data: bytes, what: str = "input") -> str:
    """Text of a KAMP CSV: UTF-8 (with or without BOM) or CP949 (EUC-KR and its extension)."""
    for enc in ("utf-8-sig", "cp949"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        f"{what}: neither UTF-8 nor CP949 text", [Problem(reason="unknown encoding", field="encoding")]
    )


def read_kamp_csv(source: str | Path | bytes, what: str | None = None) -> pd.DataFrame:
    """Read a KAMP-style CSV (delimiter detected; UTF-8, BOM or CP949)."""
    if isinstance(source, bytes):
        data, name = source, what or "input"
    else:
        p = Path(source)
        if not p.is_file():
            raise FileNotFoundError(f"input file not found: {p}")
        data, name = p.read_bytes(), what or p.name
    text = decode(data, name)
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise ValidationError(f"{name} is empty or has no header line")
    df = pd.read_csv(io.StringIO(text), sep=sniff_delimiter(first), skipinitialspace=True)
    df.columns = [str(c).strip() for c in df.columns]
    dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dupes:
        raise ValidationError(
            f"{name}: duplicate column names", [Problem(field=c, reason="duplicate column") for c in dupes]
        )
    return df


def read_dataset(csv: bytes | Path, description: dict[str, Any] | Path) -> pd.DataFrame:
    """Read a dataset jejo exported and check it against its description (checksum, rows, columns)."""
    data = csv.read_bytes() if isinstance(csv, Path) else csv
    desc = (
        json.loads(description.read_text(encoding="utf-8")) if isinstance(description, Path) else description
    )
    problems = []
    if hashlib.sha256(data).hexdigest() != desc["file"]["sha256"]:
        problems.append(Problem(reason="the file's SHA-256 differs from the description's", field="sha256"))
    if not data.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem(reason="a KAMP CSV starts with a UTF-8 byte order mark", field="encoding"))
    df = read_kamp_csv(data, "dataset")
    names = [c["name"] for c in desc["columns"]]
    if list(df.columns) != names:
        problems.append(
            Problem(
                reason=f"columns {list(df.columns)} differ from the description's {names}", field="columns"
            )
        )
    if len(df) != desc["file"]["rows"]:
        problems.append(
            Problem(reason=f"{len(df)} rows, the description says {desc['file']['rows']}", field="rows")
        )
    if problems:
        raise ValidationError("dataset does not match its description", problems)
    return df


def label_column(df: pd.DataFrame, label: str | None = None) -> str:
    if label is not None:
        if label not in df.columns:
            raise ValidationError(
                f"no label column {label!r}", [Problem(field="label", reason="missing column")]
            )
        return label
    for c in LABEL_COLUMNS:
        if c in df.columns:
            return c
    raise ValidationError(
        "no label column found",
        [Problem(field="label", reason=f"name it; known label columns: {', '.join(LABEL_COLUMNS)}")],
    )


def binary_labels(values: pd.Series, column: str) -> np.ndarray:
    """KAMP labels → 1 (defect, fail, fault) / 0 (good); every value it cannot read is named."""
    out = np.empty(len(values), dtype=int)
    for i, v in enumerate(values):
        s = str(v).strip().lower()
        if s in GOOD_VALUES:
            out[i] = 0
        elif s in BAD_VALUES:
            out[i] = 1
        else:
            raise ValidationError(
                f"label column {column!r} holds a value that is neither good nor bad",
                [Problem(field=column, row=i + 2, reason=f"{v!r}: expected e.g. Y/N, OK/NG, 양품/불량, 0/1")],
            )
    return out


@dataclass(frozen=True)
class Training:
    model: Any
    label: str
    features: list[str]
    rows: int
    defects: int
    test_rows: int
    f1: float
    accuracy: float

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "features": self.features,
            "rows": self.rows,
            "defects": self.defects,
            "test_rows": self.test_rows,
            "f1": round(self.f1, 4),
            "accuracy": round(self.accuracy, 4),
            "dropped_columns": list(getattr(self.model, "dropped_columns_", [])),
        }


def train_quality_model(
    df: pd.DataFrame,
    label: str | None = None,
    drop: Sequence[str] = (),
    test_size: float = 0.25,
    random_state: int = 0,
) -> Training:
    """Train jejo's quality classifier on a KAMP table: label read as defect/good, identifier, time and
    outcome columns left out, scored on a stratified hold-out."""
    from sklearn.model_selection import train_test_split

    from jejo.ai.tabular import QualityClassifier

    col = label_column(df, label)
    y = binary_labels(df[col], col)
    leave = {col, *drop, *(c for c in LEAKY_COLUMNS if c in df.columns)}
    leave |= {
        c for c in df.columns if c.lower() in ("_id", "id", "timestamp", "time", "date") or c.startswith("_")
    }
    features = [c for c in df.columns if c not in leave]
    if not features:
        raise ValidationError(
            "no feature columns left", [Problem(field="columns", reason="only ids, time and label")]
        )
    if min(int(y.sum()), int(len(y) - y.sum())) < 4:
        raise ValidationError(
            "need at least 4 rows of each class", [Problem(field=col, reason="too few defects or goods")]
        )
    X = df[features]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, stratify=y, random_state=random_state)
    model = QualityClassifier(random_state=random_state).fit(Xtr, ytr)
    pred = model.predict(Xte)
    return Training(
        model,
        col,
        features,
        len(df),
        int(y.sum()),
        len(yte),
        float(model.score(Xte, yte)),
        float((pred == yte).mean()),
    )
