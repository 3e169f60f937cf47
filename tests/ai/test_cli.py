"""The `jejo ai` benchmark contract, through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from jejo.ai.cli import app

from .conftest import cmapss_like, machine_table, telemetry, write_cmapss

runner = CliRunner()


def _telemetry_csv(path: Path, sep: str = ";") -> pd.DataFrame:
    X, _ = telemetry()
    df = pd.DataFrame(X, columns=["Acc", "Flow rate", "Current", "Pressure", "Temp"])
    df.insert(0, "datetime", pd.date_range("2020-03-09 10:00", periods=len(df), freq="s").astype(str))
    df["label_note"] = "x"
    df.to_csv(path, sep=sep, index=False)
    return df


def test_detect_writes_every_row_in_order(tmp_path: Path) -> None:
    src = _telemetry_csv(tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    args = [
        "detect",
        "--input",
        str(tmp_path / "in.csv"),
        "--time-col",
        "datetime",
        "--train-rows",
        "300",
        "--ignore-cols",
        "label_note",
        "--output",
        str(out),
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # one JSON object, no logs
    res = pd.read_csv(out)
    assert list(res.columns) == ["datetime", "score", "anomaly"]
    assert res["datetime"].tolist() == src["datetime"].tolist()
    assert set(res["anomaly"].unique()) <= {0, 1} and summary["anomalies"] == int(res["anomaly"].sum())
    assert res["anomaly"].iloc[380:480].mean() > 0.9 and res["anomaly"].iloc[:300].mean() < 0.05


def test_detect_comma_file_and_errors_name_the_column(tmp_path: Path) -> None:
    _telemetry_csv(tmp_path / "in.csv", sep=",")
    base = [
        "detect",
        "--input",
        str(tmp_path / "in.csv"),
        "--time-col",
        "datetime",
        "--output",
        str(tmp_path / "o.csv"),
    ]
    # the text column is not ignored: error names it
    r = runner.invoke(app, [*base, "--train-rows", "300"])
    assert r.exit_code != 0 and "label_note" in r.stderr and r.stdout == ""
    r = runner.invoke(app, [*base, "--train-rows", "5", "--ignore-cols", "label_note"])
    assert r.exit_code != 0 and "train-rows" in r.stderr
    r = runner.invoke(app, [*base, "--train-rows", "300", "--ignore-cols", "nope"])
    assert r.exit_code != 0 and "nope" in r.stderr
    r = runner.invoke(app, [*base, "--time-col", "when", "--train-rows", "300"])
    assert r.exit_code != 0 and "when" in r.stderr
    df = pd.read_csv(tmp_path / "in.csv")
    df.loc[10, "Flow rate"] = np.nan
    df.to_csv(tmp_path / "nan.csv", index=False)
    r = runner.invoke(
        app,
        [
            "detect",
            "--input",
            str(tmp_path / "nan.csv"),
            "--time-col",
            "datetime",
            "--train-rows",
            "300",
            "--ignore-cols",
            "label_note",
            "--output",
            str(tmp_path / "o.csv"),
        ],
    )
    assert r.exit_code != 0 and "Flow rate" in r.stderr and "row=10" in r.stderr


def test_rul_fit_predict(tmp_path: Path) -> None:
    train, _ = cmapss_like(units=10, seed=4)
    test, truth = cmapss_like(units=8, seed=5, truncate=True)
    write_cmapss(train, tmp_path / "train.txt")
    write_cmapss(test, tmp_path / "test.txt")
    model, out = tmp_path / "m.joblib", tmp_path / "pred.csv"
    r = runner.invoke(
        app, ["rul", "fit", "--train", str(tmp_path / "train.txt"), "--out", str(model), "--json"]
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["units"] == 10
    r = runner.invoke(
        app,
        ["rul", "predict", "--model", str(model), "--test", str(tmp_path / "test.txt"), "--output", str(out)],
    )
    assert r.exit_code == 0, r.output
    pred = pd.read_csv(out)
    assert list(pred.columns[:2]) == ["unit", "rul"] and pred["unit"].tolist() == list(range(1, 9))
    assert np.corrcoef(pred["rul"], np.minimum(truth, 125))[0, 1] > 0.7
    # wrong kind of model / wrong file shape
    (tmp_path / "bad.txt").write_text("1 2 3\n")
    r = runner.invoke(app, ["rul", "fit", "--train", str(tmp_path / "bad.txt"), "--out", str(model)])
    assert r.exit_code != 0 and "26" in r.stderr


def test_tabular_fit_predict_with_bom(tmp_path: Path) -> None:
    df = machine_table(900, seed=6)
    train = tmp_path / "train.csv"
    train.write_bytes(b"\xef\xbb\xbf" + df.iloc[:700].to_csv(index=False).encode())
    test = tmp_path / "test.csv"
    df.iloc[700:].drop(columns=["Machine failure"]).to_csv(test, index=False)
    model, out = tmp_path / "clf.joblib", tmp_path / "pred.csv"
    r = runner.invoke(
        app,
        [
            "tabular",
            "fit",
            "--train",
            str(train),
            "--target",
            "Machine failure",
            "--drop-cols",
            "UDI,Product ID,PWF,OSF",
            "--positive",
            "1",
            "--out",
            str(model),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["positives"] == int(df.iloc[:700]["Machine failure"].sum())
    r = runner.invoke(
        app, ["tabular", "predict", "--model", str(model), "--input", str(test), "--output", str(out)]
    )
    assert r.exit_code == 0, r.output
    pred = pd.read_csv(out)
    assert list(pred.columns) == ["row", "proba", "pred"] and pred["row"].tolist() == list(range(200))
    truth = df.iloc[700:]["Machine failure"].to_numpy()
    assert ((pred["pred"] == 1) & (truth == 1)).sum() > 0.6 * truth.sum()
    r = runner.invoke(
        app, ["tabular", "fit", "--train", str(train), "--target", "Failure", "--out", str(model)]
    )
    assert r.exit_code != 0 and "Failure" in r.stderr
    r = runner.invoke(
        app,
        [
            "tabular",
            "predict",
            "--model",
            str(tmp_path / "none.joblib"),
            "--input",
            str(test),
            "--output",
            str(out),
        ],
    )
    assert r.exit_code != 0 and "not found" in r.stderr
