"""``jejo twin``: Asset Administration Shells (AASX / JSON), B2MML export and import, KAMP datasets."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from jejo.cli_support import cli_errors, emit

app = typer.Typer(no_args_is_help=True, help="Digital twin and data standards: AAS, B2MML, KAMP datasets.")
aas_app = typer.Typer(no_args_is_help=True, help="Asset Administration Shells of the equipment.")
b2mml_app = typer.Typer(no_args_is_help=True, help="ISA-95 B2MML documents.")
dataset_app = typer.Typer(no_args_is_help=True, help="KAMP-convention datasets.")
app.add_typer(aas_app, name="aas")
app.add_typer(b2mml_app, name="b2mml")
app.add_typer(dataset_app, name="dataset")

JSON_OPT = typer.Option(False, "--json", help="Print one JSON object on stdout.")
COMPANY = typer.Option(..., "--company", help="Company code")


def _company(session: Any, code: str) -> Any:
    from jejo.masterdata.users import get_company

    return get_company(session, code)


@aas_app.command("export")
def aas_export(
    company: str = COMPANY,
    equipment: list[str] = typer.Option(None, "--equipment", help="Equipment code (repeat; all by default)"),
    out: Path = typer.Option(..., "--out", help="File to write: .aasx (package) or .json (AAS environment)"),
    as_json: bool = JSON_OPT,
) -> None:
    """Export the machines' shells (Nameplate, Technical Data, Time Series, Operational Data)."""
    from jejo.core.errors import Problem, ValidationError
    from jejo.core.runtime import Runtime
    from jejo.twin import aas

    with cli_errors(), Runtime().transaction() as s:
        if out.suffix.lower() not in (".aasx", ".json"):
            raise ValidationError(
                "unknown output format", [Problem(reason="use .aasx or .json", field="out")]
            )
        cid = _company(s, company).id
        store, shells = aas.build_store(s, cid, equipment or None)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".aasx":
            aas.write_aasx(store, shells, out)
        else:
            aas.write_json(store, out)
    emit({"out": str(out), "shells": len(shells), "submodels": len(store) - len(shells)}, as_json)


@b2mml_app.command("export")
def b2mml_export(
    company: str = COMPANY,
    kind: list[str] = typer.Option(
        None, "--kind", help="equipment | material | schedule | performance (repeat; all by default)"
    ),
    out: Path = typer.Option(
        ..., "--out", help="Folder (one b2mml-<kind>.xml per document) or one .xml file"
    ),
    as_json: bool = JSON_OPT,
) -> None:
    """Export B2MML documents."""
    from jejo.core.errors import Problem, ValidationError
    from jejo.core.runtime import Runtime
    from jejo.twin import b2mml

    kinds = kind or list(b2mml.KINDS)
    written: list[str] = []
    with cli_errors(), Runtime().transaction() as s:
        cid = _company(s, company).id
        if out.suffix.lower() == ".xml":
            if len(kinds) != 1:
                raise ValidationError(
                    "one file holds one document", [Problem(reason="name one --kind", field="kind")]
                )
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(b2mml.export(s, cid, kinds[0]))
            written.append(str(out))
        else:
            out.mkdir(parents=True, exist_ok=True)
            for k in kinds:
                path = out / f"b2mml-{k}.xml"
                path.write_bytes(b2mml.export(s, cid, k))
                written.append(str(path))
    emit({"files": written}, as_json, lambda o: "\n".join(o["files"]))


@b2mml_app.command("import")
def b2mml_import(
    files: list[Path] = typer.Argument(
        ..., help="B2MML documents (imported in the order equipment, material, schedule, performance)"
    ),
    company: str = COMPANY,
    as_json: bool = JSON_OPT,
) -> None:
    """Import B2MML documents into a company: all of them or nothing."""
    from jejo.core.runtime import Runtime
    from jejo.twin import b2mml

    with cli_errors():
        docs = []
        for f in files:
            data = f.read_bytes()
            docs.append((b2mml.KINDS.index(b2mml.kind_of(b2mml.parse(data))), str(f), data))
        results = []
        with Runtime().transaction() as s:
            cid = _company(s, company).id
            for _, name, data in sorted(docs, key=lambda d: d[0]):
                results.append({"file": name, **b2mml.import_document(s, cid, data, actor="cli").as_dict()})
    emit({"imported": results}, as_json)


