"""`jejo furniture ...`: cabinet orders, cutting plans, labels, CNC files and part scans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from jejo.cli_support import cli_errors, emit
from jejo.core.errors import Problem, ValidationError

app = typer.Typer(no_args_is_help=True)
COMPANY = typer.Option(..., "--company", help="Company code")


def _read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{file}: not JSON", [Problem(exc.msg, row=exc.lineno)]) from exc


@app.command("explode")
def explode_cmd(
    file: Path = typer.Argument(..., help="Order JSON: {code, cabinets: [{kind, width, height, ...}]}"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Explode cabinets into panels (no database): id, name, material, size, edges, holes."""
    from dataclasses import asdict

    from jejo.furniture.cabinets import explode_order, spec_from_dict

    with cli_errors():
        d = _read_json(file)
        parts = explode_order([spec_from_dict(c) for c in d.get("cabinets", [])], d.get("code", "ORDER"))
        out = {"parts": [{**asdict(p), "borings": len(p.borings)} for p in parts]}
    emit(
        out,
        as_json,
        lambda o: "\n".join(
            f"{p['id']}\t{p['name']}\t{p['material']}\t{p['length']:g}x{p['width']:g}x{p['thickness']:g}"
            f"\t{' '.join(p['edges']) or '-'}\t{p['borings']}"
            for p in o["parts"]
        ),
    )


@app.command("import-cutlist")
def import_cutlist_cmd(
    file: Path = typer.Argument(..., help="Template .xlsx/.csv or OpenCutList CSV"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Read a cut list; list its parts, or every problem with its row and column (exit code 2)."""
    from dataclasses import asdict

    from jejo.furniture.cutlist_import import read_cutlist

    with cli_errors():
        res = read_cutlist(file.name, file.read_bytes())
        if res.problems:
            raise ValidationError(f"{file.name}: cut list has problems", res.problems)
        out = {"format": res.format, "parts": [asdict(r) for r in res.rows]}
    emit(
        out,
        as_json,
        lambda o: f"{o['format']}: {len(o['parts'])} rows, {sum(p['qty'] for p in o['parts'])} parts",
    )


@app.command("order")
def order_cmd(
    file: Path = typer.Argument(..., help="Order JSON: {code, customer, due_date, cabinets, parts}"),
    company: str = COMPANY,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Enter an order: panels, items/BOMs/routings and work orders."""
    from jejo.core.runtime import Runtime
    from jejo.furniture import service
    from jejo.masterdata.users import get_company

    with cli_errors(), Runtime().transaction() as s:
        o = service.create_order(s, get_company(s, company).id, _read_json(file), "cli")
        out = service.order_summary(o)
    emit(
        out,
        as_json,
        lambda o: f"{o['code']}: {o['cabinets']} cabinets, {o['parts']} parts, WO {o['work_orders']}",
    )


@app.command("plan")
def plan_cmd(
    code: str = typer.Argument(..., help="Order code"),
    company: str = COMPANY,
    time_limit: float = typer.Option(5.0, "--time-limit"),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the cutting diagrams as PDF"),
    saw_csv: Path | None = typer.Option(None, "--saw-csv", help="Write the saw's cutting list (CSV)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Plan the order's cutting per material; optionally write diagrams and the saw list."""
    from jejo.core.runtime import Runtime
    from jejo.furniture import service
    from jejo.masterdata.users import get_company

    with cli_errors(), Runtime().transaction() as s:
        cid = get_company(s, company).id
        rep = service.plan_order(s, cid, code, time_limit=time_limit)
        o = service.get_order(s, cid, code)
        if pdf:
            from jejo.furniture.diagram import plan_pdf

            pdf.write_bytes(
                plan_pdf(service.plan_of(o), f"{code} 재단 계획", edges={p.code: p.edges for p in o.parts})
            )
        if saw_csv:
            saw_csv.write_text(service.saw_csv(o), encoding="utf-8")
    rep = {k: v for k, v in rep.items() if k != "per_sheet"}
    emit(
        rep,
        as_json,
        lambda o: f"sheets {o['sheets']}, yield {o['yield']:.1%}, cuts {o['cut_count']}, cost {o['cost']}",
    )


@app.command("labels")
def labels_cmd(
    code: str = typer.Argument(..., help="Order code"),
    out: Path = typer.Option(..., "--out", help="labels.pdf (A4 sheets) or labels.zpl (Zebra)"),
    company: str = COMPANY,
    code128: bool = typer.Option(False, "--code128", help="Code 128 instead of QR"),
    korean_font: str | None = typer.Option(None, "--korean-font", help="ZPL: printer font with Korean"),
) -> None:
    """Write one label per panel."""
    from jejo.core.runtime import Runtime
    from jejo.furniture import labels, service
    from jejo.masterdata.users import get_company

    sym = "code128" if code128 else "qr"
    with cli_errors(), Runtime().transaction() as s:
        data = service.labels(s, get_company(s, company).id, code)
        if out.suffix.lower() == ".zpl":
            out.write_text(labels.labels_zpl(data, sym, korean_font), encoding="utf-8")
        else:
            out.write_bytes(labels.labels_pdf(data, sym))
    typer.echo(f"{len(data)} labels → {out}")


@app.command("boring")
def boring_cmd(
    code: str = typer.Argument(..., help="Order code"),
    out: Path = typer.Option(..., "--out", help="ZIP of one DXF per bored panel"),
    company: str = COMPANY,
) -> None:
    """Write the CNC boring DXF files."""
    from jejo.core.runtime import Runtime
    from jejo.furniture import service
    from jejo.furniture.dxf import parts_zip
    from jejo.masterdata.users import get_company

    with cli_errors(), Runtime().transaction() as s:
        o = service.get_order(s, get_company(s, company).id, code)
        out.write_bytes(parts_zip([service.panel(p) for p in o.parts]))
    typer.echo(f"→ {out}")


@app.command("scan")
def scan_cmd(
    part_id: str = typer.Argument(...),
    station: str = typer.Argument(..., help="WC-SAW, WC-EDGE, WC-BORE, WC-ASM or WC-PACK"),
    company: str = COMPANY,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record a label scan at a station (refused with a message at a wrong station or twice)."""
    from jejo.core.runtime import Runtime
    from jejo.furniture import service
    from jejo.masterdata.users import get_company

    with cli_errors(), Runtime().transaction() as s:
        d = service.scan(s, get_company(s, company).id, part_id, station, actor="cli", source="cli")
    emit(
        {"accepted": d.accepted, "outcome": d.outcome, "message": d.message}, as_json, lambda o: o["message"]
    )
    if not d.accepted and d.outcome != "duplicate":
        raise typer.Exit(2)


@app.command("board")
def board_cmd(
    code: str = typer.Argument(..., help="Order code"),
    company: str = COMPANY,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Where every part of every cabinet is; what is missing."""
    from jejo.core.runtime import Runtime
    from jejo.furniture import service
    from jejo.masterdata.users import get_company

    with cli_errors(), Runtime().transaction() as s:
        b = service.board(s, get_company(s, company).id, code)

    def human(o: dict[str, Any]) -> str:
        lines = [f"{o['order']}: {o['parts_done']}/{o['parts']} parts packed"]
        for c in o["cabinets"]:
            miss = ", ".join(f"{m['id']}→{m['next']}" for m in c["missing"][:6])
            lines.append(
                f"  {c['cabinet']} {c['title']}: {c['packed']}/{c['count']}"
                + (f"  missing {miss}" if miss else "")
            )
        return "\n".join(lines)

    emit(b, as_json, human)
