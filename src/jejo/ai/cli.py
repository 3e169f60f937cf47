"""``jejo ai``: anomaly detection, remaining useful life and quality prediction from the command line.

Files written by a command are the results; stdout carries only a short summary (one JSON object
with ``--json``), errors go to stderr with a non-zero exit. Heavy libraries load inside commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True, help="Anomaly detection, RUL, quality prediction.")
rul_app = typer.Typer(no_args_is_help=True, help="Remaining useful life (C-MAPSS format).")
tabular_app = typer.Typer(no_args_is_help=True, help="Quality / failure classification from a table.")
app.add_typer(rul_app, name="rul")
app.add_typer(tabular_app, name="tabular")

JSON_OPT = typer.Option(False, "--json", help="Print one JSON object on stdout.")


def _summary(obj: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in obj.items())


@app.command("detect")
def detect(
    input: Path = typer.Option(..., "--input", help="CSV (';' or ',' separated, detected)."),
    time_col: str = typer.Option(..., "--time-col", help="Timestamp column (copied to the output)."),
    train_rows: int = typer.Option(..., "--train-rows", help="Only the first N rows are used for fitting."),
    output: Path = typer.Option(..., "--output", help="CSV with the time column, score and anomaly."),
    ignore_cols: str = typer.Option("", "--ignore-cols", help="Comma-separated columns to leave out."),
    method: str = typer.Option("pca", "--method", help="pca | robust-z | iforest | ewma"),
    as_json: bool = JSON_OPT,
) -> None:
    """Unsupervised anomaly detection on one multivariate series."""
    with cli_errors():
        import pandas as pd

        from jejo.ai.anomaly import DETECTORS
        from jejo.ai.io import numeric_matrix, read_table, require_columns, split_names, write_csv
        from jejo.core.errors import Problem, ValidationError

        if method not in DETECTORS:
            raise ValidationError(
                f"unknown method {method!r}",
                [Problem(field="method", reason=f"one of {', '.join(DETECTORS)}")],
            )
        df = read_table(input)
        ignore = split_names(ignore_cols)
        require_columns(df, [time_col, *ignore], str(input.name))
        channels = [c for c in df.columns if c != time_col and c not in ignore]
        if not channels:
            raise ValidationError(f"{input.name}: no data columns besides {time_col!r}")
        if train_rows < 10 or train_rows > len(df):
            raise ValidationError(
                f"--train-rows {train_rows}: need 10 ≤ N ≤ {len(df)} (rows in the file)",
                [Problem(field="train-rows", reason="out of range")],
            )
        X = numeric_matrix(df, channels, what=str(input.name))
        det = DETECTORS[method]().fit(X[:train_rows])
        score = det.score_samples(X)
        flags = det.predict(X)
        out = pd.DataFrame({time_col: df[time_col], "score": score.round(6), "anomaly": flags.astype(int)})
        write_csv(out, output)
        emit(
            {
                "rows": len(df),
                "train_rows": train_rows,
                "channels": len(channels),
                "method": method,
                "anomalies": int(flags.sum()),
                "output": str(output),
            },
            as_json,
            _summary,
        )


@rul_app.command("fit")
def rul_fit(
    train: Path = typer.Option(..., "--train", help="C-MAPSS train file (unit, cycle, settings, sensors)."),
    out: Path = typer.Option(..., "--out", help="Model file to write."),
    as_json: bool = JSON_OPT,
) -> None:
    """Fit a RUL model on run-to-failure histories."""
    with cli_errors():
        from jejo.ai.base import save_model
        from jejo.ai.io import read_cmapss
        from jejo.ai.rul import RULRegressor

        df = read_cmapss(train)
        model = RULRegressor().fit(df)
        save_model(model, out, train_file=train.name, units=model.n_units_, sensors=model.sensors_)
        emit(
            {"units": model.n_units_, "rows": len(df), "sensors": len(model.sensors_), "model": str(out)},
            as_json,
            _summary,
        )


@rul_app.command("predict")
def rul_predict(
    model: Path = typer.Option(..., "--model", help="Model file from `jejo ai rul fit`."),
    test: Path = typer.Option(..., "--test", help="C-MAPSS test file."),
    output: Path = typer.Option(..., "--output", help="CSV: unit,rul,rul_lo,rul_hi (last cycle per unit)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Predict the RUL of each test unit at its last cycle."""
    with cli_errors():
        from jejo.ai.base import load_model
        from jejo.ai.io import read_cmapss, write_csv

        est, _ = load_model(model, kind="rul")
        pred = est.predict_last(read_cmapss(test)).round(3)
        write_csv(pred, output)
        emit({"units": len(pred), "output": str(output)}, as_json, _summary)


@tabular_app.command("fit")
def tabular_fit(
    train: Path = typer.Option(..., "--train", help="CSV with features and the target column."),
    target: str = typer.Option(..., "--target", help="Label column."),
    out: Path = typer.Option(..., "--out", help="Model file to write."),
    drop_cols: str = typer.Option("", "--drop-cols", help="Comma-separated columns not to use as inputs."),
    positive: str | None = typer.Option(None, "--positive", help="Label value of the positive (fail) class."),
    as_json: bool = JSON_OPT,
) -> None:
    """Fit a failure / defect classifier (class imbalance handled)."""
    with cli_errors():
        from jejo.ai.base import save_model
        from jejo.ai.io import read_table, require_columns, split_names
        from jejo.ai.tabular import QualityClassifier

        df = read_table(train)
        drop = split_names(drop_cols)
        require_columns(df, [target, *drop], str(train.name))
        X = df.drop(columns=[target, *drop])
        pos: Any = positive
        if positive is not None:
            try:
                pos = int(positive) if float(positive).is_integer() else positive
            except ValueError:
                pos = positive
        clf = QualityClassifier().fit(X, df[target], positive=pos)
        save_model(
            clf,
            out,
            target=target,
            positive=str(pos if pos is not None else 1),
            dropped=drop,
            unused_columns=clf.dropped_columns_,
        )
        info = {
            "rows": len(df),
            "positives": clf.n_positive_,
            "features": len(clf.feature_names_),
            "threshold": round(clf.threshold_, 4),
            "unused_columns": clf.dropped_columns_,
            "model": str(out),
        }
        emit(info, as_json, _summary)