@dataset_app.command("export")
def dataset_export(
    company: str = COMPANY,
    equipment: str | None = typer.Option(None, "--equipment", help="A machine's history"),
    process: str | None = typer.Option(None, "--process", help="A process's (work center's) history"),
    start: str = typer.Option(..., "--from", help="Start (date or ISO time; dates are local midnights)"),
    end: str = typer.Option(..., "--to", help="End (exclusive)"),
    sampling: str = typer.Option(
        "cycle", "--sampling", help="cycle (one row per cycle) | time (per time step)"
    ),
    step_s: float = typer.Option(60.0, "--step", help="Time step in seconds (time sampling)"),
    consent_by: str = typer.Option(..., "--consent-by", help="Who gave the firm's consent"),
    purpose: str = typer.Option(..., "--purpose", help="What the data is for"),
    recipient: str | None = typer.Option(None, "--recipient", help="Who receives it"),
    anonymise: bool = typer.Option(
        False, "--anonymise", help="Pseudonymise machine, product and order codes"
    ),
    out: Path = typer.Option(
        ..., "--out", help="CSV to write; the description goes next to it (.description.json)"
    ),
    as_json: bool = JSON_OPT,
) -> None:
    """Export a KAMP-convention dataset (CSV, UTF-8 with BOM) with its data description."""
    from jejo.core.errors import Problem, ValidationError
    from jejo.core.runtime import Runtime
    from jejo.kpi.sources import parse_period, site_timezone
    from jejo.twin import datasets

    rt = Runtime()
    with cli_errors(), rt.transaction() as s:
        if (equipment is None) == (process is None):
            raise ValidationError(
                "name what to export", [Problem(reason="give --equipment or --process", field="equipment")]
            )
        co = _company(s, company)
        period = parse_period(start, end, site_timezone(s, co.id))
        key = datasets.firm_key(rt.settings.effective_secret_key(), co.code) if anonymise else None
        ds = datasets.export_dataset(
            s,
            co.id,
            scope="equipment" if equipment else "work_center",
            code=equipment or process or "",
            period=period,
            consent=datasets.Consent(consent_by, purpose, recipient),
            actor="cli",
            sampling=sampling,
            step_s=step_s,
            key=key,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(ds.csv)
        desc = out.with_suffix(".description.json")
        desc.write_bytes(ds.description_json)
    emit(
        {
            "csv": str(out),
            "description": str(desc),
            "rows": ds.description["file"]["rows"],
            "columns": len(ds.description["columns"]),
            "consent_record": ds.record_id,
            "sha256": ds.description["file"]["sha256"],
        },
        as_json,
    )


@dataset_app.command("import")
def dataset_import(
    input: Path = typer.Option(..., "--input", help="KAMP-style CSV (UTF-8, UTF-8 with BOM or CP949)"),
    label: str | None = typer.Option(
        None, "--label", help="Label column (found by name by default: PassOrFail, ...)"
    ),
    drop: str = typer.Option("", "--drop", help="Comma-separated columns to leave out"),
    model: Path | None = typer.Option(None, "--model", help="Save the trained quality model here (.joblib)"),
    company: str | None = typer.Option(None, "--company", help="Register the model with this company"),
    register: str | None = typer.Option(None, "--register", help="Model name in the company's AI registry"),
    as_json: bool = JSON_OPT,
) -> None:
    """Read a KAMP-style CSV and train jejo's quality classifier on it (scored on a 25 % hold-out);
    with ``--company`` and ``--register`` the model becomes a candidate version in the AI registry."""
    from jejo.ai.base import save_model
    from jejo.ai.io import split_names
    from jejo.twin import datasets

    with cli_errors():
        if (company is None) != (register is None):
            from jejo.core.errors import Problem, ValidationError

            raise ValidationError(
                "registering needs both", [Problem(reason="give --company and --register", field="register")]
            )
        df = datasets.read_kamp_csv(input)
        tr = datasets.train_quality_model(df, label, split_names(drop))
        out: dict[str, Any] = {"input": str(input), **tr.summary()}
        if model is not None:
            save_model(
                tr.model, model, source=str(input.name), label=tr.label, trained=datetime.now().isoformat()
            )
            out["model"] = str(model)
        if company is not None and register is not None:
            from jejo.ai import registry
            from jejo.core.runtime import Runtime

            rt = Runtime()
            with rt.transaction() as s:
                row = registry.register(
                    s,
                    _company(s, company).id,
                    rt.settings.data_dir,
                    name=register,
                    model=tr.model,
                    features=tr.features,
                    data_ref=f"KAMP CSV {input.name}",
                    metrics={"f1": tr.f1, "accuracy": tr.accuracy, "test_rows": tr.test_rows},
                    created_by="cli",
                    note=f"label {tr.label}",
                )
                out["registered"] = {"name": row.name, "version": row.version, "status": row.status}
    emit(out, as_json)


from jejo.twin.whatif_cli import whatif as _whatif  # noqa: E402

app.command("whatif")(_whatif)


def _mount_whatif() -> None:
    """``jejo twin whatif`` lives in its own module (the calibrated what-if twin)."""
    try:
        from jejo.twin import whatif_cli
    except ModuleNotFoundError:
        return
    cmd = getattr(whatif_cli, "whatif", None)
    if cmd is not None:
        app.command("whatif")(cmd)


_mount_whatif()