@tabular_app.command("predict")
def tabular_predict(
    model: Path = typer.Option(..., "--model", help="Model file from `jejo ai tabular fit`."),
    input: Path = typer.Option(..., "--input", help="CSV with the same feature columns."),
    output: Path = typer.Option(..., "--output", help="CSV: row,proba,pred."),
    as_json: bool = JSON_OPT,
) -> None:
    """Probability of the failure class and the 0/1 decision for every input row."""
    with cli_errors():
        import numpy as np
        import pandas as pd

        from jejo.ai.base import load_model
        from jejo.ai.io import read_table, write_csv

        clf, _ = load_model(model, kind="tabular-classifier")
        df = read_table(input)
        proba = clf.predict_proba(df)
        pred = (proba >= clf.threshold_).astype(int)
        write_csv(pd.DataFrame({"row": np.arange(len(df)), "proba": proba.round(6), "pred": pred}), output)
        info = {"rows": len(df), "predicted_positive": int(pred.sum()), "output": str(output)}
        emit(info, as_json, _summary)


@app.command("score")
def score(
    company: str = typer.Option(..., "--company", help="Company code."),
    every: float = typer.Option(0.0, "--every", help="Seconds between runs (0 = run once and exit)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Score the active machine-health models on new telemetry, raise findings, run the playbooks."""
    with cli_errors():
        import threading

        from jejo.ai import schedule
        from jejo.core.runtime import Runtime

        rt = Runtime()
        if every > 0:
            schedule.run(rt, company, threading.Event(), every_s=every)
            return
        folder = rt.settings.ensure_data_dir()
        with rt.transaction() as s:
            run = schedule.tick(s, _company_id(s, company), folder)
            info = {
                "models": run.models,
                "windows": run.windows,
                "new_findings": len(run.new_findings),
                "updated_findings": len(run.updated_findings),
                "actions": [f"{a.action}:{a.status}:{a.target or '-'}" for a in run.actions],
                "errors": run.errors,
            }
        emit(info, as_json, _summary)


def _company_id(session: Any, code: str) -> int:
    from sqlalchemy import select

    from jejo.core.errors import NotFound
    from jejo.core.tenancy import Company

    cid = session.scalar(select(Company.id).where(Company.code == code))
    if cid is None:
        raise NotFound(f"company {code!r} does not exist")
    return int(cid)


def _when(value: str, option: str) -> Any:
    from datetime import datetime

    from jejo.core.errors import Problem, ValidationError
    from jejo.core.timeutil import as_utc

    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise ValidationError(
            f"{option} is not a date and time", [Problem(field=option, reason=f"{value!r} is not ISO 8601")]
        ) from None


@app.command("challenge")
def challenge(
    company: str = typer.Option(..., "--company", help="Company code."),
    name: str = typer.Option(..., "--name", help="Model name, e.g. health-MC-01."),
    start: str = typer.Option(..., "--start", help="Fresh data from (ISO 8601; no zone = UTC)."),
    end: str = typer.Option(..., "--end", help="Fresh data up to (ISO 8601)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Champion (active version) against the newest candidate on fresh telemetry, judged by the findings
    people confirmed; the result is kept on the candidate."""
    with cli_errors():
        from jejo.ai import lifecycle
        from jejo.core.runtime import Runtime

        rt = Runtime()
        a, b = _when(start, "--start"), _when(end, "--end")
        with rt.transaction() as s:
            out = lifecycle.challenge(s, _company_id(s, company), rt.settings.ensure_data_dir(), name, a, b)
        emit(
            out,
            as_json,
            lambda o: (
                f"recommend={o['recommend']}, windows={o['windows']}, confirmed={o['confirmed_windows']}, "
                + ", ".join(
                    f"{r} v{o[r]['version']}: caught={o[r]['caught']} unwanted={o[r]['unwanted_alarms']}"
                    for r in ("champion", "challenger")
                )
            ),
        )


@app.command("drift")
def drift(
    company: str = typer.Option(..., "--company", help="Company code."),
    name: str = typer.Option(..., "--name", help="Model name, e.g. health-MC-01."),
    start: str = typer.Option(..., "--start", help="Recent data from (ISO 8601; no zone = UTC)."),
    end: str = typer.Option(..., "--end", help="Recent data up to (ISO 8601)."),
    version: int = typer.Option(0, "--version", help="Model version (0 = the active one)."),
    as_json: bool = JSON_OPT,
) -> None:
    """How far each feature of the recent telemetry moved from the model's training data (PSI: < 0.1
    stable, 0.1-0.25 moved, > 0.25 drifted — retrain)."""
    with cli_errors():
        from jejo.ai import lifecycle
        from jejo.core.runtime import Runtime

        rt = Runtime()
        a, b = _when(start, "--start"), _when(end, "--end")
        with rt.transaction() as s:
            out = lifecycle.drift(s, _company_id(s, company), name, a, b, version or None)
        emit(out, as_json, lambda o: f"status={o['status']}, worst={o['worst']}, psi={o['psi']}")
